//! The day loop: put-ins in the morning and evening windows, station incidents, inspections,
//! pickups by category-marked trucks, weighbridge tickets, monthly treatment reports and a
//! quarterly awareness survey in every estate (on a day of the quarter fixed per estate).
//!
//! Each district-day is generated from its own random stream, sorted by time and handed to a
//! [`Sink`]; nothing larger than one district-day is held in memory.

use crate::rng::{Rng, unit_hash};
use crate::world::{self, EstateSim, World};
use fenlei_domain::{
    Category, CityConstants, ContainerCheck, Day, Event, EventKey, FacilityKind, Grade,
    HouseholdId, Incident, IncidentKind, Inspection, Pickup, PutIn, Source, Survey, Timestamp,
    Treatment, TreatmentFlow, TreatmentRoute, UnitId, VehicleId, Verdict, WeighTicket,
};

/// What to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// First day.
    pub start: Day,
    /// Number of days.
    pub days: u32,
}

/// Where simulated events go: a file writer, the store, a counter.
pub trait Sink {
    /// The sink's error.
    type Error;
    /// Receives one event under its feed id.
    fn event(&mut self, id: &str, event: &Event) -> Result<(), Self::Error>;
    /// Called after each simulated day, with the number of events so far.
    fn day_done(&mut self, _day: Day, _events: u64) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Counts of what was simulated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Put-ins.
    pub put_ins: u64,
    /// Incidents (station events; fill-level reports counted apart).
    pub incidents: u64,
    /// Fill-level reports of smart bins.
    pub fill_reports: u64,
    /// Inspections.
    pub inspections: u64,
    /// Pickups.
    pub pickups: u64,
    /// Weigh tickets.
    pub weigh_tickets: u64,
    /// Treatment reports.
    pub treatments: u64,
    /// Awareness surveys.
    pub surveys: u64,
}

impl SimStats {
    /// All events.
    pub fn total(&self) -> u64 {
        self.put_ins
            + self.incidents
            + self.fill_reports
            + self.inspections
            + self.pickups
            + self.weigh_tickets
            + self.treatments
            + self.surveys
    }
}

const STREAM_PUTIN: u64 = 10;
const STREAM_STATION: u64 = 11;
const STREAM_TRUCKS: u64 = 12;
const STREAM_SURVEY: u64 = 13;

/// Morning window 06:30–08:30, evening window 17:30–20:30, and the late put-in point.
const MORNING: (u32, u32) = (6 * 3600 + 1800, 8 * 3600 + 1800);
const EVENING: (u32, u32) = (17 * 3600 + 1800, 20 * 3600 + 1800);
const DAYTIME: (u32, u32) = (8 * 3600, 20 * 3600);
/// The village collector's door-to-door round, 07:00–10:00.
const ROUND: (u32, u32) = (7 * 3600, 10 * 3600);
/// Smart bins report how full each bin is at 20:40, after the evening window and before the
/// evening collection.
const FILL_REPORT_AT: u32 = 20 * 3600 + 2400;

/// The feed id of a simulated put-in: 16 hex digits of a serial unique per estate-day.
pub fn put_in_id(day: Day, estate: UnitId, seq: u32) -> [u8; 16] {
    let serial = ((day.0 as u64) & 0xF_FFFF) << 44
        | ((estate.0 as u64) & 0xFF_FFFF) << 20
        | (seq as u64 & 0xF_FFFF);
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = b"0123456789abcdef"[((serial >> (60 - 4 * i)) & 0xF) as usize];
    }
    out
}

enum Pending {
    PutIn([u8; 16], PutIn),
    Other(String, Event),
}

impl Pending {
    fn time(&self) -> Timestamp {
        match self {
            Pending::PutIn(_, e) => e.time,
            Pending::Other(_, Event::Incident(e)) => e.time,
            Pending::Other(_, Event::Inspection(e)) => e.time,
            Pending::Other(_, Event::Pickup(e)) => e.time,
            Pending::Other(_, Event::WeighTicket(e)) => e.time,
            Pending::Other(_, Event::Survey(e)) => e.time,
            Pending::Other(_, _) => Timestamp(i64::MAX),
        }
    }
}

