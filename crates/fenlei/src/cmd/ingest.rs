//! `fenlei ingest FILE...`: store feed files (JSON lines or CSV; directories are expanded).

use super::store_args::StoreArgs;
use crate::bar::Bars;
use fenlei_app::ingest::Batching;
use fenlei_domain::Timestamp;
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// Arguments of `fenlei ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Feed files or directories of them (*.jsonl, *.csv).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where to write rejected records (JSON lines with file, line, reason and the record).
    #[arg(long, default_value = "fenlei-rejects.jsonl")]
    rejects: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Make records durable and update the rollups every N records (default: put-ins are
    /// appended 65,536 at a time and the rollups updated once, at the end). Smaller batches
    /// mean less to re-send after a crash, and many more fsyncs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batch: Option<u64>,
}

/// Runs `fenlei ingest`.
pub fn run(args: IngestArgs) -> anyhow::Result<()> {
    let mut store = EmbeddedStore::open(&args.store.db)?;
    let opened = store.log_opened();
    for (day, bytes) in &opened.torn {
        eprintln!(
            "cut {bytes} bytes of a torn block at the end of {day}'s put-in log (never acknowledged)"
        );
    }
    for day in &opened.removed {
        eprintln!(
            "removed {day}'s put-in log file, whose creation a crash interrupted (it held nothing)"
        );
    }
    if store.recovered > 0 {
        eprintln!(
            "recovered {} events written before an interrupted run",
            store.recovered
        );
    }
    let batching = args
        .batch
        .map_or_else(Batching::default, |n| Batching::every(n as usize));
    let report = fenlei_app::ingest::ingest_batched(
        &mut store,
        &args.files,
        &args.rejects,
        Timestamp::now(),
        &mut Bars::new(),
        batching,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for s in &report.samples {
        eprintln!(
            "{}:{}: {}: {}",
            s.path.display(),
            s.line,
            s.reason,
            s.detail
        );
    }
    for f in &report.files {
        println!(
            "{}: {} records, {} stored, {} duplicates, {} conflicts, {} rejected",
            f.path.display(),
            f.records,
            f.accepted,
            f.duplicates,
            f.conflicts,
            f.rejected
        );
    }
    let t = report.total();
    if t.conflicts > 0 {
        println!(
            "conflicts {}: ids already stored with other content; the stored records stand; the fields that differ are in {}",
            t.conflicts,
            report
                .rejects_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    if t.rejected > 0 {
        let reasons: Vec<String> = t
            .by_reason
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "rejected {} ({}); see {}",
            t.rejected,
            reasons.join(", "),
            report
                .rejects_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
    }
    Ok(())
}
