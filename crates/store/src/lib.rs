//! fenlei's storage. The embedded backend keeps units, low-volume events and rollups in SQLite
//! and put-ins in a segmented, columnar, checksummed log (see [`log`]); it needs no set-up.
//!
//! What the store promises: re-delivering an event (same id) changes nothing; an acknowledged
//! event survives a crash and is counted once; rollups per unit, grain and category equal a
//! recomputation from the raw events; any unit and period is answered from a handful of rows.

pub mod audit;
pub mod bin_days;
pub mod bitmap;
pub mod embedded;
pub mod log;
pub mod plans;
pub mod query;
pub mod recompute;
pub mod repair;
pub mod rollup;
pub mod schema;
pub mod shapes;
pub mod weighed;

pub use audit::{AuditReport, Mismatch};
pub use bin_days::BinDayReader;
pub use embedded::{
    AppendOutcome, Conflict, DiskUsage, EmbeddedStore, FieldDiff, PutInReader, StoreError,
};
pub use query::decompose;
pub use recompute::recompute;
pub use repair::{DayRepair, RepairReport};
pub use schema::{FORMAT_VERSION, Grain};
