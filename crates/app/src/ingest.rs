//! Ingesting feed files: JSON lines or CSV, any event type, at least once, in any order.
//!
//! Every line is parsed, validated and stored; a line that fails is reported with its file and
//! line number, written to the reject file with the reason and the original text, and the lines
//! around it are kept. Re-running the same file stores nothing new (event ids are idempotency
//! keys). Batches are durable when appended, so a crash loses nothing acknowledged.

use crate::AppError;
use crate::progress::Progress;
use fenlei_domain::fastjson;
use fenlei_domain::wire::{self, WireRecord};
use fenlei_domain::{Event, Limits, PutIn, RejectReason, Rejection, Timestamp, Validator};
use fenlei_store::{AppendOutcome, Conflict, EmbeddedStore};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What happened to one input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Non-empty lines (records) read.
    pub records: u64,
    /// Records stored for the first time.
    pub accepted: u64,
    /// Records already stored (same id, same content).
    pub duplicates: u64,
    /// Records whose id is stored with other content: the stored version stands, the
    /// conflict goes to the reject file with the fields that differ.
    pub conflicts: u64,
    /// Records rejected.
    pub rejected: u64,
    /// Rejections by reason code.
    pub by_reason: BTreeMap<&'static str, u64>,
}

/// One rejected record, for display.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RejectSample {
    /// File.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: u64,
    /// Reason code.
    pub reason: &'static str,
    /// Details.
    pub detail: String,
}

/// What an ingest run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Per input file.
    pub files: Vec<FileReport>,
    /// The first rejections, for display.
    pub samples: Vec<RejectSample>,
    /// Where rejected records were written, if any were.
    pub rejects_path: Option<PathBuf>,
}

impl IngestReport {
    /// Totals over all files.
    pub fn total(&self) -> FileReport {
        let mut t = FileReport::default();
        for f in &self.files {
            t.records += f.records;
            t.accepted += f.accepted;
            t.duplicates += f.duplicates;
            t.conflicts += f.conflicts;
            t.rejected += f.rejected;
            for (k, v) in &f.by_reason {
                *t.by_reason.entry(k).or_default() += v;
            }
        }
        t
    }
}

/// Input format of a feed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON lines.
    JsonLines,
    /// CSV with a header row.
    Csv,
}

/// The format of a file: by extension, else by its first non-blank byte.
pub fn detect_format(path: &Path) -> Result<Format, AppError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => return Ok(Format::Csv),
        Some("jsonl" | "ndjson" | "json") => return Ok(Format::JsonLines),
        _ => {}
    }
    let mut head = [0u8; 256];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| AppError::io(path, e))?;
    Ok(match head[..n].iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => Format::JsonLines,
        _ => Format::Csv,
    })
}

/// Expands directories into the feed files they hold (`*.jsonl`, `*.ndjson`, `*.json`,
/// `*.csv`), sorted by name.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, AppError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| AppError::io(input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("jsonl" | "ndjson" | "json" | "csv")
                    )
                })
                .collect();
            inside.sort();
            files.extend(inside);
        } else if input.exists() {
            files.push(input.clone());
        } else {
            return Err(AppError::Usage(format!(
                "{}: no such file",
                input.display()
            )));
        }
    }
    Ok(files)
}

struct Rejects {
    path: PathBuf,
    out: Option<BufWriter<File>>,
}

impl Rejects {
    fn write(
        &mut self,
        file: &Path,
        line: u64,
        rejection: &Rejection,
        record: &str,
    ) -> Result<(), AppError> {
        let row = serde_json::json!({
            "file": file.display().to_string(),
            "line": line,
            "reason": rejection.reason.code(),
            "detail": rejection.detail,
            "record": record,
        });
        self.write_row(&row)
    }

    fn write_row(&mut self, row: &serde_json::Value) -> Result<(), AppError> {
        if self.out.is_none() {
            let f = File::create(&self.path).map_err(|e| AppError::io(&self.path, e))?;
            self.out = Some(BufWriter::new(f));
        }
        let out = self.out.as_mut().expect("opened above");
        writeln!(out, "{row}").map_err(|e| AppError::io(&self.path, e))
    }

    /// A re-delivered record whose content differs from the stored one.
    fn conflict(&mut self, file: &Path, line: u64, conflict: &Conflict) -> Result<(), AppError> {
        let differs: Vec<_> = conflict
            .fields
            .iter()
            .map(
                |d| serde_json::json!({"field": d.field, "stored": d.stored, "offered": d.offered}),
            )
            .collect();
        self.write_row(&serde_json::json!({
            "file": file.display().to_string(),
            "line": line,
            "reason": CONFLICT,
            "detail": conflict.to_string(),
            "differs": differs,
        }))
    }
}

