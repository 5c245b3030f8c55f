//! The consent record: what a participant signs, keeps and shows.
//!
//! The model follows ISO/IEC TS 27560 (consent record information
//! structure): a record id, the "notice" (the trial and the registered
//! consent form by hash, version and language, with its options), the
//! data principal (the participant's printed name and a per-trial
//! pseudonymous key), and an **append-only list of events** (`given`,
//! then `withdrawn` — completely or per option), each with its time and
//! the state of every option after it.
//!
//! **Signing.** Each event is signed with the per-trial Ed25519 key over
//! [`EVENT_DOMAIN`] ‖ JSON of `{header, event}` (the typed structs below,
//! whose serde form is fixed). Each event names the SHA-256 of the
//! previous signed event (or of the header, for the first) in `prev`, so
//! an event cannot be removed, reordered or edited without breaking a
//! signature. 21 CFR 11.50: the header carries the printed name and the
//! meaning of the signature, each event the date and time.
//!
//! **Commitment.** What may go to the ledger is only
//! SHA-256(salt ‖ JSON of the record up to and including the event) with
//! a fresh 32-byte salt ([`commitment`]): it reveals nothing without the
//! salt, which stays in the browser (and in the receipt the participant
//! chooses to show). [`anchor_entry`] builds the `consent` entry.
//!
//! **Receipt** ([`Receipt`], `trial-ledger-consent-receipt/v1`): the signed
//! record plus the anchors (salt, exact entry bytes, log index) so that a
//! study site can check everything ([`check_anchor`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use verifier::entry::{
    Entry, EntryBuilder, decode_signer_key, encode_signer_key, entry_hash, sha256_hex,
};
use verifier::predicate::{Consent, ConsentEvent, ConsentOption, Predicate, Timestamp};
use verifier::statement::ROLE_CONSENT_RECORD;

/// `format` of a consent record's header.
pub const RECORD_FORMAT: &str = "trial-ledger-consent-record/v1";
/// `format` of a receipt.
pub const RECEIPT_FORMAT: &str = "trial-ledger-consent-receipt/v1";
/// Domain separation of the event signatures.
pub const EVENT_DOMAIN: &[u8] = b"trial-ledger consent event v1\n";
/// The meaning of the signature (21 CFR 11.50(b)), shown before signing
/// and signed as part of the header.
pub const SIGNATURE_MEANING: &str = "I have read the consent form shown, I understand it, and I \
give my consent to take part in this trial with the choices recorded here. I can withdraw \
at any time.";
/// The meaning of a withdrawal's signature.
pub const WITHDRAWAL_MEANING: &str =
    "I withdraw the consent recorded here, for the options listed.";
/// Longest printed name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Largest receipt accepted, in bytes.
pub const MAX_RECEIPT_BYTES: usize = 1 << 20;

/// Why a record cannot be made, extended or trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The printed name is missing or too long.
    #[error("type your full name (at most {MAX_NAME_CHARS} characters) to sign")]
    Name,
    /// A required option was not agreed to.
    #[error("“{0}” is required to take part; tick it to sign")]
    RequiredOption(String),
    /// Choices do not match the form's options.
    #[error("the choices do not match the form's options: {0}")]
    Choices(String),
    /// The record is already completely withdrawn.
    #[error("this consent is already withdrawn completely")]
    AlreadyWithdrawn,
    /// Withdrawing an option that is not currently given.
    #[error("option “{0}” is not currently consented to, so it cannot be withdrawn")]
    NotGiven(String),
    /// A time that is not RFC 3339.
    #[error("invalid time {0:?}")]
    Time(String),
    /// Not a receipt, or of another format.
    #[error("this is not a Trial Ledger consent receipt: {0}")]
    NotAReceipt(String),
    /// The public key is unreadable.
    #[error("the record's signer key is unreadable: {0}")]
    Key(String),
    /// The signing key is not the record's.
    #[error("this browser's key for the trial is not the key that signed the record")]
    WrongKey,
    /// The event list is malformed (order, kinds).
    #[error("event {seq}: {reason}")]
    Event {
        /// The event's sequence number.
        seq: u32,
        /// What is wrong.
        reason: String,
    },
    /// A signature does not verify.
    #[error("the signature of event {0} does not verify: the record was altered")]
    Signature(u32),
    /// An anchor does not match.
    #[error("anchor of event {seq}: {reason}")]
    Anchor {
        /// The anchored event.
        seq: u32,
        /// What is wrong.
        reason: String,
    },
}

