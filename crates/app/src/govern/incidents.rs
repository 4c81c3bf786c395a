//! `fenlei incident …`: station incidents from the store, acknowledged and handled by the
//! estate's staff, escalated up the ladder from stored time.

use crate::AppError;
use crate::report::table;
use fenlei_domain::{CityModel, DayRange, Event, Level, Timestamp};
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
    let every_day = DayRange {
        from: fenlei_domain::Day(i32::MIN),
        to: fenlei_domain::Day(i32::MAX),
    };
    let events = store.other_events_of("incident", range.unwrap_or(every_day))?;
    Ok(infos(store, events))
}

/// The incidents among `events`, with the units above each point, by time.
fn infos(store: &EmbeddedStore, events: Vec<Event>) -> Vec<IncidentInfo> {
    infos_in(store.model(), events)
}

/// The incidents among `events` of the city `model`, with the units above each point, by
/// time (each id once).
pub fn infos_in(model: &CityModel, events: Vec<Event>) -> Vec<IncidentInfo> {
    let code_at = |unit, level| {
        model
            .ancestor_at(unit, level)
            .map_or_else(String::new, |u| model.unit(u).code.clone())
    };
    let mut out: Vec<IncidentInfo> = events
        .into_iter()
        .filter_map(|e| match e {
            Event::Incident(i) => Some(i),
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
    out.dedup_by(|a, b| a.id == b.id);
    out
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
    record_on(gov, &incident, action, actor, at)
}

/// Records a staff action on an incident already found: the first of each kind stands
/// (returns whether this one was new); an action before the incident is refused.
pub fn record_on(
    gov: &mut GovernanceDb,
    incident: &IncidentInfo,
    action: StaffAction,
    actor: &str,
    at: Timestamp,
) -> Result<bool, AppError> {
    if at < incident.time {
        return Err(AppError::Usage(format!(
            "{} happened at {}, after {at}",
            incident.id, incident.time
        )));
    }
    Ok(gov.record_action(&incident.id, action, at, actor)?)
}

/// The governance database's record of the last scan: `"<time>|<last event seq>"`.
const LAST_SCAN: &str = "incident_scan";

/// Takes every ladder step due by `at`.
///
/// The first scan reads every stored incident. Later ones read only what can still move:
/// incidents within the ladder's span before the last scan (every step due by then was
/// taken then) and incidents stored since, whatever their day (late deliveries).
pub fn scan(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    at: Timestamp,
) -> Result<Vec<Escalation>, AppError> {
    let ladder = Ladder::default();
    let span = incidents::Step::ALL
        .iter()
        .map(|&s| ladder.offset(s))
        .max()
        .unwrap_or(0);
    let seq = store.last_event_seq()?;
    let last = gov.meta(LAST_SCAN)?.and_then(|v| {
        let (t, s) = v.split_once('|')?;
        Some((Timestamp(t.parse().ok()?), s.parse::<i64>().ok()?))
    });
    let list = match last {
        Some((last_at, last_seq)) if last_at <= at => {
            let window = DayRange {
                from: Timestamp(last_at.0 - span).day(),
                to: at.day(),
            };
            let mut events = store.other_events_of("incident", window)?;
            events.extend(store.other_events_stored_after("incident", last_seq)?);
            infos(store, events)
        }
        _ => stored(store, None)?,
    };
    let moves_forward = last.is_none_or(|(last_at, _)| last_at <= at);
    // One transaction for the whole scan and its record: a crash leaves nothing half done,
    // and a rescan takes the same steps.
    gov.atomically(|g| {
        let taken = incidents::scan(g, &list, &ladder, at)?;
        if moves_forward {
            g.set_meta(LAST_SCAN, &format!("{}|{seq}", at.0))?;
        }
        Ok(taken)
    })
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
