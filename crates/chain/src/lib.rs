//! The collection chain, reconciled: what households put in, what trucks lifted, what the
//! weighbridges ticketed and what the plants report having treated.
//!
//! Pure logic over validated events and the city model; no IO. The caller (the app) fills a
//! [`ChainInput`] from the store, streams the put-ins day by day into the [`Chain`]
//! ([`Chain::add_put_ins`]), and asks for
//!
//! - [`trips`]: each truck's pickups in time order, ended by its next weigh ticket;
//! - [`rules`]: the named mixed-transport (混装混运) and plausibility rules, each finding with
//!   its evidence;
//! - [`balance`]: the mass balance per category, unit and day or month, put-in → picked up →
//!   ticketed → forwarded → treated → outputs by route, gaps beyond a tolerance flagged with
//!   their likely place in the chain;
//! - [`plan`]: a day's collection plan against what the trucks did.
//!
//! Ties in time are broken by arrival order (the order of the input vectors): a pickup before
//! a ticket of the same second, then earlier arrivals first.

pub mod balance;
pub mod plan;
pub mod rules;
pub mod trips;

use fenlei_domain::{
    Category, CityModel, Day, DayRange, Pickup, PutIn, Timestamp, Treatment, WeighTicket,
};
use foldhash::HashMap;

pub use balance::{BalanceRow, Gap, Grain, Weighed};
pub use rules::{Evidence, Finding, Rule};
pub use trips::{Trip, TripRow, TripStatus};

/// The tolerances the rules and the balance judge by. Every one is stated with the findings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Tolerances {
    /// Relative gap between two stages of the balance (and between a treatment report's input
    /// and the tickets it covers) beyond which it is flagged. Default 5 %: the weighbridge is
    /// exact to about 0.3 %, compaction at transfer stations loses about 3 %.
    pub balance: f64,
    /// Relative difference between a pickup's weight and the put-ins at its bin since the bin's
    /// previous pickup beyond which the pickup is implausible. Default 25 %.
    pub pickup_relative: f64,
    /// …and the absolute difference (grams) it must also exceed. Default 5 kg.
    pub pickup_absolute_grams: u64,
    /// Longest time (seconds) between a trip's last pickup and its weigh ticket. A ticket later
    /// than that does not end the trip; pickups that long without a ticket are unticketed.
    /// Default 6 h.
    pub max_trip_gap_s: i64,
}

impl Default for Tolerances {
    fn default() -> Tolerances {
        Tolerances {
            balance: 0.05,
            pickup_relative: 0.25,
            pickup_absolute_grams: 5_000,
            max_trip_gap_s: 6 * 3600,
        }
    }
}

/// What the reconciliation reads: events of a window around the period asked.
#[derive(Clone, Debug)]
pub struct ChainInput<'a> {
    /// The city.
    pub model: &'a CityModel,
    /// The days to judge and balance.
    pub period: DayRange,
    /// Pickups of the loaded window (the period with some days before and after), in arrival
    /// order.
    pub pickups: Vec<Pickup>,
    /// Weigh tickets of the loaded window, in arrival order.
    pub tickets: Vec<WeighTicket>,
    /// Treatment reports overlapping the period.
    pub treatments: Vec<Treatment>,
    /// The end of the loaded window: trips still open within `max_trip_gap_s` of it are
    /// open, not unticketed.
    pub data_end: Timestamp,
    /// The first day whose put-ins will be streamed.
    pub put_ins_from: Day,
    /// Whether no put-ins exist before `put_ins_from` (a bin's first pickup then has a
    /// complete history).
    pub history_complete: bool,
    /// Tolerances.
    pub tolerances: Tolerances,
}

/// The reconciliation of one window: trips built at construction, put-ins added day by day.
pub struct Chain<'a> {
    pub(crate) model: &'a CityModel,
    pub(crate) period: DayRange,
    pub(crate) tol: Tolerances,
    pub(crate) pickups: Vec<Pickup>,
    pub(crate) tickets: Vec<WeighTicket>,
    pub(crate) treatments: Vec<Treatment>,
    pub(crate) trips: Vec<Trip>,
    /// Trip of each pickup.
    pub(crate) trip_of_pickup: Vec<u32>,
    /// Trip of each ticket, if it ends one.
    pub(crate) trip_of_ticket: Vec<Option<u32>>,
    /// Put-in grams emptied by each pickup (put-ins at its bin since the bin's previous pickup).
    pub(crate) collected: Vec<u64>,
    /// Whether that history is complete.
    pub(crate) complete: Vec<bool>,
    /// Pickups of each bin (point × category), by time: index `point * 8 + category`.
    bins: HashMap<u64, Vec<u32>>,
    /// Put-in grams per (point, category, day) within the period.
    pub(crate) put_in: HashMap<(u32, Category, Day), u64>,
    put_ins_from: Day,
    history_complete: bool,
}

