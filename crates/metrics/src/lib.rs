//! fenlei-metrics (placeholder, filled in by the crate's owner).
