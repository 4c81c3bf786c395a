//! Reload removal: drop the facility visit at position `v` of its route, merging the two
//! trips around it.

use super::NodeOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::{Kind, SearchData};
use crate::search::route::{Pos, State};

/// Remove the facility visit at `v` (`u` is ignored).
pub(crate) struct ReloadRemove;

impl NodeOp for ReloadRemove {
    fn name(&self) -> &'static str {
        "reload-"
    }

    fn evaluate(
        &mut self,
        sd: &SearchData,
        st: &State,
        ce: &CostEvaluator,
        _u: Pos,
        v: Pos,
    ) -> i64 {
        let r = &st.routes[v.route];
        if v.idx == 0 || v.idx + 1 >= r.len() {
            return i64::MAX;
        }
        if !matches!(sd.node_kind[r.nodes[v.idx] as usize], Kind::Facility(_)) {
            return i64::MAX;
        }
        let ctx = sd.ctx(r.vt);
        ce.cost2(sd, r.vt, &ctx, &r.prefix[v.idx - 1], &r.suffix[v.idx + 1]) - r.cost
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, _u: Pos, v: Pos) -> [usize; 2] {
        st.routes[v.route].nodes.remove(v.idx);
        [v.route, v.route]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::ops::testkit::verify_node_op;

    /// Every improving delta equals the checker's cost change after the move.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        let verified = verify_node_op(&mut ReloadRemove);
        assert!(verified > 20, "only {verified} improving moves verified");
    }
}
