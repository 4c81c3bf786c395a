//! Ingesting records handed over in memory — an HTTP batch, an MQTT message — with one result
//! per record.
//!
//! The same validator and store path as file ingest ([`crate::ingest`]): each record is parsed
//! (a JSON object in the wire schema), validated against the city, optionally checked against
//! what its sender may report for, and stored exactly once. When [`ingest_records`] returns
//! `Ok`, every record it calls stored is durable (the log is fsynced and the rollups flushed),
//! so a caller may acknowledge the batch. Re-sending the same batch stores nothing new: each
//! record comes back as a duplicate (or a conflict, when its content changed).

use crate::AppError;
use fenlei_domain::wire::WireRecord;
use fenlei_domain::{Event, Limits, RejectReason, Rejection, Timestamp, Validator};
use fenlei_store::EmbeddedStore;

/// What became of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Stored for the first time.
    Stored,
    /// Its id was stored with the same content: nothing changed.
    Duplicate,
    /// Its id was stored with other content: the stored version stands.
    Conflict,
    /// Not stored: it is malformed, makes no sense, or its sender may not report it.
    Rejected,
}

/// One record's result, in the order the records were given.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordResult {
    /// The record's id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What became of it.
    pub status: RecordStatus,
    /// The rejection reason code (`conflict` for a conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// What exactly: the rejection's detail, or the fields that differ in a conflict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl RecordResult {
    fn rejected(id: Option<String>, rejection: Rejection) -> RecordResult {
        RecordResult {
            id,
            status: RecordStatus::Rejected,
            reason: Some(rejection.reason.code()),
            detail: Some(rejection.detail),
        }
    }
}

/// Counts of a batch's results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    /// Records stored for the first time.
    pub stored: u64,
    /// Duplicates.
    pub duplicates: u64,
    /// Conflicts.
    pub conflicts: u64,
    /// Rejections.
    pub rejected: u64,
}

impl RecordCounts {
    /// Counts `results`.
    pub fn of(results: &[RecordResult]) -> RecordCounts {
        let mut c = RecordCounts::default();
        for r in results {
            match r.status {
                RecordStatus::Stored => c.stored += 1,
                RecordStatus::Duplicate => c.duplicates += 1,
                RecordStatus::Conflict => c.conflicts += 1,
                RecordStatus::Rejected => c.rejected += 1,
            }
        }
        c
    }
}

/// Ingests `records` (each one JSON object in the wire schema), judging times against `now`;
/// every record is accepted by its sender's permissions. See [`ingest_records_checked`].
pub fn ingest_records(
    store: &mut EmbeddedStore,
    records: &[&[u8]],
    now: Timestamp,
) -> Result<Vec<RecordResult>, AppError> {
    ingest_records_checked(store, records, now, &|_| Ok(()))
}

/// Ingests `records`, rejecting with `not_permitted` every valid event that `permitted`
/// refuses (with its detail), for senders that may report only for some points or vehicles.
/// On `Ok`, everything stored is durable. On `Err` (a store failure), nothing of this batch
/// should be acknowledged; re-sending it is safe.
pub fn ingest_records_checked(
    store: &mut EmbeddedStore,
    records: &[&[u8]],
    now: Timestamp,
    permitted: &dyn Fn(&Event) -> Result<(), String>,
) -> Result<Vec<RecordResult>, AppError> {
    ingest_records_scoped(store, records, now, &|_, e| permitted(e))
}

/// [`ingest_records_checked`] for a batch gathered from several senders: `permitted` also gets
/// the index of the record in `records`, so each record is judged by its own sender's scope
/// (an MQTT batch of several devices' messages, stored in one append).
pub fn ingest_records_scoped(
    store: &mut EmbeddedStore,
    records: &[&[u8]],
    now: Timestamp,
    permitted: &dyn Fn(usize, &Event) -> Result<(), String>,
) -> Result<Vec<RecordResult>, AppError> {
    if !store.registry().has_households() {
        return Err(AppError::Usage(
            "the store was opened for queries only; open it fully to ingest".into(),
        ));
    }
    let registry = store.registry_shared();
    let validator = Validator::new(&registry, now, Limits::default());
    let mut results = Vec::with_capacity(records.len());
    let mut events = Vec::with_capacity(records.len());
    // For each event, the index of its record.
    let mut origin = Vec::with_capacity(records.len());
    for (i, bytes) in records.iter().enumerate() {
        let record = match WireRecord::from_json_bytes(bytes) {
            Ok(r) => r,
            Err(e) => {
                results.push(RecordResult::rejected(
                    None,
                    Rejection::new(RejectReason::Malformed, format!("invalid JSON: {e}")),
                ));
                continue;
            }
        };
        let id = record.id.as_deref().map(str::to_owned);
        match validator.validate(&record) {
            Ok(event) => match permitted(i, &event) {
                Ok(()) => {
                    events.push(event);
                    origin.push(i);
                    results.push(RecordResult {
                        id,
                        status: RecordStatus::Stored,
                        reason: None,
                        detail: None,
                    });
                }
                Err(why) => results.push(RecordResult::rejected(
                    id,
                    Rejection::new(RejectReason::NotPermitted, why),
                )),
            },
            Err(rejection) => results.push(RecordResult::rejected(id, rejection)),
        }
    }
    if !events.is_empty() {
        store.append(&events)?;
        for &d in store.duplicates() {
            results[origin[d]].status = RecordStatus::Duplicate;
        }
        for c in store.conflicts() {
            let r = &mut results[origin[c.index]];
            r.status = RecordStatus::Conflict;
            r.reason = Some(crate::ingest::CONFLICT);
            r.detail = Some(c.to_string());
        }
        store.flush()?;
    }
    Ok(results)
}
