//! Daily collection plans: a district's routing problem for one category and day, built from
//! the stored city (points, trucks, plants) and recent put-ins, solved by `fenlei-routing`,
//! checked, stored and shown.
//!
//! The translation, in short: each point that expects waste is a client whose demand is its
//! average daily put-in weight over the last days (times the days since its last collection
//! for categories not collected daily, whose points are collected street by street in
//! rotation: see [`collected_on`]), whose window runs from the end of the morning put-in
//! window to the start of the evening one, and whose service time grows with the weight. The
//! district's trucks of that category — only that category: bin colour = truck type — start
//! at their depot, may unload at the category's plant whenever full (several trips), must come
//! back empty, take a one-hour lunch starting between 11:00 and 12:00, and carry at most three
//! loads a day. Distances are Manhattan on the city grid with a detour factor, at 25 km/h.

use crate::AppError;
use crate::progress::Progress;
use fenlei_domain::plan::{CollectionPlan, PlannedRoute, PlannedStop, StopKind};
use fenlei_domain::{
    Category, CityModel, Day, DayRange, Event, FacilityId, IncidentKind, Level, Timestamp, UnitId,
    VehicleId,
};
use fenlei_routing as routing;
use fenlei_store::EmbeddedStore;
use std::time::Duration;

/// What to plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    /// The district.
    pub district: UnitId,
    /// The category to collect.
    pub category: Category,
    /// The day to plan.
    pub day: Day,
    /// Days of put-ins that estimate each point's volume.
    pub lookback_days: u32,
    /// Solver time budget.
    pub time_limit: Duration,
    /// Solver iteration budget (with the time limit, whichever comes first).
    pub iterations: Option<u64>,
    /// Solver seed.
    pub seed: u64,
    /// Parallel searches (1: the single-thread solver).
    pub threads: usize,
}

/// A day's routing problem with what maps it back to the city.
pub struct DayProblem {
    /// The problem in solver units (metres, seconds, kilograms).
    pub problem: routing::ProblemData,
    /// Per client: its collection point and expected kilograms.
    pub expected: Vec<(UnitId, f64)>,
    /// The trucks, in the order of the problem's vehicles.
    pub trucks: Vec<VehicleId>,
    /// The facility where the trucks unload.
    pub facility: FacilityId,
    /// Fewest trucks the daily-load limit allows: expected load over one truck's day.
    pub daily_load_bound: usize,
    /// Points whose expected load took a fill-level report into account.
    pub fill_reports: usize,
    /// A name for files: district code, category and day.
    pub name: String,
}

/// Collection happens between the morning put-in window's end and the evening one's start.
const WINDOW: (i64, i64) = (8 * 3600 + 1800, 17 * 3600 + 1800);
const SHIFT: (i64, i64) = (6 * 3600, 19 * 3600);
const LUNCH: (i64, i64, i64) = (3600, 11 * 3600, 12 * 3600);
/// Urban truck speed, metres per second (25 km/h).
const SPEED_M_PER_S: f64 = 25_000.0 / 3600.0;
/// Streets are not straight lines: Manhattan distance times this.
const DETOUR: f64 = 1.2;
const UNLOAD_SECONDS: i64 = 900;

/// Days between collections of a category (kitchen and other waste daily).
pub fn collection_interval(category: Category) -> u32 {
    match category {
        Category::Recyclable => 3,
        Category::Hazardous => 7,
        _ => 1,
    }
}

/// Whether `point` is collected on `day`: every day for daily categories; otherwise each
/// street has its day in the rotation (street id modulo the interval), so a truck serves a
/// few whole streets a day rather than every point of the district once a week.
pub fn collected_on(model: &CityModel, point: UnitId, category: Category, day: Day) -> bool {
    let interval = collection_interval(category) as i64;
    let street = model.ancestor_at(point, Level::Street).unwrap_or(point);
    (street.0 as i64 + day.0 as i64).rem_euclid(interval) == 0
}

/// The street distance between two positions: Manhattan metres times the detour factor.
pub fn metres(a: (i32, i32), b: (i32, i32)) -> i64 {
    (((a.0 - b.0).abs() + (a.1 - b.1).abs()) as f64 * DETOUR).round() as i64
}

