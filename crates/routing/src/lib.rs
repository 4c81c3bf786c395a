//! fenlei-routing: vehicle routing for waste collection.
//!
//! * [`model`]: the problem ([`ProblemData`]) built from matrices — depots, clients with
//!   demands and windows, reload/disposal facilities, a heterogeneous fleet with shifts,
//!   breaks, daily limits and the "come home empty" rule.
//! * [`search`]: the solver ([`solve`]), an iterated local search over granular neighbourhoods
//!   with O(1) move evaluation from concatenated route segments and adaptive penalties.
//! * [`check`]: an independent checker that recomputes feasibility and cost from scratch.
//! * [`io`]: parsers for Solomon, VRPLIB (CVRP and MTVRPTWR), Kim et al. waste instances,
//!   CVRPLIB `.sol` files and `bks.csv`, and a `.sol` writer.
//!
//! Architecture invariant: the checker shares no evaluation code with the search; every
//! test and benchmark judges solver output with the checker.

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
