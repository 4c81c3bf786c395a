//! SWAP* (Vidal 2022, as in PyVRP): exchange a client `U` of one route with a client `V` of
//! another, where each goes to its best place in the other route rather than into the
//! other's old position.
//!
//! Pricing, per route pair: every client's removal cost and its three cheapest insertion
//! places in the other route are computed once from cached prefix and suffix segments
//! (O(1) each, with a distance-only bound that skips places that cannot make the top
//! three; kept per route version). In a long route (the district's days have 60+ stops a
//! truck) only the places next to the client's granular neighbours are priced, and a client
//! with no neighbour in the other route is not moved there. A pair `(U, V)` is then priced
//! in O(1): removal of both, plus `U`'s best cached
//! place in `V`'s route that is not next to `V` (or `V`'s own place), and the same for
//! `V`. A pair's estimate stops as soon as it cannot be negative and below the best pair's.
//! Cached places were priced with the other client still in the route, so this is an
//! estimate; the best estimated pair is priced exactly by gluing segments, and that exact
//! delta is what [`SwapStar::evaluate`] returns.

use super::RouteOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Route, State};
use crate::search::segment::{Ctx, Seg};

/// One of a client's cheapest insertion places: after `after`, at penalised cost `delta`.
#[derive(Clone, Copy, Debug)]
struct Place {
    delta: i64,
    after: usize,
}

/// The three cheapest insertion places of one client in one route (cheapest first).
#[derive(Clone, Copy, Debug)]
struct Top3([Option<Place>; 3]);

impl Top3 {
    const EMPTY: Top3 = Top3([None; 3]);

    fn worst(&self) -> i64 {
        self.0[2].map_or(i64::MAX, |p| p.delta)
    }

    fn offer(&mut self, place: Place) {
        let mut p = Some(place);
        for slot in &mut self.0 {
            if slot.is_none_or(|s| p.is_some_and(|p| p.delta < s.delta)) {
                std::mem::swap(slot, &mut p);
                if p.is_none() {
                    return;
                }
            }
        }
    }
}

/// The move found by the last evaluation: `U` at `u_idx` of route `ru` goes after
/// `u_after` of route `rv`; `V` at `v_idx` of `rv` goes after `v_after` of `ru` (indices
/// in the routes as they are before the move).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Planned {
    ru: usize,
    rv: usize,
    u_idx: usize,
    v_idx: usize,
    u_after: usize,
    v_after: usize,
}

/// SWAP* between two routes.
#[derive(Default)]
pub(crate) struct SwapStar {
    planned: Option<Planned>,
    /// Per position of the first route: removal cost, and top three places in the second.
    removal_u: Vec<i64>,
    top_u: Vec<Top3>,
    removal_v: Vec<i64>,
    top_v: Vec<Top3>,
    /// Positions of the clients of each route worth moving (with a place in the other).
    cand_u: Vec<usize>,
    cand_v: Vec<usize>,
    /// Per `client * routes + route`: the client's top places in that route, under the
    /// last two sets of weights (the search alternates between normal and boosted ones).
    cache: Vec<[Cached; 2]>,
}

/// A client's top three places in one route, valid for that route's `version` priced
/// under `weights`.
#[derive(Clone, Copy)]
struct Cached {
    version: u64,
    weights: CostEvaluator,
    top: Top3,
}

/// Penalised cost change of removing the client at `idx` from `route`.
fn removal_cost(sd: &SearchData, ce: &CostEvaluator, ctx: &Ctx, route: &Route, idx: usize) -> i64 {
    ce.cost2(
        sd,
        route.vt,
        ctx,
        &route.prefix[idx - 1],
        &route.suffix[idx + 1],
    ) - route.cost
}

/// Routes longer than this are priced only next to the client's granular neighbours.
const SCAN_ALL_UP_TO: usize = 40;

/// The three cheapest places to insert `node` into route `r`: every place of a short route,
/// else the places before and after the client's granular neighbours in it (none if it has
/// none there).
fn top_places(
    sd: &SearchData,
    st: &State,
    ce: &CostEvaluator,
    ctx: &Ctx,
    r: usize,
    node: u32,
) -> Top3 {
    let route = &st.routes[r];
    let seg = &sd.node_seg[node as usize];
    let whole = route.whole().distance;
    let mut top = Top3::EMPTY;
    let mut consider = |after: usize| {
        let (p, s) = (&route.prefix[after], &route.suffix[after + 1]);
        let added = ctx.distance(p.last, seg.first) + ctx.distance(seg.last, s.first)
            - ctx.distance(p.last, s.first);
        // Penalties and duration costs only add to the distance change.
        let bound =
            CostEvaluator::lower_bound(sd, route.vt, whole + added, route.clients + 1) - route.cost;
        if bound >= top.worst() || top.0.iter().flatten().any(|p| p.after == after) {
            return;
        }
        top.offer(Place {
            delta: ce.cost3(sd, route.vt, ctx, p, seg, s) - route.cost,
            after,
        });
    };
    if route.len() <= SCAN_ALL_UP_TO {
        (0..route.len() - 1).for_each(&mut consider);
    } else {
        for &w in &sd.neighbours[node as usize] {
            if let Some(p) = st.pos(w)
                && p.route == r
            {
                consider(p.idx - 1);
                consider(p.idx);
            }
        }
    }
    top
}

