//! CVRPLIB `.sol` files: `Route #k: id id ...` (the file's own location ids, depot omitted;
//! a facility id inside a route is a reload/disposal visit) and `Cost X`. Breaks are not
//! written; [`crate::check::place_breaks`] puts them back before checking (`fenlei route
//! check` does).

use std::collections::HashMap;

use super::{Instance, ParseError, Role};
use crate::solution::{Route, Solution, Visit};

/// A parsed `.sol` file.
#[derive(Clone, Debug)]
pub struct SolFile {
    /// Routes (vehicle type 0).
    pub solution: Solution,
    /// The `Cost` line's value, if present.
    pub cost: Option<f64>,
}

/// Parses `.sol` text against an instance; `file` names it in errors.
pub fn read_sol(file: &str, text: &str, instance: &Instance) -> Result<SolFile, ParseError> {
    let mut by_id: HashMap<u64, Visit> = HashMap::new();
    for (loc, &id) in instance.sol_ids.iter().enumerate() {
        match instance.roles[loc] {
            Role::Client(c) => {
                by_id.insert(id, Visit::Client(c));
            }
            Role::Facility(f) => {
                by_id.insert(id, Visit::Facility(f));
            }
            Role::Depot(_) => {}
        }
    }
    for (f, &id) in instance.facility_ids.iter().enumerate() {
        by_id.entry(id).or_insert(Visit::Facility(f));
    }
    let mut routes = Vec::new();
    let mut cost = None;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Route") {
            let (_, ids) = rest
                .split_once(':')
                .ok_or_else(|| ParseError::line(file, no, "expected 'Route #k: ids'"))?;
            let mut visits = Vec::new();
            for f in ids.split_whitespace() {
                let id: u64 = super::num(file, no, f, "location id")?;
                let visit = by_id.get(&id).ok_or_else(|| {
                    ParseError::line(
                        file,
                        no,
                        format!("id {id} is no client or facility of {}", instance.name),
                    )
                })?;
                visits.push(*visit);
            }
            routes.push(Route {
                vehicle_type: 0,
                visits,
            });
        } else if let Some(rest) = t.strip_prefix("Cost") {
            let v = rest.trim_start_matches(':').trim();
            cost = Some(super::num(file, no, v, "cost")?);
        }
    }
    if routes.is_empty() {
        return Err(ParseError::file(file, "no 'Route #k:' lines"));
    }
    Ok(SolFile {
        solution: Solution { routes },
        cost,
    })
}

/// Writes a solution in `.sol` form with the given cost text.
pub fn write_sol(instance: &Instance, solution: &Solution, cost: &str) -> String {
    let mut loc_of_client = vec![0; instance.problem.clients().len()];
    for (loc, role) in instance.roles.iter().enumerate() {
        if let Role::Client(c) = *role {
            loc_of_client[c] = loc;
        }
    }
    let mut out = String::new();
    let mut k = 0;
    for route in &solution.routes {
        if route.num_clients() == 0 {
            continue;
        }
        k += 1;
        out.push_str(&format!("Route #{k}:"));
        for v in &route.visits {
            match *v {
                Visit::Client(c) => {
                    out.push_str(&format!(" {}", instance.sol_ids[loc_of_client[c]]))
                }
                Visit::Facility(f) => out.push_str(&format!(" {}", instance.facility_ids[f])),
                Visit::Break => {}
            }
        }
        out.push('\n');
    }
    out.push_str(&format!("Cost {cost}\n"));
    out
}