/// The day's routing problem for a district and category, from the stored city and the
/// recent put-ins.
pub fn day_problem(store: &mut EmbeddedStore, req: &PlanRequest) -> Result<DayProblem, AppError> {
    let model = store.model().clone();
    let district = model.unit(req.district);
    if district.level != Level::District {
        return Err(AppError::Usage(format!(
            "{} is a {}, not a district",
            district.code, district.level
        )));
    }
    if !Category::BINS.contains(&req.category) {
        return Err(AppError::Usage(format!(
            "{} is not collected from bins",
            req.category
        )));
    }
    let trucks: Vec<VehicleId> = (0..model.vehicles.len() as u32)
        .map(VehicleId)
        .filter(|v| {
            let t = &model.vehicles[v.0 as usize];
            t.district == req.district && t.category == req.category
        })
        .collect();
    if trucks.is_empty() {
        return Err(AppError::Usage(format!(
            "{} has no {} trucks",
            district.name, req.category
        )));
    }
    let centre = (district.x_m, district.y_m);
    let (facility, plant) = model
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| f.accepts.contains(req.category))
        .min_by_key(|(_, f)| metres(centre, (f.x_m, f.y_m)))
        .map(|(i, f)| (FacilityId(i as u32), f.clone()))
        .ok_or_else(|| AppError::Usage(format!("no facility takes {}", req.category)))?;

    // Expected weight per point from recent put-ins.
    let points: Vec<UnitId> = model
        .at_level(Level::Point)
        .filter(|p| {
            p.accepts.contains(req.category)
                && model.ancestor_at(p.id, Level::District) == Some(req.district)
                && collected_on(&model, p.id, req.category, req.day)
        })
        .map(|p| p.id)
        .collect();
    let lookback = req.lookback_days.max(1);
    let range = DayRange {
        from: req.day.plus(-(lookback as i32)),
        to: req.day.plus(-1),
    };
    let interval = collection_interval(req.category) as f64;
    let mut expected: Vec<(UnitId, f64)> = Vec::new();
    for (p, q) in points.iter().zip(store.quantities_many(&points, range)?) {
        let kg = q.of(req.category).putin_grams as f64 / 1000.0 / lookback as f64 * interval;
        if kg >= 1.0 {
            expected.push((*p, kg));
        }
    }
    let fill_reports = apply_fill_levels(store, &model, &points, req, &mut expected)?;
    if expected.is_empty() {
        return Err(AppError::Usage(format!(
            "no {} put-ins at {}'s points in {range}: nothing to collect",
            req.category, district.name
        )));
    }

    // Locations: 0 depot, 1..=n points, n+1 the plant.
    let depot = {
        let (sx, sy) = trucks.iter().fold((0i64, 0i64), |(x, y), v| {
            let t = &model.vehicles[v.0 as usize];
            (x + t.depot_x_m as i64, y + t.depot_y_m as i64)
        });
        (
            (sx / trucks.len() as i64) as i32,
            (sy / trucks.len() as i64) as i32,
        )
    };
    let mut xy = vec![depot];
    xy.extend(expected.iter().map(|(p, _)| {
        let u = model.unit(*p);
        (u.x_m, u.y_m)
    }));
    xy.push((plant.x_m, plant.y_m));
    let n = xy.len();
    let distance = routing::Matrix::from_fn(n, |i, j| metres(xy[i], xy[j]));
    let duration = routing::Matrix::from_fn(n, |i, j| {
        (distance.get(i, j) as f64 / SPEED_M_PER_S).round() as i64
    });
    let clients: Vec<routing::Client> = expected
        .iter()
        .enumerate()
        .map(|(i, (_, kg))| {
            // A couple of minutes to reach the bins, plus about 40 s per 100 kg lifted.
            let service = 120 + (kg * 0.4).round() as i64;
            routing::Client::new(
                i + 1,
                vec![kg.round().max(1.0) as i64],
                service,
                routing::TimeWindow::new(WINDOW.0, WINDOW.1),
            )
        })
        .collect();
    let capacity = model.vehicles[trucks[0].0 as usize].capacity_kg as i64;
    let mut vehicle = routing::VehicleType::new(trucks.len(), vec![capacity], 0);
    vehicle.shift = routing::TimeWindow::new(SHIFT.0, SHIFT.1);
    vehicle.reload_facilities = vec![0];
    vehicle.end_empty = true;
    vehicle.max_daily_load = Some(vec![capacity * 3]);
    vehicle.lunch = Some(routing::Break {
        duration: LUNCH.0,
        window: routing::TimeWindow::new(LUNCH.1, LUNCH.2),
    });
    let problem = routing::ProblemData::new(
        distance,
        duration,
        vec![routing::Depot {
            location: 0,
            window: routing::TimeWindow::new(SHIFT.0, SHIFT.1),
        }],
        clients,
        vec![routing::Facility {
            location: n - 1,
            window: routing::TimeWindow::new(SHIFT.0, SHIFT.1 + 3600),
            service: UNLOAD_SECONDS,
        }],
        vec![vehicle],
    )
    .map_err(|e| AppError::Usage(format!("routing problem: {e}")))?;
    let total: f64 = expected.iter().map(|(_, kg)| kg.round().max(1.0)).sum();
    let daily_load_bound = (total / (capacity * 3) as f64).ceil() as usize;
    Ok(DayProblem {
        problem,
        expected,
        trucks,
        facility,
        daily_load_bound,
        fill_reports,
        name: format!("{}-{}-{}", district.code, req.category, req.day),
    })
}

