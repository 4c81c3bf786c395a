//! The checker: best-known solutions are feasible at their published cost, and broken
//! solutions are caught.

use fenlei_routing::io::{read_instance, read_sol};
use fenlei_routing::{Objective, Solution, Visit, check};

use crate::data;

fn load_bks(name: &str, dir: &str, ext: &str) -> (fenlei_routing::io::Instance, Solution, f64) {
    let inst = read_instance(&data(&format!("{dir}/{name}.{ext}")), Objective::Distance).unwrap();
    let path = data(&format!("{dir}/{name}.sol"));
    let sol = read_sol(
        &path.display().to_string(),
        &std::fs::read_to_string(&path).unwrap(),
        &inst,
    )
    .unwrap();
    (inst, sol.solution, sol.cost.unwrap())
}

#[test]
fn solomon_bks_solutions_are_feasible_at_their_cost() {
    for name in ["C101", "C208", "R101", "R112", "R211", "RC105", "RC208"] {
        let (inst, sol, cost) = load_bks(name, "solomon", "txt");
        let report = check(&inst.problem, &sol);
        assert!(report.is_feasible(), "{name}: {:?}", report.violations());
        assert!(
            (report.distance as f64 / 10.0 - cost).abs() < 0.05,
            "{name}: {} vs {cost}",
            report.distance
        );
    }
}

#[test]
fn x_and_mtvrptwr_bks_solutions_are_feasible_at_their_cost() {
    let (inst, sol, cost) = load_bks("X-n101-k25", "cvrplib_x", "vrp");
    let report = check(&inst.problem, &sol);
    assert!(report.is_feasible());
    assert_eq!(report.distance as f64, cost);
    let (inst, sol, cost) = load_bks("C201R0.5", "mtvrptwr", "vrp");
    let report = check(&inst.problem, &sol);
    assert!(report.is_feasible(), "{:?}", report.violations());
    assert_eq!(report.distance as f64, cost);
    assert!(report.routes.iter().any(|r| r.trips > 1));
}

#[test]
fn broken_solutions_are_caught() {
    let (inst, sol, _) = load_bks("C101", "solomon", "txt");
    // Missing client.
    let mut missing = sol.clone();
    missing.routes[0].visits.pop();
    assert!(!check(&inst.problem, &missing).is_feasible());
    // Duplicate client.
    let mut dup = sol.clone();
    let first = dup.routes[0].visits[0];
    dup.routes[1].visits.push(first);
    assert!(
        check(&inst.problem, &dup)
            .errors
            .iter()
            .any(|e| e.contains("visited 2 times"))
    );
    // Reversing a tightly windowed route makes it late.
    let mut late = sol.clone();
    late.routes[0].visits.reverse();
    let report = check(&inst.problem, &late);
    assert!(report.routes[0].time_warp > 0);
    // Everything in one route breaks capacity.
    let all: Vec<Visit> = sol.routes.iter().flat_map(|r| r.visits.clone()).collect();
    let one = Solution {
        routes: vec![fenlei_routing::Route {
            vehicle_type: 0,
            visits: all,
        }],
    };
    assert!(check(&inst.problem, &one).routes[0].load_excess[0] > 0);
}
