//! Red and black lists (红黑榜) and their disclosure snapshots.
//!
//! A snapshot is a directory the city publishes: `list.csv`, `list.json`, `list.xlsx` and
//! `manifest.json` (what was ranked, over which units and period, from which source, and the
//! SHA-256 of every file). It holds only what is published — unit codes, names, ranks and the
//! figure — never internal data. The files are a pure function of the ranked values (no clock,
//! fixed document dates), so `verify` can re-derive them from stored data and compare them
//! byte for byte.

use crate::digest::hex_digest;
use fenlei_domain::Level;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
use std::path::Path;

/// Where the ranked figure comes from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A metric formula, over the stored quantities.
    Metric {
        /// `key@version`.
        formula: String,
        /// Whether more is better.
        higher_is_better: bool,
    },
    /// A published evaluation's ratings under one rule set.
    Rating {
        /// The evaluation's scope.
        scope: String,
        /// Its version.
        version: u32,
        /// The rule set, `key@version`.
        ruleset: String,
    },
}

/// What a list ranks.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListSpec {
    /// Title, as published.
    pub title: String,
    /// Level of the units ranked.
    pub level: Level,
    /// Only units under this one (its code), if given.
    pub within: Option<String>,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The figure.
    pub source: Source,
    /// Units on each list.
    pub size: usize,
}

/// One unit on a list.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Entry {
    /// 1 = best on the red list, worst on the black list.
    pub rank: usize,
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// The figure, as published.
    pub value: String,
}

/// A figure to rank: unit code, name, sort value (more is better; `None` = not ranked) and
/// the text published.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Sort key, more is better.
    pub score: Option<f64>,
    /// Published text.
    pub shown: String,
}

/// The lists.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Snapshot {
    /// What was ranked.
    pub spec: ListSpec,
    /// 红榜: the best, best first.
    pub red: Vec<Entry>,
    /// 黑榜: the worst, worst first (never a unit of the red list).
    pub black: Vec<Entry>,
    /// Units without data, not ranked.
    pub unranked: usize,
}

/// Ranks units: the best `size` on the red list, the worst `size` of the rest on the black
/// list; ties broken by unit code.
pub fn rank(spec: ListSpec, mut values: Vec<Ranked>) -> Snapshot {
    let unranked = values.iter().filter(|v| v.score.is_none()).count();
    values.retain(|v| v.score.is_some());
    values.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let entry = |(i, v): (usize, &Ranked)| Entry {
        rank: i + 1,
        unit: v.unit.clone(),
        name: v.name.clone(),
        value: v.shown.clone(),
    };
    let n_red = spec.size.min(values.len());
    let red = values[..n_red].iter().enumerate().map(entry).collect();
    let rest = &values[n_red..];
    let black = rest
        .iter()
        .rev()
        .take(spec.size)
        .enumerate()
        .map(entry)
        .collect();
    Snapshot {
        spec,
        red,
        black,
        unranked,
    }
}

/// The published files, in order: `list.csv`, `list.json`, `list.xlsx`.
pub fn files(s: &Snapshot) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let rows = || {
        s.red
            .iter()
            .map(|e| ("红榜 red", e))
            .chain(s.black.iter().map(|e| ("黑榜 black", e)))
    };
    let mut csv = String::from("list,rank,unit,name,value\n");
    for (list, e) in rows() {
        csv += &format!(
            "{list},{},{},{},{}\n",
            e.rank,
            quote(&e.unit),
            quote(&e.name),
            quote(&e.value)
        );
    }
    let json = serde_json::to_vec_pretty(s).map_err(|e| e.to_string())?;
    Ok(vec![
        ("list.csv", csv.into_bytes()),
        ("list.json", json),
        ("list.xlsx", xlsx(s)?),
    ])
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn xlsx(s: &Snapshot) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    // A fixed document date (the period's last day): the file depends on the data only.
    let (y, m, d) = parse_ymd(&s.spec.to).ok_or("bad period end")?;
    let date = ExcelDateTime::from_ymd(y, m, d).map_err(e)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&s.spec.title)
            .set_creation_datetime(&date),
    );
    for (name, list) in [("红榜", &s.red), ("黑榜", &s.black)] {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(e)?;
        for (c, h) in ["rank", "unit", "name", "value"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(e)?;
        }
        for (r, entry) in list.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_number(r, 0, entry.rank as f64).map_err(e)?;
            ws.write_string(r, 1, &entry.unit).map_err(e)?;
            ws.write_string(r, 2, &entry.name).map_err(e)?;
            ws.write_string(r, 3, &entry.value).map_err(e)?;
        }
    }
    wb.save_to_buffer().map_err(e)
}

fn parse_ymd(s: &str) -> Option<(u16, u8, u8)> {
    let mut p = s.split('-');
    Some((
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
    ))
}

/// `manifest.json`: the spec and every file's digest.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// What was ranked.
    pub spec: ListSpec,
    /// `(file, SHA-256)`.
    pub files: Vec<(String, String)>,
}

fn io(path: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Writes a snapshot into `dir` (created; an existing snapshot is never overwritten).
pub fn publish(dir: &Path, s: &Snapshot) -> Result<Manifest, String> {
    if dir.join("manifest.json").exists() {
        return Err(format!(
            "{} already holds a published snapshot; publish into a new directory",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut manifest = Manifest {
        spec: s.spec.clone(),
        files: Vec::new(),
    };
    for (name, bytes) in files(s)? {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
        manifest.files.push((name.to_owned(), hex_digest(&bytes)));
    }
    let path = dir.join("manifest.json");
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    Ok(manifest)
}

/// Reads a snapshot's manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read(&path).map_err(|e| io(&path, e))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Compares the published files in `dir` with `rederived` (the lists recomputed from stored
/// data): every file byte for byte, and against the manifest's digests. Returns the problems.
pub fn verify(dir: &Path, rederived: &Snapshot) -> Result<Vec<String>, String> {
    let manifest = read_manifest(dir)?;
    let mut problems = Vec::new();
    if manifest.spec != rederived.spec {
        problems.push("the manifest's spec differs from the one re-derived".to_owned());
    }
    for (name, bytes) in files(rederived)? {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Err(e) => problems.push(io(&path, e)),
            Ok(published) if published != bytes => problems.push(format!(
                "{name}: differs from the re-derivation from stored data"
            )),
            Ok(_) => {}
        }
        let listed = manifest
            .files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_str());
        if listed != Some(hex_digest(&bytes).as_str()) {
            problems.push(format!("{name}: digest differs from the manifest"));
        }
    }
    Ok(problems)
}
