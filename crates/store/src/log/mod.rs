//! The put-in log: one append-only file per local day, made of checksummed columnar blocks.
//!
//! Why not SQLite for raw put-ins: a plain SQLite table with a unique key for idempotency takes
//! ~30 bytes per event and tops out near 1–2 M inserts/s without the key, ~0.15 M/s with it.
//! The log stores ~14.4 bytes per event and appends at memory speed; deduplication across the
//! whole store uses [`keyindex::KeyIndex`] (which day holds a key) and the stored records
//! themselves (is a re-delivery the same record, or a conflicting one). SQLite keeps the units,
//! the rollups and the checkpoint that says how much of each day file the rollups hold.
//!
//! Files: `<dir>/YYYY-MM-DD.log`, a 16-byte header (`FENLEIPI`, format version, day) then
//! blocks (see [`block`]). A block is written at the file's durable length and fsynced before it
//! is acknowledged; only then are its keys marked as stored.
//!
//! Torn write or corruption (see [`scan`]): appends are fsynced in order, so a crash can only
//! leave an incomplete *last* block, or a day file whose header is incomplete and that holds
//! nothing checkpointed. Those are cut (or removed) on open and counted in
//! [`PutInLog::opened`]. Anything else — a bad block with valid blocks after it, damage inside
//! the bytes the checkpoint holds, an unreadable header of a non-empty file — is
//! [`Damage`]: never cut silently; the store refuses to write until `fenlei repair` has
//! quarantined it.

pub mod bits;
pub mod block;
pub mod keyindex;
pub mod scan;

use fenlei_domain::{Day, EventKey, PutIn};
use keyindex::KeyIndex;
pub use scan::{Damage, OpenReport};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Version of the log's file format.
pub const LOG_FORMAT_VERSION: u32 = 1;
pub(crate) const FILE_MAGIC: &[u8; 8] = b"FENLEIPI";
pub(crate) const FILE_HEADER: u64 = 16;
pub(crate) const INDEX_FILE: &str = "keys.idx";
/// Decoded records kept for comparing re-deliveries (about 64 bytes each).
const CACHED_RECORDS: usize = 4_000_000;

type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Errors of the log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// An IO error, with the file concerned.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A file that is not a put-in log of this version.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Damaged data found where it must be whole.
    #[error("{0}; run `fenlei verify`, then `fenlei repair`")]
    Damaged(Damage),
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a decoded put-in may name: ids the checksum cannot vouch for are checked against the
/// city before anything indexes by them.
#[derive(Clone, Debug, Default)]
pub struct Bounds {
    /// Whether each unit id is a collection point.
    pub is_point: Vec<bool>,
    /// Household ids are below this.
    pub households: u32,
}

impl Bounds {
    fn check(&self, e: &PutIn) -> Result<(), String> {
        if !self
            .is_point
            .get(e.point.0 as usize)
            .copied()
            .unwrap_or(false)
        {
            return Err(format!(
                "a put-in names unit id {}, not a collection point",
                e.point.0
            ));
        }
        if let Some(h) = e.household
            && h.0 >= self.households
        {
            return Err(format!(
                "a put-in names household id {}, beyond the city's",
                h.0
            ));
        }
        Ok(())
    }
}

/// An append that failed part way: the days written before the failure are durable and stored.
#[derive(Debug)]
pub struct AppendError {
    /// Days whose block is durable (and whose keys are marked).
    pub written: Vec<(Day, u64)>,
    /// The failure.
    pub error: LogError,
}

/// How a re-delivered put-in compares with the stored record of its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redelivery {
    /// Position of the re-delivered record in the batch given to [`PutInLog::classify`]
    /// (re-deliveries come in no particular order).
    pub index: usize,
    /// The record stored first (it stands).
    pub stored: PutIn,
    /// Fields whose value differs (empty: an exact duplicate).
    pub differs: Vec<&'static str>,
}

