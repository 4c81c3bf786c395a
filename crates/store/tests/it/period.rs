//! Every quantity covers exactly the period asked: coverage, days with data, mixed transport,
//! identification and surveys, on hand-made events whose answers are worked out on paper.

use crate::fixture::*;
use fenlei_domain::*;

fn at(t: &str) -> Timestamp {
    Timestamp::parse(&format!("{t}T08:00:00+08:00")).expect("time")
}

fn pickup(id: &str, d: &str, vehicle: u32, point: UnitId, category: Category, kg: u32) -> Event {
    Event::Pickup(Pickup {
        key: EventKey::of(id),
        id: id.into(),
        time: at(d),
        vehicle: VehicleId(vehicle),
        point,
        category,
        grams: kg * 1000,
        grade: None,
    })
}

fn put_in(id: &str, d: &str, point: UnitId, household: Option<u32>) -> Event {
    Event::PutIn(PutIn {
        key: EventKey::of(id),
        time: at(d),
        point,
        household: household.map(HouseholdId),
        category: Category::Kitchen,
        grams: 500,
        verdict: Verdict::Unchecked,
        source: Source::Supervisor,
    })
}

fn range(from: &str, to: &str) -> DayRange {
    DayRange {
        from: day(from),
        to: day(to),
    }
}

#[test]
fn coverage_days_with_data_identification_and_surveys_cover_exactly_the_period() {
    let (world, _) = simulate(1, day("2026-11-01"), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = create(dir.path(), &world);
    let estate = &world.estates[0];
    let p = estate.points[0];
    let district = world
        .districts
        .iter()
        .position(|&d| d == estate.district)
        .expect("district");
    let fleet = &world.fleets[district];
    let kitchen_truck = fleet.trucks[Category::Kitchen.index()][0];
    let other_truck = fleet.trucks[Category::Other.index()][0];
    let h = estate.first_household;
    let events = vec![
        // 11-21 and 11-28: sorted collection, sorted transport.
        pickup("k1", "2026-11-21", kitchen_truck, p, Category::Kitchen, 100),
        pickup("o1", "2026-11-21", other_truck, p, Category::Other, 300),
        pickup("k2", "2026-11-28", kitchen_truck, p, Category::Kitchen, 100),
        pickup("o2", "2026-11-28", other_truck, p, Category::Other, 300),
        // 12-02: kitchen waste lifted by an other-waste truck (re-mixed in transport).
        pickup("m1", "2026-12-02", other_truck, p, Category::Kitchen, 50),
        // Put-ins: two identify a household, one does not.
        put_in("a", "2026-11-22", p, Some(h)),
        put_in("b", "2026-11-22", p, Some(h + 1)),
        put_in("c", "2026-11-23", p, None),
        Event::Survey(Survey {
            key: EventKey::of("s1"),
            id: "s1".into(),
            time: at("2026-11-22"),
            unit: estate.unit,
            respondents: 40,
            aware: 30,
        }),
    ];
    store.append(&events).expect("append");
    let street = store
        .model()
        .ancestor_at(estate.unit, Level::Street)
        .expect("street");

    // Nothing stored in 11-01..11-20: no coverage borrowed from later pickups, no days.
    let q = store
        .quantities(estate.unit, range("2026-11-01", "2026-11-20"))
        .expect("query");
    assert_eq!((q.estates, q.estates_covered, q.days_with_data), (1, 0, 0));

    // 11-21..11-30: both categories, no mixing; data on 21, 22, 23 and 28.
    let q = store
        .quantities(estate.unit, range("2026-11-21", "2026-11-30"))
        .expect("query");
    assert_eq!((q.estates_covered, q.days_with_data), (1, 4));
    assert_eq!((q.identified_putins, q.total().putins), (2, 3));
    assert_eq!((q.survey_respondents, q.survey_aware), (40, 30));

    // 11-26..12-05 holds the mixed pickup: not sorted transport, whatever the month.
    let q = store
        .quantities(estate.unit, range("2026-11-26", "2026-12-05"))
        .expect("query");
    assert_eq!((q.estates_covered, q.days_with_data), (0, 2));
    assert_eq!(q.of(Category::Kitchen).collected_grams, 150_000);
    assert_eq!(q.of(Category::Kitchen).mixed_grams, 50_000);

    // A 7-day period with only the mixed pickup: not covered.
    let q = store
        .quantities(street, range("2026-12-01", "2026-12-07"))
        .expect("query");
    assert_eq!((q.estates_covered, q.days_with_data), (0, 1));

    // The street counts its estates the same way.
    let q = store
        .quantities(street, range("2026-11-21", "2026-11-30"))
        .expect("query");
    assert_eq!(q.estates_covered, 1);
    assert_eq!(q.survey_respondents, 40);

    for r in [
        range("2026-11-01", "2026-11-20"),
        range("2026-11-21", "2026-11-30"),
        range("2026-11-26", "2026-12-05"),
        range("2026-12-01", "2026-12-07"),
    ] {
        for unit in [estate.unit, street, p] {
            assert_eq!(
                store.quantities(unit, r).expect("query"),
                fenlei_store::recompute(&store, unit, r).expect("recompute"),
                "{r}"
            );
        }
    }
}
