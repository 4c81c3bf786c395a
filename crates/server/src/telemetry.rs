//! The server's own counters: requests by route and status, latency histograms, ingest results
//! and rejection reasons, put-ins per minute. Rendered as Prometheus text at `/metrics` and
//! shown on the ingest-health page.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency histogram buckets, seconds.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Minutes of ingest history kept for the health page.
pub const MINUTES: usize = 60;

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    ingest: BTreeMap<&'static str, u64>,
    reasons: BTreeMap<&'static str, u64>,
    /// (minute since epoch, records stored) for the last [`MINUTES`] minutes with ingest.
    per_minute: VecDeque<(i64, u64)>,
}

/// The registry.
#[derive(Default)]
pub struct Telemetry {
    inner: Mutex<Inner>,
}

/// One minute of ingest, for the health page.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Minute {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    /// Records stored in it.
    pub stored: u64,
}

/// A snapshot of the ingest counters.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct IngestHealth {
    /// Results by status (stored, duplicate, conflict, rejected).
    pub by_status: BTreeMap<&'static str, u64>,
    /// Rejections by reason.
    pub rejections: BTreeMap<&'static str, u64>,
    /// Stored records per minute, oldest first.
    pub per_minute: Vec<Minute>,
}

impl Telemetry {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request of `route` answered with `status` after `seconds`.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        let mut g = self.inner();
        *g.requests.entry((route.to_owned(), status)).or_default() += 1;
        let h = g.latency.entry(route.to_owned()).or_default();
        h.count += 1;
        h.sum += seconds;
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
            h.counts[i] += 1;
        }
    }

    /// Counts an ingest batch's results.
    pub fn ingested(&self, results: &[fenlei_app::records::RecordResult], now_secs: i64) {
        use fenlei_app::records::RecordStatus;
        let mut g = self.inner();
        let mut stored = 0;
        for r in results {
            let key = match r.status {
                RecordStatus::Stored => {
                    stored += 1;
                    "stored"
                }
                RecordStatus::Duplicate => "duplicate",
                RecordStatus::Conflict => "conflict",
                RecordStatus::Rejected => "rejected",
            };
            *g.ingest.entry(key).or_default() += 1;
            if r.status == RecordStatus::Rejected {
                *g.reasons.entry(r.reason.unwrap_or("unknown")).or_default() += 1;
            }
        }
        let minute = now_secs.div_euclid(60);
        match g.per_minute.back_mut() {
            Some((m, n)) if *m == minute => *n += stored,
            _ => g.per_minute.push_back((minute, stored)),
        }
        while g
            .per_minute
            .front()
            .is_some_and(|(m, _)| *m <= minute - MINUTES as i64)
        {
            g.per_minute.pop_front();
        }
    }

    /// The ingest counters now.
    pub fn ingest_health(&self) -> IngestHealth {
        let g = self.inner();
        IngestHealth {
            by_status: g.ingest.clone(),
            rejections: g.reasons.clone(),
            per_minute: g
                .per_minute
                .iter()
                .map(|&(minute, stored)| Minute { minute, stored })
                .collect(),
        }
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let g = self.inner();
        let mut s = String::new();
        let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
        s.push_str("# HELP fenlei_http_requests_total HTTP requests by route and status.\n");
        s.push_str("# TYPE fenlei_http_requests_total counter\n");
        for ((route, status), n) in &g.requests {
            let _ = writeln!(
                s,
                "fenlei_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                esc(route)
            );
        }
        s.push_str("# HELP fenlei_http_request_seconds Request latency by route.\n");
        s.push_str("# TYPE fenlei_http_request_seconds histogram\n");
        for (route, h) in &g.latency {
            let route = esc(route);
            let mut cum = 0;
            for (b, c) in BUCKETS.iter().zip(h.counts) {
                cum += c;
                let _ = writeln!(
                    s,
                    "fenlei_http_request_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {cum}"
                );
            }
            let _ = writeln!(
                s,
                "fenlei_http_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                s,
                "fenlei_http_request_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                s,
                "fenlei_http_request_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        s.push_str("# HELP fenlei_ingest_records_total Records ingested over HTTP by result.\n");
        s.push_str("# TYPE fenlei_ingest_records_total counter\n");
        for (k, n) in &g.ingest {
            let _ = writeln!(s, "fenlei_ingest_records_total{{result=\"{k}\"}} {n}");
        }
        s.push_str("# HELP fenlei_ingest_rejections_total Rejected records by reason.\n");
        s.push_str("# TYPE fenlei_ingest_rejections_total counter\n");
        for (k, n) in &g.reasons {
            let _ = writeln!(s, "fenlei_ingest_rejections_total{{reason=\"{k}\"}} {n}");
        }
        s
    }
}
