use fenlei_domain::time::days_in_month;
use fenlei_domain::{Day, Timestamp};
use proptest::prelude::*;

#[test]
fn rfc3339_forms_agree_with_jiff() {
    for s in [
        "2026-03-01T07:30:00+08:00",
        "2026-03-01T07:30:00Z",
        "2026-03-01T07:30:00.123456+08:00",
        "1999-12-31T23:59:59-05:30",
        "2024-02-29T00:00:00+00:00",
    ] {
        let ours = Timestamp::parse(s).expect(s);
        let theirs: jiff::Timestamp = s.parse().expect(s);
        assert_eq!(ours.0, theirs.as_second(), "{s}");
    }
}

#[test]
fn a_time_without_offset_is_china_standard_time() {
    let bare = Timestamp::parse("2026-03-01 07:30:00").expect("bare");
    assert_eq!(
        bare,
        Timestamp::parse("2026-03-01T07:30:00+08:00").expect("cst")
    );
}

#[test]
fn malformed_times_are_refused() {
    for s in [
        "",
        "2026-03-01",
        "2026-02-30T00:00:00Z",
        "2026-03-01T24:00:00Z",
        "2026-03-01T07:30:00+8",
        "yesterday",
        "2026-03-01T07:30:00Zjunk",
    ] {
        assert!(Timestamp::parse(s).is_err(), "{s:?} should not parse");
    }
}

#[test]
fn local_days_start_at_midnight_in_china() {
    let just_before = Timestamp::parse("2026-03-01T23:59:59+08:00").expect("time");
    let midnight = Timestamp::parse("2026-03-02T00:00:00+08:00").expect("time");
    assert_eq!(just_before.day().to_string(), "2026-03-01");
    assert_eq!(midnight.day().to_string(), "2026-03-02");
    assert_eq!(midnight.second_of_day(), 0);
    // 16:00 UTC is already the next day in Shanghai and Chongqing.
    assert_eq!(
        Timestamp::parse("2026-03-01T16:00:00Z")
            .expect("time")
            .day()
            .to_string(),
        "2026-03-02"
    );
}

proptest! {
    #[test]
    fn days_round_trip(n in -200_000i32..200_000) {
        let d = Day(n);
        let (y, m, dd) = d.ymd();
        prop_assert!((1..=12).contains(&m) && dd >= 1 && dd <= days_in_month(y, m));
        prop_assert_eq!(Day::from_ymd(y, m, dd), Some(d));
        prop_assert_eq!(Day::parse(&d.to_string()).ok(), (0..=9999).contains(&y).then_some(d));
    }

    #[test]
    fn timestamps_format_and_parse_back(s in 0i64..4_000_000_000) {
        let t = Timestamp(s);
        prop_assert_eq!(Timestamp::parse(&t.to_rfc3339()).ok(), Some(t));
        prop_assert_eq!(Timestamp::at(t.day(), t.second_of_day()), t);
    }
}

#[test]
fn month_and_year_boundaries() {
    let d = Day::parse("2024-02-17").expect("date");
    assert_eq!(d.month_start().to_string(), "2024-02-01");
    assert_eq!(d.next_month_start().to_string(), "2024-03-01");
    assert_eq!(d.year_start().to_string(), "2024-01-01");
    assert_eq!(
        Day::parse("2024-12-31")
            .expect("date")
            .next_month_start()
            .to_string(),
        "2025-01-01"
    );
    assert_eq!(
        Day::parse("2026-11-26").expect("date").weekday(),
        3,
        "a Thursday"
    );
}

#[test]
fn remembering_the_last_date_changes_no_answer() {
    let memo = fenlei_domain::time::DateMemo::default();
    for s in [
        "2026-03-01T07:30:00+08:00",
        "2026-03-01T23:59:59+08:00",
        "2026-03-01T07:30:00Z",
        "2026-03-02T00:00:00+08:00",
        "2026-02-30T00:00:00+08:00",
        "2026-03-01T25:00:00+08:00",
        "2026-03-01T07:30:00+08:00",
    ] {
        assert_eq!(Timestamp::parse_memo(s, &memo), Timestamp::parse(s), "{s}");
    }
}
