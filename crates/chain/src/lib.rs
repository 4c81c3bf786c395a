//! The collection chain, reconciled: what households put in, what trucks lifted, what the
//! weighbridges ticketed and what the plants report having treated.
//!
//! Pure logic over validated events and the city model; no IO. The caller (the app) fills a
//! [`ChainInput`] from the store, streams the put-ins into the [`Chain`] — as records
//! ([`Chain::add_put_ins`]), or as bare weights day by day through one [`Tally`] per thread
//! ([`Chain::tally`], [`Chain::absorb`]) —, and asks for
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
    Category, CityModel, Day, DayRange, Pickup, PutIn, Timestamp, Treatment, UnitId, WeighTicket,
};
use foldhash::HashMap;

pub use balance::{BalanceRow, Gap, Grain};
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
    /// Pickups of each bin, by time.
    bins: Bins,
    /// Put-in grams per (point, category, day) within the period, as the tallies credited
    /// them: a key may appear more than once (a day streamed twice, or by two tallies), so
    /// readers sum. Kept as a list: a city month holds millions, and only the balance reads
    /// them, summed straight to the level it was asked for.
    pub(crate) put_in: Vec<((u32, Category, Day), u64)>,
    put_ins_from: Day,
    history_complete: bool,
}

/// Categories a bin index makes room for (every category, not only the four bins).
const CATEGORIES: usize = Category::ALL.len();

/// The pickups of each bin (a unit × category), by time and arrival, indexed densely: units
/// `lo..hi` (the collection points, and any unit a pickup names) times the categories.
struct Bins {
    lo: usize,
    hi: usize,
    /// Bin `b`'s pickups are entries `offsets[b]..offsets[b + 1]`.
    offsets: Vec<u32>,
    /// Each entry's time…
    times: Vec<Timestamp>,
    /// …and pickup.
    pickups: Vec<u32>,
}

impl Bins {
    fn build(model: &CityModel, pickups: &[Pickup]) -> Bins {
        let points = model
            .units
            .iter()
            .filter(|u| u.level == fenlei_domain::Level::Point)
            .map(|u| u.id.0 as usize);
        let named = pickups.iter().map(|p| p.point.0 as usize);
        let lo = points.clone().chain(named.clone()).min().unwrap_or(0);
        let hi = points.chain(named).map(|u| u + 1).max().unwrap_or(0);
        let n = (hi - lo) * CATEGORIES;
        let bin = |p: &Pickup| (p.point.0 as usize - lo) * CATEGORIES + p.category.index();
        let mut offsets = vec![0u32; n + 1];
        for p in pickups {
            offsets[bin(p) + 1] += 1;
        }
        for b in 0..n {
            offsets[b + 1] += offsets[b];
        }
        let mut order: Vec<u32> = (0..pickups.len() as u32).collect();
        order.sort_by_key(|&i| {
            let p = &pickups[i as usize];
            (bin(p), p.time, i)
        });
        Bins {
            lo,
            hi,
            offsets,
            times: order.iter().map(|&i| pickups[i as usize].time).collect(),
            pickups: order,
        }
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The bin of a unit and category, if any pickup could be at it.
    #[inline]
    fn of(&self, point: UnitId, category: Category) -> Option<usize> {
        let u = point.0 as usize;
        (u >= self.lo && u < self.hi).then(|| (u - self.lo) * CATEGORIES + category.index())
    }

    /// The unit and category of a bin.
    fn unit_category(&self, b: usize) -> (u32, Category) {
        (
            (self.lo + b / CATEGORIES) as u32,
            Category::ALL[b % CATEGORIES],
        )
    }

    /// Pickups of bin `b`.
    fn entries(&self, b: usize) -> std::ops::Range<usize> {
        self.offsets[b] as usize..self.offsets[b + 1] as usize
    }
}

/// Put-ins credited by one thread (see [`Chain::tally`]): streamed a day at a time, each
/// credited to the first pickup of its bin at or after it and counted in the period's put-in
/// weight. Given back to the chain with [`Chain::absorb`].
pub struct Tally<'c> {
    bins: &'c Bins,
    period: DayRange,
    put_ins_from: Day,
    /// Put-in grams credited to each entry of the bins (in bin order, not the pickups': a
    /// bin's entries lie together).
    collected: Vec<u64>,
    /// The day being streamed, and whether it counts (at or after `put_ins_from`).
    day: Option<(Day, bool)>,
    day_start: Timestamp,
    /// Per bin: its first entry at or after the day's start, and its end.
    first: Vec<(u32, u32)>,
    /// Per bin: the day's put-in grams × 2, plus 1 once any put-in was seen.
    grams: Vec<u64>,
    /// Per (point, category, day) of the period: put-in grams.
    put_in: Vec<(Day, Vec<(u32, u64)>)>,
    /// Per bin: whether the day's bin-day was split by a pickup (see [`Tally::add_bin_day`]).
    split: Vec<bool>,
    /// Put-ins at units outside the bins (none come from a valid store).
    elsewhere: HashMap<(u32, Category, Day), u64>,
}

