//! The shipped data files that two crates read must agree: the metrics' city rule sets
//! (`data/cities/`) and the sorting guide's city categories (`data/guide/`) name the same
//! categories the same way in every city both know.

use fenlei_domain::{Category, RuleSet};

#[test]
fn reports_and_the_guide_call_each_category_by_the_same_name() {
    let guide = fenlei_guide::Guide::embedded();
    let mut compared = 0;
    for rules in RuleSet::all() {
        let Some(city) = guide.cities().get(&rules.city) else {
            continue;
        };
        for c in Category::BINS {
            let key =
                fenlei_guide::Category::parse(c.key()).expect("the guide knows every bin category");
            assert_eq!(city.label(key), rules.label_zh(c), "{} {}", rules.city, c);
        }
        compared += 1;
    }
    assert!(compared >= 6, "only {compared} cities compared");
}
