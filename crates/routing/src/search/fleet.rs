//! Fleet minimisation by route elimination with an ejection pool (after Nagata & Bräysy
//! 2009, simplified): take one route's clients into a pool, and put them back one at a time
//! into the remaining routes, only ever keeping every route feasible. A client that fits
//! nowhere is inserted anyway at the place where ejecting one or two other clients restores
//! feasibility at the least "difficulty" (how often those clients have failed before); the
//! ejected clients join the pool. The route is gone when the pool is empty.
//!
//! On large instances (a district's day of ~1,000 points) one pool step costs too much;
//! there [`drop_routes`] starts a penalised descent instead: some routes' clients go to
//! their cheapest places in the others whatever that breaks, and the search goes on with no
//! vehicle to open, under penalties that rise until the smaller fleet is feasible. The first
//! descent aims straight at one vehicle above the lower bound, later ones at one fewer.

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::insert::{Scope, best_insertion};
use super::local_search::LocalSearch;
use super::ops::route_removal::RouteRemoval;
use super::route::{Pos, State};
use crate::rng::Rng;

/// Ejection candidates lie at most this many positions from the insertion point.
const EJECT_WINDOW: usize = 6;

/// Fewest vehicles the daily and per-trip limits allow (single vehicle type), if known.
pub(crate) fn vehicle_lower_bound(sd: &SearchData) -> usize {
    if sd.vts.len() != 1 {
        return 1;
    }
    let v = &sd.vts[0];
    let mut bound = 1;
    for d in 0..sd.dims {
        let total: i64 = sd.problem.clients().iter().map(|c| c.demand[d]).sum();
        let per_vehicle = if v.facilities.is_empty() {
            v.capacity[d]
        } else {
            v.max_daily[d]
        };
        if per_vehicle > 0 {
            bound = bound.max(((total + per_vehicle - 1) / per_vehicle) as usize);
        }
    }
    bound
}

/// Instances up to this many clients reduce their fleet with the ejection pool.
pub(crate) const EJECTION_POOL_UP_TO: usize = 300;

/// `st` with at most `target` used routes: one of the three smallest routes at a time goes,
/// its clients to their cheapest places (under `ce`) in the other used routes, feasible or
/// not.
pub(crate) fn drop_routes(
    sd: &SearchData,
    st: &State,
    ce: &CostEvaluator,
    rng: &mut Rng,
    target: usize,
) -> State {
    let mut st = st.clone();
    while st.vehicles() > target.max(1) {
        drop_route(sd, &mut st, ce, rng);
    }
    st
}

fn drop_route(sd: &SearchData, st: &mut State, ce: &CostEvaluator, rng: &mut Rng) {
    let mut used: Vec<usize> = (0..st.routes.len())
        .filter(|&r| st.routes[r].clients > 0)
        .collect();
    used.sort_by_key(|&r| (st.routes[r].clients, r));
    used.truncate(3);
    let victim = used[rng.below(used.len())];
    let nodes = std::mem::take(&mut st.routes[victim].nodes);
    let v = &sd.vts[st.routes[victim].vt];
    st.routes[victim].nodes = std::iter::once(v.start)
        .chain(v.lunch)
        .chain([v.end])
        .collect();
    st.refresh(sd, ce, victim);
    let mut clients: Vec<u32> = nodes.into_iter().filter(|&c| sd.is_client(c)).collect();
    for &c in &clients {
        st.place[c as usize] = super::route::UNROUTED;
    }
    rng.shuffle(&mut clients);
    for c in clients {
        if let Some((_, pos)) = best_insertion(sd, st, ce, c, Scope::Everywhere, false) {
            st.insert_after(sd, ce, c, pos);
        }
    }
}

