//! Crash harness (issue 7): the real `fenlei` binary is killed with SIGKILL at random moments
//! while it ingests a feed — mid-parse, mid-append, mid-flush — then the feed is delivered
//! again (at least once), over several rounds. At the end every record must be stored exactly
//! once, `fenlei verify` must pass, and `fenlei report` must print byte for byte what a clean
//! single ingest of the same feed prints.
//!
//! How a run goes: the feed (`fenlei sim`) is cut into segments delivered in order, each with
//! `fenlei ingest --batch N` (durable appends and rollup flushes every N records, so that kills
//! land inside them). A delivery is killed after a random delay drawn from the measured length
//! of a clean one; a killed delivery is sent again, until it completes; after the last segment
//! the delivery starts over at the first, until the planned kills are done. Then the rest is
//! delivered without kills, and the whole feed once more: a record the store lost after
//! acknowledging it would be stored again there.
//!
//! The test run is short (a small city, a few kills); `scripts/crash_long.sh` runs the same
//! test with FENLEI_CRASH_* variables for ≥ 200 kills over ≥ 10 M events.

use fenlei_domain::{Day, DayRange, EventKey, Level, WireRecord};
use fenlei_store::EmbeddedStore;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FENLEI: &str = env!("CARGO_BIN_EXE_fenlei");
const START: &str = "2026-11-01";

/// What a run does; FENLEI_CRASH_* variables override the short defaults.
struct Plan {
    preset: String,
    days: u32,
    kills: u32,
    segments: usize,
    batch: u64,
    seed: u64,
    /// Where the stores and the feed go (a fresh temporary folder if unset).
    dir: Option<PathBuf>,
}

fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not valid")),
        Err(_) => default,
    }
}

impl Plan {
    fn from_env() -> Plan {
        Plan {
            preset: var("FENLEI_CRASH_PRESET", "tiny".to_owned()),
            days: var("FENLEI_CRASH_DAYS", 4),
            kills: var("FENLEI_CRASH_KILLS", 6),
            segments: var("FENLEI_CRASH_SEGMENTS", 3),
            batch: var("FENLEI_CRASH_BATCH", 400),
            seed: var("FENLEI_CRASH_SEED", 7),
            dir: std::env::var_os("FENLEI_CRASH_DIR").map(PathBuf::from),
        }
    }
}

/// splitmix64: the kill moments, the same for a seed.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Runs `fenlei args…` to completion; panics with its output unless it succeeds.
fn fenlei(args: &[&str]) -> String {
    let out = Command::new(FENLEI)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run fenlei");
    assert!(
        out.status.success(),
        "fenlei {} failed ({}):\n{}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `fenlei ingest` of `files`, with `--batch` when given.
fn ingest_args<'a>(
    db: &'a str,
    batch: Option<&'a str>,
    rejects: &'a str,
    files: &'a [String],
) -> Vec<&'a str> {
    let mut args = vec!["ingest", "--db", db, "--rejects", rejects, "--json"];
    if let Some(batch) = batch {
        args.extend(["--batch", batch]);
    }
    args.extend(files.iter().map(String::as_str));
    args
}

/// Records stored, found already stored, and refused (rejected or conflicting), from
/// `fenlei ingest --json`.
fn ingest_counts(json: &str) -> (u64, u64, u64) {
    let report: serde_json::Value = serde_json::from_str(json).expect("ingest --json prints JSON");
    let files = report["files"].as_array().expect("files");
    let sum = |k: &str| {
        files
            .iter()
            .map(|f| f[k].as_u64().expect("a count"))
            .sum::<u64>()
    };
    (
        sum("accepted"),
        sum("duplicates"),
        sum("rejected") + sum("conflicts"),
    )
}

