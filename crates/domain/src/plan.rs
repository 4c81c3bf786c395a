//! Collection plans: which truck visits which points in which order on a day, where it unloads,
//! and when. Produced by the planner (`app::plan`, on the routing solver), stored, shown.

use crate::category::Category;
use crate::time::{Day, Timestamp};
use crate::units::{FacilityId, UnitId, VehicleId};

/// What happens at a stop of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum StopKind {
    /// Leaving or returning to the depot.
    Depot,
    /// Emptying the bins of a collection point.
    Point(UnitId),
    /// Unloading at a transfer station or plant (ends a trip).
    Facility(FacilityId),
    /// The driver's lunch break.
    Break,
}

/// One stop of a planned route.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct PlannedStop {
    /// What and where.
    pub kind: StopKind,
    /// Arrival.
    pub arrival: Timestamp,
    /// Start of service (after waiting for the window).
    pub start: Timestamp,
    /// Load on board after the stop, kg.
    pub load_kg: f64,
}

/// One truck's day.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlannedRoute {
    /// The truck.
    pub vehicle: VehicleId,
    /// Stops from leaving the depot to coming back.
    pub stops: Vec<PlannedStop>,
    /// Points served.
    pub points: usize,
    /// Trips (unloads at a facility).
    pub trips: usize,
    /// Kilograms collected.
    pub collected_kg: f64,
    /// Metres driven.
    pub distance_m: i64,
    /// Seconds from leaving the depot to coming back.
    pub duration_s: i64,
}

/// A district's collection plan for one category and day.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CollectionPlan {
    /// Stored id (0 before it is stored).
    pub id: i64,
    /// The district.
    pub district: UnitId,
    /// The category collected; every truck of the plan carries this category.
    pub category: Category,
    /// The day planned.
    pub day: Day,
    /// Points that expected waste and were planned.
    pub points: usize,
    /// Expected kilograms at those points.
    pub expected_kg: f64,
    /// Trucks used.
    pub vehicles: usize,
    /// Metres driven by all trucks.
    pub distance_m: i64,
    /// Whether every constraint holds (windows, capacities, daily load, lunch, ending empty).
    pub feasible: bool,
    /// Solver iterations and seconds spent.
    pub iterations: u64,
    /// Solver wall time, seconds.
    pub solve_seconds: f64,
    /// The routes.
    pub routes: Vec<PlannedRoute>,
}
