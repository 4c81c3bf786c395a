//! The simulator as a fleet of MQTT devices: every event goes out from the device that would
//! report it ([`crate::devices::sim_device`]) on its topic, records of the same device and type
//! batched into one JSON-array message, with QoS 1. Batches are sent when full and at the end
//! of every simulated day (paced runs: every simulated minute, at the pace's wall time).

use crate::devices::sim_device;
use crate::{Broker, MqttError, device_topic};
use fenlei_domain::{Day, Event, Timestamp, wire};
use fenlei_sim::{SimConfig, SimStats, Sink, World};
use rumqttc::{Client, Event as MqttEvent, Packet, QoS};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How fast to publish.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// As fast as the broker takes it.
    Fast,
    /// Simulated seconds per wall second (1 = real time).
    Factor(f64),
}

impl Pace {
    /// `fast`, `realtime` or `<N>x`.
    pub fn parse(s: &str) -> Result<Pace, MqttError> {
        match s {
            "fast" => Ok(Pace::Fast),
            "realtime" => Ok(Pace::Factor(1.0)),
            _ => s
                .strip_suffix('x')
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|n| *n > 0.0)
                .map(Pace::Factor)
                .ok_or_else(|| {
                    MqttError::Usage(format!("pace {s:?}: expected fast, realtime or e.g. 60x"))
                }),
        }
    }
}

/// How to publish.
#[derive(Clone, Debug)]
pub struct PublishConfig {
    /// The broker.
    pub broker: Broker,
    /// Client id of the publisher (a persistent session: unacknowledged messages are resent
    /// after a reconnect).
    pub client_id: String,
    /// Topic prefix.
    pub prefix: String,
    /// Records per message at most.
    pub batch: usize,
    /// Pace.
    pub pace: Pace,
}

/// What was published.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct PublishStats {
    /// Events simulated and published.
    pub events: u64,
    /// Messages published (each acknowledged by the broker).
    pub messages: u64,
    /// Payload bytes.
    pub bytes: u64,
    /// Seconds.
    pub seconds: f64,
}

struct Buffer {
    topic: String,
    payload: Vec<u8>,
    records: usize,
}

struct MqttSink<'w> {
    world: &'w World,
    cfg: &'w PublishConfig,
    city: String,
    client: Client,
    buffers: HashMap<(String, &'static str), Buffer>,
    buf: Vec<u8>,
    stats: PublishStats,
    start: Instant,
    first: Option<Timestamp>,
    flushed_minute: i64,
    acked: Arc<AtomicU64>,
    failed: Arc<AtomicBool>,
    on_day: &'w mut dyn FnMut(Day, &PublishStats),
}

impl MqttSink<'_> {
    fn send(&mut self, b: Buffer) -> Result<(), MqttError> {
        let mut payload = b.payload;
        payload.push(b']');
        self.stats.messages += 1;
        self.stats.bytes += payload.len() as u64;
        self.client
            .publish(b.topic, QoS::AtLeastOnce, false, payload)
            .map_err(|e| MqttError::Broker {
                broker: self.cfg.broker.to_string(),
                message: format!("publishing: {e}"),
            })?;
        if self.failed.load(Ordering::Relaxed) {
            return Err(MqttError::Broker {
                broker: self.cfg.broker.to_string(),
                message: "the connection failed".into(),
            });
        }
        Ok(())
    }

    fn flush_all(&mut self) -> Result<(), MqttError> {
        let mut all: Vec<Buffer> = self.buffers.drain().map(|(_, b)| b).collect();
        all.sort_by(|a, b| a.topic.cmp(&b.topic));
        for b in all {
            self.send(b)?;
        }
        Ok(())
    }
}

