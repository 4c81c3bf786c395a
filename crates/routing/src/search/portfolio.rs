//! Several searches at once (`SolveParams::threads > 1`): a portfolio of independent runs
//! with seeds `seed, seed + 1, …`, one per thread, each with the whole budget; the best
//! result wins, judged by the independent checker (feasible first, then fewer vehicles in
//! hierarchical mode, then cost). The first run reports progress.

use super::{Objective, Progress, SolveParams, SolveResult, solve_one};
use crate::check::check;
use crate::model::ProblemData;

/// Runs `params.threads` searches in parallel and returns the best; `iterations` is their sum.
pub(crate) fn solve_portfolio(
    problem: &ProblemData,
    params: &SolveParams,
    progress: &mut dyn Progress,
) -> SolveResult {
    let threads = params.threads.max(1);
    let mut results = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads as u64)
            .map(|k| {
                let params = SolveParams {
                    seed: params.seed.wrapping_add(k),
                    ..params.clone()
                };
                scope.spawn(move || solve_one(problem, &params, &mut ()))
            })
            .collect();
        let mut results = vec![solve_one(problem, params, progress)];
        results.extend(
            others
                .into_iter()
                .map(|h| h.join().expect("a search thread panicked")),
        );
        results
    });
    let iterations = results.iter().map(|r| r.iterations).sum();
    let key = |r: &SolveResult| {
        let report = check(problem, &r.solution);
        let vehicles = match params.objective {
            Objective::Hierarchical => report.vehicles,
            Objective::Distance => 0,
        };
        (!report.is_feasible(), vehicles, report.cost)
    };
    let best = (0..results.len())
        .min_by_key(|&i| key(&results[i]))
        .expect("at least one run");
    let mut result = results.swap_remove(best);
    result.iterations = iterations;
    result
}
