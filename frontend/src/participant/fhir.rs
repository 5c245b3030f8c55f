//! A consent record as a **FHIR R4 `Consent`** resource, for a study site's
//! systems.
//!
//! Mapping (FHIR R4 4.0.1, `Consent`):
//!
//! | FHIR | from |
//! |---|---|
//! | `identifier` | the record id (`urn:trial-ledger:consent-record`) |
//! | `status` | `active` while every required option is consented to, else `inactive` |
//! | `scope` | `research` (`http://terminology.hl7.org/CodeSystem/consentscope`) |
//! | `category` | `research` from `consentcategorycodes` ([`CATEGORY`]) |
//! | `patient` | `#participant`, a **contained, pseudonymous** `Patient` identified only by the per-trial key id (no name: the name stays in the signed receipt) |
//! | `dateTime` | the `given` event's time |
//! | `policy` | `authority` = the trial (`urn:trial-ledger:trial:TL-…`), `uri` = the form by hash as an RFC 6920 `ni:///sha-256;…` name |
//! | `provision` | `permit` (or `deny` once withdrawn) over the consent period, with one nested `permit`/`deny` provision per form option (code system `urn:trial-ledger:consent-option`) |
//! | `extension` | the form's registered version and language, the receipt digest |

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use verifier::entry::decode_sha256_hex;
use verifier::predicate::ConsentEvent;

use super::record::SignedRecord;

/// FHIR's consent scope code system.
pub const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
/// Category: `http://terminology.hl7.org/CodeSystem/consentcategorycodes#research`
/// ("Research Information Access").
pub const CATEGORY: (&str, &str, &str) = (
    "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
    "research",
    "Research Information Access",
);
/// The code system of form options.
pub const OPTION_SYSTEM: &str = "urn:trial-ledger:consent-option";
/// The identifier system of participant keys.
pub const KEY_SYSTEM: &str = "urn:trial-ledger:participant-key";
/// The identifier system of consent records.
pub const RECORD_SYSTEM: &str = "urn:trial-ledger:consent-record";

/// RFC 6920 name of a SHA-256 digest: `ni:///sha-256;<base64url>`.
pub fn ni_uri(sha256_hex: &str) -> String {
    match decode_sha256_hex(sha256_hex) {
        Some(bytes) => format!("ni:///sha-256;{}", URL_SAFE_NO_PAD.encode(bytes)),
        None => format!("urn:trial-ledger:sha256:{sha256_hex}"),
    }
}

/// The record as a FHIR R4 `Consent` resource.
pub fn consent_resource(record: &SignedRecord) -> Value {
    let header = &record.header;
    let given_at = record
        .events
        .first()
        .map(|e| e.body.at.clone())
        .unwrap_or_default();
    let ended = record
        .events
        .iter()
        .rev()
        .find(|e| e.body.event == ConsentEvent::Withdrawn && !record.is_active())
        .map(|e| e.body.at.clone());
    let active = record.is_active();
    let keyid = record
        .verifying_key()
        .map(|k| verifier::dsse::keyid(&k))
        .unwrap_or_default();
    let provisions: Vec<Value> = header
        .options
        .iter()
        .map(|o| {
            json!({
                "type": if active && record.permits(&o.id) { "permit" } else { "deny" },
                "code": [{
                    "coding": [{ "system": OPTION_SYSTEM, "code": o.id, "display": o.label }],
                    "text": o.label,
                }],
            })
        })
        .collect();
    let mut period = json!({ "start": given_at });
    if let Some(end) = &ended {
        period["end"] = json!(end);
    }
    json!({
        "resourceType": "Consent",
        "id": header.record_id,
        "contained": [{
            "resourceType": "Patient",
            "id": "participant",
            "identifier": [{ "system": KEY_SYSTEM, "value": keyid }],
        }],
        "identifier": [{ "system": RECORD_SYSTEM, "value": header.record_id }],
        "status": if active { "active" } else { "inactive" },
        "scope": { "coding": [{ "system": SCOPE_SYSTEM, "code": "research", "display": "Research" }] },
        "category": [{ "coding": [{ "system": CATEGORY.0, "code": CATEGORY.1, "display": CATEGORY.2 }] }],
        "patient": { "reference": "#participant" },
        "dateTime": given_at,
        "performer": [{ "reference": "#participant" }],
        "policy": [{
            "authority": format!("urn:trial-ledger:trial:{}", header.trial_id),
            "uri": ni_uri(&header.form.sha256),
        }],
        "provision": {
            "type": if active { "permit" } else { "deny" },
            "period": period,
            "provision": provisions,
        },
        "extension": [
            { "url": "urn:trial-ledger:consent-form-version", "valueString": header.form.version },
            { "url": "urn:trial-ledger:consent-form-language", "valueCode": header.form.language },
            { "url": "urn:trial-ledger:consent-record-digest", "valueString": record.digest() },
        ],
    })
}

/// Pretty JSON of [`consent_resource`].
pub fn consent_json(record: &SignedRecord) -> String {
    serde_json::to_string_pretty(&consent_resource(record)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participant::record::tests::{give, key};

    #[test]
    fn fhir_consent_has_the_r4_shape() {
        let record = give(false).unwrap();
        let fhir: Value = serde_json::from_str(&consent_json(&record)).unwrap();
        assert_eq!(fhir["resourceType"], "Consent");
        assert_eq!(fhir["status"], "active");
        assert_eq!(fhir["scope"]["coding"][0]["code"], "research");
        assert_eq!(fhir["patient"]["reference"], "#participant");
        assert_eq!(fhir["contained"][0]["resourceType"], "Patient");
        assert_eq!(fhir["dateTime"], "2026-03-01T10:00:00Z");
        assert!(
            fhir["policy"][0]["uri"]
                .as_str()
                .unwrap()
                .starts_with("ni:///sha-256;")
        );
        let p = &fhir["provision"]["provision"];
        assert_eq!(p.as_array().unwrap().len(), 3);
        assert_eq!(p[0]["type"], "permit");
        assert_eq!(p[2]["type"], "deny");
        assert_eq!(p[2]["code"][0]["coding"][0]["code"], "future-research");
        // Pseudonymous: no name anywhere.
        assert!(!fhir.to_string().contains("Ada"));
    }

    #[test]
    fn a_withdrawn_consent_is_inactive_and_denies_everything() {
        let record = give(true)
            .unwrap()
            .withdraw(None, "2026-04-01T00:00:00Z", &key())
            .unwrap();
        let fhir = consent_resource(&record);
        assert_eq!(fhir["status"], "inactive");
        assert_eq!(fhir["provision"]["type"], "deny");
        assert_eq!(fhir["provision"]["period"]["end"], "2026-04-01T00:00:00Z");
        assert!(
            fhir["provision"]["provision"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["type"] == "deny")
        );
    }

    #[test]
    fn ni_names_follow_rfc_6920() {
        // RFC 6920 §3's example: sha-256 of "Hello World!".
        let h = verifier::entry::sha256_hex(b"Hello World!");
        assert_eq!(
            ni_uri(&h),
            "ni:///sha-256;f4OxZX_x_FO5LcGBSKHWXfwtSx-j1ncoSt3SABJtkGk"
        );
    }
}
