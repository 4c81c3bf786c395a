//! The escalation scan reads only what can still move after its first run, and a late
//! incident still climbs its whole ladder.

use fenlei_app::govern::incidents::scan;
use fenlei_app::records::{RecordStatus, ingest_records};
use fenlei_app::simulate;
use fenlei_domain::Timestamp;
use fenlei_governance::GovernanceDb;
use fenlei_sim::Preset;

fn incident(id: &str, point: &str, time: &str) -> String {
    format!(
        r#"{{"type":"incident","id":"{id}","time":"{time}","point":"{point}","kind":"bags_on_ground"}}"#
    )
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("time")
}

#[test]
fn later_scans_read_a_window_and_late_deliveries_and_take_the_same_steps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 1);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let point = world
        .model
        .units
        .iter()
        .find(|u| u.level == fenlei_domain::Level::Point)
        .expect("point")
        .code
        .clone();
    let first = [
        incident("i1", &point, "2026-05-01T08:00:00+08:00"),
        incident("i2", &point, "2026-05-09T08:00:00+08:00"),
    ];
    let records: Vec<&[u8]> = first.iter().map(|r| r.as_bytes()).collect();
    let now = at("2026-06-01T00:00:00+08:00");
    let stored = ingest_records(&mut store, &records, now).expect("ingest");
    assert!(
        stored.iter().all(|r| r.status == RecordStatus::Stored),
        "{stored:?}"
    );

    let mut gov = GovernanceDb::open(&dir.path().join("db")).expect("gov");
    // 2026-05-10 09:00: i1 has climbed all four steps, i2 (25 h old) three.
    let taken = scan(&store, &mut gov, at("2026-05-10T09:00:00+08:00")).expect("scan");
    assert_eq!(taken.len(), 4 + 3);
    // A week later an incident of May 2nd arrives: older than the window the next scan reads
    // by day, yet it must climb its whole ladder; i2 takes its last step.
    let late = incident("i0", &point, "2026-05-02T08:00:00+08:00");
    ingest_records(&mut store, &[late.as_bytes()], now).expect("ingest");
    let taken = scan(&store, &mut gov, at("2026-05-20T09:00:00+08:00")).expect("scan");
    let mut got: Vec<(String, String)> = taken
        .iter()
        .map(|e| (e.incident.clone(), e.step.key().to_owned()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("i0", "case"),
            ("i0", "district"),
            ("i0", "remind"),
            ("i0", "street"),
            ("i2", "district")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    // Nothing more to take, and a scan in the past takes nothing either.
    assert!(
        scan(&store, &mut gov, at("2026-05-21T09:00:00+08:00"))
            .expect("scan")
            .is_empty()
    );
    assert!(
        scan(&store, &mut gov, at("2026-05-03T09:00:00+08:00"))
            .expect("scan")
            .is_empty()
    );
}
