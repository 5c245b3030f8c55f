//! The participant's consent journey, entirely in the browser
//! ([`crate::pages::consent`], [`crate::pages::consents`],
//! [`crate::pages::consent_verify`]).
//!
//! Logic first, DOM last: [`record`] (the ISO/IEC TS 27560-style consent
//! record, per-event Ed25519 signatures, the blinded commitment and the
//! anchoring entry, receipts), [`fhir`] (FHIR R4 `Consent`), [`vault`]
//! (the passphrase-encrypted export of everything), [`forms`] (the
//! registered forms of a verified trial; the site's receipt checks),
//! [`state`] (the consent page's reducer; history and merging), [`qr`]
//! (the printed receipt's QR code) are plain Rust, unit-tested natively;
//! [`store`] (IndexedDB), [`net`] (the verified trial, anchoring) and
//! [`browser`] (files, downloads, printing) are the browser edges.
//!
//! Privacy: the participant's name, choices and records stay in this
//! browser's IndexedDB. The only request that carries anything about a
//! consent is the optional anchor: a `consent` entry with the trial, the
//! form hash, the event kind, a per-trial key and SHA-256(salt ‖ record).

pub mod browser;
pub mod fhir;
pub mod forms;
pub mod net;
pub mod qr;
pub mod record;
pub mod state;
pub mod store;
pub mod vault;
