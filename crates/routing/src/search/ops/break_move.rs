//! Break move: put a route's break at its best position (all positions are tried, O(n)
//! glues with the cached prefixes and suffixes).

use super::NodeOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Pos, State};

/// Move the break of `u`'s route; `u.idx` is ignored.
#[derive(Default)]
pub(crate) struct BreakMove {
    target: usize,
}

impl NodeOp for BreakMove {
    fn name(&self) -> &'static str {
        "break"
    }

    fn evaluate(
        &mut self,
        sd: &SearchData,
        st: &State,
        ce: &CostEvaluator,
        u: Pos,
        _v: Pos,
    ) -> i64 {
        let r = &st.routes[u.route];
        let Some(b) = r.lunch else {
            return 0;
        };
        if r.clients == 0 {
            return 0;
        }
        let ctx = sd.ctx(r.vt);
        let brk = sd.node_seg[r.nodes[b] as usize];
        let mut best = 0;
        // Break after position q for q < b - 1: prefix[q], break, nodes[q+1..b-1], suffix[b+1].
        let mut middle = crate::search::segment::Seg::EMPTY;
        for q in (0..b.saturating_sub(1)).rev() {
            middle = sd.node_seg[r.nodes[q + 1] as usize].then(&middle, &ctx);
            let seg = r.prefix[q]
                .then(&brk, &ctx)
                .then(&middle, &ctx)
                .then(&r.suffix[b + 1], &ctx);
            let delta = ce.route_cost(sd, r.vt, &seg) - r.cost;
            if delta < best {
                best = delta;
                self.target = q;
            }
        }
        // Break after position q for q > b: prefix[b-1], nodes[b+1..=q], break, suffix[q+1].
        let mut middle = crate::search::segment::Seg::EMPTY;
        for q in b + 1..r.len() - 1 {
            middle = middle.then(&sd.node_seg[r.nodes[q] as usize], &ctx);
            let seg = r.prefix[b - 1]
                .then(&middle, &ctx)
                .then(&brk, &ctx)
                .then(&r.suffix[q + 1], &ctx);
            let delta = ce.route_cost(sd, r.vt, &seg) - r.cost;
            if delta < best {
                best = delta;
                self.target = q;
            }
        }
        best
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, _v: Pos) -> [usize; 2] {
        let r = &mut st.routes[u.route];
        let b = r.lunch.expect("evaluated with a break");
        let node = r.nodes.remove(b);
        let at = if self.target < b {
            self.target + 1
        } else {
            self.target
        };
        r.nodes.insert(at, node);
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
        let verified = verify_node_op(&mut BreakMove::default());
        assert!(verified > 5, "only {verified} improving moves verified");
    }
}
