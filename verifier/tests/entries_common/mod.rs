//! Helpers for the entry and trial tests: take a fixture entry, change its
//! statement as JSON, and sign it again (the builder refuses invalid
//! predicates, so invalid entries are made here).
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use serde_json::Value;
use verifier::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use verifier::entry::{Entry, EntryError, entry_hash};
use verifier::fixtures;
use verifier::validate::{Problem, ValidationError};

/// The statement of an entry, as JSON.
pub fn statement(entry: &[u8]) -> Value {
    let envelope = Envelope::from_json(entry).expect("an envelope");
    serde_json::from_slice(&envelope.payload).expect("a JSON statement")
}

/// Signs a statement (any JSON) into entry bytes.
pub fn sign(statement: &Value, key: &SigningKey) -> Vec<u8> {
    let payload = serde_json::to_vec(statement).expect("serialisable");
    Envelope::sign(IN_TOTO_PAYLOAD_TYPE, payload, key).to_json()
}

/// `entry` with its statement changed by `change`, signed again by `key`.
pub fn resign(entry: &[u8], key: &SigningKey, change: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = statement(entry);
    change(&mut value);
    sign(&value, key)
}

/// Sets the value at a JSON pointer (e.g. `/predicate/trial/public_title`).
pub fn set(value: &mut Value, pointer: &str, new: Value) {
    *value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the statement")) = new;
}

/// Removes the field at a JSON pointer.
pub fn remove(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("an object")
        .remove(key)
        .unwrap_or_else(|| panic!("no {pointer}"));
}

/// Asserts `entry` is refused by validation at `path` with a problem matching `expected`.
pub fn assert_invalid(entry: &[u8], path: &str, expected: impl Fn(&Problem) -> bool) {
    match Entry::parse(entry) {
        Err(EntryError::Invalid(ValidationError { path: p, problem })) => {
            assert_eq!(p, path, "wrong field named ({problem})");
            assert!(expected(&problem), "{path}: unexpected problem {problem:?}");
            let message = EntryError::Invalid(ValidationError {
                path: p.clone(),
                problem,
            })
            .to_string();
            assert!(message.starts_with(&format!("{path}: ")), "{message}");
        }
        other => panic!("expected a validation error at {path}, got {other:?}"),
    }
}

/// The example chain's entries and useful hashes.
pub struct Example {
    pub chain: fixtures::Chain,
}

impl Example {
    pub fn new() -> Example {
        Example {
            chain: fixtures::chain().expect("the example chain"),
        }
    }
    pub fn registration(&self) -> &[u8] {
        &self.chain.entries[0]
    }
    pub fn amendment(&self) -> &[u8] {
        &self.chain.entries[1]
    }
    pub fn status(&self) -> &[u8] {
        &self.chain.entries[2]
    }
    pub fn results(&self) -> &[u8] {
        &self.chain.entries[3]
    }
    pub fn hash(&self, i: usize) -> String {
        entry_hash(&self.chain.entries[i])
    }
    pub fn consent(&self, form: &str, event: verifier::predicate::ConsentEvent, n: u8) -> Vec<u8> {
        fixtures::consent_entry(&self.chain.trial_id, form, event, n).expect("a consent entry")
    }
}
