//! VRPLIB: `KEY : value` header lines, then sections (`NODE_COORD_SECTION`,
//! `DEMAND_SECTION`, `DEPOT_SECTION`, and for MTVRPTWR `TIME_WINDOW_SECTION`,
//! `RELEASE_TIME_SECTION`, `VEHICLES_RELOAD_DEPOT_SECTION`), node ids 1-based. CVRP uses
//! rounded Euclidean arcs; MTVRPTWR uses DIMACS truncation and reloads at the depot.

use std::collections::HashMap;

use super::{Convention, Format, Instance, ParseError, Role, dimacs, euclid, fields, num};
use crate::model::{Client, Depot, Facility, Matrix, ProblemData, TimeWindow, VehicleType};

/// Header values (`KEY : value`, with their line) and section rows (with their line).
pub(crate) struct Scanned {
    pub header: HashMap<String, (usize, String)>,
    pub sections: HashMap<String, Vec<(usize, Vec<String>)>>,
}

impl Scanned {
    /// A header value and its line.
    pub fn get(&self, key: &str) -> Option<(usize, &str)> {
        self.header.get(key).map(|(no, v)| (*no, v.as_str()))
    }
}

/// Splits VRPLIB text into header values and sections.
pub(crate) fn scan(file: &str, text: &str) -> Result<Scanned, ParseError> {
    let mut header: HashMap<String, (usize, String)> = HashMap::new();
    let mut sections: HashMap<String, Vec<(usize, Vec<String>)>> = HashMap::new();
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t == "EOF" {
            break;
        }
        let first = t.split_whitespace().next().unwrap_or("");
        if first.ends_with("_SECTION") {
            current = Some(first.to_string());
            sections.entry(first.to_string()).or_default();
            continue;
        }
        if let Some((k, v)) = t.split_once(':')
            && !k.trim().is_empty()
            && k.trim().chars().all(|c| c.is_ascii_uppercase() || c == '_')
        {
            header.insert(
                k.trim().to_string(),
                (no, v.trim().trim_matches('"').trim().to_string()),
            );
            current = None;
            continue;
        }
        match &current {
            Some(s) => sections
                .get_mut(s)
                .expect("section exists")
                .push((no, fields(t).iter().map(|f| f.to_string()).collect())),
            None => return Err(ParseError::line(file, no, format!("unexpected line '{t}'"))),
        }
    }
    Ok(Scanned { header, sections })
}

