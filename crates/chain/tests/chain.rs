//! The chain's rules and balance on hand-built event sets (each rule fires exactly where
//! expected), and on a simulated tiny-preset month (balanced except where the simulator mixes).

use fenlei_chain::{Chain, ChainInput, Grain, Rule, Tolerances, TripStatus};
use fenlei_domain::{
    BinDay, Category, CityModel, Day, DayRange, Event, EventKey, FacilityId, FacilityKind, Level,
    Pickup, PutIn, Source, Timestamp, Treatment, TreatmentFlow, TreatmentRoute, UnitId, VehicleId,
    Verdict, WeighTicket,
};
use fenlei_sim::{Preset, SimConfig, Sink, World};
use std::collections::BTreeSet;

fn day() -> Day {
    Day::parse("2026-11-10").expect("day")
}

fn at(h: u32, m: u32) -> Timestamp {
    Timestamp::at(day(), h * 3600 + m * 60)
}

struct City {
    world: World,
    p1: UnitId,
    p2: UnitId,
    kitchen_truck: VehicleId,
    other_truck: VehicleId,
    kitchen_plant: FacilityId,
    transfer: FacilityId,
}

fn city() -> City {
    let world = World::build(Preset::Tiny, 1);
    let m = &world.model;
    let truck = |c: Category| {
        VehicleId(
            m.vehicles
                .iter()
                .position(|v| v.category == c)
                .expect("truck") as u32,
        )
    };
    let facility = |k: FacilityKind| {
        FacilityId(
            m.facilities
                .iter()
                .position(|f| f.kind == k)
                .expect("facility") as u32,
        )
    };
    let points: Vec<UnitId> = m.at_level(Level::Point).map(|u| u.id).collect();
    // Two points of different estates.
    let p1 = points[0];
    let e1 = m.ancestor_at(p1, Level::Estate);
    let p2 = *points
        .iter()
        .find(|&&p| m.ancestor_at(p, Level::Estate) != e1)
        .expect("a second estate");
    City {
        p1,
        p2,
        kitchen_truck: truck(Category::Kitchen),
        other_truck: truck(Category::Other),
        kitchen_plant: facility(FacilityKind::KitchenPlant),
        transfer: facility(FacilityKind::TransferStation),
        world,
    }
}

fn put_in(id: &str, time: Timestamp, point: UnitId, category: Category, kg: u32) -> PutIn {
    PutIn {
        key: EventKey::of(id),
        time,
        point,
        household: None,
        category,
        grams: kg * 1000,
        verdict: Verdict::Unchecked,
        source: Source::Manual,
    }
}

fn pickup(
    id: &str,
    time: Timestamp,
    vehicle: VehicleId,
    point: UnitId,
    category: Category,
    kg: u32,
) -> Pickup {
    Pickup {
        key: EventKey::of(id),
        id: id.into(),
        time,
        vehicle,
        point,
        category,
        grams: kg * 1000,
        grade: None,
    }
}

fn ticket(
    id: &str,
    time: Timestamp,
    facility: FacilityId,
    vehicle: Option<VehicleId>,
    category: Category,
    kg: u64,
) -> WeighTicket {
    WeighTicket {
        key: EventKey::of(id),
        id: id.into(),
        time,
        facility,
        vehicle,
        category,
        net_grams: kg * 1000,
        origin: None,
    }
}

fn treatment(id: &str, facility: FacilityId, category: Category, kg: u64) -> Treatment {
    Treatment {
        key: EventKey::of(id),
        id: id.into(),
        facility,
        from: day().month_start(),
        to: day().next_month_start().plus(-1),
        input: vec![(category, kg * 1000)],
        output: vec![TreatmentFlow {
            category,
            route: TreatmentRoute::Digested,
            grams: kg * 1000,
        }],
    }
}

struct Case {
    put_ins: Vec<PutIn>,
    pickups: Vec<Pickup>,
    tickets: Vec<WeighTicket>,
    treatments: Vec<Treatment>,
    data_end: Timestamp,
}

