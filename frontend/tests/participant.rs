//! The participant's consent journey in headless Chromium: records signed
//! with a key from the browser's CSPRNG and verified, the anchoring entry
//! accepted by the ledger's rules, the FHIR export's shape, the vault's
//! round trip and wrong-passphrase error, the IndexedDB store across a
//! "reload", and HTML forms turned into text without running them.
#![cfg(target_arch = "wasm32")]
// clippy.toml allows unwrap in `#[test]`s; it does not see `#[wasm_bindgen_test]`.
#![allow(clippy::unwrap_used)]

use frontend::keys::{KdfParams, KeyFileError, SponsorKey, random_bytes};
use frontend::participant::browser::html_text;
use frontend::participant::fhir::consent_resource;
use frontend::participant::record::{
    Anchor, Decision, FormRef, GiveConsent, Receipt, RecordError, SignedRecord, anchor_entry,
};
use frontend::participant::store::ParticipantStore;
use frontend::participant::vault::{VaultContents, VaultFile};
use verifier::fixtures;
use verifier::predicate::ConsentOption;
use verifier::trial::Ledger;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses (tests share an origin).
fn fresh_db(test: &str) -> String {
    format!("trial-ledger-test-{test}-{}", js_sys::Math::random())
}

const FAST: KdfParams = KdfParams {
    m_cost_kib: 64,
    t_cost: 1,
    p_cost: 1,
};

fn options() -> Vec<ConsentOption> {
    let option = |id: &str, required| ConsentOption {
        id: id.to_owned(),
        label: format!("Label of {id}"),
        required,
    };
    vec![
        option("participate", true),
        option("future-research", false),
    ]
}

fn give(key: &SponsorKey, trial_id: &str, form_sha256: &str) -> SignedRecord {
    SignedRecord::give(
        GiveConsent {
            record_id: verifier::merkle::hex(&random_bytes::<16>().unwrap()),
            trial_id: trial_id.to_owned(),
            trial_title: "SALT-BP".into(),
            form: FormRef {
                sha256: form_sha256.to_owned(),
                subject: fixtures::CONSENT_V2.into(),
                version: "2".into(),
                language: "en".into(),
            },
            options: options(),
            name: "Grace Hopper".into(),
            choices: vec![
                Decision {
                    option: "participate".into(),
                    permit: true,
                },
                Decision {
                    option: "future-research".into(),
                    permit: true,
                },
            ],
            at: frontend::keys::now_rfc3339(),
        },
        &key.signing_key().unwrap(),
    )
    .unwrap()
}

#[wasm_bindgen_test]
fn a_record_signed_with_a_browser_key_verifies_and_tampering_is_caught() {
    let key = SponsorKey::generate("TL-0000000000000000").unwrap();
    let other = SponsorKey::generate("TL-1111111111111111").unwrap();
    assert_ne!(key.public_key, other.public_key, "keys are per trial");
    let record = give(&key, "TL-0000000000000000", &"ab".repeat(32));
    record.verify().unwrap();
    let withdrawn = record
        .withdraw(
            Some(&["future-research".to_owned()]),
            &frontend::keys::now_rfc3339(),
            &key.signing_key().unwrap(),
        )
        .unwrap();
    withdrawn.verify().unwrap();
    assert!(withdrawn.is_active());
    assert!(!withdrawn.permits("future-research"));
    let mut forged = withdrawn.clone();
    forged.events[1].body.choices[1].permit = true;
    assert!(forged.verify().is_err());
    assert_eq!(
        record.withdraw(None, "2026-01-01T00:00:00Z", &other.signing_key().unwrap()),
        Err(RecordError::WrongKey)
    );
}

