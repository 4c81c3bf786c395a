//! From wire records to events: every reference resolved, every value checked. An event that
//! makes no sense is rejected with a [`Rejection`] naming the reason, never silently fixed.

use crate::category::Category;
use crate::event::*;
use crate::registry::Registry;
use crate::time::{Day, Timestamp};
use crate::units::{HouseholdId, Level};
use crate::wire::WireRecord;
use std::fmt;

/// Why a record was rejected. The `code` is stable and goes into reject files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// The line is not valid JSON or CSV.
    Malformed,
    /// The `type` is missing or not one fenlei knows.
    UnknownType,
    /// A required field is missing.
    MissingField,
    /// The time is not RFC 3339.
    BadTime,
    /// The time lies beyond the allowed clock skew in the future.
    FutureTime,
    /// The time lies before 2000-01-01.
    AncientTime,
    /// The point code is not a registered collection point.
    UnknownPoint,
    /// The household code is not registered.
    UnknownHousehold,
    /// The unit code is not registered (or not of the expected level).
    UnknownUnit,
    /// The truck code is not registered.
    UnknownVehicle,
    /// The facility code is not registered.
    UnknownFacility,
    /// The category is not one of the keys.
    UnknownCategory,
    /// The point has no bin for this category.
    CategoryNotAccepted,
    /// A weight is negative.
    NegativeWeight,
    /// A weight is zero or beyond what one event can weigh.
    WeightOutOfRange,
    /// Gross minus tare does not equal net.
    NetWeightMismatch,
    /// A verdict, source, kind, grade or route value is not one of its keys.
    BadValue,
    /// Purity outside 0..=1 (or 0..=100 %), score outside 0..=100, fill outside 0..=100.
    OutOfRange,
    /// A period whose end is before its start.
    BadPeriod,
    /// The sender (a device or token) may not report for this point, vehicle or unit.
    NotPermitted,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [RejectReason; 20] = [
        RejectReason::Malformed,
        RejectReason::UnknownType,
        RejectReason::MissingField,
        RejectReason::BadTime,
        RejectReason::FutureTime,
        RejectReason::AncientTime,
        RejectReason::UnknownPoint,
        RejectReason::UnknownHousehold,
        RejectReason::UnknownUnit,
        RejectReason::UnknownVehicle,
        RejectReason::UnknownFacility,
        RejectReason::UnknownCategory,
        RejectReason::CategoryNotAccepted,
        RejectReason::NegativeWeight,
        RejectReason::WeightOutOfRange,
        RejectReason::NetWeightMismatch,
        RejectReason::BadValue,
        RejectReason::OutOfRange,
        RejectReason::BadPeriod,
        RejectReason::NotPermitted,
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::Malformed => "malformed",
            RejectReason::UnknownType => "unknown_type",
            RejectReason::MissingField => "missing_field",
            RejectReason::BadTime => "bad_time",
            RejectReason::FutureTime => "future_time",
            RejectReason::AncientTime => "ancient_time",
            RejectReason::UnknownPoint => "unknown_point",
            RejectReason::UnknownHousehold => "unknown_household",
            RejectReason::UnknownUnit => "unknown_unit",
            RejectReason::UnknownVehicle => "unknown_vehicle",
            RejectReason::UnknownFacility => "unknown_facility",
            RejectReason::UnknownCategory => "unknown_category",
            RejectReason::CategoryNotAccepted => "category_not_accepted",
            RejectReason::NegativeWeight => "negative_weight",
            RejectReason::WeightOutOfRange => "weight_out_of_range",
            RejectReason::NetWeightMismatch => "net_weight_mismatch",
            RejectReason::BadValue => "bad_value",
            RejectReason::OutOfRange => "out_of_range",
            RejectReason::BadPeriod => "bad_period",
            RejectReason::NotPermitted => "not_permitted",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejected record: the reason and a human sentence with the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub reason: RejectReason,
    /// What exactly, for the person fixing the feed.
    pub detail: String,
}

