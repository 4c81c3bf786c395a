//! Penalised route cost: fixed + distance + duration cost plus weighted violations (time
//! warp, excess load per trip and per day, excess stops and distance). The search may visit
//! infeasible solutions; the weights make it pay for doing so.

use super::data::SearchData;
use super::segment::Seg;
use crate::model::MAX_DIMS;

/// Penalty weights per unit of violation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CostEvaluator {
    pub time_warp: f64,
    pub load: [f64; MAX_DIMS],
    pub stops: f64,
    pub distance: f64,
}

/// Violations of one complete route.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Violations {
    pub time_warp: i64,
    pub load: [i64; MAX_DIMS],
    pub stops: i64,
    pub distance: i64,
}

impl Violations {
    pub fn is_feasible(&self) -> bool {
        self.time_warp == 0
            && self.stops == 0
            && self.distance == 0
            && self.load.iter().all(|&x| x == 0)
    }
    pub fn load_ok(&self) -> bool {
        self.load.iter().all(|&x| x == 0) && self.stops == 0
    }
}

impl CostEvaluator {
    /// Violations and plain cost of a complete route segment of vehicle type `vt`.
    #[inline(always)]
    pub fn measure(sd: &SearchData, vt: usize, seg: &Seg) -> (i64, Violations) {
        let v = &sd.vts[vt];
        let ctx = sd.ctx(vt);
        let time = seg.time(&ctx);
        let mut viol = Violations {
            time_warp: time.time_warp + (time.duration - v.max_duration).max(0),
            stops: (seg.clients as i64 - v.max_stops).max(0),
            distance: (seg.distance - v.max_distance).max(0),
            ..Violations::default()
        };
        for d in 0..sd.dims {
            viol.load[d] = seg.load_excess(d, v.capacity[d], v.end_empty)
                + (seg.load[d].total - v.max_daily[d]).max(0);
        }
        let cost = v.fixed + v.unit_distance * seg.distance + v.unit_duration * time.duration;
        (cost, viol)
    }

    /// Penalised cost of a complete route segment; an empty route costs nothing.
    #[inline(always)]
    pub fn route_cost(&self, sd: &SearchData, vt: usize, seg: &Seg) -> i64 {
        if seg.clients == 0 {
            return 0;
        }
        let (cost, viol) = Self::measure(sd, vt, seg);
        cost + self.penalty(&viol)
    }

    /// Weighted violations.
    #[inline(always)]
    pub fn penalty(&self, viol: &Violations) -> i64 {
        let mut p = self.time_warp * viol.time_warp as f64
            + self.stops * viol.stops as f64
            + self.distance * viol.distance as f64;
        for d in 0..MAX_DIMS {
            p += self.load[d] * viol.load[d] as f64;
        }
        p as i64
    }

    /// A lower bound on the penalised cost of a route with the given distance and clients
    /// (penalties and duration cost are never negative).
    #[inline(always)]
    pub fn lower_bound(sd: &SearchData, vt: usize, distance: i64, clients: usize) -> i64 {
        if clients == 0 {
            0
        } else {
            let v = &sd.vts[vt];
            v.fixed + v.unit_distance * distance
        }
    }

    /// Scaled copy (stronger penalties to push a solution to feasibility).
    pub fn boosted(&self, factor: f64) -> Self {
        let mut out = *self;
        out.time_warp *= factor;
        out.stops *= factor;
        out.distance *= factor;
        for w in &mut out.load {
            *w *= factor;
        }
        out
    }
}
