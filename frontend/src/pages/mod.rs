//! One component per route (see [`crate::app::Route`]).

pub mod bench;
pub mod consent;
pub mod consent_verify;
pub mod consents;
pub mod home;
pub mod not_found;
pub mod settings;
pub mod sponsor;
pub mod trial;
pub mod verify;
