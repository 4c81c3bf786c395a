//! Nothing city-specific is written in the code that computes metrics: thresholds, coefficients
//! and targets come from `data/cities/` (each with its source). This greps the formula, rollup
//! and report code for the numbers that once lived there.

const SOURCES: [(&str, &str); 7] = [
    ("metrics/src/lib.rs", include_str!("../src/lib.rs")),
    (
        "metrics/src/formulas.rs",
        include_str!("../src/formulas.rs"),
    ),
    ("metrics/src/sample.rs", include_str!("../src/sample.rs")),
    ("metrics/src/targets.rs", include_str!("../src/targets.rs")),
    (
        "store/src/rollup.rs",
        include_str!("../../store/src/rollup.rs"),
    ),
    (
        "store/src/recompute.rs",
        include_str!("../../store/src/recompute.rs"),
    ),
    ("app/src/report.rs", include_str!("../../app/src/report.rs")),
];

/// Shipped constants and targets, as they would be written in code.
const FORBIDDEN: [&str; 8] = [
    "0.85", "0.8", "0.45", "0.35", "0.90", "0.60", "0.20", "1.96",
];

#[test]
fn no_city_constant_or_target_is_written_in_code() {
    for (file, text) in SOURCES {
        for (n, line) in text.lines().enumerate() {
            for number in FORBIDDEN {
                let hit = line.match_indices(number).any(|(i, _)| {
                    let before = line[..i].chars().last();
                    let after = line[i + number.len()..].chars().next();
                    !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                        && !after.is_some_and(|c| c.is_ascii_digit())
                });
                assert!(
                    !hit,
                    "{file}:{}: {number} belongs in data/cities/: {line}",
                    n + 1
                );
            }
        }
    }
}
