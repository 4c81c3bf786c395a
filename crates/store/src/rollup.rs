//! In-memory aggregation of events between two flushes, and its expansion to every level of the
//! tree and every grain.
//!
//! Ingest touches one hash entry per put-in (the point-day it falls on); the fan-out to
//! estate, community, street, district and city, and to day, month and year, happens once per
//! point-day at flush time. That is what keeps ingest near memory speed.

use crate::schema::{GRAINS, Grain};
use fenlei_domain::{
    BinDay, Category, CityConstants, CityModel, Day, Event, Facts, Grade, Level, PutIn, Registry,
    Treatment, UnitId, Verdict,
};

/// Whether an inspected container of `purity` passes under `threshold` (strictly purer; compared
/// at the precision purity is stored in).
pub fn passes(purity: f32, threshold: f64) -> bool {
    purity > threshold as f32
}
use roaring::RoaringBitmap;
use std::collections::HashMap;

pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// A rollup row key: unit, grain, period start.
pub type PeriodKey = (UnitId, Grain, Day);

/// The first day of the period of `grain` containing `day`.
pub fn period_start(grain: Grain, day: Day) -> Day {
    match grain {
        Grain::Day => day,
        Grain::Month => day.month_start(),
    }
}

pub(crate) struct PointDay {
    facts: [Facts; 4],
    /// Per bin: the first and last second of the day a put-in was made (`u32::MAX, 0` for
    /// none).
    spans: [(u32, u32); 4],
    /// Put-ins that identified a household.
    identified: u64,
    households: RoaringBitmap,
}

impl Default for PointDay {
    fn default() -> PointDay {
        PointDay {
            facts: Default::default(),
            spans: [(u32::MAX, 0); 4],
            identified: 0,
            households: RoaringBitmap::new(),
        }
    }
}

/// Counter of put-ins that identified a household.
pub const IDENTIFIED: &str = "putins_identified";
/// Counter of days with data (a put-in or a pickup): 1 on a day row, the number of such days
/// on a month row.
pub const DAYS_WITH_DATA: &str = "days_with_data";
/// Counter of residents asked in awareness surveys.
pub const SURVEY_RESPONDENTS: &str = "survey.respondents";
/// Counter of surveyed residents who know the rules.
pub const SURVEY_AWARE: &str = "survey.aware";

/// A delta fanned out to rollup rows.
#[derive(Default)]
pub(crate) struct Expanded {
    /// Facts by (period, category).
    pub facts: Map<(PeriodKey, u8), Facts>,
    /// Participation bitmaps by period.
    pub bitmaps: Map<PeriodKey, RoaringBitmap>,
    /// Named counters by (period, name).
    pub counters: Map<(PeriodKey, String), f64>,
    /// The put-ins of each bin-day, by day (points only, not fanned out).
    pub bin_days: Vec<(Day, BinDay)>,
}

/// Aggregated changes not yet written to the rollup tables.
#[derive(Default)]
pub struct Delta {
    point_days: Map<(UnitId, Day), PointDay>,
    /// Facts of low-volume events at their base unit (point, estate or origin).
    facts: Map<(UnitId, Day, u8), Facts>,
    counters: Map<(UnitId, Day, String), f64>,
    pub(crate) treatments: Vec<Treatment>,
    /// The city's container-purity threshold, read from its constants on first use.
    purity_pass_threshold: Option<f64>,
    /// Events aggregated since the last flush.
    pub events: u64,
}

impl Delta {
    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// Adds put-ins (the hot path: one hash lookup per put-in, none for consecutive put-ins at
    /// the same point and day).
    pub fn add_put_ins(&mut self, batch: &[PutIn]) {
        let mut key_cache: Option<(UnitId, Day)> = None;
        let mut entry: Option<&mut PointDay> = None;
        for e in batch {
            let key = (e.point, e.time.day());
            if key_cache != Some(key) {
                entry = Some(self.point_days.entry(key).or_default());
                key_cache = Some(key);
            }
            let pd = entry.as_deref_mut().expect("set above");
            let c = e.category.index();
            let second = e.time.second_of_day();
            let span = &mut pd.spans[c];
            *span = (span.0.min(second), span.1.max(second));
            let f = &mut pd.facts[c];
            f.putin_grams += e.grams as u64;
            f.putins += 1;
            if e.verdict != Verdict::Unchecked {
                f.judged += 1;
                f.correct += (e.verdict == Verdict::Correct) as u64;
            }
            if let Some(h) = e.household {
                pd.identified += 1;
                if e.verdict != Verdict::Incorrect {
                    pd.households.insert(h.0);
                }
            }
        }
        self.events += batch.len() as u64;
    }