pub(crate) fn parse(file: &str, stem: &str, text: &str) -> Result<Instance, ParseError> {
    let Scanned { header, sections } = scan(file, text)?;
    let get = |k: &str| header.get(k).map(|(no, v)| (*no, v.as_str()));
    let (dim_line, dim) =
        get("DIMENSION").ok_or_else(|| ParseError::file(file, "missing DIMENSION"))?;
    let n: usize = num(file, dim_line, dim, "DIMENSION")?;
    if let Some(rows) = sections.get("NODE_COORD_SECTION")
        && n > rows.len()
    {
        return Err(ParseError::line(
            file,
            dim_line,
            format!(
                "DIMENSION {n}, but NODE_COORD_SECTION has {} rows",
                rows.len()
            ),
        ));
    }
    let (cap_line, cap) =
        get("CAPACITY").ok_or_else(|| ParseError::file(file, "missing CAPACITY"))?;
    let capacity: i64 = num::<f64>(file, cap_line, cap, "CAPACITY")?.round() as i64;
    let mtvrptwr = get("TYPE").is_some_and(|(_, t)| t.contains("MTVRPTWR"));
    if let Some((no, t)) = get("EDGE_WEIGHT_TYPE")
        && t != "EUC_2D"
    {
        return Err(ParseError::line(
            file,
            no,
            format!("unsupported EDGE_WEIGHT_TYPE {t}"),
        ));
    }
    let name = get("NAME").map_or(stem.to_string(), |(_, v)| v.to_string());

    // Per-node table helper: each row "id v1 v2 ...", ids 1..=n.
    let table = |sec: &str, width: usize| -> Result<Option<Vec<Vec<f64>>>, ParseError> {
        let Some(rows) = sections.get(sec) else {
            return Ok(None);
        };
        let mut out = vec![Vec::new(); n];
        for (no, f) in rows {
            if f.len() < width + 1 {
                return Err(ParseError::line(
                    file,
                    *no,
                    format!("{sec}: expected {} fields", width + 1),
                ));
            }
            let id: usize = num(file, *no, &f[0], "node id")?;
            if id == 0 || id > n {
                return Err(ParseError::line(
                    file,
                    *no,
                    format!("node id {id} outside 1..={n}"),
                ));
            }
            let mut vals = Vec::with_capacity(width);
            for v in &f[1..=width] {
                vals.push(num::<f64>(file, *no, v, sec)?);
            }
            out[id - 1] = vals;
        }
        if let Some(missing) = out.iter().position(|v| v.is_empty()) {
            return Err(ParseError::file(
                file,
                format!("{sec}: node {} missing", missing + 1),
            ));
        }
        Ok(Some(out))
    };
    let coords: Vec<(f64, f64)> = table("NODE_COORD_SECTION", 2)?
        .ok_or_else(|| ParseError::file(file, "missing NODE_COORD_SECTION"))?
        .into_iter()
        .map(|v| (v[0], v[1]))
        .collect();
    let demand: Vec<i64> = table("DEMAND_SECTION", 1)?
        .ok_or_else(|| ParseError::file(file, "missing DEMAND_SECTION"))?
        .into_iter()
        .map(|v| v[0].round() as i64)
        .collect();
    let depot_rows = sections.get("DEPOT_SECTION").cloned().unwrap_or_default();
    let depot_id = depot_rows
        .first()
        .map(|(no, f)| num::<i64>(file, *no, &f[0], "depot"))
        .transpose()?
        .unwrap_or(1);
    if depot_id != 1 {
        return Err(ParseError::file(
            file,
            "only node 1 as the single depot is supported",
        ));
    }
    let windows = table("TIME_WINDOW_SECTION", 2)?;
    let releases = table("RELEASE_TIME_SECTION", 1)?;
    let service = match get("SERVICE_TIME") {
        Some((no, v)) => num::<f64>(file, no, v, "SERVICE_TIME")?,
        None => 0.0,
    };
    let total: i64 = demand.iter().sum();

    let (convention, scale) = if mtvrptwr {
        (Convention::Dimacs, 10)
    } else {
        (Convention::Rounded, 1)
    };
    let dist = if mtvrptwr {
        Matrix::from_fn(n, |i, j| dimacs(coords[i], coords[j]))
    } else {
        Matrix::from_fn(n, |i, j| {
            (euclid(coords[i], coords[j]) + 0.5).floor() as i64
        })
    };
    let horizon = windows
        .as_ref()
        .map_or(crate::model::TIME_MAX, |w| (w[0][1] * scale as f64) as i64);
    let depot_window = match &windows {
        Some(w) => TimeWindow::new((w[0][0] * scale as f64) as i64, horizon),
        None => TimeWindow::ALWAYS,
    };
    let clients: Vec<Client> = (1..n)
        .map(|i| {
            let window = match &windows {
                Some(w) => TimeWindow::new(
                    (w[i][0] * scale as f64) as i64,
                    (w[i][1] * scale as f64) as i64,
                ),
                None => TimeWindow::ALWAYS,
            };
            let mut c = Client::new(i, vec![demand[i]], (service * scale as f64) as i64, window);
            if let Some(r) = &releases {
                c.release = (r[i][0] * scale as f64) as i64;
            }
            c
        })
        .collect();
    let count = match get("VEHICLES") {
        Some((no, v)) => num(file, no, v, "VEHICLES")?,
        // Unlimited fleet: the minimum plus generous slack.
        None => ((total + capacity - 1) / capacity.max(1)) as usize * 6 / 5 + 3,
    };
    let mut vehicle = VehicleType::new(count, vec![capacity], 0);
    let mut facilities = Vec::new();
    let mut facility_ids = Vec::new();
    if mtvrptwr {
        facilities.push(Facility {
            location: 0,
            window: depot_window,
            service: 0,
        });
        facility_ids.push(0);
        vehicle.reload_facilities = vec![0];
    }
    let problem = ProblemData::new(
        dist.clone(),
        dist,
        vec![Depot {
            location: 0,
            window: depot_window,
        }],
        clients,
        facilities,
        vec![vehicle],
    )
    .map_err(|e| ParseError::file(file, e.to_string()))?;
    let mut roles = vec![Role::Depot(0)];
    roles.extend((0..n - 1).map(Role::Client));
    Ok(Instance {
        name,
        format: if mtvrptwr {
            Format::Mtvrptwr
        } else {
            Format::Cvrp
        },
        convention,
        problem,
        sol_ids: (0..n as u64).collect(),
        roles,
        facility_ids,
        coords,
    })
}
