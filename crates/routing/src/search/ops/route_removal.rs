//! Route removal (fleet minimisation): empty one route and put each of its clients at its
//! cheapest place in the other routes, without opening a vehicle. Evaluation simulates the
//! whole plan on a copy, so the delta is exact; the copy is what `apply` installs.

use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::insert::{Scope, best_insertion};
use crate::search::route::{Pos, State};

/// Remove a route and reinsert its clients elsewhere.
#[derive(Default)]
pub(crate) struct RouteRemoval {
    planned: Option<State>,
}

impl RouteRemoval {
    /// Cost change of emptying route `r` (its clients go, in order, to their cheapest
    /// places among the other used routes).
    pub fn evaluate(&mut self, sd: &SearchData, st: &State, ce: &CostEvaluator, r: usize) -> i64 {
        if st.routes[r].clients == 0 || st.vehicles() < 2 {
            self.planned = None;
            return 0;
        }
        let mut trial = st.clone();
        let clients: Vec<u32> = trial.routes[r]
            .nodes
            .iter()
            .copied()
            .filter(|&n| sd.is_client(n))
            .collect();
        trial.routes[r].nodes.retain(|&n| !sd.is_client(n));
        for &c in &clients {
            trial.place[c as usize] = crate::search::route::UNROUTED;
        }
        trial.refresh(sd, ce, r);
        for &c in &clients {
            let Some((_, pos)) = best_insertion(sd, &trial, ce, c, Scope::Everywhere, false) else {
                self.planned = None;
                return 0;
            };
            let pos: Pos = pos;
            trial.insert_after(sd, ce, c, pos);
        }
        let delta = trial.cost() - st.cost();
        self.planned = Some(trial);
        delta
    }

    /// Installs the plan of the last evaluation.
    pub fn apply(&mut self, st: &mut State) {
        if let Some(plan) = self.planned.take() {
            *st = plan;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::search::ops::testkit::{WEIGHTS, checker_cost, problems, random_solution};

    /// The evaluated delta equals the checker's cost change after the plan is installed.
    #[test]
    fn evaluate_matches_checker_after_apply() {
        let mut verified = 0;
        for seed in 0..4 {
            for p in problems(seed) {
                let sd = SearchData::new(&p);
                let mut rng = Rng::new(seed);
                let st = State::load(&sd, &WEIGHTS, &random_solution(&p, &mut rng));
                let before = checker_cost(&p, &st.export(&sd));
                for r in 0..st.routes.len() {
                    let mut op = RouteRemoval::default();
                    let delta = op.evaluate(&sd, &st, &WEIGHTS, r);
                    if op.planned.is_none() {
                        continue;
                    }
                    let mut after_state = st.clone();
                    op.apply(&mut after_state);
                    assert_eq!(after_state.vehicles() + 1, st.vehicles());
                    let after = checker_cost(&p, &after_state.export(&sd));
                    assert_eq!(after - before, delta);
                    verified += 1;
                }
            }
        }
        assert!(verified > 5);
    }
}
