use fenlei_domain::{Category, KitchenMetric, RuleSet};

#[test]
fn each_city_names_the_categories_its_own_way() {
    let cases = [
        ("national", "厨余垃圾", "其他垃圾"),
        ("shanghai", "湿垃圾", "干垃圾"),
        ("chongqing", "厨余垃圾", "其他垃圾"),
        ("beijing", "厨余垃圾", "其他垃圾"),
        ("shenzhen", "厨余垃圾", "其他垃圾"),
        ("hangzhou", "易腐垃圾", "其他垃圾"),
    ];
    for (city, kitchen, other) in cases {
        let r = RuleSet::for_city(city).expect(city);
        assert_eq!(r.label_zh(Category::Kitchen), kitchen, "{city}");
        assert_eq!(r.label_zh(Category::Other), other, "{city}");
        assert_eq!(r.label_zh(Category::Recyclable), "可回收物", "{city}");
        assert_eq!(r.label_zh(Category::Hazardous), "有害垃圾", "{city}");
    }
    assert_eq!(
        RuleSet::for_city("shanghai")
            .expect("sh")
            .label_en(Category::Kitchen),
        "Wet waste"
    );
    assert_eq!(
        RuleSet::for_city("shanghai").expect("sh").kitchen_metric,
        KitchenMetric::WetShare
    );
    assert_eq!(
        RuleSet::for_city("chongqing").expect("cq").kitchen_metric,
        KitchenMetric::KitchenSeparation
    );
}

#[test]
fn an_unknown_city_names_the_known_ones() {
    let err = RuleSet::for_city("atlantis")
        .expect_err("no such city")
        .to_string();
    assert!(
        err.contains("atlantis") && err.contains("shanghai"),
        "{err}"
    );
}

#[test]
fn every_city_label_parses_back_to_its_category() {
    for r in RuleSet::all() {
        for c in Category::ALL {
            assert_eq!(
                Category::parse(r.label_zh(c)),
                Ok(c),
                "{} {}",
                r.city,
                r.label_zh(c)
            );
        }
    }
}

#[test]
fn malformed_rule_sets_name_the_line() {
    let err = fenlei_domain::category::parse_rulesets("header\nx,y\n").expect_err("too few fields");
    assert!(err.to_string().contains("line 2"), "{err}");
}