/// Cuts the feed into `n` files of consecutive lines; returns them with their line counts.
fn split(feed: &Path, n: usize, dir: &Path) -> Vec<(String, u64)> {
    let lines = BufReader::new(std::fs::File::open(feed).expect("feed"))
        .lines()
        .count();
    let per = lines.div_ceil(n).max(1);
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut writer: Option<BufWriter<std::fs::File>> = None;
    for (i, line) in BufReader::new(std::fs::File::open(feed).expect("feed"))
        .lines()
        .enumerate()
    {
        if i % per == 0 {
            let path = dir.join(format!("segment-{:04}.jsonl", i / per));
            writer = Some(BufWriter::new(
                std::fs::File::create(&path).expect("segment"),
            ));
            out.push((path.display().to_string(), 0));
        }
        let w = writer.as_mut().expect("opened above");
        writeln!(w, "{}", line.expect("a line")).expect("write");
        out.last_mut().expect("a segment").1 += 1;
    }
    out
}

/// Delivers `file` with `fenlei ingest`, killing the process after `kill_after` unless it ends
/// first. Returns how long a completed delivery took, or `None` when it was killed.
fn deliver(
    db: &str,
    batch: &str,
    rejects: &str,
    file: &str,
    kill_after: Duration,
) -> Option<Duration> {
    let files = [file.to_owned()];
    let mut child = Command::new(FENLEI)
        .args(ingest_args(db, Some(batch), rejects, &files))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fenlei ingest");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert!(
                status.success(),
                "fenlei ingest {file} failed ({status}) after a crash:\n{err}"
            );
            return Some(started.elapsed());
        }
        if started.elapsed() >= kill_after {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Event keys of the feed's put-ins, and the number of its other records.
fn feed_keys(feed: &Path) -> (HashSet<EventKey>, u64) {
    let (mut keys, mut others) = (HashSet::new(), 0);
    for line in BufReader::new(std::fs::File::open(feed).expect("feed")).lines() {
        let line = line.expect("a line");
        let record = WireRecord::from_json(&line).expect("the simulator writes valid JSON");
        if record.r#type.as_deref() == Some("put_in") {
            keys.insert(EventKey::of(record.id.as_deref().expect("an id")));
        } else {
            others += 1;
        }
    }
    (keys, others)
}

/// Put-ins stored (with repeats), their distinct keys, and the other events stored.
fn stored(db: &Path) -> (u64, HashSet<EventKey>, u64) {
    let store = EmbeddedStore::open(db).expect("open the store");
    let (mut total, mut keys, mut buf) = (0, HashSet::new(), Vec::new());
    for day in store.put_in_days() {
        buf.clear();
        store.put_ins_of_day(day, &mut buf).expect("read a day");
        total += buf.len() as u64;
        keys.extend(buf.iter().map(|p| p.key));
    }
    let others = store.other_events().expect("other events").len() as u64;
    (total, keys, others)
}

fn reports(db: &str, from: &str, to: &str) -> Vec<String> {
    ["city", "street", "estate", "point"]
        .iter()
        .map(|level| {
            fenlei(&[
                "report", "--db", db, "--level", level, "--from", from, "--to", to, "--format",
                "json",
            ])
        })
        .collect()
}

