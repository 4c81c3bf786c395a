//! Relocate: move a chain of 1–3 consecutive clients starting at `u` to right after `v`,
//! optionally reversed (the reversed variant is PyVRP's "move two clients reversed").

use super::{NodeOp, client_chain};
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Pos, State};

/// Relocate of `len` clients.
pub(crate) struct Relocate {
    pub len: usize,
    pub reverse: bool,
}

impl NodeOp for Relocate {
    fn name(&self) -> &'static str {
        match (self.len, self.reverse) {
            (1, _) => "relocate1",
            (2, false) => "relocate2",
            (2, true) => "relocate2r",
            (3, false) => "relocate3",
            _ => "relocate3r",
        }
    }

    fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, u: Pos, v: Pos) -> i64 {
        let ru = &st.routes[u.route];
        let rv = &st.routes[v.route];
        let (i, j) = (u.idx, u.idx + self.len - 1);
        if v.idx + 1 >= rv.len() || j + 1 >= ru.len() {
            return 0;
        }
        if !ru.nodes[i..=j].iter().all(|&x| sd.is_client(x)) {
            return 0;
        }
        let same = u.route == v.route;
        if same && v.idx + 1 >= i && v.idx <= j {
            return 0;
        }
        // Distance-only bound first: penalties and duration cost can only add to it.
        let ctx_u = sd.ctx(ru.vt);
        let (head, tail) = (
            sd.node_loc[ru.nodes[i] as usize],
            sd.node_loc[ru.nodes[j] as usize],
        );
        let (first, last, chain_dist) = if self.reverse {
            let d: i64 = (i..j).map(|k| sd.dist(ru.nodes[k + 1], ru.nodes[k])).sum();
            (tail, head, d)
        } else {
            (head, tail, ru.prefix[j].distance - ru.prefix[i].distance)
        };
        let (a, b) = (ru.prefix[i - 1].last, ru.suffix[j + 1].first);
        let (x, y) = (rv.prefix[v.idx].last, rv.suffix[v.idx + 1].first);
        let removed = ctx_u.distance(a, b)
            - ctx_u.distance(a, head)
            - ctx_u.distance(tail, b)
            - (ru.prefix[j].distance - ru.prefix[i].distance);
        let added =
            ctx_u.distance(x, first) + chain_dist + ctx_u.distance(last, y) - ctx_u.distance(x, y);
        if same {
            let d = ru.whole().distance + removed + added;
            if CostEvaluator::lower_bound(sd, ru.vt, d, ru.clients) - ru.cost >= 0 {
                return 1;
            }
        } else {
            let bound = CostEvaluator::lower_bound(
                sd,
                ru.vt,
                ru.whole().distance + removed,
                ru.clients - self.len,
            ) + CostEvaluator::lower_bound(
                sd,
                rv.vt,
                rv.whole().distance + added,
                rv.clients + self.len,
            ) - ru.cost
                - rv.cost;
            if bound >= 0 {
                return bound;
            }
        }
        let Some(chain) = client_chain(sd, &ctx_u, ru, i, self.len, self.reverse) else {
            return 0;
        };
        if !same {
            let ctx_v = sd.ctx(rv.vt);
            let (before, after) = (&rv.prefix[v.idx], &rv.suffix[v.idx + 1]);
            return ce.cost2(sd, ru.vt, &ctx_u, &ru.prefix[i - 1], &ru.suffix[j + 1])
                + ce.cost3(sd, rv.vt, &ctx_v, before, &chain, after)
                - ru.cost
                - rv.cost;
        }
        let seg = if v.idx < i {
            ru.prefix[v.idx]
                .then(&chain, &ctx_u)
                .then(&ru.between(sd, &ctx_u, v.idx + 1, i - 1), &ctx_u)
                .then(&ru.suffix[j + 1], &ctx_u)
        } else {
            ru.prefix[i - 1]
                .then(&ru.between(sd, &ctx_u, j + 1, v.idx), &ctx_u)
                .then(&chain, &ctx_u)
                .then(&ru.suffix[v.idx + 1], &ctx_u)
        };
        ce.route_cost(sd, ru.vt, &seg) - ru.cost
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, v: Pos) -> [usize; 2] {
        let mut chain: Vec<u32> = st.routes[u.route]
            .nodes
            .drain(u.idx..u.idx + self.len)
            .collect();
        if self.reverse {
            chain.reverse();
        }
        let at = if u.route == v.route && v.idx > u.idx {
            v.idx + 1 - self.len
        } else {
            v.idx + 1
        };
        let target = &mut st.routes[v.route].nodes;
        target.splice(at..at, chain);
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
        for (len, reverse) in [(1, false), (2, false), (2, true), (3, false), (3, true)] {
            let verified = verify_node_op(&mut Relocate { len, reverse });
            assert!(
                verified > 20,
                "only {verified} improving moves verified for {len}/{reverse}"
            );
        }
    }
}