fn ymd(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{y:04}{m:02}{d:02}")
}

fn other(id: String, event: Event) -> Pending {
    Pending::Other(id, event)
}

#[derive(Clone, Copy)]
struct Delivery {
    day: Day,
    district: UnitId,
    category: Category,
    facility: u32,
    vehicle: u32,
    /// The last pickup of the trip, seconds into the day.
    time: u32,
    /// Seconds from the last pickup to the weighbridge.
    to_facility: u32,
}

struct Generator<'w> {
    world: &'w World,
    /// Grams waiting in each point's bins, by unit id and category.
    bins: Vec<[u64; 4]>,
    /// Grams received by each facility per category since its last treatment report.
    received: Vec<[u64; 4]>,
    /// Grams received by each transfer station today.
    transfer_today: Vec<u64>,
    period_start: Day,
    /// The city's container-purity threshold: inspectors note a finding at or below it.
    purity_pass_threshold: f32,
    /// Grams a point's bins of each category hold when full (`point_bins_full_kg.<category>`).
    bins_full_grams: [f64; 4],
    stats: SimStats,
}

/// Simulates `config.days` days of `world`, handing every event to `sink`.
pub fn run<S: Sink>(world: &World, config: SimConfig, sink: &mut S) -> Result<SimStats, S::Error> {
    let constants = CityConstants::shipped(&world.model.ruleset);
    let mut g = Generator {
        world,
        bins: vec![[0; 4]; world.model.units.len()],
        received: vec![[0; 4]; world.model.facilities.len()],
        transfer_today: vec![0; world.model.facilities.len()],
        period_start: config.start,
        purity_pass_threshold: constants.purity_pass_threshold() as f32,
        bins_full_grams: Category::BINS
            .map(|c| constants.get(&format!("point_bins_full_kg.{}", c.key())) * 1000.0),
        stats: SimStats::default(),
    };
    let mut pending = Vec::new();
    for i in 0..config.days {
        let day = config.start.plus(i as i32);
        let day_index = i as i64;
        for (d, &district) in world.districts.iter().enumerate() {
            pending.clear();
            let estates = world.estates.iter().filter(|e| e.district == district);
            for estate in estates.clone() {
                g.put_ins(estate, day, day_index, &mut pending);
                g.fill_levels(estate, day, &mut pending);
                g.station(estate, day, day_index, &mut pending);
                g.survey(estate, day, day_index, &mut pending);
            }
            g.collect(d, estates, day, day_index, &mut pending);
            pending.sort_by_key(Pending::time);
            for p in pending.drain(..) {
                match p {
                    Pending::PutIn(id, e) => {
                        let id = std::str::from_utf8(&id).expect("hex digits");
                        sink.event(id, &Event::PutIn(e))?;
                    }
                    Pending::Other(id, e) => sink.event(&id, &e)?,
                }
            }
        }
        let last = i + 1 == config.days;
        if last || day.plus(1).month_start() == day.plus(1) {
            for p in g.treatments(day) {
                if let Pending::Other(id, e) = p {
                    sink.event(&id, &e)?;
                }
            }
        }
        sink.day_done(day, g.stats.total())?;
    }
    Ok(g.stats)
}

