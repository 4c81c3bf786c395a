//! Feed files: idempotent re-ingest, bad lines reported with their position while the good
//! ones around them are kept, JSON lines and CSV alike.

use fenlei_app::ingest::{IngestReport, ingest};
use fenlei_app::progress::Silent;
use fenlei_app::simulate::{self, FeedFormat};
use fenlei_domain::{Day, DayRange, Level, Timestamp};
use fenlei_sim::{Preset, SimConfig};
use fenlei_store::EmbeddedStore;
use std::path::{Path, PathBuf};

fn day(s: &str) -> Day {
    Day::parse(s).expect("date")
}

fn run(store: &mut EmbeddedStore, files: &[PathBuf], dir: &Path) -> IngestReport {
    ingest(
        store,
        files,
        &dir.join("rejects.jsonl"),
        Timestamp::now(),
        &mut Silent,
    )
    .expect("ingest")
}

fn district_putins(store: &mut EmbeddedStore, from: &str, to: &str) -> u64 {
    let d = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    store
        .quantities(
            d,
            DayRange {
                from: day(from),
                to: day(to),
            },
        )
        .expect("query")
        .total()
        .putins
}

#[test]
fn a_feed_ingested_twice_is_stored_once_in_both_formats() {
    for format in [FeedFormat::JsonLines, FeedFormat::Csv] {
        let dir = tempfile::tempdir().expect("tempdir");
        let world = simulate::world(Preset::Tiny, 5);
        let feed = dir.path().join(if format == FeedFormat::Csv {
            "feed"
        } else {
            "feed.jsonl"
        });
        let stats = simulate::simulate_to_files(
            &world,
            SimConfig {
                start: day("2026-02-26"),
                days: 4,
            },
            &feed,
            format,
            &mut Silent,
        )
        .expect("simulate");
        let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
        let first = run(&mut store, std::slice::from_ref(&feed), dir.path()).total();
        assert_eq!(
            (first.records, first.accepted, first.rejected),
            (stats.total(), stats.total(), 0),
            "{format:?}"
        );
        let before = district_putins(&mut store, "2026-02-26", "2026-03-01");
        assert_eq!(before, stats.put_ins);
        let second = run(&mut store, &[feed], dir.path()).total();
        assert_eq!(
            (second.accepted, second.duplicates),
            (0, stats.total()),
            "{format:?}"
        );
        assert_eq!(
            district_putins(&mut store, "2026-02-26", "2026-03-01"),
            before
        );
    }
}

#[test]
fn simulating_into_a_store_equals_writing_a_feed_and_ingesting_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 8);
    let config = SimConfig {
        start: day("2026-03-30"),
        days: 3,
    };
    let mut direct = simulate::create_store(&dir.path().join("direct"), &world).expect("store");
    simulate::simulate_into(&mut direct, &world, config, &mut Silent).expect("simulate");
    let feed = dir.path().join("feed.jsonl");
    simulate::simulate_to_files(&world, config, &feed, FeedFormat::JsonLines, &mut Silent)
        .expect("simulate");
    let mut via_file = simulate::create_store(&dir.path().join("file"), &world).expect("store");
    run(&mut via_file, std::slice::from_ref(&feed), dir.path());
    let range = DayRange {
        from: day("2026-03-30"),
        to: day("2026-04-01"),
    };
    for level in Level::ALL {
        let unit = direct.model().at_level(level).next().expect("unit").id;
        assert_eq!(
            direct.quantities(unit, range).expect("q"),
            via_file.quantities(unit, range).expect("q"),
            "{level}"
        );
    }
    // Same ids, same keys: the file adds nothing to the store simulated directly.
    assert_eq!(run(&mut direct, &[feed], dir.path()).total().accepted, 0);
}

const GOOD: &str = r#"{"type":"put_in","id":"g1","time":"2026-03-01T07:30:00+08:00","point":"P000001","category":"kitchen","grams":850,"household":"H000000001","verdict":"correct","source":"smart_bin"}"#;