/// Names of the fields in which two put-ins of one id differ.
pub fn put_in_differences(a: &PutIn, b: &PutIn) -> Vec<&'static str> {
    let mut d = Vec::new();
    if a.time != b.time {
        d.push("time");
    }
    if a.point != b.point {
        d.push("point");
    }
    if a.household != b.household {
        d.push("household");
    }
    if a.category != b.category {
        d.push("category");
    }
    if a.grams != b.grams {
        d.push("grams");
    }
    if a.verdict != b.verdict {
        d.push("verdict");
    }
    if a.source != b.source {
        d.push("source");
    }
    d
}

/// A day's stored records, sorted by key (re-deliveries are looked up in key order, so the
/// lookups walk the array forward), plus the records appended since, sorted in on next use.
struct CachedDay {
    sorted: Vec<PutIn>,
    appended: Vec<PutIn>,
    last_used: u64,
}

impl CachedDay {
    fn len(&self) -> usize {
        self.sorted.len() + self.appended.len()
    }

    fn settle_appended(&mut self) {
        if self.appended.is_empty() {
            return;
        }
        self.appended.sort_unstable_by_key(|e| e.key);
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(old.len() + self.appended.len());
        let (mut a, mut b) = (
            old.into_iter().peekable(),
            self.appended.drain(..).peekable(),
        );
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            if x.key <= y.key {
                merged.push(a.next().expect("peeked"));
            } else {
                merged.push(b.next().expect("peeked"));
            }
        }
        merged.extend(a);
        merged.extend(b);
        self.sorted = merged;
    }
}

/// The put-in log of a store.
pub struct PutInLog {
    dir: PathBuf,
    /// Durable length of each day's file, header included.
    lengths: HashMap<Day, u64>,
    /// Which day holds each key; loaded on the first append.
    index: Option<KeyIndex>,
    /// Keys marked since the index was last saved.
    unsaved: u64,
    cache: HashMap<Day, CachedDay>,
    cached_records: usize,
    clock: u64,
    /// What opening found: torn tails cut, empty files removed, damage.
    pub opened: OpenReport,
    /// Fault injection for tests: the next appends fail after writing this many bytes.
    pub fail_after_bytes: Option<u64>,
    /// What decoded records may name (none checked until set).
    pub bounds: Option<Bounds>,
}

