//! Rollups equal a recomputation from the raw events, however the events arrive: shuffled,
//! re-delivered, in batches of any size, with flushes and reopenings in between.

use crate::fixture::*;
use fenlei_domain::{Event, Level};
use proptest::prelude::*;

fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        items.swap(i, (seed >> 33) as usize % (i + 1));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn rollups_equal_recomputation_from_raw_events(
        seed in 0u64..1000,
        order in any::<u64>(),
        batch in 1usize..5000,
        redeliver_every in 2usize..20,
        reopen in any::<bool>(),
    ) {
        // 12 days across a month and a year end.
        let start = day("2025-12-25");
        let days = 12;
        let (world, events) = simulate(seed, start, days);
        let distinct = events.len() as u64;
        let mut feed: Vec<Event> = events.clone();
        feed.extend(events.iter().step_by(redeliver_every).cloned());
        shuffle(&mut feed, order);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = create(dir.path(), &world);
        let mut accepted = 0;
        let mut duplicates = 0;
        for (i, chunk) in feed.chunks(batch).enumerate() {
            let o = store.append(chunk).expect("append");
            accepted += o.accepted;
            duplicates += o.duplicates;
            if i % 7 == 3 {
                store.flush().expect("flush");
            }
            if reopen && i == 2 {
                drop(store);
                store = fenlei_store::EmbeddedStore::open(dir.path()).expect("reopen");
            }
        }
        prop_assert_eq!(accepted, distinct);
        prop_assert_eq!(duplicates, feed.len() as u64 - distinct);
        assert_rollups_match(&mut store, start, days);
        // The audit rebuilds every rollup row, the bin-day sums included, from the raw events.
        let audit = store.audit(&mut |_, _| {}).expect("audit");
        prop_assert!(audit.ok(), "{:?}", audit.mismatches);
    }
}

#[test]
fn bin_day_sums_hold_each_bins_put_ins_and_the_audit_sees_a_wrong_span() {
    let start = day("2026-03-01");
    let (world, events) = simulate(11, start, 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    store.flush().expect("flush");
    let mut sums = Vec::new();
    store
        .bin_day_reader()
        .expect("reader")
        .day(start.plus(1), &mut sums)
        .expect("bin-days");
    let mut expected: std::collections::HashMap<_, (u64, u32, u32)> = Default::default();
    for e in &events {
        if let Event::PutIn(p) = e
            && p.time.day() == start.plus(1)
        {
            let s = p.time.second_of_day();
            let x = expected
                .entry((p.point, p.category))
                .or_insert((0, u32::MAX, 0));
            *x = (x.0 + p.grams as u64, x.1.min(s), x.2.max(s));
        }
    }
    assert_eq!(sums.len(), expected.len());
    for b in &sums {
        assert_eq!(
            expected[&(b.point, b.category)],
            (b.grams, b.first_second, b.last_second),
            "{b:?}"
        );
    }
    assert!(store.audit(&mut |_, _| {}).expect("audit").ok());
    let db = rusqlite::Connection::open(dir.path().join("fenlei.sqlite")).expect("db");
    db.execute(
        "UPDATE bin_days SET last_second = last_second + 1 WHERE (day, point, category) IN (SELECT day, point, category FROM bin_days LIMIT 1)",
        [],
    )
    .expect("tamper");
    let audit = store.audit(&mut |_, _| {}).expect("audit");
    assert_eq!(audit.mismatch_count, 1, "{:?}", audit.mismatches);
    assert!(
        audit.mismatches[0].field.contains("bin-day"),
        "{}",
        audit.mismatches[0]
    );
}

#[test]
fn re_appending_everything_changes_nothing() {
    let start = day("2026-01-30");
    let (world, events) = simulate(7, start, 5);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let range = sample_ranges(start, 5)[0];
    let before = store.quantities(district, range).expect("query");
    let again = store.append(&events).expect("append again");
    assert_eq!(again.accepted, 0);
    assert_eq!(again.duplicates, events.len() as u64);
    assert_eq!(store.quantities(district, range).expect("query"), before);
    assert!(
        before.total().putins > 1000 && before.participating_households > 100,
        "the fixture has data: {before:?}"
    );
}

#[test]
fn an_event_from_days_ago_updates_its_own_day() {
    let start = day("2026-03-01");
    let (world, events) = simulate(3, start, 6);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let (late, timely): (Vec<Event>, Vec<Event>) = events
        .into_iter()
        .partition(|e| e.day() == day("2026-03-02"));
    store.append(&timely).expect("append");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let on = |d: &str| fenlei_domain::DayRange {
        from: day(d),
        to: day(d),
    };
    assert_eq!(
        store
            .quantities(district, on("2026-03-02"))
            .expect("query")
            .total()
            .putins,
        0
    );
    let day5 = store.quantities(district, on("2026-03-05")).expect("query");
    // Three days later, the put-ins of 2 March arrive.
    store.append(&late).expect("append late");
    let day2 = store.quantities(district, on("2026-03-02")).expect("query");
    assert!(day2.total().putins > 0);
    assert_eq!(
        store.quantities(district, on("2026-03-05")).expect("query"),
        day5,
        "other days untouched"
    );
    assert_rollups_match(&mut store, start, 6);
}

#[test]
fn a_city_of_several_districts_adds_up() {
    let start = day("2026-02-27");
    let world = fenlei_sim::World::build(fenlei_sim::Preset::Towns, 5);
    let mut sink = Collect(Vec::new());
    fenlei_sim::run(&world, fenlei_sim::SimConfig { start, days: 4 }, &mut sink).expect("simulate");
    let events: Vec<Event> = sink.0.into_iter().map(|(_, e)| e).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    store.append(&events).expect("append");
    let range = sample_ranges(start, 4)[0];
    let districts: Vec<_> = store
        .model()
        .at_level(Level::District)
        .map(|u| u.id)
        .collect();
    assert_eq!(districts.len(), 4, "three districts and a county");
    let city = store.model().at_level(Level::City).next().expect("city").id;
    let per_district = store.quantities_many(&districts, range).expect("query");
    let whole = store.quantities(city, range).expect("query");
    assert_eq!(
        whole.participating_households,
        per_district
            .iter()
            .map(|q| q.participating_households)
            .sum::<u64>()
    );
    assert_eq!(
        whole.total().putins,
        per_district.iter().map(|q| q.total().putins).sum::<u64>()
    );
    for unit in districts.iter().copied().chain([city]) {
        let slow = fenlei_store::recompute(&store, unit, range).expect("recompute");
        assert_eq!(store.quantities(unit, range).expect("query"), slow);
    }
}
