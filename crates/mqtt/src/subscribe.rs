//! The subscriber: messages in, records stored, acknowledgements out — in that order.
//!
//! Messages are gathered into a batch (what the broker has delivered and not yet had
//! acknowledged, up to `batch_records` records or `batch_wait`), their records are stored by
//! one [`fenlei_app::records::ingest_records_scoped`] call (one append, one fsync), rejections
//! are appended to the reject log (synced) and published to the reject topic, and only then is
//! every message of the batch acknowledged. A crash before the acknowledgements costs a
//! redelivery, which deduplication absorbs; a crash never loses an acknowledged record.
//!
//! The session is persistent (clean session off, fixed client id): the broker keeps the
//! subscription and queues QoS 1 messages while fenlei is away (Mosquitto: up to its
//! `max_queued_messages`, 1000 messages by default, so publish batches). Lost connections are
//! retried every second; the subscription is renewed on every connect.

use crate::devices::DeviceRegistry;
use crate::{Broker, MqttError, parse_topic, reject_topic};
use fenlei_app::records::RecordResult;
use fenlei_app::records::{RecordStatus, ingest_records_scoped};
use fenlei_domain::Registry;
use fenlei_domain::Timestamp;
use fenlei_store::EmbeddedStore;
use rumqttc::{Client, Event, Packet, Publish, QoS};
use serde_json::value::RawValue;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How to subscribe.
#[derive(Clone, Debug)]
pub struct SubscribeConfig {
    /// The broker.
    pub broker: Broker,
    /// Fixed client id: the broker keeps this id's session while fenlei is away.
    pub client_id: String,
    /// Topic prefix (`fenlei/v1`).
    pub prefix: String,
    /// Shared-subscription group: several processes with the same group split the stream.
    pub share: Option<String>,
    /// Device scopes; without them every device may report everything.
    pub devices: Option<DeviceRegistry>,
    /// The reject log (JSON lines).
    pub reject_log: PathBuf,
    /// Records per batch at most.
    pub batch_records: usize,
    /// Longest wait for more messages before storing a batch.
    pub batch_wait: Duration,
    /// Stop after this long without a message (counted from the first connection), for
    /// scripts and tests.
    pub idle_exit: Option<Duration>,
    /// Give up when the broker cannot be reached for this long at start.
    pub connect_timeout: Duration,
}

impl SubscribeConfig {
    /// The defaults for a broker and client id.
    pub fn new(broker: Broker, client_id: &str) -> SubscribeConfig {
        SubscribeConfig {
            broker,
            client_id: client_id.to_owned(),
            prefix: crate::DEFAULT_PREFIX.to_owned(),
            share: None,
            devices: None,
            reject_log: PathBuf::from("fenlei-mqtt-rejects.jsonl"),
            batch_records: 50_000,
            batch_wait: Duration::from_millis(20),
            idle_exit: None,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The topic filter subscribed to.
    pub fn filter(&self) -> String {
        let plain = format!("{}/+/+/+/+", self.prefix);
        match &self.share {
            Some(group) => format!("$share/{group}/{plain}"),
            None => plain,
        }
    }
}

/// Counts so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    /// Messages received (redeliveries included).
    pub messages: u64,
    /// Messages acknowledged.
    pub acked: u64,
    /// Records received.
    pub records: u64,
    /// Stored for the first time.
    pub stored: u64,
    /// Already stored (redeliveries).
    pub duplicates: u64,
    /// Same id, other content.
    pub conflicts: u64,
    /// Rejected (invalid, or outside the device's scope).
    pub rejected: u64,
    /// Batches stored.
    pub batches: u64,
    /// Seconds since the start.
    pub seconds: f64,
    /// Seconds from the first message received to the last batch acknowledged: the time
    /// records/s are measured over.
    pub active_seconds: f64,
}

impl Progress {
    /// Records per second over the active time.
    pub fn records_per_second(&self) -> f64 {
        if self.active_seconds > 0.0 {
            self.records as f64 / self.active_seconds
        } else {
            0.0
        }
    }
}

struct Rejects {
    file: File,
    path: PathBuf,
    dirty: bool,
}

impl Rejects {
    fn write(&mut self, line: &serde_json::Value) -> Result<(), MqttError> {
        let mut text = serde_json::to_vec(line).expect("JSON");
        text.push(b'\n');
        self.dirty = true;
        self.file
            .write_all(&text)
            .map_err(|source| MqttError::RejectLog {
                path: self.path.clone(),
                source,
            })
    }