#[test]
fn killed_ingests_store_every_record_exactly_once() {
    let plan = Plan::from_env();
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = plan.dir.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir).expect("work folder");
    let path = |name: &str| dir.join(name).display().to_string();
    let (feed, clean, crashed, rejects) = (
        path("feed.jsonl"),
        path("clean"),
        path("crashed"),
        path("rejects.jsonl"),
    );
    for db in [&clean, &crashed] {
        let _ = std::fs::remove_dir_all(db);
    }
    let days = plan.days.to_string();
    let batch = plan.batch.to_string();
    fenlei(&[
        "sim",
        "--preset",
        &plan.preset,
        "--days",
        &days,
        "--start",
        START,
        "--out",
        &feed,
    ]);
    for db in [&clean, &crashed] {
        fenlei(&["init", "--db", db, "--preset", &plan.preset]);
    }

    // The reference: one clean ingest of the whole feed. Its time, and the time to open the
    // store alone, give a first estimate of a delivery's length to spread the kills over;
    // completed deliveries refine it.
    let segments_dir = dir.join("segments");
    let _ = std::fs::remove_dir_all(&segments_dir);
    std::fs::create_dir_all(&segments_dir).expect("segments folder");
    let empty = segments_dir.join("empty.jsonl").display().to_string();
    std::fs::write(&empty, "").expect("empty feed");
    let t = Instant::now();
    fenlei(&ingest_args(&clean, None, &rejects, &[empty]));
    let open_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (accepted, _, rejected) = ingest_counts(&fenlei(&ingest_args(
        &clean,
        None,
        &rejects,
        std::slice::from_ref(&feed),
    )));
    let clean_secs = t.elapsed().as_secs_f64();
    let (expected_keys, expected_others) = feed_keys(Path::new(&feed));
    let events = expected_keys.len() as u64 + expected_others;
    assert_eq!(
        (accepted, rejected),
        (events, 0),
        "the clean ingest stores the whole feed"
    );
    let mut per_record = (clean_secs - open_secs).max(0.0) / events as f64;

    let segments = split(Path::new(&feed), plan.segments, &segments_dir);
    let mut rng = Rng(plan.seed);
    let (mut kills, mut deliveries, mut delivered, mut next) = (0u32, 0u64, 0u64, 0usize);
    while kills < plan.kills {
        let (file, lines) = &segments[next];
        let expected = open_secs + *lines as f64 * per_record;
        let kill_after = Duration::from_secs_f64(rng.unit() * expected * 1.1);
        deliveries += 1;
        delivered += lines;
        match deliver(&crashed, &batch, &rejects, file, kill_after) {
            None => kills += 1, // send the same segment again
            Some(took) => {
                per_record = (took.as_secs_f64() - open_secs).max(0.0) / *lines as f64;
                next = (next + 1) % segments.len();
            }
        }
    }
    for (file, lines) in &segments[next..] {
        deliveries += 1;
        delivered += lines;
        fenlei(&ingest_args(
            &crashed,
            Some(&batch),
            &rejects,
            std::slice::from_ref(file),
        ));
    }
    // Every record has now been acknowledged at least once: a last full delivery must find
    // them all stored.
    let (lost_then_restored, duplicates, refused) = ingest_counts(&fenlei(&ingest_args(
        &crashed,
        None,
        &rejects,
        std::slice::from_ref(&feed),
    )));
    deliveries += 1;
    delivered += events;

    let (total, keys, others) = stored(Path::new(&crashed));
    let lost =
        expected_keys.difference(&keys).count() as u64 + expected_others.saturating_sub(others);
    let doubled = (total - keys.len() as u64) + others.saturating_sub(expected_others);
    println!(
        "crash harness ({} preset, {} days, seed {}): {kills} kills over {deliveries} deliveries of {delivered} events (feed: {events} events in {} segments, --batch {}); records lost {lost}, records doubled {doubled}, acknowledged records missing before the last delivery {lost_then_restored}",
        plan.preset,
        plan.days,
        plan.seed,
        segments.len(),
        plan.batch
    );
    assert_eq!((lost, doubled), (0, 0), "every record stored exactly once");
    assert_eq!(
        (lost_then_restored, duplicates, refused),
        (0, events, 0),
        "no acknowledged record lost: the last delivery found every record stored"
    );

    let first = Day::parse(START).expect("a day");
    let last = first.plus(plan.days as i32 - 1);
    let (from, to) = (first.to_string(), last.to_string());
    fenlei(&["verify", "--db", &crashed, "--from", &from, "--to", &to]);
    {
        let mut a = EmbeddedStore::open(Path::new(&crashed)).expect("open");
        let mut b = EmbeddedStore::open(Path::new(&clean)).expect("open");
        let city = a.model().at_level(Level::City).next().expect("a city").id;
        let range = DayRange::new(first, last).expect("a range");
        assert_eq!(
            a.quantities(city, range).expect("rollups"),
            b.quantities(city, range).expect("rollups")
        );
        assert_eq!(
            a.quantities(city, range).expect("rollups"),
            fenlei_store::recompute(&a, city, range).expect("recompute"),
            "rollups equal the recomputation from raw events"
        );
    }
    let (after_crashes, reference) = (reports(&crashed, &from, &to), reports(&clean, &from, &to));
    for (a, b) in after_crashes.iter().zip(&reference) {
        assert!(
            a == b,
            "the report after crashes differs from a clean ingest's"
        );
    }
}
