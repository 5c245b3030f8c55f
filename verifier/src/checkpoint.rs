//! TODO(issue 2): checkpoint
