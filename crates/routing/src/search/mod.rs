//! The solver: granular local search over O(1)-concatenated route segments with adaptive
//! penalties, driven by an iterated local search. Entry point: [`solve`].
//!
//! Layout: `segment` (concatenation algebra), `data` (problem in search form and the
//! granular neighbourhood), `route` (working solution with caches), `cost` and `penalty`
//! (penalised cost and adaptive weights), `ops/*` (one move per file), `local_search`,
//! `perturb`, `insert` and `ils` (the metaheuristic).

mod cost;
mod data;
mod fleet;
mod ils;
mod insert;
mod local_search;
pub(crate) mod ops;
mod penalty;
mod perturb;
mod portfolio;
mod route;
mod segment;

use std::time::Duration;

use crate::model::ProblemData;
use crate::solution::Solution;

/// What to minimise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Fixed vehicle cost + distance and duration cost, as the vehicle types say.
    Distance,
    /// Fewest vehicles first, then the cost above.
    Hierarchical,
}

/// How long and how to search.
#[derive(Clone, Debug)]
pub struct SolveParams {
    /// Random seed; a run is reproducible for a given seed and iteration budget.
    pub seed: u64,
    /// Stop after this many iterations.
    pub max_iterations: Option<u64>,
    /// Stop after this much time.
    pub time_limit: Option<Duration>,
    /// Objective.
    pub objective: Objective,
    /// Warm start: routes to begin from (for example yesterday's plan); clients they leave
    /// out are inserted cheaply.
    pub initial: Option<Solution>,
    /// Independent searches run in parallel, one per thread (seeds `seed`, `seed + 1`, …);
    /// the best wins. 1 is the single-threaded solver that benchmarks compare.
    pub threads: usize,
}

impl Default for SolveParams {
    fn default() -> Self {
        Self {
            seed: 0,
            max_iterations: None,
            time_limit: Some(Duration::from_secs(10)),
            objective: Objective::Distance,
            initial: None,
            threads: 1,
        }
    }
}

/// A progress snapshot, reported about five times a second.
#[derive(Clone, Debug)]
pub struct ProgressInfo {
    /// Iterations so far.
    pub iteration: u64,
    /// Time since the start.
    pub elapsed: Duration,
    /// Penalised cost of the best feasible solution (solver units), if any.
    pub best_cost: Option<i64>,
    /// Vehicles of the best feasible solution.
    pub best_vehicles: usize,
    /// Cost of the current solution.
    pub current_cost: i64,
}

/// Receives progress reports.
pub trait Progress {
    /// Called periodically during the search.
    fn report(&mut self, info: &ProgressInfo);
}

/// Ignores progress.
impl Progress for () {
    fn report(&mut self, _info: &ProgressInfo) {}
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct SolveResult {
    /// Best feasible solution, or the final (infeasible) one when none was found.
    pub solution: Solution,
    /// Whether `solution` is feasible.
    pub feasible: bool,
    /// Iterations done: perturbation + local search rounds (in hierarchical mode a
    /// route-elimination attempt counts as one), summed over threads.
    pub iterations: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Solves `problem` (on `params.threads` threads).
pub fn solve(
    problem: &ProblemData,
    params: &SolveParams,
    progress: &mut dyn Progress,
) -> SolveResult {
    if params.threads > 1 {
        portfolio::solve_portfolio(problem, params, progress)
    } else {
        solve_one(problem, params, progress)
    }
}

/// One search on the calling thread.
fn solve_one(
    problem: &ProblemData,
    params: &SolveParams,
    progress: &mut dyn Progress,
) -> SolveResult {
    let start = std::time::Instant::now();
    // Hierarchical mode gives vehicles no artificial cost: the search never opens a vehicle
    // once it has a feasible solution, and fleet-reduction phases remove routes.
    let sd = data::SearchData::new(problem);
    let result = ils::run(&sd, params, progress);
    let (solution, feasible) = match result.best {
        Some(best) => (best.export(&sd), true),
        None => (result.fallback.export(&sd), false),
    };
    SolveResult {
        solution,
        feasible,
        iterations: result.iterations,
        elapsed: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::cost::CostEvaluator;
    use super::data::SearchData;
    use super::route::State;
    use crate::io::read_instance;
    use crate::{Objective, SolveParams, check, solve};

    /// Segment evaluation and the checker agree route by route on solver output.
    #[test]
    fn segments_agree_with_checker() {
        for name in ["R101", "C101", "RC105"] {
            let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../../data/vrp/solomon/{name}.txt"));
            let inst = read_instance(&path, Objective::Distance).unwrap();
            let params = SolveParams {
                seed: 1,
                max_iterations: Some(50),
                time_limit: None,
                objective: Objective::Distance,
                ..SolveParams::default()
            };
            let res = solve(&inst.problem, &params, &mut ());
            let sd = SearchData::new(&inst.problem);
            let ce = CostEvaluator {
                time_warp: 1.0,
                load: [1.0; 3],
                stops: 1.0,
                distance: 1.0,
            };
            let st = State::load(&sd, &ce, &res.solution);
            let report = check(&inst.problem, &res.solution);
            let used: Vec<_> = st.routes.iter().filter(|r| r.clients > 0).collect();
            for (r, rr) in used.iter().zip(&report.routes) {
                let (cost, viol) = CostEvaluator::measure(&sd, r.vt, r.whole());
                assert_eq!(
                    (viol.time_warp, cost),
                    (rr.time_warp, rr.cost),
                    "{name}: route {:?}",
                    r.nodes
                );
            }
        }
    }
}
