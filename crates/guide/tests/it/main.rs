//! Integration tests of the sorting guide: one binary, one module per area. Query tests are
//! tables run through the single `check` helper in `check.rs`.

mod check;
mod cities;
mod data;
mod eval;
mod json;
mod queries;
