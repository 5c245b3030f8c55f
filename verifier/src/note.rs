//! TODO(issue 2): note
