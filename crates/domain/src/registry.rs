//! Lookups from the codes that feeds carry to the dense ids that everything else uses.
//!
//! Built once from a [`CityModel`] and the household list, then shared read-only by validation,
//! the store and the simulator's writers.

use crate::category::CategorySet;
use crate::units::{CityModel, FacilityId, HouseholdId, Level, UnitId, VehicleId};
use std::collections::HashMap;

type Map<V> = HashMap<Box<str>, V, foldhash::fast::FixedState>;

/// A registered household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Household {
    /// Card or account number.
    pub code: String,
    /// Home estate.
    pub estate: UnitId,
    /// The collection point the household is assigned to.
    pub home_point: UnitId,
    /// Persons in the household.
    pub persons: u8,
}

/// What validation needs to know about a collection point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointInfo {
    /// The point.
    pub id: UnitId,
    /// The estate it serves.
    pub estate: UnitId,
    /// Its bins.
    pub accepts: CategorySet,
}

/// Code → id lookups over a city model and its households.
#[derive(Clone, Debug)]
pub struct Registry {
    model: CityModel,
    units: Map<UnitId>,
    vehicles: Map<VehicleId>,
    facilities: Map<FacilityId>,
    households: Map<HouseholdId>,
    household_codes: Vec<Box<str>>,
    household_estate: Vec<UnitId>,
    household_point: Vec<UnitId>,
    household_persons: Vec<u8>,
    point_estate: Vec<UnitId>,
}

impl Registry {
    /// Builds the lookups. Household `i` in `households` gets `HouseholdId(i)`.
    pub fn new(model: CityModel, households: Vec<Household>) -> Registry {
        let units = model
            .units
            .iter()
            .map(|u| (u.code.as_str().into(), u.id))
            .collect();
        let vehicles = model
            .vehicles
            .iter()
            .enumerate()
            .map(|(i, v)| (v.code.as_str().into(), VehicleId(i as u32)))
            .collect();
        let facilities = model
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| (f.code.as_str().into(), FacilityId(i as u32)))
            .collect();
        let point_estate = model
            .units
            .iter()
            .map(|u| match u.level {
                Level::Point => u.parent.unwrap_or(u.id),
                _ => u.id,
            })
            .collect();
        let mut registry = Registry {
            model,
            units,
            vehicles,
            facilities,
            households: Map::default(),
            household_codes: Vec::new(),
            household_estate: Vec::new(),
            household_point: Vec::new(),
            household_persons: Vec::new(),
            point_estate,
        };
        registry.households.reserve(households.len());
        for h in households {
            registry.push_household(h);
        }
        registry
    }

    /// Registers one more household and returns its id.
    pub fn push_household(&mut self, h: Household) -> HouseholdId {
        let id = HouseholdId(self.household_codes.len() as u32);
        self.households.insert(h.code.as_str().into(), id);
        self.household_codes.push(h.code.into());
        self.household_estate.push(h.estate);
        self.household_point.push(h.home_point);
        self.household_persons.push(h.persons);
        id
    }

    /// The city model.
    pub fn model(&self) -> &CityModel {
        &self.model
    }

    /// The unit with this code.
    pub fn unit(&self, code: &str) -> Option<UnitId> {
        self.units.get(code).copied()
    }

    /// The collection point with this code (units of other levels are not points).
    pub fn point(&self, code: &str) -> Option<PointInfo> {
        let id = self.unit(code)?;
        let u = self.model.unit(id);
        (u.level == Level::Point).then(|| PointInfo {
            id,
            estate: self.point_estate[id.0 as usize],
            accepts: u.accepts,
        })
    }

    /// The estate a point belongs to (the unit itself for other levels).
    pub fn estate_of_point(&self, point: UnitId) -> UnitId {
        self.point_estate[point.0 as usize]
    }

    /// The household with this code.
    pub fn household(&self, code: &str) -> Option<HouseholdId> {
        self.households.get(code).copied()
    }

    /// The code of a household.
    pub fn household_code(&self, id: HouseholdId) -> &str {
        &self.household_codes[id.0 as usize]
    }

    /// The home estate of a household.
    pub fn household_estate(&self, id: HouseholdId) -> UnitId {
        self.household_estate[id.0 as usize]
    }

    /// The assigned point of a household.
    pub fn household_point(&self, id: HouseholdId) -> UnitId {
        self.household_point[id.0 as usize]
    }

    /// Number of registered households.
    pub fn household_count(&self) -> usize {
        self.household_codes.len()
    }

    /// Every household, in id order.
    pub fn households(&self) -> impl Iterator<Item = Household> + '_ {
        (0..self.household_count()).map(|i| Household {
            code: self.household_codes[i].to_string(),
            estate: self.household_estate[i],
            home_point: self.household_point[i],
            persons: self.household_persons[i],
        })
    }

    /// The truck with this code.
    pub fn vehicle(&self, code: &str) -> Option<VehicleId> {
        self.vehicles.get(code).copied()
    }

    /// The facility with this code.
    pub fn facility(&self, code: &str) -> Option<FacilityId> {
        self.facilities.get(code).copied()
    }

    /// The code of a unit.
    pub fn unit_code(&self, id: UnitId) -> &str {
        &self.model.unit(id).code
    }
}
