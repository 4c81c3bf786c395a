//! The data files the binary ships and parses: city targets, rule sets, the guide's CSVs.

use super::{corpus, target, text};
use fenlei_fuzz::fuzz;
use fenlei_guide::{DataFiles, Guide};

const CSV_TOKENS: &[&[u8]] = &[
    b"national",
    b"shanghai",
    b"participation_rate",
    b"putin_accuracy",
    b"kitchen_separation",
    b"wet_share",
    b"kitchen",
    b"recyclable",
    b"name",
    b"suffix",
    b"contains",
    b"a+b+",
    b"+",
    b"\"a,\"\"b\"\"\"",
];

#[test]
fn targets_csv() {
    let t = target("targets_csv", corpus("targets_csv"), 3000).with_tokens(CSV_TOKENS);
    fuzz(&t, |_, bytes| {
        fenlei_metrics::targets::Targets::parse(&text(bytes))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn rulesets_csv() {
    let t = target("rulesets_csv", corpus("rulesets_csv"), 3000).with_tokens(CSV_TOKENS);
    fuzz(&t, |_, bytes| {
        fenlei_domain::category::parse_rulesets(&text(bytes))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

/// The guide's files, one replaced by the input at a time (the seed's name says which), the
/// others a small valid set. The guide skips rows it cannot use, so it always builds; every
/// lookup must then still answer with a category and the city's word for it.
#[test]
fn guide_data() {
    let seeds = corpus("guide_data");
    let file = |name: &str| -> String {
        let seed = seeds.iter().find(|s| s.name == name);
        text(&seed.unwrap_or_else(|| panic!("guide seed {name}")).bytes).into_owned()
    };
    let base: Vec<(&str, String)> = [
        "items.csv",
        "english.csv",
        "city_categories.csv",
        "category_definitions.csv",
        "category_tips.csv",
        "city_exceptions.csv",
        "item_tips.csv",
        "head_nouns.csv",
        "trad_pairs.txt",
    ]
    .into_iter()
    .map(|n| (n, file(n)))
    .collect();
    let t = target("guide_data", seeds.clone(), 120).with_tokens(CSV_TOKENS);
    fuzz(&t, |name, bytes| {
        let input = text(bytes);
        // Seeds are named after the file they replace: `items.csv`, `items-<what>.csv`.
        let stem = |n: &str| n.split('.').next().unwrap_or(n).to_owned();
        let get = |n: &str| -> &str {
            if name.starts_with(&stem(n)) {
                &input
            } else {
                &base.iter().find(|(b, _)| *b == n).expect("a guide file").1
            }
        };
        let files = DataFiles {
            items: get("items.csv"),
            english: get("english.csv"),
            city_categories: get("city_categories.csv"),
            definitions: get("category_definitions.csv"),
            tips: get("category_tips.csv"),
            exceptions: get("city_exceptions.csv"),
            item_tips: get("item_tips.csv"),
            head_nouns: get("head_nouns.csv"),
            trad_pairs: get("trad_pairs.txt"),
        };
        let guide = Guide::build(&files);
        let from_input: String = input.chars().skip(40).take(8).collect();
        for query in [
            "塑料瓶",
            "电池",
            "dianchi",
            "battery",
            "湿垃圾",
            from_input.as_str(),
        ] {
            for city in ["shanghai", "national", "beijing", "nowhere"] {
                let answer = guide.lookup(query, city);
                assert!(
                    !answer.city_label.is_empty(),
                    "{query} in {city}: {answer:?}"
                );
            }
        }
        Ok(())
    });
}

/// GeoJSON outlines (`fenlei units import-geojson`, local metres plane) into one store of the
/// seeds' city: a file is refused as a whole or imported feature by feature, every feature
/// either stored or reported with its index, never a panic.
#[test]
fn geojson() {
    use fenlei_app::shapes::{Crs, ImportOptions, import_geojson};
    let dir = super::scratch();
    let mut store = fenlei_app::simulate::create_store(&dir.path().join("db"), super::world())
        .expect("a store");
    let opts = ImportOptions {
        property: "code".into(),
        crs: Crs::Local,
        origin: None,
    };
    let t = target("geojson", corpus("geojson"), 400).with_tokens(&[
        b"\"FeatureCollection\"",
        b"\"Feature\"",
        b"\"Polygon\"",
        b"\"MultiPolygon\"",
        b"\"coordinates\"",
        b"\"properties\"",
        b"\"code\"",
        b"E000001",
        b"500108001",
        b"[[[0, 0], [1, 0], [1, 1], [0, 0]]]",
        b"1e308",
        b"-0",
        b"null",
    ]);
    let store = std::cell::RefCell::new(&mut store);
    fuzz(&t, |_, bytes| {
        let report = import_geojson(&mut store.borrow_mut(), &text(bytes), &opts)
            .map_err(|e| e.to_string())?;
        // Every feature is accounted for, and problems name features of the file.
        assert_eq!(
            report.stored_features + report.problems.len(),
            report.features,
            "{report:?}"
        );
        assert!(report.problems.iter().all(|p| p.index < report.features));
        Ok(())
    });
}
