//! Importing units' outlines from GeoJSON (`fenlei units import-geojson`).
//!
//! The file is a `FeatureCollection`; each feature names its unit by a property (`code` unless
//! told otherwise; a string, or a whole number) and carries a `Polygon` or `MultiPolygon`.
//! Features naming the same unit are joined into one multipolygon. Each feature is read on its
//! own, so a bad one (unknown code, no code, another geometry type, a ring that is not closed,
//! coordinates out of range) is reported with its index and the rest are stored, in one
//! transaction, replacing the outlines those units had.
//!
//! Coordinates are either already in the city's local plane (`--crs local`: metres east and
//! north of the city's origin, as the units' positions) or longitude/latitude on WGS84 (`--crs
//! wgs84`, GeoJSON's own CRS, RFC 7946), projected to the local plane by a local
//! equirectangular projection around the city's origin `(lon0, lat0)`:
//! `x = R·cos(lat0)·(lon − lon0)`, `y = R·(lat − lat0)` (angles in radians, `R` = 6,371,008.8 m,
//! the mean Earth radius). Within 50 km of the origin at Chongqing's latitude (29.6° N) its
//! scale errs by under 0.5 %. The origin is given once (`--origin LON,LAT`) and kept in the
//! store (meta `origin_wgs84`), so later imports project the same way; a different origin is
//! refused, since the units' positions are relative to it.

use crate::AppError;
use fenlei_domain::shape::{Polygon, Position};
use fenlei_domain::{Shape, UnitId};
use fenlei_store::EmbeddedStore;
use std::collections::BTreeMap;
use std::fmt;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Where the store keeps the city's origin on WGS84 (`lon,lat`).
pub const ORIGIN_META: &str = "origin_wgs84";

/// The coordinate reference of a file's positions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Crs {
    /// Metres east and north of the city's origin.
    Local,
    /// Longitude and latitude in degrees (WGS84).
    Wgs84,
}

impl Crs {
    /// `local` or `wgs84`.
    pub fn parse(s: &str) -> Option<Crs> {
        match s {
            "local" => Some(Crs::Local),
            "wgs84" => Some(Crs::Wgs84),
            _ => None,
        }
    }
}

/// The city's origin on WGS84, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Origin {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

impl Origin {
    /// Reads `LON,LAT`.
    pub fn parse(s: &str) -> Result<Origin, String> {
        let (lon, lat) = s
            .split_once(',')
            .ok_or_else(|| format!("origin {s:?}: expected LON,LAT in degrees"))?;
        let num = |t: &str, what: &str| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("origin {s:?}: {what} {t:?} is not a number"))
        };
        let o = Origin {
            lon: num(lon, "longitude")?,
            lat: num(lat, "latitude")?,
        };
        if !(-180.0..=180.0).contains(&o.lon) || !(-85.0..=85.0).contains(&o.lat) {
            return Err(format!(
                "origin {s:?}: longitude must lie in −180…180 and latitude in −85…85"
            ));
        }
        Ok(o)
    }

    /// The local-plane position of `(lon, lat)`: metres east and north of the origin.
    pub fn project(&self, lon: f64, lat: f64) -> Position {
        let rad = std::f64::consts::PI / 180.0;
        [
            EARTH_RADIUS_M * (self.lat * rad).cos() * (lon - self.lon) * rad,
            EARTH_RADIUS_M * (lat - self.lat) * rad,
        ]
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.lon, self.lat)
    }
}

/// How to read the file.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The feature property holding the unit's code.
    pub property: String,
    /// The positions' coordinate reference.
    pub crs: Crs,
    /// The city's origin (WGS84 only; else the one the store keeps).
    pub origin: Option<Origin>,
}

/// Why a feature was not stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// No unit of the store has the feature's code.
    UnknownCode,
    /// The feature has no code property (or not a string or whole number).
    NoCode,
    /// The feature is not a valid feature, or its geometry not a valid polygon.
    BadGeometry,
}