/// Best estimated place for `node` (cheapest cached places `top`) in `route` once the
/// client at `gone` (removal cost `removal`) has left: a cached place not next to `gone`, or
/// `gone`'s own place, priced exactly when its distance bound can beat the cached one and
/// `below`. Only estimates under `below` matter to the caller: the result is exact when it
/// is under `below`, and otherwise at least `below`.
#[allow(clippy::too_many_arguments)]
fn best_place_without(
    sd: &SearchData,
    ce: &CostEvaluator,
    ctx: &Ctx,
    route: &Route,
    top: &Top3,
    node: u32,
    gone: usize,
    removal: i64,
    below: i64,
) -> (i64, usize) {
    let mut best = (i64::MAX, gone - 1);
    if let Some(p) = top
        .0
        .iter()
        .flatten()
        .find(|p| p.after != gone && p.after + 1 != gone)
    {
        best = (p.delta, p.after);
    }
    let (prev, next) = (&route.prefix[gone - 1], &route.suffix[gone + 1]);
    let seg = &sd.node_seg[node as usize];
    let old = sd.node_seg[route.nodes[gone] as usize].first;
    let distance =
        route.whole().distance - ctx.distance(prev.last, old) - ctx.distance(old, next.first)
            + ctx.distance(prev.last, seg.first)
            + ctx.distance(seg.last, next.first);
    // Relative to the route without `gone`, whose cost is `route.cost + removal`.
    let without = route.cost + removal;
    let bound = CostEvaluator::lower_bound(sd, route.vt, distance, route.clients) - without;
    if bound < best.0.min(below) {
        let delta = ce.cost3(sd, route.vt, ctx, prev, seg, next) - without;
        if delta < best.0 {
            best = (delta, gone - 1);
        }
    }
    best
}

/// Segment of `route` with the client at `gone` removed and `node` inserted after `after`
/// (`after == gone - 1` puts it in `gone`'s place).
fn rebuilt(sd: &SearchData, ctx: &Ctx, route: &Route, gone: usize, node: u32, after: usize) -> Seg {
    let seg = &sd.node_seg[node as usize];
    if after + 1 == gone {
        route.prefix[gone - 1]
            .then(seg, ctx)
            .then(&route.suffix[gone + 1], ctx)
    } else if after < gone {
        route.prefix[after]
            .then(seg, ctx)
            .then(&route.between(sd, ctx, after + 1, gone - 1), ctx)
            .then(&route.suffix[gone + 1], ctx)
    } else {
        route.prefix[gone - 1]
            .then(&route.between(sd, ctx, gone + 1, after), ctx)
            .then(seg, ctx)
            .then(&route.suffix[after + 1], ctx)
    }
}

impl SwapStar {
    /// Removal costs of the clients of route `from` and their top places in route `into`
    /// (from the cache where still current).
    fn prepare(
        &mut self,
        sd: &SearchData,
        st: &State,
        ce: &CostEvaluator,
        from: usize,
        into: usize,
        first: bool,
    ) {
        let n_routes = st.routes.len();
        if self.cache.len() != sd.n_clients * n_routes {
            let empty = Cached {
                version: 0,
                weights: *ce,
                top: Top3::EMPTY,
            };
            self.cache = vec![[empty; 2]; sd.n_clients * n_routes];
        }
        let (from_route, into_route) = (&st.routes[from], &st.routes[into]);
        let (ctx_from, ctx_into) = (sd.ctx(from_route.vt), sd.ctx(into_route.vt));
        let (removal, top, cand) = if first {
            (&mut self.removal_u, &mut self.top_u, &mut self.cand_u)
        } else {
            (&mut self.removal_v, &mut self.top_v, &mut self.cand_v)
        };
        removal.clear();
        top.clear();
        cand.clear();
        removal.resize(from_route.len(), 0);
        top.resize(from_route.len(), Top3::EMPTY);
        for i in 1..from_route.len() - 1 {
            let node = from_route.nodes[i];
            if !sd.is_client(node) {
                continue;
            }
            let slots = &mut self.cache[node as usize * n_routes + into];
            let current = |c: &Cached| c.version == into_route.version && c.weights == *ce;
            top[i] = if current(&slots[0]) {
                slots[0].top
            } else if current(&slots[1]) {
                slots[1].top
            } else {
                // The slot priced under the same weights is stale; else replace the older.
                let k = usize::from(slots[1].weights == *ce || slots[1].version < slots[0].version);
                slots[k] = Cached {
                    version: into_route.version,
                    weights: *ce,
                    top: top_places(sd, st, ce, &ctx_into, into, node),
                };
                slots[k].top
            };
            if top[i].0[0].is_some() {
                removal[i] = removal_cost(sd, ce, &ctx_from, from_route, i);
                cand.push(i);
            }
        }
    }
}

