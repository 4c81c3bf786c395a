//! Metric reports: every unit of a level, every metric, for a period; rendered as a table
//! (Chinese first, English second), CSV or JSON.

use crate::AppError;
use fenlei_domain::{DayRange, Level, RuleSet, UnitId};
use fenlei_metrics::{Evaluation, Measure, Targets};
use fenlei_store::EmbeddedStore;
use unicode_width::UnicodeWidthStr;

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
    /// Period start.
    pub from: String,
    /// Period end (inclusive).
    pub to: String,
    /// Every metric.
    pub metrics: Vec<Evaluation>,
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

/// Evaluates every metric for each unit over `range`.
pub fn report(
    store: &mut EmbeddedStore,
    units: &[UnitId],
    range: DayRange,
) -> Result<Vec<UnitReport>, AppError> {
    let rules =
        RuleSet::for_city(&store.model().ruleset).map_err(|e| AppError::Usage(e.to_string()))?;
    let targets = Targets::shipped();
    let quantities = store.quantities_many(units, range)?;
    let mut out = Vec::with_capacity(units.len());
    for (&unit, q) in units.iter().zip(quantities) {
        let u = store.model().unit(unit);
        out.push(UnitReport {
            id: u.code.clone(),
            name: u.name.clone(),
            level: u.level,
            households: u.households as u64,
            from: range.from.to_string(),
            to: range.to.to_string(),
            metrics: fenlei_metrics::evaluate(&q, &rules, &targets),
        });
    }
    Ok(out)
}

/// A metric value as people read it: percentages, kg and tonnes with sensible digits.
pub fn format_value(measure: Measure, v: Option<f64>) -> String {
    match (measure, v) {
        (_, None) => "—".into(),
        (Measure::Ratio, Some(v)) => format!("{:.1}%", v * 100.0),
        (Measure::KgPerResidentDay, Some(v)) => format!("{v:.3}"),
        (Measure::Tonnes, Some(v)) => format!("{v:.1}"),
    }
}

fn format_gap(measure: Measure, gap: Option<f64>) -> String {
    match (measure, gap) {
        (_, None) => String::new(),
        (Measure::Ratio, Some(g)) => format!("{:+.1} pt", g * 100.0),
        (_, Some(g)) => format!("{g:+.3}"),
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

/// One unit in detail: a row per metric with formula, value, numerator, denominator, target
/// and gap.
pub fn render_unit(r: &UnitReport) -> String {
    let header = vec![
        ["指标", "值", "目标", "差距", "分子", "分母", "公式"]
            .map(String::from)
            .to_vec(),
        [
            "Metric",
            "Value",
            "Target",
            "Gap",
            "Numerator",
            "Denominator",
            "Formula",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let rows: Vec<Vec<String>> = r
        .metrics
        .iter()
        .map(|m| {
            let target = match (m.measure, m.target) {
                (Measure::Ratio, Some(t)) => format!("{:.0}%", t * 100.0),
                (_, Some(t)) => format!("{t}"),
                (_, None) => String::new(),
            };
            vec![
                format!("{} {}", m.label_zh, m.label_en),
                format_value(m.measure, m.value),
                target,
                format_gap(m.measure, m.gap),
                format!("{:.0}", m.numerator),
                format!("{:.0}", m.denominator),
                m.formula.clone(),
            ]
        })
        .collect();
    let title = format!(
        "{} {} ({}, {} households) {}..{}\n",
        r.level.label_zh(),
        r.name,
        r.id,
        r.households,
        r.from,
        r.to
    );
    title + &table(&header, &rows, 1)
}

/// Many units side by side: a row per unit, a column per metric.
pub fn render_table(reports: &[UnitReport]) -> String {
    let Some(first) = reports.first() else {
        return "no units\n".into();
    };
    let mut zh = vec!["单位".to_owned(), "户数".to_owned()];
    let mut en = vec!["Unit".to_owned(), "Households".to_owned()];
    for m in &first.metrics {
        zh.push(m.label_zh.clone());
        en.push(short_en(m.metric).to_owned());
    }
    let mut target = vec!["目标 Target".to_owned(), String::new()];
    for m in &first.metrics {
        target.push(match (m.measure, m.target) {
            (Measure::Ratio, Some(t)) => format!("≥{:.0}%", t * 100.0),
            (_, Some(t)) => format!("≤{t}"),
            _ => String::new(),
        });
    }
    let mut rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let mut row = vec![r.name.clone(), r.households.to_string()];
            row.extend(r.metrics.iter().map(|m| format_value(m.measure, m.value)));
            row
        })
        .collect();
    rows.push(target);
    let title = format!(
        "{} × {} units, {}..{}\n",
        first.level.label_zh(),
        reports.len(),
        first.from,
        first.to
    );
    title + &table(&[zh, en], &rows, 1)
}

fn short_en(metric: &str) -> &'static str {
    match metric {
        "participation_rate" => "Particip.",
        "putin_accuracy" => "Accuracy",
        "purity_pass_rate" => "Purity",
        "kitchen_separation_rate" => "Kitchen sep.",
        "wet_share" => "Wet share",
        "recycling_rate" => "Recycling",
        "resource_utilisation_rate" => "Res. util.",
        "coverage_rate" => "Coverage",
        "other_waste_per_capita" => "Other kg/p/d",
        "tonnage_recyclable" => "Recycl. t",
        "tonnage_hazardous" => "Hazard. t",
        "tonnage_kitchen" => "Kitchen t",
        "tonnage_other" => "Other t",
        _ => "",
    }
}

/// Long-format CSV: one row per unit and metric.
pub fn render_csv(reports: &[UnitReport]) -> Result<String, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "name",
        "level",
        "from",
        "to",
        "metric",
        "formula",
        "value",
        "numerator",
        "denominator",
        "target",
        "gap",
    ])
    .map_err(|e| AppError::Usage(e.to_string()))?;
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in reports {
        for m in &r.metrics {
            w.write_record([
                r.id.as_str(),
                r.name.as_str(),
                r.level.key(),
                r.from.as_str(),
                r.to.as_str(),
                m.metric,
                m.formula.as_str(),
                &opt(m.value),
                &m.numerator.to_string(),
                &m.denominator.to_string(),
                &opt(m.target),
                &opt(m.gap),
            ])
            .map_err(|e| AppError::Usage(e.to_string()))?;
        }
    }
    let bytes = w.into_inner().map_err(|e| AppError::Usage(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
}