/// A feature that was not stored.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FeatureProblem {
    /// Its index in the collection's `features`, from 0.
    pub index: usize,
    /// Its code, where it had one.
    pub code: Option<String>,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for FeatureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "feature {}", self.index)?;
        if let Some(c) = &self.code {
            write!(f, " ({c})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// Features in the file.
    pub features: usize,
    /// Features stored.
    pub stored_features: usize,
    /// Units whose outline was stored (replaced), in unit order.
    pub units: Vec<String>,
    /// Features not stored, in file order.
    pub problems: Vec<FeatureProblem>,
    /// The origin used to project WGS84 positions.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

impl ImportReport {
    /// Problems of one kind.
    pub fn count(&self, kind: ProblemKind) -> usize {
        self.problems.iter().filter(|p| p.kind == kind).count()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} features: {} stored as the outlines of {} units; {} unknown codes, {} without a code, {} bad geometries",
            self.features,
            self.stored_features,
            self.units.len(),
            self.count(ProblemKind::UnknownCode),
            self.count(ProblemKind::NoCode),
            self.count(ProblemKind::BadGeometry)
        )
    }
}

fn code_of(props: Option<&geojson::JsonObject>, key: &str) -> Option<String> {
    match props?.get(key)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(|v| v.to_string())
            .or_else(|| n.as_i64().map(|v| v.to_string())),
        _ => None,
    }
}

fn position(
    p: &geojson::Position,
    crs: Crs,
    origin: Option<Origin>,
    where_: &str,
) -> Result<Position, String> {
    let c = p.as_slice();
    let [x, y, ..] = *c else {
        return Err(format!(
            "{where_}: {} numbers; a position needs two",
            c.len()
        ));
    };
    if !x.is_finite() || !y.is_finite() {
        return Err(format!("{where_}: not a finite number"));
    }
    match (crs, origin) {
        (Crs::Local, _) => Ok([x, y]),
        (Crs::Wgs84, Some(o)) => {
            if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                return Err(format!(
                    "{where_}: ({x}, {y}) is not a longitude/latitude; a file in the local metres plane needs --crs local"
                ));
            }
            Ok(o.project(x, y))
        }
        (Crs::Wgs84, None) => Err("no origin to project WGS84 positions".into()),
    }
}

