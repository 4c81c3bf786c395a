//! The problem model: a plain, validated description of one routing problem built from
//! matrices (PyVRP's `ProblemData` idea). Every quantity is an integer in units the caller
//! chooses (for example metres, seconds, kilograms): integers keep move evaluation exact and
//! runs reproducible. Parsers in [`crate::io`] and the city planner both build this type.

use thiserror::Error;

/// Most demand dimensions a problem may have (for example kilograms and litres).
pub const MAX_DIMS: usize = 3;

/// "No limit" for times: far beyond any realistic horizon yet safe from overflow when
/// segment arithmetic adds and subtracts a few of them.
pub const TIME_MAX: i64 = 1 << 50;

/// A closed interval `[early, late]` in which something must *start*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// Earliest start.
    pub early: i64,
    /// Latest start.
    pub late: i64,
}

impl TimeWindow {
    /// A window that never binds.
    pub const ALWAYS: Self = Self {
        early: 0,
        late: TIME_MAX,
    };

    /// `[early, late]`.
    pub const fn new(early: i64, late: i64) -> Self {
        Self { early, late }
    }
}

/// A dense square matrix of integer travel distances or durations between locations.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    size: usize,
    data: Vec<i64>,
}

impl Matrix {
    /// Builds an `n × n` matrix from `value(from, to)`.
    pub fn from_fn(size: usize, mut value: impl FnMut(usize, usize) -> i64) -> Self {
        let mut data = Vec::with_capacity(size * size);
        for from in 0..size {
            for to in 0..size {
                data.push(value(from, to));
            }
        }
        Self { size, data }
    }

    /// Wraps row-major data; fails unless `data.len() == size * size`.
    pub fn from_rows(size: usize, data: Vec<i64>) -> Result<Self, ModelError> {
        if data.len() != size * size {
            return Err(ModelError::MatrixShape {
                expected: size * size,
                found: data.len(),
            });
        }
        Ok(Self { size, data })
    }

    /// Number of locations.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Value from `from` to `to`.
    #[inline(always)]
    pub fn get(&self, from: usize, to: usize) -> i64 {
        self.data[from * self.size + to]
    }
}

/// A depot where vehicles start and end their day.
#[derive(Clone, Debug, PartialEq)]
pub struct Depot {
    /// Index into the matrices.
    pub location: usize,
    /// Opening hours: vehicles leave no earlier than `early` and are back by `late`.
    pub window: TimeWindow,
}

/// A place that must be visited once (a collection point).
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    /// Index into the matrices.
    pub location: usize,
    /// Amount picked up, one entry per dimension.
    pub demand: Vec<i64>,
    /// Time spent at the client.
    pub service: i64,
    /// Window in which service must start.
    pub window: TimeWindow,
    /// Earliest start of the trip (at its depot or facility) that serves this client.
    pub release: i64,
}

impl Client {
    /// A client with the given location, demand, service time and window, released at 0.
    pub fn new(location: usize, demand: Vec<i64>, service: i64, window: TimeWindow) -> Self {
        Self {
            location,
            demand,
            service,
            window,
            release: 0,
        }
    }
}

/// An intermediate facility (transfer station, plant, landfill or a depot used for reloads):
/// visiting it empties the vehicle and starts a new trip.
#[derive(Clone, Debug, PartialEq)]
pub struct Facility {
    /// Index into the matrices.
    pub location: usize,
    /// Window in which unloading must start.
    pub window: TimeWindow,
    /// Time spent unloading.
    pub service: i64,
}

/// A driver break (lunch) that must *start* inside `window` and lasts `duration`; it is
/// taken where the vehicle is at that moment, so it adds time but no distance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Break {
    /// Length of the break.
    pub duration: i64,
    /// Window for the start of the break.
    pub window: TimeWindow,
}

