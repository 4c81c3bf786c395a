//! fenlei's domain model: the administrative tree, categories and city rule sets, the events
//! devices and people report, and the validation that turns a feed's records into events.
//!
//! Pure data and rules: no IO, no async, no storage. Every other crate speaks these types.

pub mod category;
pub mod constants;
pub mod event;
pub mod fastjson;
pub mod plan;
pub mod quantities;
pub mod registry;
pub mod shape;
pub mod time;
pub mod units;
pub mod validate;
pub mod wire;

pub use category::{Category, CategorySet, KitchenMetric, RuleSet};
pub use constants::{Authority, CityConstants, Constants};
pub use event::*;
pub use quantities::{BinDay, Facts, PointWeighed, Quantities, Weighed};
pub use registry::{Household, PointInfo, Registry};
pub use shape::Shape;
pub use time::{Day, DayRange, Timestamp};
pub use units::{
    CityModel, Facility, FacilityId, FacilityKind, HouseholdId, Level, Unit, UnitId, Vehicle,
    VehicleId,
};
pub use validate::{Limits, RejectReason, Rejection, Validator};
pub use wire::WireRecord;
