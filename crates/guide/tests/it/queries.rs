//! One table per kind of query the guide must answer.

use fenlei_guide::MatchKind::{self, *};

use crate::check::{Expect, cat, check, check_all};

fn kind(category: &str, kind: MatchKind) -> Expect<'_> {
    Expect {
        category,
        kind: Some(kind),
        guess: Some(kind.is_guess()),
        ..Expect::default()
    }
}

fn item<'a>(category: &'a str, kind: MatchKind, name: &'a str) -> Expect<'a> {
    Expect {
        item: Some(name),
        ..self::kind(category, kind)
    }
}

#[test]
fn characters_exact_and_alias() {
    check_all(&[
        ("快餐盒", "shanghai", item("other", Exact, "快餐盒")),
        ("香蕉皮", "shanghai", item("kitchen", Exact, "香蕉皮")),
        (
            "废荧光灯管",
            "shanghai",
            item("hazardous", Exact, "废荧光灯管"),
        ),
        ("报纸", "shanghai", item("recyclable", Exact, "报纸")),
        ("尿不湿", "shanghai", item("other", Exact, "尿不湿")),
        ("香瓜子壳", "shanghai", item("kitchen", Alias, "瓜子壳")),
        ("刮胡刀", "shanghai", item("recyclable", Alias, "剃须刀")),
        (
            "无汞干电池",
            "shanghai",
            item("other", Alias, "干电池（无汞）"),
        ),
    ]);
}

#[test]
fn full_pinyin_initials_and_mixed() {
    check_all(&[
        ("kuaicanhe", "shanghai", item("other", Pinyin, "快餐盒")),
        ("KuaiCanHe", "shanghai", item("other", Pinyin, "快餐盒")),
        ("kuai can he", "shanghai", item("other", Pinyin, "快餐盒")),
        ("xiangjiaopi", "shanghai", item("kitchen", Pinyin, "香蕉皮")),
        ("dianchi", "shanghai", item("hazardous", Pinyin, "电池")),
        ("kch", "shanghai", item("other", Initials, "快餐盒")),
        ("xjp", "shanghai", kind("kitchen", Initials)),
        ("kuai餐盒", "shanghai", item("other", Pinyin, "快餐盒")),
        ("xiang蕉皮", "shanghai", item("kitchen", Pinyin, "香蕉皮")),
        ("kuaicnahe", "shanghai", item("other", Fuzzy, "快餐盒")),
        ("xiangjiaopii", "shanghai", item("kitchen", Fuzzy, "香蕉皮")),
    ]);
}

#[test]
fn typos_missing_characters_and_homophones() {
    check_all(&[
        ("一次性快盒", "shanghai", item("other", Fuzzy, "一次性餐盒")),
        ("纽扣电", "shanghai", item("hazardous", Fuzzy, "纽扣电池")),
        ("快参盒", "shanghai", item("other", Pinyin, "快餐盒")),
        ("餐快盒", "shanghai", item("other", Fuzzy, "快餐盒")),
        ("塑料饮料瓶子", "shanghai", cat("recyclable")),
        ("一次性塑料杯子子", "shanghai", cat("other")),
        ("香交皮", "shanghai", item("kitchen", Pinyin, "香蕉皮")),
        ("快惨盒", "shanghai", item("other", Pinyin, "快餐盒")),
        (
            "荧光灯管",
            "shanghai",
            Expect {
                guess: Some(false),
                ..cat("hazardous")
            },
        ),
        // Two characters away on a longer name.
        ("一次性塑料勺", "shanghai", cat("other")),
        ("笔记本点脑电吃", "shanghai", cat("hazardous")),
    ]);
}

#[test]
fn traditional_characters() {
    check_all(&[
        ("電池", "shanghai", cat("hazardous")),
        ("舊報紙", "shanghai", cat("recyclable")),
        ("塑膠袋", "shanghai", cat("other")),
        ("過期藥品", "shanghai", cat("hazardous")),
        ("雞骨頭", "shanghai", cat("kitchen")),
    ]);
}

#[test]
fn resident_phrasings() {
    check_all(&[
        ("用过的纸巾", "shanghai", item("other", Exact, "纸巾")),
        ("吃剩的鸡骨头", "shanghai", item("kitchen", Exact, "鸡骨头")),
        ("一个苹果核", "shanghai", item("kitchen", Exact, "苹果核")),
        ("坏掉的台灯", "shanghai", item("recyclable", Exact, "台灯")),
        ("坏了的手机", "shanghai", cat("recyclable")),
        ("废电池", "shanghai", cat("hazardous")),
        ("旧报纸", "shanghai", item("recyclable", Exact, "旧报纸")),
        ("我家的旧衣服", "shanghai", cat("recyclable")),
        (
            "电池是什么垃圾",
            "shanghai",
            item("hazardous", Exact, "电池"),
        ),
        ("这个塑料袋属于什么垃圾", "shanghai", cat("other")),
        (
            "三个易拉罐",
            "shanghai",
            item("recyclable", Exact, "易拉罐"),
        ),
    ]);
}

#[test]
fn english_names() {
    check_all(&[
        ("battery", "shanghai", item("hazardous", English, "电池")),
        ("Batteries", "shanghai", item("hazardous", English, "电池")),
        (
            "banana peel",
            "shanghai",
            item("kitchen", English, "香蕉皮"),
        ),
        ("used tissue", "shanghai", item("other", English, "纸巾")),
        ("an old newspaper", "shanghai", cat("recyclable")),
        ("cardboard box", "shanghai", cat("recyclable")),
        ("expired medicine", "shanghai", cat("hazardous")),
        ("bateries", "shanghai", cat("hazardous")),
        ("eggshells", "shanghai", cat("kitchen")),
    ]);
}

