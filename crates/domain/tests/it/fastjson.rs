//! The allocation-free JSON reader agrees with serde_json on every line it accepts, and accepts
//! the lines feeds actually send.

use fenlei_domain::WireRecord;
use proptest::prelude::*;

fn serde(line: &str) -> Option<WireRecord<'_>> {
    serde_json::from_str(line).ok()
}

#[test]
fn typical_feed_lines_take_the_fast_path() {
    for line in [
        r#"{"type":"put_in","id":"0004f3a00012a03f","time":"2026-03-01T07:12:33+08:00","point":"P000123","category":"kitchen","grams":850,"household":"H000012345","verdict":"correct","source":"smart_bin"}"#,
        r#" { "type" : "pickup", "id":"pk-1", "time":"2026-03-01T21:00:00+08:00", "vehicle":"渝08K001", "point":"P1", "category":"kitchen", "grams":80000, "grade":null } "#,
        r#"{"type":"weigh_ticket","id":"w","net_kg":5000.5,"gross_kg":1.5e4,"extra":true,"ignored":-3}"#,
    ] {
        let fast = fenlei_domain::fastjson::parse_flat(line.as_bytes())
            .unwrap_or_else(|| panic!("fast path declined {line}"))
            .into_record();
        assert_eq!(Some(fast), serde(line), "{line}");
    }
}

#[test]
fn unusual_lines_fall_back_and_still_parse() {
    for line in [
        r#"{"type":"put_in","id":"a\"b","grams":1}"#,
        r#"{"type":"inspection","containers":[{"category":"kitchen","purity":0.9}]}"#,
        r#"{"type":"put_in","id":"a","id":"b"}"#,
        r#"{"type":"put_in","grams":"850"}"#,
        r#"{"type":"put_in","grams":007}"#,
        r#"{"type":"put_in"} trailing"#,
        r#"{"type":"put_in",}"#,
        "",
    ] {
        assert!(
            fenlei_domain::fastjson::parse_flat(line.as_bytes()).is_none(),
            "fast path must decline {line:?}"
        );
        assert_eq!(WireRecord::from_json(line).ok(), serde(line), "{line}");
    }
}

fn json_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_ +:.-]{0,12}".prop_map(|s| format!("{s:?}")),
        "\\PC{0,6}".prop_map(|s| serde_json::to_string(&s).expect("string")),
        any::<i32>().prop_map(|n| n.to_string()),
        (any::<u32>(), 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("[1,2]".to_owned()),
        Just("{\"a\":1}".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("type"),
        Just("id"),
        Just("time"),
        Just("point"),
        Just("household"),
        Just("category"),
        Just("grams"),
        Just("verdict"),
        Just("source"),
        Just("kind"),
        Just("fill_pct"),
        Just("vehicle"),
        Just("net_kg"),
        Just("score"),
        Just("from"),
        Just("unknown"),
        Just("findings"),
    ]
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn whatever_the_fast_path_accepts_serde_reads_the_same(
        fields in prop::collection::vec((key(), json_value(), " {0,2}"), 0..8),
    ) {
        let body: Vec<String> = fields.iter().map(|(k, v, ws)| format!("{ws}\"{k}\"{ws}:{ws}{v}{ws}")).collect();
        let line = format!("{{{}}}", body.join(","));
        if let Some(fast) = fenlei_domain::fastjson::parse_flat(line.as_bytes()).map(|f| f.into_record()) {
            prop_assert_eq!(Some(fast), serde(&line), "{}", line);
        }
        prop_assert_eq!(WireRecord::from_json(&line).ok(), serde(&line));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// A reader that predicts keys from the lines before reads every line, whatever its keys,
    /// exactly as a fresh reader does.
    #[test]
    fn a_reader_that_predicts_keys_agrees_with_a_fresh_one(
        lines in prop::collection::vec(prop::collection::vec((key(), json_value()), 1..6), 1..12),
        spaced in prop::collection::vec(any::<bool>(), 12),
    ) {
        let mut reader = fenlei_domain::fastjson::FlatReader::default();
        for (i, fields) in lines.iter().enumerate() {
            let sep = if spaced[i] { ", " } else { "," };
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let line = format!("{{{}}}", body.join(sep));
            prop_assert_eq!(reader.read(line.as_bytes()), fenlei_domain::fastjson::parse_flat(line.as_bytes()), "{}", line);
            // The same line again: now every key is predicted.
            prop_assert_eq!(reader.read(line.as_bytes()), fenlei_domain::fastjson::parse_flat(line.as_bytes()), "{}", line);
        }
    }
}
