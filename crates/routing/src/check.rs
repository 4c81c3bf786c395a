//! Independent solution checker: recomputes every route's schedule, loads, violations and cost
//! from scratch by plain forward simulation. It shares no evaluation code with the search
//! (which uses concatenated segments), so tests and benchmarks use it to judge the solver.
//!
//! Time semantics (the same contract the search implements with segments): each route
//! leaves its start depot as early as allowed; service at a visit starts at
//! `max(arrival, window.early)`; arriving after `window.late` is *time warp* (the lateness is
//! counted and the clock is set back to `window.late`). The departure is then delayed as far
//! as possible without adding time warp, which removes needless waiting. A trip (from the
//! start depot or a facility up to the next facility or the end depot) may not start before
//! the latest release time of its clients. A break is taken at the location of the visit
//! before it. Route duration counts time warp, so a feasible route's duration is plainly its
//! end minus its start.

use crate::model::{ProblemData, TIME_MAX};
use crate::solution::{Solution, Visit};

/// Times and load at one visit of a checked route.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitReport {
    /// The visit (`None` for the start and end depot).
    pub visit: Option<Visit>,
    /// Arrival time.
    pub arrival: i64,
    /// Start of service (after waiting, or clamped to the window's end if late).
    pub start: i64,
    /// Load on board after the visit, per dimension.
    pub load: Vec<i64>,
}

/// Everything the checker found about one route.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteReport {
    /// Vehicle type.
    pub vehicle_type: usize,
    /// Number of client visits.
    pub clients: usize,
    /// Total distance.
    pub distance: i64,
    /// Route duration (end minus start, plus any time warp).
    pub duration: i64,
    /// Travel time alone.
    pub travel_time: i64,
    /// Lateness summed over the route, including any excess over the maximum duration.
    pub time_warp: i64,
    /// Load above capacity summed over trips, per dimension (a missing final disposal
    /// counts the whole last trip's load).
    pub load_excess: Vec<i64>,
    /// Daily load above the daily limit, per dimension.
    pub daily_excess: Vec<i64>,
    /// Clients above the stop limit.
    pub stops_excess: i64,
    /// Distance above the maximum distance.
    pub distance_excess: i64,
    /// Fixed + distance + duration cost (no penalties).
    pub cost: i64,
    /// Schedule: start depot, every visit, end depot.
    pub schedule: Vec<VisitReport>,
    /// Number of trips: stretches between the start, the facility visits and the end that
    /// collect at least one client (the empty drive home after the final unload is not one).
    pub trips: usize,
}

impl RouteReport {
    /// True when the route breaks no time, load or limit rule.
    pub fn is_feasible(&self) -> bool {
        self.time_warp == 0
            && self.stops_excess == 0
            && self.distance_excess == 0
            && self.load_excess.iter().all(|&x| x == 0)
            && self.daily_excess.iter().all(|&x| x == 0)
    }
}

/// The checker's verdict on a whole solution.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Per route (in the solution's order).
    pub routes: Vec<RouteReport>,
    /// Structural problems (client missing or visited twice, unknown index, facility not
    /// allowed, break missing, too many vehicles...), in words.
    pub errors: Vec<String>,
    /// Sum of route costs.
    pub cost: i64,
    /// Sum of route distances.
    pub distance: i64,
    /// Sum of route durations.
    pub duration: i64,
    /// Sum of travel times.
    pub travel_time: i64,
    /// Routes that serve at least one client.
    pub vehicles: usize,
}

impl Report {
    /// True when there is no structural error and every route is feasible.
    pub fn is_feasible(&self) -> bool {
        self.errors.is_empty() && self.routes.iter().all(RouteReport::is_feasible)
    }

    /// Human-readable list of everything wrong (empty when feasible).
    pub fn violations(&self) -> Vec<String> {
        let mut out = self.errors.clone();
        for (i, r) in self.routes.iter().enumerate() {
            if r.time_warp > 0 {
                out.push(format!("route {}: late by {} in total", i + 1, r.time_warp));
            }
            if r.load_excess.iter().any(|&x| x > 0) {
                out.push(format!(
                    "route {}: over capacity by {:?}",
                    i + 1,
                    r.load_excess
                ));
            }
            if r.daily_excess.iter().any(|&x| x > 0) {
                out.push(format!(
                    "route {}: over the daily load limit by {:?}",
                    i + 1,
                    r.daily_excess
                ));
            }
            if r.stops_excess > 0 {
                out.push(format!(
                    "route {}: {} stops over the limit",
                    i + 1,
                    r.stops_excess
                ));
            }
            if r.distance_excess > 0 {
                out.push(format!(
                    "route {}: {} over the maximum distance",
                    i + 1,
                    r.distance_excess
                ));
            }
        }
        out
    }
}

