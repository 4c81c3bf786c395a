//! Metric reports: every unit of a level, every metric the city reports, for a period; rendered
//! as a table (Chinese and English headers), CSV or JSON.
//!
//! Every output starts from the period: its days, and for each unit the days that hold data.
//! Every figure carries its value with unit, numerator and denominator in the formula's units,
//! its formula `key@version`, its target with who set it (non-official targets marked), the
//! gap, the data coverage of the period, the sample judgement where it applies, and a status
//! that never says "met" for a mostly empty period or a thin sample.

use crate::AppError;
use fenlei_domain::{CityConstants, Day, DayRange, Level, RuleSet, UnitId};
use fenlei_metrics::{DataCoverage, Evaluation, Inputs, Measure, SampleMethod, Status, Targets};
use fenlei_store::EmbeddedStore;
use unicode_width::UnicodeWidthStr;

/// Days in the default period of every command that reports on one (`report`, `verify`).
pub const DEFAULT_PERIOD_DAYS: u32 = 30;

/// The period asked: `--from`/`--to` where given; otherwise [`DEFAULT_PERIOD_DAYS`] days
/// ending on the last simulated day the store records (else yesterday).
pub fn period(
    store: &EmbeddedStore,
    from: Option<Day>,
    to: Option<Day>,
) -> Result<DayRange, AppError> {
    let to = match to {
        Some(d) => d,
        None => last_day(store)?.unwrap_or_else(|| Day::today().plus(-1)),
    };
    let from = from.unwrap_or(to.plus(1 - DEFAULT_PERIOD_DAYS as i32));
    DayRange::new(from, to)
        .ok_or_else(|| AppError::Usage(format!("--from {from} is after --to {to}")))
}

/// The last simulated day the store records, if any.
pub fn last_day(store: &EmbeddedStore) -> Result<Option<Day>, AppError> {
    Ok(store.meta("last_day")?.and_then(|d| Day::parse(&d).ok()))
}

/// The default baseline of a period: the same calendar days one year earlier.
pub fn baseline_of(range: DayRange) -> DayRange {
    let year_before = |d: Day| {
        let (y, m, day) = d.ymd();
        Day::from_ymd(y - 1, m, day).unwrap_or(d.plus(-365))
    };
    DayRange {
        from: year_before(range.from),
        to: year_before(range.to),
    }
}

/// The period a report covers, printed at the top of every output.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Period {
    /// First day.
    pub from: Day,
    /// Last day (inclusive).
    pub to: Day,
    /// Days asked.
    pub days: u32,
    /// The baseline period of reductions.
    pub baseline_from: Day,
    /// Last day of the baseline period.
    pub baseline_to: Day,
}

impl Period {
    /// The period `range` with its baseline.
    pub fn new(range: DayRange, baseline: DayRange) -> Period {
        Period {
            from: range.from,
            to: range.to,
            days: range.len(),
            baseline_from: baseline.from,
            baseline_to: baseline.to,
        }
    }

    /// One line, Chinese and English, for the top of tables and the verifier.
    pub fn line(&self) -> String {
        format!(
            "报告期 Period {}..{} ({} 天 days; 减量基线 reduction baseline {}..{})",
            self.from, self.to, self.days, self.baseline_from, self.baseline_to
        )
    }
}

/// The metrics of one unit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UnitReport {
    /// Unit code (national division code where it has one).
    pub id: String,
    /// Unit name.
    pub name: String,
    /// Level.
    pub level: Level,
    /// Households served.
    pub households: u64,
    /// How much of the period holds data for this unit.
    pub data: DataCoverage,
    /// Every metric the city reports.
    pub metrics: Vec<Evaluation>,
}

/// A report: the period, the city's rules, and every unit asked.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The city's rule set key.
    pub city: String,
    /// The city's name, Chinese.
    pub city_zh: String,
    /// The city's name, English.
    pub city_en: String,
    /// The units.
    pub units: Vec<UnitReport>,
}

/// Units of `level`, optionally only those under `within`.
pub fn units_at(store: &EmbeddedStore, level: Level, within: Option<UnitId>) -> Vec<UnitId> {
    let model = store.model();
    model
        .at_level(level)
        .filter(|u| within.is_none_or(|w| model.ancestors(u.id).any(|a| a == w)))
        .map(|u| u.id)
        .collect()
}

