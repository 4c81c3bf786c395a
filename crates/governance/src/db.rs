//! The governance database: its own SQLite file beside the event store
//! (`<store>/governance.sqlite`), with its own schema and format version. Every table of the
//! management half lives here; each area's operations are a trait (`EvaluationLog`,
//! `CaseBook`, `Ledger`, `IncidentBook`) that a PostgreSQL backend can implement later.

use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// Format version of `governance.sqlite`; a file of another version is refused.
pub const FORMAT_VERSION: u32 = 2;

/// The file name inside a store directory.
pub const DB_FILE: &str = "governance.sqlite";

/// Errors of the governance database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("governance database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file problem.
    #[error("{path}: {message}")]
    Path {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Written by another format version.
    #[error("governance database format version {found}, this fenlei reads version {expected}")]
    Version {
        /// On disk.
        found: u32,
        /// Read by this build.
        expected: u32,
    },
    /// Stored data that does not decode.
    #[error("corrupt governance database: {0}")]
    Corrupt(String),
}

/// The SQLite backend.
pub struct GovernanceDb {
    pub(crate) conn: Connection,
    pub(crate) dir: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Published evaluations: append-only (the triggers refuse edits and deletions).
CREATE TABLE IF NOT EXISTS evaluations (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    record_digest TEXT NOT NULL,
    inputs_digest TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (scope, version)
);
CREATE TRIGGER IF NOT EXISTS evaluations_immutable BEFORE UPDATE ON evaluations
BEGIN SELECT RAISE(ABORT, 'published evaluations are immutable'); END;
CREATE TRIGGER IF NOT EXISTS evaluations_kept BEFORE DELETE ON evaluations
BEGIN SELECT RAISE(ABORT, 'published evaluations are never deleted'); END;

-- Rectification cases and their append-only history.
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY,
    origin_key TEXT UNIQUE,
    body TEXT NOT NULL,
    responsible TEXT NOT NULL,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS case_history (
    case_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS case_history_immutable BEFORE UPDATE ON case_history
BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_history_kept BEFORE DELETE ON case_history
BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;

-- Green-account points: postings (balanced lines), balances, append-only.
CREATE TABLE IF NOT EXISTS postings (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    reverses INTEGER UNIQUE REFERENCES postings(id),
    memo TEXT NOT NULL,
    day INTEGER,
    covered_from INTEGER,
    covered_to INTEGER,
    -- 1 for a posting of many lines (a day's earnings, its reversal): its lines are not in
    -- the account index; an account's history seeks them posting by posting.
    bulk INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS postings_day ON postings (day);
CREATE INDEX IF NOT EXISTS postings_bulk ON postings (id) WHERE bulk = 1;
CREATE TABLE IF NOT EXISTS lines (
    posting INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount INTEGER NOT NULL,
    bulk INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (posting, account)
) WITHOUT ROWID;
-- Lines of ordinary postings by account. A day's earnings (millions of lines) would touch
-- every page of this index; they are appended in posting order only (see `bulk`).
CREATE INDEX IF NOT EXISTS lines_account ON lines (account, posting) WHERE bulk = 0;
CREATE TABLE IF NOT EXISTS balances (
    account TEXT PRIMARY KEY,
    amount INTEGER NOT NULL CHECK (account NOT LIKE 'household:%' OR amount >= 0)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS postings_immutable BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are never edited: post a reversal'); END;
CREATE TRIGGER IF NOT EXISTS lines_immutable BEFORE UPDATE ON lines
BEGIN SELECT RAISE(ABORT, 'postings are never edited: post a reversal'); END;

-- Station incidents: acknowledgement and handling by the estate's staff, escalation steps.
CREATE TABLE IF NOT EXISTS incident_actions (
    incident TEXT NOT NULL,
    action TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (incident, action)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS escalations (
    incident TEXT NOT NULL,
    step TEXT NOT NULL,
    at INTEGER NOT NULL,
    target TEXT NOT NULL,
    case_id INTEGER,
    PRIMARY KEY (incident, step)
) WITHOUT ROWID;
";

impl GovernanceDb {
    /// Opens (creating if needed) the governance database of the store in `dir`.
    pub fn open(dir: &Path) -> Result<GovernanceDb, DbError> {
        if !dir.is_dir() {
            return Err(DbError::Path {
                path: dir.to_owned(),
                message: "no such store directory".into(),
            });
        }
        let conn = Connection::open(dir.join(DB_FILE))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;",
        )?;
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'format_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .or_else(|e| match e {
                rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("no such table") => {
                    Ok(None)
                }
                e => Err(e),
            })?;
        match found {
            None => {
                conn.execute_batch(SCHEMA)?;
                conn.execute(
                    "INSERT INTO meta VALUES ('format_version', ?1)",
                    [FORMAT_VERSION.to_string()],
                )?;
            }
            Some(v) if v == FORMAT_VERSION.to_string() => {}
            Some(v) => {
                return Err(DbError::Version {
                    found: v.parse().unwrap_or(0),
                    expected: FORMAT_VERSION,
                });
            }
        }
        Ok(GovernanceDb {
            conn,
            dir: dir.to_owned(),
        })
    }

    /// Runs `f` as one transaction: everything it writes is committed together, or nothing
    /// is (on an error, or when the process dies before the end). The operations inside keep
    /// their own atomicity as savepoints.
    pub fn atomically<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut GovernanceDb) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| E::from(e.into()))?;
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch("COMMIT")
                    .map_err(|e| E::from(e.into()))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// A value kept in the database's `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a `meta` value (inside [`Self::atomically`], with the change it belongs to).
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), DbError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The directory holding the database (evidence files live beside it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
