//! Case lifecycle: every transition, illegal ones refused, verification by the fixer refused,
//! escalation at the right stored times, evidence content-addressed, full history.

use fenlei_domain::Timestamp;
use fenlei_governance::cases::{
    self, Action, CaseBook, CaseError, Evidence, NewCase, Outcome, Status,
};
use fenlei_governance::{GovernanceDb, evidence};

const HOUR: i64 = 3600;
const T0: Timestamp = Timestamp(1_790_000_000);

fn at(hours: i64) -> Timestamp {
    Timestamp(T0.0 + hours * HOUR)
}

fn new_case(origin: &str) -> NewCase {
    NewCase {
        origin: origin.into(),
        unit: "E10".into(),
        responsible: "物业A".into(),
        problem: "厨余桶满溢".into(),
        action: "加桶并清运".into(),
        deadline: at(48),
    }
}

fn photo(db: &GovernanceDb, bytes: &[u8], by: &str, when: Timestamp) -> Action {
    let sha = evidence::put(db.dir(), bytes).unwrap();
    Action::Evidence {
        file: Evidence {
            sha256: sha,
            name: "photo.jpg".into(),
            bytes: bytes.len() as u64,
            by: by.into(),
            at: when,
            stage: Status::Accepted,
            phase: None,
            note: String::new(),
        },
    }
}

#[test]
fn a_case_goes_open_accepted_fixed_verified_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (c, new) = cases::open(&mut db, new_case("manual"), "督导员甲", at(0)).unwrap();
    assert!(new);
    assert_eq!((c.code().as_str(), c.status), ("CASE-000001", Status::Open));
    let id = c.id;
    let c = cases::act(
        &mut db,
        id,
        "物业经理",
        at(1),
        Action::Assign {
            to: "保洁张".into(),
        },
    )
    .unwrap();
    assert_eq!(c.status, Status::Accepted);
    let ev = photo(&db, b"after photo", "保洁张", at(5));
    cases::act(&mut db, id, "保洁张", at(5), ev).unwrap();
    let c = cases::act(
        &mut db,
        id,
        "保洁张",
        at(6),
        Action::Fix {
            note: "加了两个桶".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (c.status, c.fixed_by.as_deref()),
        (Status::Fixed, Some("保洁张"))
    );
    let c = cases::act(
        &mut db,
        id,
        "街道检查员",
        at(8),
        Action::Verify { outcome: None },
    )
    .unwrap();
    assert_eq!(
        (c.status, c.outcome),
        (Status::Verified, Some(Outcome::Done))
    );
    let history = db.history(id).unwrap();
    let steps: Vec<(&str, &str, Status)> = history
        .iter()
        .map(|h| (h.action.key(), h.actor.as_str(), h.after))
        .collect();
    assert_eq!(
        steps,
        [
            ("open", "督导员甲", Status::Open),
            ("assign", "物业经理", Status::Accepted),
            ("evidence", "保洁张", Status::Accepted),
            ("fix", "保洁张", Status::Fixed),
            ("verify", "街道检查员", Status::Verified),
        ]
    );
    assert_eq!(history[3].at, at(6));
    // Survives reopening the database.
    drop(db);
    let db = GovernanceDb::open(dir.path()).unwrap();
    assert_eq!(db.get(id).unwrap().unwrap(), c);
}

