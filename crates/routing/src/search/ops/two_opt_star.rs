//! 2-opt*: exchange the tails of two routes after `u` and after `v`, so `u`'s route
//! continues with `v`'s old tail and vice versa. Tails may carry facility visits and the
//! break along, as long as every used route still ends up with exactly one break.

use super::NodeOp;
use crate::search::cost::CostEvaluator;
use crate::search::data::{Kind, SearchData};
use crate::search::route::{Pos, Route, State};
use crate::search::segment::{Ctx, Seg};

/// Tail exchange between two routes.
pub(crate) struct TwoOptStar;

/// The tail of `from` after `idx`, ending at the end depot of `onto`'s vehicle type.
fn tail_for(sd: &SearchData, ctx: &Ctx, from: &Route, idx: usize, onto: &Route) -> Seg {
    if from.vt == onto.vt {
        from.suffix[idx + 1]
    } else {
        let end = sd.node_seg[sd.vts[onto.vt].end as usize];
        if idx < from.len() - 2 {
            from.between(sd, ctx, idx + 1, from.len() - 2)
                .then(&end, ctx)
        } else {
            end
        }
    }
}

/// True when nodes after `idx` (before the end depot) hold no break or facility.
fn plain_tail(sd: &SearchData, route: &Route, idx: usize) -> bool {
    route.nodes[idx + 1..route.len() - 1]
        .iter()
        .all(|&n| matches!(sd.node_kind[n as usize], Kind::Client))
}

impl NodeOp for TwoOptStar {
    fn name(&self) -> &'static str {
        "2opt*"
    }

    fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, u: Pos, v: Pos) -> i64 {
        if u.route == v.route {
            return 0;
        }
        let ru = &st.routes[u.route];
        let rv = &st.routes[v.route];
        if v.idx + 1 >= rv.len() || u.idx + 1 >= ru.len() {
            return 0;
        }
        if ru.vt == rv.vt {
            let tail_break_u = ru.lunch.is_some_and(|b| b > u.idx);
            let tail_break_v = rv.lunch.is_some_and(|b| b > v.idx);
            if tail_break_u != tail_break_v {
                return 0;
            }
        } else if !plain_tail(sd, ru, u.idx) || !plain_tail(sd, rv, v.idx) {
            return 0;
        }
        let ctx_u = sd.ctx(ru.vt);
        let ctx_v = sd.ctx(rv.vt);
        let (pu, pv) = (&ru.prefix[u.idx], &rv.prefix[v.idx]);
        let (su, sv) = (&ru.suffix[u.idx + 1], &rv.suffix[v.idx + 1]);
        if ru.vt == rv.vt {
            let du = pu.distance + sv.distance + ctx_u.distance(pu.last, sv.first);
            let dv = pv.distance + su.distance + ctx_v.distance(pv.last, su.first);
            let cu = pu.clients + sv.clients;
            let cv = pv.clients + su.clients;
            let bound = CostEvaluator::lower_bound(sd, ru.vt, du, cu as usize)
                + CostEvaluator::lower_bound(sd, rv.vt, dv, cv as usize)
                - ru.cost
                - rv.cost;
            if bound >= 0 {
                return bound;
            }
        }
        let new_u = ce.cost2(sd, ru.vt, &ctx_u, pu, &tail_for(sd, &ctx_u, rv, v.idx, ru));
        let new_v = ce.cost2(sd, rv.vt, &ctx_v, pv, &tail_for(sd, &ctx_v, ru, u.idx, rv));
        new_u + new_v - ru.cost - rv.cost
    }

    fn apply(&mut self, _sd: &SearchData, st: &mut State, u: Pos, v: Pos) -> [usize; 2] {
        let ru_len = st.routes[u.route].len();
        let rv_len = st.routes[v.route].len();
        let tail_u: Vec<u32> = st.routes[u.route].nodes[u.idx + 1..ru_len - 1].to_vec();
        let tail_v: Vec<u32> = st.routes[v.route].nodes[v.idx + 1..rv_len - 1].to_vec();
        st.routes[u.route]
            .nodes
            .splice(u.idx + 1..ru_len - 1, tail_v);
        st.routes[v.route]
            .nodes
            .splice(v.idx + 1..rv_len - 1, tail_u);
        [u.route, v.route]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::search::ops::testkit::{
        WEIGHTS, checker_cost, problems, random_solution, verify_move, verify_node_op,
    };

    /// Every improving delta equals the checker's cost change after the move.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        let verified = verify_node_op(&mut TwoOptStar);
        assert!(verified > 20, "only {verified} improving moves verified");
    }

    /// The split the local search offers at a client's first look: 2-opt* with the depot of
    /// an empty vehicle hands the rest of the route to that vehicle; every improving split is
    /// priced exactly.
    #[test]
    fn split_into_an_empty_vehicle_matches_checker() {
        let mut verified = 0;
        for seed in 0..8 {
            for p in problems(seed) {
                let sd = SearchData::new(&p);
                let mut rng = Rng::new(seed * 13 + 5);
                for _ in 0..6 {
                    let st = State::load(&sd, &WEIGHTS, &random_solution(&p, &mut rng));
                    let before = checker_cost(&p, &st.export(&sd));
                    for empty in (0..st.routes.len()).filter(|&r| st.routes[r].clients == 0) {
                        let pv = Pos {
                            route: empty,
                            idx: 0,
                        };
                        for u in 0..sd.n_clients as u32 {
                            let pu = st.pos(u).expect("routed");
                            let split = verify_move(&mut TwoOptStar, &p, &sd, &st, before, pu, pv);
                            verified += usize::from(split);
                        }
                    }
                }
            }
        }
        assert!(verified > 100, "only {verified} splits verified");
    }
}
