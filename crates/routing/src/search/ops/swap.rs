//! Swap: exchange a chain of `n` clients starting at `u` with a chain of `m` clients starting
//! at `v` (1 ≤ m ≤ n ≤ 3), between routes or inside one route.

use super::{NodeOp, client_chain};
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Pos, State};

/// Swap of an `n`-chain with an `m`-chain.
pub(crate) struct Swap {
    pub n: usize,
    pub m: usize,
}

impl NodeOp for Swap {
    fn name(&self) -> &'static str {
        match (self.n, self.m) {
            (1, 1) => "swap11",
            (2, 1) => "swap21",
            (2, 2) => "swap22",
            (3, 1) => "swap31",
            (3, 2) => "swap32",
            _ => "swap33",
        }
    }

    fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, u: Pos, v: Pos) -> i64 {
        let ru = &st.routes[u.route];
        let rv = &st.routes[v.route];
        let (i, j) = (u.idx, u.idx + self.n - 1);
        let (k, l) = (v.idx, v.idx + self.m - 1);
        if i == 0 || k == 0 || j + 1 >= ru.len() || l + 1 >= rv.len() {
            return 0;
        }
        if !ru.nodes[i..=j].iter().all(|&x| sd.is_client(x))
            || !rv.nodes[k..=l].iter().all(|&x| sd.is_client(x))
        {
            return 0;
        }
        let ctx_u = sd.ctx(ru.vt);
        let ctx_v = sd.ctx(rv.vt);
        if u.route != v.route {
            let loc = |r: &crate::search::route::Route, p: usize| sd.node_loc[r.nodes[p] as usize];
            let (cu_first, cu_last) = (loc(ru, i), loc(ru, j));
            let (cv_first, cv_last) = (loc(rv, k), loc(rv, l));
            let cu_dist = ru.prefix[j].distance - ru.prefix[i].distance;
            let cv_dist = rv.prefix[l].distance - rv.prefix[k].distance;
            let (pu, su) = (&ru.prefix[i - 1], &ru.suffix[j + 1]);
            let (pv, sv) = (&rv.prefix[k - 1], &rv.suffix[l + 1]);
            let du = pu.distance
                + cv_dist
                + su.distance
                + ctx_u.distance(pu.last, cv_first)
                + ctx_u.distance(cv_last, su.first);
            let dv = pv.distance
                + cu_dist
                + sv.distance
                + ctx_v.distance(pv.last, cu_first)
                + ctx_v.distance(cu_last, sv.first);
            let bound = CostEvaluator::lower_bound(sd, ru.vt, du, ru.clients + self.m - self.n)
                + CostEvaluator::lower_bound(sd, rv.vt, dv, rv.clients + self.n - self.m)
                - ru.cost
                - rv.cost;
            if bound >= 0 {
                return bound;
            }
            let Some(cu) = client_chain(sd, &ctx_u, ru, i, self.n, false) else {
                return 0;
            };
            let Some(cv) = client_chain(sd, &ctx_v, rv, k, self.m, false) else {
                return 0;
            };
            return ce.cost3(sd, ru.vt, &ctx_u, pu, &cv, su)
                + ce.cost3(sd, rv.vt, &ctx_v, pv, &cu, sv)
                - ru.cost
                - rv.cost;
        }
        // Same route: the two chains must not overlap.
        let (first, first_len, second, second_len) = if i < k {
            (i, self.n, k, self.m)
        } else {
            (k, self.m, i, self.n)
        };
        if first + first_len > second {
            return 0;
        }
        let loc = |p: usize| sd.node_loc[ru.nodes[p] as usize];
        let (f1, fl, s1, sl) = (
            loc(first),
            loc(first + first_len - 1),
            loc(second),
            loc(second + second_len - 1),
        );
        let a = ru.prefix[first - 1].last;
        let d = ru.suffix[second + second_len].first;
        let dist = |x: u32, y: u32| ctx_u.distance(x, y);
        let change = if first + first_len == second {
            dist(a, s1) + dist(sl, f1) + dist(fl, d) - dist(a, f1) - dist(fl, s1) - dist(sl, d)
        } else {
            let b = ru.suffix[first + first_len].first;
            let c = ru.prefix[second - 1].last;
            dist(a, s1) + dist(sl, b) + dist(c, f1) + dist(fl, d)
                - dist(a, f1)
                - dist(fl, b)
                - dist(c, s1)
                - dist(sl, d)
        };
        if CostEvaluator::lower_bound(sd, ru.vt, ru.whole().distance + change, ru.clients) - ru.cost
            >= 0
        {
            return 1;
        }
        let first_seg = ru.between(sd, &ctx_u, first, first + first_len - 1);
        let second_seg = ru.between(sd, &ctx_u, second, second + second_len - 1);
        let mut seg = ru.prefix[first - 1].then(&second_seg, &ctx_u);
        if first + first_len < second {
            seg = seg.then(
                &ru.between(sd, &ctx_u, first + first_len, second - 1),
                &ctx_u,
            );
        }
        let seg = seg
            .then(&first_seg, &ctx_u)
            .then(&ru.suffix[second + second_len], &ctx_u);
        ce.route_cost(sd, ru.vt, &seg) - ru.cost
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, v: Pos) -> [usize; 2] {
        if u.route != v.route {
            let cu: Vec<u32> = st.routes[u.route].nodes[u.idx..u.idx + self.n].to_vec();
            let cv: Vec<u32> = st.routes[v.route].nodes[v.idx..v.idx + self.m].to_vec();
            st.routes[u.route].nodes.splice(u.idx..u.idx + self.n, cv);
            st.routes[v.route].nodes.splice(v.idx..v.idx + self.m, cu);
        } else {
            let nodes = &mut st.routes[u.route].nodes;
            let (first, first_len, second, second_len) = if u.idx < v.idx {
                (u.idx, self.n, v.idx, self.m)
            } else {
                (v.idx, self.m, u.idx, self.n)
            };
            let mut rebuilt: Vec<u32> = nodes[second..second + second_len].to_vec();
            rebuilt.extend_from_slice(&nodes[first + first_len..second]);
            rebuilt.extend_from_slice(&nodes[first..first + first_len]);
            nodes.splice(first..second + second_len, rebuilt);
        }
        [u.route, v.route]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ops::testkit::verify_node_op;

    /// Every improving delta equals the checker's cost change after the move.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        for (n, m) in [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)] {
            let verified = verify_node_op(&mut Swap { n, m });
            assert!(
                verified > 20,
                "only {verified} improving moves verified for {n}/{m}"
            );
        }
    }
}
