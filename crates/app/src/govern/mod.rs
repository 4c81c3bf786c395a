//! The management half's use cases: the event store and the metric formulas feed
//! `fenlei_governance` (ratings, cases, incident escalation, points, disclosure), whose data
//! live in the store directory's own `governance.sqlite`.

pub mod cases;
pub mod disclose;
pub mod evaluate;
pub mod incidents;
pub mod points;
pub mod targets;

use crate::AppError;
use fenlei_domain::{Day, DayRange, Timestamp};
use fenlei_governance::GovernanceDb;
use std::path::Path;

/// Opens the governance database beside the store in `dir`.
pub fn open(dir: &Path) -> Result<GovernanceDb, AppError> {
    Ok(GovernanceDb::open(dir)?)
}

/// A period: a month (`2026-11`), a day (`2026-11-05`) or a range (`2026-11-01..2026-11-15`).
pub fn parse_period(s: &str) -> Result<DayRange, AppError> {
    let bad = || {
        AppError::Usage(format!(
            "period {s:?}: expected YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        ))
    };
    if let Some((a, b)) = s.split_once("..") {
        let (a, b) = (
            Day::parse(a).map_err(|_| bad())?,
            Day::parse(b).map_err(|_| bad())?,
        );
        return DayRange::new(a, b).ok_or_else(bad);
    }
    if let Ok(d) = Day::parse(s) {
        return Ok(DayRange { from: d, to: d });
    }
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let first = Day::from_ymd(
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        1,
    )
    .ok_or_else(bad)?;
    Ok(DayRange {
        from: first,
        to: first.next_month_start().plus(-1),
    })
}

/// The first instant after a period: its stored-time end.
pub fn end_of(range: DayRange) -> Timestamp {
    Timestamp::at(range.to.plus(1), 0)
}
