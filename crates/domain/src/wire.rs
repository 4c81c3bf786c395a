//! The wire form of events: JSON lines and CSV rows as real feeds (and the simulator) write them.
//!
//! [`WireRecord`] is one flat record holding the fields of every event type, all optional, with
//! strings borrowed from the input where possible; [`crate::validate`] turns it into an
//! [`Event`] or a rejection. The writers here produce the same formats, so the simulator doubles
//! as a load generator for the real ingest path.
//!
//! JSON: one object per line with a `type` of `put_in`, `incident`, `inspection`, `pickup`,
//! `weigh_ticket`, `treatment` or `survey`. CSV: one event type per file, a header row naming the columns
//! (see [`csv_header`]); lists inside a cell are `|`-separated and pairs `:`-separated.

use crate::event::*;
use crate::registry::Registry;
use crate::units::{CityModel, FacilityId, HouseholdId, UnitId, VehicleId};
use std::borrow::Cow;
use std::io::Write as _;

/// A container purity entry in an inspection.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct WireContainer<'a> {
    /// Category key.
    #[serde(borrow)]
    pub category: Option<Cow<'a, str>>,
    /// Purity, 0..=1 (or a percentage 0..=100).
    pub purity: Option<f64>,
}

/// One output flow in a treatment report.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct WireFlow<'a> {
    /// Category key of the input.
    #[serde(borrow)]
    pub category: Option<Cow<'a, str>>,
    /// Treatment route key.
    #[serde(borrow)]
    pub route: Option<Cow<'a, str>>,
    /// Kilograms.
    pub kg: Option<f64>,
}

/// One record as it arrives, before validation.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct WireRecord<'a> {
    /// Event type.
    #[serde(rename = "type", borrow)]
    pub r#type: Option<Cow<'a, str>>,
    /// The feed's event id.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// RFC 3339 time.
    #[serde(borrow)]
    pub time: Option<Cow<'a, str>>,
    /// Collection point code.
    #[serde(borrow)]
    pub point: Option<Cow<'a, str>>,
    /// Household code.
    #[serde(borrow)]
    pub household: Option<Cow<'a, str>>,
    /// Category key.
    #[serde(borrow)]
    pub category: Option<Cow<'a, str>>,
    /// Weight in grams (put-ins, pickups).
    pub grams: Option<f64>,
    /// Verdict key.
    #[serde(borrow)]
    pub verdict: Option<Cow<'a, str>>,
    /// Source key.
    #[serde(borrow)]
    pub source: Option<Cow<'a, str>>,
    /// Incident kind key.
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    /// Fill level, percent.
    pub fill_pct: Option<f64>,
    /// Truck code.
    #[serde(borrow)]
    pub vehicle: Option<Cow<'a, str>>,
    /// Pickup grade key.
    #[serde(borrow)]
    pub grade: Option<Cow<'a, str>>,
    /// Facility code.
    #[serde(borrow)]
    pub facility: Option<Cow<'a, str>>,
    /// Net weight, kg.
    pub net_kg: Option<f64>,
    /// Gross weight, kg.
    pub gross_kg: Option<f64>,
    /// Tare weight, kg.
    pub tare_kg: Option<f64>,
    /// Origin unit code of a load.
    #[serde(borrow)]
    pub origin: Option<Cow<'a, str>>,
    /// Inspected unit code.
    #[serde(borrow)]
    pub unit: Option<Cow<'a, str>>,
    /// Inspector.
    #[serde(borrow)]
    pub inspector: Option<Cow<'a, str>>,
    /// Container purity.
    #[serde(borrow)]
    pub containers: Option<Vec<WireContainer<'a>>>,
    /// Findings.
    #[serde(borrow)]
    pub findings: Option<Vec<Cow<'a, str>>>,
    /// Score out of 100.
    pub score: Option<f64>,
    /// Treatment period start, `YYYY-MM-DD`.
    #[serde(borrow)]
    pub from: Option<Cow<'a, str>>,
    /// Treatment period end (inclusive).
    #[serde(borrow)]
    pub to: Option<Cow<'a, str>>,
    /// Treatment input per category key, kg.
    #[serde(borrow)]
    pub input: Option<Vec<(Cow<'a, str>, f64)>>,
    /// Treatment output flows.
    #[serde(borrow)]
    pub output: Option<Vec<WireFlow<'a>>>,
    /// Survey: residents asked.
    pub respondents: Option<f64>,
    /// Survey: residents who know the rules.
    pub aware: Option<f64>,
}