#[test]
fn reopen_then_fix_again_and_late_fixes_are_not_handled_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (c, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
    let id = c.id;
    cases::act(&mut db, id, "m", at(1), Action::Assign { to: "f".into() }).unwrap();
    let ev = photo(&db, b"first", "f", at(2));
    cases::act(&mut db, id, "f", at(2), ev).unwrap();
    cases::act(&mut db, id, "f", at(3), Action::Fix { note: "x".into() }).unwrap();
    let c = cases::act(
        &mut db,
        id,
        "v",
        at(4),
        Action::Reopen {
            reason: "still overflowing".into(),
        },
    )
    .unwrap();
    assert_eq!((c.status, c.fixed_by.clone()), (Status::Reopened, None));
    let c = cases::act(&mut db, id, "f", at(60), Action::Fix { note: "y".into() }).unwrap();
    assert_eq!(c.status, Status::Fixed);
    let e = cases::act(
        &mut db,
        id,
        "v",
        at(61),
        Action::Verify {
            outcome: Some(Outcome::Done),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("after its deadline"), "{e}");
    let c = cases::act(&mut db, id, "v", at(61), Action::Verify { outcome: None }).unwrap();
    assert_eq!(c.outcome, Some(Outcome::NotHandledInTime));
    // A verified case can be reopened by someone else.
    let c = cases::act(
        &mut db,
        id,
        "审计",
        at(70),
        Action::Reopen {
            reason: "audit".into(),
        },
    )
    .unwrap();
    assert_eq!((c.status, c.outcome), (Status::Reopened, None));
}

#[test]
fn illegal_transitions_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (c, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
    let id = c.id;
    let err = |db: &mut GovernanceDb, actor: &str, a: Action| {
        cases::act(db, id, actor, at(1), a).unwrap_err().to_string()
    };
    // From open: no fix, no reopen, no plain verify.
    assert_eq!(
        err(&mut db, "f", Action::Fix { note: "x".into() }),
        "CASE-000001 is open: cannot fix (allowed when accepted or reopened)"
    );
    assert!(
        err(&mut db, "v", Action::Reopen { reason: "r".into() })
            .starts_with("CASE-000001 is open: cannot reopen")
    );
    assert!(
        err(&mut db, "v", Action::Verify { outcome: None })
            .starts_with("CASE-000001 is open: cannot verify")
    );
    // No response only after the deadline.
    assert!(
        err(
            &mut db,
            "v",
            Action::Verify {
                outcome: Some(Outcome::NoResponse)
            }
        )
        .contains("only after the deadline")
    );
    cases::act(&mut db, id, "m", at(1), Action::Assign { to: "f".into() }).unwrap();
    // Fixed without evidence.
    assert!(err(&mut db, "f", Action::Fix { note: "x".into() }).contains("add evidence"));
    let ev = photo(&db, b"p", "f", at(1));
    cases::act(&mut db, id, "f", at(1), ev.clone()).unwrap();
    // The same file twice.
    assert!(err(&mut db, "f", ev).contains("already attached"));
    cases::act(&mut db, id, "f", at(2), Action::Fix { note: "x".into() }).unwrap();
    // From fixed: no assign, no second fix; the fixer may neither verify nor reopen.
    assert!(
        err(&mut db, "m", Action::Assign { to: "g".into() })
            .starts_with("CASE-000001 is fixed: cannot assign")
    );
    assert!(
        err(&mut db, "f", Action::Fix { note: "x".into() })
            .starts_with("CASE-000001 is fixed: cannot fix")
    );
    assert_eq!(
        err(&mut db, "f", Action::Verify { outcome: None }),
        "CASE-000001 was fixed by f: verification by the same person is refused"
    );
    assert!(matches!(
        cases::act(
            &mut db,
            id,
            "f",
            at(3),
            Action::Reopen { reason: "r".into() }
        ),
        Err(CaseError::SelfVerification { .. })
    ));
    assert!(
        err(
            &mut db,
            "v",
            Action::Verify {
                outcome: Some(Outcome::FalseAlarm)
            }
        )
        .contains("false_alarm")
    );
    cases::act(
        &mut db,
        id,
        "v",
        at(3),
        Action::Verify {
            outcome: Some(Outcome::PoorManagement),
        },
    )
    .unwrap();
    // From verified: only reopen.
    assert!(
        err(&mut db, "v", Action::Verify { outcome: None })
            .starts_with("CASE-000001 is verified: cannot verify")
    );
    assert!(
        err(&mut db, "m", Action::Assign { to: "g".into() })
            .starts_with("CASE-000001 is verified: cannot assign")
    );
    let ev = photo(&db, b"q", "f", at(4));
    assert!(err(&mut db, "f", ev).starts_with("CASE-000001 is verified: cannot evidence"));
    // Nothing was recorded for the refused actions.
    assert_eq!(db.history(id).unwrap().len(), 5);
}

#[test]
fn false_alarms_close_open_cases_and_automatic_origins_open_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (a, new_a) = cases::open(&mut db, new_case("incident:inc-1"), "ladder", at(0)).unwrap();
    let (b, new_b) = cases::open(&mut db, new_case("incident:inc-1"), "ladder", at(1)).unwrap();
    assert!(new_a && !new_b);
    assert_eq!(a, b);
    let c = cases::act(
        &mut db,
        a.id,
        "v",
        at(2),
        Action::Verify {
            outcome: Some(Outcome::FalseAlarm),
        },
    )
    .unwrap();
    assert_eq!(
        (c.status, c.outcome),
        (Status::Verified, Some(Outcome::FalseAlarm))
    );
    let (m, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
    let (n, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
    assert_ne!(m.id, n.id);
    let e = cases::open(
        &mut db,
        NewCase {
            deadline: at(0),
            ..new_case("manual")
        },
        "a",
        at(1),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("is not after the opening time"),
        "{e}"
    );
}

#[test]
fn overdue_cases_escalate_at_the_right_stored_times_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let ladder = vec!["street:S1".to_string(), "district:D".to_string()];
    let (c, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
    let step = 24 * HOUR;
    // Deadline at 48 h: nothing at 48 h, street at 48 h + 1 s, district a day later.
    assert!(
        cases::escalate_overdue(&mut db, at(48), step, |_| ladder.clone())
            .unwrap()
            .is_empty()
    );
    let up = cases::escalate_overdue(&mut db, Timestamp(at(48).0 + 1), step, |_| ladder.clone())
        .unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].escalation, 1);
    // Replaying the same stored time changes nothing.
    assert!(
        cases::escalate_overdue(&mut db, Timestamp(at(48).0 + 1), step, |_| ladder.clone())
            .unwrap()
            .is_empty()
    );
    assert!(
        cases::escalate_overdue(&mut db, at(71), step, |_| ladder.clone())
            .unwrap()
            .is_empty()
    );
    let up = cases::escalate_overdue(&mut db, at(72), step, |_| ladder.clone()).unwrap();
    assert_eq!(up[0].escalation, 2);
    // The top of the ladder is the top.
    assert!(
        cases::escalate_overdue(&mut db, at(500), step, |_| ladder.clone())
            .unwrap()
            .is_empty()
    );
    let h = db.history(c.id).unwrap();
    let escalations: Vec<_> = h
        .iter()
        .filter_map(|e| match &e.action {
            Action::Escalate { level, to } => Some((*level, to.clone(), e.at)),
            _ => None,
        })
        .collect();
    assert_eq!(
        escalations,
        [
            (1, "street:S1".into(), Timestamp(at(48).0 + 1)),
            (2, "district:D".into(), at(72))
        ]
    );
    let stats = cases::stats(&db.all().unwrap(), at(72));
    assert_eq!(
        (stats[0].overdue, stats[0].escalated, stats[0].fixed),
        (1, 1, 0)
    );
}

