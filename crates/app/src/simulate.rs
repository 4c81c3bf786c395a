//! Simulating a city into a store (with the units' outlines, `fenlei_sim::shapes`) or into feed
//! files (JSON lines, or one CSV per event type).

use crate::AppError;
use crate::progress::Progress;
use fenlei_domain::wire::{self, Codes};
use fenlei_domain::{Day, Event, PutIn};
use fenlei_sim::{Preset, SimConfig, SimStats, Sink, World};
use fenlei_store::{AppendOutcome, EmbeddedStore};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Creates a store for the simulated city of `preset` and `seed`.
pub fn create_store(dir: &Path, world: &World) -> Result<EmbeddedStore, AppError> {
    create_store_reporting(dir, world, &mut crate::progress::Silent)
}

/// [`create_store`], reporting households written (a city has millions).
pub fn create_store_reporting(
    dir: &Path,
    world: &World,
    progress: &mut dyn Progress,
) -> Result<EmbeddedStore, AppError> {
    let meta = [
        ("preset", world.preset.name().to_owned()),
        ("seed", world.seed.to_string()),
    ];
    progress.start("households", world.household_count as u64, "households");
    let mut written = 0u64;
    let households = world.households().inspect(|_| {
        written += 1;
        if written.is_multiple_of(65_536) {
            progress.set(written);
        }
    });
    let mut store = EmbeddedStore::create(dir, &world.model, households, &meta)?;
    // The outlines the dashboard's maps draw (a deployment imports its own GeoJSON).
    let shapes = fenlei_sim::shapes::outlines(&world.model);
    store.save_shapes(&shapes)?;
    progress.finish(&format!(
        "{} units ({} with outlines) and {} households stored",
        world.model.units.len(),
        shapes.len(),
        world.household_count
    ));
    Ok(store)
}

/// Opens the store in `dir` if it holds this simulated city, or creates it.
pub fn open_or_create(dir: &Path, world: &World) -> Result<EmbeddedStore, AppError> {
    if !EmbeddedStore::exists(dir) {
        return create_store(dir, world);
    }
    let store = EmbeddedStore::open(dir)?;
    let preset = store.meta("preset")?;
    let seed = store.meta("seed")?;
    if preset.as_deref() != Some(world.preset.name()) || seed != Some(world.seed.to_string()) {
        return Err(AppError::Usage(format!(
            "{} holds another city (preset {}, seed {}); use another --db or the same --preset and --seed",
            dir.display(),
            preset.unwrap_or_else(|| "none".into()),
            seed.unwrap_or_else(|| "none".into())
        )));
    }
    Ok(store)
}

/// Builds the simulated world.
pub fn world(preset: Preset, seed: u64) -> World {
    World::build(preset, seed)
}

/// A sink that appends to a store in large batches.
pub struct StoreSink<'s, 'p> {
    store: &'s mut EmbeddedStore,
    put_ins: Vec<PutIn>,
    others: Vec<Event>,
    /// What was stored.
    pub outcome: AppendOutcome,
    progress: &'p mut dyn Progress,
    start: Day,
}

const BATCH: usize = 1 << 16;

impl<'s, 'p> StoreSink<'s, 'p> {
    /// A sink into `store`.
    pub fn new(store: &'s mut EmbeddedStore, progress: &'p mut dyn Progress, start: Day) -> Self {
        StoreSink {
            store,
            put_ins: Vec::with_capacity(BATCH),
            others: Vec::new(),
            outcome: AppendOutcome::default(),
            progress,
            start,
        }
    }

    /// Appends what is buffered.
    pub fn drain(&mut self) -> Result<(), AppError> {
        if !self.put_ins.is_empty() {
            self.outcome.add(self.store.append_put_ins(&self.put_ins)?);
            self.put_ins.clear();
        }
        if !self.others.is_empty() {
            self.outcome.add(self.store.append(&self.others)?);
            self.others.clear();
        }
        if self.store.pending() > 50_000_000 {
            self.store.flush()?;
        }
        Ok(())
    }
}

impl Sink for StoreSink<'_, '_> {
    type Error = AppError;

    fn event(&mut self, _id: &str, event: &Event) -> Result<(), AppError> {
        match event {
            Event::PutIn(p) => {
                self.put_ins.push(*p);
                if self.put_ins.len() >= BATCH {
                    self.drain()?;
                }
            }
            other => self.others.push(other.clone()),
        }
        Ok(())
    }

    fn day_done(&mut self, day: Day, _events: u64) -> Result<(), AppError> {
        self.drain()?;
        self.progress.set((day.0 - self.start.0 + 1) as u64);
        Ok(())
    }
}

