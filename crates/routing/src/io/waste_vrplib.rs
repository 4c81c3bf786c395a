//! A waste-collection day as VRPLIB with explicit matrices (`TYPE : VRPTW-RELOAD`), the
//! format `fenlei plan --export-vrplib` writes so that any solver can take the same day:
//!
//! * node 1 is the depot, nodes `2..=F+1` the unloading facilities, then the clients
//!   (`.sol` files use the node id minus one, so the depot is 0 as in CVRPLIB);
//! * `EDGE_WEIGHT_SECTION` (full distance matrix) and `EDGE_DURATION_SECTION` (full travel
//!   time matrix, an extension: travel time is not distance here);
//! * `DEMAND_SECTION`, `TIME_WINDOW_SECTION` (the depot's is the shift, a facility's its
//!   opening hours), `SERVICE_TIME_SECTION`, `DEPOT_SECTION` (depot and facilities, as
//!   MTVRPTWR lists reload depots) and `VEHICLES_RELOAD_DEPOT_SECTION` (vehicle, facility);
//! * header extensions: `VEHICLES`, `CAPACITY`, `MAX_DAILY_LOAD` (total per vehicle and
//!   day), `BREAK : duration early late` (a break starting in `[early, late]`, taken where
//!   the vehicle is), `END_EMPTY : 1` (unload at a facility right before going home).
//!
//! One vehicle type, one depot and one demand dimension: what a district's daily plan has.

use std::fmt::Write as _;

use super::vrplib::{Scanned, scan};
use super::{Convention, Format, Instance, ParseError, Role, num};
use crate::model::{
    Break, Client, Depot, Facility, Matrix, ProblemData, TIME_MAX, TimeWindow, VehicleType,
};

/// Why a problem cannot be written in this format.
#[derive(Debug, thiserror::Error)]
#[error("cannot export as VRPLIB: {0}")]
pub struct ExportError(String);

