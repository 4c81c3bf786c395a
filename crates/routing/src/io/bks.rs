//! `bks.csv`: best-known values, one row per (instance, objective), with quoted fields.

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

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parses `bks.csv` text; `file` names it in errors.
pub fn read_bks(file: &str, text: &str) -> Result<Vec<BksRow>, ParseError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f = split_csv(line);
        if f.len() < 5 {
            return Err(ParseError::line(file, i + 1, "expected at least 5 columns"));
        }
        let opt_num = |s: &str, what: &str| -> Result<Option<f64>, ParseError> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                super::num(file, i + 1, s.trim(), what).map(Some)
            }
        };
        rows.push(BksRow {
            instance: f[0].clone(),
            set: f[1].clone(),
            objective: f[2].clone(),
            vehicles: opt_num(&f[3], "vehicles")?.map(|v| v as usize),
            value: opt_num(&f[4], "distance")?,
        });
    }
    Ok(rows)
}
