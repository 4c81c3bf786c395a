//! Simulated events for a tiny city, kept in memory with their feed ids.

use fenlei_domain::{Day, DayRange, Event, Level, UnitId};
use fenlei_sim::{Preset, SimConfig, Sink, World};
use fenlei_store::EmbeddedStore;

pub struct Collect(pub Vec<(String, Event)>);

impl Sink for Collect {
    type Error = ();
    fn event(&mut self, id: &str, event: &Event) -> Result<(), ()> {
        self.0.push((id.to_owned(), event.clone()));
        Ok(())
    }
}

pub fn day(s: &str) -> Day {
    Day::parse(s).expect("date")
}

pub fn simulate(seed: u64, start: Day, days: u32) -> (World, Vec<Event>) {
    let world = World::build(Preset::Tiny, seed);
    let mut sink = Collect(Vec::new());
    fenlei_sim::run(&world, SimConfig { start, days }, &mut sink).expect("collecting cannot fail");
    (world, sink.0.into_iter().map(|(_, e)| e).collect())
}

pub fn create(dir: &std::path::Path, world: &World) -> EmbeddedStore {
    EmbeddedStore::create(
        dir,
        &world.model,
        world.households(),
        &[("seed", world.seed.to_string())],
    )
    .expect("create store")
}

/// One unit of every level (the first of each).
pub fn sample_units(store: &EmbeddedStore) -> Vec<UnitId> {
    Level::ALL
        .iter()
        .filter_map(|&l| store.model().at_level(l).next().map(|u| u.id))
        .collect()
}

/// Ranges that cross days, a month end and a year end.
pub fn sample_ranges(start: Day, days: u32) -> Vec<DayRange> {
    let end = start.plus(days as i32 - 1);
    let mid = start.plus(days as i32 / 2);
    vec![
        DayRange {
            from: start,
            to: end,
        },
        DayRange {
            from: start,
            to: start,
        },
        DayRange { from: mid, to: end },
        DayRange {
            from: start.plus(3),
            to: mid,
        },
        DayRange {
            from: start.plus(-10),
            to: end.plus(10),
        },
    ]
}

pub fn assert_rollups_match(store: &mut EmbeddedStore, start: Day, days: u32) {
    for unit in sample_units(store) {
        for range in sample_ranges(start, days) {
            let fast = store.quantities(unit, range).expect("query");
            let slow = fenlei_store::recompute(store, unit, range).expect("recompute");
            assert_eq!(
                fast,
                slow,
                "unit {} range {range}",
                store.model().unit(unit).code
            );
        }
    }
}
