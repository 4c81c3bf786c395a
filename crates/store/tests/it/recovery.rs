//! A crash or kill never loses an acknowledged event nor counts one twice.

use crate::fixture::*;
use fenlei_domain::Level;
use fenlei_store::EmbeddedStore;
use std::io::Write;

#[test]
fn events_acknowledged_but_not_rolled_up_are_replayed_once() {
    let start = day("2026-02-20");
    let (world, events) = simulate(11, start, 8);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let (first, second) = events.split_at(events.len() / 2);
    store.append(first).expect("append");
    store.flush().expect("flush");
    store.append(second).expect("append");
    assert!(store.pending() > 0);
    // Killed before the rollups were written: nothing flushes on drop.
    drop(store);
    let mut store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert_eq!(store.recovered, second.len() as u64);
    assert_rollups_match(&mut store, start, 8);
    let again = store.append(&events).expect("re-deliver everything");
    assert_eq!(again.accepted, 0, "nothing counted twice");
    drop(store);
    let store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert_eq!(store.recovered, 0, "a clean reopen replays nothing");
}

#[test]
fn a_torn_block_at_the_end_of_a_day_file_is_cut_off() {
    let start = day("2026-02-20");
    let (world, events) = simulate(12, start, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    store.flush().expect("flush");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let range = sample_ranges(start, 3)[0];
    let before = store.quantities(district, range).expect("query");
    drop(store);
    // A crash in the middle of writing the next block.
    let file = dir.path().join("putins").join(format!("{start}.log"));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("day file");
    f.write_all(b"PBK1\x10\x00\x00\x00garbage").expect("write");
    drop(f);
    let mut store = EmbeddedStore::open(dir.path()).expect("reopen");
    assert_eq!(store.quantities(district, range).expect("query"), before);
    assert_eq!(store.append(&events).expect("append").accepted, 0);
}

#[test]
fn a_store_of_another_format_version_is_refused() {
    let (world, _) = simulate(1, day("2026-01-01"), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    drop(create(dir.path(), &world));
    let conn = rusqlite::Connection::open(dir.path().join("fenlei.sqlite")).expect("sqlite");
    conn.execute(
        "UPDATE meta SET value = '999' WHERE key = 'format_version'",
        [],
    )
    .expect("update");
    drop(conn);
    let err = EmbeddedStore::open(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("999") && err.contains("version"), "{err}");
}

#[test]
fn a_store_opened_for_queries_answers_the_same_and_refuses_appends() {
    let start = day("2026-02-20");
    let (world, events) = simulate(13, start, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let (first, second) = events.split_at(events.len() / 2);
    store.append(first).expect("append");
    store.flush().expect("flush");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let range = sample_ranges(start, 3)[0];
    let full = store.quantities(district, range).expect("query");
    drop(store);
    let mut light = EmbeddedStore::open_for_queries(dir.path()).expect("open for queries");
    assert!(!light.registry().has_households());
    assert_eq!(light.quantities(district, range).expect("query"), full);
    assert!(light.append(second).is_err(), "appends need the households");
    drop(light);
    // With raw data waiting to be replayed, it opens fully and catches up.
    let mut store = EmbeddedStore::open(dir.path()).expect("open");
    store.append(second).expect("append");
    drop(store);
    let mut caught_up = EmbeddedStore::open_for_queries(dir.path()).expect("open for queries");
    assert!(
        caught_up.registry().has_households(),
        "replaying needed the households"
    );
    assert_eq!(caught_up.recovered, second.len() as u64);
    assert_eq!(
        caught_up.quantities(district, range).expect("query"),
        fenlei_store::recompute(&caught_up, district, range).expect("recompute")
    );
}