/// Cheapest feasible insertion of `c` into a used route.
fn feasible_insertion(sd: &SearchData, st: &State, c: u32) -> Option<(i64, Pos)> {
    let seg_c = &sd.node_seg[c as usize];
    let mut best: Option<(i64, Pos)> = None;
    for (r, route) in st.routes.iter().enumerate() {
        if route.clients == 0 {
            continue;
        }
        let ctx = sd.ctx(route.vt);
        let (old_cost, _) = CostEvaluator::measure(sd, route.vt, route.whole());
        for idx in 0..route.len() - 1 {
            let (p, s) = (&route.prefix[idx], &route.suffix[idx + 1]);
            let d = p.distance
                + s.distance
                + ctx.distance(p.last, seg_c.first)
                + ctx.distance(seg_c.last, s.first)
                - route.whole().distance;
            if best.is_some_and(|(b, _)| d * sd.vts[route.vt].unit_distance >= b) {
                continue;
            }
            let seg = p.then(seg_c, &ctx).then(s, &ctx);
            let (cost, viol) = CostEvaluator::measure(sd, route.vt, &seg);
            if viol.is_feasible() && best.is_none_or(|(b, _)| cost - old_cost < b) {
                best = Some((cost - old_cost, Pos { route: r, idx }));
            }
        }
    }
    best
}

