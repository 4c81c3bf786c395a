//! The one helper the query tables go through: look up, compare what the row states, and
//! report the whole answer when something differs.

use fenlei_guide::{Answer, Guide, MatchKind};

/// What a table row expects; `None` fields are not checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expect<'a> {
    /// Category key.
    pub category: &'a str,
    /// The city's word for it.
    pub label: Option<&'a str>,
    /// How it was found.
    pub kind: Option<MatchKind>,
    /// Best guess or not.
    pub guess: Option<bool>,
    /// Name of the matched item (`Some("")` means no item).
    pub item: Option<&'a str>,
}

/// Shorthand for a row that checks only the category.
pub fn cat(category: &str) -> Expect<'_> {
    Expect {
        category,
        ..Expect::default()
    }
}

/// Looks `query` up in `city` and checks it against `want`.
pub fn check(query: &str, city: &str, want: Expect<'_>) -> Answer {
    let a = Guide::embedded().lookup(query, city);
    let mut problems = Vec::new();
    if a.category.key() != want.category {
        problems.push(format!(
            "category {} != {}",
            a.category.key(),
            want.category
        ));
    }
    if let Some(l) = want.label
        && a.city_label != l
    {
        problems.push(format!("label {} != {l}", a.city_label));
    }
    if let Some(k) = want.kind
        && a.match_kind != k
    {
        problems.push(format!("kind {:?} != {k:?}", a.match_kind));
    }
    if let Some(g) = want.guess
        && a.guess != g
    {
        problems.push(format!("guess {} != {g}", a.guess));
    }
    if let Some(name) = want.item {
        let got = a.item.as_ref().map(|i| i.name.as_str()).unwrap_or("");
        if got != name {
            problems.push(format!("item {got:?} != {name:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "query {query:?} in {city}: {}\nanswer: {a:#?}",
        problems.join("; ")
    );
    a
}

/// Runs a table of `(query, city, expectation)` rows, reporting every failing row at once.
pub fn check_all(rows: &[(&str, &str, Expect<'_>)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(q, city, want)| {
            std::panic::catch_unwind(|| {
                check(q, city, *want);
            })
            .err()
            .map(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{q}: panic"))
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
