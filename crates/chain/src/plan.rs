//! A day's collection plan against what the trucks did: points served late or missed, points
//! served without being planned, trucks used, distance driven beyond the plan.
//!
//! The actual route of a truck is its pickups of the day in time order, with a visit to the
//! facility of each of its tickets, from and back to its depot, measured with the planner's
//! street metric (passed in, so both sides are measured alike).

use crate::kg;
use fenlei_domain::plan::{CollectionPlan, StopKind};
use fenlei_domain::{CityModel, Pickup, Timestamp, UnitId, VehicleId, WeighTicket};
use std::collections::{BTreeMap, BTreeSet};

/// A planned point the trucks did not serve.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Missed {
    /// The point's code.
    pub point: String,
    /// The planned truck.
    pub planned_truck: String,
    /// The planned service start.
    pub planned: Timestamp,
}

/// A point served, with its lateness.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Served {
    /// The point's code.
    pub point: String,
    /// The planned truck.
    pub planned_truck: String,
    /// The truck that came.
    pub truck: String,
    /// The planned service start.
    pub planned: Timestamp,
    /// The pickup.
    pub actual: Timestamp,
    /// Minutes after the planned start (negative: early).
    pub minutes_late: i64,
}

/// A pickup at a point the plan did not hold.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Unplanned {
    /// The point's code.
    pub point: String,
    /// The truck.
    pub truck: String,
    /// When.
    pub time: Timestamp,
    /// Weight lifted, kg.
    pub kg: f64,
}

/// The comparison.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlanVsActual {
    /// The plan's id.
    pub plan: i64,
    /// District code.
    pub district: String,
    /// Category.
    pub category: fenlei_domain::Category,
    /// Day.
    pub day: fenlei_domain::Day,
    /// Minutes after the planned start from which a pickup is late.
    pub late_after_minutes: i64,
    /// Points planned.
    pub planned_points: usize,
    /// Planned points served on time.
    pub on_time: usize,
    /// Planned points served late (listed in `served` with their lateness).
    pub late: usize,
    /// Planned points missed.
    pub missed: Vec<Missed>,
    /// Planned points served, in plan order.
    pub served: Vec<Served>,
    /// Pickups at points the plan did not hold.
    pub unplanned: Vec<Unplanned>,
    /// Planned points served by another truck than planned.
    pub other_truck: usize,
    /// Trucks in the plan.
    pub planned_trucks: Vec<String>,
    /// Trucks that lifted this category's bins in the district that day.
    pub actual_trucks: Vec<String>,
    /// Kilometres planned.
    pub planned_km: f64,
    /// Kilometres driven (depot → pickups and ticketed facilities → depot, street metric).
    pub actual_km: f64,
    /// Driven beyond the plan.
    pub extra_km: f64,
    /// Kilograms planned (expected).
    pub expected_kg: f64,
    /// Kilograms lifted.
    pub lifted_kg: f64,
}

/// A truck's visit: when and where.
type Visit = (Timestamp, (i32, i32));

