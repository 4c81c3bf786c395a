//! Collection plans: feasible, by category-marked trucks only, every expected point once, the
//! truck empty when it comes home, and stored as planned.

use fenlei_app::plan::{PlanRequest, plan};
use fenlei_app::progress::Silent;
use fenlei_app::simulate;
use fenlei_domain::plan::StopKind;
use fenlei_domain::{Category, Day, Level};
use fenlei_sim::{Preset, SimConfig};
use std::collections::HashSet;
use std::time::Duration;

#[test]
fn a_plan_collects_every_point_once_with_trucks_of_its_category() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 2);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let start = Day::parse("2026-04-01").expect("date");
    simulate::simulate_into(
        &mut store,
        &world,
        SimConfig { start, days: 7 },
        &mut Silent,
    )
    .expect("simulate");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    for category in [Category::Kitchen, Category::Other] {
        let request = PlanRequest {
            district,
            category,
            day: start.plus(7),
            lookback_days: 7,
            time_limit: Duration::from_secs(30),
            iterations: Some(300),
            seed: 1,
            threads: 1,
        };
        let p = plan(&mut store, &request, &mut Silent).expect("plan");
        assert!(p.feasible, "{category}: {p:?}");
        assert!(p.points > 0 && p.vehicles > 0);
        let mut seen = HashSet::new();
        for route in &p.routes {
            let truck = &store.model().vehicles[route.vehicle.0 as usize];
            assert_eq!(truck.category, category, "bin colour = truck type");
            assert!(matches!(
                route.stops.first().map(|s| s.kind),
                Some(StopKind::Depot)
            ));
            assert!(matches!(
                route.stops.last().map(|s| s.kind),
                Some(StopKind::Depot)
            ));
            let before_home = route.stops[..route.stops.len() - 1]
                .iter()
                .rev()
                .find(|s| s.kind != StopKind::Break)
                .expect("a stop before home");
            assert!(
                matches!(before_home.kind, StopKind::Facility(_)),
                "unloads before going home: {:?}",
                route.stops
            );
            let lunch = route
                .stops
                .iter()
                .filter(|s| s.kind == StopKind::Break)
                .count();
            assert!(lunch <= 1);
            assert_eq!(before_home.load_kg, 0.0, "comes home empty");
            for s in &route.stops {
                assert!(s.load_kg <= truck.capacity_kg as f64, "{s:?} over capacity");
                if let StopKind::Point(pt) = s.kind {
                    assert!(seen.insert(pt), "point {pt:?} twice");
                    assert_eq!(
                        store.model().ancestor_at(pt, Level::District),
                        Some(district)
                    );
                }
            }
        }
        assert_eq!(seen.len(), p.points, "every expected point is collected");
        let stored = store.plan(p.id).expect("read").expect("stored");
        assert_eq!(stored, p);
    }
    assert_eq!(store.plans().expect("list").len(), 2);
}

/// A day exported as VRPLIB reads back as the problem the planner solves: same points,
/// trucks, limits, and the same verdict on the same routes.
#[test]
fn an_exported_day_reads_back_as_the_planned_problem() {
    use fenlei_app::plan::{day_problem, export_vrplib};
    use fenlei_routing::io::parse_instance;
    use fenlei_routing::{Objective, SolveParams, check, solve};
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 3);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let start = Day::parse("2026-04-01").expect("date");
    simulate::simulate_into(
        &mut store,
        &world,
        SimConfig { start, days: 4 },
        &mut Silent,
    )
    .expect("simulate");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let request = PlanRequest {
        district,
        category: Category::Kitchen,
        day: start.plus(4),
        lookback_days: 4,
        time_limit: Duration::from_secs(30),
        iterations: Some(100),
        seed: 1,
        threads: 1,
    };
    let day = day_problem(&mut store, &request).expect("problem");
    let text = export_vrplib(&mut store, &request).expect("export");
    let back = parse_instance("day.vrp", "day", &text, Objective::Hierarchical).expect("parse");
    assert_eq!(back.name, day.name);
    assert_eq!(back.problem.clients().len(), day.expected.len());
    assert_eq!(back.problem.fleet_size(), day.trucks.len());
    let params = SolveParams {
        max_iterations: Some(100),
        time_limit: None,
        objective: Objective::Hierarchical,
        ..SolveParams::default()
    };
    let solution = solve(&day.problem, &params, &mut ()).solution;
    let (a, b) = (
        check(&day.problem, &solution),
        check(&back.problem, &solution),
    );
    assert!(a.is_feasible() && b.is_feasible(), "{:?}", b.violations());
    assert_eq!((a.distance, a.duration), (b.distance, b.duration));
    assert!(day.daily_load_bound >= 1 && day.daily_load_bound <= a.vehicles);
}