impl Case {
    fn new() -> Case {
        Case {
            put_ins: Vec::new(),
            pickups: Vec::new(),
            tickets: Vec::new(),
            treatments: Vec::new(),
            data_end: Timestamp::at(day().plus(3), 0),
        }
    }

    fn chain<'a>(&self, model: &'a CityModel) -> Chain<'a> {
        let mut chain = Chain::new(ChainInput {
            model,
            period: DayRange::new(day(), day()).expect("range"),
            pickups: self.pickups.clone(),
            tickets: self.tickets.clone(),
            treatments: self.treatments.clone(),
            data_end: self.data_end,
            put_ins_from: day(),
            history_complete: true,
            tolerances: Tolerances::default(),
        });
        chain.add_put_ins(&self.put_ins);
        chain
    }

    fn rules(&self, model: &CityModel) -> Vec<(Rule, String)> {
        self.chain(model)
            .findings()
            .into_iter()
            .map(|f| (f.rule, f.key))
            .collect()
    }
}

/// A kitchen bin put in, lifted by the kitchen truck, ticketed at the kitchen plant, treated.
fn clean(c: &City) -> Case {
    let mut case = Case::new();
    case.put_ins
        .push(put_in("u1", at(7, 0), c.p1, Category::Kitchen, 10));
    case.put_ins
        .push(put_in("u2", at(18, 0), c.p1, Category::Kitchen, 10));
    case.pickups.push(pickup(
        "k1",
        at(21, 0),
        c.kitchen_truck,
        c.p1,
        Category::Kitchen,
        20,
    ));
    case.tickets.push(ticket(
        "t1",
        at(21, 40),
        c.kitchen_plant,
        Some(c.kitchen_truck),
        Category::Kitchen,
        20,
    ));
    case.treatments
        .push(treatment("r1", c.kitchen_plant, Category::Kitchen, 20));
    case
}

#[test]
fn a_clean_chain_has_no_finding_and_balances() {
    let c = city();
    let case = clean(&c);
    let chain = case.chain(&c.world.model);
    assert_eq!(chain.findings(), vec![]);
    let trips = chain.trips();
    assert_eq!(trips.len(), 1);
    assert_eq!(trips[0].status, TripStatus::Ticketed);
    assert_eq!(trips[0].ticket.as_deref(), Some("t1"));
    let rows = chain.balance(Level::Estate, None, Grain::Day);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let r = &rows[0];
    assert_eq!(r.category, Category::Kitchen);
    assert_eq!(
        (
            r.put_in_kg,
            r.emptied_put_in_kg,
            r.picked_up_kg,
            r.ticketed_kg,
            r.delivered_kg,
            r.treated_kg
        ),
        (20.0, 20.0, 20.0, 20.0, 20.0, 20.0)
    );
    assert_eq!(r.outputs_kg.get("digested"), Some(&20.0));
    assert!(r.gaps.is_empty(), "{:?}", r.gaps);
}