/// Fill-level reports (incidents of kind `fill_level` with a percentage) of the planned points
/// and category, from the start of the day before up to the collection window: the latest per
/// point says how full its bins are, and a point is expected to hold at least that share of
/// `point_bins_full_kg.<category>` (a city constant). Points without put-ins in the lookback
/// but with a report are planned too. Returns how many points had a report.
fn apply_fill_levels(
    store: &EmbeddedStore,
    model: &CityModel,
    points: &[UnitId],
    req: &PlanRequest,
    expected: &mut Vec<(UnitId, f64)>,
) -> Result<usize, AppError> {
    let until = Timestamp::at(req.day, WINDOW.0 as u32);
    let mut latest: std::collections::BTreeMap<UnitId, (Timestamp, u8)> = Default::default();
    for e in store.other_events_of(
        "incident",
        DayRange {
            from: req.day.plus(-1),
            to: req.day,
        },
    )? {
        if let Event::Incident(i) = e
            && i.kind == IncidentKind::FillLevel
            && i.category == Some(req.category)
            && i.time < until
            && let Some(pct) = i.fill_pct
            && points.binary_search(&i.point).is_ok()
        {
            let slot = latest.entry(i.point).or_insert((i.time, pct));
            if i.time >= slot.0 {
                *slot = (i.time, pct);
            }
        }
    }
    if latest.is_empty() {
        return Ok(0);
    }
    let full_kg = fenlei_domain::CityConstants::shipped(&model.ruleset)
        .get(&format!("point_bins_full_kg.{}", req.category.key()));
    for (&point, &(_, pct)) in &latest {
        let kg = pct as f64 / 100.0 * full_kg;
        match expected.iter_mut().find(|(p, _)| *p == point) {
            Some(e) => e.1 = e.1.max(kg),
            None if kg >= 1.0 => expected.push((point, kg)),
            None => {}
        }
    }
    expected.sort_by_key(|(p, _)| *p);
    Ok(latest.len())
}

/// The day's problem as VRPLIB text (see `fenlei_routing::io::write_waste_vrplib`), for
/// other solvers.
pub fn export_vrplib(store: &mut EmbeddedStore, req: &PlanRequest) -> Result<String, AppError> {
    let day = day_problem(store, req)?;
    let comment = format!(
        "fenlei collection day: {} points ({} with a fill-level report), {:.1} t expected, daily-load bound {} trucks; metres, seconds, kilograms",
        day.expected.len(),
        day.fill_reports,
        day.expected.iter().map(|(_, kg)| kg).sum::<f64>() / 1000.0,
        day.daily_load_bound
    );
    routing::io::write_waste_vrplib(&day.name, &comment, &day.problem)
        .map_err(|e| AppError::Usage(e.to_string()))
}

/// Builds, solves, checks and stores the plan.
pub fn plan(
    store: &mut EmbeddedStore,
    req: &PlanRequest,
    progress: &mut dyn Progress,
) -> Result<CollectionPlan, AppError> {
    let DayProblem {
        problem,
        expected,
        trucks,
        facility,
        ..
    } = day_problem(store, req)?;

    progress.start("planning", req.time_limit.as_secs().max(1), "s");
    let params = routing::SolveParams {
        seed: req.seed,
        max_iterations: req.iterations,
        time_limit: Some(req.time_limit),
        objective: routing::Objective::Hierarchical,
        threads: req.threads,
        ..routing::SolveParams::default()
    };
    struct Report<'p>(&'p mut dyn Progress);
    impl routing::Progress for Report<'_> {
        fn report(&mut self, info: &routing::ProgressInfo) {
            self.0.set(info.elapsed.as_secs());
        }
    }
    let result = routing::solve(&problem, &params, &mut Report(progress));
    let report = routing::check(&problem, &result.solution);

    // Back from the solver's indices to the city's ids and clock.
    let at = |seconds: i64| Timestamp::at(req.day, 0).0 + seconds;
    let mut routes = Vec::new();
    for (r, route) in report.routes.iter().enumerate() {
        let mut stops = vec![PlannedStop {
            kind: StopKind::Depot,
            arrival: Timestamp(at(route.schedule.first().map_or(SHIFT.0, |s| s.arrival))),
            start: Timestamp(at(route.schedule.first().map_or(SHIFT.0, |s| s.start))),
            load_kg: 0.0,
        }];
        let mut collected = 0.0;
        for v in &route.schedule {
            let kind = match v.visit {
                None => StopKind::Depot,
                Some(routing::Visit::Client(c)) => {
                    collected += expected[c].1.round().max(1.0);
                    StopKind::Point(expected[c].0)
                }
                Some(routing::Visit::Facility(_)) => StopKind::Facility(facility),
                Some(routing::Visit::Break) => StopKind::Break,
            };
            if v.visit.is_none() && stops.len() == 1 {
                continue;
            }
            stops.push(PlannedStop {
                kind,
                arrival: Timestamp(at(v.arrival)),
                start: Timestamp(at(v.start)),
                load_kg: v.load.first().copied().unwrap_or(0) as f64,
            });
        }
        routes.push(PlannedRoute {
            vehicle: trucks[r.min(trucks.len() - 1)],
            stops,
            points: route.clients,
            trips: route.trips,
            collected_kg: collected,
            distance_m: route.distance,
            duration_s: route.duration,
        });
    }
    let mut plan = CollectionPlan {
        id: 0,
        district: req.district,
        category: req.category,
        day: req.day,
        points: expected.len(),
        expected_kg: expected.iter().map(|(_, kg)| kg).sum(),
        vehicles: report.vehicles,
        distance_m: report.distance,
        feasible: result.feasible && report.is_feasible(),
        iterations: result.iterations,
        solve_seconds: result.elapsed.as_secs_f64(),
        routes,
    };
    store.save_plan(&mut plan)?;
    progress.finish(&format!(
        "plan {}: {} {} points, {} trucks, {:.1} km, {} ({} iterations in {:.1} s)",
        plan.id,
        plan.points,
        req.category,
        plan.vehicles,
        plan.distance_m as f64 / 1000.0,
        if plan.feasible {
            "feasible"
        } else {
            "NOT feasible"
        },
        plan.iterations,
        plan.solve_seconds
    ));
    Ok(plan)
}