/// Evaluates every metric for each unit over `range`, reductions against `baseline`.
pub fn report(
    store: &mut EmbeddedStore,
    units: &[UnitId],
    range: DayRange,
    baseline: DayRange,
) -> Result<Report, AppError> {
    let rules =
        RuleSet::for_city(&store.model().ruleset).map_err(|e| AppError::Usage(e.to_string()))?;
    let constants = CityConstants::shipped(&rules.city);
    let targets = Targets::shipped();
    let quantities = store.quantities_many(units, range)?;
    let base = store.quantities_many(units, baseline)?;
    let mut out = Vec::with_capacity(units.len());
    for ((&unit, q), b) in units.iter().zip(&quantities).zip(&base) {
        let u = store.model().unit(unit);
        let inputs = Inputs {
            q,
            baseline: Some(b),
            constants: &constants,
        };
        out.push(UnitReport {
            id: u.code.clone(),
            name: u.name.clone(),
            level: u.level,
            households: u.households as u64,
            data: DataCoverage::of(q, &constants),
            metrics: fenlei_metrics::evaluate(&inputs, &rules, &targets),
        });
    }
    Ok(Report {
        period: Period::new(range, baseline),
        city: rules.city.clone(),
        city_zh: rules.name_zh.clone(),
        city_en: rules.name_en.clone(),
        units: out,
    })
}

/// A mass in kilograms as people read it: kg below a tonne (so 10.5 kg of hazardous waste does
/// not read 0.0 t), tonnes from there.
pub fn format_mass(kg: f64) -> String {
    if kg.abs() >= 1000.0 {
        format!("{:.2} t", kg / 1000.0)
    } else {
        format!("{kg:.1} kg")
    }
}

/// A metric value with its unit.
pub fn format_value(measure: Measure, v: Option<f64>) -> String {
    match (measure, v) {
        (_, None) => "—".into(),
        (Measure::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
        (Measure::KgPerResidentDay, Some(v)) => format!("{v:.3} kg/人日"),
        (Measure::Kilograms, Some(v)) => format_mass(v),
    }
}

/// A numerator or denominator in its unit's precision.
fn format_amount(v: f64, unit: &str) -> String {
    match unit {
        "kg" | "kg/day" => format!("{v:.1}"),
        _ if v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

fn format_target(m: &Evaluation) -> String {
    let Some(t) = &m.target else {
        return String::new();
    };
    let bound = match m.measure {
        Measure::KgPerResidentDay => "≤",
        _ => "≥",
    };
    let mark = if t.official { "" } else { "†" };
    format!(
        "{bound}{}{mark}",
        format_value(m.measure, Some(t.value)).replace(" kg/人日", "")
    )
}

fn format_gap(m: &Evaluation) -> String {
    match (m.measure, m.gap) {
        (_, None) => String::new(),
        (Measure::Ratio, Some(g)) => format!("{:+.1} pt", g * 100.0),
        (_, Some(g)) => format!("{g:+.3}"),
    }
}

fn format_sample(m: &Evaluation) -> String {
    let Some(s) = &m.sample else {
        return String::new();
    };
    let verdict = if s.sufficient { "ok" } else { "不足 thin" };
    match s.method {
        SampleMethod::Wilson => match (s.low, s.high) {
            (Some(lo), Some(hi)) => format!(
                "Wilson [{:.1}, {:.1}]% n={} {verdict}",
                lo * 100.0,
                hi * 100.0,
                s.n
            ),
            _ => format!("Wilson n=0 {verdict}"),
        },
        SampleMethod::Identification => format!(
            "识别 identified {} (min {:.0}%) {verdict}",
            s.low
                .map(|r| format!("{:.1}%", r * 100.0))
                .unwrap_or_else(|| "—".into()),
            s.minimum.unwrap_or(0.0) * 100.0
        ),
    }
}

fn format_data(d: &DataCoverage) -> String {
    let note = if d.complete {
        ""
    } else {
        " 不完整 incomplete"
    };
    format!("{}/{}{note}", d.days_with_data, d.days_asked)
}

/// The mark of a status in the side-by-side table.
fn mark(s: Status) -> &'static str {
    match s {
        Status::Met => " ✓",
        Status::NotMet => " ✗",
        Status::Inconclusive => " ?",
        Status::InsufficientData => " …",
        Status::NoValue | Status::NoTarget => "",
    }
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// Aligns cells into columns (CJK characters count double), header rows above a rule.
pub(crate) fn table(header: &[Vec<String>], rows: &[Vec<String>], right_from: usize) -> String {
    let cols = header[0].len();
    let mut widths = vec![0; cols];
    for row in header.iter().chain(rows) {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.width());
        }
    }
    let line = |row: &Vec<String>| {
        row.iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], i >= right_from))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
            + "\n"
    };
    let mut out = String::new();
    for h in header {
        out += &line(h);
    }
    out += &(widths
        .iter()
        .map(|w| "─".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ")
        + "\n");
    for r in rows {
        out += &line(r);
    }
    out
}

