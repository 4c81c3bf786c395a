//! fenlei's use cases over the store, the simulator and the metric formulas: set up a store,
//! simulate a city into it or into feed files, ingest feeds, report metrics, benchmark.
//!
//! No HTTP, no terminal: the CLI (and later the server) call these functions and present the
//! results. Progress is reported through [`progress::Progress`].

pub mod bench;
pub mod chain;
pub mod govern;
pub mod ingest;
pub mod plan;
pub mod progress;
pub mod records;
pub mod report;
pub mod shapes;
pub mod simulate;

use std::path::{Path, PathBuf};

/// Errors of the use cases: the user's (bad flags, wrong files) apart from the system's.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Something the user can fix: a flag, a path, a file's header.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] fenlei_store::StoreError),
    /// The governance database failed.
    #[error(transparent)]
    Governance(#[from] fenlei_governance::DbError),
}

impl AppError {
    /// An IO error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> AppError {
        AppError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
