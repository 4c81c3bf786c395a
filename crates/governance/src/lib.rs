//! fenlei's management half: what turns figures into action.
//!
//! - `rules`: rating rule sets as TOML data (compliant estate, street grading, pioneer tiers,
//!   a 100-point scorecard), validated with errors naming file, line and field.
//! - `evaluate`: rates every unit, item by item, into a reproducible record; `published`
//!   keeps records immutable and versioned.
//! - `cases`: rectification cases (open → accepted → fixed → verified / reopened,
//!   escalation, outcome codes, history); `evidence`: content-addressed files.
//! - `findings`: stored findings of the collection chain's rules (see `fenlei-chain`).
//! - `incidents`: staff acknowledgement and handling, the escalation ladder from stored time.
//! - `points`: the green-account double-entry ledger, earnings from the put-in log.
//! - `disclose`: red and black lists, published as snapshots verifiable byte for byte.
//! - `targets`: targets per metric × unit × period (inherited), responsible units,
//!   projections with intervals.
//! - `db`: the governance database (`<store>/governance.sqlite`), one trait per area so
//!   another backend can take its place.
//!
//! No IO beyond the governance database and evidence files; the app layer reads the event
//! store and hands figures in.

pub mod cases;
pub mod db;
pub mod digest;
pub mod disclose;
pub mod evaluate;
pub mod evidence;
pub mod findings;
pub mod incidents;
pub mod points;
pub mod published;
pub mod rules;
pub mod targets;
mod ts;

pub use db::{DbError, GovernanceDb};
pub use evaluate::{EvaluationRecord, Inputs, Rating, UnitInput, evaluate};
pub use published::{EvaluationLog, Published, publish};