#[wasm_bindgen_test]
fn the_anchor_entry_passes_the_ledgers_consent_rules() {
    let chain = fixtures::chain().unwrap();
    let mut ledger = Ledger::new();
    for (i, bytes) in chain.entries.iter().enumerate() {
        ledger.apply(i as u64, bytes).unwrap();
    }
    let key = SponsorKey::generate(chain.trial_id.as_str()).unwrap();
    let form = fixtures::form_hash(fixtures::CONSENT_V2);
    let record = give(&key, chain.trial_id.as_str(), &form);
    let salt: [u8; 32] = random_bytes().unwrap();
    let bytes = anchor_entry(
        &record,
        0,
        &salt,
        &key.signing_key().unwrap(),
        "2026-01-01T00:00:00Z",
    )
    .unwrap();
    ledger.check(&bytes).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(!text.contains("Grace"));
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let receipt = Receipt::new(
        record,
        vec![Anchor {
            seq: 0,
            salt: b64.encode(salt),
            entry: b64.encode(&bytes),
            entry_hash: verifier::entry::entry_hash(&bytes),
            index: 99,
            witnessed: None,
        }],
    );
    receipt.verify().unwrap();
    // A form that is not registered is refused by the rules.
    let unregistered = give(&key, chain.trial_id.as_str(), &"cd".repeat(32));
    let bytes = anchor_entry(
        &unregistered,
        0,
        &salt,
        &key.signing_key().unwrap(),
        "2026-01-01T00:00:00Z",
    )
    .unwrap();
    assert!(ledger.check(&bytes).is_err());
}

#[wasm_bindgen_test]
fn fhir_export_is_an_r4_consent() {
    let key = SponsorKey::generate("TL-0000000000000000").unwrap();
    let record = give(&key, "TL-0000000000000000", &"ab".repeat(32));
    let fhir = consent_resource(&record);
    assert_eq!(fhir["resourceType"], "Consent");
    assert_eq!(fhir["status"], "active");
    assert_eq!(fhir["scope"]["coding"][0]["code"], "research");
    assert_eq!(fhir["patient"]["reference"], "#participant");
    assert_eq!(fhir["provision"]["provision"][1]["type"], "permit");
    assert!(!fhir.to_string().contains("Grace"));
}

#[wasm_bindgen_test]
fn vault_round_trip_and_wrong_passphrase() {
    let key = SponsorKey::generate("TL-0000000000000000").unwrap();
    let record = give(&key, "TL-0000000000000000", &"ab".repeat(32));
    let contents = VaultContents {
        keys: vec![key],
        receipts: vec![Receipt::new(record, vec![])],
    };
    let file = VaultFile::seal(
        &contents,
        "a long passphrase",
        FAST,
        random_bytes().unwrap(),
        random_bytes().unwrap(),
        "2026-01-01T00:00:00Z",
    )
    .unwrap();
    let parsed = VaultFile::parse(file.to_json().as_bytes()).unwrap();
    assert_eq!(parsed.open("a long passphrase").unwrap(), contents);
    assert_eq!(
        parsed.open("a wrong passphrase"),
        Err(KeyFileError::WrongPassphrase)
    );
}

#[wasm_bindgen_test]
async fn the_store_keeps_keys_and_records_across_reopen_and_deletes_all() {
    let name = fresh_db("participant");
    let key = SponsorKey::generate("TL-0000000000000000").unwrap();
    let record = give(&key, "TL-0000000000000000", &"ab".repeat(32));
    let receipt = Receipt::new(record.clone(), vec![]);
    let store = ParticipantStore::open(&name).await.unwrap();
    store.save_key(&key).await.unwrap();
    store.save_receipt(&receipt).await.unwrap();
    store.close();

    // A "reload": a new connection.
    let store = ParticipantStore::open(&name).await.unwrap();
    assert_eq!(
        store.key_for("TL-0000000000000000").await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.receipts().await.unwrap(), vec![receipt.clone()]);
    // Importing a longer history of the same record extends it.
    let later = record
        .withdraw(None, "2026-06-01T00:00:00Z", &key.signing_key().unwrap())
        .unwrap();
    let done = store
        .import(VaultContents {
            keys: vec![key.clone()],
            receipts: vec![Receipt::new(later.clone(), vec![])],
        })
        .await
        .unwrap();
    assert_eq!((done.keys, done.records), (0, 1));
    store.close();
    let store = ParticipantStore::open(&name).await.unwrap();
    let kept = store
        .receipt(&record.header.record_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.record, later);
    store.delete_all().await.unwrap();
    assert!(store.receipts().await.unwrap().is_empty());
    assert_eq!(store.key_for("TL-0000000000000000").await.unwrap(), None);
    store.close();
}

#[wasm_bindgen_test]
fn html_forms_become_text_without_running() {
    let text = html_text(
        "<h1>Consent</h1><script>window.__ran = 1</script><p>I agree <b>freely</b>.</p>\
         <img src=x onerror=\"window.__ran = 2\">",
    )
    .unwrap();
    assert!(text.contains("Consent"), "{text}");
    assert!(text.contains("I agree freely."), "{text}");
    let ran = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__ran".into()).unwrap();
    assert!(ran.is_undefined());
}