/// The reject file's reason for a conflicting re-delivery.
pub const CONFLICT: &str = "conflict";

/// How often an ingest makes what it read durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    /// Put-ins per durable log append.
    pub put_ins: usize,
    /// Other events per SQLite transaction.
    pub others: usize,
    /// Whether the rollups are flushed after every batch too (else once, at the end).
    pub flush_each: bool,
}

impl Default for Batching {
    fn default() -> Self {
        Batching {
            put_ins: PUT_IN_BATCH,
            others: OTHER_BATCH,
            flush_each: false,
        }
    }
}

impl Batching {
    /// Every `records` records appended durably and rolled up: less to re-send after a
    /// crash, at the price of many more fsyncs.
    pub fn every(records: usize) -> Batching {
        let records = records.max(1);
        Batching {
            put_ins: records,
            others: records,
            flush_each: true,
        }
    }
}

/// Batches and counters shared by the two readers.
struct Run<'a> {
    store: &'a mut EmbeddedStore,
    batching: Batching,
    rejects: Rejects,
    put_ins: Vec<PutIn>,
    /// Line of each buffered put-in (to report conflicts).
    put_in_lines: Vec<u64>,
    others: Vec<Event>,
    other_lines: Vec<u64>,
    samples: Vec<RejectSample>,
    file: FileReport,
}

/// Put-ins per append: small enough that a block's sort and columns stay in cache (64 Ki
/// measured ~10 % faster than 1 Mi), large enough that fsyncs are rare.
const PUT_IN_BATCH: usize = 1 << 16;
const OTHER_BATCH: usize = 20_000;
const SAMPLES: usize = 20;

impl Run<'_> {
    fn reject(&mut self, line: u64, rejection: Rejection, record: &str) -> Result<(), AppError> {
        self.file.rejected += 1;
        *self
            .file
            .by_reason
            .entry(rejection.reason.code())
            .or_default() += 1;
        if self.samples.len() < SAMPLES {
            self.samples.push(RejectSample {
                path: self.file.path.clone(),
                line,
                reason: rejection.reason.code(),
                detail: rejection.detail.clone(),
            });
        }
        let path = self.file.path.clone();
        self.rejects.write(&path, line, &rejection, record)
    }

    /// Validates and buffers one record; hands back the rejection, if any, for the caller to
    /// report with the record's original text (built only then).
    fn accept(
        &mut self,
        validator: &Validator<'_>,
        record: &WireRecord<'_>,
        line: u64,
    ) -> Result<Option<Rejection>, AppError> {
        let result = if record.r#type.as_deref() == Some("put_in") {
            validator.put_in(record).map(Event::PutIn)
        } else {
            validator.validate(record)
        };
        match result {
            Ok(Event::PutIn(p)) => self.push_put_in(p, line)?,
            Ok(e) => {
                self.others.push(e);
                self.other_lines.push(line);
                if self.others.len() >= self.batching.others {
                    self.drain()?;
                }
            }
            Err(rejection) => return Ok(Some(rejection)),
        }
        Ok(None)
    }

    fn push_put_in(&mut self, p: PutIn, line: u64) -> Result<(), AppError> {
        self.put_ins.push(p);
        self.put_in_lines.push(line);
        if self.put_ins.len() >= self.batching.put_ins {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), AppError> {
        let mut outcome = AppendOutcome::default();
        if !self.put_ins.is_empty() {
            outcome.add(self.store.append_put_ins(&self.put_ins)?);
            self.put_ins.clear();
            self.report_conflicts(false)?;
        }
        if !self.others.is_empty() {
            outcome.add(self.store.append(&self.others)?);
            self.others.clear();
            self.report_conflicts(true)?;
        }
        self.file.accepted += outcome.accepted;
        self.file.duplicates += outcome.duplicates;
        self.file.conflicts += outcome.conflicts;
        if self.batching.flush_each {
            self.store.flush()?;
        }
        Ok(())
    }

    fn report_conflicts(&mut self, others: bool) -> Result<(), AppError> {
        let lines = if others {
            std::mem::take(&mut self.other_lines)
        } else {
            std::mem::take(&mut self.put_in_lines)
        };
        for c in self.store.conflicts() {
            let line = lines.get(c.index).copied().unwrap_or(0);
            if self.samples.len() < SAMPLES {
                self.samples.push(RejectSample {
                    path: self.file.path.clone(),
                    line,
                    reason: CONFLICT,
                    detail: c.to_string(),
                });
            }
            self.rejects.conflict(&self.file.path, line, c)?;
        }
        let mut lines = lines;
        lines.clear();
        if others {
            self.other_lines = lines;
        } else {
            self.put_in_lines = lines;
        }
        Ok(())
    }
}