impl Tally<'_> {
    /// Starts streaming `day`'s put-ins (a day may be streamed more than once).
    pub fn begin_day(&mut self, day: Day) {
        if self.day.is_some_and(|(d, _)| d == day) {
            return;
        }
        self.end_day();
        let counts = day >= self.put_ins_from;
        self.day = Some((day, counts));
        self.day_start = Timestamp::at(day, 0);
        if !counts {
            return;
        }
        let start = self.day_start;
        let bins = self.bins;
        self.first.clear();
        self.first.extend((0..bins.len()).map(|b| {
            let r = bins.entries(b);
            let end = r.end as u32;
            (
                (r.start + bins.times[r].partition_point(|&t| t < start)) as u32,
                end,
            )
        }));
        self.grams.clear();
        if self.period.contains(day) {
            self.grams.resize(bins.len(), 0);
        }
        self.split.clear();
    }

    fn end_day(&mut self) {
        let Some((day, true)) = self.day.take() else {
            return;
        };
        if !self.period.contains(day) {
            return;
        }
        let list = (self.grams.iter().enumerate())
            .filter(|(_, g)| **g != 0)
            .map(|(b, g)| (b as u32, g >> 1))
            .collect();
        self.put_in.push((day, list));
    }

    /// Adds one put-in of the day begun: at `second` of it, at `point`, in the bin of
    /// `category`, of `grams`.
    #[inline]
    pub fn add(&mut self, second: u32, point: UnitId, category: Category, grams: u32) {
        if let Some(b) = self.count(point, category, grams as u64) {
            self.credit(b, second, grams as u64);
        }
    }

    /// Adds the day's put-ins of one bin at once, from their sum and span (a
    /// [`fenlei_domain::BinDay`] kept by the store), the same as adding each with [`Self::add`]
    /// when no pickup of the bin falls within the span. Returns false when one does (the
    /// bin-day is split between two pickups): then only the weight was counted, and the
    /// bin's put-ins must be credited one by one with [`Self::add_to_split`].
    pub fn add_bin_day(&mut self, b: &fenlei_domain::BinDay) -> bool {
        let Some(bin) = self.count(b.point, b.category, b.grams) else {
            return true;
        };
        let first = self.entry_at(bin, b.first_second);
        if first != self.entry_at(bin, b.last_second) {
            if self.split.is_empty() {
                self.split.resize(self.bins.len(), false);
            }
            self.split[bin] = true;
            return false;
        }
        if first < self.first[bin].1 as usize {
            self.collected[first] += b.grams;
        }
        true
    }

    /// Credits one put-in of the day begun if its bin-day was split ([`Self::add_bin_day`]
    /// returned false for it); does nothing otherwise.
    #[inline]
    pub fn add_to_split(&mut self, second: u32, point: UnitId, category: Category, grams: u32) {
        if let Some(b) = self.bins.of(point, category)
            && self.split.get(b).copied().unwrap_or(false)
        {
            self.credit(b, second, grams as u64);
        }
    }

    /// Counts `grams` put in at a bin on the day begun (towards the period's put-in weight);
    /// returns the bin, or `None` when the day does not count or the unit has no bin.
    #[inline]
    fn count(&mut self, point: UnitId, category: Category, grams: u64) -> Option<usize> {
        let Some((day, counts)) = self.day else {
            panic!("Tally::add before Tally::begin_day");
        };
        if !counts {
            return None;
        }
        let Some(b) = self.bins.of(point, category) else {
            if self.period.contains(day) {
                *self.elsewhere.entry((point.0, category, day)).or_default() += grams;
            }
            return None;
        };
        if let Some(g) = self.grams.get_mut(b) {
            *g = (*g + (grams << 1)) | 1;
        }
        Some(b)
    }

    /// The entry of bin `b` that empties a put-in made at `second` of the day begun: its
    /// first pickup at or after it (the bin's end when none).
    #[inline]
    fn entry_at(&self, b: usize, second: u32) -> usize {
        let time = Timestamp(self.day_start.0 + second as i64);
        let (first, end) = self.first[b];
        let (mut k, end) = (first as usize, end as usize);
        while k < end && self.bins.times[k] < time {
            k += 1;
        }
        k
    }

    /// Credits a put-in of `grams` at `second` to the pickup that emptied it.
    #[inline]
    fn credit(&mut self, b: usize, second: u32, grams: u64) {
        let k = self.entry_at(b, second);
        if k < self.first[b].1 as usize {
            self.collected[k] += grams;
        }
    }

    /// Adds a put-in record (of any day).
    pub fn add_put_in(&mut self, p: &PutIn) {
        self.begin_day(p.time.day());
        self.add(p.time.second_of_day(), p.point, p.category, p.grams);
    }

    /// What this tally credited, for [`Chain::absorb`].
    pub fn finish(mut self) -> Credits {
        self.end_day();
        let bins = self.bins;
        let put_in = (self.put_in.into_iter())
            .flat_map(|(day, list)| {
                list.into_iter().map(move |(b, g)| {
                    let (point, category) = bins.unit_category(b as usize);
                    ((point, category, day), g)
                })
            })
            .chain(self.elsewhere)
            .collect();
        Credits {
            collected: self.collected,
            put_in,
        }
    }
}

