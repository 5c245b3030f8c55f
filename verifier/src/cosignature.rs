//! TODO(issue 2): cosignature