/// Ingests `inputs` (files or directories) into `store`, judging times against `now`.
/// Rejected records go to `rejects` (created only if something is rejected).
pub fn ingest(
    store: &mut EmbeddedStore,
    inputs: &[PathBuf],
    rejects: &Path,
    now: Timestamp,
    progress: &mut dyn Progress,
) -> Result<IngestReport, AppError> {
    ingest_batched(store, inputs, rejects, now, progress, Batching::default())
}

/// [`ingest`], making records durable as often as `batching` says.
pub fn ingest_batched(
    store: &mut EmbeddedStore,
    inputs: &[PathBuf],
    rejects: &Path,
    now: Timestamp,
    progress: &mut dyn Progress,
    batching: Batching,
) -> Result<IngestReport, AppError> {
    if !store.registry().has_households() {
        return Err(AppError::Usage(
            "the store was opened for queries only; open it fully to ingest".into(),
        ));
    }
    let files = expand_inputs(inputs)?;
    let total_bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    // A put-in takes about 190 bytes as a JSON line (90 as CSV, whose feeds then grow the
    // index once or twice more): room for that many new ids at once.
    store.reserve_put_ins(total_bytes / 190)?;
    progress.start("ingesting", total_bytes, "bytes");
    let mut report = IngestReport::default();
    let mut run = Run {
        store,
        batching,
        rejects: Rejects {
            path: rejects.to_owned(),
            out: None,
        },
        put_ins: Vec::with_capacity(batching.put_ins.min(PUT_IN_BATCH)),
        put_in_lines: Vec::with_capacity(batching.put_ins.min(PUT_IN_BATCH)),
        others: Vec::new(),
        other_lines: Vec::new(),
        samples: Vec::new(),
        file: FileReport::default(),
    };
    let mut done_bytes = 0;
    for path in &files {
        run.file = FileReport {
            path: path.clone(),
            ..FileReport::default()
        };
        let registry = run.store.registry_shared();
        let validator = Validator::new(&registry, now, Limits::default());
        let bytes = match detect_format(path)? {
            Format::JsonLines => ingest_jsonl(&mut run, &validator, path, &mut |p| {
                progress.set(done_bytes + p)
            })?,
            Format::Csv => ingest_csv(&mut run, &validator, path, &mut |p| {
                progress.set(done_bytes + p)
            })?,
        };
        run.drain()?;
        done_bytes += bytes;
        report.files.push(std::mem::take(&mut run.file));
    }
    run.store.flush()?;
    if let Some(out) = run.rejects.out.as_mut() {
        out.flush().map_err(|e| AppError::io(rejects, e))?;
        report.rejects_path = Some(rejects.to_owned());
    }
    report.samples = run.samples;
    let t = report.total();
    progress.finish(&format!(
        "{} records: {} stored, {} duplicates, {} conflicts, {} rejected",
        t.records, t.accepted, t.duplicates, t.conflicts, t.rejected
    ));
    Ok(report)
}

/// The cells of a put-in CSV row, by field.
struct CsvPutIn<'r> {
    /// id, time, point, category, grams (unused: parsed below), household, verdict, source.
    cells: [Option<&'r str>; 8],
    grams: Option<f64>,
}

impl<'r> fenlei_domain::validate::PutInFields<'r> for &CsvPutIn<'r> {
    fn id(self) -> Option<&'r str> {
        self.cells[0]
    }
    fn time(self) -> Option<&'r str> {
        self.cells[1]
    }
    fn point(self) -> Option<&'r str> {
        self.cells[2]
    }
    fn category(self) -> Option<&'r str> {
        self.cells[3]
    }
    fn grams(self) -> Option<f64> {
        self.grams
    }
    fn household(self) -> Option<&'r str> {
        self.cells[5]
    }
    fn verdict(self) -> Option<&'r str> {
        self.cells[6]
    }
    fn source(self) -> Option<&'r str> {
        self.cells[7]
    }
}

/// A put-in validated but for its household, waiting for a batch of lookups.
struct Unresolved<'l> {
    line_no: u64,
    line: &'l [u8],
    put_in: PutIn,
    household: &'l str,
}

