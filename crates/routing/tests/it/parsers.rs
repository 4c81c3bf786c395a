//! Parsers: shapes and conventions of every format, and bad files naming their line.

use fenlei_routing::Objective;
use fenlei_routing::io::{Convention, Format, read_bks, read_instance, read_sol};

use crate::{data, fixture};

#[test]
fn solomon_dimacs_and_exact_conventions() {
    let d = read_instance(&data("solomon/C101.txt"), Objective::Distance).unwrap();
    assert_eq!(d.format, Format::Solomon);
    assert_eq!(d.convention, Convention::Dimacs);
    assert_eq!(d.problem.clients().len(), 100);
    assert_eq!(d.problem.vehicle_types()[0].count, 25);
    assert_eq!(d.problem.vehicle_types()[0].capacity, vec![200]);
    // Depot horizon 1236 in tenths; client 1: (45,68), window 912–967, service 90.
    assert_eq!(d.problem.depots()[0].window.late, 12_360);
    assert_eq!(d.problem.clients()[0].window.early, 9_120);
    assert_eq!(d.problem.clients()[0].service, 900);
    // Depot (40,50) to client 1 (45,68): sqrt(349) = 18.68… → 186 tenths (truncated).
    assert_eq!(d.problem.distance().get(0, 1), 186);
    let e = read_instance(&data("solomon/C101.txt"), Objective::Hierarchical).unwrap();
    assert_eq!(e.convention, Convention::Exact);
    assert_eq!(e.problem.distance().get(0, 1), 186_815);
    assert!(e.problem.duration().get(0, 1) >= 186_815);
}

#[test]
fn gehring_homberger_parses() {
    let i = read_instance(&data("gehring_homberger/c1_2_1.txt"), Objective::Distance).unwrap();
    assert_eq!(i.problem.clients().len(), 200);
}

#[test]
fn cvrplib_x_rounds_and_numbers_sol_ids_from_zero() {
    let i = read_instance(&data("cvrplib_x/X-n101-k25.vrp"), Objective::Distance).unwrap();
    assert_eq!(i.format, Format::Cvrp);
    assert_eq!(i.convention, Convention::Rounded);
    assert_eq!(i.problem.clients().len(), 100);
    assert_eq!(i.problem.vehicle_types()[0].capacity, vec![206]);
    assert_eq!(i.sol_ids[1], 1);
}

#[test]
fn mtvrptwr_has_depot_reloads_and_release_times() {
    let i = read_instance(&data("mtvrptwr/C201R0.5.vrp"), Objective::Distance).unwrap();
    assert_eq!(i.format, Format::Mtvrptwr);
    assert_eq!(i.problem.vehicle_types()[0].count, 8);
    assert_eq!(i.problem.facilities().len(), 1);
    assert_eq!(i.problem.facilities()[0].location, 0);
    assert_eq!(i.problem.vehicle_types()[0].reload_facilities, vec![0]);
    // Node 9 (client 8) is released at 1365 → 13650 tenths.
    assert_eq!(i.problem.clients()[7].release, 13_650);
    assert_eq!(i.problem.depots()[0].window.late, 33_900);
}

#[test]
fn kim_reads_hhmm_manhattan_and_the_waste_rules() {
    let i = read_instance(
        &data("wcvrptw_kim2006/102_stop.txt"),
        Objective::Hierarchical,
    )
    .unwrap();
    assert_eq!(i.format, Format::Kim);
    assert_eq!(i.problem.clients().len(), 99);
    assert_eq!(i.problem.facilities().len(), 2);
    let vt = &i.problem.vehicle_types()[0];
    assert!(vt.end_empty);
    assert_eq!(vt.capacity, vec![28_000]);
    assert_eq!(vt.max_daily_load, Some(vec![40_000]));
    assert_eq!(vt.max_stops, Some(500));
    let lunch = vt.lunch.unwrap();
    assert_eq!(lunch.duration, 36_000);
    assert_eq!((lunch.window.early, lunch.window.late), (396_000, 432_000));
    // Depot 04:00–15:00 in tenths of a second.
    assert_eq!(i.problem.depots()[0].window.early, 144_000);
    // Stop 0 → 1: 15387 ft Manhattan, 262.3 s at 40 mph.
    assert_eq!(i.problem.distance().get(0, 1), 1_538_700);
    assert_eq!(i.problem.duration().get(0, 1), 2_623);
    // The tab-separated file with quoted headers parses too.
    let j = read_instance(
        &data("wcvrptw_kim2006/444_stop.txt"),
        Objective::Hierarchical,
    )
    .unwrap();
    assert_eq!(j.problem.clients().len(), 442);
}

#[test]
fn kim_invalid_clock_values_overflow_into_hours() {
    let i = read_instance(&fixture("kim_tiny_stop.txt"), Objective::Hierarchical).unwrap();
    // Landfill window 0650–1675: 1675 is read as 16 h + 75 min = 17:15.
    let w = i.problem.facilities()[0].window;
    assert_eq!(
        (w.early, w.late),
        ((6 * 3600 + 50 * 60) * 10, (17 * 3600 + 15 * 60) * 10)
    );
}