/// The consent form signed: a registered consent-form subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRef {
    /// SHA-256 (lowercase hex) of the form document's exact bytes.
    pub sha256: String,
    /// The subject's name, e.g. `consent-v2-en.pdf`.
    pub subject: String,
    /// The registered version.
    pub version: String,
    /// The registered language (BCP 47).
    pub language: String,
}

/// What is signed once for the whole record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordHeader {
    /// [`RECORD_FORMAT`].
    pub format: String,
    /// Random id of the record (32 hex digits).
    pub record_id: String,
    /// The trial, `TL-…`.
    pub trial_id: String,
    /// The trial's public title, as verified when signing.
    pub trial_title: String,
    /// The form.
    pub form: FormRef,
    /// The form's options as registered (id, label, required).
    pub options: Vec<ConsentOption>,
    /// The participant's printed name (21 CFR 11.50(a)(1)).
    pub participant_name: String,
    /// Base64 of the per-trial Ed25519 public key.
    pub signer_key: String,
    /// The meaning of the signature (21 CFR 11.50(a)(3)).
    pub meaning: String,
}

/// One option's state after an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The option's id.
    pub option: String,
    /// Consented to (permit) or not (deny).
    pub permit: bool,
}

/// The signed part of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// 0 for the first event, then 1, 2, …
    pub seq: u32,
    /// Given or withdrawn.
    pub event: ConsentEvent,
    /// When (RFC 3339, the browser's clock; 21 CFR 11.50(a)(2)).
    pub at: String,
    /// The options this event withdraws (empty for `given`).
    #[serde(default)]
    pub withdrawn: Vec<String>,
    /// Every option's state after the event.
    pub choices: Vec<Decision>,
    /// SHA-256 (hex) of the previous signed event's JSON, or of the
    /// header's for the first event.
    pub prev: String,
}

/// An event with its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEvent {
    /// The signed body.
    pub body: EventBody,
    /// Base64 Ed25519 signature over [`EVENT_DOMAIN`] ‖ JSON `{header, body}`.
    pub signature: String,
}

/// The header and every event so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRecord {
    /// Signed once.
    pub header: RecordHeader,
    /// Append-only.
    pub events: Vec<SignedEvent>,
}

/// An event committed to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The event anchored.
    pub seq: u32,
    /// Base64 of the 32-byte salt.
    pub salt: String,
    /// Base64 of the exact entry bytes submitted.
    pub entry: String,
    /// The entry's `entry_hash`.
    pub entry_hash: String,
    /// Its log index (from the registry's 201; proved by the bundle).
    pub index: u64,
    /// The witnessed time, once verified in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<String>,
}

/// What a participant exports and a study site verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// [`RECEIPT_FORMAT`].
    pub format: String,
    /// The signed record.
    pub record: SignedRecord,
    /// Anchored events.
    #[serde(default)]
    pub anchors: Vec<Anchor>,
}

#[derive(Serialize)]
struct SigningView<'a> {
    header: &'a RecordHeader,
    event: &'a EventBody,
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn message(header: &RecordHeader, body: &EventBody) -> Vec<u8> {
    let mut m = EVENT_DOMAIN.to_vec();
    m.extend_from_slice(&json(&SigningView {
        header,
        event: body,
    }));
    m
}

fn check_time(at: &str) -> Result<(), RecordError> {
    at.parse::<Timestamp>()
        .map(|_| ())
        .map_err(|_| RecordError::Time(at.to_owned()))
}