/// One kind of vehicle and how many of them are available.
#[derive(Clone, Debug, PartialEq)]
pub struct VehicleType {
    /// Number of vehicles of this type.
    pub count: usize,
    /// Capacity per trip, one entry per demand dimension.
    pub capacity: Vec<i64>,
    /// Depot (index into the problem's depots) where routes start.
    pub start_depot: usize,
    /// Depot where routes end.
    pub end_depot: usize,
    /// Cost of using one vehicle of this type.
    pub fixed_cost: i64,
    /// Cost per unit of distance.
    pub unit_distance_cost: i64,
    /// Cost per unit of route duration.
    pub unit_duration_cost: i64,
    /// Shift: leave no earlier than `early`, be back no later than `late`.
    pub shift: TimeWindow,
    /// Longest route duration.
    pub max_duration: i64,
    /// Longest route distance.
    pub max_distance: i64,
    /// Facilities (indices into the problem's facilities) where this type may unload.
    pub reload_facilities: Vec<usize>,
    /// Total collected per day across all trips, per dimension (`None`: unlimited).
    pub max_daily_load: Option<Vec<i64>>,
    /// Most clients a route may visit (`None`: unlimited).
    pub max_stops: Option<usize>,
    /// The driver's break, if any; every used vehicle of this type takes it.
    pub lunch: Option<Break>,
    /// Waste rule: a used route must unload at a facility right before returning to its
    /// end depot, so the vehicle comes home empty.
    pub end_empty: bool,
}

impl VehicleType {
    /// `count` vehicles with the given capacity based at `depot`, distance cost 1 per unit,
    /// no fixed or time cost and no other limit.
    pub fn new(count: usize, capacity: Vec<i64>, depot: usize) -> Self {
        Self {
            count,
            capacity,
            start_depot: depot,
            end_depot: depot,
            fixed_cost: 0,
            unit_distance_cost: 1,
            unit_duration_cost: 0,
            shift: TimeWindow::ALWAYS,
            max_duration: TIME_MAX,
            max_distance: TIME_MAX,
            reload_facilities: Vec::new(),
            max_daily_load: None,
            max_stops: None,
            lunch: None,
            end_empty: false,
        }
    }
}

/// Something wrong with a problem description.
#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    /// A matrix does not have `size²` entries.
    #[error("matrix has {found} entries, expected {expected}")]
    MatrixShape {
        /// Expected number of entries.
        expected: usize,
        /// Number found.
        found: usize,
    },
    /// Distance and duration matrices differ in size.
    #[error("distance matrix is {0}×{0} but duration matrix is {1}×{1}")]
    MatrixMismatch(usize, usize),
    /// A location index is outside the matrices.
    #[error("{what} refers to location {location}, but the matrices have {size}")]
    Location {
        /// Which item.
        what: String,
        /// The bad index.
        location: usize,
        /// Matrix size.
        size: usize,
    },
    /// Demand or capacity vectors disagree in length.
    #[error("{what} has {found} demand dimensions, expected {expected} (at most {MAX_DIMS})")]
    Dimensions {
        /// Which item.
        what: String,
        /// Length found.
        found: usize,
        /// Length expected.
        expected: usize,
    },
    /// A reference to a depot or facility that does not exist.
    #[error("{0}")]
    Reference(String),
    /// A window with `early > late`, or a negative quantity.
    #[error("{0}")]
    Value(String),
    /// No vehicles at all.
    #[error("the problem has no vehicles")]
    NoVehicles,
}

/// A complete routing problem.
#[derive(Clone, Debug, PartialEq)]
pub struct ProblemData {
    distance: Matrix,
    duration: Matrix,
    depots: Vec<Depot>,
    clients: Vec<Client>,
    facilities: Vec<Facility>,
    vehicle_types: Vec<VehicleType>,
    dims: usize,
}

