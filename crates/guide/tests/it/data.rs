//! The shipped data: regenerated from the upstream files it matches the committed dictionary,
//! and the tables we wrote ourselves are complete enough.

use fenlei_guide::{EMBEDDED, Guide, build_data};

#[test]
fn data_is_up_to_date() {
    // The upstream copies are in the repository (data/guide/upstream, see SOURCES.md).
    let built = build_data::build(build_data::Sources {
        alexayan: include_str!("../../../../data/guide/upstream/shanghai_alexayan.csv"),
        weapp: include_str!("../../../../data/guide/upstream/shanghai_weapp_aliases.csv"),
        huawei: include_str!("../../../../data/guide/upstream/shenzhen_huawei40.csv"),
        overrides: include_str!("../../../../data/guide/overrides.csv"),
    });
    assert_eq!(
        built.conflicts, 82,
        "SOURCES.md says the two Shanghai files disagree on 82 names"
    );
    assert!(
        built.items_csv == EMBEDDED.items,
        "data/guide/items.csv is stale: run `fenlei guide build-data`"
    );
    assert_eq!(
        built.conflicts_csv,
        include_str!("../../../../data/guide/conflicts.csv"),
        "data/guide/conflicts.csv is stale"
    );
}

#[test]
fn hand_resolutions_are_listed_in_sources_md() {
    let sources = include_str!("../../../../data/guide/SOURCES.md");
    for line in include_str!("../../../../data/guide/overrides.csv")
        .lines()
        .skip(1)
    {
        let name = line.split(',').next().unwrap_or_default();
        assert!(
            sources.contains(name),
            "SOURCES.md does not list the hand resolution of {name}"
        );
    }
    assert!(sources.contains("Licence warning") || sources.contains("licence warning"));
}

#[test]
fn english_table_covers_500_items() {
    let g = Guide::embedded();
    let named = g.items().iter().filter(|i| !i.english.is_empty()).count();
    assert!(named >= 500, "only {named} items have English names");
    // Every row of english.csv names a dictionary item or alias.
    let rows = EMBEDDED.english.lines().count() - 1;
    let phrases: usize = g.items().iter().map(|i| i.english.len()).sum();
    assert!(phrases >= rows, "{phrases} phrases from {rows} rows");
}

#[test]
fn dictionary_has_every_category() {
    let g = Guide::embedded();
    assert!(g.items().len() > 4000);
    for c in fenlei_guide::Category::ALL {
        assert!(g.items().iter().any(|i| i.category == c), "no item in {c}");
    }
}