/// Simulates `config` into `store`; returns what was simulated and what was stored.
pub fn simulate_into(
    store: &mut EmbeddedStore,
    world: &World,
    config: SimConfig,
    progress: &mut dyn Progress,
) -> Result<(SimStats, AppendOutcome), AppError> {
    progress.start("simulating", config.days as u64, "days");
    let mut sink = StoreSink::new(store, progress, config.start);
    let stats = fenlei_sim::run(world, config, &mut sink)?;
    sink.drain()?;
    let outcome = sink.outcome;
    store.flush()?;
    store.set_meta(
        "last_day",
        &config.start.plus(config.days as i32 - 1).to_string(),
    )?;
    progress.finish(&format!(
        "{} events simulated, {} stored, {} duplicates",
        stats.total(),
        outcome.accepted,
        outcome.duplicates
    ));
    Ok((stats, outcome))
}

/// Output format of simulated feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    /// One JSON object per line, all event types in one file.
    JsonLines,
    /// A directory with one CSV file per event type.
    Csv,
}

struct FileSink<'w> {
    world: &'w World,
    format: FeedFormat,
    jsonl: Option<BufWriter<File>>,
    csv: Vec<(&'static str, BufWriter<File>)>,
    dir: PathBuf,
    buf: Vec<u8>,
    progress: &'w mut dyn Progress,
    start: Day,
}

impl FileSink<'_> {
    fn writer(&mut self, kind: &'static str) -> Result<&mut BufWriter<File>, AppError> {
        if self.format == FeedFormat::JsonLines {
            return Ok(self.jsonl.as_mut().expect("opened for JSON lines"));
        }
        if let Some(i) = self.csv.iter().position(|(k, _)| *k == kind) {
            return Ok(&mut self.csv[i].1);
        }
        let path = self.dir.join(format!("{kind}.csv"));
        let mut w = BufWriter::with_capacity(
            1 << 20,
            File::create(&path).map_err(|e| AppError::io(&path, e))?,
        );
        let header = wire::csv_header(kind).expect("known event type").join(",");
        writeln!(w, "{header}").map_err(|e| AppError::io(&path, e))?;
        self.csv.push((kind, w));
        Ok(&mut self.csv.last_mut().expect("just pushed").1)
    }
}

impl Sink for FileSink<'_> {
    type Error = AppError;

    fn event(&mut self, id: &str, event: &Event) -> Result<(), AppError> {
        self.buf.clear();
        let codes: &dyn Codes = self.world;
        match self.format {
            FeedFormat::JsonLines => wire::write_json(event, id, codes, &mut self.buf),
            FeedFormat::Csv => wire::write_csv(event, id, codes, &mut self.buf),
        }
        let buf = std::mem::take(&mut self.buf);
        let result = self.writer(event.kind())?.write_all(&buf);
        self.buf = buf;
        result.map_err(|e| AppError::io(&self.dir, e))
    }

    fn day_done(&mut self, day: Day, _events: u64) -> Result<(), AppError> {
        self.progress.set((day.0 - self.start.0 + 1) as u64);
        Ok(())
    }
}

/// Simulates `config` into feed files at `out` (a file for JSON lines, a directory for CSV).
pub fn simulate_to_files(
    world: &World,
    config: SimConfig,
    out: &Path,
    format: FeedFormat,
    progress: &mut dyn Progress,
) -> Result<SimStats, AppError> {
    let jsonl = match format {
        FeedFormat::JsonLines => Some(BufWriter::with_capacity(
            1 << 20,
            File::create(out).map_err(|e| AppError::io(out, e))?,
        )),
        FeedFormat::Csv => {
            std::fs::create_dir_all(out).map_err(|e| AppError::io(out, e))?;
            None
        }
    };
    progress.start("simulating", config.days as u64, "days");
    let mut sink = FileSink {
        world,
        format,
        jsonl,
        csv: Vec::new(),
        dir: out.to_owned(),
        buf: Vec::new(),
        progress,
        start: config.start,
    };
    let stats = fenlei_sim::run(world, config, &mut sink)?;
    if let Some(w) = sink.jsonl.as_mut() {
        w.flush().map_err(|e| AppError::io(out, e))?;
    }
    for (_, w) in &mut sink.csv {
        w.flush().map_err(|e| AppError::io(out, e))?;
    }
    sink.progress.finish(&format!(
        "{} events written to {}",
        stats.total(),
        out.display()
    ));
    Ok(stats)
}
