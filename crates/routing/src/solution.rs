//! Plain solutions: which vehicle type drives which sequence of visits. This is what the
//! solver returns, what the checker judges and what `.sol` files are read into.

/// One stop of a route besides its start and end depot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visit {
    /// Serve client `i` (index into [`crate::ProblemData::clients`]).
    Client(usize),
    /// Unload at facility `i` (index into [`crate::ProblemData::facilities`]); starts a new trip.
    Facility(usize),
    /// The driver's break, taken where the previous visit was.
    Break,
}

/// One vehicle's day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// Index into [`crate::ProblemData::vehicle_types`].
    pub vehicle_type: usize,
    /// Visits in order, without the start and end depot.
    pub visits: Vec<Visit>,
}

impl Route {
    /// Number of client visits.
    pub fn num_clients(&self) -> usize {
        self.visits
            .iter()
            .filter(|v| matches!(v, Visit::Client(_)))
            .count()
    }
}

/// A set of routes; used routes only (a vehicle without clients is simply absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Solution {
    /// The routes.
    pub routes: Vec<Route>,
}

impl Solution {
    /// Number of routes that serve at least one client.
    pub fn num_vehicles(&self) -> usize {
        self.routes.iter().filter(|r| r.num_clients() > 0).count()
    }
}
