//! `bks.csv`: best-known values, one row per (instance, objective), read with the `csv` crate.

use super::ParseError;

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct BksRow {
    /// Instance name (for example `C101`).
    pub instance: String,
    /// Set (for example `solomon100`).
    pub set: String,
    /// Objective / convention key (for example `distance_dimacs`).
    pub objective: String,
    /// Vehicles in the best-known solution.
    pub vehicles: Option<usize>,
    /// Best-known value in the row's convention.
    pub value: Option<f64>,
}

/// Parses `bks.csv` text (a header line, then at least five columns: instance, set,
/// objective, vehicles, value); `file` names it in errors.
pub fn read_bks(file: &str, text: &str) -> Result<Vec<BksRow>, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            ParseError::line(file, line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() < 5 {
            return Err(ParseError::line(file, line, "expected at least 5 columns"));
        }
        let opt_num = |s: &str, what: &str| -> Result<Option<f64>, ParseError> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                super::num(file, line, s.trim(), what).map(Some)
            }
        };
        rows.push(BksRow {
            instance: record[0].to_string(),
            set: record[1].to_string(),
            objective: record[2].to_string(),
            vehicles: opt_num(&record[3], "vehicles")?.map(|v| v as usize),
            value: opt_num(&record[4], "distance")?,
        });
    }
    Ok(rows)
}
