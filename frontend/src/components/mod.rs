//! Pieces shared by every page.

pub mod coming_soon;
pub mod footer;
pub mod header;