/// Compares `plan` with the day's `pickups` and `tickets` (any; those of the plan's day,
/// category and district are used), measuring with `metres`.
pub fn plan_vs_actual(
    model: &CityModel,
    plan: &CollectionPlan,
    pickups: &[Pickup],
    tickets: &[WeighTicket],
    late_after_s: i64,
    metres: &dyn Fn((i32, i32), (i32, i32)) -> i64,
) -> PlanVsActual {
    let in_district =
        |u: UnitId| model.ancestor_at(u, fenlei_domain::Level::District) == Some(plan.district);
    let day_pickups: Vec<&Pickup> = pickups
        .iter()
        .filter(|p| p.time.day() == plan.day && p.category == plan.category && in_district(p.point))
        .collect();
    let code = |v: VehicleId| model.vehicles[v.0 as usize].code.clone();
    let mut planned: Vec<(UnitId, VehicleId, Timestamp)> = Vec::new();
    let mut planned_trucks = BTreeSet::new();
    for r in &plan.routes {
        if r.points > 0 {
            planned_trucks.insert(code(r.vehicle));
        }
        for s in &r.stops {
            if let StopKind::Point(u) = s.kind {
                planned.push((u, r.vehicle, s.start));
            }
        }
    }
    let planned_set: BTreeSet<UnitId> = planned.iter().map(|p| p.0).collect();
    let mut first_pickup: BTreeMap<UnitId, &Pickup> = BTreeMap::new();
    for p in &day_pickups {
        first_pickup
            .entry(p.point)
            .and_modify(|q| {
                if p.time < q.time {
                    *q = p
                }
            })
            .or_insert(p);
    }
    let mut out = PlanVsActual {
        plan: plan.id,
        district: model.unit(plan.district).code.clone(),
        category: plan.category,
        day: plan.day,
        late_after_minutes: late_after_s / 60,
        planned_points: planned.len(),
        on_time: 0,
        late: 0,
        missed: Vec::new(),
        served: Vec::new(),
        unplanned: Vec::new(),
        other_truck: 0,
        planned_trucks: planned_trucks.into_iter().collect(),
        actual_trucks: Vec::new(),
        planned_km: plan.distance_m as f64 / 1000.0,
        actual_km: 0.0,
        extra_km: 0.0,
        expected_kg: plan.expected_kg,
        lifted_kg: kg(day_pickups.iter().map(|p| p.grams as f64).sum()),
    };
    for &(point, truck, at) in &planned {
        match first_pickup.get(&point) {
            None => out.missed.push(Missed {
                point: model.unit(point).code.clone(),
                planned_truck: code(truck),
                planned: at,
            }),
            Some(p) => {
                let late = p.time.0 - at.0;
                if late > late_after_s {
                    out.late += 1;
                } else {
                    out.on_time += 1;
                }
                if p.vehicle != truck {
                    out.other_truck += 1;
                }
                out.served.push(Served {
                    point: model.unit(point).code.clone(),
                    planned_truck: code(truck),
                    truck: code(p.vehicle),
                    planned: at,
                    actual: p.time,
                    minutes_late: late.div_euclid(60),
                });
            }
        }
    }
    for p in &day_pickups {
        if !planned_set.contains(&p.point) {
            out.unplanned.push(Unplanned {
                point: model.unit(p.point).code.clone(),
                truck: code(p.vehicle),
                time: p.time,
                kg: kg(p.grams as f64),
            });
        }
    }
    // Actual routes: each truck's pickups and tickets of the day in time order.
    let mut by_truck: BTreeMap<VehicleId, Vec<Visit>> = BTreeMap::new();
    for p in &day_pickups {
        let u = model.unit(p.point);
        by_truck
            .entry(p.vehicle)
            .or_default()
            .push((p.time, (u.x_m, u.y_m)));
    }
    for t in tickets {
        if let Some(v) = t.vehicle
            && t.time.day() == plan.day
            && let Some(stops) = by_truck.get_mut(&v)
        {
            let f = &model.facilities[t.facility.0 as usize];
            stops.push((t.time, (f.x_m, f.y_m)));
        }
    }
    let mut metres_driven = 0i64;
    for (v, stops) in &mut by_truck {
        stops.sort_by_key(|s| s.0);
        let truck = &model.vehicles[v.0 as usize];
        let depot = (truck.depot_x_m, truck.depot_y_m);
        let mut at = depot;
        for (_, xy) in stops.iter() {
            metres_driven += metres(at, *xy);
            at = *xy;
        }
        metres_driven += metres(at, depot);
        out.actual_trucks.push(truck.code.clone());
    }
    out.actual_km = metres_driven as f64 / 1000.0;
    out.extra_km = ((out.actual_km - out.planned_km) * 10.0).round() / 10.0;
    out
}
