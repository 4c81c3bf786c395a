//! `fenlei mqtt`: the long-running MQTT subscriber (QoS 1, acknowledged once durable).

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_mqtt::devices::{DeviceRegistry, sim_registry_csv};
use fenlei_mqtt::subscribe::{SubscribeConfig, subscribe};
use fenlei_mqtt::{Broker, DEFAULT_PREFIX};
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Arguments of `fenlei mqtt`.
#[derive(Debug, clap::Args)]
pub struct MqttArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The broker.
    #[arg(long, default_value = "mqtt://127.0.0.1:1883")]
    broker: String,
    /// Fixed client id: the broker keeps its session (and queues messages) while fenlei is away.
    #[arg(long, default_value = "fenlei-ingest")]
    client_id: String,
    /// Topic prefix: devices publish on <prefix>/<city>/<device_kind>/<device_id>/<event_type>.
    #[arg(long, default_value = DEFAULT_PREFIX)]
    prefix: String,
    /// Join a shared subscription ($share/<group>/…): processes of one group split the stream.
    #[arg(long, num_args = 0..=1, default_missing_value = "fenlei")]
    share: Option<String>,
    /// Device registry (CSV device,may_report_for): a record for anything else is rejected.
    #[arg(long)]
    devices: Option<PathBuf>,
    /// Reject log (JSON lines), appended.
    #[arg(long, default_value = "fenlei-mqtt-rejects.jsonl")]
    rejects: PathBuf,
    /// Records per store append at most.
    #[arg(long, default_value_t = 50_000)]
    batch_records: usize,
    /// Milliseconds to wait for more messages before storing a batch.
    #[arg(long, default_value_t = 20)]
    batch_wait_ms: u64,
    /// Exit after this many seconds without a message (counted from connecting).
    #[arg(long)]
    idle_exit: Option<f64>,
    /// Write the device registry of the stored (simulated) city to this file and exit.
    #[arg(long)]
    write_devices: Option<PathBuf>,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5.0)]
    progress_every: f64,
}

/// Runs `fenlei mqtt`.
pub fn run(args: MqttArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.write_devices {
        let store = EmbeddedStore::open_for_queries(&args.store.db)?;
        std::fs::write(out, sim_registry_csv(store.model()))
            .with_context(|| format!("writing {}", out.display()))?;
        println!("device registry written to {}", out.display());
        return Ok(());
    }
    let mut store = EmbeddedStore::open(&args.store.db)?;
    let devices = match &args.devices {
        Some(p) => Some(DeviceRegistry::read(p, store.registry())?),
        None => {
            eprintln!(
                "warning: no --devices registry: every device may report for every point and truck"
            );
            None
        }
    };
    let mut cfg = SubscribeConfig::new(Broker::parse(&args.broker)?, &args.client_id);
    cfg.prefix = args.prefix.clone();
    cfg.share = args.share.clone();
    cfg.devices = devices;
    cfg.reject_log = args.rejects.clone();
    cfg.batch_records = args.batch_records.max(1);
    cfg.batch_wait = Duration::from_millis(args.batch_wait_ms);
    cfg.idle_exit = args.idle_exit.map(Duration::from_secs_f64);
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed))
            .context("installing the Ctrl-C handler")?;
    }
    eprintln!(
        "subscribed to {} on {} as {} (Ctrl-C stops after the current batch)",
        cfg.filter(),
        cfg.broker,
        cfg.client_id
    );
    let mut last = Instant::now();
    let every = Duration::from_secs_f64(args.progress_every.max(0.1));
    let mut last_records = 0u64;
    let done = subscribe(&mut store, &cfg, &stop, &mut |p| {
        if last.elapsed() >= every {
            let secs = last.elapsed().as_secs_f64();
            eprintln!(
                "{} messages, {} records: {} stored, {} duplicates, {} conflicts, {} rejected ({:.0} records/s)",
                p.messages,
                p.records,
                p.stored,
                p.duplicates,
                p.conflicts,
                p.rejected,
                (p.records - last_records) as f64 / secs
            );
            last = Instant::now();
            last_records = p.records;
        }
    })?;
    println!(
        "{} messages acknowledged, {} records: {} stored, {} duplicates, {} conflicts, {} rejected in {:.1} s ({:.0} records/s from the first message to the last acknowledgement)",
        done.acked,
        done.records,
        done.stored,
        done.duplicates,
        done.conflicts,
        done.rejected,
        done.seconds,
        done.records_per_second()
    );
    Ok(())
}
