//! The sponsor workspace behind `/sponsor` ([`crate::pages::sponsor`]).
//!
//! Logic first, DOM last: [`form`] (the WHO form ⇄ [`verifier::predicate::TrialRecord`],
//! field paths), [`draft`] (documents by hash, consent forms, CT.gov import),
//! [`submit`] (every validation error at its input, predicates, signing,
//! the registry's refusals), [`results`] (results with required change
//! reasons), [`evidence`] (inclusion of a submitted entry, a trial's
//! verified state), [`state`] (the workspace reducer) are plain Rust,
//! unit-tested natively; [`store`] (the autosaved draft) and [`net`]
//! (submission, bundle polling) are the browser edges; [`view`] renders.

pub mod draft;
pub mod evidence;
pub mod form;
pub mod net;
pub mod results;
pub mod state;
pub mod store;
pub mod submit;
pub mod view;
