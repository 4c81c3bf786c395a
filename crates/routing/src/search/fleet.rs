//! Fleet minimisation by route elimination with an ejection pool (after Nagata & Bräysy
//! 2009, simplified): take one route's clients into a pool, and put them back one at a time
//! into the remaining routes, only ever keeping every route feasible. A client that fits
//! nowhere is inserted anyway at the place where ejecting one or two other clients restores
//! feasibility at the least "difficulty" (how often those clients have failed before); the
//! ejected clients join the pool. The route is gone when the pool is empty.

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::local_search::LocalSearch;
use super::ops::route_removal::RouteRemoval;
use super::route::{Pos, State};
use super::segment::Seg;
use crate::rng::Rng;

/// True when the route given by `nodes` (vehicle type `vt`) breaks no constraint.
fn feasible_nodes(sd: &SearchData, vt: usize, nodes: &[u32]) -> Option<i64> {
    let ctx = sd.ctx(vt);
    let mut seg = Seg::EMPTY;
    for &n in nodes {
        seg = seg.then(&sd.node_seg[n as usize], &ctx);
    }
    let (cost, viol) = CostEvaluator::measure(sd, vt, &seg);
    viol.is_feasible().then_some(cost)
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
    for step in 0..max_steps {
        let Some(c) = pool.pop_front() else {
            return Some(st);
        };
        if step % 16 == 0 && deadline.is_some_and(|d| std::time::Instant::now() >= d) {
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
        // Insert with ejection of one or two clients from the same route.
        let mut best: Option<(u64, i64, usize, Vec<u32>)> = None;
        for (r, route) in st.routes.iter().enumerate() {
            if route.clients == 0 {
                continue;
            }
            for idx in 0..route.len() - 1 {
                let mut with_c = route.nodes.clone();
                with_c.insert(idx + 1, c);
                let clients: Vec<usize> = (1..with_c.len() - 1)
                    .filter(|&k| sd.is_client(with_c[k]) && with_c[k] != c)
                    .collect();
                for (a_i, &a) in clients.iter().enumerate() {
                    let score_a = failures[with_c[a] as usize] as u64;
                    if best.as_ref().is_some_and(|b| score_a > b.0) {
                        continue;
                    }
                    let mut one = with_c.clone();
                    one.remove(a);
                    if let Some(cost) = feasible_nodes(sd, route.vt, &one) {
                        if best.as_ref().is_none_or(|b| (score_a, cost) < (b.0, b.1)) {
                            best = Some((score_a, cost, r, one));
                        }
                        continue;
                    }
                    for &b in &clients[a_i + 1..] {
                        let score = score_a + failures[with_c[b] as usize] as u64;
                        if best.as_ref().is_some_and(|x| score >= x.0) {
                            continue;
                        }
                        let mut two = with_c.clone();
                        two.remove(b);
                        two.remove(a);
                        if let Some(cost) = feasible_nodes(sd, route.vt, &two) {
                            best = Some((score, cost, r, two));
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