/// Writes `problem` (one vehicle type, one depot, one dimension) under `name`.
pub fn write_waste_vrplib(
    name: &str,
    comment: &str,
    problem: &ProblemData,
) -> Result<String, ExportError> {
    let fail = |what: &str| Err(ExportError(what.to_string()));
    let [vt] = problem.vehicle_types() else {
        return fail("more than one vehicle type");
    };
    if problem.depots().len() != 1 || problem.dims() != 1 || vt.start_depot != vt.end_depot {
        return fail("more than one depot or demand dimension");
    }
    if problem.clients().iter().any(|c| c.release > 0) {
        return fail("release times");
    }
    let depot = &problem.depots()[0];
    // Node order: depot, facilities, clients.
    let mut locations = vec![depot.location];
    locations.extend(problem.facilities().iter().map(|f| f.location));
    locations.extend(problem.clients().iter().map(|c| c.location));
    let shift = TimeWindow::new(
        depot.window.early.max(vt.shift.early),
        depot.window.late.min(vt.shift.late),
    );
    let mut out = String::new();
    let _ = writeln!(out, "NAME : {name}");
    let _ = writeln!(out, "COMMENT : {comment}");
    let _ = writeln!(out, "TYPE : VRPTW-RELOAD");
    let _ = writeln!(out, "DIMENSION : {}", locations.len());
    let _ = writeln!(out, "VEHICLES : {}", vt.count);
    let _ = writeln!(out, "CAPACITY : {}", vt.capacity[0]);
    if let Some(limit) = &vt.max_daily_load {
        let _ = writeln!(out, "MAX_DAILY_LOAD : {}", limit[0]);
    }
    if let Some(b) = vt.lunch {
        let _ = writeln!(
            out,
            "BREAK : {} {} {}",
            b.duration, b.window.early, b.window.late
        );
    }
    if vt.end_empty {
        let _ = writeln!(out, "END_EMPTY : 1");
    }
    let _ = writeln!(out, "EDGE_WEIGHT_TYPE : EXPLICIT");
    let _ = writeln!(out, "EDGE_WEIGHT_FORMAT : FULL_MATRIX");
    for (section, matrix) in [
        ("EDGE_WEIGHT_SECTION", problem.distance()),
        ("EDGE_DURATION_SECTION", problem.duration()),
    ] {
        let _ = writeln!(out, "{section}");
        for &a in &locations {
            let row: Vec<String> = locations
                .iter()
                .map(|&b| matrix.get(a, b).to_string())
                .collect();
            let _ = writeln!(out, "{}", row.join(" "));
        }
    }
    let facilities = problem.facilities();
    let first_client = 2 + facilities.len();
    let _ = writeln!(out, "DEMAND_SECTION");
    for id in 1..first_client {
        let _ = writeln!(out, "{id} 0");
    }
    for (k, c) in problem.clients().iter().enumerate() {
        let _ = writeln!(out, "{} {}", first_client + k, c.demand[0]);
    }
    let late = |w: TimeWindow| w.late.min(TIME_MAX);
    let _ = writeln!(out, "TIME_WINDOW_SECTION");
    let _ = writeln!(out, "1 {} {}", shift.early, late(shift));
    for (k, f) in facilities.iter().enumerate() {
        let _ = writeln!(out, "{} {} {}", 2 + k, f.window.early, late(f.window));
    }
    for (k, c) in problem.clients().iter().enumerate() {
        let _ = writeln!(
            out,
            "{} {} {}",
            first_client + k,
            c.window.early,
            late(c.window)
        );
    }
    let _ = writeln!(out, "SERVICE_TIME_SECTION");
    let _ = writeln!(out, "1 0");
    for (k, f) in facilities.iter().enumerate() {
        let _ = writeln!(out, "{} {}", 2 + k, f.service);
    }
    for (k, c) in problem.clients().iter().enumerate() {
        let _ = writeln!(out, "{} {}", first_client + k, c.service);
    }
    let _ = writeln!(out, "DEPOT_SECTION");
    for id in 1..first_client {
        let _ = writeln!(out, "{id}");
    }
    let _ = writeln!(out, "-1");
    let _ = writeln!(out, "VEHICLES_RELOAD_DEPOT_SECTION");
    for v in 1..=vt.count {
        let ids: Vec<String> = vt
            .reload_facilities
            .iter()
            .map(|&f| (2 + f).to_string())
            .collect();
        let _ = writeln!(out, "{v} {}", ids.join(" "));
    }
    let _ = writeln!(out, "EOF");
    Ok(out)
}