#[test]
fn a_kitchen_bin_in_the_other_waste_truck_is_caught_by_three_rules() {
    let c = city();
    let mut case = Case::new();
    case.put_ins
        .push(put_in("u1", at(7, 0), c.p1, Category::Other, 30));
    case.put_ins
        .push(put_in("u2", at(7, 5), c.p2, Category::Kitchen, 10));
    case.pickups.push(pickup(
        "o1",
        at(21, 0),
        c.other_truck,
        c.p1,
        Category::Other,
        30,
    ));
    case.pickups.push(pickup(
        "m1",
        at(21, 10),
        c.other_truck,
        c.p2,
        Category::Kitchen,
        10,
    ));
    case.tickets.push(ticket(
        "t1",
        at(21, 50),
        c.transfer,
        Some(c.other_truck),
        Category::Other,
        40,
    ));
    let got = case.rules(&c.world.model);
    assert_eq!(
        got,
        vec![
            (
                Rule::TruckCategoryMismatch,
                "truck_category_mismatch:m1".into()
            ),
            (
                Rule::TicketCategoryMismatch,
                "ticket_category_mismatch:o1+m1+t1".into()
            ),
            (Rule::MixedTrip, "mixed_trip:o1+m1+t1".into()),
        ]
    );
    // The kitchen waste was lifted but never ticketed as kitchen: a transport gap.
    let chain = case.chain(&c.world.model);
    let rows = chain.balance(Level::Estate, None, Grain::Day);
    let kitchen = rows
        .iter()
        .find(|r| r.category == Category::Kitchen)
        .expect("kitchen row");
    assert_eq!(kitchen.ticketed_kg, 0.0);
    assert_eq!(kitchen.gaps.len(), 1, "{:?}", kitchen.gaps);
    assert_eq!(kitchen.gaps[0].stage, "transport");
    // The trip is listed under the estates it lifted bins in, not under others.
    let m = &c.world.model;
    let e2 = m.ancestor_at(c.p2, Level::Estate).expect("estate");
    assert_eq!(chain.trips_within(e2).len(), 1);
    let elsewhere = m
        .at_level(Level::Estate)
        .map(|u| u.id)
        .find(|&e| Some(e) != m.ancestor_at(c.p1, Level::Estate) && e != e2)
        .expect("a third estate");
    assert!(chain.trips_within(elsewhere).is_empty());
    // The mixed truck's finding names the estate of the point.
    let f = &chain.findings()[0];
    let estate = c
        .world
        .model
        .ancestor_at(c.p2, Level::Estate)
        .expect("estate");
    assert_eq!(f.unit, c.world.model.unit(estate).code);
    assert_eq!(f.evidence[0].id, "m1");
}

#[test]
fn a_kitchen_trip_ticketed_as_other_waste_is_a_ticket_mismatch_only() {
    let c = city();
    let mut case = clean(&c);
    case.tickets[0].category = Category::Other;
    case.treatments.clear();
    assert_eq!(
        case.rules(&c.world.model),
        vec![(
            Rule::TicketCategoryMismatch,
            "ticket_category_mismatch:k1+t1".into()
        )]
    );
}

#[test]
fn a_ticket_without_pickups_and_pickups_without_a_ticket() {
    let c = city();
    let mut case = Case::new();
    case.put_ins
        .push(put_in("u1", at(7, 0), c.p1, Category::Kitchen, 20));
    case.pickups.push(pickup(
        "k1",
        at(8, 0),
        c.kitchen_truck,
        c.p1,
        Category::Kitchen,
        20,
    ));
    // The kitchen truck's ticket comes 13 hours later: not its trip's end.
    case.tickets.push(ticket(
        "t1",
        at(21, 0),
        c.kitchen_plant,
        Some(c.kitchen_truck),
        Category::Kitchen,
        20,
    ));
    assert_eq!(
        case.rules(&c.world.model),
        vec![
            (
                Rule::TicketWithoutPickups,
                "ticket_without_pickups:t1".into()
            ),
            (
                Rule::PickupsWithoutTicket,
                "pickups_without_ticket:k1".into()
            ),
        ]
    );
    // Pickups at the very end of the data are awaiting their ticket, not unticketed.
    let mut open = Case::new();
    open.put_ins
        .push(put_in("u1", at(7, 0), c.p1, Category::Kitchen, 20));
    open.pickups.push(pickup(
        "k1",
        at(22, 0),
        c.kitchen_truck,
        c.p1,
        Category::Kitchen,
        20,
    ));
    open.data_end = at(23, 59);
    assert_eq!(open.rules(&c.world.model), vec![]);
    let chain = open.chain(&c.world.model);
    assert_eq!(chain.trips()[0].status, TripStatus::Open);
    let rows = chain.balance(Level::Estate, None, Grain::Day);
    assert_eq!(rows[0].awaiting_ticket_kg, 20.0);
    assert!(
        rows[0].gaps.iter().all(|g| g.stage != "transport"),
        "{:?}",
        rows[0].gaps
    );
}

