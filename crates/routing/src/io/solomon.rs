//! Solomon / Gehring–Homberger VRPTW text: name line, `VEHICLE` block with fleet size and
//! capacity, then one row `id x y demand ready due service` per location (row 0 = depot,
//! whose due date is the horizon). CRLF and blank lines are tolerated.

use super::{Convention, Format, Instance, ParseError, Role, dimacs, euclid, fields, num};
use crate::model::{Client, Depot, Matrix, ProblemData, TimeWindow, VehicleType};
use crate::search::Objective;

struct Row {
    id: u64,
    xy: (f64, f64),
    demand: i64,
    ready: i64,
    due: i64,
    service: i64,
}

pub(crate) fn parse(file: &str, text: &str, objective: Objective) -> Result<Instance, ParseError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let name = lines
        .by_ref()
        .map(|(_, l)| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string();
    let mut fleet: Option<(usize, i64)> = None;
    let mut rows: Vec<Row> = Vec::new();
    let mut in_customers = false;
    let mut expect_fleet = false;
    for (no, line) in lines {
        let f = fields(line);
        if f.is_empty() {
            continue;
        }
        let upper = line.to_ascii_uppercase();
        if upper.contains("CUST NO") {
            in_customers = true;
            continue;
        }
        if upper.contains("NUMBER") && upper.contains("CAPACITY") {
            expect_fleet = true;
            continue;
        }
        if expect_fleet {
            if f.len() != 2 {
                return Err(ParseError::line(
                    file,
                    no,
                    "expected 'NUMBER CAPACITY' values",
                ));
            }
            fleet = Some((
                num(file, no, f[0], "vehicle number")?,
                num(file, no, f[1], "capacity")?,
            ));
            expect_fleet = false;
            continue;
        }
        if !in_customers {
            continue;
        }
        if f.len() < 7 {
            return Err(ParseError::line(
                file,
                no,
                format!(
                    "expected 7 fields 'id x y demand ready due service', found {}",
                    f.len()
                ),
            ));
        }
        let row = Row {
            id: num(file, no, f[0], "customer id")?,
            xy: (num(file, no, f[1], "x")?, num(file, no, f[2], "y")?),
            demand: num::<f64>(file, no, f[3], "demand")?.round() as i64,
            ready: num::<f64>(file, no, f[4], "ready time")?.round() as i64,
            due: num::<f64>(file, no, f[5], "due date")?.round() as i64,
            service: num::<f64>(file, no, f[6], "service time")?.round() as i64,
        };
        if row.ready > row.due {
            return Err(ParseError::line(file, no, "ready time after due date"));
        }
        rows.push(row);
    }
    let (count, capacity) =
        fleet.ok_or_else(|| ParseError::file(file, "no VEHICLE NUMBER/CAPACITY block"))?;
    if rows.len() < 2 {
        return Err(ParseError::file(file, "no customer rows"));
    }
    let convention = match objective {
        Objective::Distance => Convention::Dimacs,
        Objective::Hierarchical => Convention::Exact,
    };
    let scale = convention.time_scale() as i64;
    let n = rows.len();
    let (dist, dur) = match convention {
        Convention::Dimacs => {
            let m = Matrix::from_fn(n, |i, j| dimacs(rows[i].xy, rows[j].xy));
            (m.clone(), m)
        }
        _ => (
            Matrix::from_fn(n, |i, j| {
                (euclid(rows[i].xy, rows[j].xy) * 10_000.0).round() as i64
            }),
            Matrix::from_fn(n, |i, j| {
                (euclid(rows[i].xy, rows[j].xy) * 10_000.0 - 1e-9)
                    .ceil()
                    .max(0.0) as i64
            }),
        ),
    };
    let depot = &rows[0];
    let depots = vec![Depot {
        location: 0,
        window: TimeWindow::new(depot.ready * scale, depot.due * scale),
    }];
    let clients = rows[1..]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Client::new(
                i + 1,
                vec![r.demand],
                r.service * scale,
                TimeWindow::new(r.ready * scale, r.due * scale),
            )
        })
        .collect();
    let vehicle = VehicleType::new(count, vec![capacity], 0);
    let problem = ProblemData::new(dist, dur, depots, clients, Vec::new(), vec![vehicle])
        .map_err(|e| ParseError::file(file, e.to_string()))?;
    let mut roles = vec![Role::Depot(0)];
    roles.extend((0..n - 1).map(Role::Client));
    Ok(Instance {
        name,
        format: Format::Solomon,
        convention,
        problem,
        sol_ids: rows.iter().map(|r| r.id).collect(),
        roles,
        facility_ids: Vec::new(),
        coords: rows.iter().map(|r| r.xy).collect(),
    })
}
