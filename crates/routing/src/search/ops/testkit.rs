//! Test support for the moves: small random problems with every feature (time windows,
//! several trips, facilities, a break, the come-home-empty rule, daily limits, release
//! times), random solutions, and an exactness check of `evaluate` against the checker.

use super::{NodeOp, RouteOp};
use crate::check::check;
use crate::model::{Break, Client, Depot, Facility, Matrix, ProblemData, TimeWindow, VehicleType};
use crate::rng::Rng;
use crate::search::cost::CostEvaluator;
use crate::search::data::SearchData;
use crate::search::route::{Pos, State};
use crate::solution::{Route, Solution, Visit};

/// Penalty weights with integer values, so the checker's sum is exact.
pub(crate) const WEIGHTS: CostEvaluator = CostEvaluator {
    time_warp: 3.0,
    load: [2.0, 2.0, 2.0],
    stops: 50.0,
    distance: 1.0,
};

/// Small problems: plain VRPTW, and a waste problem with every rule switched on.
pub(crate) fn problems(seed: u64) -> Vec<ProblemData> {
    let mut rng = Rng::new(seed);
    let n = 18;
    let mut coords: Vec<(i64, i64)> = (0..n + 3)
        .map(|_| (rng.below(100) as i64, rng.below(100) as i64))
        .collect();
    coords[0] = (50, 50);
    let m = Matrix::from_fn(coords.len(), |i, j| {
        let (a, b) = (coords[i], coords[j]);
        (((a.0 - b.0).pow(2) + (a.1 - b.1).pow(2)) as f64)
            .sqrt()
            .round() as i64
    });
    let clients: Vec<Client> = (1..=n)
        .map(|loc| {
            let early = rng.below(300) as i64;
            let mut c = Client::new(
                loc,
                vec![5 + rng.below(20) as i64],
                10,
                TimeWindow::new(early, early + 60 + rng.below(200) as i64),
            );
            c.release = if rng.below(3) == 0 {
                rng.below(150) as i64
            } else {
                0
            };
            c
        })
        .collect();
    let depot = vec![Depot {
        location: 0,
        window: TimeWindow::new(0, 1000),
    }];
    let mut plain_clients = clients.clone();
    for c in &mut plain_clients {
        c.release = 0;
    }
    let plain = ProblemData::new(
        m.clone(),
        m.clone(),
        depot.clone(),
        plain_clients,
        vec![],
        vec![VehicleType::new(5, vec![60], 0)],
    )
    .expect("valid");
    let facilities = vec![
        Facility {
            location: n + 1,
            window: TimeWindow::new(0, 900),
            service: 15,
        },
        Facility {
            location: n + 2,
            window: TimeWindow::new(100, 1000),
            service: 25,
        },
    ];
    let mut vt = VehicleType::new(4, vec![50], 0);
    vt.reload_facilities = vec![0, 1];
    vt.end_empty = true;
    vt.max_daily_load = Some(vec![110]);
    vt.max_stops = Some(7);
    vt.lunch = Some(Break {
        duration: 40,
        window: TimeWindow::new(200, 260),
    });
    vt.max_duration = 700;
    vt.unit_duration_cost = 1;
    vt.fixed_cost = 100;
    let mut vt2 = vt.clone();
    vt2.count = 2;
    vt2.capacity = vec![70];
    vt2.reload_facilities = vec![1];
    let waste =
        ProblemData::new(m.clone(), m, depot, clients, facilities, vec![vt, vt2]).expect("valid");
    vec![plain, waste]
}

/// A random (usually infeasible) solution using most vehicles.
pub(crate) fn random_solution(p: &ProblemData, rng: &mut Rng) -> Solution {
    let mut slots: Vec<usize> = Vec::new();
    for (t, v) in p.vehicle_types().iter().enumerate() {
        slots.extend(std::iter::repeat_n(t, v.count));
    }
    let used = 2 + rng.below(slots.len() - 1);
    let mut routes: Vec<Route> = slots[..used]
        .iter()
        .map(|&t| Route {
            vehicle_type: t,
            visits: vec![],
        })
        .collect();
    let mut order: Vec<usize> = (0..p.clients().len()).collect();
    rng.shuffle(&mut order);
    for c in order {
        let r = rng.below(used);
        routes[r].visits.push(Visit::Client(c));
    }
    for r in &mut routes {
        let vt = &p.vehicle_types()[r.vehicle_type];
        for &f in &vt.reload_facilities {
            if rng.below(2) == 0 && !r.visits.is_empty() {
                let at = rng.below(r.visits.len() + 1);
                r.visits.insert(at, Visit::Facility(f));
            }
        }
        if vt.lunch.is_some() {
            let at = rng.below(r.visits.len() + 1);
            r.visits.insert(at, Visit::Break);
        }
    }
    Solution { routes }
}

/// Penalised cost recomputed by the checker.
pub(crate) fn checker_cost(p: &ProblemData, s: &Solution) -> i64 {
    let report = check(p, s);
    assert!(
        report.errors.is_empty(),
        "structural errors: {:?}",
        report.errors
    );
    report
        .routes
        .iter()
        .map(|r| {
            let load: i64 = r
                .load_excess
                .iter()
                .zip(&r.daily_excess)
                .map(|(a, b)| a + b)
                .sum();
            r.cost + 3 * r.time_warp + 2 * load + 50 * r.stops_excess + r.distance_excess
        })
        .sum()
}

