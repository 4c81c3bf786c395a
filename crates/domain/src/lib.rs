//! fenlei-domain (placeholder, filled in by the crate's owner).
