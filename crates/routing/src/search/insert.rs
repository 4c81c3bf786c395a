//! Cheapest insertion of one client: the primitive behind construction, perturbation
//! repair and route removal.

use super::cost::CostEvaluator;
use super::data::SearchData;
use super::route::{Pos, State};

/// Cost change of inserting client `node` right after `after`.
#[inline]
pub(crate) fn insertion_delta(
    sd: &SearchData,
    st: &State,
    ce: &CostEvaluator,
    node: u32,
    after: Pos,
) -> i64 {
    let r = &st.routes[after.route];
    let ctx = sd.ctx(r.vt);
    let seg = &sd.node_seg[node as usize];
    let (before, rest) = (&r.prefix[after.idx], &r.suffix[after.idx + 1]);
    ce.cost3(sd, r.vt, &ctx, before, seg, rest) - r.cost
}

/// Where to look for insertion places.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// After each routed granular neighbour and after the depot of their routes.
    Neighbours,
    /// Every position of every used route.
    Everywhere,
}

/// Best place to insert `node`: among `scope`, plus the first empty vehicle of each type when
/// `allow_empty`. Returns `None` only if no place exists at all.
pub(crate) fn best_insertion(
    sd: &SearchData,
    st: &State,
    ce: &CostEvaluator,
    node: u32,
    scope: Scope,
    allow_empty: bool,
) -> Option<(i64, Pos)> {
    let mut best: Option<(i64, Pos)> = None;
    fn consider(best: &mut Option<(i64, Pos)>, delta: i64, pos: Pos) {
        if best.is_none_or(|(b, _)| delta < b) {
            *best = Some((delta, pos));
        }
    }
    match scope {
        Scope::Neighbours => {
            for &v in &sd.neighbours[node as usize] {
                if let Some(p) = st.pos(v) {
                    consider(&mut best, insertion_delta(sd, st, ce, node, p), p);
                    let before = Pos {
                        route: p.route,
                        idx: p.idx - 1,
                    };
                    consider(&mut best, insertion_delta(sd, st, ce, node, before), before);
                }
            }
        }
        Scope::Everywhere => {
            for (r, route) in st.routes.iter().enumerate() {
                if route.clients == 0 {
                    continue;
                }
                for idx in 0..route.len() - 1 {
                    let p = Pos { route: r, idx };
                    consider(&mut best, insertion_delta(sd, st, ce, node, p), p);
                }
            }
        }
    }
    if best.is_none() && !allow_empty && scope == Scope::Neighbours {
        // No neighbour is routed (a perturbation took them all out) and no vehicle may be
        // opened: any place in the used routes, rather than a vehicle the fleet must not use.
        return best_insertion(sd, st, ce, node, Scope::Everywhere, false);
    }
    if allow_empty || best.is_none() {
        for route in st.first_empty_of_each_type(sd) {
            let p = Pos { route, idx: 0 };
            consider(&mut best, insertion_delta(sd, st, ce, node, p), p);
        }
    }
    if best.is_none() {
        // Every vehicle is used and no neighbour is routed: fall back to any route.
        for (r, route) in st.routes.iter().enumerate() {
            let p = Pos {
                route: r,
                idx: route.len() - 2,
            };
            consider(&mut best, insertion_delta(sd, st, ce, node, p), p);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::search::ops::testkit::{WEIGHTS, problems, random_solution};

    /// A client none of whose neighbours is routed goes into a used route when no vehicle
    /// may be opened (a fleet descent's perturbation once opened one here), and into an empty
    /// vehicle only when that is allowed or nothing else exists.
    #[test]
    fn no_vehicle_is_opened_when_forbidden() {
        for seed in 0..4 {
            for p in problems(seed) {
                let mut sd = SearchData::new(&p);
                let mut rng = Rng::new(seed);
                let mut st = State::load(&sd, &WEIGHTS, &random_solution(&p, &mut rng));
                let c = rng.below(sd.n_clients) as u32;
                // A granular neighbourhood smaller than the instance, as on large ones.
                sd.neighbours[c as usize].truncate(3);
                let mut out = vec![c];
                out.extend(sd.neighbours[c as usize].iter().copied());
                for &v in &out {
                    if let Some(pos) = st.pos(v) {
                        st.remove(&sd, &WEIGHTS, pos);
                    }
                }
                assert!(st.vehicles() > 0);
                let (_, pos) = best_insertion(&sd, &st, &WEIGHTS, c, Scope::Neighbours, false)
                    .expect("a used route takes it");
                assert!(st.routes[pos.route].clients > 0, "opened a vehicle");
                let empty = st.routes.iter().any(|r| r.clients == 0);
                let (_, pos) = best_insertion(&sd, &st, &WEIGHTS, c, Scope::Neighbours, true)
                    .expect("somewhere");
                assert_eq!(st.routes[pos.route].clients == 0, empty);
            }
        }
    }
}
