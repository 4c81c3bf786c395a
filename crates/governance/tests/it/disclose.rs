//! Red and black lists: ranking, byte-identical re-derivation, tampering found.

use fenlei_domain::Level;
use fenlei_governance::disclose::{self, ListSpec, Ranked, Source};

fn spec(size: usize) -> ListSpec {
    ListSpec {
        title: "11月 投放准确率 红黑榜".into(),
        level: Level::Estate,
        within: None,
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        source: Source::Metric {
            formula: "putin_accuracy@1".into(),
            higher_is_better: true,
        },
        size,
    }
}

fn values() -> Vec<Ranked> {
    [
        ("E1", Some(0.9)),
        ("E2", Some(0.7)),
        ("E3", None),
        ("E4", Some(0.9)),
        ("E5", Some(0.5)),
        ("E6", Some(0.8)),
    ]
    .into_iter()
    .map(|(u, v)| Ranked {
        unit: u.into(),
        name: format!("小区{u}"),
        score: v,
        shown: v.map_or("—".into(), |v| format!("{:.0}%", v * 100.0)),
    })
    .collect()
}

#[test]
fn lists_rank_best_and_worst_without_overlap() {
    let s = disclose::rank(spec(2), values());
    let units = |l: &[disclose::Entry]| l.iter().map(|e| e.unit.clone()).collect::<Vec<_>>();
    assert_eq!(units(&s.red), ["E1", "E4"]); // tie broken by code
    assert_eq!(units(&s.black), ["E5", "E2"]); // worst first
    assert_eq!(s.unranked, 1);
    let s = disclose::rank(spec(4), values());
    assert_eq!(units(&s.red), ["E1", "E4", "E6", "E2"]);
    assert_eq!(units(&s.black), ["E5"]);
}

#[test]
fn snapshots_are_reproducible_byte_for_byte_and_tampering_shows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("2026-11");
    let s = disclose::rank(spec(2), values());
    let m = disclose::publish(&out, &s).unwrap();
    assert_eq!(m.files.len(), 3);
    let again = disclose::rank(spec(2), values());
    assert_eq!(
        disclose::files(&s).unwrap(),
        disclose::files(&again).unwrap()
    );
    assert!(disclose::verify(&out, &again).unwrap().is_empty());
    assert!(
        disclose::publish(&out, &s)
            .unwrap_err()
            .contains("already holds a published snapshot")
    );
    let csv = std::fs::read_to_string(out.join("list.csv")).unwrap();
    assert!(
        csv.starts_with("list,rank,unit,name,value\n红榜 red,1,E1,小区E1,90%\n"),
        "{csv}"
    );
    // Data corrected after publication: the re-derivation no longer matches.
    let mut changed = values();
    changed[1].score = Some(0.95);
    let problems = disclose::verify(&out, &disclose::rank(spec(2), changed)).unwrap();
    assert!(
        problems.iter().any(|p| p.starts_with("list.xlsx: differs")),
        "{problems:?}"
    );
    // A file edited by hand.
    std::fs::write(out.join("list.csv"), csv.replace("90%", "99%")).unwrap();
    let problems = disclose::verify(&out, &again).unwrap();
    assert_eq!(
        problems,
        ["list.csv: differs from the re-derivation from stored data"]
    );
}
