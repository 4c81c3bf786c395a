//! fenlei-routing: vehicle routing for waste collection.
//!
//! * [`model`]: the problem ([`ProblemData`]) built from matrices — depots, clients with
//!   demands and windows, reload/disposal facilities, a heterogeneous fleet with shifts,
//!   breaks, daily limits and the "come home empty" rule.
//! * [`search`]: the solver ([`solve`]), an iterated local search over granular neighbourhoods
//!   with O(1) move evaluation from concatenated route segments (node moves and SWAP*),
//!   adaptive penalties, fleet reduction, and a portfolio of seeds on several threads.
//! * [`check`]: an independent checker that recomputes feasibility and cost from scratch.
//! * [`io`]: parsers for Solomon, VRPLIB (CVRP and MTVRPTWR), Kim et al. waste instances,
//!   CVRPLIB `.sol` files and `bks.csv`, a `.sol` writer, and a waste day as VRPLIB with
//!   explicit matrices (written and read).
//!
//! Architecture invariant: the checker shares no evaluation code with the search; every
//! test and benchmark judges solver output with the checker.
//!
//! # Example: one day of a waste category
//!
//! ```
//! use fenlei_routing::{
//!     Break, Client, Depot, Facility, Matrix, Objective, ProblemData, SolveParams, TimeWindow,
//!     VehicleType, check, solve,
//! };
//!
//! // Locations: 0 depot, 1–4 collection points, 5 transfer station. Units: metres, seconds, kg.
//! let xy: [(i64, i64); 6] = [(0, 0), (900, 0), (900, 900), (0, 900), (-900, 0), (2000, 2000)];
//! let metres = Matrix::from_fn(6, |i, j| (xy[i].0 - xy[j].0).abs() + (xy[i].1 - xy[j].1).abs());
//! let seconds = Matrix::from_fn(6, |i, j| metres.get(i, j) / 8); // about 30 km/h
//! let h = 3600;
//! let points = (1..=4)
//!     .map(|loc| Client::new(loc, vec![1_200], 300, TimeWindow::new(6 * h, 10 * h)))
//!     .collect();
//! let mut truck = VehicleType::new(2, vec![3_000], 0); // two trucks of 3 t
//! truck.shift = TimeWindow::new(5 * h, 15 * h);
//! truck.reload_facilities = vec![0]; // may unload at the transfer station
//! truck.end_empty = true; // and must, before going home
//! truck.max_daily_load = Some(vec![8_000]);
//! truck.lunch = Some(Break { duration: h, window: TimeWindow::new(11 * h, 12 * h) });
//! let problem = ProblemData::new(
//!     metres,
//!     seconds,
//!     vec![Depot { location: 0, window: TimeWindow::new(5 * h, 16 * h) }],
//!     points,
//!     vec![Facility { location: 5, window: TimeWindow::new(6 * h, 18 * h), service: 900 }],
//!     vec![truck],
//! )
//! .unwrap();
//! let params = SolveParams {
//!     max_iterations: Some(200),
//!     time_limit: None,
//!     objective: Objective::Hierarchical,
//!     ..SolveParams::default()
//! };
//! let result = solve(&problem, &params, &mut ());
//! let report = check(&problem, &result.solution);
//! assert!(report.is_feasible());
//! assert_eq!(report.vehicles, 1); // 4.8 t fits one truck with a reload trip
//! for route in &report.routes {
//!     for stop in &route.schedule {
//!         let _ = (stop.visit, stop.arrival, stop.start, &stop.load);
//!     }
//! }
//! ```

pub mod check;
pub mod io;
pub mod model;
pub mod rng;
pub mod search;
pub mod solution;

pub use check::{Report, check};
pub use model::{
    Break, Client, Depot, Facility, Matrix, ModelError, ProblemData, TimeWindow, VehicleType,
};
pub use search::{Objective, Progress, ProgressInfo, SolveParams, SolveResult, solve};
pub use solution::{Route, Solution, Visit};