impl Rejection {
    /// A rejection.
    pub fn new(reason: RejectReason, detail: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

impl std::error::Error for Rejection {}

/// The fields of a put-in, however the record was read: a [`WireRecord`] (by reference) or
/// the fast JSON reader's [`crate::fastjson::Flat`]. Strings live as long as `'a`.
pub trait PutInFields<'a>: Copy {
    /// `id`.
    fn id(self) -> Option<&'a str>;
    /// `time`.
    fn time(self) -> Option<&'a str>;
    /// `point`.
    fn point(self) -> Option<&'a str>;
    /// `category`.
    fn category(self) -> Option<&'a str>;
    /// `grams`.
    fn grams(self) -> Option<f64>;
    /// `household`.
    fn household(self) -> Option<&'a str>;
    /// `verdict`.
    fn verdict(self) -> Option<&'a str>;
    /// `source`.
    fn source(self) -> Option<&'a str>;
}

impl<'a> PutInFields<'a> for &'a WireRecord<'_> {
    fn id(self) -> Option<&'a str> {
        self.id.as_deref()
    }
    fn time(self) -> Option<&'a str> {
        self.time.as_deref()
    }
    fn point(self) -> Option<&'a str> {
        self.point.as_deref()
    }
    fn category(self) -> Option<&'a str> {
        self.category.as_deref()
    }
    fn grams(self) -> Option<f64> {
        self.grams
    }
    fn household(self) -> Option<&'a str> {
        self.household.as_deref()
    }
    fn verdict(self) -> Option<&'a str> {
        self.verdict.as_deref()
    }
    fn source(self) -> Option<&'a str> {
        self.source.as_deref()
    }
}

/// Limits that decide what "makes sense". The defaults suit household waste.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// How far past `now` an event may lie (device clock skew), seconds.
    pub future_skew_secs: i64,
    /// Heaviest single put-in, grams.
    pub max_put_in_grams: u32,
    /// Heaviest single bin lifted at a pickup, grams.
    pub max_pickup_grams: u32,
    /// Heaviest truck load at a weighbridge, grams.
    pub max_load_grams: u64,
    /// Tolerance between net and gross − tare, kg.
    pub net_tolerance_kg: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            future_skew_secs: 3600,
            max_put_in_grams: 50_000,
            max_pickup_grams: 1_000_000,
            max_load_grams: 60_000_000,
            net_tolerance_kg: 0.5,
        }
    }
}

/// Validates wire records against a registry, a clock and limits.
#[derive(Clone, Debug)]
pub struct Validator<'r> {
    registry: &'r Registry,
    now: Timestamp,
    limits: Limits,
    dates: crate::time::DateMemo,
}

const EARLIEST: Timestamp = Timestamp(946_684_800 - 8 * 3600); // 2000-01-01T00:00:00+08:00

fn need<'b>(field: &'static str, v: Option<&'b str>) -> Result<&'b str, Rejection> {
    v.ok_or_else(|| {
        Rejection::new(
            RejectReason::MissingField,
            format!("missing field `{field}`"),
        )
    })
}

fn bad_value(field: &str, v: &str) -> Rejection {
    Rejection::new(
        RejectReason::BadValue,
        format!("`{field}` has no value {v:?}"),
    )
}

