//! Iterated local search (in the style of PyVRP 0.14): perturb a few clients of the current
//! solution, re-optimise around them, and accept by late-acceptance hill climbing; only
//! feasible candidates become current once a feasible solution exists. Infeasible local
//! optima get a second search with boosted penalties. In hierarchical mode the search also
//! reduces the fleet, as soon as it has a feasible solution and again every so often: up to
//! [`EJECTION_POOL_UP_TO`] clients by ejection-pool route elimination, beyond that by a
//! penalised descent that drops routes (the first time down to the daily-load bound + 1),
//! forbids new vehicles and searches on under rising penalties (from at least their starting
//! weights) until the smaller fleet is feasible, its violations stop shrinking for an
//! iteration budget, or it has spent a quarter of the time.

use std::time::Instant;

use super::cost::{CostEvaluator, Violations};
use super::data::SearchData;
use super::fleet::{EJECTION_POOL_UP_TO, drop_routes, eliminate_route, vehicle_lower_bound};
use super::insert::{Scope, best_insertion};
use super::local_search::LocalSearch;
use super::penalty::PenaltyManager;
use super::perturb::{construct, perturb};
use super::route::State;
use super::{Objective, Progress, ProgressInfo, SolveParams};
use crate::model::MAX_DIMS;
use crate::rng::Rng;

/// Outcome of a run.
pub(crate) struct RunResult {
    pub best: Option<State>,
    pub fallback: State,
    pub iterations: u64,
}

/// Plain cost and summed violations of a state.
fn measure(sd: &SearchData, st: &State) -> (i64, Violations) {
    let mut cost = 0;
    let mut viol = Violations::default();
    for r in &st.routes {
        if r.clients == 0 {
            continue;
        }
        let (c, v) = CostEvaluator::measure(sd, r.vt, r.whole());
        cost += c;
        viol.time_warp += v.time_warp;
        viol.stops += v.stops;
        viol.distance += v.distance;
        for d in 0..MAX_DIMS {
            viol.load[d] += v.load[d];
        }
    }
    (cost, viol)
}

/// LAHC history length, in iterations. Longer histories accept worse candidates for longer
/// and let the search leave a basin: measured on Solomon R2+RC2 at 10 s (one thread, seed 0)
/// 100 → 0.351 % mean gap, 300 → 0.179 %, 600 → 0.150 %, 1,000 → 0.120 %, 2,000 → 0.145 %; on
/// R1+RC1 100 → 0.188 %, 600 → 0.134 %, 1,000 → 0.167 %; on the four Gehring–Homberger 200
/// instances with long or random routes at 30 s, 600 gave the smallest sum.
const HISTORY: usize = 600;
/// A descent towards a smaller fleet may take at most this fraction (1/n) of the time
/// budget. Its candidates are infeasible and cost about twice a feasible iteration; every
/// second it takes is lost to the plan at the larger fleet should it fail, while without
/// descents the district's kitchen-waste day stays at 16 trucks instead of 13.
const DESCENT_SHARE: u32 = 4;
/// Largest perturbation.
const MAX_PERTURB: usize = 25;