impl<'a> WireRecord<'a> {
    /// Parses one JSON line.
    pub fn from_json(line: &'a str) -> Result<WireRecord<'a>, serde_json::Error> {
        Self::from_json_bytes(line.as_bytes())
    }

    /// Parses one JSON line given as bytes: flat records through the allocation-free reader,
    /// anything else through `serde_json` (same result either way).
    pub fn from_json_bytes(line: &'a [u8]) -> Result<WireRecord<'a>, serde_json::Error> {
        match crate::fastjson::parse_flat(line) {
            Some(r) => Ok(r.into_record()),
            None => serde_json::from_slice(line),
        }
    }
}

/// Codes to write events with: the reverse of the [`Registry`] lookups. The simulator implements
/// it without a household table (its household codes are computed), which is what lets a
/// 10-million-household city stream to a file.
pub trait Codes {
    /// The city model (units, trucks, facilities).
    fn model(&self) -> &CityModel;
    /// A household's code.
    fn household(&self, id: HouseholdId) -> Cow<'_, str>;
    /// A unit's code.
    fn unit(&self, id: UnitId) -> &str {
        &self.model().unit(id).code
    }
    /// A truck's code.
    fn vehicle(&self, id: VehicleId) -> &str {
        &self.model().vehicles[id.0 as usize].code
    }
    /// A facility's code.
    fn facility(&self, id: FacilityId) -> &str {
        &self.model().facilities[id.0 as usize].code
    }
}

impl Codes for Registry {
    fn model(&self) -> &CityModel {
        Registry::model(self)
    }
    fn household(&self, id: HouseholdId) -> Cow<'_, str> {
        Cow::Borrowed(self.household_code(id))
    }
}

/// The event types, by their wire names.
pub const EVENT_TYPES: [&str; 7] = [
    "put_in",
    "incident",
    "inspection",
    "pickup",
    "weigh_ticket",
    "treatment",
    "survey",
];

/// The CSV header for an event type.
pub fn csv_header(event_type: &str) -> Option<&'static [&'static str]> {
    Some(match event_type {
        "put_in" => &[
            "id",
            "time",
            "point",
            "category",
            "grams",
            "household",
            "verdict",
            "source",
        ],
        "incident" => &["id", "time", "point", "kind", "category", "fill_pct"],
        "inspection" => &[
            "id",
            "time",
            "unit",
            "inspector",
            "containers",
            "findings",
            "score",
        ],
        "pickup" => &[
            "id", "time", "vehicle", "point", "category", "grams", "grade",
        ],
        "weigh_ticket" => &[
            "id", "time", "facility", "vehicle", "category", "net_kg", "gross_kg", "tare_kg",
            "origin",
        ],
        "treatment" => &["id", "facility", "from", "to", "input", "output"],
        "survey" => &["id", "time", "unit", "respondents", "aware"],
        _ => return None,
    })
}

/// Which event type a CSV header describes: the type whose columns it holds (an optional
/// `type` column is ignored). Column order is free.
pub fn csv_type_of_header(header: &[&str]) -> Option<&'static str> {
    let cols: Vec<&str> = header
        .iter()
        .map(|c| c.trim())
        .filter(|c| *c != "type")
        .collect();
    EVENT_TYPES.into_iter().find(|t| {
        let want = csv_header(t).expect("known type");
        cols.len() == want.len() && want.iter().all(|w| cols.contains(w))
    })
}

/// Why a CSV cell could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct CsvCellError {
    /// Column name.
    pub column: String,
    /// What is wrong.
    pub message: String,
}

fn num(column: &str, cell: &str) -> Result<Option<f64>, CsvCellError> {
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse::<f64>().map(Some).map_err(|_| CsvCellError {
        column: column.to_owned(),
        message: format!("{cell:?} is not a number"),
    })
}

