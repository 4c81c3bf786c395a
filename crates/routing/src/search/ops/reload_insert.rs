//! Reload insertion: add a facility visit (unload, start a new trip) right after client
//! `u`, at whichever allowed facility is cheapest. This is how routes get their disposal
//! trips, including the final one a vehicle that must come home empty needs.

use super::NodeOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::{Kind, SearchData};
use crate::search::route::{Pos, State};

/// Insert a facility visit after `u`.
#[derive(Default)]
pub(crate) struct ReloadInsert {
    chosen: u32,
}

impl NodeOp for ReloadInsert {
    fn name(&self) -> &'static str {
        "reload+"
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
        let facilities = &sd.vts[r.vt].facilities;
        if facilities.is_empty() || u.idx + 1 >= r.len() {
            return 0;
        }
        let next = r.nodes[u.idx + 1];
        if matches!(sd.node_kind[next as usize], Kind::Facility(_)) {
            return 0;
        }
        let ctx = sd.ctx(r.vt);
        let (p, s) = (&r.prefix[u.idx], &r.suffix[u.idx + 1]);
        let mut best = 0;
        for &f in facilities {
            let fs = &sd.node_seg[f as usize];
            let d = p.distance
                + s.distance
                + ctx.distance(p.last, fs.first)
                + ctx.distance(fs.first, s.first);
            if CostEvaluator::lower_bound(sd, r.vt, d, r.clients) - r.cost >= best {
                continue;
            }
            let seg = p.then(fs, &ctx).then(s, &ctx);
            let delta = ce.route_cost(sd, r.vt, &seg) - r.cost;
            if delta < best {
                best = delta;
                self.chosen = f;
            }
        }
        best
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, _v: Pos) -> [usize; 2] {
        st.routes[u.route].nodes.insert(u.idx + 1, self.chosen);
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
        let verified = verify_node_op(&mut ReloadInsert::default());
        assert!(verified > 20, "only {verified} improving moves verified");
    }
}
