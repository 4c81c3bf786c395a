//! City rule sets: each city's words, its exceptions, its tips and definitions.

use fenlei_guide::{Category, Guide};

use crate::check::{Expect, check_all};

fn label<'a>(category: &'a str, label: &'a str) -> Expect<'a> {
    Expect {
        category,
        label: Some(label),
        ..Expect::default()
    }
}

#[test]
fn same_item_city_words() {
    check_all(&[
        ("快餐盒", "shanghai", label("other", "干垃圾")),
        ("快餐盒", "national", label("other", "其他垃圾")),
        ("快餐盒", "beijing", label("other", "其他垃圾")),
        ("香蕉皮", "shanghai", label("kitchen", "湿垃圾")),
        ("香蕉皮", "hangzhou", label("kitchen", "易腐垃圾")),
        ("香蕉皮", "national", label("kitchen", "厨余垃圾")),
        ("香蕉皮", "chongqing", label("kitchen", "厨余垃圾")),
        ("香蕉皮", "beijing", label("kitchen", "厨余垃圾")),
        ("香蕉皮", "shenzhen", label("kitchen", "厨余垃圾")),
        ("香蕉皮", "上海", label("kitchen", "湿垃圾")),
        ("香蕉皮", "sh", label("kitchen", "湿垃圾")),
        ("报纸", "hangzhou", label("recyclable", "可回收物")),
    ]);
}

#[test]
fn city_exceptions_change_the_category() {
    check_all(&[
        // Mercury-free dry cells: dry waste in Shanghai and Dalian, hazardous under the
        // national standard and in Shenzhen.
        ("干电池（无汞）", "shanghai", label("other", "干垃圾")),
        ("干电池（无汞）", "dalian", label("other", "其他垃圾")),
        ("干电池（无汞）", "national", label("hazardous", "有害垃圾")),
        ("干电池（无汞）", "shenzhen", label("hazardous", "有害垃圾")),
        ("碱性电池", "beijing", label("other", "其他垃圾")),
        ("无汞南孚电池", "shanghai", label("other", "干垃圾")),
        ("南孚电池", "beijing", label("hazardous", "有害垃圾")),
        // The national battery rule names batteries, not everything that mentions them.
        ("电池包装盒", "beijing", label("recyclable", "可回收物")),
        // Shenzhen: big hard bones and hard shells are other waste.
        ("大骨头", "shenzhen", label("other", "其他垃圾")),
        ("扇贝壳", "shanghai", label("kitchen", "湿垃圾")),
        ("扇贝壳", "shenzhen", label("other", "其他垃圾")),
        ("鸡骨头", "shenzhen", label("kitchen", "厨余垃圾")),
    ]);
}

#[test]
fn applied_exception_is_reported() {
    let g = Guide::embedded();
    let a = g.lookup("扇贝壳", "shenzhen");
    let e = a.exception.expect("an exception applied");
    assert_eq!(e.city, "shenzhen");
    assert_eq!(e.dictionary_category, Category::Kitchen);
    assert!(!e.reason.is_empty() && !e.source.is_empty());
    assert!(g.lookup("扇贝壳", "shanghai").exception.is_none());
}

#[test]
fn required_cities_have_words_definitions_and_tips() {
    let g = Guide::embedded();
    for key in [
        "national",
        "shanghai",
        "chongqing",
        "beijing",
        "shenzhen",
        "hangzhou",
    ] {
        let city = g.cities().get(key).unwrap_or_else(|| panic!("city {key}"));
        for c in Category::ALL {
            assert!(!city.label(c).is_empty(), "{key} {c}");
            let card = g.card(c, city);
            assert!(
                !card.definition.is_empty() && !card.definition_en.is_empty(),
                "{key} {c}"
            );
            assert!(!card.colour.is_empty() && !card.icon.is_empty() && !card.emoji.is_empty());
            assert!(
                !g.cities().tips(city, c).is_empty(),
                "{key} {c} has no tips"
            );
        }
    }
    let sh = g.cities().get("shanghai").expect("shanghai");
    assert_eq!(g.card(Category::Kitchen, sh).colour, "green");
    assert_eq!(g.card(Category::Recyclable, sh).colour, "blue");
    assert_eq!(g.card(Category::Hazardous, sh).colour, "red");
    assert_eq!(g.card(Category::Other, sh).colour, "grey");
}

#[test]
fn unknown_city_falls_back_to_national() {
    let a = Guide::embedded().lookup("香蕉皮", "atlantis");
    assert_eq!(a.city, "national");
    assert_eq!(a.city_label, "厨余垃圾");
    assert!(Guide::embedded().cities().get("atlantis").is_none());
}