/// Tries to remove one used route from the feasible solution `st`; returns the smaller
/// feasible solution, or `None` when `max_steps` pool steps were not enough.
pub(crate) fn eliminate_route(
    sd: &SearchData,
    st: &State,
    ls: &mut LocalSearch,
    rng: &mut Rng,
    max_steps: usize,
    deadline: Option<std::time::Instant>,
) -> Option<State> {
    // Strict evaluator: any violation dwarfs distance, so local search keeps feasibility.
    let strict = CostEvaluator {
        time_warp: 1e7,
        load: [1e7; crate::model::MAX_DIMS],
        stops: 1e9,
        distance: 1e7,
    };
    let mut st = st.clone();
    st.reprice(sd, &strict);
    let used: Vec<usize> = (0..st.routes.len())
        .filter(|&r| st.routes[r].clients > 0)
        .collect();
    if used.len() < 2 {
        return None;
    }
    // Victim: among the three smallest routes, a random one (ties to structure matter less
    // than variety across attempts).
    let mut smallest = used.clone();
    smallest.sort_by_key(|&r| (st.routes[r].clients, r));
    smallest.truncate(3);
    let victim = smallest[rng.below(smallest.len())];
    // Quick win first: greedy reinsertion that happens to stay feasible.
    let mut removal = RouteRemoval::default();
    removal.evaluate(sd, &st, &strict, victim);
    let mut greedy = st.clone();
    removal.apply(&mut greedy);
    if greedy.vehicles() < st.vehicles() && greedy.is_feasible(sd) {
        return Some(greedy);
    }
    let mut pool: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
    let nodes = std::mem::take(&mut st.routes[victim].nodes);
    let vt = st.routes[victim].vt;
    for &n in &nodes {
        if sd.is_client(n) {
            pool.push_back(n);
            st.place[n as usize] = super::route::UNROUTED;
        }
    }
    let v = &sd.vts[vt];
    st.routes[victim].nodes = std::iter::once(v.start)
        .chain(v.lunch)
        .chain([v.end])
        .collect();
    st.refresh(sd, &strict, victim);
    ls.allow_empty = false;

    let mut failures = vec![1u32; sd.n_clients];
    for _ in 0..max_steps {
        let Some(c) = pool.pop_front() else {
            return Some(st);
        };
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return None;
        }
        if let Some((_, pos)) = feasible_insertion(sd, &st, c) {
            st.insert_after(sd, &strict, c, pos);
            ls.touch(pos.route);
            ls.mark_around(sd, &st, c);
            ls.search(sd, &mut st, &strict, rng);
            continue;
        }
        failures[c as usize] += 1;
        // Insert with ejection of one or two clients of the same route, near the insertion
        // point (a window keeps long routes affordable).
        let mut best: Option<(u64, i64, usize, Vec<u32>)> = None;
        for (r, route) in st.routes.iter().enumerate() {
            if route.clients == 0 {
                continue;
            }
            let ctx = sd.ctx(route.vt);
            let len = route.len();
            for idx in 0..len - 1 {
                let lo = idx.saturating_sub(EJECT_WINDOW).max(1);
                let hi = (idx + EJECT_WINDOW).min(len - 2);
                if lo > hi {
                    continue;
                }
                let window: Vec<usize> = (lo..=hi)
                    .filter(|&k| sd.is_client(route.nodes[k]))
                    .collect();
                // Route with c after idx and the given window positions left out.
                let evaluate = |skip: &[usize]| -> Option<i64> {
                    let mut seg = route.prefix[lo - 1];
                    if idx < lo {
                        seg = seg.then(&sd.node_seg[c as usize], &ctx);
                    }
                    for k in lo..=hi {
                        if !skip.contains(&k) {
                            seg = seg.then(&sd.node_seg[route.nodes[k] as usize], &ctx);
                        }
                        if k == idx {
                            seg = seg.then(&sd.node_seg[c as usize], &ctx);
                        }
                    }
                    seg = seg.then(&route.suffix[hi + 1], &ctx);
                    let (cost, viol) = CostEvaluator::measure(sd, route.vt, &seg);
                    viol.is_feasible().then_some(cost)
                };
                let build = |skip: &[usize]| -> Vec<u32> {
                    let mut nodes = Vec::with_capacity(len);
                    for (k, &n) in route.nodes.iter().enumerate() {
                        if !skip.contains(&k) {
                            nodes.push(n);
                        }
                        if k == idx {
                            nodes.push(c);
                        }
                    }
                    nodes
                };
                for (a_i, &a) in window.iter().enumerate() {
                    let score_a = failures[route.nodes[a] as usize] as u64;
                    if best.as_ref().is_some_and(|b| score_a > b.0) {
                        continue;
                    }
                    if let Some(cost) = evaluate(&[a]) {
                        if best.as_ref().is_none_or(|b| (score_a, cost) < (b.0, b.1)) {
                            best = Some((score_a, cost, r, build(&[a])));
                        }
                        continue;
                    }
                    for &b in &window[a_i + 1..] {
                        let score = score_a + failures[route.nodes[b] as usize] as u64;
                        if best.as_ref().is_some_and(|x| score >= x.0) {
                            continue;
                        }
                        if let Some(cost) = evaluate(&[a, b]) {
                            best = Some((score, cost, r, build(&[a, b])));
                        }
                    }
                }
            }
        }
        match best {
            Some((_, _, r, nodes)) => {
                let kept: std::collections::HashSet<u32> = nodes.iter().copied().collect();
                let ejected: Vec<u32> = st.routes[r]
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&n| sd.is_client(n) && !kept.contains(&n))
                    .collect();
                for &e in &ejected {
                    st.place[e as usize] = super::route::UNROUTED;
                    pool.push_back(e);
                }
                st.routes[r].nodes = nodes;
                st.refresh(sd, &strict, r);
                ls.touch(r);
                ls.mark_around(sd, &st, c);
                ls.search(sd, &mut st, &strict, rng);
            }
            None => pool.push_back(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ops::testkit::{WEIGHTS, problems, random_solution};

    /// Dropping routes leaves at most the target in use, every client routed once, and the
    /// cached costs true.
    #[test]
    fn dropped_routes_leave_every_client_routed() {
        for seed in 0..4 {
            for p in problems(seed) {
                let sd = SearchData::new(&p);
                let mut rng = Rng::new(seed);
                let st = State::load(&sd, &WEIGHTS, &random_solution(&p, &mut rng));
                let before = st.vehicles();
                let smaller = drop_routes(&sd, &st, &WEIGHTS, &mut rng, before - 1);
                assert_eq!(smaller.vehicles(), before - 1);
                assert!(
                    smaller
                        .place
                        .iter()
                        .all(|&p| p != super::super::route::UNROUTED)
                );
                let report = crate::check(&p, &smaller.export(&sd));
                assert!(report.errors.is_empty(), "{:?}", report.errors);
                let one = drop_routes(&sd, &st, &WEIGHTS, &mut rng, 1);
                assert_eq!(one.vehicles(), 1);
            }
        }
    }
}
