//! Adaptive penalties: after each local search the manager records whether the result met
//! the load and the time constraints, and every so often scales each weight up when too few
//! results were feasible and down when nearly all were (Vidal et al. 2012, as in PyVRP).

use super::cost::CostEvaluator;
use super::data::SearchData;
use crate::model::MAX_DIMS;

/// How the weights follow the share of feasible results: registrations between two
/// updates, the factors up and down, and the share wanted.
#[derive(Clone, Copy)]
struct Schedule {
    every: usize,
    increase: f64,
    decrease: f64,
    target: f64,
}

/// Up to [`PYVRP_SCHEDULE_UP_TO`] clients: PyVRP 0.14's defaults. Against the schedule below,
/// on the five Gehring–Homberger 200 instances that are not solved at once (30 s, seed 0),
/// r1_2_1 4,693.1 → 4,675.6, rc1 equal, c2 1,922.1 → 1,924.1, r2 3,468.0 → 3,469.7, rc2
/// 2,799.0 → 2,802.1 (BENCHMARKS.md).
const PYVRP_SCHEDULE: Schedule = Schedule {
    every: 500,
    increase: 1.5,
    decrease: 0.9,
    target: 0.65,
};
const PYVRP_SCHEDULE_UP_TO: usize = 400;
/// Larger instances (a district's day): updates ten times as often. With PyVRP's schedule
/// the kitchen-waste day at 60 s kept 13 trucks where this one reaches 12.
const LARGE_SCHEDULE: Schedule = Schedule {
    every: 50,
    increase: 1.3,
    decrease: 0.85,
    target: 0.5,
};
/// Registrations between two weight updates while no feasible solution exists.
const HURRIED_EVERY: usize = 10;

pub(crate) struct PenaltyManager {
    pub ce: CostEvaluator,
    /// The weights the search started with.
    start: CostEvaluator,
    load_feasible: usize,
    time_feasible: usize,
    count: usize,
    min_weight: f64,
    schedule: Schedule,
    /// Registrations between two weight updates: the schedule's, fewer while the search
    /// has no feasible solution yet (see [`PenaltyManager::hurry`]).
    update_every: usize,
}

impl PenaltyManager {
    pub fn new(sd: &SearchData) -> Self {
        // Start the weights at "one unit of violation costs about one average arc".
        let p = sd.problem;
        let n = p.clients().len().max(1);
        let dist = p.distance();
        let dur = p.duration();
        let step = (n / 50).max(1);
        let (mut d_sum, mut t_sum, mut cnt) = (0f64, 0f64, 0f64);
        for i in (0..n).step_by(step) {
            for j in (0..n).step_by(step) {
                let (a, b) = (p.clients()[i].location, p.clients()[j].location);
                d_sum += dist.get(a, b) as f64;
                t_sum += dur.get(a, b) as f64;
                cnt += 1.0;
            }
        }
        let avg_dist = (d_sum / cnt.max(1.0)).max(1.0);
        let avg_dur = (t_sum / cnt.max(1.0)).max(1.0);
        let mut load = [1.0; MAX_DIMS];
        for (d, w) in load.iter_mut().enumerate().take(sd.dims) {
            let avg_demand = p.clients().iter().map(|c| c.demand[d] as f64).sum::<f64>() / n as f64;
            *w = (avg_dist / avg_demand.max(1.0)).max(0.1);
        }
        let unit = sd
            .vts
            .iter()
            .map(|v| v.unit_distance.max(1))
            .min()
            .unwrap_or(1) as f64;
        let ce = CostEvaluator {
            time_warp: unit * avg_dist / avg_dur,
            load: load.map(|w| w * unit),
            stops: unit * avg_dist,
            distance: unit,
        };
        let schedule = if n <= PYVRP_SCHEDULE_UP_TO {
            PYVRP_SCHEDULE
        } else {
            LARGE_SCHEDULE
        };
        Self {
            ce,
            start: ce,
            load_feasible: 0,
            time_feasible: 0,
            count: 0,
            min_weight: 0.01,
            schedule,
            update_every: schedule.every,
        }
    }

    /// Updates the weights every [`HURRIED_EVERY`] registrations instead of the schedule's
    /// interval while `hurry` holds (no feasible solution yet, or a fleet descent).
    pub fn hurry(&mut self, hurry: bool) {
        self.update_every = if hurry {
            HURRIED_EVERY
        } else {
            self.schedule.every
        };
    }

    /// Raises every weight that fell below its starting value back to it (a feasible search
    /// lets the weights sink far below; a descent to a smaller fleet would spend its first
    /// seconds climbing back).
    pub fn raise_to_start(&mut self) {
        let (ce, start) = (&mut self.ce, &self.start);
        ce.time_warp = ce.time_warp.max(start.time_warp);
        ce.stops = ce.stops.max(start.stops);
        ce.distance = ce.distance.max(start.distance);
        for (w, s) in ce.load.iter_mut().zip(start.load) {
            *w = w.max(s);
        }
    }

    /// Records one local-search result; returns true when the weights changed.
    pub fn register(&mut self, load_ok: bool, time_ok: bool) -> bool {
        self.count += 1;
        self.load_feasible += usize::from(load_ok);
        self.time_feasible += usize::from(time_ok);
        if self.count < self.update_every {
            return false;
        }
        let sc = self.schedule;
        let adjust = |w: f64, share: f64, min: f64| {
            if share < sc.target - 0.05 {
                (w * sc.increase).min(1e9)
            } else if share > sc.target + 0.05 {
                (w * sc.decrease).max(min)
            } else {
                w
            }
        };
        let load_share = self.load_feasible as f64 / self.count as f64;
        let time_share = self.time_feasible as f64 / self.count as f64;
        let min = self.min_weight;
        for w in &mut self.ce.load {
            *w = adjust(*w, load_share, min);
        }
        self.ce.stops = adjust(self.ce.stops, load_share, min);
        self.ce.time_warp = adjust(self.ce.time_warp, time_share, min);
        self.ce.distance = adjust(self.ce.distance, time_share, min);
        self.count = 0;
        self.load_feasible = 0;
        self.time_feasible = 0;
        true
    }
}