    fn sync(&mut self) -> Result<(), MqttError> {
        if std::mem::take(&mut self.dirty) {
            self.file
                .sync_data()
                .map_err(|source| MqttError::RejectLog {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }
}

/// Where a batch's records go: the store itself, or (in a server that shares the store with
/// other writers) a handle that locks it for each batch.
pub trait RecordSink {
    /// The city's registry (units, trucks, facilities by code).
    fn registry(&self) -> Arc<Registry>;
    /// Validates and stores `records` as [`ingest_records_scoped`] does, durable on `Ok`.
    fn ingest(
        &mut self,
        records: &[&[u8]],
        now: Timestamp,
        permitted: &dyn Fn(usize, &fenlei_domain::Event) -> Result<(), String>,
    ) -> Result<Vec<RecordResult>, fenlei_app::AppError>;
}

impl RecordSink for EmbeddedStore {
    fn registry(&self) -> Arc<Registry> {
        self.registry_shared()
    }

    fn ingest(
        &mut self,
        records: &[&[u8]],
        now: Timestamp,
        permitted: &dyn Fn(usize, &fenlei_domain::Event) -> Result<(), String>,
    ) -> Result<Vec<RecordResult>, fenlei_app::AppError> {
        ingest_records_scoped(self, records, now, permitted)
    }
}

/// Subscribes and stores until `stop` is set (then the current batch is finished and
/// acknowledged), the idle time passes, or the connection fails for good. `on_progress` is
/// called after every batch.
pub fn subscribe(
    store: &mut dyn RecordSink,
    cfg: &SubscribeConfig,
    stop: &AtomicBool,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Progress, MqttError> {
    let city = store
        .registry()
        .model()
        .city()
        .map(|c| c.code.clone())
        .ok_or_else(|| MqttError::Usage("the store holds no city".into()))?;
    let mut options = cfg.broker.options(&cfg.client_id);
    options.set_clean_session(false);
    options.set_manual_acks(true);
    options.set_inflight(1000);
    let (client, mut connection) = Client::new(options, 100_000);
    let mut rejects = Rejects {
        file: OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cfg.reject_log)
            .map_err(|source| MqttError::RejectLog {
                path: cfg.reject_log.clone(),
                source,
            })?,
        path: cfg.reject_log.clone(),
        dirty: false,
    };
    let start = Instant::now();
    let mut progress = Progress::default();
    let mut batch: Vec<Publish> = Vec::new();
    let mut batch_records = 0usize;
    let mut batch_started = Instant::now();
    let mut last_message = Instant::now();
    let mut connected_once = false;
    let mut first_message: Option<Instant> = None;
    let filter = cfg.filter();
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        // An empty batch waits for its first message; a started one takes what arrives within
        // a few milliseconds of the last (the broker stops sending at its in-flight limit until
        // it gets acknowledgements), up to `batch_wait` in all.
        let wait = if batch.is_empty() {
            Duration::from_millis(200)
        } else {
            cfg.batch_wait
                .saturating_sub(batch_started.elapsed())
                .clamp(Duration::from_micros(100), Duration::from_millis(2))
        };
        let mut flush = false;
        match connection.recv_timeout(wait) {
            Ok(Ok(Event::Incoming(Packet::Publish(p)))) => {
                if batch.is_empty() {
                    batch_started = Instant::now();
                }
                last_message = Instant::now();
                first_message.get_or_insert(last_message);
                batch_records += count_records(&p.payload);
                batch.push(p);
                flush =
                    batch_records >= cfg.batch_records || batch_started.elapsed() >= cfg.batch_wait;
            }
            Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => {
                eprintln!("subscription confirmed by the broker: {filter}");
            }
            Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                if !connected_once {
                    // Idle time counts from the first connection.
                    last_message = Instant::now();
                }
                connected_once = true;
                client
                    .try_subscribe(filter.clone(), QoS::AtLeastOnce)
                    .map_err(|e| broker_error(cfg, e.to_string()))?;
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                // The acknowledgements of a stored batch can only go out on a connection; the
                // broker redelivers what it did not get, and deduplication absorbs it.
                if !batch.is_empty() {
                    process(
                        store,
                        &client,
                        cfg,
                        &city,
                        &mut batch,
                        &mut rejects,
                        &mut progress,
                    )?;
                    batch_records = 0;
                }
                if !connected_once && start.elapsed() > cfg.connect_timeout {
                    return Err(broker_error(cfg, e.to_string()));
                }
                if !connected_once {
                    eprintln!("MQTT: {e}; retrying");
                } else {
                    eprintln!("MQTT connection lost ({e}); reconnecting");
                }
                sleep_unless(stop, Duration::from_secs(1));
                continue;
            }
            Err(rumqttc::RecvTimeoutError::Timeout) => flush = !batch.is_empty(),
            Err(rumqttc::RecvTimeoutError::Disconnected) => break,
        }
        if flush {
            process(
                store,
                &client,
                cfg,
                &city,
                &mut batch,
                &mut rejects,
                &mut progress,
            )?;
            batch_records = 0;
            progress.seconds = start.elapsed().as_secs_f64();
            progress.active_seconds = first_message.map_or(0.0, |t| t.elapsed().as_secs_f64());
            on_progress(&progress);
        }
        if let Some(idle) = cfg.idle_exit
            && batch.is_empty()
            && connected_once
            && last_message.elapsed() >= idle
        {
            break;
        }
    }
    if !batch.is_empty() {
        process(
            store,
            &client,
            cfg,
            &city,
            &mut batch,
            &mut rejects,
            &mut progress,
        )?;
    }
    // Let the last acknowledgements and rejections go out before leaving.
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        match connection.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(_)) => {}
            _ => break,
        }
    }
    let _ = client.disconnect();
    let _ = connection.recv_timeout(Duration::from_millis(200));
    progress.seconds = start.elapsed().as_secs_f64();
    on_progress(&progress);
    Ok(progress)
}

