//! The simulator: deterministic, unique ids, plausible volumes.

use fenlei_domain::{Category, Day, Event, Level};
use fenlei_sim::{Preset, SimConfig, Sink, World};
use std::collections::HashSet;

#[derive(Default)]
struct Collect {
    ids: Vec<String>,
    events: Vec<Event>,
}

impl Sink for Collect {
    type Error = ();
    fn event(&mut self, id: &str, event: &Event) -> Result<(), ()> {
        self.ids.push(id.to_owned());
        self.events.push(event.clone());
        Ok(())
    }
}

fn run(preset: Preset, seed: u64, days: u32) -> (World, Collect) {
    let world = World::build(preset, seed);
    let mut sink = Collect::default();
    let start = Day::parse("2026-03-30").expect("date");
    fenlei_sim::run(&world, SimConfig { start, days }, &mut sink).expect("collecting cannot fail");
    (world, sink)
}

#[test]
fn the_same_seed_gives_the_same_events_and_another_seed_others() {
    let (_, a) = run(Preset::Tiny, 9, 2);
    let (_, b) = run(Preset::Tiny, 9, 2);
    let (_, c) = run(Preset::Tiny, 10, 2);
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.events, b.events);
    assert_ne!(a.ids, c.ids);
}

// Regression: plants serve several districts, and weigh-ticket ids once collided across them.
#[test]
fn every_event_id_is_unique_even_across_districts() {
    let (world, sink) = run(Preset::Towns, 3, 3);
    assert_eq!(world.model.at_level(Level::District).count(), 4);
    let mut seen = HashSet::new();
    for id in &sink.ids {
        assert!(seen.insert(id), "duplicate id {id}");
    }
    for (id, e) in sink.ids.iter().zip(&sink.events) {
        assert_eq!(fenlei_domain::EventKey::of(id), e.key(), "{id}");
    }
}

#[test]
fn volumes_and_shares_look_like_a_sorting_city() {
    let (world, sink) = run(Preset::Tiny, 1, 7);
    let mut grams = [0u64; 4];
    let mut put_ins = 0u64;
    for e in &sink.events {
        if let Event::PutIn(p) = e {
            grams[p.category.index()] += p.grams as u64;
            put_ins += 1;
        }
    }
    let residents: u64 = world.model.city().expect("city").residents as u64;
    let kg_per_resident_day = grams.iter().sum::<u64>() as f64 / 1000.0 / residents as f64 / 7.0;
    assert!(
        (0.5..1.5).contains(&kg_per_resident_day),
        "{kg_per_resident_day} kg per resident and day"
    );
    let total: u64 = grams.iter().sum();
    let share = |c: Category| grams[c.index()] as f64 / total as f64;
    assert!(
        (0.15..0.40).contains(&share(Category::Kitchen)),
        "kitchen {}",
        share(Category::Kitchen)
    );
    assert!(
        (0.35..0.70).contains(&share(Category::Other)),
        "other {}",
        share(Category::Other)
    );
    assert!(share(Category::Hazardous) < 0.01);
    let per_household_day = put_ins as f64 / world.household_count as f64 / 7.0;
    assert!(
        (0.8..3.0).contains(&per_household_day),
        "{per_household_day} put-ins per household and day"
    );
    // Put-ins fall in the windows or at the late put-in point during the day.
    let in_windows = sink
        .events
        .iter()
        .filter_map(|e| {
            if let Event::PutIn(p) = e {
                Some(p.time.second_of_day())
            } else {
                None
            }
        })
        .filter(|s| (6 * 3600 + 1800..=20 * 3600 + 1800).contains(s))
        .count();
    assert_eq!(in_windows as u64, put_ins);
}

#[test]
fn habits_improve_under_supervision() {
    let world = World::build(Preset::District, 42);
    for e in &world.estates {
        let p = e.profile;
        assert!(p.participation(400) >= p.participation(0) - 1e-9);
        assert!(p.accuracy(400) >= p.accuracy(0) - 1e-9);
    }
    let gain = |supervision: f64| {
        let estates: Vec<_> = world
            .estates
            .iter()
            .filter(|e| e.profile.supervision == supervision)
            .collect();
        estates
            .iter()
            .map(|e| e.profile.accuracy(60) - e.profile.accuracy(0))
            .sum::<f64>()
            / estates.len() as f64
    };
    assert!(gain(1.0) > gain(0.0), "supervised estates learn faster");
}

#[test]
fn every_estate_is_surveyed_once_a_quarter() {
    let world = World::build(Preset::Tiny, 5);
    let mut sink = Collect::default();
    // The second quarter of 2026: 1 April to 30 June, 91 days.
    let start = Day::parse("2026-04-01").expect("date");
    fenlei_sim::run(&world, SimConfig { start, days: 91 }, &mut sink).expect("collect");
    let mut surveyed = Vec::new();
    for e in &sink.events {
        if let Event::Survey(s) = e {
            assert!((30..=60).contains(&s.respondents), "{s:?}");
            assert!(s.aware <= s.respondents);
            surveyed.push(s.unit);
        }
    }
    surveyed.sort();
    let estates: Vec<_> = world.estates.iter().map(|e| e.unit).collect();
    assert_eq!(surveyed, estates, "one survey per estate in the quarter");
}

