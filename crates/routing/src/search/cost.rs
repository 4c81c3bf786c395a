//! Penalised route cost: fixed + distance + duration cost plus weighted violations (time
//! warp, excess load per trip and per day, excess stops and distance). The search may visit
//! infeasible solutions; the weights make it pay for doing so.

use super::data::SearchData;
use super::segment::{Ctx, NO_LOC, Seg, Tw, unbounded_excess};
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
    /// Every violation summed in its own unit (seconds, load units, stops, distance): a
    /// crude size, for telling whether a repair makes progress.
    pub fn total(&self) -> i64 {
        self.time_warp + self.stops + self.distance + self.load.iter().sum::<i64>()
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
        let mut load = [0; MAX_DIMS];
        for (d, l) in load.iter_mut().enumerate().take(sd.dims) {
            *l = seg.load_excess(d, v.capacity[d], v.end_empty)
                + (seg.load[d].total - v.max_daily[d]).max(0);
        }
        let time = seg.time(&sd.ctx(vt));
        Self::assess(sd, vt, seg.distance, seg.clients, &time, load)
    }

    /// Plain cost and violations of a route of type `vt` from its distance, clients, time
    /// segment and load violations per dimension.
    #[inline(always)]
    fn assess(
        sd: &SearchData,
        vt: usize,
        distance: i64,
        clients: u32,
        time: &Tw,
        load: [i64; MAX_DIMS],
    ) -> (i64, Violations) {
        let v = &sd.vts[vt];
        let viol = Violations {
            time_warp: time.time_warp + (time.duration - v.max_duration).max(0),
            stops: (clients as i64 - v.max_stops).max(0),
            distance: (distance - v.max_distance).max(0),
            load,
        };
        let cost = v.fixed + v.unit_distance * distance + v.unit_duration * time.duration;
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

    /// Penalised cost of the complete route `a` then `b`: the same as
    /// `route_cost(a.then(b))`, cheaper for plain parts (see [`Self::cost3`]).
    #[inline(always)]
    pub fn cost2(&self, sd: &SearchData, vt: usize, ctx: &Ctx, a: &Seg, b: &Seg) -> i64 {
        if !plain(a) || !plain(b) {
            return self.route_cost(sd, vt, &a.then(b, ctx));
        }
        let time = a.closed.then(&b.closed, ctx.travel(a.last, b.first));
        let distance = a.distance + b.distance + ctx.distance(a.last, b.first);
        let mut load = [0; MAX_DIMS];
        for (d, l) in load.iter_mut().enumerate().take(ctx.dims) {
            *l = a.load[d].head + b.load[d].head;
        }
        self.plain_cost(sd, vt, distance, a.clients + b.clients, &time, &load)
    }

    /// Penalised cost of the complete route `a` then `b` then `c`: the same as
    /// `route_cost(a.then(b).then(c))`. When no part holds a trip boundary or a pending break
    /// (plain VRPTW routes, most of the search's pricing) only the parts' time windows,
    /// distances and loads are folded instead of whole segments (Gehring–Homberger r1_2_1,
    /// 3,000 iterations: 5.5 s → 5.0 s with the same result).
    #[inline(always)]
    pub fn cost3(&self, sd: &SearchData, vt: usize, ctx: &Ctx, a: &Seg, b: &Seg, c: &Seg) -> i64 {
        if !plain(a) || !plain(b) || !plain(c) {
            return self.route_cost(sd, vt, &a.then(b, ctx).then(c, ctx));
        }
        let time = a
            .closed
            .then(&b.closed, ctx.travel(a.last, b.first))
            .then(&c.closed, ctx.travel(b.last, c.first));
        let distance = a.distance
            + b.distance
            + c.distance
            + ctx.distance(a.last, b.first)
            + ctx.distance(b.last, c.first);
        let mut load = [0; MAX_DIMS];
        for (d, l) in load.iter_mut().enumerate().take(ctx.dims) {
            *l = a.load[d].head + b.load[d].head + c.load[d].head;
        }
        let clients = a.clients + b.clients + c.clients;
        self.plain_cost(sd, vt, distance, clients, &time, &load)
    }

    /// Penalised cost of a complete route without trip boundaries from its distance,
    /// clients, time segment and load per dimension ([`Self::route_cost`] for that case).
    #[inline(always)]
    fn plain_cost(
        &self,
        sd: &SearchData,
        vt: usize,
        distance: i64,
        clients: u32,
        time: &Tw,
        load: &[i64; MAX_DIMS],
    ) -> i64 {
        if clients == 0 {
            return 0;
        }
        let v = &sd.vts[vt];
        let mut over = [0; MAX_DIMS];
        for (d, o) in over.iter_mut().enumerate().take(sd.dims) {
            *o = unbounded_excess(load[d], v.capacity[d], v.end_empty)
                + (load[d] - v.max_daily[d]).max(0);
        }
        let (cost, viol) = Self::assess(sd, vt, distance, clients, time, over);
        cost + self.penalty(&viol)
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

/// A non-empty segment without trip boundaries that does not start with a pending break: its
/// `closed` part is all of it, so [`CostEvaluator::cost2`] and [`CostEvaluator::cost3`] may
/// fold time windows directly.
#[inline(always)]
fn plain(s: &Seg) -> bool {
    !s.bounded && !s.has_lead && s.first != NO_LOC
}

#[cfg(test)]
mod tests {
    use crate::rng::Rng;
    use crate::search::data::SearchData;
    use crate::search::ops::testkit::{WEIGHTS, problems, random_solution};
    use crate::search::route::State;

    /// `cost2` and `cost3` equal gluing whole segments for every split of random routes of
    /// plain and waste problems (trips, breaks, facilities), where the fast path applies and
    /// where it does not.
    #[test]
    fn cost2_and_cost3_equal_glued_cost() {
        let mut checked = 0;
        for seed in 0..20 {
            for p in problems(seed) {
                let sd = SearchData::new(&p);
                let mut rng = Rng::new(seed);
                let st = State::load(&sd, &WEIGHTS, &random_solution(&p, &mut rng));
                for r in st.routes.iter().filter(|r| r.clients > 0) {
                    let ctx = sd.ctx(r.vt);
                    for i in 0..r.len() - 1 {
                        let (a, c) = (&r.prefix[i], &r.suffix[i + 1]);
                        let glued = WEIGHTS.route_cost(&sd, r.vt, &a.then(c, &ctx));
                        assert_eq!(WEIGHTS.cost2(&sd, r.vt, &ctx, a, c), glued);
                        for j in i + 1..r.len() - 1 {
                            let b = r.between(&sd, &ctx, i + 1, j);
                            let c = &r.suffix[j + 1];
                            let glued =
                                WEIGHTS.route_cost(&sd, r.vt, &a.then(&b, &ctx).then(c, &ctx));
                            assert_eq!(WEIGHTS.cost3(&sd, r.vt, &ctx, a, &b, c), glued);
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} splits checked");
    }
}
