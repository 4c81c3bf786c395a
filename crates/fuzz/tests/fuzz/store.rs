//! The store's own files on open: the put-in log's day files (header, blocks, checksums) and
//! its key index, of a small store; each input replaces one file before the store is opened
//! and read.
//!
//! The seeds are the files the current code writes (so they follow the format as it changes)
//! plus the committed ones in `corpus/store_log/`, named after the file they replace.
//! About half the mutated inputs get their block checksums repaired, so that the decoder
//! behind the checksum is reached too.

use super::{corpus, scratch, target, world};
use fenlei_domain::{Day, DayRange, Event, Level, PutIn};
use fenlei_fuzz::{Seed, fuzz};
use fenlei_sim::{SimConfig, Sink};
use fenlei_store::EmbeddedStore;
use std::path::Path;

const FIRST_DAY: &str = "2026-11-01";
const DAYS: u32 = 2;
const FILE_HEADER: usize = 16;
const BLOCK_HEADER: usize = 16;

/// Collects simulated events.
struct Events(Vec<Event>);

impl Sink for Events {
    type Error = std::convert::Infallible;
    fn event(&mut self, _id: &str, event: &Event) -> Result<(), Self::Error> {
        self.0.push(event.clone());
        Ok(())
    }
}

/// A store of two simulated days, appended in small batches (several blocks per day file);
/// the last batch is appended but not flushed, so that opening replays it, as after a crash.
/// Returns the put-ins stored.
fn pristine_store(dir: &Path) -> Vec<PutIn> {
    let mut events = Events(Vec::new());
    let config = SimConfig {
        start: Day::parse(FIRST_DAY).expect("a day"),
        days: DAYS,
    };
    fenlei_sim::run(world(), config, &mut events).expect("simulate");
    let mut store = fenlei_app::simulate::create_store(dir, world()).expect("a store");
    let batches: Vec<&[Event]> = events.0.chunks(events.0.len() / 5 + 1).collect();
    for (i, batch) in batches.iter().enumerate() {
        store.append(batch).expect("append");
        if i + 1 < batches.len() {
            store.flush().expect("flush");
        }
    }
    store.compact().expect("checkpoint the WAL");
    events
        .0
        .iter()
        .filter_map(|e| match e {
            Event::PutIn(p) => Some(*p),
            _ => None,
        })
        .collect()
}

/// Repairs the checksums the store writes: of a key index (CRC-32 of the rest in its last
/// four bytes), or of every block of a day file whose length fits in the file (CRC-32 of the
/// payload at bytes 12..16 of the block header, as `fenlei_store::log::block` writes it).
fn fix_checksums(data: &mut [u8]) {
    if data.starts_with(b"FENLEIKI") && data.len() >= 12 {
        let (body, crc) = data.split_at_mut(data.len() - 4);
        crc.copy_from_slice(&crc32fast::hash(body).to_le_bytes());
        return;
    }
    let mut at = FILE_HEADER;
    while at + BLOCK_HEADER <= data.len() {
        let len = u32::from_le_bytes(data[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        let Some(end) = (at + BLOCK_HEADER)
            .checked_add(len)
            .filter(|&e| e <= data.len())
        else {
            break;
        };
        let crc = crc32fast::hash(&data[at + BLOCK_HEADER..end]);
        data[at + 12..at + 16].copy_from_slice(&crc.to_le_bytes());
        at = end;
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Opens the store and reads everything it holds: each day's put-ins, the rollups, the
/// recomputation from raw events and the whole-store audit of `fenlei verify`. With the day
/// files intact (`stored` given: only the key index was replaced) and an audit that finds
/// nothing wrong, deduplication must still know every stored put-in.
fn open_and_read(dir: &Path, stored: Option<&[PutIn]>) -> Result<(), String> {
    let mut store = EmbeddedStore::open(dir).map_err(|e| e.to_string())?;
    let mut put_ins = Vec::new();
    for day in store.put_in_days() {
        store
            .put_ins_of_day(day, &mut put_ins)
            .map_err(|e| e.to_string())?;
    }
    let city = store
        .model()
        .at_level(Level::City)
        .next()
        .expect("a city")
        .id;
    let first = Day::parse(FIRST_DAY).expect("a day");
    let range = DayRange::new(first, first.plus(DAYS as i32 - 1)).expect("a range");
    store.quantities(city, range).map_err(|e| e.to_string())?;
    fenlei_store::recompute(&store, city, range).map_err(|e| e.to_string())?;
    let audit = store.audit(&mut |_, _| {}).map_err(|e| e.to_string())?;
    if let (Some(stored), true) = (stored, audit.ok()) {
        let again = store.append_put_ins(stored).map_err(|e| e.to_string())?;
        assert_eq!(
            (again.accepted, again.conflicts),
            (0, 0),
            "the audit passed a key index that let stored put-ins be stored again"
        );
    }
    if audit.ok() {
        Ok(())
    } else {
        let found: String = format!("{audit:?}").chars().take(300).collect();
        Err(format!("the audit found damage: {found}"))
    }
}

/// The log file a seed replaces: a committed seed names it first (`2026-11-02-empty.log`
/// replaces `2026-11-02.log`, `keys-<what>.idx` the key index).
fn replaced_file(seed: &str) -> String {
    match seed.get(..10).filter(|d| Day::parse(d).is_ok()) {
        Some(day) => format!("{day}.log"),
        None if seed.starts_with("keys") => "keys.idx".to_owned(),
        None => panic!("store seed {seed} names no log file"),
    }
}

#[test]
fn store_log() {
    let dir = scratch();
    let pristine = dir.path().join("pristine");
    let stored = pristine_store(&pristine);
    let mut seeds: Vec<Seed> = std::fs::read_dir(pristine.join("putins"))
        .expect("the log folder")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            Seed::new(name, std::fs::read(&path).expect("a day file"))
        })
        .collect();
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        seeds.iter().filter(|s| s.name.ends_with(".log")).count() == DAYS as usize,
        "one log file per simulated day"
    );
    seeds.extend(corpus("store_log"));
    let t = target("store_log", seeds, 150)
        .with_fixup(fix_checksums)
        .with_max_len(1 << 20)
        .with_tokens(&[b"FENLEIPI", b"PBK1", b"\x01\0\0\0"]);
    let case = dir.path().join("case");
    fuzz(&t, |name, bytes| {
        copy_dir(&pristine, &case);
        let file = replaced_file(name);
        std::fs::write(case.join("putins").join(&file), bytes).expect("write");
        open_and_read(&case, (file == "keys.idx").then_some(stored.as_slice()))
    });
}