    fn counter(&mut self, unit: UnitId, day: Day, name: &str, v: f64) {
        *self
            .counters
            .entry((unit, day, name.to_owned()))
            .or_default() += v;
    }

    /// Adds one low-volume event.
    pub fn add_event(&mut self, event: &Event, registry: &Registry) {
        self.events += 1;
        match event {
            Event::PutIn(e) => {
                self.events -= 1;
                self.add_put_ins(std::slice::from_ref(e));
            }
            Event::Incident(e) => {
                self.counter(e.point, e.time.day(), &format!("incident.{}", e.kind), 1.0);
            }
            Event::Inspection(e) => {
                let day = e.time.day();
                self.counter(e.unit, day, "inspections", 1.0);
                if let Some(s) = e.score {
                    // Tenths of a point, as integers: sums stay exact in any order.
                    self.counter(
                        e.unit,
                        day,
                        "inspection_score_x10",
                        (s as f64 * 10.0).round(),
                    );
                }
                let threshold = *self.purity_pass_threshold.get_or_insert_with(|| {
                    CityConstants::shipped(&registry.model().ruleset).purity_pass_threshold()
                });
                for c in &e.containers {
                    let f = self
                        .facts
                        .entry((e.unit, day, c.category as u8))
                        .or_default();
                    f.containers += 1;
                    f.containers_pass += passes(c.purity, threshold) as u64;
                }
            }
            Event::Pickup(e) => {
                let day = e.time.day();
                let truck = &registry.model().vehicles[e.vehicle.0 as usize];
                let f = self
                    .facts
                    .entry((e.point, day, e.category as u8))
                    .or_default();
                f.collected_grams += e.grams as u64;
                f.pickups += 1;
                f.poor_pickups += (e.grade == Some(Grade::Poor)) as u64;
                if truck.category != e.category {
                    f.mixed_grams += e.grams as u64;
                }
            }
            Event::WeighTicket(e) => {
                if let Some(origin) = e.origin {
                    let f = self
                        .facts
                        .entry((origin, e.time.day(), e.category as u8))
                        .or_default();
                    f.weighed_grams += e.net_grams;
                }
            }
            Event::Treatment(t) => self.treatments.push(t.clone()),
            Event::Survey(e) => {
                let day = e.time.day();
                self.counter(e.unit, day, SURVEY_RESPONDENTS, f64::from(e.respondents));
                self.counter(e.unit, day, SURVEY_AWARE, f64::from(e.aware));
            }
        }
    }

    /// Expands everything to the rows of every level and grain: facts and counters to each
    /// unit and its ancestors, participation to points and districts.
    pub(crate) fn expand(&mut self, model: &CityModel, registry: &Registry) -> Expanded {
        let mut facts: Map<(PeriodKey, u8), Facts> = Map::default();
        let mut bitmaps: Map<PeriodKey, RoaringBitmap> = Map::default();
        let mut counters: Map<(PeriodKey, String), f64> = Map::default();
        let mut district_days: Map<(UnitId, Day), RoaringBitmap> = Map::default();
        let mut bin_days = Vec::new();
        for ((point, day), pd) in self.point_days.drain() {
            for c in Category::BINS {
                let (f, (first, last)) = (&pd.facts[c.index()], pd.spans[c.index()]);
                if f.putins > 0 {
                    bin_days.push((
                        day,
                        BinDay {
                            point,
                            category: c,
                            grams: f.putin_grams,
                            first_second: first,
                            last_second: last,
                        },
                    ));
                }
            }
            for unit in model.ancestors(point) {
                for grain in GRAINS {
                    let key = (unit, grain, period_start(grain, day));
                    for c in Category::BINS {
                        let f = &pd.facts[c.index()];
                        if f.putins > 0 {
                            facts.entry((key, c as u8)).or_default().add(f);
                        }
                    }
                    if pd.identified > 0 {
                        *counters.entry((key, IDENTIFIED.to_owned())).or_default() +=
                            pd.identified as f64;
                    }
                }
            }
            if pd.households.is_empty() {
                continue;
            }
            // Participation counts at the point where households put in, and above the point
            // level by home: each district keeps the set of its households that took part, and
            // a unit inside counts its own range of household ids (see `crate::query`).
            for grain in GRAINS {
                *bitmaps
                    .entry((point, grain, period_start(grain, day)))
                    .or_default() |= &pd.households;
            }
            let here = model.ancestor_at(point, Level::District);
            let (lo, hi) = here
                .and_then(|d| registry.household_range(d))
                .unwrap_or((0, 0));
            let mut home = pd.households;
            if home.min().is_some_and(|m| m < lo) || home.max().is_some_and(|m| m >= hi) {
                // Households from other districts put in here: they count at home.
                for h in home.clone().iter().filter(|&h| h < lo || h >= hi) {
                    home.remove(h);
                    let estate = registry.household_estate(fenlei_domain::HouseholdId(h));
                    if let Some(d) = model.ancestor_at(estate, Level::District) {
                        district_days.entry((d, day)).or_default().insert(h);
                    }
                }
            }
            if let Some(d) = here {
                *district_days.entry((d, day)).or_default() |= home;
            }
        }
        for ((district, day), set) in district_days {
            for grain in GRAINS {
                *bitmaps
                    .entry((district, grain, period_start(grain, day)))
                    .or_default() |= &set;
            }
        }
        for ((base, day, c), f) in self.facts.drain() {
            for unit in model.ancestors(base) {
                for grain in GRAINS {
                    facts
                        .entry(((unit, grain, period_start(grain, day)), c))
                        .or_default()
                        .add(&f);
                }
            }
        }
        for ((base, day, name), v) in self.counters.drain() {
            for unit in model.ancestors(base) {
                for grain in GRAINS {
                    *counters
                        .entry(((unit, grain, period_start(grain, day)), name.clone()))
                        .or_default() += v;
                }
            }
        }
        self.events = 0;
        Expanded {
            facts,
            bitmaps,
            counters,
            bin_days,
        }
    }
}