#[test]
fn bad_lines_are_reported_with_their_position_and_good_lines_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 1);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let lines = [
        GOOD.to_owned(),
        "{this is not json".to_owned(),
        GOOD.replace("g1", "g2").replace("P000001", "P999999"),
        String::new(),
        GOOD.replace("g1", "g3").replace("07:30", "08:00"),
        GOOD.replace("g1", "g4").replace("2026-03-01", "2099-01-01"),
        GOOD.replace("g1", "g5").replace("850", "-3"),
        GOOD.replace("g1", "g6").replace("07:30", "09:00"),
    ];
    let feed = dir.path().join("mixed.jsonl");
    std::fs::write(&feed, lines.join("\n")).expect("write");
    let report = run(&mut store, std::slice::from_ref(&feed), dir.path());
    let t = report.total();
    assert_eq!((t.records, t.accepted, t.rejected), (7, 3, 4));
    let where_why: Vec<(u64, &str)> = report.samples.iter().map(|s| (s.line, s.reason)).collect();
    assert_eq!(
        where_why,
        vec![
            (2, "malformed"),
            (3, "unknown_point"),
            (6, "future_time"),
            (7, "negative_weight")
        ]
    );
    assert_eq!(
        district_putins(&mut store, "2026-03-01", "2026-03-01"),
        3,
        "good lines around bad ones are kept"
    );
    let rejects =
        std::fs::read_to_string(report.rejects_path.expect("rejects written")).expect("read");
    let first: serde_json::Value =
        serde_json::from_str(rejects.lines().next().expect("a line")).expect("json");
    assert_eq!(first["line"], 2);
    assert_eq!(first["reason"], "malformed");
    assert_eq!(first["record"], "{this is not json");
    assert!(
        first["file"]
            .as_str()
            .expect("file")
            .ends_with("mixed.jsonl")
    );
    assert_eq!(rejects.lines().count(), 4);
}

#[test]
fn a_csv_row_with_a_wrong_field_count_is_rejected_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 1);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let feed = dir.path().join("put_in.csv");
    std::fs::write(
        &feed,
        "id,time,point,category,grams,household,verdict,source\n\
         c1,2026-03-01T07:30:00+08:00,P000001,kitchen,850,H000000001,correct,smart_bin\n\
         c2,2026-03-01T07:31:00+08:00,P000001,kitchen\n\
         c5,2026-03-01T07:31:30+08:00,P000001,kitchen,700,H999999999,correct,smart_bin\n\
         c3,2026-03-01T07:32:00+08:00,P000001,other,1200,,unchecked,manual\n\
         c4,2026-03-01T07:33:00+08:00,P000001,glass,1200,,unchecked,manual\n\
         c6,2026-03-01T07:34:00+08:00,P000001,kitchen,900,H000000002,correct,smart_bin\n",
    )
    .expect("write");
    let report = run(&mut store, &[feed], dir.path());
    let where_why: Vec<(u64, &str)> = report.samples.iter().map(|s| (s.line, s.reason)).collect();
    assert_eq!(
        where_why,
        vec![
            (3, "malformed"),
            (4, "unknown_household"),
            (6, "unknown_category")
        ]
    );
    assert_eq!(report.total().accepted, 3);
    let rejects = std::fs::read_to_string(dir.path().join("rejects.jsonl")).expect("rejects");
    let second: serde_json::Value =
        serde_json::from_str(rejects.lines().nth(1).expect("two rejects")).expect("json");
    assert_eq!(
        second["record"],
        "c5,2026-03-01T07:31:30+08:00,P000001,kitchen,700,H999999999,correct,smart_bin"
    );
}

#[test]
fn a_csv_file_of_no_known_type_names_the_file_and_the_columns_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 1);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let feed = dir.path().join("odd.csv");
    std::fs::write(&feed, "when,where,what\n1,2,3\n").expect("write");
    let err = ingest(
        &mut store,
        &[feed],
        &dir.path().join("r.jsonl"),
        Timestamp::now(),
        &mut Silent,
    )
    .expect_err("refused")
    .to_string();
    assert!(
        err.contains("odd.csv:1") && err.contains("put_in (id,time,point"),
        "{err}"
    );
}
