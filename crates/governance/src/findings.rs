//! Stored findings of the collection chain's rules (mixed transport, unticketed trips, …):
//! one row per finding key, kept once however often a check is re-run, with the case opened
//! for it once it has one. The rules themselves live in `fenlei-chain`; this module only keeps
//! what they found.

use crate::db::{DbError, GovernanceDb};
use rusqlite::{OptionalExtension, params};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chain_findings (
    key TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    day TEXT NOT NULL,
    unit TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    case_id INTEGER
);
CREATE INDEX IF NOT EXISTS chain_findings_day ON chain_findings (day);
";

/// A finding as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFinding {
    /// Stable identity (rule and event ids).
    pub key: String,
    /// The rule's key.
    pub rule: String,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// The unit's code.
    pub unit: String,
    /// One sentence.
    pub summary: String,
    /// The whole finding with its evidence, JSON.
    pub body: String,
    /// When it was first recorded (seconds since the epoch).
    pub recorded_at: i64,
    /// The case opened for it, if any.
    pub case_id: Option<u64>,
}

/// Storage of chain findings.
pub trait FindingLog {
    /// Stores the findings not stored yet; returns how many were new.
    fn record_findings(&mut self, findings: &[StoredFinding]) -> Result<usize, DbError>;
    /// Notes the case opened for a finding.
    fn set_finding_case(&mut self, key: &str, case_id: u64) -> Result<(), DbError>;
    /// The finding with this key.
    fn finding(&self, key: &str) -> Result<Option<StoredFinding>, DbError>;
    /// Findings of days `from..=to` (`YYYY-MM-DD`), by day and key.
    fn findings_between(&self, from: &str, to: &str) -> Result<Vec<StoredFinding>, DbError>;
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredFinding> {
    Ok(StoredFinding {
        key: r.get(0)?,
        rule: r.get(1)?,
        day: r.get(2)?,
        unit: r.get(3)?,
        summary: r.get(4)?,
        body: r.get(5)?,
        recorded_at: r.get(6)?,
        case_id: r.get::<_, Option<i64>>(7)?.map(|c| c as u64),
    })
}

const COLUMNS: &str = "key, rule, day, unit, summary, body, recorded_at, case_id";

impl FindingLog for GovernanceDb {
    fn record_findings(&mut self, findings: &[StoredFinding]) -> Result<usize, DbError> {
        self.conn.execute_batch(SCHEMA)?;
        let tx = self.conn.transaction()?;
        let mut new = 0;
        {
            let mut st = tx.prepare(
                "INSERT OR IGNORE INTO chain_findings (key, rule, day, unit, summary, body, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for f in findings {
                new += st.execute(params![
                    f.key,
                    f.rule,
                    f.day,
                    f.unit,
                    f.summary,
                    f.body,
                    f.recorded_at
                ])?;
            }
        }
        tx.commit()?;
        Ok(new)
    }

    fn set_finding_case(&mut self, key: &str, case_id: u64) -> Result<(), DbError> {
        self.conn.execute_batch(SCHEMA)?;
        self.conn.execute(
            "UPDATE chain_findings SET case_id = ?2 WHERE key = ?1",
            params![key, case_id as i64],
        )?;
        Ok(())
    }

    fn finding(&self, key: &str) -> Result<Option<StoredFinding>, DbError> {
        self.conn.execute_batch(SCHEMA)?;
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM chain_findings WHERE key = ?1"),
                [key],
                row,
            )
            .optional()?)
    }

    fn findings_between(&self, from: &str, to: &str) -> Result<Vec<StoredFinding>, DbError> {
        self.conn.execute_batch(SCHEMA)?;
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM chain_findings WHERE day BETWEEN ?1 AND ?2 ORDER BY day, key"
        ))?;
        let rows = st.query_map([from, to], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