/// Adds [`DAYS_WITH_DATA`] counters for the unit-days that get their first put-in or pickup in
/// this flush. Reads whether each unit-day's row held one before, so call it inside the flush's
/// transaction before the facts are written.
pub(crate) fn count_new_days(
    conn: &rusqlite::Connection,
    facts: &Map<(PeriodKey, u8), Facts>,
    counters: &mut Map<(PeriodKey, String), f64>,
) -> rusqlite::Result<()> {
    let mut days: Vec<(UnitId, Day)> = facts
        .iter()
        .filter(|(((_, grain, _), _), f)| *grain == Grain::Day && (f.putins > 0 || f.pickups > 0))
        .map(|(((unit, _, day), _), _)| (*unit, *day))
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut had_data = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM facts WHERE grain = ?1 AND start = ?2 AND unit = ?3 AND (putins > 0 OR pickups > 0))",
    )?;
    for (unit, day) in days {
        if had_data.query_row(rusqlite::params![Grain::Day as u8, day.0, unit.0], |r| {
            r.get::<_, bool>(0)
        })? {
            continue;
        }
        for grain in GRAINS {
            *counters
                .entry((
                    (unit, grain, period_start(grain, day)),
                    DAYS_WITH_DATA.to_owned(),
                ))
                .or_default() += 1.0;
        }
    }
    Ok(())
}

/// Coverage flag: kitchen waste picked up.
pub const PICKED_KITCHEN: u8 = 1;
/// Coverage flag: other waste picked up.
pub const PICKED_OTHER: u8 = 2;
/// Coverage flag: something lifted by a truck of another category (mixed transport).
pub const PICKED_MIXED: u8 = 4;

/// ORs into `pickup_flags` what each estate's pickups in this flush held, per period.
pub(crate) fn write_pickup_flags(
    conn: &rusqlite::Connection,
    model: &CityModel,
    facts: &Map<(PeriodKey, u8), Facts>,
) -> rusqlite::Result<()> {
    let flags = pickup_flags(model, facts);
    let mut st = conn.prepare_cached(
        "INSERT INTO pickup_flags (grain, start, estate, flags) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET flags = flags | excluded.flags",
    )?;
    for ((estate, grain, start), bits) in flags {
        st.execute(rusqlite::params![grain as u8, start.0, estate.0, bits])?;
    }
    Ok(())
}

/// What each estate's pickups in `facts` held, per period (the `pickup_flags` bits).
pub(crate) fn pickup_flags(
    model: &CityModel,
    facts: &Map<(PeriodKey, u8), Facts>,
) -> Map<PeriodKey, u8> {
    let mut flags: Map<PeriodKey, u8> = Map::default();
    for (&(key @ (unit, _, _), c), f) in facts {
        if f.pickups == 0 || model.unit(unit).level != Level::Estate {
            continue;
        }
        let mut bits = 0;
        if f.collected_grams > 0 && c == Category::Kitchen as u8 {
            bits |= PICKED_KITCHEN;
        }
        if f.collected_grams > 0 && c == Category::Other as u8 {
            bits |= PICKED_OTHER;
        }
        if f.mixed_grams > 0 {
            bits |= PICKED_MIXED;
        }
        *flags.entry(key).or_default() |= bits;
    }
    flags
}