const CHUNK: u64 = 8 << 20;
const RESOLVE_BATCH: usize = 512;

fn ingest_jsonl(
    run: &mut Run<'_>,
    validator: &Validator<'_>,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, AppError> {
    let mut file = File::open(path).map_err(|e| AppError::io(path, e))?;
    let mut buf: Vec<u8> = Vec::with_capacity(2 * CHUNK as usize);
    let mut ids = Vec::with_capacity(RESOLVE_BATCH);
    let mut reader = fastjson::FlatReader::default();
    let (mut line_no, mut consumed) = (0u64, 0u64);
    loop {
        // Read straight into the buffer's spare room: no copy from a staging chunk.
        let n = (&mut file)
            .take(CHUNK)
            .read_to_end(&mut buf)
            .map_err(|e| AppError::io(path, e))?;
        let eof = n == 0;
        let mut start = 0;
        {
            let buf = &buf[..];
            let mut unresolved: Vec<Unresolved<'_>> = Vec::with_capacity(RESOLVE_BATCH);
            // A line ends at a newline, or at the end of the file for a last line without one.
            while let Some(end) = (start < buf.len())
                .then(|| memchr::memchr(b'\n', &buf[start..]).map(|i| start + i))
                .flatten()
                .or_else(|| (eof && start < buf.len()).then_some(buf.len()))
            {
                line_no += 1;
                let line = &buf[start..end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                start = end + 1;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                run.file.records += 1;
                // Put-ins, nearly every line, take the allocation-free path; their households
                // are looked up in batches.
                let rejection = match reader.read(line) {
                    Some(flat) if flat.r#type() == Some("put_in") => {
                        match validator.put_in_unresolved(flat) {
                            Ok((p, None)) => run.push_put_in(p, line_no).map(|()| None)?,
                            Ok((put_in, Some(household))) => {
                                unresolved.push(Unresolved {
                                    line_no,
                                    line,
                                    put_in,
                                    household,
                                });
                                None
                            }
                            Err(rejection) => Some(rejection),
                        }
                    }
                    Some(flat) => run.accept(validator, &flat.into_record(), line_no)?,
                    None => match serde_json::from_slice::<WireRecord<'_>>(line) {
                        Ok(record) => run.accept(validator, &record, line_no)?,
                        Err(e) => Some(Rejection::new(
                            RejectReason::Malformed,
                            format!("invalid JSON: {e}"),
                        )),
                    },
                };
                if unresolved.len() >= RESOLVE_BATCH || rejection.is_some() {
                    // Earlier lines first, so the reject file stays in line order.
                    resolve(run, validator, &mut unresolved, &mut ids)?;
                }
                if let Some(rejection) = rejection {
                    run.reject(line_no, rejection, &String::from_utf8_lossy(line))?;
                }
            }
            resolve(run, validator, &mut unresolved, &mut ids)?;
        }
        consumed += start.min(buf.len()) as u64;
        buf.drain(..start.min(buf.len()));
        progress(consumed);
        if eof {
            return Ok(consumed);
        }
    }
}

/// Looks up the households of the waiting put-ins in one loop and passes them on.
fn resolve(
    run: &mut Run<'_>,
    validator: &Validator<'_>,
    unresolved: &mut Vec<Unresolved<'_>>,
    ids: &mut Vec<Option<fenlei_domain::HouseholdId>>,
) -> Result<(), AppError> {
    validator.resolve_households(unresolved.iter().map(|u| u.household), ids);
    for (u, id) in unresolved.drain(..).zip(ids.iter()) {
        match id {
            Some(h) => run.push_put_in(
                PutIn {
                    household: Some(*h),
                    ..u.put_in
                },
                u.line_no,
            )?,
            None => run.reject(
                u.line_no,
                validator.unknown_household(u.household),
                &String::from_utf8_lossy(u.line),
            )?,
        }
    }
    Ok(())
}