/// Reads what [`write_waste_vrplib`] writes.
pub(crate) fn parse(file: &str, stem: &str, text: &str) -> Result<Instance, ParseError> {
    let scanned = scan(file, text)?;
    let header_num = |key: &str| -> Result<Option<i64>, ParseError> {
        scanned
            .get(key)
            .map(|(no, v)| num(file, no, v, key))
            .transpose()
    };
    let required = |key: &str| -> Result<i64, ParseError> {
        header_num(key)?.ok_or_else(|| ParseError::file(file, format!("missing {key}")))
    };
    let n = required("DIMENSION")? as usize;
    let count = required("VEHICLES")? as usize;
    let capacity = required("CAPACITY")?;
    let name = scanned.get("NAME").map_or(stem, |(_, v)| v).to_string();
    let depots = section(file, &scanned, "DEPOT_SECTION")?;
    let depot_ids: Vec<usize> = depots
        .iter()
        .map(|(no, f)| num::<i64>(file, *no, &f[0], "depot id"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .take_while(|&id| id != -1)
        .map(|id| id as usize)
        .collect();
    if depot_ids.first() != Some(&1) || depot_ids.iter().enumerate().any(|(k, &id)| id != k + 1) {
        return Err(ParseError::file(
            file,
            "DEPOT_SECTION must list nodes 1, 2, … (the depot, then the facilities)",
        ));
    }
    let first_client = depot_ids.len() + 1;
    let matrix = |key: &str| -> Result<Matrix, ParseError> {
        let rows = section(file, &scanned, key)?;
        if rows.len() != n || rows.iter().any(|(_, r)| r.len() != n) {
            return Err(ParseError::file(
                file,
                format!("{key}: expected {n} rows of {n} values"),
            ));
        }
        let mut data = Vec::with_capacity(n * n);
        for (no, row) in rows {
            for v in row {
                data.push(num(file, *no, v, key)?);
            }
        }
        Matrix::from_rows(n, data).map_err(|e| ParseError::file(file, e.to_string()))
    };
    let distance = matrix("EDGE_WEIGHT_SECTION")?;
    let duration = matrix("EDGE_DURATION_SECTION")?;
    let per_node = |key: &str, width: usize| -> Result<Vec<Vec<i64>>, ParseError> {
        let mut out = vec![Vec::new(); n];
        for (no, row) in section(file, &scanned, key)? {
            let id: usize = num(file, *no, &row[0], "node id")?;
            if id == 0 || id > n || row.len() < width + 1 {
                return Err(ParseError::line(
                    file,
                    *no,
                    format!("{key}: expected a node id in 1..={n} and {width} values"),
                ));
            }
            out[id - 1] = row[1..=width]
                .iter()
                .map(|v| num(file, *no, v, key))
                .collect::<Result<_, _>>()?;
        }
        if let Some(missing) = out.iter().position(Vec::is_empty) {
            return Err(ParseError::file(
                file,
                format!("{key}: node {} missing", missing + 1),
            ));
        }
        Ok(out)
    };
    let demand = per_node("DEMAND_SECTION", 1)?;
    let windows = per_node("TIME_WINDOW_SECTION", 2)?;
    let service = per_node("SERVICE_TIME_SECTION", 1)?;
    let window = |i: usize| TimeWindow::new(windows[i][0], windows[i][1]);
    let facilities: Vec<Facility> = (1..first_client - 1)
        .map(|i| Facility {
            location: i,
            window: window(i),
            service: service[i][0],
        })
        .collect();
    let clients: Vec<Client> = (first_client - 1..n)
        .map(|i| Client::new(i, vec![demand[i][0]], service[i][0], window(i)))
        .collect();
    let mut vehicle = VehicleType::new(count, vec![capacity], 0);
    vehicle.shift = window(0);
    vehicle.reload_facilities = match scanned.sections.get("VEHICLES_RELOAD_DEPOT_SECTION") {
        Some(rows) if !rows.is_empty() => rows[0].1[1..]
            .iter()
            .map(|v| num::<usize>(file, rows[0].0, v, "reload facility").map(|id| id - 2))
            .collect::<Result<_, _>>()?,
        _ => (0..facilities.len()).collect(),
    };
    vehicle.max_daily_load = header_num("MAX_DAILY_LOAD")?.map(|v| vec![v]);
    vehicle.end_empty = header_num("END_EMPTY")? == Some(1);
    if let Some((no, v)) = scanned.get("BREAK") {
        let f: Vec<i64> = v
            .split_whitespace()
            .map(|x| num(file, no, x, "BREAK"))
            .collect::<Result<_, _>>()?;
        let [duration, early, late] = f[..] else {
            return Err(ParseError::line(
                file,
                no,
                "BREAK: expected duration, earliest and latest start",
            ));
        };
        vehicle.lunch = Some(Break {
            duration,
            window: TimeWindow::new(early, late),
        });
    }
    let facility_count = facilities.len();
    let problem = ProblemData::new(
        distance,
        duration,
        vec![Depot {
            location: 0,
            window: window(0),
        }],
        clients,
        facilities,
        vec![vehicle],
    )
    .map_err(|e| ParseError::file(file, e.to_string()))?;
    let mut roles = vec![Role::Depot(0)];
    roles.extend((0..facility_count).map(Role::Facility));
    roles.extend((0..n - first_client + 1).map(Role::Client));
    Ok(Instance {
        name,
        format: Format::WasteVrplib,
        convention: Convention::Rounded,
        problem,
        sol_ids: (0..n as u64).collect(),
        roles,
        facility_ids: (1..=facility_count as u64).collect(),
        coords: vec![(0.0, 0.0); n],
    })
}

/// Rows of a required section.
fn section<'a>(
    file: &str,
    scanned: &'a Scanned,
    key: &str,
) -> Result<&'a Vec<(usize, Vec<String>)>, ParseError> {
    scanned
        .sections
        .get(key)
        .ok_or_else(|| ParseError::file(file, format!("missing {key}")))
}
