//! Kim, Kim & Sahoo (2006) waste-collection instances (`*_stop.txt`): five header lines
//! (value, then a `//` comment): vehicle capacity [yd³], route capacity per day [yd³], most
//! stops per day, lunch duration [s], speed [mph]; a column header; then rows
//! `id x(ft) y(ft) early(HHMM) late(HHMM) service(s) load(yd³) type` with type 0 = depot,
//! 1 = stop, 2 = disposal facility.
//!
//! Rules chosen here: distances are Manhattan on the coordinates, travel time = distance at
//! the file's speed (rounded up to 1/10 s); HHMM values are read as `HH·60 + MM` minutes even
//! when `MM ≥ 60` (so `1675` is 17:15); `2400` is midnight at the end of the day; lunch lasts
//! the given duration and must start between 11:00 and 12:00 (the file's own comment; the
//! HTML page's "11 a.m.–1 p.m." is the window the whole hour must fit in); every route must
//! unload at a facility before returning (vehicles start and end empty); vehicles work within
//! the depot's hours.

use super::{Convention, Format, Instance, ParseError, Role, fields, num};
use crate::model::{Break, Client, Depot, Facility, Matrix, ProblemData, TimeWindow, VehicleType};

/// Solver time units per second.
const TIME_UNITS: i64 = 10;

/// Reads an HHMM value as seconds.
fn hhmm(file: &str, line: usize, field: &str) -> Result<i64, ParseError> {
    let v: f64 = num(file, line, field, "HHMM time")?;
    if !(0.0..=2400.0).contains(&v) {
        return Err(ParseError::line(
            file,
            line,
            format!("time '{field}' is not HHMM between 0000 and 2400"),
        ));
    }
    let v = v.round() as i64;
    Ok((v / 100) * 3600 + (v % 100) * 60)
}

pub(crate) fn parse(file: &str, stem: &str, text: &str) -> Result<Instance, ParseError> {
    let mut header: Vec<(usize, f64)> = Vec::new();
    struct Row {
        id: u64,
        xy: (f64, f64),
        early: i64,
        late: i64,
        service: i64,
        load: f64,
        kind: u8,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut seen_column_header = false;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        let f = fields(line);
        if f.is_empty() {
            continue;
        }
        if header.len() < 5 {
            header.push((no, num(file, no, f[0], "header value")?));
            continue;
        }
        if !seen_column_header {
            seen_column_header = true;
            continue;
        }
        if f.len() < 8 {
            return Err(ParseError::line(
                file,
                no,
                format!(
                    "expected 8 fields 'id x y early late service load type', found {}",
                    f.len()
                ),
            ));
        }
        let kind: u8 = num(file, no, f[7], "stop type")?;
        if kind > 2 {
            return Err(ParseError::line(
                file,
                no,
                format!("stop type {kind} is not 0, 1 or 2"),
            ));
        }
        let (early, late) = (hhmm(file, no, f[3])?, hhmm(file, no, f[4])?);
        if early > late {
            return Err(ParseError::line(
                file,
                no,
                "earliest start after latest start",
            ));
        }
        rows.push(Row {
            id: num(file, no, f[0], "stop id")?,
            xy: (num(file, no, f[1], "x")?, num(file, no, f[2], "y")?),
            early,
            late,
            service: num::<f64>(file, no, f[5], "service time")?.round() as i64,
            load: num(file, no, f[6], "load")?,
            kind,
        });
    }
    if header.len() < 5 || rows.is_empty() {
        return Err(ParseError::file(
            file,
            "expected 5 header lines, a column header and stop rows",
        ));
    }
    let vehicle_cap = (header[0].1 * 100.0).round() as i64;
    let route_cap = (header[1].1 * 100.0).round() as i64;
    let max_stops = header[2].1.round() as usize;
    let lunch_secs = header[3].1.round() as i64;
    let speed_mph = header[4].1;
    if speed_mph <= 0.0 {
        return Err(ParseError::line(
            file,
            header[4].0,
            "speed must be positive",
        ));
    }
    let depots: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].kind == 0).collect();
    if depots.len() != 1 {
        return Err(ParseError::file(
            file,
            format!("expected one depot row, found {}", depots.len()),
        ));
    }
    let n = rows.len();
    // Coordinates in 1/100 ft as integers, so Manhattan distances are exact.
    let cents: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                (r.xy.0 * 100.0).round() as i64,
                (r.xy.1 * 100.0).round() as i64,
            )
        })
        .collect();
    let dist = Matrix::from_fn(n, |i, j| {
        (cents[i].0 - cents[j].0).abs() + (cents[i].1 - cents[j].1).abs()
    });
    // Seconds = feet / (mph · 5280 / 3600); in 1/10 s from 1/100 ft, rounded up.
    let per_unit = TIME_UNITS as f64 * 3600.0 / (speed_mph * 5280.0 * 100.0);
    let dur = Matrix::from_fn(n, |i, j| {
        (dist.get(i, j) as f64 * per_unit - 1e-9).ceil().max(0.0) as i64
    });
    let depot_row = &rows[depots[0]];
    let depot_window = TimeWindow::new(depot_row.early * TIME_UNITS, depot_row.late * TIME_UNITS);
    let mut clients = Vec::new();
    let mut facilities = Vec::new();
    let mut roles = Vec::with_capacity(n);
    let mut facility_ids = Vec::new();
    let mut total = 0i64;
    for (loc, r) in rows.iter().enumerate() {
        let window = TimeWindow::new(r.early * TIME_UNITS, r.late * TIME_UNITS);
        match r.kind {
            0 => roles.push(Role::Depot(0)),
            1 => {
                let q = (r.load * 100.0).round() as i64;
                total += q;
                roles.push(Role::Client(clients.len()));
                clients.push(Client::new(loc, vec![q], r.service * TIME_UNITS, window));
            }
            _ => {
                roles.push(Role::Facility(facilities.len()));
                facility_ids.push(r.id);
                facilities.push(Facility {
                    location: loc,
                    window,
                    service: r.service * TIME_UNITS,
                });
            }
        }
    }
    if facilities.is_empty() {
        return Err(ParseError::file(file, "no disposal facility (type 2) rows"));
    }
    let daily = route_cap.min(vehicle_cap.max(route_cap));
    // Fleet: enough vehicles for the daily limit, twice over, plus slack.
    let count = ((total + daily - 1) / daily.max(1)) as usize * 2 + 5;
    let mut vehicle = VehicleType::new(count.min(clients.len().max(1)), vec![vehicle_cap], 0);
    vehicle.shift = depot_window;
    vehicle.reload_facilities = (0..facilities.len()).collect();
    vehicle.max_daily_load = Some(vec![route_cap]);
    vehicle.max_stops = Some(max_stops);
    vehicle.lunch = Some(Break {
        duration: lunch_secs * TIME_UNITS,
        window: TimeWindow::new(11 * 3600 * TIME_UNITS, 12 * 3600 * TIME_UNITS),
    });
    vehicle.end_empty = true;
    let problem = ProblemData::new(
        dist.clone(),
        dur,
        vec![Depot {
            location: depots[0],
            window: depot_window,
        }],
        clients,
        facilities,
        vec![vehicle],
    )
    .map_err(|e| ParseError::file(file, e.to_string()))?;
    Ok(Instance {
        name: stem.to_string(),
        format: Format::Kim,
        convention: Convention::Kim,
        problem,
        sol_ids: rows.iter().map(|r| r.id).collect(),
        roles,
        facility_ids,
        coords: rows.iter().map(|r| r.xy).collect(),
    })
}
