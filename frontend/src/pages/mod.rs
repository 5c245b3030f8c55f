//! One component per route (see [`crate::app::Route`]).

pub mod consents;
pub mod home;
pub mod not_found;
pub mod sponsor;
pub mod trial;
pub mod verify;