/// Evaluates `op` on many position pairs of random solutions; every improving delta must
/// equal the checker's cost change after `apply`. Returns how many moves were verified.
pub(crate) fn verify_node_op(op: &mut dyn NodeOp) -> usize {
    let mut verified = 0;
    for seed in 0..6 {
        for p in problems(seed) {
            let sd = SearchData::new(&p);
            let mut rng = Rng::new(seed * 7 + 1);
            for _ in 0..4 {
                let sol = random_solution(&p, &mut rng);
                let st = State::load(&sd, &WEIGHTS, &sol);
                let before = checker_cost(&p, &st.export(&sd));
                assert_eq!(before, st.cost(), "cached route costs match the checker");
                for u in 0..sd.n_clients as u32 {
                    let Some(pu) = st.pos(u) else { continue };
                    for r in 0..st.routes.len() {
                        for idx in 0..st.routes[r].len() - 1 {
                            let pv = Pos { route: r, idx };
                            verified += usize::from(verify_move(op, &p, &sd, &st, before, pu, pv));
                        }
                    }
                }
            }
        }
    }
    verified
}

/// Prices `op` on `(pu, pv)` of `st`, whose checker cost is `before`; when the move improves,
/// applies it to a copy and asserts that the checker's cost changed by exactly the priced
/// delta. True when a move was verified.
pub(crate) fn verify_move(
    op: &mut dyn NodeOp,
    p: &ProblemData,
    sd: &SearchData,
    st: &State,
    before: i64,
    pu: Pos,
    pv: Pos,
) -> bool {
    let mut probe = st.clone();
    let delta = op.evaluate(sd, &probe, &WEIGHTS, pu, pv);
    if delta >= 0 {
        return false;
    }
    for t in op.apply(sd, &mut probe, pu, pv) {
        probe.refresh(sd, &WEIGHTS, t);
    }
    let after = checker_cost(p, &probe.export(sd));
    assert_eq!(after - before, delta, "{} on {pu:?} {pv:?}", op.name());
    true
}

/// Evaluates `op` on every pair of routes of random solutions; every improving delta must
/// equal the checker's cost change after `apply`. Returns how many moves were verified.
pub(crate) fn verify_route_op(op: &mut dyn RouteOp) -> usize {
    let mut verified = 0;
    for seed in 0..12 {
        for p in problems(seed) {
            let sd = SearchData::new(&p);
            let mut rng = Rng::new(seed * 7 + 1);
            for _ in 0..6 {
                let sol = random_solution(&p, &mut rng);
                let st = State::load(&sd, &WEIGHTS, &sol);
                let before = checker_cost(&p, &st.export(&sd));
                for a in 0..st.routes.len() {
                    for b in 0..st.routes.len() {
                        let mut probe = st.clone();
                        let delta = op.evaluate(&sd, &probe, &WEIGHTS, a, b);
                        if delta >= 0 {
                            continue;
                        }
                        let touched = op.apply(&mut probe);
                        for t in touched {
                            probe.refresh(&sd, &WEIGHTS, t);
                        }
                        let after = checker_cost(&p, &probe.export(&sd));
                        assert_eq!(after - before, delta, "{} on routes {a} {b}", op.name());
                        verified += 1;
                    }
                }
            }
        }
    }
    verified
}

/// Cached route segments and the checker agree on cost, time warp, load and distance.
#[test]
fn route_caches_agree_with_checker() {
    for seed in 0..6 {
        for (pi, p) in problems(seed).into_iter().enumerate() {
            let sd = SearchData::new(&p);
            let mut rng = Rng::new(seed * 7 + 1);
            let sol = random_solution(&p, &mut rng);
            let st = State::load(&sd, &WEIGHTS, &sol);
            let exported = st.export(&sd);
            let report = check(&p, &exported);
            let used: Vec<_> = st.routes.iter().filter(|r| r.clients > 0).collect();
            for (r, rr) in used.iter().zip(&report.routes) {
                let (cost, viol) = CostEvaluator::measure(&sd, r.vt, r.whole());
                let ctx = sd.ctx(r.vt);
                let t = r.whole().time(&ctx);
                assert_eq!(
                    (cost, viol.time_warp, viol.load[0], r.whole().distance),
                    (
                        rr.cost,
                        rr.time_warp,
                        rr.load_excess[0] + rr.daily_excess[0],
                        rr.distance
                    ),
                    "seed {seed} problem {pi} route {:?} seg dur {} tw {} checker dur {}",
                    r.nodes,
                    t.duration,
                    t.time_warp,
                    rr.duration
                );
            }
        }
    }
}

/// A stretch glued from cached blocks is the stretch glued stop by stop.
#[test]
fn between_from_blocks_is_glued_stop_by_stop() {
    let mut long = 0;
    for seed in 0..6 {
        for p in problems(seed) {
            let sd = SearchData::new(&p);
            let mut rng = Rng::new(seed * 11 + 3);
            // Few routes, so that some are long.
            let mut sol = random_solution(&p, &mut rng);
            let visits: Vec<Visit> = sol.routes.iter().flat_map(|r| r.visits.clone()).collect();
            sol.routes.truncate(1);
            sol.routes[0].visits = visits;
            let st = State::load(&sd, &WEIGHTS, &sol);
            for r in st.routes.iter().filter(|r| r.clients > 0) {
                let ctx = sd.ctx(r.vt);
                for i in 0..r.len() {
                    for j in i..r.len() {
                        let mut naive = sd.node_seg[r.nodes[i] as usize];
                        for k in i + 1..=j {
                            naive = naive.then(&sd.node_seg[r.nodes[k] as usize], &ctx);
                        }
                        assert_eq!(r.between(&sd, &ctx, i, j), naive, "{:?} {i}..={j}", r.nodes);
                        long += usize::from(j - i >= 16);
                    }
                }
            }
        }
    }
    assert!(long > 100, "{long} stretches of 17 stops or more");
}
