//! TODO(issue 2): merkle
