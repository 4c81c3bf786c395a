//! Stored collection plans.

use crate::embedded::{EmbeddedStore, StoreError};
use fenlei_domain::plan::{CollectionPlan, PlannedRoute, PlannedStop, StopKind};
use fenlei_domain::{Category, Day, FacilityId, Timestamp, UnitId, VehicleId};
use rusqlite::{OptionalExtension, params};

/// A stored plan's headline, for lists.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlanSummary {
    /// Id.
    pub id: i64,
    /// District.
    pub district: UnitId,
    /// Category.
    pub category: Category,
    /// Day planned.
    pub day: Day,
    /// Trucks used.
    pub vehicles: usize,
    /// Metres driven.
    pub distance_m: i64,
    /// Whether all constraints hold.
    pub feasible: bool,
}

fn kind_columns(kind: StopKind) -> (&'static str, Option<u32>) {
    match kind {
        StopKind::Depot => ("depot", None),
        StopKind::Point(u) => ("point", Some(u.0)),
        StopKind::Facility(f) => ("facility", Some(f.0)),
        StopKind::Break => ("break", None),
    }
}

impl EmbeddedStore {
    /// Stores a plan and sets its id.
    pub fn save_plan(&mut self, plan: &mut CollectionPlan) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO plans (district, category, day, created, points, expected_kg, vehicles, distance_m, feasible, iterations, solve_seconds) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
            params![plan.district.0, plan.category as u8, plan.day.0, Timestamp::now().to_string(), plan.points as i64, plan.expected_kg, plan.vehicles as i64, plan.distance_m, plan.feasible, plan.iterations as i64, plan.solve_seconds],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut route_st =
                tx.prepare("INSERT INTO plan_routes VALUES (?1,?2,?3,?4,?5,?6,?7,?8)")?;
            let mut stop_st =
                tx.prepare("INSERT INTO plan_stops VALUES (?1,?2,?3,?4,?5,?6,?7,?8)")?;
            for (r, route) in plan.routes.iter().enumerate() {
                route_st.execute(params![
                    id,
                    r as i64,
                    route.vehicle.0,
                    route.points as i64,
                    route.trips as i64,
                    route.collected_kg,
                    route.distance_m,
                    route.duration_s
                ])?;
                for (k, stop) in route.stops.iter().enumerate() {
                    let (kind, at) = kind_columns(stop.kind);
                    stop_st.execute(params![
                        id,
                        r as i64,
                        k as i64,
                        kind,
                        at,
                        stop.arrival.0,
                        stop.start.0,
                        stop.load_kg
                    ])?;
                }
            }
        }
        tx.commit()?;
        plan.id = id;
        Ok(id)
    }

    /// Stored plans, newest first.
    pub fn plans(&self) -> Result<Vec<PlanSummary>, StoreError> {
        let mut st = self.conn.prepare("SELECT id, district, category, day, vehicles, distance_m, feasible FROM plans ORDER BY id DESC")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, i32>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, district, category, day, vehicles, distance_m, feasible) = row?;
            let category = Category::from_index(category)
                .ok_or_else(|| StoreError::Corrupt(format!("plan {id}: category {category}")))?;
            out.push(PlanSummary {
                id,
                district: UnitId(district),
                category,
                day: Day(day),
                vehicles: vehicles as usize,
                distance_m,
                feasible,
            });
        }
        Ok(out)
    }

    /// A stored plan.
    pub fn plan(&self, id: i64) -> Result<Option<CollectionPlan>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT district, category, day, points, expected_kg, vehicles, distance_m, feasible, iterations, solve_seconds FROM plans WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u8>(1)?, r.get::<_, i32>(2)?, r.get::<_, i64>(3)?, r.get::<_, f64>(4)?, r.get::<_, i64>(5)?, r.get::<_, i64>(6)?, r.get::<_, bool>(7)?, r.get::<_, i64>(8)?, r.get::<_, f64>(9)?)),
            )
            .optional()?;
        let Some((
            district,
            category,
            day,
            points,
            expected_kg,
            vehicles,
            distance_m,
            feasible,
            iterations,
            solve_seconds,
        )) = head
        else {
            return Ok(None);
        };
        let category = Category::from_index(category)
            .ok_or_else(|| StoreError::Corrupt(format!("plan {id}: category {category}")))?;
        let mut routes = Vec::new();
        let mut st = self.conn.prepare("SELECT route, vehicle, points, trips, collected_kg, distance_m, duration_s FROM plan_routes WHERE plan = ?1 ORDER BY route")?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            routes.push(PlannedRoute {
                vehicle: VehicleId(r.get(1)?),
                stops: Vec::new(),
                points: r.get::<_, i64>(2)? as usize,
                trips: r.get::<_, i64>(3)? as usize,
                collected_kg: r.get(4)?,
                distance_m: r.get(5)?,
                duration_s: r.get(6)?,
            });
        }
        let mut st = self.conn.prepare("SELECT route, kind, at, arrival, start, load_kg FROM plan_stops WHERE plan = ?1 ORDER BY route, seq")?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let route: usize = r.get::<_, i64>(0)? as usize;
            let kind: String = r.get(1)?;
            let at: Option<u32> = r.get(2)?;
            let kind = match (kind.as_str(), at) {
                ("depot", _) => StopKind::Depot,
                ("point", Some(u)) => StopKind::Point(UnitId(u)),
                ("facility", Some(f)) => StopKind::Facility(FacilityId(f)),
                ("break", _) => StopKind::Break,
                _ => return Err(StoreError::Corrupt(format!("plan {id}: stop kind {kind}"))),
            };
            let stop = PlannedStop {
                kind,
                arrival: Timestamp(r.get(3)?),
                start: Timestamp(r.get(4)?),
                load_kg: r.get(5)?,
            };
            routes
                .get_mut(route)
                .ok_or_else(|| StoreError::Corrupt(format!("plan {id}: route {route}")))?
                .stops
                .push(stop);
        }
        Ok(Some(CollectionPlan {
            id,
            district: UnitId(district),
            category,
            day: Day(day),
            points: points as usize,
            expected_kg,
            vehicles: vehicles as usize,
            distance_m,
            feasible,
            iterations: iterations as u64,
            solve_seconds,
            routes,
        }))
    }
}
