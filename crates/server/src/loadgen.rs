//! A small load generator for `fenlei bench serve-ingest`: posts a feed to a running server's
//! `/api/v1/ingest` in batches over several connections and measures stored put-ins per
//! second and per-batch latency. (Read endpoints are measured with `wrk`, see
//! `bench/serve.sh`.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// What a run measured.
#[derive(Clone, Debug, Default)]
pub struct IngestRun {
    /// Records sent.
    pub records: u64,
    /// Records the server answered `stored`.
    pub stored: u64,
    /// Records answered otherwise (duplicate, conflict, rejected).
    pub not_stored: u64,
    /// Batches sent.
    pub batches: usize,
    /// Wall-clock seconds from the first request to the last answer.
    pub seconds: f64,
    /// Median batch latency, milliseconds.
    pub p50_ms: f64,
    /// 99th-percentile batch latency, milliseconds.
    pub p99_ms: f64,
}

fn post(addr: &str, token: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let head = format!(
        "POST /api/v1/ingest HTTP/1.0\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/x-ndjson\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("no HTTP head in the answer"))?;
    let status = std::str::from_utf8(&out[..split])?
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no status in the answer"))?;
    Ok((status, out[split + 4..].to_vec()))
}

/// Posts `lines` (JSON records) to `addr` in batches of `batch` over `connections` threads.
pub fn post_feed(
    addr: &str,
    token: &str,
    lines: &[&str],
    batch: usize,
    connections: usize,
) -> anyhow::Result<IngestRun> {
    let bodies: Vec<Vec<u8>> = lines
        .chunks(batch.max(1))
        .map(|c| c.join("\n").into_bytes())
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(f64, u64, u64)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..connections.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let t0 = Instant::now();
                    let answer = post(addr, token, body).and_then(|(status, b)| {
                        anyhow::ensure!(
                            status == 200,
                            "HTTP {status}: {}",
                            String::from_utf8_lossy(&b[..b.len().min(300)])
                        );
                        let v: serde_json::Value = serde_json::from_slice(&b)?;
                        let stored = v["counts"]["stored"].as_u64().unwrap_or(0);
                        let all = v["results"].as_array().map_or(0, |r| r.len() as u64);
                        Ok((stored, all - stored))
                    });
                    match answer {
                        Ok((stored, other)) => results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((t0.elapsed().as_secs_f64() * 1e3, stored, other)),
                        Err(e) => {
                            *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let seconds = t.elapsed().as_secs_f64();
    let mut r = results.into_inner().unwrap_or_else(|e| e.into_inner());
    r.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pct = |p: f64| {
        r.get(((r.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |x| x.0)
    };
    Ok(IngestRun {
        records: lines.len() as u64,
        stored: r.iter().map(|x| x.1).sum(),
        not_stored: r.iter().map(|x| x.2).sum(),
        batches: r.len(),
        seconds,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    })
}