/// The put-ins one [`Tally`] credited.
pub struct Credits {
    /// Per entry of the bins (not yet per pickup).
    collected: Vec<u64>,
    put_in: Vec<((u32, Category, Day), u64)>,
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
        let bins = Bins::build(input.model, &input.pickups);
        let n = input.pickups.len();
        let mut complete = vec![input.history_complete; n];
        let streamed_from = Timestamp::at(input.put_ins_from, 0);
        for b in 0..bins.len() {
            // A bin's first loaded pickup has a complete history only when the put-ins before
            // it were all streamed.
            let r = bins.entries(b);
            for k in r.start + 1..r.end {
                complete[bins.pickups[k] as usize] = bins.times[k - 1] >= streamed_from;
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
            put_in: Vec::new(),
            put_ins_from: input.put_ins_from,
            history_complete: input.history_complete,
        }
    }

    /// Adds put-ins (any order, any days from `put_ins_from` on): each is credited to the
    /// first pickup of its bin at or after it, and counted in the period's put-in weight.
    pub fn add_put_ins(&mut self, put_ins: &[PutIn]) {
        let mut tally = self.tally();
        for p in put_ins {
            tally.add_put_in(p);
        }
        let credits = tally.finish();
        self.absorb(credits);
    }

    /// A tally to stream put-ins into, a day at a time ([`Tally::begin_day`], [`Tally::add`]);
    /// several may run at once (one per thread, on different days), each given back with
    /// [`Self::absorb`]. The same as [`Self::add_put_ins`] with the days' records.
    pub fn tally(&self) -> Tally<'_> {
        Tally {
            bins: &self.bins,
            period: self.period,
            put_ins_from: self.put_ins_from,
            collected: vec![0; self.pickups.len()],
            day: None,
            day_start: Timestamp(0),
            first: Vec::new(),
            grams: Vec::new(),
            put_in: Vec::new(),
            split: Vec::new(),
            elsewhere: HashMap::default(),
        }
    }

    /// The first day whose put-ins can change anything: put-ins before the period count
    /// only towards a bin's first pickup in the period (and only when its history is
    /// complete), so only back to the bin's previous pickup. Streaming from this day on gives
    /// the same trips, findings and balance as streaming from `put_ins_from`.
    pub fn first_day_needed(&self) -> Day {
        let start = Timestamp::at(self.period.from, 0);
        let bins = &self.bins;
        let mut first = self.period.from;
        for b in 0..bins.len() {
            let r = bins.entries(b);
            let times = &bins.times[r.clone()];
            let k = times.partition_point(|&t| t < start);
            let Some(&i) = bins.pickups[r].get(k) else {
                continue;
            };
            let i = i as usize;
            if self.period.contains(self.pickups[i].time.day()) && self.complete[i] {
                first = first.min(match k {
                    0 => self.put_ins_from,
                    _ => times[k - 1].day(),
                });
            }
        }
        first.max(self.put_ins_from)
    }

    /// Adds what a [`Tally`] credited.
    pub fn absorb(&mut self, credits: Credits) {
        self.absorb_all([credits]);
    }

    /// Adds what several tallies credited.
    pub fn absorb_all(&mut self, credits: impl IntoIterator<Item = Credits>) {
        let credits: Vec<Credits> = credits.into_iter().collect();
        self.put_in
            .reserve(credits.iter().map(|c| c.put_in.len()).sum());
        for c in credits {
            for (&i, x) in self.bins.pickups.iter().zip(c.collected) {
                self.collected[i as usize] += x;
            }
            self.put_in.extend(c.put_in);
        }
    }

    /// The trips whose first pickup (or ticket) falls in the period.
    pub fn trips(&self) -> Vec<TripRow> {
        trips::rows(self, None)
    }

    /// The trips of the period that lifted a bin under `unit` (a trip without pickups: whose
    /// ticket's district or truck's district lies under it, or is it).
    pub fn trips_within(&self, unit: UnitId) -> Vec<TripRow> {
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
        within: Option<UnitId>,
        grain: Grain,
    ) -> Vec<BalanceRow> {
        balance::rows(self, level, within, grain)
    }

    /// The period's pickups as the weighbridges weighed them: per point, day and category, the
    /// lifted weight of the pickups a weigh ticket covers and their share of it (what the
    /// `recycling_rate@3` and `resource_utilisation_rate@3` formulas read once stored).
    pub fn weighed(&self) -> Vec<fenlei_domain::PointWeighed> {
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