fn clock(t: Timestamp) -> String {
    let s = t.second_of_day();
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// The plan as a table: one row per truck, then totals; with `stops`, every stop too.
pub fn render(
    plan: &CollectionPlan,
    model: &CityModel,
    rules: &fenlei_domain::RuleSet,
    stops: bool,
) -> String {
    use std::fmt::Write as _;
    let district = model.unit(plan.district);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "收运计划 Collection plan #{}: {} {} {}, {} ({}) — {} points, {:.1} t expected",
        plan.id,
        district.name,
        rules.label_zh(plan.category),
        rules.label_en(plan.category),
        plan.day,
        if plan.feasible {
            "可行 feasible"
        } else {
            "不可行 NOT feasible"
        },
        plan.points,
        plan.expected_kg / 1000.0
    );
    let header = vec![
        [
            "车辆",
            "站点",
            "趟数",
            "收运(t)",
            "里程(km)",
            "出车",
            "回场",
        ]
        .map(String::from)
        .to_vec(),
        [
            "Truck",
            "Points",
            "Trips",
            "Load (t)",
            "Distance (km)",
            "Out",
            "Back",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut rows: Vec<Vec<String>> = plan
        .routes
        .iter()
        .map(|r| {
            let truck = &model.vehicles[r.vehicle.0 as usize];
            vec![
                truck.code.clone(),
                r.points.to_string(),
                r.trips.to_string(),
                format!("{:.1}", r.collected_kg / 1000.0),
                format!("{:.1}", r.distance_m as f64 / 1000.0),
                r.stops.first().map(|s| clock(s.start)).unwrap_or_default(),
                r.stops.last().map(|s| clock(s.arrival)).unwrap_or_default(),
            ]
        })
        .collect();
    rows.push(vec![
        format!("合计 Total: {} trucks", plan.vehicles),
        plan.routes
            .iter()
            .map(|r| r.points)
            .sum::<usize>()
            .to_string(),
        plan.routes
            .iter()
            .map(|r| r.trips)
            .sum::<usize>()
            .to_string(),
        format!(
            "{:.1}",
            plan.routes.iter().map(|r| r.collected_kg).sum::<f64>() / 1000.0
        ),
        format!("{:.1}", plan.distance_m as f64 / 1000.0),
        String::new(),
        String::new(),
    ]);
    out += &crate::report::table(&header, &rows, 1);
    if stops {
        for r in &plan.routes {
            let _ = writeln!(out, "\n{}", model.vehicles[r.vehicle.0 as usize].code);
            for s in &r.stops {
                let what = match s.kind {
                    StopKind::Depot => "车场 depot".to_owned(),
                    StopKind::Point(p) => format!("{} {}", model.unit(p).code, model.unit(p).name),
                    StopKind::Facility(f) => {
                        format!("卸料 unload at {}", model.facilities[f.0 as usize].name)
                    }
                    StopKind::Break => "午休 lunch".to_owned(),
                };
                let _ = writeln!(
                    out,
                    "  {}  {:<40} {:>7.0} kg on board",
                    clock(s.start),
                    what,
                    s.load_kg
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "solver: {} iterations in {:.1} s",
        plan.iterations, plan.solve_seconds
    );
    out
}