impl RouteOp for SwapStar {
    fn name(&self) -> &'static str {
        "swap*"
    }

    /// Exact cost change of the best SWAP* between used routes `ru` and `rv` (found by the
    /// estimate above); non-negative when none improves. `apply` performs it.
    fn evaluate(
        &mut self,
        sd: &SearchData,
        st: &State,
        ce: &CostEvaluator,
        ru: usize,
        rv: usize,
    ) -> i64 {
        self.planned = None;
        let (a, b) = (&st.routes[ru], &st.routes[rv]);
        if ru == rv || a.clients == 0 || b.clients == 0 {
            return 0;
        }
        let (ctx_a, ctx_b) = (sd.ctx(a.vt), sd.ctx(b.vt));
        self.prepare(sd, st, ce, ru, rv, true);
        self.prepare(sd, st, ce, rv, ru, false);
        let mut best: Option<(i64, Planned)> = None;
        for &i in &self.cand_u {
            for &k in &self.cand_v {
                // Only estimates under `limit` matter: negative, and better than the best.
                let limit = best.map_or(0, |(d, _)| d.min(0));
                let mut delta = self.removal_u[i] + self.removal_v[k];
                if delta >= limit {
                    continue;
                }
                let (into_b, u_after) = best_place_without(
                    sd,
                    ce,
                    &ctx_b,
                    b,
                    &self.top_u[i],
                    a.nodes[i],
                    k,
                    self.removal_v[k],
                    limit - delta,
                );
                delta += into_b;
                if delta >= limit {
                    continue;
                }
                let (into_a, v_after) = best_place_without(
                    sd,
                    ce,
                    &ctx_a,
                    a,
                    &self.top_v[k],
                    b.nodes[k],
                    i,
                    self.removal_u[i],
                    limit - delta,
                );
                delta += into_a;
                if delta < limit {
                    best = Some((
                        delta,
                        Planned {
                            ru,
                            rv,
                            u_idx: i,
                            v_idx: k,
                            u_after,
                            v_after,
                        },
                    ));
                }
            }
        }
        let Some((estimate, plan)) = best else {
            return 0;
        };
        if estimate >= 0 {
            return 0;
        }
        let new_a = rebuilt(sd, &ctx_a, a, plan.u_idx, b.nodes[plan.v_idx], plan.v_after);
        let new_b = rebuilt(sd, &ctx_b, b, plan.v_idx, a.nodes[plan.u_idx], plan.u_after);
        let exact =
            ce.route_cost(sd, a.vt, &new_a) + ce.route_cost(sd, b.vt, &new_b) - a.cost - b.cost;
        if exact < 0 {
            self.planned = Some(plan);
        }
        exact
    }

    /// Performs the move of the last improving evaluation; returns the two routes.
    fn apply(&mut self, st: &mut State) -> [usize; 2] {
        let p = self
            .planned
            .take()
            .expect("apply follows an improving evaluate");
        let u = st.routes[p.ru].nodes[p.u_idx];
        let v = st.routes[p.rv].nodes[p.v_idx];
        for (r, gone, node, after) in [(p.ru, p.u_idx, v, p.v_after), (p.rv, p.v_idx, u, p.u_after)]
        {
            let nodes = &mut st.routes[r].nodes;
            if after + 1 == gone {
                nodes[gone] = node;
            } else {
                nodes.remove(gone);
                let at = if after < gone { after + 1 } else { after };
                nodes.insert(at, node);
            }
        }
        [p.ru, p.rv]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ops::testkit::verify_route_op;

    /// Every improving delta equals the checker's cost change after the move.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        let verified = verify_route_op(&mut SwapStar::default());
        assert!(verified > 20, "only {verified} improving moves verified");
    }
}
