//! Every rejection reason, each from a record that shows it, plus the happy paths.

use crate::fixture::{NOW, registry};
use fenlei_domain::*;

fn check(json: &str) -> Result<Event, RejectReason> {
    let reg = registry();
    let v = Validator::new(&reg, NOW, Limits::default());
    let record = match WireRecord::from_json(json) {
        Ok(r) => r,
        Err(_) => return Err(RejectReason::Malformed),
    };
    v.validate(&record).map_err(|r| {
        assert!(!r.detail.is_empty(), "a rejection explains itself");
        r.reason
    })
}

const PUT_IN: &str = r#"{"type":"put_in","id":"a1","time":"2026-03-01T07:30:00+08:00","point":"P1","category":"kitchen","grams":850,"household":"H1","verdict":"correct","source":"smart_bin"}"#;

fn put_in_with(field: &str, value: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(PUT_IN).expect("template");
    if value == "<absent>" {
        v.as_object_mut().expect("object").remove(field);
    } else {
        v[field] = serde_json::from_str(value).expect("json value");
    }
    v.to_string()
}

#[test]
fn a_sensible_put_in_is_accepted() {
    let Ok(Event::PutIn(p)) = check(PUT_IN) else {
        panic!("accepted")
    };
    assert_eq!(
        (p.grams, p.category, p.verdict, p.source),
        (850, Category::Kitchen, Verdict::Correct, Source::SmartBin)
    );
    assert_eq!(p.household, Some(HouseholdId(0)));
    assert_eq!(p.key, EventKey::of("a1"));
}