fn bin_key(point: u32, category: Category) -> u64 {
    (point as u64) << 3 | category.index() as u64
}

impl<'a> Chain<'a> {
    /// Builds trips from the input's pickups and tickets.
    pub fn new(input: ChainInput<'a>) -> Chain<'a> {
        let (trips, trip_of_pickup, trip_of_ticket) = trips::assemble(
            input.model,
            &input.pickups,
            &input.tickets,
            input.data_end,
            input.tolerances.max_trip_gap_s,
        );
        let mut bins: HashMap<u64, Vec<u32>> = HashMap::default();
        for (i, p) in input.pickups.iter().enumerate() {
            bins.entry(bin_key(p.point.0, p.category))
                .or_default()
                .push(i as u32);
        }
        for list in bins.values_mut() {
            list.sort_by_key(|&i| (input.pickups[i as usize].time, i));
        }
        let n = input.pickups.len();
        let mut complete = vec![input.history_complete; n];
        for list in bins.values() {
            // A bin's first loaded pickup has a complete history only when the put-ins before
            // it were all streamed.
            for (k, &i) in list.iter().enumerate() {
                if k > 0 {
                    let prev = &input.pickups[list[k - 1] as usize];
                    complete[i as usize] = prev.time >= Timestamp::at(input.put_ins_from, 0);
                }
            }
        }
        Chain {
            model: input.model,
            period: input.period,
            tol: input.tolerances,
            pickups: input.pickups,
            tickets: input.tickets,
            treatments: input.treatments,
            trips,
            trip_of_pickup,
            trip_of_ticket,
            collected: vec![0; n],
            complete,
            bins,
            put_in: HashMap::default(),
            put_ins_from: input.put_ins_from,
            history_complete: input.history_complete,
        }
    }

    /// Adds put-ins (any order, any days from `put_ins_from` on): each is credited to the
    /// first pickup of its bin at or after it, and counted in the period's put-in weight.
    pub fn add_put_ins(&mut self, put_ins: &[PutIn]) {
        for p in put_ins {
            let day = p.time.day();
            if day < self.put_ins_from {
                continue;
            }
            if self.period.contains(day) {
                *self.put_in.entry((p.point.0, p.category, day)).or_default() += p.grams as u64;
            }
            if let Some(list) = self.bins.get(&bin_key(p.point.0, p.category)) {
                let pickups = &self.pickups;
                let k = list.partition_point(|&i| pickups[i as usize].time < p.time);
                if let Some(&i) = list.get(k) {
                    self.collected[i as usize] += p.grams as u64;
                }
            }
        }
    }

    /// The trips whose first pickup (or ticket) falls in the period.
    pub fn trips(&self) -> Vec<TripRow> {
        trips::rows(self, None)
    }

    /// The trips of the period that lifted a bin under `unit` (a trip without pickups: whose
    /// ticket's district or truck's district lies under it, or is it).
    pub fn trips_within(&self, unit: fenlei_domain::UnitId) -> Vec<TripRow> {
        trips::rows(self, Some(unit))
    }

    /// Every finding of the period, in rule order then time.
    pub fn findings(&self) -> Vec<Finding> {
        rules::findings(self)
    }

    /// The mass balance for the units of `level` (under `within`, if given), by day or month.
    pub fn balance(
        &self,
        level: fenlei_domain::Level,
        within: Option<fenlei_domain::UnitId>,
        grain: Grain,
    ) -> Vec<BalanceRow> {
        balance::rows(self, level, within, grain)
    }

    /// The period's pickups as the weighbridges weighed them: per point, day and category, the
    /// lifted weight of the pickups a weigh ticket covers and their share of it (what the
    /// `recycling_rate@3` and `resource_utilisation_rate@3` formulas read once stored).
    pub fn weighed(&self) -> Vec<Weighed> {
        balance::weighed(self)
    }

    /// The tolerances in force.
    pub fn tolerances(&self) -> Tolerances {
        self.tol
    }

    /// Whether put-ins before the first streamed day were all seen (see [`ChainInput`]).
    pub fn history_complete(&self) -> bool {
        self.history_complete
    }
}

/// Kilograms from grams, rounded to 0.1 kg, for display.
pub fn kg(grams: f64) -> f64 {
    (grams / 100.0).round() / 10.0
}