fn broker_error(cfg: &SubscribeConfig, message: String) -> MqttError {
    MqttError::Broker {
        broker: cfg.broker.to_string(),
        message,
    }
}

fn sleep_unless(stop: &AtomicBool, d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn count_records(payload: &[u8]) -> usize {
    match payload.iter().find(|b| !b.is_ascii_whitespace()) {
        // An estimate (commas between records), only for the batch size.
        Some(b'[') => memchr_count(payload) + 1,
        _ => 1,
    }
}

fn memchr_count(payload: &[u8]) -> usize {
    payload.windows(2).filter(|w| w == b"},").count()
}

/// One message's records and where they came from.
struct Message<'p> {
    device: Option<(&'p str, &'p str)>,
    records: Vec<&'p [u8]>,
    error: Option<String>,
}

fn split<'p>(cfg: &SubscribeConfig, city: &str, p: &'p Publish) -> Message<'p> {
    let Some(t) = parse_topic(&cfg.prefix, &p.topic) else {
        return Message {
            device: None,
            records: Vec::new(),
            error: Some(format!(
                "topic {:?} is not {}/{{city}}/{{device_kind}}/{{device_id}}/{{event_type}}",
                p.topic, cfg.prefix
            )),
        };
    };
    let device = Some((t.device, t.event_type));
    if t.city != city {
        return Message {
            device,
            records: Vec::new(),
            error: Some(format!(
                "topic city {:?} is not this store's city {city}",
                t.city
            )),
        };
    }
    let payload: &[u8] = &p.payload;
    let first = payload.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        match serde_json::from_slice::<Vec<&RawValue>>(payload) {
            Ok(list) => Message {
                device,
                records: list.into_iter().map(|r| r.get().as_bytes()).collect(),
                error: None,
            },
            Err(e) => Message {
                device,
                records: Vec::new(),
                error: Some(format!("payload is not a JSON array of records: {e}")),
            },
        }
    } else {
        Message {
            device,
            records: vec![payload],
            error: None,
        }
    }
}

