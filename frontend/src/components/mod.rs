//! Pieces shared by pages.

pub mod alarm;
pub mod coming_soon;
pub mod footer;
pub mod header;
pub mod log_status;
pub mod outcome_table;
pub mod timeline;
pub mod verification;