/// Builds a record from CSV cells under `header` (as returned by the `csv` crate).
/// Empty cells are absent fields.
pub fn record_from_csv<'a>(
    event_type: &'static str,
    header: &[&str],
    cells: impl IntoIterator<Item = &'a str>,
) -> Result<WireRecord<'a>, CsvCellError> {
    let mut r = WireRecord {
        r#type: Some(Cow::Borrowed(event_type)),
        ..WireRecord::default()
    };
    for (column, cell) in header.iter().zip(cells) {
        let cell = cell.trim();
        let text = || (!cell.is_empty()).then_some(Cow::Borrowed(cell));
        let bad = |message: String| CsvCellError {
            column: (*column).to_owned(),
            message,
        };
        match *column {
            "id" => r.id = text(),
            "time" => r.time = text(),
            "point" => r.point = text(),
            "household" => r.household = text(),
            "category" => r.category = text(),
            "grams" => r.grams = num(column, cell)?,
            "verdict" => r.verdict = text(),
            "source" => r.source = text(),
            "kind" => r.kind = text(),
            "fill_pct" => r.fill_pct = num(column, cell)?,
            "vehicle" => r.vehicle = text(),
            "grade" => r.grade = text(),
            "facility" => r.facility = text(),
            "net_kg" => r.net_kg = num(column, cell)?,
            "gross_kg" => r.gross_kg = num(column, cell)?,
            "tare_kg" => r.tare_kg = num(column, cell)?,
            "origin" => r.origin = text(),
            "unit" => r.unit = text(),
            "inspector" => r.inspector = text(),
            "score" => r.score = num(column, cell)?,
            "respondents" => r.respondents = num(column, cell)?,
            "aware" => r.aware = num(column, cell)?,
            "from" => r.from = text(),
            "to" => r.to = text(),
            "findings" => {
                r.findings = text().map(|_| cell.split('|').map(Cow::Borrowed).collect());
            }
            "containers" if !cell.is_empty() => {
                let mut list = Vec::new();
                for part in cell.split('|') {
                    let (cat, purity) = part
                        .split_once(':')
                        .ok_or_else(|| bad(format!("{part:?} is not category:purity")))?;
                    list.push(WireContainer {
                        category: Some(Cow::Borrowed(cat)),
                        purity: num(column, purity)?,
                    });
                }
                r.containers = Some(list);
            }
            "input" if !cell.is_empty() => {
                let mut list = Vec::new();
                for part in cell.split('|') {
                    let (cat, kg) = part
                        .split_once(':')
                        .ok_or_else(|| bad(format!("{part:?} is not category:kg")))?;
                    let kg = num(column, kg)?.ok_or_else(|| bad("empty weight".into()))?;
                    list.push((Cow::Borrowed(cat), kg));
                }
                r.input = Some(list);
            }
            "output" if !cell.is_empty() => {
                let mut list = Vec::new();
                for part in cell.split('|') {
                    let mut it = part.splitn(3, ':');
                    let (Some(cat), Some(route), Some(kg)) = (it.next(), it.next(), it.next())
                    else {
                        return Err(bad(format!("{part:?} is not category:route:kg")));
                    };
                    list.push(WireFlow {
                        category: Some(Cow::Borrowed(cat)),
                        route: Some(Cow::Borrowed(route)),
                        kg: num(column, kg)?,
                    });
                }
                r.output = Some(list);
            }
            _ => {}
        }
    }
    Ok(r)
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

fn kg(grams: u64) -> String {
    let s = format!("{:.3}", grams as f64 / 1000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Appends `event` as one JSON line (with the trailing newline), under the feed id `id`.
///
/// Put-ins carry only their [`EventKey`] in memory, so the id string is always passed in; the
/// writer of an event must use the id whose key the event holds (`EventKey::of(id) == key`).
pub fn write_json(event: &Event, id: &str, reg: &dyn Codes, out: &mut Vec<u8>) {
    debug_assert_eq!(
        EventKey::of(id),
        event.key(),
        "id does not match the event's key"
    );
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(event.kind().as_bytes());
    out.extend_from_slice(b"\",\"id\":");
    push_json_str(out, id);
    match event {
        Event::PutIn(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"point\":", e.time);
            push_json_str(out, reg.unit(e.point));
            let _ = write!(
                out,
                ",\"category\":\"{}\",\"grams\":{}",
                e.category, e.grams
            );
            if let Some(h) = e.household {
                out.extend_from_slice(b",\"household\":");
                push_json_str(out, &reg.household(h));
            }
            let _ = write!(
                out,
                ",\"verdict\":\"{}\",\"source\":\"{}\"",
                e.verdict, e.source
            );
        }
        Event::Incident(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"point\":", e.time);
            push_json_str(out, reg.unit(e.point));
            let _ = write!(out, ",\"kind\":\"{}\"", e.kind);
            if let Some(c) = e.category {
                let _ = write!(out, ",\"category\":\"{c}\"");
            }
            if let Some(f) = e.fill_pct {
                let _ = write!(out, ",\"fill_pct\":{f}");
            }
        }
        Event::Inspection(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"unit\":", e.time);
            push_json_str(out, reg.unit(e.unit));
            out.extend_from_slice(b",\"inspector\":");
            push_json_str(out, &e.inspector);
            out.extend_from_slice(b",\"containers\":[");
            for (i, c) in e.containers.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = write!(
                    out,
                    "{{\"category\":\"{}\",\"purity\":{}}}",
                    c.category, c.purity
                );
            }
            out.extend_from_slice(b"],\"findings\":[");
            for (i, f) in e.findings.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_json_str(out, f);
            }
            out.push(b']');
            if let Some(s) = e.score {
                let _ = write!(out, ",\"score\":{s}");
            }
        }
        Event::Pickup(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"vehicle\":", e.time);
            push_json_str(out, reg.vehicle(e.vehicle));
            out.extend_from_slice(b",\"point\":");
            push_json_str(out, reg.unit(e.point));
            let _ = write!(
                out,
                ",\"category\":\"{}\",\"grams\":{}",
                e.category, e.grams
            );
            if let Some(g) = e.grade {
                let _ = write!(out, ",\"grade\":\"{g}\"");
            }
        }
        Event::WeighTicket(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"facility\":", e.time);
            push_json_str(out, reg.facility(e.facility));
            if let Some(v) = e.vehicle {
                out.extend_from_slice(b",\"vehicle\":");
                push_json_str(out, reg.vehicle(v));
            }
            let _ = write!(
                out,
                ",\"category\":\"{}\",\"net_kg\":{}",
                e.category,
                kg(e.net_grams)
            );
            if let Some(o) = e.origin {
                out.extend_from_slice(b",\"origin\":");
                push_json_str(out, reg.unit(o));
            }
        }
        Event::Treatment(e) => {
            out.extend_from_slice(b",\"facility\":");
            push_json_str(out, reg.facility(e.facility));
            let _ = write!(
                out,
                ",\"from\":\"{}\",\"to\":\"{}\",\"input\":[",
                e.from, e.to
            );
            for (i, (c, g)) in e.input.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = write!(out, "[\"{c}\",{}]", kg(*g));
            }
            out.extend_from_slice(b"],\"output\":[");
            for (i, f) in e.output.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = write!(
                    out,
                    "{{\"category\":\"{}\",\"route\":\"{}\",\"kg\":{}}}",
                    f.category,
                    f.route,
                    kg(f.grams)
                );
            }
            out.push(b']');
        }
        Event::Survey(e) => {
            let _ = write!(out, ",\"time\":\"{}\",\"unit\":", e.time);
            push_json_str(out, reg.unit(e.unit));
            let _ = write!(
                out,
                ",\"respondents\":{},\"aware\":{}",
                e.respondents, e.aware
            );
        }
    }
    out.extend_from_slice(b"}\n");
}

