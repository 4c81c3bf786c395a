//! A seeded simulator of a sorting city: the administrative tree, households with sorting
//! habits that differ between estates and improve under supervision and incentives, put-ins in
//! the morning and evening windows, station incidents, inspections, category-marked trucks,
//! weighbridges and treatment plants.
//!
//! Deterministic: the same preset, seed and days give the same events, byte for byte. It feeds
//! the demo, the tests' fixtures and the benchmarks' workloads. It does no IO itself: events go
//! to a [`Sink`].

pub mod names;
pub mod rng;
pub mod run;
pub mod shapes;
pub mod world;

pub use run::{SimConfig, SimStats, Sink, put_in_id, run};
pub use world::{Preset, Profile, World, household_code};