#[test]
fn best_guesses_are_marked_and_explained() {
    let a = check(
        "南孚电池",
        "shanghai",
        Expect {
            guess: Some(true),
            ..cat("hazardous")
        },
    );
    assert!(a.reason.contains("电池"), "{}", a.reason);
    assert!(a.reason_en.starts_with("Best guess"), "{}", a.reason_en);
    check_all(&[
        (
            "小米充电电池",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("hazardous")
            },
        ),
        (
            "进口牛奶盒",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("recyclable")
            },
        ),
        (
            "进口红酒瓶",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("recyclable")
            },
        ),
        (
            "火龙果核",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("kitchen")
            },
        ),
        (
            "进口车厘子核",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("kitchen")
            },
        ),
        (
            "whisky bottle",
            "shanghai",
            Expect {
                guess: Some(true),
                ..cat("recyclable")
            },
        ),
    ]);
    // Nothing to go by: still an answer, the rule for unclassifiable waste, marked as a guess.
    let a = check(
        "xqzv",
        "shanghai",
        Expect {
            kind: Some(Fallback),
            guess: Some(true),
            ..cat("other")
        },
    );
    assert!(!a.reason.is_empty());
    assert!(a.item.is_none());
}

#[test]
fn generic_and_category_queries() {
    let a = check("纸", "shanghai", item("recyclable", Exact, "纸"));
    assert!(
        !a.alternatives.is_empty(),
        "a generic name lists other readings"
    );
    check("床", "shanghai", item("bulky", Exact, "床"));
    check_all(&[
        (
            "干垃圾",
            "shanghai",
            Expect {
                kind: Some(Category),
                label: Some("干垃圾"),
                item: Some(""),
                ..cat("other")
            },
        ),
        (
            "湿垃圾",
            "shanghai",
            Expect {
                kind: Some(Category),
                label: Some("湿垃圾"),
                ..cat("kitchen")
            },
        ),
        (
            "湿垃圾",
            "hangzhou",
            Expect {
                kind: Some(Category),
                label: Some("易腐垃圾"),
                ..cat("kitchen")
            },
        ),
        (
            "可回收物",
            "national",
            Expect {
                kind: Some(Category),
                label: Some("可回收物"),
                ..cat("recyclable")
            },
        ),
        (
            "有害垃圾",
            "beijing",
            Expect {
                kind: Some(Category),
                ..cat("hazardous")
            },
        ),
        (
            "recyclables",
            "national",
            Expect {
                kind: Some(Category),
                ..cat("recyclable")
            },
        ),
    ]);
    let a = check("湿垃圾", "hangzhou", cat("kitchen"));
    assert!(
        a.reason.contains("上海") && a.reason.contains("易腐垃圾"),
        "{}",
        a.reason
    );
}

#[test]
fn odd_input_is_an_answer_not_a_panic() {
    let g = fenlei_guide::Guide::embedded();
    for q in [
        "🍌🍌",
        "123",
        "!!!",
        "电池".repeat(500).as_str(),
        "a b c d e f g h",
        "（）",
    ] {
        let a = g.lookup(q, "shanghai");
        assert!(!a.reason.is_empty(), "{q}");
    }
    let long = g.lookup(&"电池".repeat(500), "shanghai");
    assert!(long.normalized.chars().count() <= 48);
}

#[test]
fn empty_query_is_an_answer_not_a_panic() {
    let a = check(
        "  ",
        "shanghai",
        Expect {
            guess: Some(true),
            ..cat("other")
        },
    );
    assert!(a.item.is_none());
}

#[test]
fn ranking_prefers_exact_over_alias_over_pinyin_over_fuzzy() {
    // 玻璃胶 and 透明胶 are each other's aliases: the own name wins.
    check("玻璃胶", "shanghai", item("other", Exact, "玻璃胶"));
    check("透明胶", "shanghai", item("other", Exact, "透明胶"));
    // A homophone that is also one edit away is reported as pinyin, not fuzzy.
    check("快惨盒", "shanghai", kind("other", Pinyin));
}

#[test]
fn different_word_that_sounds_the_same_is_not_a_homophone_typo() {
    // Regression: 橡胶 (rubber) was taken for 香蕉 (banana) because both read xiangjiao.
    let a = fenlei_guide::Guide::embedded().lookup("橡胶手套", "shanghai");
    assert_ne!(a.item.as_ref().map(|i| i.name.as_str()), Some("香蕉"));
    assert_ne!(a.category.key(), "kitchen");
}

#[test]
fn similar_items_share_the_category_and_the_head_noun() {
    let g = fenlei_guide::Guide::embedded();
    let a = g.lookup("易拉罐", "shanghai");
    assert!(!a.similar.is_empty());
    assert!(
        a.similar.iter().all(|s| s.category == a.category),
        "{:?}",
        a.similar
    );
    let id = a.item.as_ref().map(|i| i.id).unwrap_or_default();
    let city = g.cities().get("shanghai").expect("shanghai");
    let sim = g.similar(id, city, 3);
    assert_eq!(sim.len(), 3);
    assert!(sim.iter().all(|s| s.name != "易拉罐"));
}
