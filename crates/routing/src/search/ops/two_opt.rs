//! 2-opt inside one route: reverse the stretch after `u` up to and including `v`.

use super::NodeOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Pos, State};

/// Intra-route segment reversal.
pub(crate) struct TwoOpt;

impl NodeOp for TwoOpt {
    fn name(&self) -> &'static str {
        "2opt"
    }

    fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, u: Pos, v: Pos) -> i64 {
        if u.route != v.route || v.idx <= u.idx + 1 {
            return 0;
        }
        let r = &st.routes[u.route];
        if v.idx + 1 >= r.len() {
            return 0;
        }
        let ctx = sd.ctx(r.vt);
        let (p, s) = (&r.prefix[u.idx], &r.suffix[v.idx + 1]);
        // Matrices need not be symmetric, so the reversed stretch's distance is summed anew.
        let (mut rev_dist, mut rev_first, mut rev_last) = (0, u32::MAX, u32::MAX);
        for k in (u.idx + 1..=v.idx).rev() {
            let node = r.nodes[k];
            let loc = sd.node_loc[node as usize];
            if loc == u32::MAX {
                continue;
            }
            if rev_last != u32::MAX {
                rev_dist += ctx.distance(rev_last, loc);
            } else {
                rev_first = loc;
            }
            rev_last = loc;
        }
        let d = p.distance
            + rev_dist
            + s.distance
            + ctx.distance(p.last, rev_first)
            + ctx.distance(rev_last, s.first);
        let bound = CostEvaluator::lower_bound(sd, r.vt, d, r.clients) - r.cost;
        if bound >= 0 {
            return bound;
        }
        let rev = r.reversed(sd, &ctx, u.idx + 1, v.idx);
        ce.cost3(sd, r.vt, &ctx, p, &rev, s) - r.cost
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, v: Pos) -> [usize; 2] {
        st.routes[u.route].nodes[u.idx + 1..=v.idx].reverse();
        [u.route, u.route]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ops::testkit::verify_node_op;

    /// Every improving delta equals the checker's cost change after the move.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        let verified = verify_node_op(&mut TwoOpt);
        assert!(verified > 20, "only {verified} improving moves verified");
    }
}