fn polygons(
    value: &geojson::GeometryValue,
    crs: Crs,
    origin: Option<Origin>,
) -> Result<Vec<Polygon>, String> {
    let raw: Vec<&geojson::PolygonType> = match value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "geometry {} is not a Polygon or MultiPolygon",
                other.type_name()
            ));
        }
    };
    raw.iter()
        .enumerate()
        .map(|(pi, rings)| {
            rings
                .iter()
                .enumerate()
                .map(|(ri, ring)| {
                    ring.iter()
                        .enumerate()
                        .map(|(k, p)| {
                            position(
                                p,
                                crs,
                                origin,
                                &format!("polygon {pi}, ring {ri}, position {k}"),
                            )
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The origin to project with: the one given, else the one the store keeps. A given origin
/// that differs from the kept one is refused.
fn origin_for(
    store: &EmbeddedStore,
    opts: &ImportOptions,
) -> Result<(Option<Origin>, bool), AppError> {
    let kept = store
        .meta(ORIGIN_META)?
        .map(|s| {
            Origin::parse(&s)
                .map_err(|e| AppError::Usage(format!("the store's {ORIGIN_META}: {e}")))
        })
        .transpose()?;
    match (opts.crs, opts.origin, kept) {
        (Crs::Local, Some(_), _) => Err(AppError::Usage(
            "--origin applies to --crs wgs84 only (local positions are already relative to it)"
                .into(),
        )),
        (Crs::Local, None, _) => Ok((None, false)),
        (Crs::Wgs84, Some(o), Some(k)) if o != k => Err(AppError::Usage(format!(
            "--origin {o} differs from the origin this store's positions are relative to ({k}); leave --origin out to use the store's"
        ))),
        (Crs::Wgs84, Some(o), kept) => Ok((Some(o), kept.is_none())),
        (Crs::Wgs84, None, Some(k)) => Ok((Some(k), false)),
        (Crs::Wgs84, None, None) => Err(AppError::Usage(
            "longitude/latitude positions need the city's origin to project them: give --origin LON,LAT (kept in the store for later imports), or --crs local for a file in the local metres plane".into(),
        )),
    }
}

/// Imports the outlines of `text` (a GeoJSON FeatureCollection) into `store`.
pub fn import_geojson(
    store: &mut EmbeddedStore,
    text: &str,
    opts: &ImportOptions,
) -> Result<ImportReport, AppError> {
    let (origin, keep_origin) = origin_for(store, opts)?;
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| AppError::Usage(format!("not JSON: {e}")))?;
    let kind = doc.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if kind != "FeatureCollection" {
        return Err(AppError::Usage(format!(
            "expected a GeoJSON FeatureCollection, found type {kind:?}"
        )));
    }
    let Some(features) = doc.get("features").and_then(|f| f.as_array()) else {
        return Err(AppError::Usage(
            "the FeatureCollection has no `features` array".into(),
        ));
    };
    let mut problems = Vec::new();
    let mut shapes: BTreeMap<UnitId, Vec<Polygon>> = BTreeMap::new();
    let mut stored_features = 0;
    for (index, raw) in features.iter().enumerate() {
        let problem = |code: Option<String>, kind, message: String| FeatureProblem {
            index,
            code,
            kind,
            message,
        };
        let feature: geojson::Feature = match serde_json::from_value(raw.clone()) {
            Ok(f) => f,
            Err(e) => {
                let code = raw
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .and_then(|p| code_of(Some(p), &opts.property));
                problems.push(problem(
                    code,
                    ProblemKind::BadGeometry,
                    format!("not a valid GeoJSON feature: {e}"),
                ));
                continue;
            }
        };
        let Some(code) = code_of(feature.properties.as_ref(), &opts.property) else {
            problems.push(problem(
                None,
                ProblemKind::NoCode,
                format!(
                    "no property `{}` (a string or whole number) naming its unit",
                    opts.property
                ),
            ));
            continue;
        };
        let Some(unit) = store.registry().unit(&code) else {
            problems.push(problem(
                Some(code.clone()),
                ProblemKind::UnknownCode,
                format!("unknown unit code {code}"),
            ));
            continue;
        };
        let Some(geometry) = &feature.geometry else {
            problems.push(problem(
                Some(code),
                ProblemKind::BadGeometry,
                "no geometry".into(),
            ));
            continue;
        };
        let polys = match polygons(&geometry.value, opts.crs, origin) {
            Ok(p) => p,
            Err(e) => {
                problems.push(problem(Some(code), ProblemKind::BadGeometry, e));
                continue;
            }
        };
        if let Err(e) = Shape(polys.clone()).check() {
            problems.push(problem(Some(code), ProblemKind::BadGeometry, e.to_string()));
            continue;
        }
        shapes.entry(unit).or_default().extend(polys);
        stored_features += 1;
    }
    let shapes: Vec<(UnitId, Shape)> = shapes.into_iter().map(|(u, p)| (u, Shape(p))).collect();
    store.save_shapes(&shapes)?;
    if keep_origin
        && !shapes.is_empty()
        && let Some(o) = origin
    {
        store.set_meta(ORIGIN_META, &o.to_string())?;
    }
    Ok(ImportReport {
        features: features.len(),
        stored_features,
        units: shapes
            .iter()
            .map(|(u, _)| store.registry().unit_code(*u).to_owned())
            .collect(),
        problems,
        origin,
    })
}
