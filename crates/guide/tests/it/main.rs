//! Integration tests of the sorting guide (placeholder while the crate is being built).