impl ProblemData {
    /// Builds and validates a problem.
    pub fn new(
        distance: Matrix,
        duration: Matrix,
        depots: Vec<Depot>,
        clients: Vec<Client>,
        facilities: Vec<Facility>,
        vehicle_types: Vec<VehicleType>,
    ) -> Result<Self, ModelError> {
        if distance.size() != duration.size() {
            return Err(ModelError::MatrixMismatch(distance.size(), duration.size()));
        }
        let size = distance.size();
        let check_loc = |what: String, location: usize| {
            if location >= size {
                Err(ModelError::Location {
                    what,
                    location,
                    size,
                })
            } else {
                Ok(())
            }
        };
        let check_window = |what: String, w: TimeWindow| {
            if w.early > w.late {
                Err(ModelError::Value(format!(
                    "{what} has window [{}, {}] with early > late",
                    w.early, w.late
                )))
            } else {
                Ok(())
            }
        };
        let dims = vehicle_types
            .first()
            .map(|v| v.capacity.len())
            .ok_or(ModelError::NoVehicles)?;
        if dims == 0 || dims > MAX_DIMS {
            return Err(ModelError::Dimensions {
                what: "vehicle type 0".into(),
                found: dims,
                expected: 1,
            });
        }
        for (i, d) in depots.iter().enumerate() {
            check_loc(format!("depot {i}"), d.location)?;
            check_window(format!("depot {i}"), d.window)?;
        }
        for (i, c) in clients.iter().enumerate() {
            check_loc(format!("client {i}"), c.location)?;
            check_window(format!("client {i}"), c.window)?;
            if c.demand.len() != dims {
                return Err(ModelError::Dimensions {
                    what: format!("client {i}"),
                    found: c.demand.len(),
                    expected: dims,
                });
            }
            if c.service < 0 || c.demand.iter().any(|&q| q < 0) {
                return Err(ModelError::Value(format!(
                    "client {i} has a negative service time or demand"
                )));
            }
        }
        for (i, f) in facilities.iter().enumerate() {
            check_loc(format!("facility {i}"), f.location)?;
            check_window(format!("facility {i}"), f.window)?;
        }
        if vehicle_types.iter().all(|v| v.count == 0) {
            return Err(ModelError::NoVehicles);
        }
        for (i, v) in vehicle_types.iter().enumerate() {
            if v.capacity.len() != dims {
                return Err(ModelError::Dimensions {
                    what: format!("vehicle type {i}"),
                    found: v.capacity.len(),
                    expected: dims,
                });
            }
            if v.start_depot >= depots.len() || v.end_depot >= depots.len() {
                return Err(ModelError::Reference(format!(
                    "vehicle type {i} refers to a depot that does not exist"
                )));
            }
            if let Some(&f) = v.reload_facilities.iter().find(|&&f| f >= facilities.len()) {
                return Err(ModelError::Reference(format!(
                    "vehicle type {i} refers to facility {f}, which does not exist"
                )));
            }
            if let Some(limit) = &v.max_daily_load
                && limit.len() != dims
            {
                return Err(ModelError::Dimensions {
                    what: format!("daily load limit of vehicle type {i}"),
                    found: limit.len(),
                    expected: dims,
                });
            }
            if v.end_empty && v.reload_facilities.is_empty() {
                return Err(ModelError::Reference(format!(
                    "vehicle type {i} must end empty but may unload at no facility"
                )));
            }
            check_window(format!("shift of vehicle type {i}"), v.shift)?;
            if let Some(b) = v.lunch {
                check_window(format!("break of vehicle type {i}"), b.window)?;
            }
        }
        Ok(Self {
            distance,
            duration,
            depots,
            clients,
            facilities,
            vehicle_types,
            dims,
        })
    }

    /// Distance matrix.
    pub fn distance(&self) -> &Matrix {
        &self.distance
    }
    /// Duration (travel time) matrix.
    pub fn duration(&self) -> &Matrix {
        &self.duration
    }
    /// Depots.
    pub fn depots(&self) -> &[Depot] {
        &self.depots
    }
    /// Clients (collection points); solutions refer to them by index.
    pub fn clients(&self) -> &[Client] {
        &self.clients
    }
    /// Reload / disposal facilities.
    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }
    /// Vehicle types.
    pub fn vehicle_types(&self) -> &[VehicleType] {
        &self.vehicle_types
    }
    /// Number of demand dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }
    /// Total number of vehicles over all types.
    pub fn fleet_size(&self) -> usize {
        self.vehicle_types.iter().map(|v| v.count).sum()
    }

    /// The same problem with different vehicle types (used to change fleet sizes or costs).
    pub fn with_vehicle_types(&self, vehicle_types: Vec<VehicleType>) -> Result<Self, ModelError> {
        Self::new(
            self.distance.clone(),
            self.duration.clone(),
            self.depots.clone(),
            self.clients.clone(),
            self.facilities.clone(),
            vehicle_types,
        )
    }
}
