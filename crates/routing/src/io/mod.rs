//! Instance files: format detection, the parsed [`Instance`] (problem plus the file's own
//! location ids, coordinates and distance convention), `.sol` reading and writing, and the
//! best-known-solution table.
//!
//! Distance conventions (solver units are integers):
//! * **DIMACS** (Solomon distance objective, MTVRPTWR): every arc ⌊10·d⌋ in tenths, the
//!   same for travel time; windows and service times are multiplied by 10.
//! * **Exact** (Solomon hierarchical objective): Euclidean distance rounded to 1/10 000 and
//!   travel time *rounded up* to 1/10 000, so a route feasible in solver units is feasible
//!   with exact real times; reported distances are recomputed exactly from coordinates.
//! * **Rounded** (CVRPLIB X): every arc rounded to the nearest integer.
//! * **Kim**: Manhattan distance in 1/100 ft; travel time at the file's speed in 1/10 s,
//!   rounded up; loads in 1/100 yd³.

mod bks;
mod kim;
mod sol;
mod solomon;
mod vrplib;
mod waste_vrplib;

use std::path::Path;

use thiserror::Error;

pub use bks::{BksRow, read_bks};
pub use sol::{SolFile, read_sol, write_sol};
pub use waste_vrplib::{ExportError, write_waste_vrplib};

use crate::model::ProblemData;
use crate::search::Objective;
use crate::solution::Solution;

/// A parse failure, naming the file and line.
#[derive(Debug, Error)]
pub enum ParseError {
    /// Bad content at a line.
    #[error("{file}:{line}: {message}")]
    Line {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Not readable at all.
    #[error("{file}: {message}")]
    File {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl ParseError {
    pub(crate) fn line(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self::Line {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        Self::File {
            file: file.to_string(),
            message: message.into(),
        }
    }
}

/// File format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Solomon / Gehring–Homberger text.
    Solomon,
    /// VRPLIB CVRP (for example CVRPLIB X).
    Cvrp,
    /// VRPLIB multi-trip VRPTW with release times (MTVRPTWR).
    Mtvrptwr,
    /// Kim et al. (2006) waste collection `*_stop.txt`.
    Kim,
    /// A waste-collection day as VRPLIB with explicit matrices (`fenlei plan
    /// --export-vrplib`).
    WasteVrplib,
}

/// How distances were turned into solver units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// ⌊10·d⌋ per arc.
    Dimacs,
    /// Exact Euclidean (solver units 1/10 000).
    Exact,
    /// Rounded Euclidean.
    Rounded,
    /// Manhattan feet (solver units 1/100 ft), times in 1/10 s.
    Kim,
}

impl Convention {
    /// Solver distance units per reported unit.
    pub fn distance_scale(self) -> f64 {
        match self {
            Convention::Dimacs => 10.0,
            Convention::Exact => 10_000.0,
            Convention::Rounded => 1.0,
            Convention::Kim => 100.0,
        }
    }
    /// Solver time units per reported unit.
    pub fn time_scale(self) -> f64 {
        match self {
            Convention::Dimacs => 10.0,
            Convention::Exact => 10_000.0,
            Convention::Rounded => 1.0,
            Convention::Kim => 10.0,
        }
    }
}

/// What a location is in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Depot `i`.
    Depot(usize),
    /// Client `i`.
    Client(usize),
    /// Facility `i`.
    Facility(usize),
}

/// A parsed instance.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Name (from the file, or its stem).
    pub name: String,
    /// Format.
    pub format: Format,
    /// Distance convention used for the matrices.
    pub convention: Convention,
    /// The problem in solver units.
    pub problem: ProblemData,
    /// Per location: its id in `.sol` files.
    pub sol_ids: Vec<u64>,
    /// Per location: what it is. A location may also host a facility (reloads at the
    /// depot); `facility_ids` lists the `.sol` id of every facility.
    pub roles: Vec<Role>,
    /// Per facility: its id in `.sol` files.
    pub facility_ids: Vec<u64>,
    /// Per location: coordinates.
    pub coords: Vec<(f64, f64)>,
}