impl PutInLog {
    /// Opens (creating if needed) the log in `dir`. `applied` is the checkpoint: the bytes of
    /// each day file the rollups hold, which must be whole. Torn tails past it are cut; damage
    /// is recorded in [`Self::opened`] and left in place. With `full`, every block's checksum
    /// is verified (for writing); otherwise the blocks' frames, and the checksums of the blocks
    /// past the checkpoint and of each file's last block.
    pub fn open(dir: &Path, applied: &HashMap<Day, u64>, full: bool) -> Result<PutInLog, LogError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut log = PutInLog {
            dir: dir.to_owned(),
            lengths: HashMap::new(),
            index: None,
            unsaved: 0,
            cache: HashMap::new(),
            cached_records: 0,
            clock: 0,
            opened: OpenReport::default(),
            fail_after_bytes: None,
            bounds: None,
        };
        for (day, path) in day_files(dir)? {
            let checkpointed = applied.get(&day).copied().unwrap_or(0);
            match scan::on_open(&path, day, checkpointed, full, &mut log.opened)? {
                Some(len) => {
                    log.lengths.insert(day, len);
                }
                None => {
                    // A day file whose creation was torn (nothing durable in it): removed.
                }
            }
        }
        Ok(log)
    }

    fn path(&self, day: Day) -> PathBuf {
        day_path(&self.dir, day)
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn read_file(&self, day: Day) -> Result<(Vec<u8>, PathBuf), LogError> {
        let path = self.path(day);
        let mut data = Vec::new();
        File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut data))
            .map_err(io_err(&path))?;
        scan::check_header(&data, &path, day)?;
        Ok((data, path))
    }

    /// Days that have a file.
    pub fn days(&self) -> Vec<Day> {
        let mut days: Vec<Day> = self.lengths.keys().copied().collect();
        days.sort();
        days
    }

    /// Durable length of each day file.
    pub fn lengths(&self) -> &HashMap<Day, u64> {
        &self.lengths
    }

    /// Bytes on disk across all day files.
    pub fn bytes(&self) -> u64 {
        self.lengths.values().sum()
    }

    /// Calls `f` with the keys of every block of `day` from byte `from` (a block boundary) on.
    fn for_each_key_block(
        &self,
        day: Day,
        from: u64,
        mut f: impl FnMut(&[EventKey]),
    ) -> Result<(), LogError> {
        let Some(&len) = self.lengths.get(&day) else {
            return Ok(());
        };
        let (data, path) = self.read_file(day)?;
        let mut at = from.max(FILE_HEADER) as usize;
        let mut keys = Vec::new();
        while at < len as usize {
            let raw = block::read_raw(&data[at..])
                .map_err(|e| scan::damage_at(&path, day, at as u64, e))?;
            keys.clear();
            block::keys(&raw, &mut keys).map_err(|e| scan::damage_at(&path, day, at as u64, e))?;
            f(&keys);
            at += raw.len;
        }
        Ok(())
    }

    /// Builds the key index from every day file (on the first append, when no saved index
    /// matches the log, or to grow it).
    /// Builds the key index from every day file, with room for `room_for` more keys at half
    /// load. One pass over the log: the number of keys is the current index's, or estimated
    /// from the files' sizes (about 14 bytes a put-in), counted only if that falls short.
    fn rebuild_index(&self, room_for: u64) -> Result<KeyIndex, LogError> {
        let days = self.days();
        let first = days.first().copied().unwrap_or(Day::today());
        let estimate = match &self.index {
            Some(index) => index.len(),
            None => self.bytes() / 12,
        };
        let (expected, load) = if room_for > 0 {
            (estimate + room_for, 0.5)
        } else {
            (estimate, 0.7)
        };
        let mut index = KeyIndex::with_capacity(expected, load, first);
        let mut fits = true;
        for &day in &days {
            self.for_each_key_block(day, 0, |keys| {
                if fits && index.has_room(keys.len() as u64) {
                    for &k in keys {
                        index.insert(k, day);
                    }
                } else {
                    fits = false;
                }
            })?;
            index.covered.insert(day, self.lengths[&day]);
        }
        if !fits {
            // The estimate fell short: count, then build once more.
            let mut total = 0;
            for &day in &days {
                self.for_each_key_block(day, 0, |k| total += k.len() as u64)?;
            }
            let mut index = KeyIndex::with_capacity(total + room_for, load, first);
            for &day in &days {
                self.for_each_key_block(day, 0, |keys| {
                    for &k in keys {
                        index.insert(k, day);
                    }
                })?;
                index.covered.insert(day, self.lengths[&day]);
            }
            return Ok(index);
        }
        Ok(index)
    }

    /// Loads the saved index and adds what was appended since, or rebuilds it.
    fn load_index(&mut self) -> Result<(), LogError> {
        if self.index.is_some() {
            return Ok(());
        }
        let path = self.dir.join(INDEX_FILE);
        let mut index = match KeyIndex::load(&path) {
            // Covering more than a file holds: the file was cut or repaired since.
            Some(i)
                if i.covered
                    .iter()
                    .all(|(d, &c)| self.lengths.get(d).is_some_and(|&l| l >= c)) =>
            {
                i
            }
            _ => {
                let index = self.rebuild_index(0)?;
                self.index = Some(index);
                self.unsaved = u64::MAX / 2;
                return Ok(());
            }
        };
        let mut added = 0u64;
        for day in self.days() {
            let from = index.covered.get(&day).copied().unwrap_or(0);
            let len = self.lengths[&day];
            if len > from.max(FILE_HEADER) {
                let mut keys = Vec::new();
                self.for_each_key_block(day, from, |k| keys.extend_from_slice(k))?;
                if !index.has_room(keys.len() as u64) {
                    self.index = Some(self.rebuild_index(0)?);
                    self.unsaved = u64::MAX / 2;
                    return Ok(());
                }
                added += keys.len() as u64;
                for k in keys {
                    index.insert(k, day);
                }
            }
            index.covered.insert(day, len);
        }
        self.index = Some(index);
        self.unsaved = added;
        Ok(())
    }

    /// Saves the key index once a quarter of its keys are newer than the saved copy (it is
    /// derived data: keys newer than the saved copy are re-read from the log on open, so a
    /// crash costs a scan, never a key). With `always`, saves whatever is newer.
    pub fn save_index(&mut self, always: bool) -> Result<(), LogError> {
        let Some(index) = &self.index else {
            return Ok(());
        };
        if self.unsaved == 0 || (!always && self.unsaved.saturating_mul(4) < index.len()) {
            return Ok(());
        }
        let path = self.dir.join(INDEX_FILE);
        index.save(&path).map_err(io_err(&path))?;
        self.unsaved = 0;
        Ok(())
    }

    /// Makes room in the key index for `more` keys (one rebuild now instead of several as
    /// a large feed arrives).
    pub fn reserve(&mut self, more: u64) -> Result<(), LogError> {
        self.load_index()?;
        if !self.index.as_ref().is_some_and(|i| i.has_room(more)) {
            self.index = Some(self.rebuild_index(more)?);
            self.unsaved = u64::MAX / 2;
        }
        Ok(())
    }

    /// Days the key index places `key` in.
    pub fn candidates(&mut self, key: EventKey, out: &mut Vec<Day>) -> Result<(), LogError> {
        self.load_index()?;
        self.index.as_ref().expect("loaded").candidates(key, out);
        Ok(())
    }

    /// Bytes of memory the key index holds (0 until the first append loads it).
    pub fn index_memory(&self) -> u64 {
        self.index.as_ref().map_or(0, KeyIndex::memory_bytes)
    }

    /// Keys in the key index.
    pub fn index_len(&self) -> u64 {
        self.index.as_ref().map_or(0, KeyIndex::len)
    }

    /// The stored records of `day` by key, decoded once and cached.
    fn cached_day(&mut self, day: Day) -> Result<&[PutIn], LogError> {
        self.clock += 1;
        if !self.cache.contains_key(&day) {
            let mut records = Vec::new();
            self.read(day, 0, &mut records)?;
            while self.cached_records + records.len() > CACHED_RECORDS && !self.cache.is_empty() {
                let oldest = *self
                    .cache
                    .iter()
                    .min_by_key(|(_, c)| c.last_used)
                    .map(|(d, _)| d)
                    .expect("not empty");
                let gone = self.cache.remove(&oldest).expect("present");
                self.cached_records -= gone.len();
            }
            self.cached_records += records.len();
            records.sort_unstable_by_key(|e| e.key);
            self.cache.insert(
                day,
                CachedDay {
                    sorted: records,
                    appended: Vec::new(),
                    last_used: 0,
                },
            );
        }
        let c = self.cache.get_mut(&day).expect("inserted above");
        c.last_used = self.clock;
        c.settle_appended();
        Ok(&c.sorted)
    }

    /// Sorts `batch` into put-ins never stored before (grouped by day into `fresh`) and
    /// re-deliveries of stored ids (or of ids earlier in the batch): exact duplicates and
    /// conflicts, each with the record that stands. The fresh keys enter the key index at
    /// once (one probe each) but count as stored only if [`Self::append`] makes them durable:
    /// any failure before that drops the index, which is then reloaded from the log.
    pub fn classify(
        &mut self,
        batch: &[PutIn],
        fresh: &mut Vec<(Day, Vec<PutIn>)>,
        redelivered: &mut Vec<Redelivery>,
    ) -> Result<(), LogError> {
        let result = self.classify_inner(batch, fresh, redelivered);
        if result.is_err() {
            self.index = None;
        }
        result
    }

    fn classify_inner(
        &mut self,
        batch: &[PutIn],
        fresh: &mut Vec<(Day, Vec<PutIn>)>,
        redelivered: &mut Vec<Redelivery>,
    ) -> Result<(), LogError> {
        self.load_index()?;
        if !self
            .index
            .as_ref()
            .is_some_and(|i| i.has_room(batch.len() as u64))
        {
            self.index = Some(self.rebuild_index(batch.len() as u64)?);
            self.unsaved = u64::MAX / 2;
        }
        let index = self.index.as_mut().expect("loaded");
        let mut maybe: Vec<(usize, Day)> = Vec::new();
        let mut candidates = Vec::new();
        let mut keep = vec![false; batch.len()];
        // Groups of keys: their home slots are read together first, so that the cache
        // misses overlap (about 2× faster than one miss after the other on a large index).
        const GROUP: usize = 16;
        for (g, group) in batch.chunks(GROUP).enumerate() {
            std::hint::black_box(index.touch(group.iter().map(|e| e.key)));
            for (j, e) in group.iter().enumerate() {
                let i = g * GROUP + j;
                candidates.clear();
                if index.insert_if_new(e.key, e.time.day(), &mut candidates) {
                    keep[i] = true;
                } else {
                    maybe.extend(candidates.iter().map(|&d| (i, d)));
                }
            }
        }
        if !maybe.is_empty() {
            self.settle(batch, &maybe, &mut keep, redelivered)?;
        }
        // Group the fresh ones by day (batches hold a day or two).
        let mut current: Option<(Day, usize)> = None;
        for (e, _) in batch.iter().zip(&keep).filter(|(_, k)| **k) {
            let day = e.time.day();
            let slot = match current {
                Some((d, i)) if d == day => i,
                _ => {
                    let i = fresh
                        .iter()
                        .position(|(d, _)| *d == day)
                        .unwrap_or_else(|| {
                            fresh.push((day, Vec::new()));
                            fresh.len() - 1
                        });
                    current = Some((day, i));
                    i
                }
            };
            fresh[slot].1.push(*e);
        }
        Ok(())
    }

    /// Settles the put-ins whose key the index may hold: a stored record of the key (read
    /// once per candidate day), else an earlier put-in of the batch with the key, else none —
    /// a false match of the index, so a new put-in after all.
    fn settle(
        &mut self,
        batch: &[PutIn],
        maybe: &[(usize, Day)],
        keep: &mut [bool],
        redelivered: &mut Vec<Redelivery>,
    ) -> Result<(), LogError> {
        let mut by_day = maybe.to_vec();
        by_day.sort_unstable_by_key(|&(i, d)| (d, batch[i].key, i));
        let mut found = vec![false; batch.len()];
        let mut at = 0;
        while at < by_day.len() {
            let day = by_day[at].1;
            let records = self.cached_day(day)?;
            // Keys in ascending order: each search starts where the last one ended.
            let mut from = 0;
            while at < by_day.len() && by_day[at].1 == day {
                let i = by_day[at].0;
                let key = batch[i].key;
                from = gallop(records, from, key);
                if let Some(stored) = records.get(from).filter(|e| e.key == key)
                    && !found[i]
                {
                    found[i] = true;
                    redelivered.push(Redelivery {
                        index: i,
                        stored: *stored,
                        differs: put_in_differences(stored, &batch[i]),
                    });
                }
                at += 1;
            }
        }
        // Not stored: a re-delivery within the batch, or new.
        let mut unsettled: Vec<usize> = maybe
            .iter()
            .map(|&(i, _)| i)
            .filter(|&i| !found[i])
            .collect();
        unsettled.sort_unstable();
        unsettled.dedup();
        if !unsettled.is_empty() {
            let mut first: Map<EventKey, usize> = batch
                .iter()
                .enumerate()
                .filter(|(i, _)| keep[*i])
                .map(|(i, e)| (e.key, i))
                .collect();
            let index = self.index.as_mut().expect("loaded");
            for i in unsettled {
                let e = &batch[i];
                match first.get(&e.key) {
                    Some(&f) if f < i => redelivered.push(Redelivery {
                        index: i,
                        stored: batch[f],
                        differs: put_in_differences(&batch[f], e),
                    }),
                    _ => {
                        keep[i] = true;
                        first.insert(e.key, i);
                        index.insert(e.key, e.time.day());
                    }
                }
            }
        }
        Ok(())
    }

    /// Notes that `records`, now durable in `day`'s file, are stored (their keys entered the
    /// index in [`Self::classify`]).
    fn mark(&mut self, day: Day, records: &[PutIn]) {
        self.unsaved += records.len() as u64;
        let len = self.lengths[&day];
        if let Some(index) = self.index.as_mut() {
            index.covered.insert(day, len);
        }
        if let Some(c) = self.cache.get_mut(&day) {
            c.appended.extend_from_slice(records);
            self.cached_records += records.len();
        }
    }

    /// Appends one block per day, each written at the file's durable length and fsynced, and
    /// marks its keys as stored once it is durable. On an error, the days written before it
    /// stay stored (and marked); the failed day's bytes are not counted and are overwritten
    /// by the next append. Returns `(day, offset)` of each block.
    pub fn append(&mut self, by_day: &[(Day, Vec<PutIn>)]) -> Result<Vec<(Day, u64)>, AppendError> {
        let mut written = Vec::new();
        let mut buf = Vec::new();
        for (day, records) in by_day {
            if records.is_empty() {
                continue;
            }
            match self.append_day(*day, records, &mut buf) {
                Ok(offset) => written.push((*day, offset)),
                Err(error) => {
                    // The index holds keys that are not durable: reload it from the log
                    // (which holds the days written before this one) before the next append.
                    self.index = None;
                    return Err(AppendError { written, error });
                }
            }
            self.mark(*day, records);
        }
        Ok(written)
    }

    fn append_day(
        &mut self,
        day: Day,
        records: &[PutIn],
        buf: &mut Vec<u8>,
    ) -> Result<u64, LogError> {
        let path = self.path(day);
        let new_file = !self.lengths.contains_key(&day);
        let before = self.lengths.get(&day).copied().unwrap_or(0);
        buf.clear();
        if new_file {
            buf.extend_from_slice(FILE_MAGIC);
            buf.extend_from_slice(&LOG_FORMAT_VERSION.to_le_bytes());
            buf.extend_from_slice(&day.0.to_le_bytes());
        }
        let offset = before.max(FILE_HEADER);
        block::encode(records, buf);
        self.write_at(&path, before, buf)?;
        if new_file {
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(io_err(&self.dir))?;
        }
        self.lengths.insert(day, before + buf.len() as u64);
        Ok(offset)
    }

    /// Writes `bytes` at `at` (the durable length: whatever a failed write left past it is
    /// overwritten) and syncs the file.
    fn write_at(&mut self, path: &Path, at: u64, bytes: &[u8]) -> Result<(), LogError> {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io_err(path))?;
        let len = file.metadata().map_err(io_err(path))?.len();
        if len != at {
            file.set_len(at).map_err(io_err(path))?;
        }
        file.seek(SeekFrom::Start(at)).map_err(io_err(path))?;
        if let Some(limit) = self.fail_after_bytes {
            let n = (limit as usize).min(bytes.len());
            file.write_all(&bytes[..n]).map_err(io_err(path))?;
            return Err(LogError::Io {
                path: path.to_owned(),
                source: io::Error::new(io::ErrorKind::StorageFull, "injected write failure"),
            });
        }
        file.write_all(bytes).map_err(io_err(path))?;
        file.sync_data().map_err(io_err(path))?;
        Ok(())
    }

    /// Reads the put-ins of `day` stored from byte `from` (0 = the whole file) to the end.
    pub fn read(&self, day: Day, from: u64, out: &mut Vec<PutIn>) -> Result<u64, LogError> {
        let Some(&len) = self.lengths.get(&day) else {
            return Ok(0);
        };
        let (data, path) = self.read_file(day)?;
        let mut at = from.max(FILE_HEADER) as usize;
        while at < len as usize {
            let raw = block::read_raw(&data[at..])
                .map_err(|e| scan::damage_at(&path, day, at as u64, e))?;
            let first = out.len();
            block::decode(day, &raw, out).map_err(|e| scan::damage_at(&path, day, at as u64, e))?;
            if let Some(bounds) = &self.bounds
                && let Some(what) = out[first..].iter().find_map(|e| bounds.check(e).err())
            {
                out.truncate(first);
                return Err(LogError::Damaged(Damage {
                    path,
                    day,
                    offset: at as u64,
                    what,
                }));
            }
            at += raw.len;
        }
        Ok(len)
    }

    /// Calls `f` with the [`block::Weight`] of every put-in of `day` (in storage order), read
    /// block by block into `buf` (reused across calls: memory is one block, not the day) and
    /// decoded only as far as the weights need. Checks checksums, and the records against
    /// [`Self::bounds`] if set, like [`Self::read`]; on an error, `f` may have seen records
    /// before the damage. Returns the number of put-ins.
    pub fn scan_weights(
        &self,
        day: Day,
        buf: &mut Vec<u8>,
        mut f: impl FnMut(block::Weight),
    ) -> Result<u64, LogError> {
        let Some(&len) = self.lengths.get(&day) else {
            return Ok(0);
        };
        let path = self.path(day);
        let mut file = File::open(&path).map_err(io_err(&path))?;
        let mut header = [0u8; FILE_HEADER as usize];
        let got = read_up_to(&mut file, &mut header).map_err(io_err(&path))?;
        scan::check_header(&header[..got], &path, day)?;
        let mut at = FILE_HEADER;
        let mut count = 0u64;
        while at < len {
            let damage = |e| scan::damage_at(&path, day, at, e);
            // The block's header says how long it is; the durable length bounds it. The
            // buffer only grows: what lies past the bytes read is never looked at.
            let want = (len - at).min(block::BLOCK_HEADER as u64) as usize;
            if buf.len() < block::BLOCK_HEADER {
                buf.resize(block::BLOCK_HEADER, 0);
            }
            let got = read_up_to(&mut file, &mut buf[..want]).map_err(io_err(&path))?;
            if got < block::BLOCK_HEADER {
                return Err(damage(block::BlockError::Truncated));
            }
            let payload = u32::from_le_bytes(buf[8..12].try_into().expect("4 bytes")) as u64;
            let whole = (block::BLOCK_HEADER as u64 + payload).min(len - at) as usize;
            if buf.len() < whole {
                buf.resize(whole, 0);
            }
            let got = block::BLOCK_HEADER
                + read_up_to(&mut file, &mut buf[block::BLOCK_HEADER..whole])
                    .map_err(io_err(&path))?;
            let raw = block::read_raw(&buf[..got]).map_err(damage)?;
            let mut bad_point = None;
            let highest = match &self.bounds {
                Some(bounds) => block::scan_weights(&raw, |w| {
                    if bounds
                        .is_point
                        .get(w.point.0 as usize)
                        .copied()
                        .unwrap_or(false)
                    {
                        f(w)
                    } else {
                        bad_point.get_or_insert(w.point.0);
                    }
                }),
                None => block::scan_weights(&raw, &mut f),
            }
            .map_err(damage)?;
            let what = match (&self.bounds, bad_point, highest) {
                (_, Some(p), _) => Some(format!(
                    "a put-in names unit id {p}, not a collection point"
                )),
                (Some(b), None, Some(h)) if h >= b.households => Some(format!(
                    "a put-in names household id {h}, beyond the city's"
                )),
                _ => None,
            };
            if let Some(what) = what {
                return Err(LogError::Damaged(Damage {
                    path,
                    day,
                    offset: at,
                    what,
                }));
            }
            count += raw.count as u64;
            at += raw.len as u64;
        }
        Ok(count)
    }
}

/// Reads into `buf` until it is full or the file ends; the bytes read.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The first position at or after `from` whose key is not below `key`, in records sorted by
/// key: an exponential search from `from`, so ascending lookups touch nearby memory only.
fn gallop(records: &[PutIn], from: usize, key: EventKey) -> usize {
    let mut step = 1;
    let mut lo = from;
    while lo + step < records.len() && records[lo + step].key < key {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step + 1).min(records.len());
    lo + records[lo..hi].partition_point(|e| e.key < key)
}

/// The day files in `dir`, by day.
pub(crate) fn day_files(dir: &Path) -> Result<Vec<(Day, PathBuf)>, LogError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let path = entry.map_err(io_err(dir))?.path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        if let Some(day) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| Day::parse(s).ok())
        {
            files.push((day, path));
        }
    }
    files.sort();
    Ok(files)
}

pub(crate) fn day_path(dir: &Path, day: Day) -> PathBuf {
    dir.join(format!("{day}.log"))
}
