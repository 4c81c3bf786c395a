//! Fuzzing on stable Rust for every parser of outside input (issue 7): feed lines, CSV files,
//! the data files the binary ships, routing instances and solutions, and the store's own files.
//!
//! cargo-fuzz needs a nightly toolchain, so this crate drives proptest instead: an input is a
//! seed from the target's corpus (`corpus/<target>/`, committed) plus a list of structure-aware
//! [`Mutation`]s — bit flips, byte and token insertions, line and field swaps, splices from
//! other seeds, huge numbers, invalid UTF-8 — and proptest shrinks a failing list to the
//! fewest mutations. The property every target checks: the parser returns `Ok`, or an `Err`
//! with a message; it never panics, never hangs (a watchdog ends the run after
//! `FENLEI_FUZZ_HANG_SECS`), and the test binary caps the heap so an input that asks for
//! gigabytes aborts the run ("memory allocation of N bytes failed"; rerun that target with
//! `FENLEI_FUZZ_KEEP_CURRENT=1` to keep the input in flight). A failing input is written to a
//! file named in the failure.
//!
//! The targets live in `tests/fuzz/`; `cargo test -p fenlei-fuzz` runs each a bounded number of
//! cases, `FENLEI_FUZZ_CASES=200000 cargo test -p fenlei-fuzz --release` is the long run, and
//! `FENLEI_FUZZ_SEED` picks another stream of inputs (runs are deterministic for a seed).

mod corpus;
mod mutate;
mod runner;
mod watchdog;

pub use corpus::{Seed, load_corpus};
pub use mutate::{Mutation, apply, mutation};
pub use runner::{Report, Target, fuzz};
