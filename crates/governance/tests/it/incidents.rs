//! The escalation ladder from stored time: the right steps at the right times, once, and
//! stopped by handling.

use fenlei_domain::{IncidentKind, Timestamp};
use fenlei_governance::GovernanceDb;
use fenlei_governance::cases::CaseBook;
use fenlei_governance::incidents::{self, IncidentBook, IncidentInfo, Ladder, StaffAction, Step};

const T0: i64 = 1_790_000_000;

fn at(mins: i64) -> Timestamp {
    Timestamp(T0 + mins * 60)
}

fn incident(id: &str, kind: IncidentKind) -> IncidentInfo {
    IncidentInfo {
        id: id.into(),
        time: at(0),
        kind,
        point: "P1".into(),
        estate: "E1".into(),
        community: "M1".into(),
        street: "S1".into(),
        district: "D1".into(),
    }
}

fn steps(db: &GovernanceDb, id: &str) -> Vec<(Step, Timestamp)> {
    db.steps(id)
        .unwrap()
        .into_iter()
        .map(|e| (e.step, e.at))
        .collect()
}

#[test]
fn the_ladder_climbs_at_30_and_90_minutes_then_street_and_district() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let list = [
        incident("i1", IncidentKind::Overflow),
        incident("fill", IncidentKind::FillLevel),
    ];
    let ladder = Ladder::default();
    assert!(
        incidents::scan(&mut db, &list, &ladder, at(29))
            .unwrap()
            .is_empty()
    );
    let s = incidents::scan(&mut db, &list, &ladder, at(30)).unwrap();
    assert_eq!(
        (s.len(), s[0].step, s[0].target.as_str()),
        (1, Step::Remind, "property:E1")
    );
    assert!(
        incidents::scan(&mut db, &list, &ladder, at(89))
            .unwrap()
            .is_empty()
    );
    let s = incidents::scan(&mut db, &list, &ladder, at(90)).unwrap();
    assert_eq!(
        (s[0].step, s[0].target.as_str()),
        (Step::Case, "community:M1")
    );
    let case = db.get(s[0].case.unwrap()).unwrap().unwrap();
    assert_eq!(
        (case.new.origin.as_str(), case.opened_at, case.new.deadline),
        ("incident:i1", at(90), at(90 + 24 * 60))
    );
    // A week later, one scan takes the street and district steps at the times they fell due.
    let s = incidents::scan(&mut db, &list, &ladder, at(7 * 24 * 60)).unwrap();
    let got: Vec<_> = s
        .iter()
        .map(|e| (e.step, e.at, e.target.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Step::Street, at(24 * 60), "street:S1"),
            (Step::District, at(72 * 60), "district:D1")
        ]
    );
    assert_eq!(db.get(case.id).unwrap().unwrap().escalation, 2);
    // Replaying changes nothing; the fill-level report never escalates.
    assert!(
        incidents::scan(&mut db, &list, &ladder, at(7 * 24 * 60))
            .unwrap()
            .is_empty()
    );
    assert!(steps(&db, "fill").is_empty());
}

#[test]
fn one_late_scan_records_what_many_early_scans_record() {
    let ladder = Ladder::default();
    let list = [
        incident("i1", IncidentKind::BagsOnGround),
        incident("i2", IncidentKind::IllegalDumping),
    ];
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut once = GovernanceDb::open(a.path()).unwrap();
    let mut often = GovernanceDb::open(b.path()).unwrap();
    incidents::scan(&mut once, &list, &ladder, at(5000)).unwrap();
    for m in (0..=5000).step_by(17) {
        incidents::scan(&mut often, &list, &ladder, at(m)).unwrap();
    }
    for id in ["i1", "i2"] {
        assert_eq!(steps(&once, id), steps(&often, id));
    }
    let hist = |db: &GovernanceDb| {
        db.history(1)
            .unwrap()
            .iter()
            .map(|h| (h.at, h.action.key()))
            .collect::<Vec<_>>()
    };
    assert_eq!(hist(&once), hist(&often));
}

#[test]
fn handling_stops_the_ladder_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let ladder = Ladder::default();
    let list = [
        incident("early", IncidentKind::Overflow),
        incident("late", IncidentKind::MixedPutIn),
    ];
    assert!(
        db.record_action("early", StaffAction::Ack, at(5), "保洁")
            .unwrap()
    );
    assert!(
        db.record_action("early", StaffAction::Handled, at(20), "保洁")
            .unwrap()
    );
    assert!(
        !db.record_action("early", StaffAction::Handled, at(25), "保洁")
            .unwrap()
    );
    db.record_action("late", StaffAction::Handled, at(60), "保洁")
        .unwrap();
    incidents::scan(&mut db, &list, &ladder, at(10_000)).unwrap();
    assert!(steps(&db, "early").is_empty());
    assert_eq!(steps(&db, "late"), [(Step::Remind, at(30))]);
    assert_eq!(
        db.action_at("early", StaffAction::Ack).unwrap(),
        Some(at(5))
    );
}

#[test]
fn a_scan_in_one_transaction_leaves_nothing_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let list = [incident("i1", IncidentKind::Overflow)];
    let r: Result<(), fenlei_governance::cases::CaseError> = db.atomically(|g| {
        incidents::scan(g, &list, &Ladder::default(), at(100))?;
        Err(fenlei_governance::cases::CaseError::Invalid(
            "killed".into(),
        ))
    });
    assert!(r.is_err());
    drop(db);
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    assert!(steps(&db, "i1").is_empty());
    assert!(db.all().unwrap().is_empty());
    let taken = db
        .atomically(|g| incidents::scan(g, &list, &Ladder::default(), at(100)))
        .unwrap();
    assert_eq!(taken.len(), 2);
}
