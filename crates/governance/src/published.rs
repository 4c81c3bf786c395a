//! Published evaluations: immutable, versioned per scope (rule sets × period). Publishing a
//! record equal to the scope's latest returns that version; anything else becomes the next
//! version, and earlier versions stay as they were.

use crate::db::{DbError, GovernanceDb};
use crate::evaluate::EvaluationRecord;
use rusqlite::{OptionalExtension, params};

/// A stored evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    /// Scope: rule set keys and period.
    pub scope: String,
    /// Version within the scope, from 1.
    pub version: u32,
    /// SHA-256 of the record.
    pub record_digest: String,
    /// The record.
    pub record: EvaluationRecord,
    /// When it was first recorded (seconds since the epoch; not part of the record).
    pub recorded_at: i64,
}

/// Storage of published evaluations.
pub trait EvaluationLog {
    /// The latest version of a scope.
    fn latest(&self, scope: &str) -> Result<Option<Published>, DbError>;
    /// One version of a scope.
    fn version(&self, scope: &str, version: u32) -> Result<Option<Published>, DbError>;
    /// Appends a record as the scope's next version.
    fn append(&mut self, record: &EvaluationRecord, at: i64) -> Result<Published, DbError>;
    /// Every scope with its versions: `(scope, version, record digest, recorded at)`.
    fn list(&self) -> Result<Vec<(String, u32, String, i64)>, DbError>;
}

/// Publishes `record`: the scope's latest version when it is equal (same data, same rules),
/// else a new version. Returns the stored evaluation and whether it is new.
pub fn publish(
    log: &mut impl EvaluationLog,
    record: &EvaluationRecord,
    at: i64,
) -> Result<(Published, bool), DbError> {
    if let Some(latest) = log.latest(&record.scope())?
        && latest.record_digest == record.digest()
    {
        return Ok((latest, false));
    }
    Ok((log.append(record, at)?, true))
}

fn decode(row: (String, u32, String, String, i64)) -> Result<Published, DbError> {
    let (scope, version, record_digest, text, recorded_at) = row;
    if crate::digest::hex_digest(text.as_bytes()) != record_digest {
        return Err(DbError::Corrupt(format!(
            "evaluation {scope} v{version} does not match its digest"
        )));
    }
    let record: EvaluationRecord =
        serde_json::from_str(&text).map_err(|e| DbError::Corrupt(format!("evaluation: {e}")))?;
    Ok(Published {
        scope,
        version,
        record_digest,
        record,
        recorded_at,
    })
}

const COLUMNS: &str = "scope, version, record_digest, record, recorded_at";

impl EvaluationLog for GovernanceDb {
    fn latest(&self, scope: &str) -> Result<Option<Published>, DbError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM evaluations WHERE scope = ?1 ORDER BY version DESC LIMIT 1"),
                [scope],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(decode).transpose()
    }

    fn version(&self, scope: &str, version: u32) -> Result<Option<Published>, DbError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM evaluations WHERE scope = ?1 AND version = ?2"),
                params![scope, version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(decode).transpose()
    }

    fn append(&mut self, record: &EvaluationRecord, at: i64) -> Result<Published, DbError> {
        let scope = record.scope();
        let digest = record.digest();
        let text = serde_json::to_string(record).expect("records serialize");
        let tx = self.conn.savepoint()?;
        let version: u32 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM evaluations WHERE scope = ?1",
            [&scope],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO evaluations (scope, version, record_digest, inputs_digest, record, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![scope, version, digest, record.inputs_digest, text, at],
        )?;
        tx.commit()?;
        Ok(Published {
            scope,
            version,
            record_digest: digest,
            record: record.clone(),
            recorded_at: at,
        })
    }

    fn list(&self) -> Result<Vec<(String, u32, String, i64)>, DbError> {
        let mut st = self.conn.prepare(
            "SELECT scope, version, record_digest, recorded_at FROM evaluations ORDER BY scope, version",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
