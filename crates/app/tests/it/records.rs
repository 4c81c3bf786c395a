//! Records handed over in memory (HTTP batches, MQTT messages): one result per record, the
//! same store as a file ingest of the same feed.

use fenlei_app::ingest::ingest;
use fenlei_app::progress::Silent;
use fenlei_app::records::{RecordCounts, RecordStatus, ingest_records, ingest_records_checked};
use fenlei_app::simulate::{self, FeedFormat};
use fenlei_domain::{Day, DayRange, Event, Level, Timestamp};
use fenlei_sim::{Preset, SimConfig};

fn day(s: &str) -> Day {
    Day::parse(s).expect("date")
}

#[test]
fn a_feed_as_record_batches_equals_the_file_and_says_what_became_of_each_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 3);
    let config = SimConfig {
        start: day("2026-05-10"),
        days: 2,
    };
    let feed = dir.path().join("feed.jsonl");
    let stats =
        simulate::simulate_to_files(&world, config, &feed, FeedFormat::JsonLines, &mut Silent)
            .expect("simulate");
    let text = std::fs::read_to_string(&feed).expect("feed");
    let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();

    let mut by_file = simulate::create_store(&dir.path().join("file"), &world).expect("store");
    ingest(
        &mut by_file,
        std::slice::from_ref(&feed),
        &dir.path().join("rejects.jsonl"),
        Timestamp::now(),
        &mut Silent,
    )
    .expect("ingest");

    let mut by_batch = simulate::create_store(&dir.path().join("batch"), &world).expect("store");
    let mut counts = RecordCounts::default();
    for chunk in lines.chunks(997) {
        let c = RecordCounts::of(
            &ingest_records(&mut by_batch, chunk, Timestamp::now()).expect("records"),
        );
        counts.stored += c.stored;
        counts.rejected += c.rejected;
    }
    assert_eq!((counts.stored, counts.rejected), (stats.total(), 0));
    let range = DayRange {
        from: day("2026-05-10"),
        to: day("2026-05-11"),
    };
    for level in Level::ALL {
        let unit = by_file.model().at_level(level).next().expect("unit").id;
        assert_eq!(
            by_file.quantities(unit, range).expect("q"),
            by_batch.quantities(unit, range).expect("q"),
            "{level}"
        );
    }

    // Again, with one record changed, one malformed and one unknown point: the rest are
    // duplicates, in place.
    let first = String::from_utf8(lines[0].to_vec()).expect("utf8");
    let changed = first.replacen("\"grams\":", "\"grams\":1", 1);
    assert_ne!(changed, first, "the first record has a weight");
    let unknown =
        first
            .replacen("\"id\":\"", "\"id\":\"x", 1)
            .replacen("\"point\":\"P", "\"point\":\"Q", 1);
    let mut again: Vec<&[u8]> = vec![changed.as_bytes(), b"{not json", unknown.as_bytes()];
    again.extend_from_slice(&lines[1..50]);
    let results = ingest_records(&mut by_batch, &again, Timestamp::now()).expect("records");
    assert_eq!(results[0].status, RecordStatus::Conflict);
    assert!(
        results[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("stored")
    );
    assert_eq!(
        (results[1].status, results[1].reason),
        (RecordStatus::Rejected, Some("malformed"))
    );
    assert_eq!(
        (results[2].status, results[2].reason),
        (RecordStatus::Rejected, Some("unknown_point"))
    );
    assert!(
        results[3..]
            .iter()
            .all(|r| r.status == RecordStatus::Duplicate && r.id.is_some())
    );
}

#[test]
fn a_sender_that_may_not_report_for_a_point_is_refused_per_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 4);
    let feed = dir.path().join("feed.jsonl");
    simulate::simulate_to_files(
        &world,
        SimConfig {
            start: day("2026-05-10"),
            days: 1,
        },
        &feed,
        FeedFormat::JsonLines,
        &mut Silent,
    )
    .expect("simulate");
    let text = std::fs::read_to_string(&feed).expect("feed");
    let lines: Vec<&[u8]> = text.lines().take(200).map(str::as_bytes).collect();
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    assert!(
        ingest_records(&mut store, &[], Timestamp::now())
            .expect("empty batch")
            .is_empty()
    );
    let only_even_points = |e: &Event| match e {
        Event::PutIn(p) if p.point.0 % 2 == 1 => Err(format!("point {} is not yours", p.point.0)),
        _ => Ok(()),
    };
    let results = ingest_records_checked(&mut store, &lines, Timestamp::now(), &only_even_points)
        .expect("records");
    let c = RecordCounts::of(&results);
    assert!(c.rejected > 0 && c.stored > 0, "{c:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.status == RecordStatus::Rejected)
            .all(|r| r.reason == Some("not_permitted"))
    );
}