fn heading(report: &Report) -> String {
    format!(
        "{}\n城市规则 City rules: {} {}\n",
        report.period.line(),
        report.city_zh,
        report.city_en
    )
}

/// Below every table: what the marks mean, and each metric's formula, units and target source.
fn legend(metrics: &[Evaluation]) -> String {
    let mut out = String::from(
        "\n✓ 达标 met  ✗ 未达标 not met  ? 样本不足 sample too thin to compare  … 数据不足 fewer days with data than the city's minimum: never marked met  † 非官方目标 fenlei default, not an official target\n",
    );
    for m in metrics {
        out += &format!(
            "{} {} [{}]: {}",
            m.label_zh, m.label_en, m.formula, m.formula_text
        );
        if let Some(t) = &m.tonnage_source {
            out += &format!(
                "; 吨位 tonnage: 地磅 weighbridge {:.1} %, 车载称重 bin lifts {:.1} %",
                t.weighbridge_share * 100.0,
                (1.0 - t.weighbridge_share) * 100.0
            );
        }
        if let Some(t) = &m.target {
            out += &format!(
                "; 目标 target {} {} ({}: {})",
                format_target(m),
                t.status.label(),
                t.set_by,
                t.source
            );
        }
        out += "\n";
    }
    out
}

/// One unit in detail: a row per metric with value, numerator, denominator, target, gap,
/// status, sample, data coverage and formula; the formulas and target sources below.
pub fn render_unit(report: &Report, r: &UnitReport) -> String {
    let header = vec![
        [
            "指标",
            "值",
            "分子",
            "分母",
            "单位",
            "目标",
            "差距",
            "状态",
            "样本",
            "数据天数",
            "公式",
        ]
        .map(String::from)
        .to_vec(),
        [
            "Metric",
            "Value",
            "Numerator",
            "Denominator",
            "Units (num/den)",
            "Target",
            "Gap",
            "Status",
            "Sample",
            "Days with data",
            "Formula",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let rows: Vec<Vec<String>> = r
        .metrics
        .iter()
        .map(|m| {
            vec![
                format!("{} {}", m.label_zh, m.label_en),
                format_value(m.measure, m.value),
                format_amount(m.numerator, m.numerator_unit),
                format_amount(m.denominator, m.denominator_unit),
                format!("{} / {}", m.numerator_unit, m.denominator_unit),
                format_target(m),
                format_gap(m),
                m.status.label().to_owned(),
                format_sample(m),
                format_data(&m.data),
                m.formula.clone(),
            ]
        })
        .collect();
    let title = format!(
        "{}{} {} ({}, {} 户 households), 有数据 days with data {}\n",
        heading(report),
        r.level.label_zh(),
        r.name,
        r.id,
        r.households,
        format_data(&r.data),
    );
    title + &table(&header, &rows, 1) + &legend(&r.metrics)
}

/// The report as a table: one unit in detail, or many side by side (a row of values with their
/// status marks and a row of numerator/denominator per unit, the targets below).
pub fn render_table(report: &Report) -> String {
    match report.units.as_slice() {
        [] => heading(report) + "no units\n",
        [one] => render_unit(report, one),
        many => render_side_by_side(report, many),
    }
}

fn render_side_by_side(report: &Report, units: &[UnitReport]) -> String {
    let first = &units[0];
    let mut zh = vec!["单位".to_owned(), "户数".to_owned(), "数据天数".to_owned()];
    let mut en = vec![
        "Unit".to_owned(),
        "Households".to_owned(),
        "Days with data".to_owned(),
    ];
    let mut unit_row = vec![String::new(), String::new(), String::new()];
    for m in &first.metrics {
        zh.push(m.label_zh.clone());
        en.push(short_en(m.metric).to_owned());
        unit_row.push(if m.measure == Measure::Kilograms {
            "kg".to_owned()
        } else {
            format!("{}/{}", m.numerator_unit, m.denominator_unit)
        });
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in units {
        let mut values = vec![
            r.name.clone(),
            r.households.to_string(),
            format_data(&r.data),
        ];
        let mut ratios = vec![String::new(), String::new(), String::new()];
        for m in &r.metrics {
            values.push(format_value(m.measure, m.value) + mark(m.status));
            ratios.push(if m.measure == Measure::Kilograms {
                String::new()
            } else {
                format!(
                    "{}/{}",
                    format_amount(m.numerator, m.numerator_unit),
                    format_amount(m.denominator, m.denominator_unit)
                )
            });
        }
        rows.push(values);
        rows.push(ratios);
    }
    let mut target = vec!["目标 Target".to_owned(), String::new(), String::new()];
    let mut setter = vec!["设定 Set by".to_owned(), String::new(), String::new()];
    for m in &first.metrics {
        target.push(format_target(m));
        setter.push(m.target.as_ref().map_or(String::new(), |t| {
            t.status.label().split(' ').next().unwrap_or("").to_owned()
        }));
    }
    rows.push(target);
    rows.push(setter);
    let title = format!(
        "{}{} × {} units\n",
        heading(report),
        first.level.label_zh(),
        units.len()
    );
    title + &table(&[zh, en, unit_row], &rows, 1) + &legend(&first.metrics)
}

fn short_en(metric: &str) -> &'static str {
    match metric {
        "participation_rate" => "Particip.",
        "identification_rate" => "Identified",
        "inspection_rate" => "Judged",
        "putin_accuracy" => "Accuracy",
        "purity_pass_rate" => "Purity",
        "kitchen_separation_rate" => "Kitchen sep.",
        "wet_share" => "Wet share",
        "recycling_rate" => "Recycling",
        "resource_utilisation_rate" => "Res. util.",
        "coverage_rate" => "Coverage",
        "other_waste_per_capita" => "Other/p/d",
        "other_waste_reduction" => "Other reduct.",
        "awareness_rate" => "Awareness",
        "tonnage_recyclable" => "Recycl.",
        "tonnage_hazardous" => "Hazard.",
        "tonnage_kitchen" => "Kitchen",
        "tonnage_other" => "Other",
        _ => "",
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 34] = [
    "period_from",
    "period_to",
    "days_asked",
    "id",
    "name",
    "level",
    "days_with_data",
    "data_share",
    "data_complete",
    "metric",
    "formula",
    "label_zh",
    "label_en",
    "value",
    "unit",
    "numerator",
    "numerator_unit",
    "denominator",
    "denominator_unit",
    "target",
    "target_status",
    "target_official",
    "target_set_by",
    "target_source",
    "gap",
    "status",
    "sample_method",
    "sample_n",
    "sample_low",
    "sample_high",
    "sample_minimum",
    "sample_sufficient",
    "formula_text",
    "tonnage_weighbridge_share",
];

/// Long-format CSV: one row per unit and metric, the period in the first columns of every row.
pub fn render_csv(report: &Report) -> Result<String, AppError> {
    let csv_error = |e: csv::Error| AppError::Usage(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).map_err(csv_error)?;
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let p = &report.period;
    for r in &report.units {
        for m in &r.metrics {
            let t = m.target.as_ref();
            let s = m.sample.as_ref();
            let status = serde_json::to_value(m.status).expect("a unit enum");
            let method = s.map(|s| serde_json::to_value(s.method).expect("a unit enum"));
            w.write_record([
                p.from.to_string(),
                p.to.to_string(),
                p.days.to_string(),
                r.id.clone(),
                r.name.clone(),
                r.level.key().to_owned(),
                m.data.days_with_data.to_string(),
                m.data.share.to_string(),
                m.data.complete.to_string(),
                m.metric.to_owned(),
                m.formula.clone(),
                m.label_zh.clone(),
                m.label_en.clone(),
                opt(m.value),
                m.unit.to_owned(),
                m.numerator.to_string(),
                m.numerator_unit.to_owned(),
                m.denominator.to_string(),
                m.denominator_unit.to_owned(),
                opt(t.map(|t| t.value)),
                t.map(|t| t.status.key().to_owned()).unwrap_or_default(),
                t.map(|t| t.official.to_string()).unwrap_or_default(),
                t.map(|t| t.set_by.clone()).unwrap_or_default(),
                t.map(|t| t.source.clone()).unwrap_or_default(),
                opt(m.gap),
                status.as_str().unwrap_or_default().to_owned(),
                method
                    .as_ref()
                    .and_then(|m| m.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                s.map(|s| s.n.to_string()).unwrap_or_default(),
                opt(s.and_then(|s| s.low)),
                opt(s.and_then(|s| s.high)),
                opt(s.and_then(|s| s.minimum)),
                s.map(|s| s.sufficient.to_string()).unwrap_or_default(),
                m.formula_text.clone(),
                opt(m.tonnage_source.map(|t| t.weighbridge_share)),
            ])
            .map_err(csv_error)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| AppError::Usage(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
}