// Fill-level reports of the smart bins feed the next collection's expected loads: a point whose
// kitchen bins were reported full the evening before is expected to hold at least the city's
// `point_bins_full_kg.kitchen`; a later report replaces an earlier one; reports after the
// collection window opens, or of another category, do not count.
#[test]
fn fill_level_reports_raise_the_next_days_expected_loads() {
    use fenlei_app::plan::day_problem;
    use fenlei_app::records::{RecordStatus, ingest_records};
    use fenlei_domain::{CityConstants, Timestamp};
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 2);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let start = Day::parse("2026-04-01").expect("date");
    simulate::simulate_into(
        &mut store,
        &world,
        SimConfig { start, days: 7 },
        &mut Silent,
    )
    .expect("simulate");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    // The simulated smart bins reported on the last simulated day: the next day's plan reads
    // them.
    let simulated = PlanRequest {
        district,
        category: Category::Kitchen,
        day: start.plus(7),
        lookback_days: 7,
        time_limit: Duration::from_secs(1),
        iterations: Some(10),
        seed: 1,
        threads: 1,
    };
    let from_sim = day_problem(&mut store, &simulated).expect("problem");
    assert!(
        from_sim.fill_reports > 0,
        "the tiny city's smart bins report"
    );
    // A day later nothing has been reported yet (the day before it was not simulated).
    let day = start.plus(8);
    let request = PlanRequest { day, ..simulated };
    let before = day_problem(&mut store, &request).expect("problem");
    assert_eq!(before.fill_reports, 0);
    let (a, a_kg) = before.expected[0];
    let (b, b_kg) = before.expected[1];
    let full = CityConstants::shipped("chongqing").get("point_bins_full_kg.kitchen");
    assert!(a_kg < full * 2.0 && b_kg < full * 2.0, "{a_kg} {b_kg}");
    let code = |u| store.model().unit(u).code.clone();
    let (ca, cb) = (code(a), code(b));
    let at = |d: Day, h: u32| Timestamp::at(d, h * 3600).to_string();
    let fill = |id: &str, point: &str, time: String, category: &str, pct: u32| {
        format!(
            r#"{{"type":"incident","id":"{id}","time":"{time}","point":"{point}","kind":"fill_level","category":"{category}","fill_pct":{pct}}}"#
        )
    };
    let records = [
        // A at 100 % at 21:00, then 90 % at 22:00: the later report stands.
        fill("f1", &ca, at(day.plus(-1), 21), "kitchen", 100),
        fill("f2", &ca, at(day.plus(-1), 22), "kitchen", 90),
        // B full, but reported once the collection window has opened: ignored.
        fill("f3", &cb, at(day, 9), "kitchen", 100),
        // B's other-waste bins: another category.
        fill("f4", &cb, at(day.plus(-1), 21), "other", 100),
    ];
    let bytes: Vec<&[u8]> = records.iter().map(|r| r.as_bytes()).collect();
    let now = Timestamp::at(day.plus(1), 0);
    let results = ingest_records(&mut store, &bytes, now).expect("ingest");
    assert!(
        results.iter().all(|r| r.status == RecordStatus::Stored),
        "{results:?}"
    );
    let after = day_problem(&mut store, &request).expect("problem");
    assert_eq!(after.fill_reports, 1);
    let kg_of = |p| {
        after
            .expected
            .iter()
            .find(|(q, _)| *q == p)
            .expect("planned")
            .1
    };
    assert!(
        0.9 * full > a_kg,
        "the report must raise A's estimate for this test"
    );
    assert_eq!(kg_of(a), 0.9 * full);
    assert_eq!(kg_of(b), b_kg);
    assert_eq!(after.expected.len(), before.expected.len());
}
