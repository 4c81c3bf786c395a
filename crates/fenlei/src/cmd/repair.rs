//! `fenlei repair`: quarantines damaged put-in log blocks (kept under `putins/quarantine/`,
//! never deleted), rewrites the damaged day files with their valid blocks and rebuilds the
//! rollups, participation sets and key index from what remains; then says exactly which days
//! lost how many put-ins, to be re-ingested from the source (deduplication stores each once).

use super::store_args::StoreArgs;
use fenlei_store::EmbeddedStore;

/// Arguments of `fenlei repair`.
#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs `fenlei repair`.
pub fn run(args: RepairArgs) -> anyhow::Result<()> {
    let t = std::time::Instant::now();
    let report = EmbeddedStore::repair(&args.store.db)?;
    if report.days.is_empty() {
        println!("no damage found: nothing to repair");
        return Ok(());
    }
    for d in &report.days {
        for (offset, len, copy) in &d.quarantined {
            println!(
                "{}: {len} damaged bytes at byte {offset} quarantined to {}",
                d.day,
                copy.display()
            );
        }
        println!(
            "{}: {} put-ins kept, {} lost — re-ingest this day's feed from the source",
            d.day, d.kept, d.lost
        );
    }
    println!(
        "rollups rebuilt from {} stored events; {} put-ins lost in all on {} days ({:.1} s)",
        report.replayed,
        report.lost(),
        report.days.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
