//! The JSON shape the CLI prints and the server will return.

use fenlei_guide::Guide;
use serde_json::Value;

#[test]
fn answer_has_the_documented_fields() {
    let a = Guide::embedded().lookup("kuaicanhe", "shanghai");
    let v: Value = serde_json::to_value(&a).expect("serialises");
    for field in [
        "query",
        "normalized",
        "city",
        "city_name",
        "category",
        "city_label",
        "item",
        "guess",
        "match_kind",
        "confidence",
        "reason",
        "reason_en",
        "tips",
        "tips_en",
        "card",
        "exception",
        "alternatives",
        "similar",
    ] {
        assert!(v.get(field).is_some(), "missing {field}: {v}");
    }
    assert_eq!(v["query"], "kuaicanhe");
    assert_eq!(v["city"], "shanghai");
    assert_eq!(v["category"], "other");
    assert_eq!(v["city_label"], "干垃圾");
    assert_eq!(v["guess"], false);
    assert_eq!(v["match_kind"], "pinyin");
    assert_eq!(v["item"]["name"], "快餐盒");
    assert!(v["tips"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(v["card"]["colour"], "grey");
}

#[test]
fn guesses_and_category_queries_serialise_with_null_item() {
    let g = Guide::embedded();
    let v: Value = serde_json::to_value(g.lookup("干垃圾", "national")).expect("serialises");
    assert_eq!(v["item"], Value::Null);
    assert_eq!(v["match_kind"], "category");
    let v: Value = serde_json::to_value(g.lookup("xqzv", "national")).expect("serialises");
    assert_eq!(v["guess"], true);
    assert_eq!(v["item"], Value::Null);
    let keys = [
        "recyclable",
        "hazardous",
        "kitchen",
        "other",
        "bulky",
        "renovation",
        "not_household",
    ];
    assert!(keys.contains(&v["category"].as_str().unwrap_or("")));
}