#[test]
fn a_pickup_heavier_than_its_put_ins_beyond_the_tolerance_is_implausible() {
    let c = city();
    let mut case = clean(&c);
    // 20 kg put in; 26 kg is within 5 kg + 25 %? 6 kg > 5 kg, but 6 kg ≤ 25 % of 20 kg: fine.
    case.pickups[0].grams = 24_000;
    case.tickets[0].net_grams = 24_000;
    case.treatments[0].input[0].1 = 24_000;
    case.treatments[0].output[0].grams = 24_000;
    assert_eq!(case.rules(&c.world.model), vec![]);
    case.pickups[0].grams = 40_000;
    case.tickets[0].net_grams = 40_000;
    case.treatments[0].input[0].1 = 40_000;
    case.treatments[0].output[0].grams = 40_000;
    assert_eq!(
        case.rules(&c.world.model),
        vec![(
            Rule::PickupWeightImplausible,
            "pickup_weight_implausible:k1".into()
        )]
    );
    // The put-ins before the bin's previous pickup do not count for the next one.
    let mut two = clean(&c);
    two.pickups.insert(
        0,
        pickup(
            "k0",
            at(12, 0),
            c.kitchen_truck,
            c.p1,
            Category::Kitchen,
            10,
        ),
    );
    two.tickets.insert(
        0,
        ticket(
            "t0",
            at(12, 30),
            c.kitchen_plant,
            Some(c.kitchen_truck),
            Category::Kitchen,
            10,
        ),
    );
    two.pickups[1].grams = 10_000;
    two.tickets[1].net_grams = 10_000;
    assert_eq!(two.rules(&c.world.model), vec![]);
}

#[test]
fn a_treatment_report_that_does_not_match_its_tickets() {
    let c = city();
    let mut case = clean(&c);
    case.treatments[0].input[0].1 = 30_000;
    case.treatments[0].output[0].grams = 30_000;
    assert_eq!(
        case.rules(&c.world.model),
        vec![(
            Rule::TreatmentInputMismatch,
            "treatment_input_mismatch:r1+kitchen".into()
        )]
    );
    let rows = case
        .chain(&c.world.model)
        .balance(Level::Estate, None, Grain::Day);
    assert_eq!(rows[0].treated_kg, 30.0);
    assert_eq!(rows[0].gaps.len(), 1);
    assert_eq!(rows[0].gaps[0].stage, "treatment");
}

#[derive(Default)]
struct Feed {
    put_ins: Vec<PutIn>,
    pickups: Vec<Pickup>,
    tickets: Vec<WeighTicket>,
    treatments: Vec<Treatment>,
}

impl Feed {
    /// A chain of every pickup, ticket and report of the feed, judged over `period`, with the
    /// data ending at `data_end` and put-ins streamed from `put_ins_from` (none added yet).
    fn chain<'a>(
        &self,
        model: &'a CityModel,
        period: DayRange,
        data_end: Timestamp,
        put_ins_from: Day,
    ) -> Chain<'a> {
        Chain::new(ChainInput {
            model,
            period,
            pickups: self.pickups.clone(),
            tickets: self.tickets.clone(),
            treatments: self.treatments.clone(),
            data_end,
            put_ins_from,
            history_complete: true,
            tolerances: Tolerances::default(),
        })
    }
}

impl Sink for Feed {
    type Error = ();
    fn event(&mut self, _id: &str, event: &Event) -> Result<(), ()> {
        match event {
            Event::PutIn(p) => self.put_ins.push(*p),
            Event::Pickup(p) => self.pickups.push(p.clone()),
            Event::WeighTicket(t) => self.tickets.push(t.clone()),
            Event::Treatment(t) => self.treatments.push(t.clone()),
            _ => {}
        }
        Ok(())
    }
}