/// Appends `event` as one CSV row (with the trailing newline) in the column order of
/// [`csv_header`] for its type, under the feed id `id` (see [`write_json`]). Codes never hold
/// commas or quotes, so only free text is quoted.
pub fn write_csv(event: &Event, id: &str, reg: &dyn Codes, out: &mut Vec<u8>) {
    debug_assert_eq!(
        EventKey::of(id),
        event.key(),
        "id does not match the event's key"
    );
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    match event {
        Event::PutIn(e) => {
            let household = e.household.map(|h| reg.household(h)).unwrap_or_default();
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{},{},{}",
                e.time,
                reg.unit(e.point),
                e.category,
                e.grams,
                household,
                e.verdict,
                e.source
            );
        }
        Event::Incident(e) => {
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{}",
                e.time,
                reg.unit(e.point),
                e.kind,
                e.category.map(|c| c.key()).unwrap_or(""),
                e.fill_pct.map(|f| f.to_string()).unwrap_or_default()
            );
        }
        Event::Inspection(e) => {
            let containers: Vec<String> = e
                .containers
                .iter()
                .map(|c| format!("{}:{}", c.category, c.purity))
                .collect();
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{},{}",
                e.time,
                reg.unit(e.unit),
                quoted(&e.inspector),
                containers.join("|"),
                quoted(&e.findings.join("|")),
                e.score.map(|s| s.to_string()).unwrap_or_default()
            );
        }
        Event::Pickup(e) => {
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{},{}",
                e.time,
                reg.vehicle(e.vehicle),
                reg.unit(e.point),
                e.category,
                e.grams,
                e.grade.map(|g| g.key()).unwrap_or("")
            );
        }
        Event::WeighTicket(e) => {
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{},,,{}",
                e.time,
                reg.facility(e.facility),
                e.vehicle.map(|v| reg.vehicle(v)).unwrap_or(""),
                e.category,
                kg(e.net_grams),
                e.origin.map(|o| reg.unit(o)).unwrap_or("")
            );
        }
        Event::Treatment(e) => {
            let input: Vec<String> = e
                .input
                .iter()
                .map(|(c, g)| format!("{c}:{}", kg(*g)))
                .collect();
            let output: Vec<String> = e
                .output
                .iter()
                .map(|f| format!("{}:{}:{}", f.category, f.route, kg(f.grams)))
                .collect();
            let _ = writeln!(
                out,
                "{id},{},{},{},{},{}",
                reg.facility(e.facility),
                e.from,
                e.to,
                input.join("|"),
                output.join("|")
            );
        }
        Event::Survey(e) => {
            let _ = writeln!(
                out,
                "{id},{},{},{},{}",
                e.time,
                reg.unit(e.unit),
                e.respondents,
                e.aware
            );
        }
    }
}
