//! Nothing lost, nothing counted twice: one id is one record across the whole store, damage is
//! never taken for a torn write, and a failed write marks nothing as stored.

use crate::fixture::*;
use fenlei_domain::{Day, DayRange, Event, Level, PutIn, Timestamp};
use fenlei_store::{EmbeddedStore, StoreError};

fn put_ins(events: &[Event]) -> Vec<PutIn> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PutIn(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn city(store: &EmbeddedStore) -> fenlei_domain::UnitId {
    store.model().at_level(Level::City).next().expect("city").id
}

fn day_file(dir: &std::path::Path, day: Day) -> std::path::PathBuf {
    dir.join("putins").join(format!("{day}.log"))
}

#[test]
fn an_id_resent_with_its_time_on_another_day_is_stored_once_and_reported_as_a_conflict() {
    let start = day("2026-11-28");
    let (world, events) = simulate(21, start, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    let range = DayRange::new(start, start.plus(1)).expect("range");
    let before = store.quantities(city(&store), range).expect("query");
    // The same id, its time moved one day later.
    let first = put_ins(&events)[0];
    let moved = PutIn {
        time: Timestamp(first.time.0 + 86_400),
        ..first
    };
    let outcome = store.append(&[Event::PutIn(moved)]).expect("append");
    assert_eq!(
        (outcome.accepted, outcome.duplicates, outcome.conflicts),
        (0, 0, 1)
    );
    let conflict = &store.conflicts()[0];
    assert_eq!(conflict.index, 0);
    assert_eq!(conflict.fields.len(), 1);
    assert_eq!(conflict.fields[0].field, "time");
    assert_eq!(conflict.fields[0].stored, first.time.to_string());
    assert_eq!(conflict.fields[0].offered, moved.time.to_string());
    assert_eq!(
        store.quantities(city(&store), range).expect("query"),
        before
    );
    // Also across a reopen (the key index is saved and reloaded) and with a fresh index.
    store.flush().expect("flush");
    drop(store);
    let mut store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert_eq!(
        store
            .append(&[Event::PutIn(moved)])
            .expect("append")
            .conflicts,
        1
    );
    drop(store);
    std::fs::remove_file(dir.path().join("putins").join("keys.idx")).expect("index saved");
    let mut store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert_eq!(
        store
            .append(&[Event::PutIn(moved)])
            .expect("append")
            .conflicts,
        1
    );
    assert_eq!(
        store.append(&events).expect("append").duplicates,
        events.len() as u64
    );
    assert_eq!(
        store.quantities(city(&store), range).expect("query"),
        before
    );
}

#[test]
fn a_redelivered_id_with_other_content_is_a_conflict_for_put_ins_and_pickups() {
    let start = day("2026-11-28");
    let (world, events) = simulate(22, start, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    let p = put_ins(&events)[3];
    let heavier = PutIn {
        grams: p.grams + 100,
        ..p
    };
    let pickup = events
        .iter()
        .find_map(|e| match e {
            Event::Pickup(x) => Some(x.clone()),
            _ => None,
        })
        .expect("a pickup");
    let mut heavier_pickup = pickup.clone();
    heavier_pickup.grams += 1000;
    let batch = [
        Event::PutIn(p),               // the same record: a duplicate
        Event::PutIn(heavier),         // a conflict
        Event::Pickup(pickup),         // a duplicate
        Event::Pickup(heavier_pickup), // a conflict
    ];
    let outcome = store.append(&batch).expect("append");
    assert_eq!(
        (outcome.accepted, outcome.duplicates, outcome.conflicts),
        (0, 2, 2)
    );
    let conflicts = store.conflicts();
    assert_eq!(conflicts.len(), 2);
    assert_eq!(conflicts[0].index, 1);
    assert_eq!(conflicts[0].fields[0].field, "grams");
    assert_eq!(conflicts[0].fields[0].stored, p.grams.to_string());
    assert_eq!(conflicts[1].index, 3);
    assert_eq!(conflicts[1].fields.len(), 1, "{:?}", conflicts[1]);
    assert_eq!(conflicts[1].fields[0].field, "grams");
    // Within one batch, the first version stands too.
    let q = put_ins(&events)[5];
    let fresh = PutIn {
        key: fenlei_domain::EventKey::of("a new id"),
        ..q
    };
    let twice = PutIn {
        grams: fresh.grams + 1,
        ..fresh
    };
    let outcome = store
        .append_put_ins(&[fresh, fresh, twice])
        .expect("append");
    assert_eq!(
        (outcome.accepted, outcome.duplicates, outcome.conflicts),
        (1, 1, 1)
    );
}

#[test]
fn a_day_file_whose_creation_was_torn_is_removed_and_the_store_opens() {
    let start = day("2026-11-28");
    let (world, events) = simulate(23, start, 2);
    for torn in [&b""[..], &b"FENLEIPI\x01\x00"[..], &[0u8; 16][..]] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = create(dir.path(), &world);
        store.append(&events).expect("append");
        store.flush().expect("flush");
        drop(store);
        let next = start.plus(5);
        std::fs::write(day_file(dir.path(), next), torn).expect("write");
        let mut store = EmbeddedStore::open(dir.path()).expect("opens");
        assert_eq!(store.log_opened().removed, [next]);
        assert!(!day_file(dir.path(), next).exists());
        let range = DayRange::new(start, next).expect("range");
        let unit = city(&store);
        assert_eq!(
            store.quantities(unit, range).expect("query"),
            fenlei_store::recompute(&store, unit, range).expect("recompute")
        );
        // And the day takes put-ins again.
        let p = PutIn {
            key: fenlei_domain::EventKey::of("after the crash"),
            time: Timestamp(put_ins(&events)[0].time.0 + 5 * 86_400),
            ..put_ins(&events)[0]
        };
        assert_eq!(store.append_put_ins(&[p]).expect("append").accepted, 1);
    }
}

/// Flips one byte in the middle of the day file (inside data the checkpoint holds).
fn flip_middle_byte(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_flipped_byte_is_damage_not_a_torn_tail_and_repair_says_what_was_lost() {
    let start = day("2026-11-28");
    let (world, events) = simulate(24, start, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    store.flush().expect("flush");
    let unit = city(&store);
    let range = DayRange::new(start, start.plus(2)).expect("range");
    let clean = store.quantities(unit, range).expect("query");
    let damaged_day = start.plus(1);
    let lost_expected = put_ins(&events)
        .iter()
        .filter(|p| p.time.day() == damaged_day)
        .count() as u64;
    drop(store);
    let path = day_file(dir.path(), damaged_day);
    let len_before = std::fs::metadata(&path).expect("file").len();
    flip_middle_byte(&path);

    // Opening for writing is refused, naming the file, the offset and the day; nothing is cut.
    let err = EmbeddedStore::open(dir.path()).err().expect("refused");
    let StoreError::Damaged(damage) = &err else {
        panic!("{err}")
    };
    assert_eq!(damage.len(), 1);
    assert_eq!(damage[0].day, damaged_day);
    assert_eq!(damage[0].path, path);
    let message = err.to_string();
    assert!(
        message.contains(&damaged_day.to_string()) && message.contains("byte 16"),
        "{message}"
    );
    assert_eq!(std::fs::metadata(&path).expect("file").len(), len_before);

    // Repair quarantines the block, rebuilds the rollups from what remains and counts the loss.
    let report = EmbeddedStore::repair(dir.path()).expect("repair");
    assert_eq!(report.days.len(), 1);
    assert_eq!(report.days[0].day, damaged_day);
    assert_eq!(report.days[0].lost, lost_expected);
    assert_eq!(report.lost(), lost_expected);
    let (_, bad_len, quarantined) = &report.days[0].quarantined[0];
    assert_eq!(
        std::fs::metadata(quarantined).expect("kept").len(),
        *bad_len
    );
    let mut store = EmbeddedStore::open(dir.path()).expect("opens after repair");
    let after = store.quantities(unit, range).expect("query");
    assert_eq!(after.total().putins, clean.total().putins - lost_expected);
    assert_eq!(
        after,
        fenlei_store::recompute(&store, unit, range).expect("recompute")
    );
    // Every derived row, the bin-day sums included, was rebuilt from what remains.
    let audit = store.audit(&mut |_, _| {}).expect("audit");
    assert!(audit.ok(), "{:?}", audit.mismatches);

    // Re-ingesting the feed stores the lost put-ins once: the figures are whole again.
    let again = store.append(&events).expect("re-ingest");
    assert_eq!(again.accepted, lost_expected);
    assert_eq!(store.quantities(unit, range).expect("query"), clean);
    assert_eq!(store.append(&events).expect("once more").accepted, 0);
}

#[test]
fn a_failed_write_marks_nothing_and_a_retry_stores_everything_once() {
    let start = day("2026-11-28");
    let (world, events) = simulate(25, start, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let (first, second) = events.split_at(events.len() / 2);
    store.append(first).expect("append");
    store.inject_write_failure(Some(100));
    assert!(store.append(second).is_err(), "the disk is full");
    store.inject_write_failure(None);
    let retry = store.append(second).expect("retry");
    let stored_first: u64 = put_ins(second).len() as u64;
    assert!(retry.accepted >= stored_first, "{retry:?}");
    store.flush().expect("flush");
    let unit = city(&store);
    let range = DayRange::new(start, start.plus(1)).expect("range");
    let q = store.quantities(unit, range).expect("query");
    assert_eq!(q.total().putins, put_ins(&events).len() as u64);
    assert_eq!(
        q,
        fenlei_store::recompute(&store, unit, range).expect("recompute")
    );
    drop(store);
    // The bytes the failed write left behind were overwritten, not left between blocks.
    let mut store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert!(store.log_opened().damage.is_empty() && store.log_opened().torn.is_empty());
    assert_eq!(store.append(&events).expect("append").accepted, 0);
}

#[test]
fn the_weights_read_alone_are_the_stored_records_and_damage_stops_them_too() {
    let start = day("2026-11-28");
    let (world, events) = simulate(26, start, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    // Three appends: each day file holds several blocks.
    for part in events.chunks(events.len() / 3 + 1) {
        store.append(part).expect("append");
    }
    store.flush().expect("flush");
    let reader = store.put_in_reader();
    let mut buf = Vec::new();
    let mut total = 0;
    for d in reader.days() {
        let mut records = Vec::new();
        store.put_ins_of_day(d, &mut records).expect("read");
        let expected: Vec<_> = records
            .iter()
            .map(|p| (p.time, p.point, p.category, p.grams))
            .collect();
        let mut got = Vec::new();
        let n = reader
            .weights_of_day(d, &mut buf, |w| {
                got.push((Timestamp::at(d, w.second), w.point, w.category, w.grams))
            })
            .expect("scan");
        assert_eq!(n as usize, got.len());
        assert_eq!(got, expected, "{d}");
        total += got.len();
    }
    assert_eq!(total, put_ins(&events).len());
    assert!(total > 1000, "{total} put-ins");
    drop(store);

    let damaged_day = start.plus(1);
    flip_middle_byte(&day_file(dir.path(), damaged_day));
    let store = EmbeddedStore::open_for_queries(dir.path()).expect("opens for reading");
    let err = store
        .put_in_reader()
        .weights_of_day(damaged_day, &mut buf, |_| {})
        .expect_err("damage is an error");
    assert!(err.to_string().contains(&damaged_day.to_string()), "{err}");
}