fn ingest_csv(
    run: &mut Run<'_>,
    validator: &Validator<'_>,
    path: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, AppError> {
    let file = File::open(path).map_err(|e| AppError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::Usage(format!("{}:1: unreadable CSV header: {e}", path.display())))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let Some(kind) = wire::csv_type_of_header(&names) else {
        return Err(AppError::Usage(format!(
            "{}:1: CSV header {:?} matches no event type; expected the columns of one of: {}",
            path.display(),
            names.join(","),
            wire::EVENT_TYPES
                .map(|t| format!(
                    "{t} ({})",
                    wire::csv_header(t).unwrap_or_default().join(",")
                ))
                .join("; ")
        )));
    };
    // Put-in files (nearly all the volume) skip the general record: their cells go straight to
    // the validator, with no allocation per row.
    // Cells in the put-in header's order, which is `CsvPutIn`'s order.
    let put_in_columns: Option<[usize; 8]> = (kind == "put_in").then(|| {
        let wanted = wire::csv_header("put_in").expect("a known type");
        std::array::from_fn(|i| {
            names
                .iter()
                .position(|n| *n == wanted[i])
                .expect("the put_in header has every column")
        })
    });
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    let mut pending = PendingCsv::default();
    let mut ids = Vec::with_capacity(RESOLVE_BATCH);
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                run.file.records += 1;
                run.reject(
                    line,
                    Rejection::new(RejectReason::Malformed, format!("invalid CSV: {e}")),
                    "",
                )?;
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        run.file.records += 1;
        let raw_row = || record.iter().collect::<Vec<_>>().join(",");
        if record.len() != names.len() {
            let detail = format!("expected {} fields, found {}", names.len(), record.len());
            run.reject(
                line,
                Rejection::new(RejectReason::Malformed, detail),
                &raw_row(),
            )?;
            continue;
        }
        let rejection = match put_in_columns {
            Some(cols) => {
                let cell = |i: usize| Some(record[cols[i]].trim()).filter(|c| !c.is_empty());
                match cell(4).map(str::parse::<f64>).transpose() {
                    Ok(grams) => {
                        let row = CsvPutIn {
                            cells: std::array::from_fn(cell),
                            grams,
                        };
                        match validator.put_in_unresolved(&row) {
                            Ok((p, None)) => run.push_put_in(p, line).map(|()| None)?,
                            Ok((put_in, Some(household))) => {
                                // The row buffer is reused: keep the household code (and the
                                // row, for a rejection) in the batch's text arena.
                                let code = pending.text.len()..pending.text.len() + household.len();
                                pending.text.push_str(household);
                                let raw_start = pending.text.len();
                                for (i, cell) in record.iter().enumerate() {
                                    if i > 0 {
                                        pending.text.push(',');
                                    }
                                    pending.text.push_str(cell);
                                }
                                pending.rows.push((
                                    line,
                                    put_in,
                                    code,
                                    raw_start..pending.text.len(),
                                ));
                                None
                            }
                            Err(rejection) => Some(rejection),
                        }
                    }
                    Err(_) => Some(Rejection::new(
                        RejectReason::Malformed,
                        format!("column grams: {:?} is not a number", record[cols[4]].trim()),
                    )),
                }
            }
            None => match wire::record_from_csv(kind, &names, record.iter()) {
                Ok(r) => run.accept(validator, &r, line)?,
                Err(e) => Some(Rejection::new(RejectReason::Malformed, e.to_string())),
            },
        };
        if pending.rows.len() >= RESOLVE_BATCH || rejection.is_some() {
            // Earlier lines first, so the reject file stays in line order.
            pending.resolve(run, validator, &mut ids)?;
        }
        if let Some(rejection) = rejection {
            run.reject(line, rejection, &raw_row())?;
        }
        rows += 1;
        if rows.is_multiple_of(65_536) {
            progress(reader.position().byte());
        }
    }
    pending.resolve(run, validator, &mut ids)?;
    let bytes = reader.position().byte();
    progress(bytes);
    Ok(bytes)
}

/// CSV put-ins waiting for a batch of household lookups; their household codes and rows live
/// in one text arena, since the CSV reader reuses its row buffer.
#[derive(Default)]
struct PendingCsv {
    text: String,
    rows: Vec<(u64, PutIn, std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl PendingCsv {
    fn resolve(
        &mut self,
        run: &mut Run<'_>,
        validator: &Validator<'_>,
        ids: &mut Vec<Option<fenlei_domain::HouseholdId>>,
    ) -> Result<(), AppError> {
        validator.resolve_households(self.rows.iter().map(|r| &self.text[r.2.clone()]), ids);
        for ((line, put_in, code, raw), id) in self.rows.drain(..).zip(ids.iter()) {
            match id {
                Some(h) => run.push_put_in(
                    PutIn {
                        household: Some(*h),
                        ..put_in
                    },
                    line,
                )?,
                None => run.reject(
                    line,
                    validator.unknown_household(&self.text[code]),
                    &self.text[raw],
                )?,
            }
        }
        self.text.clear();
        Ok(())
    }
}