impl Instance {
    /// Distance of a solution in reported units, recomputed exactly from coordinates for
    /// the exact convention and from the matrix otherwise.
    pub fn reported_distance(&self, solution: &Solution) -> f64 {
        let scale = self.convention.distance_scale();
        let mut total = 0.0;
        for route in &solution.routes {
            if route.num_clients() == 0 {
                continue;
            }
            let vt = &self.problem.vehicle_types()[route.vehicle_type];
            let mut locs = vec![self.problem.depots()[vt.start_depot].location];
            for v in &route.visits {
                match *v {
                    crate::solution::Visit::Client(c) => {
                        locs.push(self.problem.clients()[c].location)
                    }
                    crate::solution::Visit::Facility(f) => {
                        locs.push(self.problem.facilities()[f].location)
                    }
                    crate::solution::Visit::Break => {}
                }
            }
            locs.push(self.problem.depots()[vt.end_depot].location);
            for w in locs.windows(2) {
                total += if self.convention == Convention::Exact {
                    let (a, b) = (self.coords[w[0]], self.coords[w[1]]);
                    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
                } else {
                    self.problem.distance().get(w[0], w[1]) as f64 / scale
                };
            }
        }
        total
    }
}

/// Reads an instance, detecting the format from the content. The objective picks the
/// Solomon convention (DIMACS for distance, exact for hierarchical).
pub fn read_instance(path: &Path, objective: Objective) -> Result<Instance, ParseError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ParseError::file(&name, e.to_string()))?;
    // Kim's benchmark page is Latin-1; instance files are ASCII. Decode leniently.
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    parse_instance(&name, &stem, &text, objective)
}

/// Parses instance text (see [`read_instance`]); `file` names it in errors.
pub fn parse_instance(
    file: &str,
    stem: &str,
    text: &str,
    objective: Objective,
) -> Result<Instance, ParseError> {
    match detect(text) {
        Some(Format::Solomon) => solomon::parse(file, text, objective),
        Some(Format::Cvrp) | Some(Format::Mtvrptwr) => vrplib::parse(file, stem, text),
        Some(Format::Kim) => kim::parse(file, stem, text),
        Some(Format::WasteVrplib) => waste_vrplib::parse(file, stem, text),
        None => Err(ParseError::file(
            file,
            "unknown format (expected Solomon, VRPLIB, a fenlei plan export or Kim *_stop.txt)",
        )),
    }
}

/// Guesses the format from the first lines.
pub fn detect(text: &str) -> Option<Format> {
    let head: Vec<&str> = text.lines().take(12).collect();
    if head.iter().any(|l| l.contains("MTVRPTWR")) {
        return Some(Format::Mtvrptwr);
    }
    if head.iter().any(|l| l.contains("VRPTW-RELOAD")) {
        return Some(Format::WasteVrplib);
    }
    if head
        .iter()
        .any(|l| l.trim_start().starts_with("NAME") && l.contains(':'))
        || head.iter().any(|l| l.trim_start().starts_with("TYPE"))
    {
        return Some(Format::Cvrp);
    }
    if head.iter().any(|l| l.trim().starts_with("VEHICLE")) {
        return Some(Format::Solomon);
    }
    if head.iter().any(|l| l.contains("//")) {
        return Some(Format::Kim);
    }
    None
}

/// Exact Euclidean distance.
pub(crate) fn euclid(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// ⌊10·d⌋ for integer-valued coordinates, exact (integer square root).
pub(crate) fn dimacs(a: (f64, f64), b: (f64, f64)) -> i64 {
    let dx = (a.0 - b.0) * 10.0;
    let dy = (a.1 - b.1) * 10.0;
    let sq = dx * dx + dy * dy;
    let mut r = sq.sqrt().floor() as i64;
    // Correct floating error around perfect squares.
    let sq_i = sq.round() as i64;
    if (sq - sq_i as f64).abs() < 1e-6 {
        while r * r > sq_i {
            r -= 1;
        }
        while (r + 1) * (r + 1) <= sq_i {
            r += 1;
        }
    }
    r
}

/// Splits a line into whitespace-separated fields.
pub(crate) fn fields(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Largest magnitude of a number in an instance file: scaled to solver units (×10 000 at
/// most) and summed along routes, larger values would overflow the integer arithmetic.
const MAX_NUMBER: f64 = 1e9;

/// Parses a number or reports the line.
pub(crate) fn num<T: std::str::FromStr>(
    file: &str,
    line: usize,
    field: &str,
    what: &str,
) -> Result<T, ParseError> {
    let text = field.trim_matches('"');
    if text
        .parse::<f64>()
        .is_ok_and(|v| !v.is_finite() || v.abs() > MAX_NUMBER)
    {
        return Err(ParseError::line(
            file,
            line,
            format!("{what}: '{field}' is out of range (at most {MAX_NUMBER:e} in magnitude)"),
        ));
    }
    text.parse::<T>()
        .map_err(|_| ParseError::line(file, line, format!("{what}: '{field}' is not a number")))
}