#[test]
fn bad_files_name_the_line() {
    let cases = [
        (
            "bad_solomon_short_row.txt",
            "bad_solomon_short_row.txt:12: expected 7 fields",
        ),
        (
            "bad_kim_stop_type.txt",
            "bad_kim_stop_type.txt:12: stop type 4",
        ),
        (
            "bad_vrplib_node_id.vrp",
            "bad_vrplib_node_id.vrp:9: node id 7",
        ),
    ];
    for (file, expected) in cases {
        let err = read_instance(&fixture(file), Objective::Distance)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{file}: got '{err}'");
    }
    let inst = read_instance(&data("solomon/C101.txt"), Objective::Distance).unwrap();
    let text = std::fs::read_to_string(fixture("bad_sol_unknown_id.sol")).unwrap();
    let err = read_sol("bad.sol", &text, &inst).unwrap_err().to_string();
    assert!(err.starts_with("bad.sol:1: id 999"), "got '{err}'");
}

#[test]
fn bks_table_reads_quoted_rows() {
    let text = std::fs::read_to_string(data("bks.csv")).unwrap();
    let rows = read_bks("bks.csv", &text).unwrap();
    let c101 = rows
        .iter()
        .find(|r| r.instance == "C101" && r.objective == "distance_dimacs")
        .unwrap();
    assert_eq!((c101.vehicles, c101.value), (Some(10), Some(827.3)));
    let hier = rows
        .iter()
        .filter(|r| r.set == "solomon100" && r.objective == "hier_vehicles_then_distance")
        .count();
    assert_eq!(hier, 56);
    let mt = rows.iter().find(|r| r.instance == "C201R0.5").unwrap();
    assert_eq!(mt.value, Some(15006.0));
    let bad = "instance,set,objective,vehicles,distance\nC101,s,d,10,827.3\n\"C102\",s,d,ten,1\n";
    let err = read_bks("bks.csv", bad).unwrap_err().to_string();
    assert_eq!(err, "bks.csv:3: vehicles: 'ten' is not a number");
    let short = read_bks("bks.csv", "instance,set\nC101,s,d\n").unwrap_err();
    assert_eq!(short.to_string(), "bks.csv:2: expected at least 5 columns");
}

/// A waste day written as VRPLIB reads back as the same problem: every solution gets the
/// same verdict, and `.sol` ids round-trip.
#[test]
fn waste_vrplib_export_round_trips() {
    use fenlei_routing::io::{parse_instance, write_sol, write_waste_vrplib};
    use fenlei_routing::{SolveParams, check, solve};
    let kim = read_instance(
        &data("wcvrptw_kim2006/102_stop.txt"),
        Objective::Hierarchical,
    )
    .unwrap();
    let text = write_waste_vrplib("kim102", "Kim et al. 102 stops", &kim.problem).unwrap();
    let back = parse_instance("kim102.vrp", "kim102", &text, Objective::Hierarchical).unwrap();
    assert_eq!(back.format, Format::WasteVrplib);
    assert_eq!(back.name, "kim102");
    let (a, b) = (&kim.problem, &back.problem);
    assert_eq!(a.clients().len(), b.clients().len());
    assert_eq!(a.facilities().len(), b.facilities().len());
    assert_eq!(a.vehicle_types()[0].lunch, b.vehicle_types()[0].lunch);
    assert_eq!(
        a.vehicle_types()[0].max_daily_load,
        b.vehicle_types()[0].max_daily_load
    );
    assert!(b.vehicle_types()[0].end_empty);
    let params = SolveParams {
        max_iterations: Some(30),
        time_limit: None,
        objective: Objective::Hierarchical,
        ..SolveParams::default()
    };
    let solution = solve(a, &params, &mut ()).solution;
    let (ra, rb) = (check(a, &solution), check(b, &solution));
    assert!(
        ra.is_feasible() && rb.is_feasible(),
        "{:?}",
        rb.violations()
    );
    assert_eq!((ra.distance, ra.duration), (rb.distance, rb.duration));
    let sol = write_sol(&back, &solution, "0");
    let read = read_sol("kim102.sol", &sol, &back).unwrap();
    let without_breaks = |s: &fenlei_routing::Solution| {
        s.routes
            .iter()
            .map(|r| {
                r.visits
                    .iter()
                    .filter(|v| **v != fenlei_routing::Visit::Break)
                    .count()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(without_breaks(&read.solution), without_breaks(&solution));
    // A file without its duration matrix is refused by name.
    let cut = text.replace("EDGE_DURATION_SECTION", "X_SECTION");
    let err = parse_instance("cut.vrp", "cut", &cut, Objective::Hierarchical).unwrap_err();
    assert_eq!(err.to_string(), "cut.vrp: missing EDGE_DURATION_SECTION");
}
