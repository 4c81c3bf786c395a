//! MQTT for fenlei: devices report over a broker, fenlei stores what they say.
//!
//! - [`subscribe`]: the long-running subscriber (`fenlei mqtt`, and the entry point a server
//!   can start in-process): QoS 1, acknowledged only after the batch holding the message is
//!   durable in the store (manual acks), a persistent session under a fixed client id so
//!   nothing published while fenlei was down is lost, optionally a shared subscription
//!   (`$share/<group>/…`) so several processes split one stream. Device scopes reject a record
//!   for another point or vehicle (`not_permitted`); every rejection goes to the reject topic
//!   and the reject log with its reason.
//! - [`publish`]: the simulator as a fleet of devices (each point's smart bin, each truck,
//!   each weighbridge and plant), batched, as fast as possible or paced.
//! - [`devices`]: the device registry (device id → the points, vehicles or facilities it may
//!   report for) and the device naming of simulated cities.
//!
//! Topics: `{prefix}/{city}/{device_kind}/{device_id}/{event_type}` with the prefix
//! `fenlei/v1`; rejections on `{prefix}/{city}/rejects/{device_id}`. A payload is one JSON
//! record or a JSON array of them, in the wire schema of file ingest.
//!
//! Credentials are the broker's: a device logs in as its device id and the broker's ACL lets
//! it publish only on its own topics (Mosquitto: `pattern write fenlei/v1/+/+/%u/+`); fenlei
//! then trusts the topic's device id and holds it to the registry's scope.

pub mod devices;
pub mod publish;
pub mod subscribe;

use std::time::Duration;

/// The default topic prefix.
pub const DEFAULT_PREFIX: &str = "fenlei/v1";

/// Errors of the MQTT side.
#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    /// A bad flag or file: the user's to fix.
    #[error("{0}")]
    Usage(String),
    /// The broker could not be reached or the connection failed for good.
    #[error("MQTT broker {broker}: {message}")]
    Broker {
        /// The broker.
        broker: String,
        /// What happened.
        message: String,
    },
    /// Storing failed: nothing of the batch was acknowledged.
    #[error(
        "storing a batch failed (nothing of it was acknowledged; the broker redelivers it): {0}"
    )]
    Store(#[from] fenlei_app::AppError),
    /// The reject log could not be written.
    #[error("reject log {path}: {source}")]
    RejectLog {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Where the broker listens: `mqtt://host:port` (also `tcp://…` or `host:port`; port 1883 by
/// default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broker {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
}

impl Broker {
    /// Parses a broker URL.
    pub fn parse(url: &str) -> Result<Broker, MqttError> {
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .unwrap_or(url);
        if rest.contains("://") {
            return Err(MqttError::Usage(format!(
                "broker {url:?}: only mqtt:// (plain TCP) is supported"
            )));
        }
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| MqttError::Usage(format!("broker {url:?}: bad port {p:?}")))?,
            ),
            None => (rest, 1883),
        };
        if host.is_empty() {
            return Err(MqttError::Usage(format!("broker {url:?}: no host")));
        }
        Ok(Broker {
            host: host.to_owned(),
            port,
        })
    }

    pub(crate) fn options(&self, client_id: &str) -> rumqttc::MqttOptions {
        let mut o = rumqttc::MqttOptions::new(client_id, &self.host, self.port);
        o.set_keep_alive(Duration::from_secs(30));
        o.set_max_packet_size(256 << 20, 256 << 20);
        o
    }
}

impl std::fmt::Display for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mqtt://{}:{}", self.host, self.port)
    }
}

/// The parts of a device topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTopic<'t> {
    /// City code.
    pub city: &'t str,
    /// Device kind (`smart_bin`, `truck`, …).
    pub kind: &'t str,
    /// Device id.
    pub device: &'t str,
    /// Event type (`put_in`, `pickup`, …).
    pub event_type: &'t str,
}

/// Splits `{prefix}/{city}/{kind}/{device}/{event_type}`.
pub fn parse_topic<'t>(prefix: &str, topic: &'t str) -> Option<DeviceTopic<'t>> {
    let rest = topic.strip_prefix(prefix)?.strip_prefix('/')?;
    let mut it = rest.split('/');
    let t = DeviceTopic {
        city: it.next()?,
        kind: it.next()?,
        device: it.next()?,
        event_type: it.next()?,
    };
    if it.next().is_some() || [t.city, t.kind, t.device, t.event_type].contains(&"") {
        return None;
    }
    Some(t)
}

/// The topic a device publishes an event type on.
pub fn device_topic(
    prefix: &str,
    city: &str,
    kind: &str,
    device: &str,
    event_type: &str,
) -> String {
    format!("{prefix}/{city}/{kind}/{device}/{event_type}")
}

/// The topic rejections of a device's records go to.
pub fn reject_topic(prefix: &str, city: &str, device: &str) -> String {
    format!("{prefix}/{city}/rejects/{device}")
}
