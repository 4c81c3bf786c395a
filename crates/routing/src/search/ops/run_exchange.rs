//! Run exchange: swap a maximal run of clients (the stops between two facility visits, the
//! start depot or the break) of one route with such a run of another. On a multi-trip day
//! a run is a trip: the move hands a whole trip to another truck in return for one of its
//! own, which is how a long day and a short one even out their hours when every client move
//! would have to cross the whole district. Each route's runs are glued once per pair
//! (O(n)); every exchange is then priced in O(1) from the cached prefixes and suffixes.

use super::RouteOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Route, State};
use crate::search::segment::Seg;

/// Swap one client run of a route with one of another route.
#[derive(Default)]
pub(crate) struct RunExchange {
    runs_u: Vec<(usize, usize, Seg)>,
    runs_v: Vec<(usize, usize, Seg)>,
    planned: Option<Planned>,
}

/// An exchange of `nodes[u.0..=u.1]` of route `ru` with `nodes[v.0..=v.1]` of route `rv`.
struct Planned {
    ru: usize,
    rv: usize,
    u: (usize, usize),
    v: (usize, usize),
}

/// The maximal runs of clients of `route`, as (first index, last index, segment).
fn runs(sd: &SearchData, route: &Route, out: &mut Vec<(usize, usize, Seg)>) {
    out.clear();
    let ctx = sd.ctx(route.vt);
    let mut i = 1;
    while i + 1 < route.len() {
        if !sd.is_client(route.nodes[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 2 < route.len() && sd.is_client(route.nodes[j + 1]) {
            j += 1;
        }
        out.push((i, j, route.between(sd, &ctx, i, j)));
        i = j + 1;
    }
}

impl RouteOp for RunExchange {
    fn name(&self) -> &'static str {
        "run-exchange"
    }

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
        if ru == rv || a.vt != b.vt || a.clients == 0 || b.clients == 0 {
            return 0;
        }
        runs(sd, a, &mut self.runs_u);
        runs(sd, b, &mut self.runs_v);
        let ctx = sd.ctx(a.vt);
        let before = a.cost + b.cost;
        let mut best = 0;
        for &(ui, uj, ref useg) in &self.runs_u {
            for &(vi, vj, ref vseg) in &self.runs_v {
                let new_a = ce.cost3(sd, a.vt, &ctx, &a.prefix[ui - 1], vseg, &a.suffix[uj + 1]);
                if new_a - before >= best {
                    continue;
                }
                let new_b = ce.cost3(sd, b.vt, &ctx, &b.prefix[vi - 1], useg, &b.suffix[vj + 1]);
                let delta = new_a + new_b - before;
                if delta < best {
                    best = delta;
                    self.planned = Some(Planned {
                        ru,
                        rv,
                        u: (ui, uj),
                        v: (vi, vj),
                    });
                }
            }
        }
        best
    }

    fn apply(&mut self, st: &mut State) -> [usize; 2] {
        let p = self
            .planned
            .take()
            .expect("apply follows an improving evaluate");
        let from_u: Vec<u32> = st.routes[p.ru].nodes[p.u.0..=p.u.1].to_vec();
        let from_v: Vec<u32> = st.routes[p.rv].nodes[p.v.0..=p.v.1].to_vec();
        st.routes[p.ru].nodes.splice(p.u.0..=p.u.1, from_v);
        st.routes[p.rv].nodes.splice(p.v.0..=p.v.1, from_u);
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
        let verified = verify_route_op(&mut RunExchange::default());
        assert!(verified > 20, "only {verified} improving moves verified");
    }
}