pub(crate) fn run(sd: &SearchData, params: &SolveParams, progress: &mut dyn Progress) -> RunResult {
    let start = Instant::now();
    let mut rng = Rng::new(params.seed);
    let mut pm = PenaltyManager::new(sd);
    let mut st = match &params.initial {
        Some(initial) => {
            // Warm start: keep the given routes, insert whatever they leave out.
            let mut st = State::load(sd, &pm.ce, initial);
            for c in 0..sd.n_clients as u32 {
                if st.pos(c).is_none()
                    && let Some((_, pos)) =
                        best_insertion(sd, &st, &pm.ce, c, Scope::Everywhere, true)
                {
                    st.insert_after(sd, &pm.ce, c, pos);
                }
            }
            st
        }
        None => construct(sd, &pm.ce, &mut rng),
    };
    let mut ls = LocalSearch::new(sd, st.routes.len());
    ls.search(sd, &mut st, &pm.ce, &mut rng);
    // A feasible start makes the rest of the run count: boost harder until there is one.
    for factor in [10.0, 100.0, 1000.0] {
        if st.is_feasible(sd) {
            break;
        }
        let boosted = pm.ce.boosted(factor);
        st.reprice(sd, &boosted);
        ls.reset_tested();
        ls.search(sd, &mut st, &boosted, &mut rng);
        st.reprice(sd, &pm.ce);
    }
    ls.take_dirty();

    let n = sd.n_clients.max(1);
    let hierarchical = params.objective == Objective::Hierarchical;
    let mut best: Option<(i64, State)> = None;
    let (mut cur_cost, mut cur_viol) = measure(sd, &st);
    let mut cur_feasible = st.is_feasible(sd);
    if cur_feasible {
        best = Some((cur_cost, st.clone()));
        if hierarchical {
            ls.allow_empty = false;
        }
    }
    let mut snapshot: Vec<Vec<u32>> = st.routes.iter().map(|r| r.nodes.clone()).collect();
    let mut history = vec![if cur_feasible { cur_cost } else { i64::MAX }; HISTORY];
    let mut iteration: u64 = 0;
    let mut last_best_iter: u64 = 0;
    let mut last_report = Instant::now();
    let restart_after = (20 * n as u64).max(2_000);

    // Fleet reduction (hierarchical only): the iteration from which the next attempt may
    // start (the first comes as soon as there is a feasible solution), and the iterations of
    // plain search after a failed one.
    let mut next_attempt: u64 = 0;
    let normal_budget = (5 * n as u64).max(500);
    // Penalised descent (large instances): when it began, and how long it may take.
    let mut descent_since: Option<(u64, Instant, bool)> = None;
    let descent_time = params.time_limit.map(|t| t / DESCENT_SHARE);
    let mut descents = 0;
    let mut descent_least = i64::MAX;
    let descent_budget = (2 * n as u64).max(1_000);

    loop {
        if params.max_iterations.is_some_and(|m| iteration >= m)
            || params.time_limit.is_some_and(|t| start.elapsed() >= t)
        {
            break;
        }
        iteration += 1;

        // Hierarchical, large instance: a descent whose violations have not shrunk for its
        // iteration budget, or that has spent its share of the time, gives way to plain
        // search from the best solution.
        if let Some((since, _, _)) = descent_since.as_mut()
            && !cur_feasible
            && cur_viol.total() < descent_least
        {
            descent_least = cur_viol.total();
            *since = iteration;
        }
        if let Some((since, began, jumped)) = descent_since
            && (iteration - since > descent_budget
                || descent_time.is_some_and(|t| began.elapsed() > t))
            && let Some((_, b)) = &best
        {
            descent_since = None;
            // A failed jump to the bound + 1 is followed at once by a step of one vehicle.
            next_attempt = if jumped {
                iteration
            } else {
                iteration + normal_budget
            };
            st = b.clone();
            st.reprice(sd, &pm.ce);
            ls = LocalSearch::new(sd, st.routes.len());
            ls.allow_empty = false;
            snapshot = st.routes.iter().map(|r| r.nodes.clone()).collect();
            (cur_cost, cur_viol) = measure(sd, &st);
            cur_feasible = true;
            history.fill(cur_cost);
        }

        // Hierarchical: try to eliminate a route of the best solution.
        if hierarchical
            && descent_since.is_none()
            && let Some((_, b)) = &best
            && iteration >= next_attempt
            && b.vehicles() > vehicle_lower_bound(sd)
        {
            if n > EJECTION_POOL_UP_TO {
                let lower = vehicle_lower_bound(sd);
                let jump = descents == 0 && b.vehicles() > lower + 2;
                let target = if jump { lower + 1 } else { b.vehicles() - 1 };
                descents += 1;
                st = drop_routes(sd, b, &pm.ce, &mut rng, target);
                descent_since = Some((iteration, Instant::now(), jump));
                descent_least = i64::MAX;
                pm.raise_to_start();
                ls = LocalSearch::new(sd, st.routes.len());
                ls.allow_empty = false;
                snapshot = st.routes.iter().map(|r| r.nodes.clone()).collect();
                (cur_cost, cur_viol) = measure(sd, &st);
                cur_feasible = st.is_feasible(sd);
                history.fill(if cur_feasible { cur_cost } else { i64::MAX });
                continue;
            }
            let deadline = params.time_limit.map(|t| start + t);
            let mut scratch = LocalSearch::new(sd, b.routes.len());
            match eliminate_route(sd, b, &mut scratch, &mut rng, 4 * n, deadline) {
                Some(smaller) => {
                    st = smaller;
                    st.reprice(sd, &pm.ce);
                    let (c, _) = measure(sd, &st);
                    best = Some((c, st.clone()));
                    last_best_iter = iteration;
                    // Try the next elimination right away.
                    next_attempt = iteration;
                }
                None => {
                    st = b.clone();
                    st.reprice(sd, &pm.ce);
                    next_attempt = iteration + normal_budget;
                }
            }
            ls = LocalSearch::new(sd, st.routes.len());
            ls.allow_empty = false;
            snapshot = st.routes.iter().map(|r| r.nodes.clone()).collect();
            (cur_cost, cur_viol) = measure(sd, &st);
            cur_feasible = true;
            history.fill(cur_cost);
            continue;
        }

        // Until the first feasible solution, and during a descent, the weights rise every few
        // iterations: on the district's other-waste day the time-warp weight starts ~30x too
        // low, and rising every 50 iterations took 15 s to get there (4-5 s now).
        pm.hurry(best.is_none() || descent_since.is_some());
        let count = 1 + rng.below(MAX_PERTURB.min(n));
        let allow_empty = !(hierarchical && best.is_some());
        perturb(sd, &mut st, &pm.ce, &mut ls, &mut rng, count, allow_empty);
        ls.search(sd, &mut st, &pm.ce, &mut rng);
        let mut feasible = st.is_feasible(sd);
        if !feasible {
            let (_, v) = measure(sd, &st);
            if pm.register(v.load_ok(), v.time_warp == 0 && v.distance == 0) {
                st.reprice(sd, &pm.ce);
            }
            let boosted = pm.ce.boosted(10.0);
            st.reprice(sd, &boosted);
            ls.mark_infeasible(sd, &st);
            ls.search(sd, &mut st, &boosted, &mut rng);
            st.reprice(sd, &pm.ce);
            feasible = st.is_feasible(sd);
        } else if pm.register(true, true) {
            st.reprice(sd, &pm.ce);
        }
        let (cand_cost, cand_viol) = measure(sd, &st);

        if feasible
            && best.as_ref().is_none_or(|(c, b)| {
                let (bv, sv) = (b.vehicles(), st.vehicles());
                if hierarchical {
                    (sv, cand_cost) < (bv, *c)
                } else {
                    cand_cost < *c
                }
            })
        {
            if descent_since.is_some()
                && best
                    .as_ref()
                    .is_some_and(|(_, b)| st.vehicles() < b.vehicles())
            {
                // The smaller fleet is feasible: the next descent starts right away.
                descent_since = None;
                next_attempt = iteration;
            }
            best = Some((cand_cost, st.clone()));
            last_best_iter = iteration;
            if hierarchical {
                ls.allow_empty = false;
            }
        }

        // Acceptance.
        let accept = if cur_feasible {
            feasible && {
                let slot = (iteration as usize) % HISTORY;
                cand_cost < history[slot] || cand_cost <= cur_cost
            }
        } else {
            feasible || cand_cost + pm.ce.penalty(&cand_viol) <= cur_cost + pm.ce.penalty(&cur_viol)
        };
        let dirty = ls.take_dirty();
        if accept {
            if !cur_feasible && feasible {
                history.fill(cand_cost);
            }
            for &r in &dirty {
                snapshot[r].clone_from(&st.routes[r].nodes);
            }
            cur_cost = cand_cost;
            cur_viol = cand_viol;
            cur_feasible = feasible;
        } else {
            for &r in &dirty {
                st.routes[r].nodes.clone_from(&snapshot[r]);
                st.refresh(sd, &pm.ce, r);
                ls.touch(r);
            }
            ls.take_dirty();
        }
        if cur_feasible {
            let slot = (iteration as usize) % HISTORY;
            history[slot] = cur_cost;
        }

        if iteration - last_best_iter > restart_after
            && let Some((_, b)) = &best
        {
            // Stuck: go back to the best solution.
            last_best_iter = iteration;
            st = b.clone();
            st.reprice(sd, &pm.ce);
            ls = LocalSearch::new(sd, st.routes.len());
            ls.allow_empty = !hierarchical;
            snapshot = st.routes.iter().map(|r| r.nodes.clone()).collect();
            (cur_cost, cur_viol) = measure(sd, &st);
            cur_feasible = true;
            history.fill(cur_cost);
        }

        if last_report.elapsed().as_millis() >= 200 {
            last_report = Instant::now();
            progress.report(&ProgressInfo {
                iteration,
                elapsed: start.elapsed(),
                best_cost: best.as_ref().map(|(c, _)| *c),
                best_vehicles: best.as_ref().map_or(0, |(_, b)| b.vehicles()),
                current_cost: cur_cost,
            });
        }
    }
    RunResult {
        fallback: st,
        best: best.map(|(_, b)| b),
        iterations: iteration,
    }
}