#[test]
fn a_rural_county_has_towns_villages_and_door_to_door_put_ins() {
    let (world, sink) = run(Preset::Towns, 2, 2);
    let model = &world.model;
    let county = model
        .at_level(Level::District)
        .find(|d| d.code == "500229")
        .expect("the county 城口县")
        .id;
    for unit in &model.units {
        let in_county = model.ancestors(unit.id).any(|a| a == county);
        let below_county = in_county && unit.id != county;
        assert_eq!(model.is_rural(unit.id), below_county, "{}", unit.code);
        if !below_county {
            continue;
        }
        match unit.level {
            Level::Street => {
                assert!(unit.code[6..].starts_with('1') && unit.name.ends_with('镇'));
            }
            Level::Community => {
                assert!(unit.code[9..].starts_with('2') && unit.name.ends_with('村'));
            }
            Level::Estate => {
                assert!((40..=150).contains(&unit.households), "{}", unit.households);
                assert!(unit.name.ends_with('组'), "{}", unit.name);
            }
            _ => {}
        }
    }
    let rural: Vec<_> = world.estates.iter().filter(|e| e.rural).collect();
    assert!(!rural.is_empty() && rural.iter().all(|e| e.points.len() == 1));
    assert!(world.estates.iter().any(|e| !e.rural));
    // Door to door: the collector knows every household and passes between 07:00 and 10:00.
    let mut rural_put_ins = 0;
    for e in &sink.events {
        let Event::PutIn(p) = e else { continue };
        if !model.is_rural(p.point) {
            continue;
        }
        rural_put_ins += 1;
        assert!(p.household.is_some());
        let second = p.time.0.rem_euclid(86_400) as u32;
        let local = (second + 8 * 3600) % 86_400;
        assert!((7 * 3600..10 * 3600).contains(&local), "{local}");
    }
    assert!(rural_put_ins > 1000, "{rural_put_ins}");
}

// The chain's trips need each truck's pickups and tickets in order at distinct seconds, after
// the put-ins they take, and before midnight (no pile-up at 23:59:59).
#[test]
fn a_trucks_pickups_and_tickets_keep_their_own_seconds_before_midnight() {
    let (_, sink) = run(Preset::Towns, 5, 7);
    let mut seen = HashSet::new();
    let mut pickups = 0;
    for e in &sink.events {
        let (vehicle, time) = match e {
            Event::Pickup(p) => {
                pickups += 1;
                (Some(p.vehicle), p.time)
            }
            Event::WeighTicket(t) => (t.vehicle, t.time),
            _ => continue,
        };
        assert!(time.second_of_day() < 86_399, "{e:?}");
        assert!(time.second_of_day() > 20 * 3600 + 1800, "{e:?}");
        // A mixed pickup rides on another category's truck at its own truck's time.
        if let (Some(v), Event::WeighTicket(_)) = (vehicle, e) {
            assert!(seen.insert((v, time)), "two tickets of one truck at {time}");
        }
    }
    assert!(pickups > 100);
}

// Smart bins report each non-empty bin's fill once a day before the evening collection: the
// grams put in since the bin's last pickup over what the city's bins hold when full.
#[test]
fn smart_bins_report_how_full_each_bin_is_before_the_evening_collection() {
    use fenlei_domain::{CityConstants, IncidentKind, UnitId};
    use std::collections::HashMap;
    let (world, sink) = run(Preset::Tiny, 4, 3);
    let constants = CityConstants::shipped(&world.model.ruleset);
    let smart: HashSet<UnitId> = world
        .estates
        .iter()
        .filter(|e| e.profile.smart_bins && !e.rural)
        .flat_map(|e| e.points.iter().copied())
        .collect();
    assert!(!smart.is_empty(), "the tiny city has smart bins");
    let mut waiting: HashMap<(UnitId, Category), u64> = HashMap::new();
    let mut reported: HashSet<(UnitId, Category, Day)> = HashSet::new();
    let mut reports = 0;
    let mut events: Vec<&Event> = sink.events.iter().collect();
    events.sort_by_key(|e| match e {
        Event::PutIn(p) => p.time,
        Event::Pickup(p) => p.time,
        Event::Incident(i) => i.time,
        _ => fenlei_domain::Timestamp(0),
    });
    for e in events {
        match e {
            Event::PutIn(p) => *waiting.entry((p.point, p.category)).or_default() += p.grams as u64,
            Event::Pickup(p) => {
                waiting.remove(&(p.point, p.category));
            }
            Event::Incident(i) if i.kind == IncidentKind::FillLevel => {
                reports += 1;
                assert!(smart.contains(&i.point), "only smart bins report: {}", i.id);
                let c = i.category.expect("a fill report names its bin");
                let full = constants.get(&format!("point_bins_full_kg.{}", c.key())) * 1000.0;
                let grams = waiting.get(&(i.point, c)).copied().unwrap_or(0);
                let expected = (grams as f64 / full * 100.0).round().clamp(1.0, 100.0) as u8;
                assert!(grams > 0, "{}: an empty bin does not report", i.id);
                assert_eq!(i.fill_pct, Some(expected), "{}", i.id);
                assert_eq!(i.time.second_of_day(), 20 * 3600 + 40 * 60, "{}", i.id);
                reported.insert((i.point, c, i.time.day()));
            }
            _ => {}
        }
    }
    assert!(reports > 0);
    // Every smart point's kitchen bin (filled daily) reported every day.
    for &p in &smart {
        if world.model.unit(p).accepts.contains(Category::Kitchen) {
            for d in 0..3 {
                let day = Day::parse("2026-03-30").expect("date").plus(d);
                assert!(
                    reported.contains(&(p, Category::Kitchen, day)),
                    "{p:?} {day}"
                );
            }
        }
    }
}
