//! The device registry: which points, vehicles or facilities each device may report for.
//!
//! A CSV file with the header `device,may_report_for`, one row per device and scope: a unit's
//! code (a point, or an estate or any unit above: the device may report for every point under
//! it), a truck's code or a facility's code. A device with no row may report nothing.
//!
//! Simulated cities name their devices after what they report for: `bin-<point>` (the point's
//! smart bin and station camera: put-ins and incidents), `truck-<vehicle>` (pickups),
//! `wb-<facility>` (weighbridge tickets), `plant-<facility>` (treatment reports) and
//! `staff-<estate>` (inspections and surveys of the estate).

use crate::MqttError;
use fenlei_domain::{CityModel, Event, FacilityId, Level, Registry, UnitId, VehicleId};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What one device may report for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Units (points, or units above them).
    pub units: HashSet<UnitId>,
    /// Trucks.
    pub vehicles: HashSet<VehicleId>,
    /// Facilities.
    pub facilities: HashSet<FacilityId>,
}

/// Device id → scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceRegistry {
    scopes: HashMap<String, Scope>,
}

impl DeviceRegistry {
    /// Reads a registry file, resolving every code against the city.
    pub fn read(path: &Path, registry: &Registry) -> Result<DeviceRegistry, MqttError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| MqttError::Usage(format!("{}: {e}", path.display())))?;
        Self::parse(&text, registry)
            .map_err(|e| MqttError::Usage(format!("{}: {e}", path.display())))
    }

    /// Parses registry CSV text.
    pub fn parse(text: &str, registry: &Registry) -> Result<DeviceRegistry, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| e.to_string())?.clone();
        if header.iter().collect::<Vec<_>>() != ["device", "may_report_for"] {
            return Err("expected the header device,may_report_for".into());
        }
        let mut out = DeviceRegistry::default();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| format!("line {}: {e}", i + 2))?;
            let (device, code) = (&row[0], &row[1]);
            if device.is_empty() || device.contains(['/', '+', '#']) {
                return Err(format!("line {}: bad device id {device:?}", i + 2));
            }
            let scope = out.scopes.entry(device.to_owned()).or_default();
            if let Some(u) = registry.unit(code) {
                scope.units.insert(u);
            } else if let Some(v) = registry.vehicle(code) {
                scope.vehicles.insert(v);
            } else if let Some(f) = registry.facility(code) {
                scope.facilities.insert(f);
            } else {
                return Err(format!(
                    "line {}: {code:?} is no unit, truck or facility of this city",
                    i + 2
                ));
            }
        }
        Ok(out)
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.scopes.len()
    }

    /// Whether no device is registered.
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Whether `device` may report `event`; the reason when not.
    pub fn permits(&self, model: &CityModel, device: &str, event: &Event) -> Result<(), String> {
        let Some(scope) = self.scopes.get(device) else {
            return Err(format!("device {device} is not registered"));
        };
        let unit_ok = |u: UnitId| model.ancestors(u).any(|a| scope.units.contains(&a));
        let (ok, what) = match event {
            Event::PutIn(e) => (unit_ok(e.point), model.unit(e.point).code.clone()),
            Event::Incident(e) => (unit_ok(e.point), model.unit(e.point).code.clone()),
            Event::Inspection(e) => (unit_ok(e.unit), model.unit(e.unit).code.clone()),
            Event::Survey(e) => (unit_ok(e.unit), model.unit(e.unit).code.clone()),
            Event::Pickup(e) => (
                scope.vehicles.contains(&e.vehicle),
                model.vehicles[e.vehicle.0 as usize].code.clone(),
            ),
            Event::WeighTicket(e) => (
                scope.facilities.contains(&e.facility),
                model.facilities[e.facility.0 as usize].code.clone(),
            ),
            Event::Treatment(e) => (
                scope.facilities.contains(&e.facility),
                model.facilities[e.facility.0 as usize].code.clone(),
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "device {device} may not report {} for {what}",
                event.kind()
            ))
        }
    }
}

/// The device kind and id a simulated city reports `event` from.
pub fn sim_device(model: &CityModel, event: &Event) -> (&'static str, String) {
    let unit = |u: UnitId| &model.unit(u).code;
    let estate = |u: UnitId| unit(model.ancestor_at(u, Level::Estate).unwrap_or(u));
    match event {
        Event::PutIn(e) => ("smart_bin", format!("bin-{}", unit(e.point))),
        Event::Incident(e) => ("smart_bin", format!("bin-{}", unit(e.point))),
        Event::Inspection(e) => ("staff", format!("staff-{}", estate(e.unit))),
        Event::Survey(e) => ("staff", format!("staff-{}", estate(e.unit))),
        Event::Pickup(e) => (
            "truck",
            format!("truck-{}", model.vehicles[e.vehicle.0 as usize].code),
        ),
        Event::WeighTicket(e) => (
            "weighbridge",
            format!("wb-{}", model.facilities[e.facility.0 as usize].code),
        ),
        Event::Treatment(e) => (
            "plant",
            format!("plant-{}", model.facilities[e.facility.0 as usize].code),
        ),
    }
}

/// The registry of a simulated city's devices, as CSV (`fenlei mqtt --write-devices`).
pub fn sim_registry_csv(model: &CityModel) -> String {
    let mut out = String::from("device,may_report_for\n");
    for u in model.at_level(Level::Point) {
        out += &format!("bin-{0},{0}\n", u.code);
    }
    for u in model.at_level(Level::Estate) {
        out += &format!("staff-{0},{0}\n", u.code);
    }
    for v in &model.vehicles {
        out += &format!("truck-{0},{0}\n", v.code);
    }
    for f in &model.facilities {
        out += &format!("wb-{0},{0}\nplant-{0},{0}\n", f.code);
    }
    out
}