#[test]
fn stats_give_time_to_fix_and_on_time_rate_per_unit() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    for (k, fix_hour) in [(0, 10), (1, 30), (2, 60)] {
        let (c, _) = cases::open(&mut db, new_case("manual"), "a", at(0)).unwrap();
        cases::act(&mut db, c.id, "m", at(1), Action::Assign { to: "f".into() }).unwrap();
        let ev = photo(&db, format!("p{k}").as_bytes(), "f", at(2));
        cases::act(&mut db, c.id, "f", at(2), ev).unwrap();
        cases::act(
            &mut db,
            c.id,
            "f",
            at(fix_hour),
            Action::Fix { note: "x".into() },
        )
        .unwrap();
    }
    cases::open(
        &mut db,
        NewCase {
            responsible: "物业B".into(),
            ..new_case("manual")
        },
        "a",
        at(0),
    )
    .unwrap();
    let s = cases::stats(&db.all().unwrap(), at(100));
    assert_eq!(s.len(), 2);
    let a = &s[0];
    assert_eq!(
        (a.responsible.as_str(), a.cases, a.fixed, a.fixed_on_time),
        ("物业A", 3, 3, 2)
    );
    assert_eq!(a.mean_hours_to_fix, Some(100.0 / 3.0));
    assert_eq!(a.on_time_rate, Some(2.0 / 3.0));
    assert_eq!((s[1].open, s[1].overdue), (1, 1));
}

#[test]
fn evidence_is_content_addressed_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let a = evidence::put(dir.path(), b"photo one").unwrap();
    let again = evidence::put(dir.path(), b"photo one").unwrap();
    assert_eq!(a, again);
    assert_eq!(evidence::get(dir.path(), &a).unwrap(), b"photo one");
    let path = evidence::path_of(dir.path(), &a);
    std::fs::write(&path, b"tampered").unwrap();
    assert!(
        evidence::get(dir.path(), &a)
            .unwrap_err()
            .to_string()
            .contains("altered")
    );
    assert!(
        evidence::put(dir.path(), b"photo one")
            .unwrap_err()
            .to_string()
            .contains("does not match")
    );
}

#[test]
fn evidence_keeps_what_it_shows_and_older_records_without_it_still_read() {
    use fenlei_governance::cases::Phase;
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (c, _) = cases::open(&mut db, new_case("manual"), "督导员甲", at(0)).unwrap();
    let sha = evidence::put(db.dir(), b"before photo").unwrap();
    let file = Evidence {
        sha256: sha,
        name: "before.jpg".into(),
        bytes: 12,
        by: "督导员甲".into(),
        at: at(1),
        stage: Status::Open,
        phase: Some(Phase::Before),
        note: "桶边有散落垃圾".into(),
    };
    cases::act(
        &mut db,
        c.id,
        "督导员甲",
        at(1),
        Action::Evidence { file: file.clone() },
    )
    .unwrap();
    let stored = db.get(c.id).unwrap().unwrap();
    assert_eq!(stored.evidence, vec![file.clone()]);
    assert_eq!(
        db.history(c.id).unwrap().last().unwrap().action,
        Action::Evidence { file }
    );
    // A record written before evidence had a phase and a note reads with neither.
    let old = r#"{"sha256":"ab","name":"x.jpg","bytes":1,"by":"a","at":"2026-05-10T08:00:00+08:00","stage":"open"}"#;
    let e: Evidence = serde_json::from_str(old).unwrap();
    assert_eq!((e.phase, e.note.as_str()), (None, ""));
    assert!(!serde_json::to_string(&e).unwrap().contains("phase"));
}