/// What the participant fills in before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiveConsent {
    /// Random record id (hex).
    pub record_id: String,
    /// The trial.
    pub trial_id: String,
    /// Its title.
    pub trial_title: String,
    /// The form.
    pub form: FormRef,
    /// Its registered options.
    pub options: Vec<ConsentOption>,
    /// The printed name.
    pub name: String,
    /// Option id → agreed.
    pub choices: Vec<Decision>,
    /// Now (RFC 3339).
    pub at: String,
}

/// Checks the name and the choices (every option decided once, every
/// required option agreed to).
pub fn check_choices(
    name: &str,
    options: &[ConsentOption],
    choices: &[Decision],
) -> Result<(), RecordError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(RecordError::Name);
    }
    check_decisions(options, choices)?;
    for option in options.iter().filter(|o| o.required) {
        if !choices.iter().any(|c| c.option == option.id && c.permit) {
            return Err(RecordError::RequiredOption(option.label.clone()));
        }
    }
    Ok(())
}

fn check_decisions(options: &[ConsentOption], choices: &[Decision]) -> Result<(), RecordError> {
    if choices.len() != options.len() || options.iter().zip(choices).any(|(o, c)| o.id != c.option)
    {
        return Err(RecordError::Choices(format!(
            "expected one decision for each of {}",
            options
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

impl SignedRecord {
    /// Signs a new record with its `given` event.
    pub fn give(input: GiveConsent, key: &SigningKey) -> Result<SignedRecord, RecordError> {
        check_choices(&input.name, &input.options, &input.choices)?;
        check_time(&input.at)?;
        let header = RecordHeader {
            format: RECORD_FORMAT.to_owned(),
            record_id: input.record_id,
            trial_id: input.trial_id,
            trial_title: input.trial_title,
            form: input.form,
            options: input.options,
            participant_name: input.name.trim().to_owned(),
            signer_key: encode_signer_key(&key.verifying_key()),
            meaning: SIGNATURE_MEANING.to_owned(),
        };
        let body = EventBody {
            seq: 0,
            event: ConsentEvent::Given,
            at: input.at,
            withdrawn: Vec::new(),
            choices: input.choices,
            prev: sha256_hex(&json(&header)),
        };
        let signature = BASE64.encode(key.sign(&message(&header, &body)).to_bytes());
        Ok(SignedRecord {
            header,
            events: vec![SignedEvent { body, signature }],
        })
    }

    /// The option states after the last event.
    pub fn choices(&self) -> &[Decision] {
        self.events
            .last()
            .map(|e| e.body.choices.as_slice())
            .unwrap_or_default()
    }

    /// Whether the participant still takes part: every required option is
    /// still consented to.
    pub fn is_active(&self) -> bool {
        self.header
            .options
            .iter()
            .filter(|o| o.required)
            .all(|o| self.permits(&o.id))
    }

    /// Whether option `id` is consented to now.
    pub fn permits(&self, id: &str) -> bool {
        self.choices().iter().any(|c| c.option == id && c.permit)
    }

    /// The label of option `id`.
    pub fn label(&self, id: &str) -> String {
        self.header
            .options
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_owned(), |o| o.label.clone())
    }

    /// Appends a signed `withdrawn` event: `options` = `None` withdraws
    /// everything; withdrawing a required option withdraws from the trial,
    /// so every option.
    pub fn withdraw(
        &self,
        options: Option<&[String]>,
        at: &str,
        key: &SigningKey,
    ) -> Result<SignedRecord, RecordError> {
        check_time(at)?;
        if encode_signer_key(&key.verifying_key()) != self.header.signer_key {
            return Err(RecordError::WrongKey);
        }
        let last = self.events.last().ok_or(RecordError::Event {
            seq: 0,
            reason: "the record has no event".to_owned(),
        })?;
        if !self.is_active() && options.is_none() {
            return Err(RecordError::AlreadyWithdrawn);
        }
        let mut withdrawn: Vec<String> = match options {
            None => self
                .choices()
                .iter()
                .filter(|c| c.permit)
                .map(|c| c.option.clone())
                .collect(),
            Some(ids) => {
                for id in ids {
                    if !self.permits(id) {
                        return Err(RecordError::NotGiven(self.label(id)));
                    }
                }
                ids.to_vec()
            }
        };
        if withdrawn.is_empty() {
            return Err(RecordError::AlreadyWithdrawn);
        }
        let leaves_trial = self
            .header
            .options
            .iter()
            .any(|o| o.required && withdrawn.contains(&o.id));
        if leaves_trial {
            withdrawn = self
                .choices()
                .iter()
                .filter(|c| c.permit)
                .map(|c| c.option.clone())
                .collect();
        }
        let choices = self
            .choices()
            .iter()
            .map(|c| Decision {
                option: c.option.clone(),
                permit: c.permit && !withdrawn.contains(&c.option),
            })
            .collect();
        let body = EventBody {
            seq: last.body.seq + 1,
            event: ConsentEvent::Withdrawn,
            at: at.to_owned(),
            withdrawn,
            choices,
            prev: sha256_hex(&json(last)),
        };
        let signature = BASE64.encode(key.sign(&message(&self.header, &body)).to_bytes());
        let mut next = self.clone();
        next.events.push(SignedEvent { body, signature });
        Ok(next)
    }

    /// The public key that signs the record.
    pub fn verifying_key(&self) -> Result<VerifyingKey, RecordError> {
        decode_signer_key(&self.header.signer_key).map_err(|e| RecordError::Key(e.to_string()))
    }

    /// Checks the whole record: format, choices, the event chain and every
    /// signature.
    pub fn verify(&self) -> Result<(), RecordError> {
        let h = &self.header;
        if h.format != RECORD_FORMAT {
            return Err(RecordError::NotAReceipt(format!(
                "record format {:?}",
                h.format.chars().take(60).collect::<String>()
            )));
        }
        let key = self.verifying_key()?;
        if self.events.is_empty() {
            return Err(RecordError::Event {
                seq: 0,
                reason: "the record has no event".to_owned(),
            });
        }
        let mut prev = sha256_hex(&json(h));
        let mut before: Option<&[Decision]> = None;
        for (i, event) in self.events.iter().enumerate() {
            let b = &event.body;
            let bad = |reason: String| RecordError::Event { seq: b.seq, reason };
            if usize::try_from(b.seq).ok() != Some(i) {
                return Err(bad(format!("expected event number {i}")));
            }
            if b.prev != prev {
                return Err(bad(
                    "does not follow the previous event (the history was altered)".to_owned(),
                ));
            }
            check_time(&b.at)?;
            check_decisions(&h.options, &b.choices).map_err(|e| bad(e.to_string()))?;
            match (i, b.event, before) {
                (0, ConsentEvent::Given, _) => {
                    check_choices(&h.participant_name, &h.options, &b.choices)
                        .map_err(|e| bad(e.to_string()))?;
                }
                (_, ConsentEvent::Withdrawn, Some(previous)) => {
                    for (was, now) in previous.iter().zip(&b.choices) {
                        let dropped = was.permit && !now.permit;
                        if now.permit && !was.permit {
                            return Err(bad("a withdrawal cannot grant an option".to_owned()));
                        }
                        if dropped != b.withdrawn.contains(&now.option) {
                            return Err(bad(
                                "the options withdrawn do not match the choices".to_owned()
                            ));
                        }
                    }
                }
                _ => {
                    return Err(bad(
                        "consent is given once, first; later events are withdrawals".to_owned(),
                    ));
                }
            }
            let signature: [u8; 64] = BASE64
                .decode(&event.signature)
                .ok()
                .and_then(|s| s.try_into().ok())
                .ok_or(RecordError::Signature(b.seq))?;
            key.verify(&message(h, b), &Signature::from_bytes(&signature))
                .map_err(|_| RecordError::Signature(b.seq))?;
            prev = sha256_hex(&json(event));
            before = Some(&b.choices);
        }
        Ok(())
    }

    /// The record as it stood after event `seq` (what an anchor commits to).
    pub fn up_to(&self, seq: u32) -> Option<SignedRecord> {
        let end = usize::try_from(seq).ok()?.checked_add(1)?;
        (end <= self.events.len()).then(|| SignedRecord {
            header: self.header.clone(),
            events: self.events[..end].to_vec(),
        })
    }

    /// SHA-256 (hex) of the record's JSON: the digest on the printed
    /// receipt's QR code.
    pub fn digest(&self) -> String {
        sha256_hex(&json(self))
    }
}

/// SHA-256(salt ‖ JSON of the record up to event `seq`), hex.
pub fn commitment(record: &SignedRecord, seq: u32, salt: &[u8; 32]) -> Option<String> {
    let upto = record.up_to(seq)?;
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(json(&upto));
    Some(verifier::merkle::hex(&hasher.finalize()))
}

/// The `consent` entry anchoring event `seq`: trial, form hash, event kind
/// and the commitment; nothing else about the participant.
pub fn anchor_entry(
    record: &SignedRecord,
    seq: u32,
    salt: &[u8; 32],
    key: &SigningKey,
    created_at: &str,
) -> Result<Vec<u8>, RecordError> {
    let anchor_error = |reason: String| RecordError::Anchor { seq, reason };
    let event = record
        .events
        .get(usize::try_from(seq).unwrap_or(usize::MAX))
        .ok_or_else(|| anchor_error("no such event".to_owned()))?;
    let digest =
        commitment(record, seq, salt).ok_or_else(|| anchor_error("no such event".into()))?;
    let consent = Consent {
        signer_key: String::new(),
        created_at: created_at
            .parse()
            .map_err(|_| RecordError::Time(created_at.to_owned()))?,
        trial_id: record.header.trial_id.clone(),
        form: record.header.form.sha256.clone(),
        event: event.body.event,
    };
    EntryBuilder::consent(consent)
        .subject(ROLE_CONSENT_RECORD, &digest, ROLE_CONSENT_RECORD, None)
        .sign(key)
        .map_err(|e| anchor_error(e.to_string()))
}

/// Checks an anchor against the record (without the log): the entry
/// parses and is signed by the record's key, names the record's trial,
/// form and event, and its only subject is the commitment under the salt.
pub fn check_anchor(record: &SignedRecord, anchor: &Anchor) -> Result<(), RecordError> {
    let seq = anchor.seq;
    let bad = |reason: &str| RecordError::Anchor {
        seq,
        reason: reason.to_owned(),
    };
    let salt: [u8; 32] = BASE64
        .decode(&anchor.salt)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("the salt is not base64 of 32 bytes"))?;
    let bytes = BASE64
        .decode(&anchor.entry)
        .map_err(|_| bad("the entry is not base64"))?;
    if entry_hash(&bytes) != anchor.entry_hash {
        return Err(bad("the entry's hash is not the one recorded"));
    }
    let entry = Entry::parse(&bytes).map_err(|e| RecordError::Anchor {
        seq,
        reason: format!("the entry is invalid: {e}"),
    })?;
    let Predicate::Consent(consent) = entry.predicate() else {
        return Err(bad("the entry is not a consent entry"));
    };
    let event = record
        .events
        .get(usize::try_from(seq).unwrap_or(usize::MAX))
        .ok_or_else(|| bad("the record has no such event"))?;
    if encode_signer_key(entry.signer_key()) != record.header.signer_key {
        return Err(bad("the entry is signed by another key than the record"));
    }
    if consent.trial_id != record.header.trial_id || consent.form != record.header.form.sha256 {
        return Err(bad("the entry names another trial or form"));
    }
    if consent.event != event.body.event {
        return Err(bad("the entry records another kind of event"));
    }
    let expected = commitment(record, seq, &salt).ok_or_else(|| bad("no such event"))?;
    match entry.subjects() {
        [subject] if subject.digest.sha256 == expected => Ok(()),
        _ => Err(bad(
            "the entry's commitment is not SHA-256(salt ‖ record up to this event)",
        )),
    }
}

impl Receipt {
    /// A receipt for `record` with `anchors`.
    pub fn new(record: SignedRecord, anchors: Vec<Anchor>) -> Receipt {
        Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            record,
            anchors,
        }
    }

    /// Parses a receipt file (shape and format; [`Receipt::verify`] checks it).
    pub fn parse(bytes: &[u8]) -> Result<Receipt, RecordError> {
        if bytes.len() > MAX_RECEIPT_BYTES {
            return Err(RecordError::NotAReceipt("the file is too large".to_owned()));
        }
        let receipt: Receipt =
            serde_json::from_slice(bytes).map_err(|e| RecordError::NotAReceipt(e.to_string()))?;
        if receipt.format != RECEIPT_FORMAT {
            return Err(RecordError::NotAReceipt(format!(
                "format {:?}",
                receipt.format.chars().take(60).collect::<String>()
            )));
        }
        Ok(receipt)
    }

    /// Signatures, chain and every anchor's commitment.
    pub fn verify(&self) -> Result<(), RecordError> {
        self.record.verify()?;
        for anchor in &self.anchors {
            check_anchor(&self.record, anchor)?;
        }
        Ok(())
    }

    /// Pretty JSON (the exported file).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The anchor of event `seq`, if any.
    pub fn anchor(&self, seq: u32) -> Option<&Anchor> {
        self.anchors.iter().find(|a| a.seq == seq)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn options() -> Vec<ConsentOption> {
        let option = |id: &str, required| ConsentOption {
            id: id.to_owned(),
            label: format!("Label of {id}"),
            required,
        };
        vec![
            option("participate", true),
            option("gp-letter", true),
            option("future-research", false),
        ]
    }

    pub(crate) fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    pub(crate) fn give(future: bool) -> Result<SignedRecord, RecordError> {
        let options = options();
        let choices = options
            .iter()
            .map(|o| Decision {
                option: o.id.clone(),
                permit: o.required || future,
            })
            .collect();
        SignedRecord::give(
            GiveConsent {
                record_id: "00112233445566778899aabbccddeeff".into(),
                trial_id: "TL-0123456789ABCDEF".into(),
                trial_title: "Salt and blood pressure".into(),
                form: FormRef {
                    sha256: "ab".repeat(32),
                    subject: "consent-v2-en.pdf".into(),
                    version: "2".into(),
                    language: "en".into(),
                },
                options,
                name: " Ada Lovelace ".into(),
                choices,
                at: "2026-03-01T10:00:00Z".into(),
            },
            &key(),
        )
    }

    #[test]
    fn a_signed_record_verifies_and_any_change_breaks_it() {
        let record = give(true).unwrap();
        record.verify().unwrap();
        assert_eq!(record.header.participant_name, "Ada Lovelace");
        assert!(record.is_active());
        let mut renamed = record.clone();
        renamed.header.participant_name = "Eve".into();
        assert!(renamed.verify().is_err());
        let mut flipped = record.clone();
        flipped.events[0].body.choices[2].permit = false;
        assert_eq!(flipped.verify(), Err(RecordError::Signature(0)));
        let mut other_key = record;
        other_key.header.signer_key =
            encode_signer_key(&SigningKey::from_bytes(&[1; 32]).verifying_key());
        assert!(other_key.verify().is_err());
    }

    #[test]
    fn required_options_and_the_name_cannot_be_skipped() {
        let options = options();
        let mut choices: Vec<Decision> = options
            .iter()
            .map(|o| Decision {
                option: o.id.clone(),
                permit: true,
            })
            .collect();
        assert_eq!(
            check_choices("  ", &options, &choices),
            Err(RecordError::Name)
        );
        choices[1].permit = false;
        assert_eq!(
            check_choices("Ada", &options, &choices),
            Err(RecordError::RequiredOption("Label of gp-letter".into()))
        );
        choices.pop();
        assert!(matches!(
            check_choices("Ada", &options, &choices),
            Err(RecordError::Choices(_))
        ));
    }

    #[test]
    fn withdrawal_per_option_then_completely_is_an_append_only_history() {
        let record = give(true).unwrap();
        let one = record
            .withdraw(
                Some(&["future-research".to_owned()]),
                "2026-03-02T10:00:00Z",
                &key(),
            )
            .unwrap();
        one.verify().unwrap();
        assert!(one.is_active());
        assert!(!one.permits("future-research"));
        assert_eq!(one.events.len(), 2);
        assert_eq!(one.events[0], record.events[0]);
        assert_eq!(
            one.withdraw(
                Some(&["future-research".to_owned()]),
                "2026-03-02T10:00:00Z",
                &key()
            ),
            Err(RecordError::NotGiven("Label of future-research".into()))
        );
        let all = one.withdraw(None, "2026-03-03T10:00:00Z", &key()).unwrap();
        all.verify().unwrap();
        assert!(!all.is_active());
        assert_eq!(
            all.events[2].body.withdrawn,
            vec!["participate", "gp-letter"]
        );
        assert_eq!(
            all.withdraw(None, "2026-03-04T10:00:00Z", &key()),
            Err(RecordError::AlreadyWithdrawn)
        );
        // Dropping or reordering an event breaks the chain.
        let mut dropped = all.clone();
        dropped.events.remove(1);
        assert!(dropped.verify().is_err());
        // Another key cannot extend it.
        assert_eq!(
            record.withdraw(
                None,
                "2026-03-02T10:00:00Z",
                &SigningKey::from_bytes(&[1; 32])
            ),
            Err(RecordError::WrongKey)
        );
    }

    #[test]
    fn withdrawing_a_required_option_leaves_the_trial() {
        let record = give(false).unwrap();
        let out = record
            .withdraw(
                Some(&["gp-letter".to_owned()]),
                "2026-03-02T10:00:00Z",
                &key(),
            )
            .unwrap();
        out.verify().unwrap();
        assert!(!out.is_active());
        assert!(out.choices().iter().all(|c| !c.permit));
    }

    #[test]
    fn an_anchor_commits_to_the_record_without_revealing_it() {
        let record = give(true).unwrap();
        let salt = [3u8; 32];
        let bytes = anchor_entry(&record, 0, &salt, &key(), "2026-03-01T10:00:01Z").unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let entry = Entry::parse(&bytes).unwrap();
        let payload = String::from_utf8(
            BASE64
                .decode(
                    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["payload"]
                        .as_str()
                        .unwrap(),
                )
                .unwrap(),
        )
        .unwrap();
        for secret in [
            "Ada",
            "future-research",
            "participate",
            &record.header.record_id,
        ] {
            assert!(!payload.contains(secret), "{secret} leaked: {payload}");
            assert!(!text.contains(secret));
        }
        assert_eq!(entry.subjects().len(), 1);
        let anchor = Anchor {
            seq: 0,
            salt: BASE64.encode(salt),
            entry: BASE64.encode(&bytes),
            entry_hash: entry_hash(&bytes),
            index: 7,
            witnessed: None,
        };
        let receipt = Receipt::new(record.clone(), vec![anchor.clone()]);
        receipt.verify().unwrap();
        let parsed = Receipt::parse(receipt.to_json().as_bytes()).unwrap();
        assert_eq!(parsed, receipt);
        // Another salt, or a later state of the record, does not match.
        let mut wrong = anchor.clone();
        wrong.salt = BASE64.encode([4u8; 32]);
        assert!(check_anchor(&record, &wrong).is_err());
        let later = record
            .withdraw(None, "2026-03-02T10:00:00Z", &key())
            .unwrap();
        check_anchor(&later, &anchor).unwrap();
        let mut as_withdrawal = anchor;
        as_withdrawal.seq = 1;
        assert!(check_anchor(&later, &as_withdrawal).is_err());
    }

    #[test]
    fn foreign_or_damaged_receipts_are_clear_errors() {
        assert!(matches!(
            Receipt::parse(b"{}"),
            Err(RecordError::NotAReceipt(_))
        ));
        let mut receipt = Receipt::new(give(true).unwrap(), vec![]);
        receipt.format = "other/v9".into();
        assert!(matches!(
            Receipt::parse(receipt.to_json().as_bytes()),
            Err(RecordError::NotAReceipt(_))
        ));
        assert!(Receipt::parse(&vec![b' '; MAX_RECEIPT_BYTES + 1]).is_err());
    }
}
