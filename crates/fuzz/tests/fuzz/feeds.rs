//! Feeds: JSON lines (the allocation-free reader, serde_json and validation, compared with
//! each other) and whole feed files of every format and event type through `ingest`.

use super::{corpus, scratch, target, world};
use fenlei_app::ingest::ingest;
use fenlei_app::progress::Silent;
use fenlei_domain::fastjson::{FlatReader, parse_flat};
use fenlei_domain::{Event, Limits, Registry, Timestamp, Validator, WireRecord};
use fenlei_fuzz::fuzz;
use fenlei_store::EmbeddedStore;
use std::path::Path;

/// Codes and keywords of the feed formats.
const FEED_TOKENS: &[&[u8]] = &[
    b"\"type\":\"put_in\"",
    b"\"type\":\"pickup\"",
    b"\"household\":",
    b"\"grams\":",
    b"\"grams\":\"850\"",
    b"\"id\":\"x\",\"id\":\"y\"",
    b"P000001",
    b"P999999",
    b"H000000001",
    b"H999999999",
    b"E000007",
    b"500108",
    b"INC01",
    "渝08R001".as_bytes(),
    b"kitchen",
    b"recyclable",
    b"hazardous",
    b"bulky",
    b"correct",
    b"smart_bin",
    b"overflow",
    b"kitchen:0.9|other:2",
    b"other:incinerated:-5",
    b"kitchen:1e400",
];

/// Seeds end on 2026-11-14; "now" a few days later keeps their times valid.
fn now() -> Timestamp {
    Timestamp::parse("2026-11-20T12:00:00+08:00").expect("a time")
}

fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| Registry::new(world().model.clone(), world().households()))
}

/// One line through every reader: the fast path must agree with serde_json wherever it
/// accepts, the key-predicting reader with the plain one, and the put-in fast path of the
/// validator with the general one.
fn check_line(
    reader: &mut FlatReader,
    validator: &Validator<'_>,
    line: &[u8],
) -> Result<(), String> {
    let fast = parse_flat(line);
    assert_eq!(
        reader.read(line).map(|f| f.into_record()),
        fast.map(|f| f.into_record()),
        "the key-predicting reader and the plain one differ"
    );
    let slow = serde_json::from_slice::<WireRecord<'_>>(line);
    let record = match (fast, slow) {
        (Some(f), Ok(s)) => {
            let f = f.into_record();
            assert_eq!(
                f, s,
                "the fast reader and serde_json read different records"
            );
            s
        }
        (Some(f), Err(e)) => panic!("the fast reader accepted {f:?}, serde_json refused: {e}"),
        (None, Ok(s)) => s,
        (None, Err(e)) => return Err(format!("invalid JSON: {e}")),
    };
    let general = validator.validate(&record);
    if record.r#type.as_deref() == Some("put_in") {
        let fast = validator
            .put_in_unresolved(&record)
            .and_then(|(p, household)| {
                let Some(code) = household else {
                    return Ok(p);
                };
                let mut ids = Vec::new();
                validator.resolve_households(std::iter::once(code), &mut ids);
                match ids[0] {
                    Some(h) => Ok(fenlei_domain::PutIn {
                        household: Some(h),
                        ..p
                    }),
                    None => Err(validator.unknown_household(code)),
                }
            });
        match (&fast, &general) {
            (Ok(a), Ok(Event::PutIn(b))) => assert_eq!(a, b, "put-in paths differ"),
            (Err(a), Err(b)) => assert_eq!(a.reason, b.reason, "put-in paths reject differently"),
            _ => panic!("put-in paths disagree: fast {fast:?}, general {general:?}"),
        }
    }
    general
        .map(|_| ())
        .map_err(|r| format!("{}: {}", r.reason.code(), r.detail))
}

#[test]
fn jsonl() {
    let validator = Validator::new(registry(), now(), Limits::default());
    let t = target("jsonl", corpus("jsonl"), 3000).with_tokens(FEED_TOKENS);
    fuzz(&t, |_, bytes| {
        let mut reader = FlatReader::default();
        let mut first_error = None;
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if let Err(e) = check_line(&mut reader, &validator, line) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    });
}

/// Ingests one feed file into `store`. Every record is counted once (stored, duplicate,
/// conflict or rejected), and every rejection and conflict is in the reject file with its line
/// and a reason.
fn ingest_file(
    store: &mut EmbeddedStore,
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), String> {
    let feed = dir.join(name);
    let rejects = dir.join("rejects.jsonl");
    std::fs::write(&feed, bytes).expect("write the feed");
    let _ = std::fs::remove_file(&rejects);
    let report = ingest(store, &[feed], &rejects, now(), &mut Silent).map_err(|e| e.to_string())?;
    let t = report.total();
    assert_eq!(
        t.records,
        t.accepted + t.duplicates + t.conflicts + t.rejected,
        "{t:?}"
    );
    if t.rejected + t.conflicts == 0 {
        return Ok(());
    }
    let rows = std::fs::read_to_string(&rejects).expect("a reject file");
    assert_eq!(
        rows.lines().count() as u64,
        t.rejected + t.conflicts,
        "one reject row per rejection or conflict"
    );
    for row in rows.lines() {
        let row: serde_json::Value = serde_json::from_str(row).expect("reject rows are JSON");
        assert!(row["line"].as_u64().is_some_and(|l| l >= 1), "{row}");
        assert!(
            row["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{row}"
        );
    }
    let first = &report.samples[0];
    Err(format!(
        "line {}: {}: {}",
        first.line, first.reason, first.detail
    ))
}

/// An ingest target over the seeds in `corpus/<seeds>/`, into one store of the seeds' city.
fn feed_target(
    name: &'static str,
    seeds: &str,
    default_cases: u32,
    file_name: impl Fn(&str) -> String,
) {
    let dir = scratch();
    let mut store =
        fenlei_app::simulate::create_store(&dir.path().join("db"), world()).expect("a store");
    let t = target(name, corpus(seeds), default_cases).with_tokens(FEED_TOKENS);
    let store = std::cell::RefCell::new(&mut store);
    fuzz(&t, |seed, bytes| {
        ingest_file(&mut store.borrow_mut(), dir.path(), &file_name(seed), bytes)
    });
}

#[test]
fn ingest_jsonl() {
    feed_target("ingest_jsonl", "jsonl", 300, |_| "feed.jsonl".to_owned());
}

/// Every CSV event type: each seed is one type's file, named after it.
#[test]
fn csv() {
    feed_target("csv", "csv", 600, |seed| seed.to_owned());
}