impl<'r> Validator<'r> {
    /// A validator judging times against `now`.
    pub fn new(registry: &'r Registry, now: Timestamp, limits: Limits) -> Validator<'r> {
        Validator {
            registry,
            now,
            limits,
            dates: crate::time::DateMemo::default(),
        }
    }

    /// The registry it resolves codes in.
    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    fn time(&self, v: Option<&str>) -> Result<Timestamp, Rejection> {
        let s = need("time", v)?;
        let t = Timestamp::parse_memo(s, &self.dates)
            .map_err(|e| Rejection::new(RejectReason::BadTime, e.to_string()))?;
        if t.0 > self.now.0 + self.limits.future_skew_secs {
            return Err(Rejection::new(
                RejectReason::FutureTime,
                format!("time {s} is in the future (now {})", self.now),
            ));
        }
        if t < EARLIEST {
            return Err(Rejection::new(
                RejectReason::AncientTime,
                format!("time {s} is before 2000"),
            ));
        }
        Ok(t)
    }

    fn category(&self, v: Option<&str>) -> Result<Category, Rejection> {
        let s = need("category", v)?;
        Category::parse(s).map_err(|e| Rejection::new(RejectReason::UnknownCategory, e.to_string()))
    }

    fn grams(&self, field: &'static str, v: Option<f64>, max: u64) -> Result<u64, Rejection> {
        let g = v.ok_or_else(|| {
            Rejection::new(
                RejectReason::MissingField,
                format!("missing field `{field}`"),
            )
        })?;
        if g < 0.0 {
            return Err(Rejection::new(
                RejectReason::NegativeWeight,
                format!("`{field}` is negative ({g})"),
            ));
        }
        let g = g.round();
        if !(g >= 1.0 && g <= max as f64) {
            return Err(Rejection::new(
                RejectReason::WeightOutOfRange,
                format!("`{field}` = {g} outside 1..={max}"),
            ));
        }
        Ok(g as u64)
    }

    /// Validates one record.
    pub fn validate(&self, r: &WireRecord<'_>) -> Result<Event, Rejection> {
        let kind = r.r#type.as_deref().unwrap_or("");
        if kind == "put_in" {
            return self.put_in(r).map(Event::PutIn);
        }
        let id = need("id", r.id.as_deref())?;
        let key = EventKey::of(id);
        let reg = self.registry;
        match kind {
            "incident" => {
                let time = self.time(r.time.as_deref())?;
                let point = self.point(r.point())?;
                let k = need("kind", r.kind.as_deref())?;
                let kind = IncidentKind::parse(k).ok_or_else(|| bad_value("kind", k))?;
                let category = r
                    .category
                    .as_ref()
                    .map(|_| self.category(r.category.as_deref()))
                    .transpose()?;
                let fill_pct = match r.fill_pct {
                    Some(f) if !(0.0..=100.0).contains(&f) => {
                        return Err(Rejection::new(
                            RejectReason::OutOfRange,
                            format!("fill_pct {f} outside 0..=100"),
                        ));
                    }
                    f => f.map(|f| f.round() as u8),
                };
                Ok(Event::Incident(Incident {
                    key,
                    id: id.to_owned(),
                    time,
                    point: point.id,
                    kind,
                    category,
                    fill_pct,
                }))
            }
            "inspection" => {
                let time = self.time(r.time.as_deref())?;
                let code = need("unit", r.unit.as_deref())?;
                let unit = reg
                    .unit(code)
                    .filter(|&u| matches!(reg.model().unit(u).level, Level::Estate | Level::Point))
                    .ok_or_else(|| {
                        Rejection::new(
                            RejectReason::UnknownUnit,
                            format!("no estate or point {code:?}"),
                        )
                    })?;
                let mut containers = Vec::new();
                for c in r.containers.as_deref().unwrap_or_default() {
                    let category = self.category(c.category.as_deref())?;
                    let p = c.purity.ok_or_else(|| {
                        Rejection::new(RejectReason::MissingField, "container without `purity`")
                    })?;
                    let purity = if p > 1.0 { p / 100.0 } else { p };
                    if !(0.0..=1.0).contains(&purity) {
                        return Err(Rejection::new(
                            RejectReason::OutOfRange,
                            format!("purity {p} outside 0..=1 (or 0..=100 %)"),
                        ));
                    }
                    containers.push(ContainerCheck {
                        category,
                        purity: purity as f32,
                    });
                }
                let score = match r.score {
                    Some(s) if !(0.0..=100.0).contains(&s) => {
                        return Err(Rejection::new(
                            RejectReason::OutOfRange,
                            format!("score {s} outside 0..=100"),
                        ));
                    }
                    s => s.map(|s| s as f32),
                };
                Ok(Event::Inspection(Inspection {
                    key,
                    id: id.to_owned(),
                    time,
                    unit,
                    inspector: r.inspector.as_deref().unwrap_or("").to_owned(),
                    containers,
                    findings: r.findings.iter().flatten().map(|f| f.to_string()).collect(),
                    score,
                }))
            }
            "pickup" => {
                let time = self.time(r.time.as_deref())?;
                let v = need("vehicle", r.vehicle.as_deref())?;
                let vehicle = reg.vehicle(v).ok_or_else(|| {
                    Rejection::new(RejectReason::UnknownVehicle, format!("no truck {v:?}"))
                })?;
                let point = self.point(r.point())?;
                let category = self.category(r.category.as_deref())?;
                if !point.accepts.contains(category) {
                    return Err(Rejection::new(
                        RejectReason::CategoryNotAccepted,
                        format!("point {} has no {category} bin", reg.unit_code(point.id)),
                    ));
                }
                let grams =
                    self.grams("grams", r.grams, self.limits.max_pickup_grams as u64)? as u32;
                let grade = match r.grade.as_deref() {
                    None => None,
                    Some(g) => Some(Grade::parse(g).ok_or_else(|| bad_value("grade", g))?),
                };
                Ok(Event::Pickup(Pickup {
                    key,
                    id: id.to_owned(),
                    time,
                    vehicle,
                    point: point.id,
                    category,
                    grams,
                    grade,
                }))
            }
            "weigh_ticket" => {
                let time = self.time(r.time.as_deref())?;
                let f = need("facility", r.facility.as_deref())?;
                let facility = reg.facility(f).ok_or_else(|| {
                    Rejection::new(RejectReason::UnknownFacility, format!("no facility {f:?}"))
                })?;
                let vehicle = match r.vehicle.as_deref() {
                    None => None,
                    Some(v) => Some(reg.vehicle(v).ok_or_else(|| {
                        Rejection::new(RejectReason::UnknownVehicle, format!("no truck {v:?}"))
                    })?),
                };
                let category = self.category(r.category.as_deref())?;
                let net = match (r.net_kg, r.gross_kg, r.tare_kg) {
                    (Some(n), Some(g), Some(t)) => {
                        if (g - t - n).abs() > self.limits.net_tolerance_kg {
                            return Err(Rejection::new(
                                RejectReason::NetWeightMismatch,
                                format!("net {n} kg but gross {g} − tare {t} = {} kg", g - t),
                            ));
                        }
                        Some(n)
                    }
                    (None, Some(g), Some(t)) => Some(g - t),
                    (n, _, _) => n,
                };
                let net_grams = self.grams(
                    "net_kg",
                    net.map(|kg| kg * 1000.0),
                    self.limits.max_load_grams,
                )?;
                let origin = match r.origin.as_deref() {
                    None => None,
                    Some(o) => Some(reg.unit(o).ok_or_else(|| {
                        Rejection::new(RejectReason::UnknownUnit, format!("no unit {o:?}"))
                    })?),
                };
                Ok(Event::WeighTicket(WeighTicket {
                    key,
                    id: id.to_owned(),
                    time,
                    facility,
                    vehicle,
                    category,
                    net_grams,
                    origin,
                }))
            }
            "treatment" => {
                let f = need("facility", r.facility.as_deref())?;
                let facility = reg.facility(f).ok_or_else(|| {
                    Rejection::new(RejectReason::UnknownFacility, format!("no facility {f:?}"))
                })?;
                let day = |field: &'static str, v: Option<&str>| -> Result<Day, Rejection> {
                    let s = need(field, v)?;
                    Day::parse(s).map_err(|e| Rejection::new(RejectReason::BadTime, e.to_string()))
                };
                let (from, to) = (day("from", r.from.as_deref())?, day("to", r.to.as_deref())?);
                if to < from {
                    return Err(Rejection::new(
                        RejectReason::BadPeriod,
                        format!("period {from}..{to} ends before it starts"),
                    ));
                }
                if Timestamp::at(from, 0).0 > self.now.0 + self.limits.future_skew_secs {
                    return Err(Rejection::new(
                        RejectReason::FutureTime,
                        format!("period starts in the future ({from})"),
                    ));
                }
                let mut input = Vec::new();
                for (c, kg) in r.input.iter().flatten() {
                    let category = Category::parse(c).map_err(|e| {
                        Rejection::new(RejectReason::UnknownCategory, e.to_string())
                    })?;
                    input.push((
                        category,
                        self.grams("input", Some(kg * 1000.0), u64::MAX >> 12)?,
                    ));
                }
                let mut output = Vec::new();
                for flow in r.output.iter().flatten() {
                    let category = self.category(flow.category.as_deref())?;
                    let rt = need("route", flow.route.as_deref())?;
                    let route = TreatmentRoute::parse(rt).ok_or_else(|| bad_value("route", rt))?;
                    let grams = self.grams("kg", flow.kg.map(|kg| kg * 1000.0), u64::MAX >> 12)?;
                    output.push(TreatmentFlow {
                        category,
                        route,
                        grams,
                    });
                }
                Ok(Event::Treatment(Treatment {
                    key,
                    id: id.to_owned(),
                    facility,
                    from,
                    to,
                    input,
                    output,
                }))
            }
            "survey" => {
                let time = self.time(r.time.as_deref())?;
                let code = need("unit", r.unit.as_deref())?;
                let unit = reg
                    .unit(code)
                    .filter(|&u| reg.model().unit(u).level != Level::Point)
                    .ok_or_else(|| {
                        Rejection::new(
                            RejectReason::UnknownUnit,
                            format!("no estate or unit above it {code:?}"),
                        )
                    })?;
                let count = |field: &'static str, v: Option<f64>| -> Result<u32, Rejection> {
                    let v = v.ok_or_else(|| {
                        Rejection::new(RejectReason::MissingField, format!("missing `{field}`"))
                    })?;
                    if v < 0.0 || v.fract() != 0.0 || v > f64::from(u32::MAX) {
                        return Err(Rejection::new(
                            RejectReason::OutOfRange,
                            format!("{field} {v} is not a count of people"),
                        ));
                    }
                    Ok(v as u32)
                };
                let respondents = count("respondents", r.respondents)?;
                let aware = count("aware", r.aware)?;
                if respondents == 0 || aware > respondents {
                    return Err(Rejection::new(
                        RejectReason::OutOfRange,
                        format!("{aware} aware of {respondents} respondents"),
                    ));
                }
                Ok(Event::Survey(Survey {
                    key,
                    id: id.to_owned(),
                    time,
                    unit,
                    respondents,
                    aware,
                }))
            }
            "" => Err(Rejection::new(
                RejectReason::UnknownType,
                "missing field `type`",
            )),
            other => Err(Rejection::new(
                RejectReason::UnknownType,
                format!("unknown type {other:?}"),
            )),
        }
    }

    fn point(&self, code: Option<&str>) -> Result<crate::registry::PointInfo, Rejection> {
        let code = need("point", code)?;
        self.registry.point(code).ok_or_else(|| {
            Rejection::new(
                RejectReason::UnknownPoint,
                format!("no collection point {code:?}"),
            )
        })
    }

    /// Validates a put-in (the hot path: no allocation on success).
    pub fn put_in<'f>(&self, r: impl PutInFields<'f>) -> Result<PutIn, Rejection> {
        let (mut p, household) = self.put_in_unresolved(r)?;
        if let Some(code) = household {
            p.household = Some(self.household(code)?);
        }
        Ok(p)
    }

    /// Validates a put-in except for its household, whose code (if any) is returned for
    /// [`Self::resolve_households`]: resolving many codes in one loop lets their (cache-missing)
    /// table lookups overlap.
    pub fn put_in_unresolved<'f>(
        &self,
        r: impl PutInFields<'f>,
    ) -> Result<(PutIn, Option<&'f str>), Rejection> {
        let id = need("id", r.id())?;
        let time = self.time(r.time())?;
        let point = self.point(r.point())?;
        let category = self.category(r.category())?;
        if !point.accepts.contains(category) {
            return Err(Rejection::new(
                RejectReason::CategoryNotAccepted,
                format!(
                    "point {} has no {category} bin",
                    self.registry.unit_code(point.id)
                ),
            ));
        }
        let grams = self.grams("grams", r.grams(), self.limits.max_put_in_grams as u64)? as u32;
        let household = r.household().filter(|h| !h.is_empty());
        let verdict = match r.verdict() {
            None => Verdict::Unchecked,
            Some(v) => Verdict::parse(v).ok_or_else(|| bad_value("verdict", v))?,
        };
        let source = match r.source() {
            None => Source::Manual,
            Some(s) => Source::parse(s).ok_or_else(|| bad_value("source", s))?,
        };
        let p = PutIn {
            key: EventKey::of(id),
            time,
            point: point.id,
            household: None,
            category,
            grams,
            verdict,
            source,
        };
        Ok((p, household))
    }

    fn household(&self, code: &str) -> Result<HouseholdId, Rejection> {
        self.registry.household(code).ok_or_else(|| {
            Rejection::new(
                RejectReason::UnknownHousehold,
                format!("no household {code:?}"),
            )
        })
    }

    /// Resolves household codes, in order; see [`Self::put_in_unresolved`].
    pub fn resolve_households<'c>(
        &self,
        codes: impl Iterator<Item = &'c str>,
        out: &mut Vec<Option<HouseholdId>>,
    ) {
        out.clear();
        out.extend(codes.map(|c| self.registry.household(c)));
    }

    /// The rejection of a household code that did not resolve.
    pub fn unknown_household(&self, code: &str) -> Rejection {
        Rejection::new(
            RejectReason::UnknownHousehold,
            format!("no household {code:?}"),
        )
    }
}
