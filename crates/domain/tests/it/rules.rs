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

#[test]
fn a_quoted_basis_may_hold_commas() {
    let text = "city,name_zh,name_en,recyclable_zh,hazardous_zh,kitchen_zh,other_zh,recyclable_en,hazardous_en,kitchen_en,other_en,kitchen_metric,basis\n\
                testville,测试,Testville,可回收物,有害垃圾,厨余垃圾,其他垃圾,Recyclable,Hazardous waste,Kitchen waste,Other waste,kitchen_separation,\"条例, 2022 revision\"\n";
    let sets = fenlei_domain::category::parse_rulesets(text).expect("quoted commas are one field");
    assert_eq!(sets[0].basis, "条例, 2022 revision");
}

#[test]
fn constants_resolve_city_rows_before_national_ones_and_name_their_source() {
    use fenlei_domain::{Authority, Constants, TreatmentRoute};
    let text = "city,key,value,unit,status,set_by,source\n\
                national,purity_pass_threshold,0.85,share,local,a,b\n\
                national,route_coefficient.recycled,1,f,fenlei_default,fenlei,x\n\
                national,route_coefficient.composted,1,f,fenlei_default,fenlei,x\n\
                national,route_coefficient.digested,1,f,fenlei_default,fenlei,x\n\
                national,route_coefficient.incinerated,0.8,f,fenlei_default,fenlei,x\n\
                national,route_coefficient.landfilled,0,f,fenlei_default,fenlei,x\n\
                national,min_data_coverage,0.5,share,fenlei_default,fenlei,x\n\
                national,sample_z,1.96,z,fenlei_default,fenlei,x\n\
                national,min_identification_rate,0.8,share,fenlei_default,fenlei,x\n\
                testville,route_coefficient.incinerated,0,f,city,Testville office,\"rule 7, 2024\"\n";
    let all = Constants::parse(text).expect("parse");
    let t = all.for_city("testville");
    assert_eq!(t.route_coefficient(TreatmentRoute::Incinerated), 0.0);
    assert_eq!(
        t.row("route_coefficient.incinerated").status,
        Authority::City
    );
    assert_eq!(
        t.row("route_coefficient.incinerated").source,
        "rule 7, 2024"
    );
    assert_eq!(t.purity_pass_threshold(), 0.85);
    let other = all.for_city("elsewhere");
    assert_eq!(other.route_coefficient(TreatmentRoute::Incinerated), 0.8);
    let missing =
        Constants::parse("city,key,value,unit,status,set_by,source\n").expect_err("no rows");
    assert!(
        missing.to_string().contains("purity_pass_threshold"),
        "{missing}"
    );
    let bad =
        Constants::parse("city,key,value,unit,status,set_by,source\nnational,x,abc,u,city,a,b\n")
            .expect_err("not a number");
    assert!(bad.to_string().contains("line 2"), "{bad}");
}
