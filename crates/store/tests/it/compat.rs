//! The store written by format version 1 (committed under `tests/data/store-v1`) still opens
//! and answers the same. Regenerate only when the format version changes, with
//! `FENLEI_WRITE_COMPAT_FIXTURE=1 cargo test -p fenlei-store compat`, and keep the old one.

use crate::fixture::*;
use fenlei_domain::{DayRange, Level};
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/store-v1")
}

#[test]
fn a_version_1_store_opens_and_answers_the_same() {
    let start = day("2025-06-30");
    if std::env::var_os("FENLEI_WRITE_COMPAT_FIXTURE").is_some() {
        let _ = std::fs::remove_dir_all(fixture_dir());
        let (world, events) = simulate(2025, start, 2);
        let mut store = create(&fixture_dir(), &world);
        store.append(&events).expect("append");
        store.flush().expect("flush");
        store.compact().expect("compact");
    }
    // Open a copy: opening may write (recovery, WAL), and the fixture must stay as committed.
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in walk(&fixture_dir()) {
        let to = copy
            .path()
            .join(entry.strip_prefix(fixture_dir()).expect("inside"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &to).expect("copy");
    }
    let mut store = EmbeddedStore::open(copy.path()).expect("a version-1 store opens");
    assert_eq!(store.recovered, 0);
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let q = store
        .quantities(
            district,
            DayRange {
                from: start,
                to: start.plus(1),
            },
        )
        .expect("query");
    assert!(q.total().putins > 5000, "{q:?}");
    assert_rollups_match(&mut store, start, 2);
    // The fixture predates the bin-day sums: opening filled them from the log, and they
    // match a rebuild.
    assert!(store.bin_days_kept().expect("meta"));
    let mut sums = Vec::new();
    store
        .bin_day_reader()
        .expect("reader")
        .day(start, &mut sums)
        .expect("bin-days");
    assert!(sums.len() > 10, "{} bin-days", sums.len());
    let audit = store.audit(&mut |_, _| {}).expect("audit");
    assert!(audit.ok(), "{:?}", audit.mismatches);
    // The fixture predates the simulated smart bins' fill-level reports: the events it
    // stored are the others.
    let (_, mut events) = simulate(2025, start, 2);
    events.retain(|e| {
        !matches!(e, fenlei_domain::Event::Incident(i) if i.kind == fenlei_domain::IncidentKind::FillLevel)
    });
    assert_eq!(
        store.append(&events).expect("append").accepted,
        0,
        "the stored keys still deduplicate"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