impl Generator<'_> {
    fn put_ins(&mut self, estate: &EstateSim, day: Day, day_index: i64, out: &mut Vec<Pending>) {
        let seed = self.world.seed;
        let profile = &estate.profile;
        let mut rng = Rng::for_stream(seed, STREAM_PUTIN, estate.unit.0 as u64, day.0 as u64);
        let participation = profile.participation(day_index);
        let accuracy = profile.accuracy(day_index);
        // Door to door, the collector knows every household and looks into every bag.
        let (identify, judge, source) = if estate.rural {
            (1.0, 1.0, Source::Supervisor)
        } else if profile.smart_bins {
            (1.0, 0.95, Source::SmartBin)
        } else if profile.supervision > 0.0 {
            (0.7, 0.4 + 0.5 * profile.supervision, Source::Supervisor)
        } else {
            (0.3, 0.1, Source::Manual)
        };
        let mut seq = 0u32;
        let n_points = estate.points.len();
        for i in 0..estate.households {
            let h = estate.first_household + i;
            let point = estate.points[i as usize % n_points];
            let persons = world::household_persons(seed, h) as f64;
            let kg_per_person = 0.75 + 0.5 * unit_hash(seed, world::HH_KG, h as u64);
            let daily_grams = persons * kg_per_person * 1000.0 * rng.normal(1.0, 0.2).max(0.3);
            let sorter = unit_hash(seed, world::HH_SORTER, h as u64) < participation;
            // The collector's round passes the households in order.
            let at_door = ROUND.0 + (ROUND.1 - ROUND.0 - 180) * i / estate.households.max(1);
            let mut emit = |out: &mut Vec<Pending>,
                            time: u32,
                            category: Category,
                            grams: f64,
                            household: Option<HouseholdId>,
                            verdict: Verdict| {
                let grams = grams.round().clamp(20.0, 40_000.0) as u32;
                let id = put_in_id(day, estate.unit, seq);
                seq += 1;
                let key = EventKey::of(std::str::from_utf8(&id).expect("hex digits"));
                let source = if verdict == Verdict::Unchecked && source != Source::SmartBin {
                    Source::Manual
                } else {
                    source
                };
                out.push(Pending::PutIn(
                    id,
                    PutIn {
                        key,
                        time: Timestamp::at(day, time.min(86_399)),
                        point,
                        household,
                        category,
                        grams,
                        verdict,
                        source,
                    },
                ));
                self.bins[point.0 as usize][category.index()] += grams as u64;
            };
            if sorter {
                let frequency = 0.75 + 0.23 * unit_hash(seed, world::HH_FREQUENCY, h as u64);
                if !rng.chance(frequency) {
                    continue;
                }
                let accuracy = (accuracy
                    + (unit_hash(seed, world::HH_ACCURACY, h as u64) - 0.5) * 0.3)
                    .clamp(0.2, 0.99);
                let mut time = if estate.rural {
                    at_door
                } else {
                    let window = match rng.f64() {
                        x if x < 0.40 => MORNING,
                        x if x < 0.95 => EVENING,
                        _ => DAYTIME,
                    };
                    // Room for the next bags, 15–60 s apart, before the window closes.
                    rng.between(window.0, window.1 - 180)
                };
                let household = rng.chance(identify).then_some(HouseholdId(h));
                // Villagers sell most recyclables to buyers; a few hand them to the collector.
                let recyclable = if estate.rural { 0.12 } else { 0.30 };
                for (category, chance, share) in [
                    (Category::Kitchen, 0.95, 0.32),
                    (Category::Other, 0.90, 0.46),
                    (Category::Recyclable, recyclable, 0.22 / 0.30),
                    (Category::Hazardous, 0.005, 0.0),
                ] {
                    if !rng.chance(chance) {
                        continue;
                    }
                    let grams = if category == Category::Hazardous {
                        rng.range_f64(100.0, 800.0)
                    } else {
                        daily_grams * share * rng.normal(1.0, 0.15).max(0.2)
                    };
                    let verdict = if !rng.chance(judge) {
                        Verdict::Unchecked
                    } else if rng.chance(accuracy) {
                        Verdict::Correct
                    } else {
                        Verdict::Incorrect
                    };
                    let at = if category == Category::Recyclable && !estate.rural {
                        rng.between(DAYTIME.0, DAYTIME.1)
                    } else {
                        time
                    };
                    emit(out, at, category, grams, household, verdict);
                    time += rng.between(15, 60);
                }
            } else if estate.rural && rng.chance(0.9) {
                // A village household that does not sort hands the collector one mixed bag.
                let verdict = if rng.chance(judge) {
                    Verdict::Incorrect
                } else {
                    Verdict::Unchecked
                };
                emit(
                    out,
                    at_door,
                    Category::Other,
                    daily_grams * 0.95,
                    Some(HouseholdId(h)),
                    verdict,
                );
            } else if !estate.rural && rng.chance(0.85) {
                // Households that do not sort drop one mixed bag in the other-waste bin, unidentified.
                let window = if rng.chance(0.4) { MORNING } else { EVENING };
                let time = rng.between(window.0, window.1);
                let verdict = if rng.chance(judge) {
                    Verdict::Incorrect
                } else {
                    Verdict::Unchecked
                };
                emit(
                    out,
                    time,
                    Category::Other,
                    daily_grams * 0.95,
                    None,
                    verdict,
                );
            }
        }
        self.stats.put_ins += seq as u64;
    }

    /// Smart bins report each non-empty bin's fill level once a day, before the evening
    /// collection: the grams waiting in it over what the city's bins of that category hold
    /// when full, capped at 100 %. The planner reads the latest report of the day before a
    /// collection as that point's expected load.
    fn fill_levels(&mut self, estate: &EstateSim, day: Day, out: &mut Vec<Pending>) {
        if !estate.profile.smart_bins || estate.rural {
            return;
        }
        let world = self.world;
        for &point in &estate.points {
            let code = &world.model.unit(point).code;
            for category in Category::BINS {
                let grams = self.bins[point.0 as usize][category.index()];
                if grams == 0 {
                    continue;
                }
                let pct = (grams as f64 / self.bins_full_grams[category.index()] * 100.0)
                    .round()
                    .clamp(1.0, 100.0) as u8;
                let id = format!("fl-{code}-{}-{}", ymd(day), category.key());
                out.push(other(
                    id.clone(),
                    Event::Incident(Incident {
                        key: EventKey::of(&id),
                        id,
                        time: Timestamp::at(day, FILL_REPORT_AT),
                        point,
                        kind: IncidentKind::FillLevel,
                        category: Some(category),
                        fill_pct: Some(pct),
                    }),
                ));
                self.stats.fill_reports += 1;
            }
        }
    }

    fn station(&mut self, estate: &EstateSim, day: Day, day_index: i64, out: &mut Vec<Pending>) {
        let world = self.world;
        let mut rng = Rng::for_stream(
            world.seed,
            STREAM_STATION,
            estate.unit.0 as u64,
            day.0 as u64,
        );
        let accuracy = estate.profile.accuracy(day_index);
        for &point in &estate.points {
            let code = &world.model.unit(point).code;
            let n = rng.poisson(0.05 + 0.5 * (1.0 - accuracy));
            for k in 0..n {
                let kind = match rng.f64() {
                    x if x < 0.30 => IncidentKind::Overflow,
                    x if x < 0.65 => IncidentKind::BagsOnGround,
                    x if x < 0.85 => IncidentKind::MixedPutIn,
                    x if x < 0.95 => IncidentKind::Littering,
                    x if x < 0.98 => IncidentKind::IllegalDumping,
                    _ => IncidentKind::DeviceFault,
                };
                let category = matches!(kind, IncidentKind::Overflow)
                    .then(|| *rng.pick(&[Category::Kitchen, Category::Other]));
                let fill_pct = category.map(|_| 100);
                let id = format!("inc-{code}-{}-{k}", ymd(day));
                let time = Timestamp::at(day, rng.between(6 * 3600, 22 * 3600));
                out.push(other(
                    id.clone(),
                    Event::Incident(Incident {
                        key: EventKey::of(&id),
                        id,
                        time,
                        point,
                        kind,
                        category,
                        fill_pct,
                    }),
                ));
                self.stats.incidents += 1;
            }
        }
        // A third-party inspector visits each estate about every two weeks.
        if rng.chance(1.0 / 14.0) {
            let mut containers = Vec::new();
            let mut findings = Vec::new();
            for category in Category::BINS {
                let purity = (rng.normal(0.55 + 0.45 * accuracy, 0.05).clamp(0.3, 1.0) * 1000.0)
                    .round() as f32
                    / 1000.0;
                if purity <= self.purity_pass_threshold {
                    findings.push(format!("{}桶混投", category.key()));
                }
                containers.push(ContainerCheck { category, purity });
            }
            let mean = containers.iter().map(|c| c.purity as f64).sum::<f64>() / 4.0;
            let score = (40.0 + 60.0 * mean - 4.0 * findings.len() as f64 + rng.normal(0.0, 2.0))
                .clamp(0.0, 100.0);
            let score = ((score * 10.0).round() / 10.0) as f32;
            let code = &world.model.unit(estate.unit).code;
            let id = format!("ins-{code}-{}", ymd(day));
            let time = Timestamp::at(day, rng.between(9 * 3600, 17 * 3600));
            out.push(other(
                id.clone(),
                Event::Inspection(Inspection {
                    key: EventKey::of(&id),
                    id,
                    time,
                    unit: estate.unit,
                    inspector: "第三方测评".into(),
                    containers,
                    findings,
                    score: Some(score),
                }),
            ));
            self.stats.inspections += 1;
        }
    }

    /// The estate's quarterly awareness survey, when `day` is its day of the quarter: 30–60
    /// residents asked, each knowing the rules with a chance that grows with the estate's
    /// sorting accuracy.
    fn survey(&mut self, estate: &EstateSim, day: Day, day_index: i64, out: &mut Vec<Pending>) {
        let (y, m, _) = day.ymd();
        let first_month = (m - 1) / 3 * 3 + 1;
        let quarter = Day::from_ymd(y, first_month, 1).expect("a month start");
        let quarter_days = quarter
            .next_month_start()
            .next_month_start()
            .next_month_start()
            .0
            - quarter.0;
        let seed = self.world.seed;
        let offset =
            (unit_hash(seed, STREAM_SURVEY, estate.unit.0 as u64) * quarter_days as f64) as i32;
        if day != quarter.plus(offset) {
            return;
        }
        let mut rng = Rng::for_stream(seed, STREAM_SURVEY, estate.unit.0 as u64, day.0 as u64);
        let knows = (0.45 + 0.5 * estate.profile.accuracy(day_index)).clamp(0.0, 0.99);
        let respondents = rng.between(30, 60);
        let aware = (0..respondents).filter(|_| rng.chance(knows)).count() as u32;
        let code = &self.world.model.unit(estate.unit).code;
        let id = format!("srv-{code}-{}", ymd(day));
        let time = Timestamp::at(day, rng.between(10 * 3600, 16 * 3600));
        out.push(other(
            id.clone(),
            Event::Survey(Survey {
                key: EventKey::of(&id),
                id,
                time,
                unit: estate.unit,
                respondents,
                aware,
            }),
        ));
        self.stats.surveys += 1;
    }

    fn collect<'e>(
        &mut self,
        d: usize,
        estates: impl Iterator<Item = &'e EstateSim> + Clone,
        day: Day,
        day_index: i64,
        out: &mut Vec<Pending>,
    ) {
        let world = self.world;
        let fleet = &world.fleets[d];
        let district = world.districts[d];
        let mut rng = Rng::for_stream(world.seed, STREAM_TRUCKS, district.0 as u64, day.0 as u64);
        let points: Vec<(UnitId, &EstateSim)> = estates
            .flat_map(|e| e.points.iter().map(move |&p| (p, e)))
            .collect();
        let mut tickets = 0u32;
        for category in Category::BINS {
            // Kitchen and other waste go daily; recyclables every third day; hazardous on Saturdays.
            let due = |p: UnitId| match category {
                Category::Kitchen | Category::Other => true,
                Category::Recyclable => (p.0 as i32 + day.0) % 3 == 0,
                _ => day.weekday() == 5,
            };
            let trucks = &fleet.trucks[category.index()];
            // Every category is collected after the evening window closes, so a pickup takes
            // exactly what was put in before it (the chain's reconciliation relies on time order).
            let start = 20 * 3600 + 2700;
            let block = points.len().div_ceil(trucks.len());
            for (t, chunk) in points.chunks(block.max(1)).enumerate() {
                let truck = trucks[t];
                let capacity = world.model.vehicles[truck as usize].capacity_kg as u64 * 1000;
                // The round fits before midnight: the served points and the trips to the
                // facility share the time until 23:59, so every pickup and ticket keeps its own
                // second in order (a pickup takes what was put in before it; the day's trips
                // end with their tickets).
                let (served, total) = chunk
                    .iter()
                    .map(|(p, _)| self.bins[p.0 as usize][category.index()])
                    .zip(chunk.iter())
                    .filter(|(g, (p, _))| *g > 0 && due(*p))
                    .fold((0u32, 0u64), |(n, t), (g, _)| (n + 1, t + g));
                let deliveries = (total as f64 / (capacity as f64 * 0.9)).floor() as u32;
                let budget = 23 * 3600 + 59 * 60 - start;
                let step = (budget / (served + 2 * deliveries + 2)).clamp(1, 600);
                let to_facility = step.min(1800);
                let mut time = start;
                let mut load = 0u64;
                // The truck's trips all end at its category's facility; only the time differs.
                let delivery = Delivery {
                    day,
                    district,
                    category,
                    facility: fleet.destination[category.index()],
                    vehicle: truck,
                    time,
                    to_facility,
                };
                for &(point, estate) in chunk {
                    let grams = self.bins[point.0 as usize][category.index()];
                    if grams == 0 || !due(point) {
                        continue;
                    }
                    time += step;
                    self.bins[point.0 as usize][category.index()] = 0;
                    let mut vehicle = truck;
                    if category == Category::Kitchen && rng.chance(estate.profile.mixed_transport) {
                        // 混装混运: an other-waste truck takes the kitchen bin.
                        vehicle = fleet.trucks[Category::Other.index()][0];
                    }
                    let accuracy = estate.profile.accuracy(day_index) + rng.normal(0.0, 0.05);
                    let grade = if accuracy > 0.85 {
                        Grade::Good
                    } else if accuracy > 0.7 {
                        Grade::Medium
                    } else {
                        Grade::Poor
                    };
                    let code = &world.model.unit(point).code;
                    let id = format!("pk-{code}-{}-{}", ymd(day), category.key());
                    let grams32 = grams.min(u32::MAX as u64) as u32;
                    out.push(other(
                        id.clone(),
                        Event::Pickup(Pickup {
                            key: EventKey::of(&id),
                            id,
                            time: Timestamp::at(day, time.min(86_399)),
                            vehicle: VehicleId(vehicle),
                            point,
                            category,
                            grams: grams32,
                            grade: Some(grade),
                        }),
                    ));
                    self.stats.pickups += 1;
                    if vehicle != truck {
                        // The mixed load ends up with other waste at the transfer station.
                        self.received[fleet.destination[Category::Other.index()] as usize]
                            [Category::Other.index()] += grams;
                        continue;
                    }
                    load += grams;
                    if load as f64 >= capacity as f64 * 0.9 {
                        let trip = Delivery { time, ..delivery };
                        self.deliver(trip, &mut tickets, &mut load, out, &mut rng);
                        // To the facility (the ticket) and back.
                        time += 2 * to_facility;
                    }
                }
                let last = Delivery { time, ..delivery };
                self.deliver(last, &mut tickets, &mut load, out, &mut rng);
            }
        }
        // Each transfer station forwards the day's other waste to its incinerator in 25 t
        // container loads (compacted, about 3 % lighter).
        let transfer = fleet.destination[Category::Other.index()] as usize;
        let mut remaining =
            (std::mem::take(&mut self.transfer_today[transfer]) as f64 * 0.97).round() as u64;
        let incinerator = world.incinerator_of_district[d];
        let mut load = 0;
        while remaining > 0 {
            let net = remaining.min(25_000_000);
            remaining -= net;
            load += 1;
            let code = &world.model.facilities[incinerator as usize].code;
            let id = format!(
                "wt-{code}-{}-{}-{load}",
                ymd(day),
                world.model.unit(district).code
            );
            let time = Timestamp::at(day, (22 * 3600 + load * 240).min(86_399));
            out.push(other(
                id.clone(),
                Event::WeighTicket(WeighTicket {
                    key: EventKey::of(&id),
                    id,
                    time,
                    facility: fenlei_domain::FacilityId(incinerator),
                    vehicle: None,
                    category: Category::Other,
                    net_grams: net,
                    origin: Some(district),
                }),
            ));
            self.received[incinerator as usize][Category::Other.index()] += net;
            self.stats.weigh_tickets += 1;
        }
    }

    /// Ends a truck's trip at its facility: one weigh ticket for the load.
    fn deliver(
        &mut self,
        d: Delivery,
        tickets: &mut u32,
        load: &mut u64,
        out: &mut Vec<Pending>,
        rng: &mut Rng,
    ) {
        if *load == 0 {
            return;
        }
        let world = self.world;
        *tickets += 1;
        let code = &world.model.facilities[d.facility as usize].code;
        // Plants serve several districts: the district keeps ticket numbers apart.
        let origin = &world.model.unit(d.district).code;
        let id = format!("wt-{code}-{}-{origin}-{}", ymd(d.day), *tickets);
        let net = (*load as f64 * rng.normal(1.0, 0.003)).round() as u64;
        out.push(other(
            id.clone(),
            Event::WeighTicket(WeighTicket {
                key: EventKey::of(&id),
                id,
                time: Timestamp::at(d.day, (d.time + d.to_facility).min(86_399)),
                facility: fenlei_domain::FacilityId(d.facility),
                vehicle: Some(VehicleId(d.vehicle)),
                category: d.category,
                net_grams: net,
                origin: Some(d.district),
            }),
        ));
        self.received[d.facility as usize][d.category.index()] += net;
        if world.model.facilities[d.facility as usize].kind == FacilityKind::TransferStation {
            self.transfer_today[d.facility as usize] += net;
        }
        self.stats.weigh_tickets += 1;
        *load = 0;
    }

    fn treatments(&mut self, day: Day) -> Vec<Pending> {
        let mut out = Vec::new();
        for (f, facility) in self.world.model.facilities.iter().enumerate() {
            let routes: &[(TreatmentRoute, f64)] = match facility.kind {
                FacilityKind::TransferStation | FacilityKind::Landfill => continue,
                FacilityKind::Incinerator => &[(TreatmentRoute::Incinerated, 1.0)],
                FacilityKind::KitchenPlant => &[
                    (TreatmentRoute::Digested, 0.78),
                    (TreatmentRoute::Composted, 0.07),
                    (TreatmentRoute::Incinerated, 0.15),
                ],
                FacilityKind::RecyclingCentre => &[
                    (TreatmentRoute::Recycled, 0.88),
                    (TreatmentRoute::Incinerated, 0.12),
                ],
                FacilityKind::HazardousPlant => &[
                    (TreatmentRoute::Recycled, 0.35),
                    (TreatmentRoute::Incinerated, 0.45),
                    (TreatmentRoute::Landfilled, 0.20),
                ],
            };
            let received = std::mem::take(&mut self.received[f]);
            let mut input = Vec::new();
            let mut output = Vec::new();
            for category in Category::BINS {
                let grams = received[category.index()];
                if grams == 0 {
                    continue;
                }
                input.push((category, grams));
                for &(route, share) in routes {
                    output.push(TreatmentFlow {
                        category,
                        route,
                        grams: (grams as f64 * share).round() as u64,
                    });
                }
            }
            if input.is_empty() {
                continue;
            }
            let id = format!("tr-{}-{}", facility.code, ymd(self.period_start));
            out.push(other(
                id.clone(),
                Event::Treatment(Treatment {
                    key: EventKey::of(&id),
                    id,
                    facility: fenlei_domain::FacilityId(f as u32),
                    from: self.period_start,
                    to: day,
                    input,
                    output,
                }),
            ));
            self.stats.treatments += 1;
        }
        self.period_start = day.plus(1);
        out
    }
}