#[test]
fn every_rejection_reason_has_a_record_that_shows_it() {
    let cases: Vec<(RejectReason, String)> = vec![
        (RejectReason::Malformed, "{not json".into()),
        (RejectReason::UnknownType, r#"{"type":"tweet","id":"x"}"#.into()),
        (RejectReason::UnknownType, r#"{"id":"x"}"#.into()),
        (RejectReason::MissingField, put_in_with("point", "<absent>")),
        (RejectReason::BadTime, put_in_with("time", r#""last tuesday""#)),
        (RejectReason::FutureTime, put_in_with("time", r#""2026-03-05T07:30:00+08:00""#)),
        (RejectReason::AncientTime, put_in_with("time", r#""1970-01-02T00:00:00Z""#)),
        (RejectReason::UnknownPoint, put_in_with("point", r#""P404""#)),
        (RejectReason::UnknownPoint, put_in_with("point", r#""E1""#)),
        (RejectReason::UnknownHousehold, put_in_with("household", r#""H404""#)),
        (RejectReason::UnknownUnit, r#"{"type":"inspection","id":"i","time":"2026-03-01T09:00:00+08:00","unit":"310104","containers":[]}"#.into()),
        (RejectReason::UnknownVehicle, r#"{"type":"pickup","id":"k","time":"2026-03-01T10:00:00+08:00","vehicle":"T-x","point":"P1","category":"kitchen","grams":1000}"#.into()),
        (RejectReason::UnknownFacility, r#"{"type":"weigh_ticket","id":"w","time":"2026-03-01T10:30:00+08:00","facility":"F9","category":"other","net_kg":5000}"#.into()),
        (RejectReason::UnknownCategory, put_in_with("category", r#""compost""#)),
        (RejectReason::CategoryNotAccepted, put_in_with("point", r#""P2""#).replace("kitchen", "hazardous")),
        (RejectReason::NegativeWeight, put_in_with("grams", "-5")),
        (RejectReason::WeightOutOfRange, put_in_with("grams", "0")),
        (RejectReason::WeightOutOfRange, put_in_with("grams", "900000")),
        (RejectReason::NetWeightMismatch, r#"{"type":"weigh_ticket","id":"w","time":"2026-03-01T10:30:00+08:00","facility":"F1","category":"other","net_kg":5000,"gross_kg":15000,"tare_kg":9000}"#.into()),
        (RejectReason::BadValue, put_in_with("verdict", r#""maybe""#)),
        (RejectReason::OutOfRange, r#"{"type":"inspection","id":"i","time":"2026-03-01T09:00:00+08:00","unit":"E1","containers":[{"category":"kitchen","purity":130}]}"#.into()),
        (RejectReason::BadPeriod, r#"{"type":"treatment","id":"t","facility":"F1","from":"2026-02-28","to":"2026-02-01","input":[["other",1000]],"output":[]}"#.into()),
    ];
    let mut seen = std::collections::HashSet::new();
    for (want, record) in &cases {
        assert_eq!(check(record).err(), Some(*want), "{record}");
        seen.insert(*want);
    }
    // A sender's permission is checked after validation, by whoever knows the sender
    // (fenlei_app::records; its tests show `not_permitted`).
    seen.insert(RejectReason::NotPermitted);
    for reason in RejectReason::ALL {
        assert!(seen.contains(&reason), "no test record shows {reason}");
    }
}

#[test]
fn codes_are_unique_and_stable() {
    let codes: std::collections::HashSet<_> = RejectReason::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), RejectReason::ALL.len());
    assert_eq!(
        RejectReason::CategoryNotAccepted.code(),
        "category_not_accepted"
    );
}

#[test]
fn other_event_types_are_accepted_when_sensible() {
    let records = [
        r#"{"type":"incident","id":"n","time":"2026-03-01T08:00:00+08:00","point":"P1","kind":"overflow","category":"kitchen","fill_pct":100}"#,
        r#"{"type":"inspection","id":"i","time":"2026-03-01T09:00:00+08:00","unit":"E1","inspector":"x","containers":[{"category":"kitchen","purity":0.9},{"category":"other","purity":88}],"findings":["a"],"score":91}"#,
        r#"{"type":"pickup","id":"k","time":"2026-03-01T11:00:00+08:00","vehicle":"T-kitchen","point":"P1","category":"kitchen","grams":80000,"grade":"good"}"#,
        r#"{"type":"weigh_ticket","id":"w","time":"2026-03-01T11:30:00+08:00","facility":"F1","vehicle":"T-other","category":"other","gross_kg":15000,"tare_kg":9000,"origin":"310104"}"#,
        r#"{"type":"treatment","id":"t","facility":"F1","from":"2026-02-01","to":"2026-02-28","input":[["other",1000]],"output":[{"category":"other","route":"incinerated","kg":1000}]}"#,
    ];
    for r in records {
        let e = check(r).unwrap_or_else(|e| panic!("{r}: {e}"));
        if let Event::WeighTicket(w) = &e {
            assert_eq!(w.net_grams, 6_000_000, "net from gross − tare");
        }
        if let Event::Inspection(i) = &e {
            assert!(
                (i.containers[1].purity - 0.88).abs() < 1e-6,
                "percent purity normalised"
            );
        }
    }
}

const SURVEY: &str = r#"{"type":"survey","id":"s","time":"2026-03-01T10:00:00+08:00","unit":"E1","respondents":40,"aware":31}"#;

#[test]
fn surveys_count_people_and_no_more_aware_than_asked() {
    let Ok(Event::Survey(s)) = check(SURVEY) else {
        panic!("accepted")
    };
    assert_eq!((s.respondents, s.aware), (40, 31));
    let with = |field: &str, value: &str| {
        let mut v: serde_json::Value = serde_json::from_str(SURVEY).expect("template");
        v[field] = serde_json::from_str(value).expect("json value");
        v.to_string()
    };
    assert_eq!(check(&with("aware", "41")), Err(RejectReason::OutOfRange));
    assert_eq!(
        check(&with("respondents", "0")),
        Err(RejectReason::OutOfRange)
    );
    assert_eq!(check(&with("aware", "2.5")), Err(RejectReason::OutOfRange));
    assert_eq!(
        check(&with("unit", "\"P1\"")),
        Err(RejectReason::UnknownUnit)
    );
    assert_eq!(
        wire::csv_type_of_header(&["id", "time", "unit", "respondents", "aware"]),
        Some("survey")
    );
}

#[test]
fn written_events_read_back_identically() {
    let reg = registry();
    let v = Validator::new(&reg, NOW, Limits::default());
    for json in [
        PUT_IN.to_owned(),
        r#"{"type":"pickup","id":"k","time":"2026-03-01T11:00:00+08:00","vehicle":"T-kitchen","point":"P1","category":"kitchen","grams":80000,"grade":"good"}"#.to_owned(),
        r#"{"type":"treatment","id":"t","facility":"F1","from":"2026-02-01","to":"2026-02-28","input":[["other",1000.5]],"output":[{"category":"other","route":"incinerated","kg":1000}]}"#.to_owned(),
        SURVEY.to_owned(),
    ] {
        let event = v.validate(&WireRecord::from_json(&json).expect("json")).expect("valid");
        let id = serde_json::from_str::<serde_json::Value>(&json).expect("json")["id"].as_str().expect("id").to_owned();
        let mut out = Vec::new();
        wire::write_json(&event, &id, &reg, &mut out);
        let back = v.validate(&WireRecord::from_json(std::str::from_utf8(&out).expect("utf8").trim()).expect("json")).expect("valid");
        assert_eq!(back, event);
        let mut csv_row = Vec::new();
        wire::write_csv(&event, &id, &reg, &mut csv_row);
        let header = wire::csv_header(event.kind()).expect("type");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&csv_row[..]);
        let row = reader.records().next().expect("one row").expect("csv");
        let record = wire::record_from_csv(wire::EVENT_TYPES.into_iter().find(|t| *t == event.kind()).expect("type"), header, row.iter()).expect("cells");
        assert_eq!(v.validate(&record).expect("valid"), event, "CSV round trip");
    }
}

#[test]
fn csv_headers_name_their_event_type_in_any_order() {
    assert_eq!(
        wire::csv_type_of_header(&[
            "time",
            "id",
            "point",
            "category",
            "grams",
            "household",
            "verdict",
            "source"
        ]),
        Some("put_in")
    );
    assert_eq!(
        wire::csv_type_of_header(&[
            "type", "id", "time", "vehicle", "point", "category", "grams", "grade"
        ]),
        Some("pickup")
    );
    assert_eq!(wire::csv_type_of_header(&["id", "time"]), None);
}
