//! in-toto Statement v1: the payload of every ledger entry.
//!
//! ```text
//! {"_type":"https://in-toto.io/Statement/v1",
//!  "subject":[{"name":"protocol-v1.pdf","digest":{"sha256":"<64 hex>"},
//!              "annotations":{"role":"protocol","version":"1"}}],
//!  "predicateType":"urn:trial-ledger:registration:v1",
//!  "predicate":{…}}
//! ```
//!
//! Subjects are documents named by the SHA-256 of their exact bytes; the
//! documents themselves never enter the ledger. Trial Ledger accepts only
//! `sha256` digests (64 lowercase hex digits) and gives annotations a typed
//! `role`, optional `version` and `language`, and any further string-keyed
//! annotations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// Subject role of a consent form document (referred to by
/// [`ConsentForm::subject`](crate::predicate::ConsentForm::subject)).
pub const ROLE_CONSENT_FORM: &str = "consent-form";
/// Subject role of a consent entry's blinded commitment,
/// SHA-256(salt ‖ signed consent record).
pub const ROLE_CONSENT_RECORD: &str = "consent-record";
/// Subject role of a trial protocol.
pub const ROLE_PROTOCOL: &str = "protocol";

/// An in-toto Statement v1 with a predicate of type `P` (a JSON value by
/// default, or one of the typed predicates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement<P = serde_json::Value> {
    /// Must be [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The documents the statement is about.
    pub subject: Vec<Subject>,
    /// The predicate's type URN.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate.
    pub predicate: P,
}

/// A document, by the SHA-256 of its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// The document's name, e.g. `protocol-v1.pdf`; unique within a statement.
    pub name: String,
    /// Its digest.
    pub digest: DigestSet,
    /// What the document is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

impl Subject {
    /// A subject with a role and (optionally) a version.
    pub fn new(name: &str, sha256: &str, role: &str, version: Option<&str>) -> Subject {
        Subject {
            name: name.to_owned(),
            digest: DigestSet {
                sha256: sha256.to_owned(),
            },
            annotations: Some(Annotations {
                role: role.to_owned(),
                version: version.map(str::to_owned),
                language: None,
                other: BTreeMap::new(),
            }),
        }
    }

    /// The subject's role, if annotated.
    pub fn role(&self) -> Option<&str> {
        self.annotations.as_ref().map(|a| a.role.as_str())
    }

    /// The subject's version annotation, if any.
    pub fn version(&self) -> Option<&str> {
        self.annotations.as_ref().and_then(|a| a.version.as_deref())
    }
}

/// The digests of a subject: Trial Ledger uses SHA-256 only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSet {
    /// 64 lowercase hex digits.
    pub sha256: String,
}

/// Annotations of a subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Annotations {
    /// What the document is: `protocol`, `consent-form`, `consent-record`,
    /// `statistical-analysis-plan`, `clinical-study-report`, `dataset`, …
    pub role: String,
    /// The document's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The document's language (BCP 47 tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Any further annotations, string-valued.
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}
