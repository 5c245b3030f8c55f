//! # verifier — the sans-IO transparency-log core of Trial Ledger
//!
//! This crate is the part of Trial Ledger that every other part trusts: the
//! registry uses it to build the log, the browser portal (compiled to wasm32)
//! and the reviewer's `trialverify` CLI use it to check everything the
//! registry says. It implements, byte for byte:
//!
//! - RFC 6962 / RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency
//!   proofs ([`merkle`]);
//! - C2SP `tlog-tiles` v0.1.0 tile addressing, hash tiles, entry bundles and a
//!   proof builder that works from tiles alone ([`tile`]);
//! - C2SP `signed-note` v1.0.0 keys, signing and verification ([`note`]);
//! - C2SP `tlog-checkpoint` v1.0.0 ([`checkpoint`]);
//! - C2SP `tlog-cosignature` v1.0.1 witness cosignatures ([`cosignature`]);
//! - the trust policy (`log`, `witness`, `quorum` lines) that decides whether a
//!   checkpoint is trusted and when it was witnessed ([`policy`]);
//! - the five ledger predicate types of DESIGN §2 — registration (the WHO
//!   Trial Registration Data Set), amendment, status, results, consent
//!   ([`predicate`]), their field rules ([`validate`]), DSSE envelopes
//!   ([`dsse`]), in-toto statements ([`statement`]) and whole entries with
//!   their hashes, trial ids and a signing builder ([`entry`]);
//! - the pure trial state machine that folds entries into per-trial
//!   histories and enforces ownership, the `prev` chain and consent forms
//!   ([`trial`]);
//! - the outcome comparison of the COMPare method: pre-specified outcomes
//!   reported, changed or missing, reported outcomes added, declared or not
//!   ([`compare`]);
//! - evidence bundles (DESIGN §5): the wire format and a builder
//!   ([`bundle`]), and their offline verification into a report with a
//!   verdict ([`report`]).
//!
//! [`ctgov`] imports ClinicalTrials.gov API v2 study records into the
//! registration and results predicates, for the sponsor's portal and
//! `trialverify import-ctgov`.
//!
//! With the `fixtures` feature, `fixtures` provides a realistic example
//! trial (keys, documents, a signed registration → amendment → status →
//! results chain, consent entries) for tests, benchmarks and demos.
//!
//! What it is not: it does no I/O. No network, no filesystem, no clock and no
//! randomness inside the library — callers pass bytes, times and seeds in and
//! get values or errors out. The `cli` feature adds the `trialverify` binary,
//! which is the only place this package touches files, HTTP or a terminal.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bundle;
pub mod checkpoint;
pub mod compare;
pub mod cosignature;
pub mod ctgov;
pub mod dsse;
pub mod entry;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod predicate;
pub mod report;
pub mod statement;
pub mod tile;
pub mod trial;
pub mod validate;