#[test]
fn a_simulated_month_balances_except_where_the_simulator_mixes() {
    // The first seed whose tiny city has an estate whose hauler mixes.
    let world = (1..)
        .map(|seed| World::build(Preset::Tiny, seed))
        .find(|w| w.estates.iter().any(|e| e.profile.mixed_transport > 0.0))
        .expect("some seed mixes");
    let start = Day::parse("2026-11-01").expect("day");
    let mut feed = Feed::default();
    fenlei_sim::run(&world, SimConfig { start, days: 30 }, &mut feed).expect("sim");
    let m = &world.model;
    let mixed: Vec<&Pickup> = feed
        .pickups
        .iter()
        .filter(|p| m.vehicles[p.vehicle.0 as usize].category != p.category)
        .collect();
    assert!(
        !mixed.is_empty(),
        "the mixing estate's kitchen bins were lifted by other trucks"
    );
    let mut chain = feed.chain(
        m,
        DayRange::new(start, start.plus(29)).expect("range"),
        Timestamp::at(start.plus(30), 0),
        start,
    );
    chain.add_put_ins(&feed.put_ins);
    let findings = chain.findings();
    let mixed_ids: BTreeSet<&str> = mixed.iter().map(|p| p.id.as_str()).collect();
    let mismatches = findings
        .iter()
        .filter(|f| f.rule == Rule::TruckCategoryMismatch)
        .count();
    assert_eq!(mismatches, mixed.len());
    for f in &findings {
        assert!(
            matches!(
                f.rule,
                Rule::TruckCategoryMismatch
                    | Rule::TicketCategoryMismatch
                    | Rule::MixedTrip
                    | Rule::PickupsWithoutTicket
            ),
            "unexpected {f:#?}"
        );
        assert!(
            f.evidence.iter().any(|e| mixed_ids.contains(e.id.as_str())),
            "a finding without a mixed pickup: {f:#?}"
        );
    }
    // Monthly balance per estate: only mixing estates have a gap, in kitchen transport.
    let mixing_estates: BTreeSet<String> = mixed
        .iter()
        .map(|p| {
            m.unit(m.ancestor_at(p.point, Level::Estate).expect("estate"))
                .code
                .clone()
        })
        .collect();
    let rows = chain.balance(Level::Estate, None, Grain::Month);
    assert!(rows.len() >= 8 * 4, "{} rows", rows.len());
    for r in &rows {
        assert!(r.treated_kg > 0.0 && r.awaiting_report_kg == 0.0, "{r:#?}");
        for g in &r.gaps {
            assert!(
                g.stage == "transport"
                    && r.category == Category::Kitchen
                    && mixing_estates.contains(&r.unit),
                "unexpected gap {g:?} in {r:#?}"
            );
        }
    }
    // Daily rows of the district: the same.
    for r in chain.balance(Level::District, None, Grain::Day) {
        for g in &r.gaps {
            assert!(
                g.stage == "transport" && r.category == Category::Kitchen,
                "{g:?} {r:#?}"
            );
        }
    }
}