/// Checks a solution against a problem.
pub fn check(problem: &ProblemData, solution: &Solution) -> Report {
    let mut errors = Vec::new();
    let mut seen = vec![0usize; problem.clients().len()];
    let mut used = vec![0usize; problem.vehicle_types().len()];
    let mut routes = Vec::new();
    for (index, route) in solution.routes.iter().enumerate() {
        let label = format!("route {}", index + 1);
        if route.vehicle_type >= problem.vehicle_types().len() {
            errors.push(format!(
                "{label}: unknown vehicle type {}",
                route.vehicle_type
            ));
            continue;
        }
        let vt = &problem.vehicle_types()[route.vehicle_type];
        let mut ok = true;
        let mut breaks = 0;
        for visit in &route.visits {
            match *visit {
                Visit::Client(c) if c >= problem.clients().len() => {
                    errors.push(format!("{label}: unknown client {c}"));
                    ok = false;
                }
                Visit::Client(c) => seen[c] += 1,
                Visit::Facility(f) if !vt.reload_facilities.contains(&f) => {
                    errors.push(format!(
                        "{label}: facility {f} is not allowed for vehicle type {}",
                        route.vehicle_type
                    ));
                    ok = false;
                }
                Visit::Facility(_) => {}
                Visit::Break => breaks += 1,
            }
        }
        let clients = route.num_clients();
        if clients == 0 {
            continue;
        }
        used[route.vehicle_type] += 1;
        let expected_breaks = usize::from(vt.lunch.is_some());
        if breaks != expected_breaks {
            errors.push(format!(
                "{label}: has {breaks} breaks, the vehicle type needs {expected_breaks}"
            ));
            ok = false;
        }
        if ok {
            routes.push(check_route(problem, route.vehicle_type, &route.visits));
        }
    }
    for (c, &n) in seen.iter().enumerate() {
        if n == 0 {
            errors.push(format!("client {c} is not visited"));
        } else if n > 1 {
            errors.push(format!("client {c} is visited {n} times"));
        }
    }
    for (t, &n) in used.iter().enumerate() {
        if n > problem.vehicle_types()[t].count {
            errors.push(format!(
                "vehicle type {t}: {n} routes but only {} vehicles",
                problem.vehicle_types()[t].count
            ));
        }
    }
    Report {
        cost: routes.iter().map(|r| r.cost).sum(),
        distance: routes.iter().map(|r| r.distance).sum(),
        duration: routes.iter().map(|r| r.duration).sum(),
        travel_time: routes.iter().map(|r| r.travel_time).sum(),
        vehicles: routes.len(),
        routes,
        errors,
    }
}

/// One stop of the simulated sequence.
struct Stop {
    visit: Option<Visit>,
    location: Option<usize>,
    early: i64,
    late: i64,
    service: i64,
    trip_start: bool,
}

