//! Integration tests for fenlei-routing, one module per area. Instances come from the
//! repository's `data/vrp` and small fixtures in `tests/data`.

mod checker;
mod parsers;
mod solver;

use std::path::PathBuf;

/// Path of a shipped benchmark file, relative to `data/vrp`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/vrp")
        .join(rel)
}

/// Path of a test fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}
