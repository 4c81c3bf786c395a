//! SWAP* (Vidal 2022, as in PyVRP): exchange a client `U` of one route with a client `V` of
//! another, where each goes to its best place in the other route rather than into the
//! other's old position.
//!
//! Pricing, per route pair: every client's removal cost and its three cheapest insertion
//! places in the other route are computed once from cached prefix and suffix segments
//! (O(1) each, with a distance-only bound that skips places that cannot make the top
//! three). A pair `(U, V)` is then priced in O(1): removal of both, plus `U`'s best cached
//! place in `V`'s route that is not next to `V` (or `V`'s own place), and the same for
//! `V`. Cached places were priced with the other client still in the route, so this is an
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
}

/// Penalised cost change of removing the client at `idx` from `route`.
fn removal_cost(sd: &SearchData, ce: &CostEvaluator, ctx: &Ctx, route: &Route, idx: usize) -> i64 {
    let seg = route.prefix[idx - 1].then(&route.suffix[idx + 1], ctx);
    ce.route_cost(sd, route.vt, &seg) - route.cost
}

/// The three cheapest places to insert `node` into `route`.
fn top_places(sd: &SearchData, ce: &CostEvaluator, ctx: &Ctx, route: &Route, node: u32) -> Top3 {
    let seg = &sd.node_seg[node as usize];
    let whole = route.whole().distance;
    let mut top = Top3::EMPTY;
    for after in 0..route.len() - 1 {
        let (p, s) = (&route.prefix[after], &route.suffix[after + 1]);
        let added = ctx.distance(p.last, seg.first) + ctx.distance(seg.last, s.first)
            - ctx.distance(p.last, s.first);
        // Penalties and duration costs only add to the distance change.
        let bound =
            CostEvaluator::lower_bound(sd, route.vt, whole + added, route.clients + 1) - route.cost;
        if bound >= top.worst() {
            continue;
        }
        let full = p.then(seg, ctx).then(s, ctx);
        top.offer(Place {
            delta: ce.route_cost(sd, route.vt, &full) - route.cost,
            after,
        });
    }
    top
}

/// Best estimated place for the client with places `top` in the route where the client at
/// `gone` leaves: a cached place not next to `gone`, or `gone`'s own place (priced exactly).
fn best_place_without(
    sd: &SearchData,
    ce: &CostEvaluator,
    ctx: &Ctx,
    route: &Route,
    top: &Top3,
    node: u32,
    gone: usize,
) -> (i64, usize) {
    let in_place = route.prefix[gone - 1]
        .then(&sd.node_seg[node as usize], ctx)
        .then(&route.suffix[gone + 1], ctx);
    let mut best = (
        ce.route_cost(sd, route.vt, &in_place)
            - route.cost
            - removal_cost(sd, ce, ctx, route, gone),
        gone - 1,
    );
    for p in top.0.iter().flatten() {
        if p.after != gone && p.after + 1 != gone {
            if p.delta < best.0 {
                best = (p.delta, p.after);
            }
            break;
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
    /// Removal costs of `from`'s clients and their top places in `into`.
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        sd: &SearchData,
        ce: &CostEvaluator,
        ctx_from: &Ctx,
        from: &Route,
        ctx_into: &Ctx,
        into: &Route,
        removal: &mut Vec<i64>,
        top: &mut Vec<Top3>,
    ) {
        removal.clear();
        top.clear();
        removal.resize(from.len(), 0);
        top.resize(from.len(), Top3::EMPTY);
        for i in 1..from.len() - 1 {
            let node = from.nodes[i];
            if sd.is_client(node) {
                removal[i] = removal_cost(sd, ce, ctx_from, from, i);
                top[i] = top_places(sd, ce, ctx_into, into, node);
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
        Self::prepare(
            sd,
            ce,
            &ctx_a,
            a,
            &ctx_b,
            b,
            &mut self.removal_u,
            &mut self.top_u,
        );
        Self::prepare(
            sd,
            ce,
            &ctx_b,
            b,
            &ctx_a,
            a,
            &mut self.removal_v,
            &mut self.top_v,
        );
        let mut best: Option<(i64, Planned)> = None;
        for i in 1..a.len() - 1 {
            if !sd.is_client(a.nodes[i]) {
                continue;
            }
            for k in 1..b.len() - 1 {
                if !sd.is_client(b.nodes[k]) {
                    continue;
                }
                let mut delta = self.removal_u[i] + self.removal_v[k];
                if delta >= 0 {
                    continue;
                }
                let (into_b, u_after) =
                    best_place_without(sd, ce, &ctx_b, b, &self.top_u[i], a.nodes[i], k);
                delta += into_b;
                if delta >= 0 {
                    continue;
                }
                let (into_a, v_after) =
                    best_place_without(sd, ce, &ctx_a, a, &self.top_v[k], b.nodes[k], i);
                delta += into_a;
                if best.is_none_or(|(d, _)| delta < d) {
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