/// Simulates one route whose visits are known to be valid indices.
pub(crate) fn check_route(
    problem: &ProblemData,
    vehicle_type: usize,
    visits: &[Visit],
) -> RouteReport {
    let vt = &problem.vehicle_types()[vehicle_type];
    let dims = problem.dims();
    let start_depot = &problem.depots()[vt.start_depot];
    let end_depot = &problem.depots()[vt.end_depot];
    let mut stops = Vec::with_capacity(visits.len() + 2);
    stops.push(Stop {
        visit: None,
        location: Some(start_depot.location),
        early: start_depot.window.early.max(vt.shift.early),
        late: start_depot.window.late.min(vt.shift.late),
        service: 0,
        trip_start: true,
    });
    for visit in visits {
        stops.push(match *visit {
            Visit::Client(c) => {
                let client = &problem.clients()[c];
                Stop {
                    visit: Some(*visit),
                    location: Some(client.location),
                    early: client.window.early,
                    late: client.window.late,
                    service: client.service,
                    trip_start: false,
                }
            }
            Visit::Facility(f) => {
                let facility = &problem.facilities()[f];
                Stop {
                    visit: Some(*visit),
                    location: Some(facility.location),
                    early: facility.window.early,
                    late: facility.window.late,
                    service: facility.service,
                    trip_start: true,
                }
            }
            Visit::Break => {
                let lunch = vt.lunch.expect("checked by caller");
                Stop {
                    visit: Some(*visit),
                    location: None,
                    early: lunch.window.early,
                    late: lunch.window.late,
                    service: lunch.duration,
                    trip_start: false,
                }
            }
        });
    }
    stops.push(Stop {
        visit: None,
        location: Some(end_depot.location),
        early: end_depot.window.early.max(vt.shift.early),
        late: end_depot.window.late.min(vt.shift.late),
        service: 0,
        trip_start: false,
    });

    // Release time of every trip, applied at the stop that starts it.
    let mut release = vec![0i64; stops.len()];
    let mut trip_start = 0;
    for (i, stop) in stops.iter().enumerate() {
        if stop.trip_start {
            trip_start = i;
        }
        if let Some(Visit::Client(c)) = stop.visit {
            release[trip_start] = release[trip_start].max(problem.clients()[c].release);
        }
    }

    // Loads per trip.
    let mut load_excess = vec![0i64; dims];
    let mut total = vec![0i64; dims];
    let mut on_board = vec![0i64; dims];
    let mut trips = 0;
    let mut collecting = false;
    let mut loads = Vec::with_capacity(stops.len());
    for stop in &stops {
        match stop.visit {
            Some(Visit::Client(c)) => {
                trips += usize::from(!collecting);
                collecting = true;
                for d in 0..dims {
                    on_board[d] += problem.clients()[c].demand[d];
                    total[d] += problem.clients()[c].demand[d];
                }
            }
            Some(Visit::Facility(_)) => {
                for d in 0..dims {
                    load_excess[d] += (on_board[d] - vt.capacity[d]).max(0);
                    on_board[d] = 0;
                }
                collecting = false;
            }
            _ => {}
        }
        loads.push(on_board.clone());
    }
    for d in 0..dims {
        let cap = if vt.end_empty { 0 } else { vt.capacity[d] };
        load_excess[d] += (on_board[d] - cap).max(0);
    }
    let daily_excess: Vec<i64> = (0..dims)
        .map(|d| match &vt.max_daily_load {
            Some(limit) => (total[d] - limit[d]).max(0),
            None => 0,
        })
        .collect();

    // Forward simulation from the earliest departure.
    let dist = problem.distance();
    let dur = problem.duration();
    let mut time_warp = 0i64;
    let mut distance = 0i64;
    let mut travel_time = 0i64;
    let mut prev_location = stops[0].location.expect("depot has a location");
    let mut arrivals = Vec::with_capacity(stops.len());
    let mut starts = Vec::with_capacity(stops.len());
    let mut waits_through = Vec::with_capacity(stops.len());
    let mut waited = 0i64;
    let mut clock = stops[0].early.max(release[0]);
    for (i, stop) in stops.iter().enumerate() {
        let arrival = if i == 0 {
            clock
        } else {
            match stop.location {
                Some(loc) => {
                    distance += dist.get(prev_location, loc);
                    travel_time += dur.get(prev_location, loc);
                    let t = clock + dur.get(prev_location, loc);
                    prev_location = loc;
                    t
                }
                None => clock,
            }
        };
        let early = stop.early.max(release[i]);
        let mut start = arrival.max(early);
        waited += start - arrival;
        if start > stop.late {
            time_warp += start - stop.late;
            start = stop.late;
        }
        arrivals.push(arrival);
        starts.push(start);
        waits_through.push(waited);
        clock = start + stop.service;
    }
    // Delay the departure as far as it goes without new lateness, to cut waiting.
    let mut shift = TIME_MAX;
    for (i, stop) in stops.iter().enumerate() {
        shift = shift.min(stop.late - starts[i] + waits_through[i]);
    }
    let shift = shift.max(0).min(waited);
    let start_time = starts[0] + shift;
    let end_time = *starts.last().expect("two depots");
    let mut duration = end_time - start_time + time_warp;
    if duration > vt.max_duration {
        time_warp += duration - vt.max_duration;
    }
    let clients = visits
        .iter()
        .filter(|v| matches!(v, Visit::Client(_)))
        .count();
    let stops_excess = match vt.max_stops {
        Some(limit) => clients.saturating_sub(limit) as i64,
        None => 0,
    };
    let distance_excess = (distance - vt.max_distance).max(0);
    duration = duration.max(0);
    let cost = vt.fixed_cost + vt.unit_distance_cost * distance + vt.unit_duration_cost * duration;

    // Report the schedule of the delayed departure (starts move by the part of the delay
    // that the waiting before them did not absorb).
    let schedule = stops
        .iter()
        .enumerate()
        .map(|(i, stop)| {
            let moved = (shift - waits_through[i]).max(0);
            let before = if i == 0 { 0 } else { waits_through[i - 1] };
            let arrival_moved = (shift - before).max(0);
            VisitReport {
                visit: stop.visit,
                arrival: arrivals[i] + if i == 0 { shift } else { arrival_moved },
                start: starts[i] + if i == 0 { shift } else { moved },
                load: loads[i].clone(),
            }
        })
        .collect();

    RouteReport {
        vehicle_type,
        clients,
        distance,
        duration,
        travel_time,
        time_warp,
        load_excess,
        daily_excess,
        stops_excess,
        distance_excess,
        cost,
        schedule,
        trips,
    }
}

/// Puts a missing break at its best place in every route that needs one (used for `.sol`
/// files, which do not record breaks): the place with the least lateness, then the shortest
/// duration. Routes that already have a break are left alone.
pub fn place_breaks(problem: &ProblemData, solution: &mut Solution) {
    for route in &mut solution.routes {
        let Some(vt) = problem.vehicle_types().get(route.vehicle_type) else {
            continue;
        };
        if vt.lunch.is_none() || route.visits.contains(&Visit::Break) || route.num_clients() == 0 {
            continue;
        }
        let mut best: Option<((i64, i64), usize)> = None;
        for pos in 0..=route.visits.len() {
            let mut visits = route.visits.clone();
            visits.insert(pos, Visit::Break);
            let r = check_route(problem, route.vehicle_type, &visits);
            let key = (r.time_warp, r.duration);
            if best.is_none_or(|(k, _)| key < k) {
                best = Some((key, pos));
            }
        }
        if let Some((_, pos)) = best {
            route.visits.insert(pos, Visit::Break);
        }
    }
}