impl Sink for MqttSink<'_> {
    type Error = MqttError;

    fn event(&mut self, id: &str, event: &Event) -> Result<(), MqttError> {
        self.stats.events += 1;
        if let Pace::Factor(f) = self.cfg.pace {
            let t = match event {
                Event::Treatment(_) => None,
                e => Some(event_time(e).0),
            };
            if let Some(t) = t {
                let first = *self.first.get_or_insert(Timestamp(t));
                let minute = t / 60;
                if minute != self.flushed_minute {
                    self.flush_all()?;
                    self.flushed_minute = minute;
                    let due = Duration::from_secs_f64(((t - first.0) as f64 / f).max(0.0));
                    if let Some(wait) = due.checked_sub(self.start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            }
        }
        let model = &self.world.model;
        let (kind, device) = sim_device(model, event);
        self.buf.clear();
        wire::write_json(event, id, self.world, &mut self.buf);
        let key = (device, event.kind());
        let b = self
            .buffers
            .entry(key)
            .or_insert_with_key(|(device, t)| Buffer {
                topic: device_topic(&self.cfg.prefix, &self.city, kind, device, t),
                payload: b"[".to_vec(),
                records: 0,
            });
        if b.records > 0 {
            b.payload.push(b',');
        }
        b.payload.extend_from_slice(&self.buf);
        b.records += 1;
        if b.records >= self.cfg.batch {
            let key = (sim_device(model, event).1, event.kind());
            let b = self.buffers.remove(&key).expect("just filled");
            self.send(b)?;
        }
        Ok(())
    }

    fn day_done(&mut self, day: Day, _events: u64) -> Result<(), MqttError> {
        self.flush_all()?;
        self.stats.seconds = self.start.elapsed().as_secs_f64();
        (self.on_day)(day, &self.stats);
        Ok(())
    }
}

fn event_time(e: &Event) -> Timestamp {
    match e {
        Event::PutIn(e) => e.time,
        Event::Incident(e) => e.time,
        Event::Inspection(e) => e.time,
        Event::Pickup(e) => e.time,
        Event::WeighTicket(e) => e.time,
        Event::Survey(e) => e.time,
        Event::Treatment(e) => Timestamp::at(e.to, 86_399),
    }
}

/// Simulates `config` of `world` and publishes every event; returns once the broker has
/// acknowledged every message.
pub fn publish_sim(
    world: &World,
    config: SimConfig,
    cfg: &PublishConfig,
    on_day: &mut dyn FnMut(Day, &PublishStats),
) -> Result<(SimStats, PublishStats), MqttError> {
    if cfg.batch == 0 {
        return Err(MqttError::Usage("--batch must be at least 1".into()));
    }
    let mut options = cfg.broker.options(&cfg.client_id);
    // A persistent session: messages not yet acknowledged when the connection drops are
    // resent after the reconnect (a clean session would drop them).
    options.set_clean_session(false);
    options.set_inflight(200);
    let (client, mut connection) = Client::new(options, 1000);
    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let broker = cfg.broker.to_string();
    let poller = {
        let (acked, failed, done) = (acked.clone(), failed.clone(), done.clone());
        std::thread::spawn(move || -> Result<(), String> {
            let mut connected = false;
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                match connection.recv_timeout(Duration::from_millis(100)) {
                    Ok(Ok(MqttEvent::Incoming(Packet::PubAck(_)))) => {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Ok(MqttEvent::Incoming(Packet::ConnAck(_)))) => connected = true,
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        if !connected && start.elapsed() > Duration::from_secs(10) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(e.to_string());
                        }
                        // Reconnects on the next poll; unacknowledged publishes are resent.
                        std::thread::sleep(Duration::from_millis(500));
                    }
                    Err(rumqttc::RecvTimeoutError::Timeout) => {}
                    Err(rumqttc::RecvTimeoutError::Disconnected) => break,
                }
            }
            Ok(())
        })
    };
    let city = world
        .model
        .city()
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let mut sink = MqttSink {
        world,
        cfg,
        city,
        client: client.clone(),
        buffers: HashMap::new(),
        buf: Vec::new(),
        stats: PublishStats::default(),
        start: Instant::now(),
        first: None,
        flushed_minute: i64::MIN,
        acked: acked.clone(),
        failed: failed.clone(),
        on_day,
    };
    let result = fenlei_sim::run(world, config, &mut sink).and_then(|s| {
        sink.flush_all()?;
        Ok(s)
    });
    let mut stats = sink.stats;
    let _ = sink.acked;
    // Every message acknowledged by the broker before leaving.
    let deadline = Instant::now() + Duration::from_secs(120);
    while result.is_ok()
        && acked.load(Ordering::Relaxed) < stats.messages
        && !failed.load(Ordering::Relaxed)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = client.disconnect();
    std::thread::sleep(Duration::from_millis(50));
    done.store(true, Ordering::Relaxed);
    let polled = poller
        .join()
        .unwrap_or(Err("the MQTT thread panicked".into()));
    let sim = result?;
    if let Err(message) = polled {
        return Err(MqttError::Broker { broker, message });
    }
    let got = acked.load(Ordering::Relaxed);
    if got < stats.messages {
        return Err(MqttError::Broker {
            broker,
            message: format!(
                "only {got} of {} messages were acknowledged by the broker",
                stats.messages
            ),
        });
    }
    stats.seconds = sink.start.elapsed().as_secs_f64();
    Ok((sim, stats))
}
