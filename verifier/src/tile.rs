//! TODO(issue 2): tile
