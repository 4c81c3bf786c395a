//! Participation counts distinct households, across days and points, and only sorted put-ins.

use crate::fixture::*;
use fenlei_domain::*;

fn put_in(id: &str, t: &str, point: UnitId, household: u32, verdict: Verdict) -> Event {
    Event::PutIn(PutIn {
        key: EventKey::of(id),
        time: Timestamp::parse(t).expect("time"),
        point,
        household: Some(HouseholdId(household)),
        category: Category::Kitchen,
        grams: 500,
        verdict,
        source: Source::SmartBin,
    })
}

#[test]
fn a_household_counts_once_however_often_it_puts_in() {
    let (world, _) = simulate(1, day("2026-03-01"), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let estate = &world.estates[0];
    // p2 lies in the next estate: a household may put in away from home.
    let (p1, p2) = (estate.points[0], world.estates[1].points[0]);
    let h = estate.first_household;
    let events = vec![
        put_in("a", "2026-03-01T07:00:00+08:00", p1, h, Verdict::Correct),
        put_in("b", "2026-03-01T19:00:00+08:00", p2, h, Verdict::Unchecked),
        put_in("c", "2026-03-02T07:00:00+08:00", p1, h, Verdict::Correct),
        put_in(
            "d",
            "2026-03-31T07:00:00+08:00",
            p1,
            h + 1,
            Verdict::Correct,
        ),
        put_in(
            "e",
            "2026-04-01T07:00:00+08:00",
            p1,
            h + 1,
            Verdict::Correct,
        ),
        // Only ever wrong: not a sorting household.
        put_in(
            "f",
            "2026-03-01T07:00:00+08:00",
            p1,
            h + 2,
            Verdict::Incorrect,
        ),
        put_in(
            "g",
            "2026-03-02T07:00:00+08:00",
            p1,
            h + 2,
            Verdict::Incorrect,
        ),
    ];
    store.append(&events).expect("append");
    let count = |store: &mut fenlei_store::EmbeddedStore, unit: UnitId, from: &str, to: &str| {
        store
            .quantities(
                unit,
                DayRange {
                    from: day(from),
                    to: day(to),
                },
            )
            .expect("query")
            .participating_households
    };
    let district = world.districts[0];
    assert_eq!(
        count(&mut store, estate.unit, "2026-03-01", "2026-03-01"),
        1
    );
    assert_eq!(
        count(&mut store, estate.unit, "2026-03-01", "2026-03-02"),
        1,
        "same household on two days"
    );
    assert_eq!(
        count(&mut store, estate.unit, "2026-03-01", "2026-03-31"),
        2
    );
    assert_eq!(
        count(&mut store, district, "2026-03-01", "2026-04-30"),
        2,
        "month grain plus days"
    );
    assert_eq!(count(&mut store, district, "2026-04-01", "2026-04-01"), 1);
    assert_eq!(
        count(&mut store, p2, "2026-03-01", "2026-03-31"),
        1,
        "points count who put in there"
    );
    assert_eq!(
        count(&mut store, estate.unit, "2026-03-03", "2026-03-30"),
        0
    );
    assert_eq!(
        count(
            &mut store,
            world.estates[1].unit,
            "2026-03-01",
            "2026-03-31"
        ),
        0,
        "participation counts at home"
    );
    let q = store
        .quantities(
            estate.unit,
            DayRange {
                from: day("2026-03-01"),
                to: day("2026-03-02"),
            },
        )
        .expect("query");
    assert_eq!(
        (q.total().putins, q.total().judged, q.total().correct),
        (4, 4, 2),
        "tonnage counts where it was put in"
    );
}