#[test]
fn rows_of_every_level_and_grain_are_the_point_days_summed_up() {
    let world = World::build(Preset::Tiny, 3);
    let start = Day::parse("2026-11-20").expect("day");
    let mut feed = Feed::default();
    fenlei_sim::run(&world, SimConfig { start, days: 20 }, &mut feed).expect("sim");
    let m = &world.model;
    let mut chain = feed.chain(
        m,
        DayRange::new(start.plus(2), start.plus(17)).expect("range"),
        Timestamp::at(start.plus(20), 0),
        start,
    );
    chain.add_put_ins(&feed.put_ins);
    let points = chain.balance(Level::Point, None, Grain::Day);
    assert!(points.len() > 100, "{} point-day rows", points.len());
    let unit_of = |code: &str| world.model.units.iter().position(|u| u.code == code);
    let a_street = m
        .at_level(Level::Street)
        .next()
        .expect("a street")
        .code
        .clone();
    let street = UnitId(unit_of(&a_street).expect("street") as u32);
    for level in [
        Level::Estate,
        Level::Community,
        Level::Street,
        Level::District,
        Level::City,
    ] {
        for grain in [Grain::Day, Grain::Month] {
            for within in [None, Some(street)] {
                // The point-day rows summed by hand to the rows asked for.
                let mut expected: std::collections::BTreeMap<
                    (String, String, Category),
                    ([f64; 4], f64),
                > = Default::default();
                for r in &points {
                    let point = UnitId(unit_of(&r.unit).expect("point") as u32);
                    let Some(unit) = m.ancestor_at(point, level) else {
                        continue;
                    };
                    if within.is_some_and(|w| !m.ancestors(unit).any(|a| a == w)) {
                        continue;
                    }
                    let period = match grain {
                        Grain::Day => r.period.clone(),
                        Grain::Month => r.period[..7].to_string(),
                    };
                    let e = expected
                        .entry((m.unit(unit).code.clone(), period, r.category))
                        .or_default();
                    for (x, y) in e.0.iter_mut().zip([
                        r.put_in_kg,
                        r.picked_up_kg,
                        r.ticketed_kg,
                        r.treated_kg,
                    ]) {
                        *x += y;
                    }
                    e.1 += 1.0;
                }
                let rows = chain.balance(level, within, grain);
                let mut got: Vec<_> = rows
                    .iter()
                    .map(|r| ((r.unit.clone(), r.period.clone(), r.category), r))
                    .collect();
                got.sort_by(|a, b| a.0.cmp(&b.0));
                assert_eq!(
                    got.len(),
                    expected.len(),
                    "{level:?} {grain:?} within {within:?}"
                );
                for ((key, _), want) in got.iter().zip(expected.keys()) {
                    assert_eq!(key, want, "{level:?} {grain:?} within {within:?}");
                }
                for ((key, r), want) in got.iter().zip(expected.values()) {
                    let have = [r.put_in_kg, r.picked_up_kg, r.ticketed_kg, r.treated_kg];
                    for (h, w) in have.iter().zip(want.0) {
                        // Each point-day row is rounded to 0.1 kg.
                        assert!(
                            (h - w).abs() <= 0.05 * (want.1 + 1.0) + 1e-6,
                            "{key:?}: {have:?} against {want:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn put_ins_streamed_by_day_into_two_tallies_from_the_first_day_needed_change_nothing() {
    let world = World::build(Preset::Tiny, 7);
    let start = Day::parse("2026-11-01").expect("day");
    let mut feed = Feed::default();
    fenlei_sim::run(&world, SimConfig { start, days: 24 }, &mut feed).expect("sim");
    // A week in the middle, read like the app reads it: eight days before, one day after.
    let period = DayRange::new(start.plus(12), start.plus(18)).expect("range");
    let from = period.from.plus(-8);
    let within = |t: Timestamp| t.day() >= from && t.day() <= period.to.plus(1);
    let chain = || {
        Chain::new(ChainInput {
            model: &world.model,
            period,
            pickups: feed
                .pickups
                .iter()
                .filter(|p| within(p.time))
                .cloned()
                .collect(),
            tickets: feed
                .tickets
                .iter()
                .filter(|t| within(t.time))
                .cloned()
                .collect(),
            treatments: feed.treatments.clone(),
            data_end: Timestamp::at(period.to.plus(2), 0),
            put_ins_from: from,
            history_complete: false,
            tolerances: Tolerances::default(),
        })
    };
    let mut whole = chain();
    whole.add_put_ins(&feed.put_ins);

    let mut streamed = chain();
    let first = streamed.first_day_needed();
    assert!(
        first > from && first < period.from,
        "a bin's previous pickup is within the week before: {first}"
    );
    let days: Vec<Day> = (0..)
        .map(|k| first.plus(k))
        .take_while(|&d| d <= period.to)
        .collect();
    let credits: Vec<_> = [0, 1]
        .map(|parity| {
            let mut tally = streamed.tally();
            // Newest day first, each day's put-ins in reverse: order does not matter.
            for &d in days.iter().rev().skip(parity).step_by(2) {
                tally.begin_day(d);
                for p in feed.put_ins.iter().rev().filter(|p| p.time.day() == d) {
                    tally.add(p.time.second_of_day(), p.point, p.category, p.grams);
                }
            }
            tally.finish()
        })
        .into();
    for c in credits {
        streamed.absorb(c);
    }
    assert_eq!(streamed.findings(), whole.findings());
    assert_eq!(streamed.trips(), whole.trips());
    assert_eq!(
        streamed.balance(Level::Point, None, Grain::Day),
        whole.balance(Level::Point, None, Grain::Day)
    );
    assert!(
        whole
            .balance(Level::Point, None, Grain::Day)
            .iter()
            .any(|r| r.emptied_put_in_kg > 0.0 && r.period == period.from.to_string()),
        "the period's first day's pickups emptied put-ins of the days before"
    );
}

#[test]
fn bin_day_sums_credit_like_the_put_ins_one_by_one_split_days_included() {
    let world = World::build(Preset::Tiny, 7);
    let start = Day::parse("2026-11-01").expect("day");
    let mut feed = Feed::default();
    fenlei_sim::run(&world, SimConfig { start, days: 16 }, &mut feed).expect("sim");
    // The simulator's trucks come after the evening put-ins; put-ins late at night after
    // some pickups split those bin-days between the day's pickup and the next.
    let late: Vec<PutIn> = feed
        .pickups
        .iter()
        .step_by(5)
        .enumerate()
        .map(|(i, p)| {
            let mut x = put_in(
                &format!("late-{i}"),
                Timestamp::at(p.time.day(), 23 * 3600 + 50 * 60),
                p.point,
                p.category,
                30,
            );
            x.grams += i as u32;
            x
        })
        .collect();
    feed.put_ins.extend(late);
    let period = DayRange::new(start.plus(8), start.plus(14)).expect("range");
    let chain = || {
        feed.chain(
            &world.model,
            period,
            Timestamp::at(period.to.plus(2), 0),
            start,
        )
    };
    let mut one_by_one = chain();
    one_by_one.add_put_ins(&feed.put_ins);

    // The sums the store keeps: per day, point and category.
    let mut sums: std::collections::HashMap<(Day, UnitId, Category), BinDay> = Default::default();
    for p in &feed.put_ins {
        let s = p.time.second_of_day();
        let b = sums
            .entry((p.time.day(), p.point, p.category))
            .or_insert(BinDay {
                point: p.point,
                category: p.category,
                grams: 0,
                first_second: s,
                last_second: s,
            });
        b.grams += p.grams as u64;
        b.first_second = b.first_second.min(s);
        b.last_second = b.last_second.max(s);
    }
    let mut summed = chain();
    let mut tally = summed.tally();
    let (mut whole, mut split) = (0, 0);
    for d in (0..16).map(|k| start.plus(k)) {
        tally.begin_day(d);
        let before = split;
        for b in sums.iter().filter(|(k, _)| k.0 == d) {
            match tally.add_bin_day(b.1) {
                true => whole += 1,
                false => split += 1,
            }
        }
        if split > before {
            for p in feed.put_ins.iter().filter(|p| p.time.day() == d) {
                tally.add_to_split(p.time.second_of_day(), p.point, p.category, p.grams);
            }
        }
    }
    summed.absorb(tally.finish());
    assert!(
        split > 0 && whole > split,
        "{split} bin-days split, {whole} whole"
    );
    assert_eq!(summed.findings(), one_by_one.findings());
    assert_eq!(
        summed.balance(Level::Point, None, Grain::Day),
        one_by_one.balance(Level::Point, None, Grain::Day)
    );
    assert!(
        one_by_one
            .findings()
            .iter()
            .any(|f| f.rule == Rule::PickupWeightImplausible),
        "the late put-ins make some pickups implausible"
    );
}

#[test]
fn a_plan_against_the_trucks_late_missed_unplanned_and_distance() {
    use fenlei_domain::plan::{CollectionPlan, PlannedRoute, PlannedStop, StopKind};
    let c = city();
    let m = &c.world.model;
    let district = m.ancestor_at(c.p1, Level::District).expect("district");
    let points: Vec<UnitId> = m.at_level(Level::Point).map(|u| u.id).collect();
    let (p1, p2, p3) = (points[0], points[1], points[2]);
    let stop = |kind, t: Timestamp| PlannedStop {
        kind,
        arrival: t,
        start: t,
        load_kg: 0.0,
    };
    let plan = CollectionPlan {
        id: 7,
        district,
        category: Category::Kitchen,
        day: day(),
        points: 2,
        expected_kg: 40.0,
        vehicles: 1,
        distance_m: 10_000,
        feasible: true,
        iterations: 1,
        solve_seconds: 0.0,
        routes: vec![PlannedRoute {
            vehicle: c.kitchen_truck,
            stops: vec![
                stop(StopKind::Depot, at(8, 30)),
                stop(StopKind::Point(p1), at(9, 0)),
                stop(StopKind::Point(p2), at(9, 30)),
                stop(StopKind::Facility(c.kitchen_plant), at(10, 30)),
                stop(StopKind::Depot, at(11, 0)),
            ],
            points: 2,
            trips: 1,
            collected_kg: 40.0,
            distance_m: 10_000,
            duration_s: 9000,
        }],
    };
    // P1 served 10 minutes late (on time), P2 missed, P3 served without a plan and late.
    let pickups = vec![
        pickup("a", at(9, 10), c.kitchen_truck, p1, Category::Kitchen, 20),
        pickup("b", at(10, 0), c.kitchen_truck, p3, Category::Kitchen, 15),
        // Another category's pickup does not count.
        pickup("c", at(9, 30), c.other_truck, p2, Category::Other, 30),
    ];
    let tickets = vec![ticket(
        "t",
        at(10, 40),
        c.kitchen_plant,
        Some(c.kitchen_truck),
        Category::Kitchen,
        35,
    )];
    let manhattan = |a: (i32, i32), b: (i32, i32)| ((a.0 - b.0).abs() + (a.1 - b.1).abs()) as i64;
    let r = fenlei_chain::plan::plan_vs_actual(m, &plan, &pickups, &tickets, 1800, &manhattan);
    assert_eq!((r.planned_points, r.on_time, r.late), (2, 1, 0));
    assert_eq!(r.missed.len(), 1);
    assert_eq!(r.missed[0].point, m.unit(p2).code);
    assert_eq!(r.served[0].minutes_late, 10);
    assert_eq!(r.unplanned.len(), 1);
    assert_eq!(r.unplanned[0].point, m.unit(p3).code);
    assert_eq!(
        r.actual_trucks,
        vec![m.vehicles[c.kitchen_truck.0 as usize].code.clone()]
    );
    assert_eq!(r.lifted_kg, 35.0);
    // Depot → P1 → P3 → plant → depot.
    let v = &m.vehicles[c.kitchen_truck.0 as usize];
    let xy = |u: UnitId| (m.unit(u).x_m, m.unit(u).y_m);
    let f = &m.facilities[c.kitchen_plant.0 as usize];
    let depot = (v.depot_x_m, v.depot_y_m);
    let driven = manhattan(depot, xy(p1))
        + manhattan(xy(p1), xy(p3))
        + manhattan(xy(p3), (f.x_m, f.y_m))
        + manhattan((f.x_m, f.y_m), depot);
    assert_eq!(r.actual_km, driven as f64 / 1000.0);
    assert_eq!(r.planned_km, 10.0);
}