fn process(
    store: &mut dyn RecordSink,
    client: &Client,
    cfg: &SubscribeConfig,
    city: &str,
    batch: &mut Vec<Publish>,
    rejects: &mut Rejects,
    progress: &mut Progress,
) -> Result<(), MqttError> {
    let messages: Vec<Message<'_>> = batch.iter().map(|p| split(cfg, city, p)).collect();
    let mut records: Vec<&[u8]> = Vec::new();
    // For each record: its message.
    let mut origin: Vec<u32> = Vec::new();
    for (m, msg) in messages.iter().enumerate() {
        records.extend_from_slice(&msg.records);
        origin.extend(std::iter::repeat_n(m as u32, msg.records.len()));
    }
    let registry = store.registry();
    let model = registry.model();
    let permitted = |i: usize, e: &fenlei_domain::Event| -> Result<(), String> {
        let (device, event_type) = messages[origin[i] as usize].device.expect("checked topic");
        if e.kind() != event_type {
            return Err(format!(
                "a {} record on the topic for {event_type} records",
                e.kind()
            ));
        }
        match &cfg.devices {
            Some(reg) => reg.permits(model, device, e),
            None => Ok(()),
        }
    };
    let results = store.ingest(&records, Timestamp::now(), &permitted)?;
    progress.messages += batch.len() as u64;
    progress.records += records.len() as u64;
    progress.batches += 1;
    // Rejections per message: the reject log, then one message on the device's reject topic.
    let now = Timestamp::now().to_string();
    let mut per_message: Vec<Vec<serde_json::Value>> = vec![Vec::new(); batch.len()];
    for (m, msg) in messages.iter().enumerate() {
        if let Some(error) = &msg.error {
            progress.rejected += 1;
            let line = serde_json::json!({
                "at": now, "topic": batch[m].topic, "device": msg.device.map(|d| d.0),
                "status": "rejected", "reason": "bad_message", "detail": error,
                "payload": String::from_utf8_lossy(&batch[m].payload),
            });
            rejects.write(&line)?;
            per_message[m].push(line);
        }
    }
    for (i, r) in results.iter().enumerate() {
        match r.status {
            RecordStatus::Stored => progress.stored += 1,
            RecordStatus::Duplicate => progress.duplicates += 1,
            RecordStatus::Conflict | RecordStatus::Rejected => {
                if r.status == RecordStatus::Conflict {
                    progress.conflicts += 1;
                } else {
                    progress.rejected += 1;
                }
                let m = origin[i] as usize;
                let line = serde_json::json!({
                    "at": now, "topic": batch[m].topic,
                    "device": messages[m].device.map(|d| d.0),
                    "id": r.id, "status": r.status, "reason": r.reason, "detail": r.detail,
                    "record": String::from_utf8_lossy(records[i]),
                });
                rejects.write(&line)?;
                per_message[m].push(line);
            }
        }
    }
    rejects.sync()?;
    // Durable: acknowledge, then tell the devices what was refused.
    for p in batch.iter() {
        client
            .ack(p)
            .map_err(|e| broker_error(cfg, format!("acknowledging: {e}")))?;
        progress.acked += 1;
    }
    for (m, lines) in per_message.into_iter().enumerate() {
        if lines.is_empty() {
            continue;
        }
        let device = messages[m].device.map(|d| d.0).unwrap_or("unknown");
        let payload = serde_json::to_vec(&lines).expect("JSON");
        let _ = client.try_publish(
            reject_topic(&cfg.prefix, city, device),
            QoS::AtLeastOnce,
            false,
            payload,
        );
    }
    drop(messages);
    batch.clear();
    Ok(())
}
