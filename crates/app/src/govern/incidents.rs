//! `fenlei incident …`: station incidents from the store, acknowledged and handled by the
//! estate's staff, escalated up the ladder from stored time.

use crate::AppError;
use crate::report::table;
use fenlei_domain::{DayRange, Event, Level, Timestamp};
use fenlei_governance::GovernanceDb;
use fenlei_governance::incidents::{
    self, Escalation, IncidentBook, IncidentInfo, Ladder, StaffAction,
};
use fenlei_store::EmbeddedStore;

/// Stored incidents (of days in `range`, or all), with the units above each point.
pub fn stored(
    store: &EmbeddedStore,
    range: Option<DayRange>,
) -> Result<Vec<IncidentInfo>, AppError> {
    let model = store.model();
    let code_at = |unit, level| {
        model
            .ancestor_at(unit, level)
            .map_or_else(String::new, |u| model.unit(u).code.clone())
    };
    let mut out: Vec<IncidentInfo> = store
        .other_events()?
        .into_iter()
        .filter_map(|e| match e {
            Event::Incident(i) if range.is_none_or(|r| r.contains(i.time.day())) => Some(i),
            _ => None,
        })
        .map(|i| IncidentInfo {
            point: model.unit(i.point).code.clone(),
            estate: code_at(i.point, Level::Estate),
            community: code_at(i.point, Level::Community),
            street: code_at(i.point, Level::Street),
            district: code_at(i.point, Level::District),
            id: i.id,
            time: i.time,
            kind: i.kind,
        })
        .collect();
    out.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
    Ok(out)
}

/// Records a staff action on a stored incident.
pub fn record(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    id: &str,
    action: StaffAction,
    actor: &str,
    at: Timestamp,
) -> Result<bool, AppError> {
    let incident = stored(store, None)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| AppError::Usage(format!("no stored incident {id:?}")))?;
    if at < incident.time {
        return Err(AppError::Usage(format!(
            "{id} happened at {}, after {at}",
            incident.time
        )));
    }
    Ok(gov.record_action(id, action, at, actor)?)
}

/// Takes every ladder step due by `at`.
pub fn scan(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    at: Timestamp,
) -> Result<Vec<Escalation>, AppError> {
    let list = stored(store, None)?;
    // One transaction for the whole scan: a crash leaves nothing half done, and a rescan
    // takes the same steps.
    gov.atomically(|g| incidents::scan(g, &list, &Ladder::default(), at))
        .map_err(super::cases::case_error)
}

/// Incidents with their handling and the steps taken, as a table.
pub fn render(gov: &GovernanceDb, list: &[IncidentInfo]) -> Result<String, AppError> {
    let header = vec![
        [
            "incident", "time", "kind", "estate", "ack", "handled", "steps",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut rows = Vec::new();
    for i in list {
        let when = |a| -> Result<String, AppError> {
            Ok(gov
                .action_at(&i.id, a)?
                .map(|t: Timestamp| t.to_string())
                .unwrap_or_default())
        };
        let steps: Vec<String> = gov
            .steps(&i.id)?
            .iter()
            .map(|e| e.step.key().to_owned())
            .collect();
        rows.push(vec![
            i.id.clone(),
            i.time.to_string(),
            i.kind.key().to_owned(),
            i.estate.clone(),
            when(StaffAction::Ack)?,
            when(StaffAction::Handled)?,
            steps.join(" → "),
        ]);
    }
    Ok(format!(
        "{}{} incidents\n",
        table(&header, &rows, 7),
        list.len()
    ))
}
