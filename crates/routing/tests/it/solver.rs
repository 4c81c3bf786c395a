//! The solver on small budgets: feasible, near best-known, deterministic, and honouring
//! the waste rules (disposal before returning, lunch, daily limit) — all judged by the
//! checker.

use fenlei_routing::io::read_instance;
use fenlei_routing::model::{
    Break, Client, Depot, Facility, Matrix, ProblemData, TimeWindow, VehicleType,
};
use fenlei_routing::{Objective, SolveParams, Visit, check, solve};

use crate::{data, fixture};

fn iterations(n: u64, objective: Objective, seed: u64) -> SolveParams {
    SolveParams {
        seed,
        max_iterations: Some(n),
        time_limit: None,
        objective,
        initial: None,
        threads: 1,
    }
}

#[test]
fn solomon_small_budget_is_feasible_and_close() {
    for (name, bks, tolerance) in [
        ("C101", 827.3, 0.001),
        ("R101", 1637.7, 0.03),
        ("RC201", 1261.8, 0.06),
    ] {
        let inst =
            read_instance(&data(&format!("solomon/{name}.txt")), Objective::Distance).unwrap();
        let res = solve(
            &inst.problem,
            &iterations(1_500, Objective::Distance, 1),
            &mut (),
        );
        let report = check(&inst.problem, &res.solution);
        assert!(
            res.feasible && report.is_feasible(),
            "{name}: {:?}",
            report.violations()
        );
        let distance = report.distance as f64 / 10.0;
        assert!(
            distance <= bks * (1.0 + tolerance),
            "{name}: {distance} vs {bks}"
        );
    }
}

#[test]
fn same_seed_same_solution() {
    let inst = read_instance(&data("solomon/RC105.txt"), Objective::Distance).unwrap();
    let a = solve(
        &inst.problem,
        &iterations(300, Objective::Distance, 7),
        &mut (),
    );
    let b = solve(
        &inst.problem,
        &iterations(300, Objective::Distance, 7),
        &mut (),
    );
    assert_eq!(a.solution, b.solution);
    let c = solve(
        &inst.problem,
        &iterations(300, Objective::Distance, 8),
        &mut (),
    );
    assert_ne!(a.solution, c.solution);
}

#[test]
fn hierarchical_reduces_vehicles() {
    let inst = read_instance(&data("solomon/C201.txt"), Objective::Hierarchical).unwrap();
    let res = solve(
        &inst.problem,
        &iterations(3_000, Objective::Hierarchical, 0),
        &mut (),
    );
    let report = check(&inst.problem, &res.solution);
    assert!(report.is_feasible());
    assert_eq!(report.vehicles, 3);
}

#[test]
fn mtvrptwr_small_budget_is_feasible() {
    let inst = read_instance(&data("mtvrptwr/C201R0.5.vrp"), Objective::Distance).unwrap();
    let res = solve(
        &inst.problem,
        &iterations(500, Objective::Distance, 0),
        &mut (),
    );
    let report = check(&inst.problem, &res.solution);
    assert!(report.is_feasible(), "{:?}", report.violations());
    assert!(report.vehicles <= 8);
}

/// Every used route ends with a disposal visit, takes lunch in its window and stays under
/// the daily limit.
fn assert_waste_rules(problem: &ProblemData, solution: &fenlei_routing::Solution) {
    let report = check(problem, solution);
    assert!(report.is_feasible(), "{:?}", report.violations());
    let lunch = problem.vehicle_types()[0].lunch.unwrap();
    for (route, rr) in solution.routes.iter().zip(&report.routes) {
        let last = route.visits.iter().rev().find(|v| **v != Visit::Break);
        assert!(
            matches!(last, Some(Visit::Facility(_))),
            "ends with disposal: {:?}",
            route.visits
        );
        let at = route
            .visits
            .iter()
            .position(|v| *v == Visit::Break)
            .unwrap();
        let start = rr.schedule[at + 1].start;
        assert!(start >= lunch.window.early && start <= lunch.window.late);
    }
}

#[test]
fn kim_instances_respect_the_waste_rules() {
    let tiny = read_instance(&fixture("kim_tiny_stop.txt"), Objective::Hierarchical).unwrap();
    let res = solve(
        &tiny.problem,
        &iterations(300, Objective::Hierarchical, 0),
        &mut (),
    );
    assert_waste_rules(&tiny.problem, &res.solution);
    let inst = read_instance(
        &data("wcvrptw_kim2006/102_stop.txt"),
        Objective::Hierarchical,
    )
    .unwrap();
    let res = solve(
        &inst.problem,
        &iterations(400, Objective::Hierarchical, 0),
        &mut (),
    );
    assert_waste_rules(&inst.problem, &res.solution);
    // 897 yd³ at 400 yd³ per vehicle and day needs at least three vehicles.
    assert!(res.solution.num_vehicles() >= 3);
}

#[test]
fn planner_style_problem_from_matrices() {
    // Depot 0, clients 1–4, transfer station 5; one truck type with two trucks.
    let xy = [(0, 0), (10, 0), (10, 10), (0, 10), (-10, 0), (20, 20)];
    let m = Matrix::from_fn(xy.len(), |i, j| {
        let (a, b): ((i64, i64), (i64, i64)) = (xy[i], xy[j]);
        (a.0 - b.0).abs() + (a.1 - b.1).abs()
    });
    let hour = 60;
    let clients = (1..=4)
        .map(|loc| Client::new(loc, vec![40], 5, TimeWindow::new(6 * hour, 10 * hour)))
        .collect();
    let mut truck = VehicleType::new(2, vec![100], 0);
    truck.shift = TimeWindow::new(5 * hour, 14 * hour);
    truck.reload_facilities = vec![0];
    truck.end_empty = true;
    truck.lunch = Some(Break {
        duration: 30,
        window: TimeWindow::new(11 * hour, 12 * hour),
    });
    let problem = ProblemData::new(
        m.clone(),
        m,
        vec![Depot {
            location: 0,
            window: TimeWindow::new(5 * hour, 14 * hour),
        }],
        clients,
        vec![Facility {
            location: 5,
            window: TimeWindow::new(6 * hour, 13 * hour),
            service: 10,
        }],
        vec![truck],
    )
    .unwrap();
    let res = solve(
        &problem,
        &iterations(200, Objective::Hierarchical, 0),
        &mut (),
    );
    assert_waste_rules(&problem, &res.solution);
    // 160 kg on 100 kg trucks: one truck with a reload trip is enough.
    assert_eq!(res.solution.num_vehicles(), 1);
    let trips = check(&problem, &res.solution).routes[0].trips;
    assert!(trips >= 2, "160 kg take two collection trips: {trips}");
}

/// Parallel searches return the best of the runs with the same seeds alone.
#[test]
fn a_portfolio_returns_its_best_run() {
    let inst = read_instance(&data("solomon/R105.txt"), Objective::Distance).unwrap();
    let alone: Vec<i64> = (3..5)
        .map(|seed| {
            let res = solve(
                &inst.problem,
                &iterations(200, Objective::Distance, seed),
                &mut (),
            );
            check(&inst.problem, &res.solution).cost
        })
        .collect();
    let together = solve(
        &inst.problem,
        &SolveParams {
            threads: 2,
            ..iterations(200, Objective::Distance, 3)
        },
        &mut (),
    );
    let report = check(&inst.problem, &together.solution);
    assert!(together.feasible && report.is_feasible());
    assert_eq!(report.cost, *alone.iter().min().unwrap());
    assert_eq!(together.iterations, 400);
}
