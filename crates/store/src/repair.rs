//! `repair`: quarantine damaged put-in log blocks and rebuild everything derived from the raw
//! data, so that a damaged store takes writes again and its figures are true to what remains.
//!
//! Nothing is deleted: every damaged stretch is copied to `putins/quarantine/` before its day
//! file is rewritten with the valid blocks only. The rollups, participation sets, coverage and
//! the key index are then rebuilt from the remaining raw data (the log and the events table),
//! and the report says, day by day, how many put-ins were lost — the rollups had counted them —
//! so they can be re-ingested from the source; deduplication then stores each exactly once.

use crate::embedded::{EmbeddedStore, StoreError};
use crate::log::scan::{self, Segment};
use crate::log::{FILE_HEADER, FILE_MAGIC, INDEX_FILE, LOG_FORMAT_VERSION, day_files};
use fenlei_domain::{Day, Level};
use rusqlite::OptionalExtension;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What repair did to one damaged day file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayRepair {
    /// The day.
    pub day: Day,
    /// Damaged stretches: offset and length in bytes, and where they were copied.
    pub quarantined: Vec<(u64, u64, PathBuf)>,
    /// Put-ins in the blocks kept.
    pub kept: u64,
    /// Put-ins the rollups had counted for the day that are gone with the damage.
    pub lost: u64,
}

/// What `repair` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Damaged day files, repaired.
    pub days: Vec<DayRepair>,
    /// Events replayed into the rebuilt rollups (0 when nothing was damaged).
    pub replayed: u64,
}

impl RepairReport {
    /// Put-ins lost over all days.
    pub fn lost(&self) -> u64 {
        self.days.iter().map(|d| d.lost).sum()
    }
}

const DERIVED: &str = "DELETE FROM facts; DELETE FROM participation; DELETE FROM counters;
    DELETE FROM pickup_flags; DELETE FROM treatment_flows; DELETE FROM bin_days; DELETE FROM checkpoint_log;
    UPDATE checkpoint_events SET applied_seq = 0;";

impl EmbeddedStore {
    /// Quarantines every damaged stretch of the put-in log, rewrites the damaged day files
    /// with their valid blocks, and rebuilds all derived data from what remains. A store
    /// without damage is left as it is.
    pub fn repair(dir: &Path) -> Result<RepairReport, StoreError> {
        let conn = Self::connect_checked(dir)?;
        let log_dir = dir.join(crate::embedded::LOG_DIR);
        let model = crate::embedded::load_model(&conn)?;
        let city = model
            .at_level(Level::City)
            .next()
            .map(|u| u.id)
            .ok_or_else(|| StoreError::Corrupt("no city unit".into()))?;
        let mut counted = conn.prepare(
            "SELECT SUM(putins) FROM facts WHERE grain = 0 AND start = ?1 AND unit = ?2",
        )?;
        let mut report = RepairReport::default();
        let files = if log_dir.exists() {
            day_files(&log_dir)?
        } else {
            Vec::new()
        };
        for (day, path) in files {
            let data = std::fs::read(&path).map_err(|e| path_err(&path, e))?;
            let header_ok = scan::check_header(&data, &path, day).is_ok();
            let segments = if data.len() > FILE_HEADER as usize {
                scan::walk(&data)
            } else {
                Vec::new()
            };
            let bad: Vec<(u64, u64)> = (!header_ok)
                .then_some((0, (data.len() as u64).min(FILE_HEADER)))
                .into_iter()
                .chain(segments.iter().filter_map(|s| match *s {
                    Segment::Bad { offset, len } => Some((offset, len)),
                    Segment::Block { .. } => None,
                }))
                .collect();
            if bad.is_empty() {
                continue;
            }
            let mut fixed = Vec::with_capacity(data.len());
            fixed.extend_from_slice(FILE_MAGIC);
            fixed.extend_from_slice(&LOG_FORMAT_VERSION.to_le_bytes());
            fixed.extend_from_slice(&day.0.to_le_bytes());
            let mut kept = 0;
            for s in &segments {
                if let Segment::Block {
                    offset,
                    len,
                    records,
                } = *s
                {
                    fixed.extend_from_slice(&data[offset as usize..(offset + len) as usize]);
                    kept += records;
                }
            }
            let mut quarantined = Vec::new();
            for (offset, len) in bad {
                let q = quarantine(
                    &log_dir,
                    day,
                    offset,
                    &data[offset as usize..][..len as usize],
                )?;
                quarantined.push((offset, len, q));
            }
            replace_file(&path, (kept > 0).then_some(&fixed[..]))?;
            let had: Option<i64> = counted
                .query_row(rusqlite::params![day.0, city.0], |r| r.get(0))
                .optional()?
                .flatten();
            report.days.push(DayRepair {
                day,
                quarantined,
                kept,
                lost: (had.unwrap_or(0) as u64).saturating_sub(kept),
            });
        }
        drop(counted);
        if report.days.is_empty() {
            return Ok(report);
        }
        conn.execute_batch(DERIVED)?;
        drop(conn);
        let index = log_dir.join(INDEX_FILE);
        if index.exists() {
            std::fs::remove_file(&index).map_err(|e| path_err(&index, e))?;
        }
        let store = EmbeddedStore::open(dir)?;
        report.replayed = store.recovered;
        Ok(report)
    }
}

fn path_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Path {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Copies damaged bytes to `quarantine/<day>.<offset>.bin` (never overwriting a copy).
fn quarantine(log_dir: &Path, day: Day, offset: u64, bytes: &[u8]) -> Result<PathBuf, StoreError> {
    let dir = log_dir.join("quarantine");
    std::fs::create_dir_all(&dir).map_err(|e| path_err(&dir, e))?;
    let mut n = 0;
    let path = loop {
        let name = if n == 0 {
            format!("{day}.{offset}.bin")
        } else {
            format!("{day}.{offset}.{n}.bin")
        };
        let p = dir.join(name);
        if !p.exists() {
            break p;
        }
        n += 1;
    };
    let mut f = std::fs::File::create_new(&path).map_err(|e| path_err(&path, e))?;
    f.write_all(bytes).map_err(|e| path_err(&path, e))?;
    f.sync_all().map_err(|e| path_err(&path, e))?;
    Ok(path)
}

/// Replaces a day file atomically with `bytes`, or removes it when nothing is left.
fn replace_file(path: &Path, bytes: Option<&[u8]>) -> Result<(), StoreError> {
    match bytes {
        Some(bytes) => {
            let tmp = path.with_extension("log.repair");
            let mut f = std::fs::File::create(&tmp).map_err(|e| path_err(&tmp, e))?;
            f.write_all(bytes).map_err(|e| path_err(&tmp, e))?;
            f.sync_all().map_err(|e| path_err(&tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| path_err(path, e))?;
        }
        None => std::fs::remove_file(path).map_err(|e| path_err(path, e))?,
    }
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| path_err(dir, e))?;
    }
    Ok(())
}
