//! MQTT ingest against the real broker (Mosquitto at 127.0.0.1:1883): a feed published by the
//! simulator equals a file ingest of the same feed, also when the subscriber is killed with
//! SIGKILL mid-stream and restarted (persistent session: nothing lost, nothing doubled); a
//! device reporting for another estate's point is rejected, to the reject topic and log.
//! Every test uses its own topic prefix and client ids.

use rumqttc::{Client, Event, MqttOptions, Packet, QoS};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BROKER: &str = "mqtt://127.0.0.1:1883";

fn fenlei(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fenlei")
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let out = fenlei(args, cwd);
    assert!(
        out.status.success(),
        "fenlei {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

/// A running `fenlei mqtt`: its stderr read line by line (kept for failures), with signals
/// when the broker confirmed the subscription and when a batch was stored.
struct Sub {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    confirmed: Receiver<()>,
    batch: Receiver<()>,
}

impl Sub {
    /// Waits until the broker confirmed the subscription (messages published from then on
    /// reach the session).
    fn ready(&self) {
        self.confirmed
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no subscription: {:?}", self.lines.lock().unwrap()));
    }

    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    fn finish(self, what: &str) -> String {
        let out = self.child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{what} failed: {:?}",
            self.lines.lock().unwrap()
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }
}

fn subscriber(cwd: &Path, db: &str, prefix: &str, client: &str, extra: &[&str]) -> Sub {
    let mut args = vec!["--idle-exit", "3"];
    args.extend_from_slice(extra);
    subscriber_at(BROKER, cwd, db, prefix, client, &args)
}

fn subscriber_at(
    broker: &str,
    cwd: &Path,
    db: &str,
    prefix: &str,
    client: &str,
    extra: &[&str],
) -> Sub {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args([
            "mqtt",
            "--db",
            db,
            "--broker",
            broker,
            "--prefix",
            prefix,
            "--client-id",
            client,
            "--progress-every",
            "0.1",
        ])
        .args(extra)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fenlei mqtt");
    let stderr = child.stderr.take().expect("stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (confirmed_tx, confirmed) = std::sync::mpsc::channel();
    let (batch_tx, batch) = std::sync::mpsc::channel();
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("subscription confirmed") {
                    let _ = confirmed_tx.send(());
                }
                if line.contains(" records: ") {
                    let _ = batch_tx.send(());
                }
                lines.lock().unwrap().push(line);
            }
        });
    }
    Sub {
        child,
        lines,
        confirmed,
        batch,
    }
}

fn wait_ok(child: Child, what: &str) -> String {
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

const SIM: [&str; 8] = [
    "--preset",
    "tiny",
    "--seed",
    "5",
    "--start",
    "2026-11-01",
    "--days",
    "",
];

fn sim_args<'a>(days: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["sim"];
    a.extend_from_slice(&SIM[..7]);
    a.push(days);
    a.extend_from_slice(extra);
    a
}

/// The store `db` against a file ingest of the same days: every put-in figure per point and
/// day, and the chain per point and day (pickups, tickets, treatment).
fn assert_same_as_file_ingest(p: &Path, db: &str, days: &str) {
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "ref"],
        p,
    );
    ok(&sim_args(days, &["--out", "feed.jsonl"]), p);
    ok(&["ingest", "--db", "ref", "feed.jsonl"], p);
    let last = format!("2026-11-{:02}", days.parse::<u32>().expect("days"));
    for args in [
        vec!["report", "--level", "point", "--format", "csv"],
        vec![
            "chain", "balance", "--level", "point", "--by", "day", "--format", "json",
        ],
        vec!["chain", "trips", "--format", "json"],
    ] {
        let run = |store: &str| {
            let mut a = args.clone();
            a.extend_from_slice(&["--db", store, "--from", "2026-11-01", "--to", &last]);
            ok(&a, p)
        };
        let (got, want) = (run(db), run("ref"));
        assert!(got == want, "{args:?} differs between MQTT and file ingest");
    }
    let v = ok(&["verify", "--db", db], p);
    assert!(!v.contains("FAIL"), "{v}");
}

#[test]
fn a_published_feed_is_stored_as_a_file_ingest_would_store_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "db"],
        p,
    );
    ok(&["mqtt", "--db", "db", "--write-devices", "devices.csv"], p);
    let prefix = unique("t-feed") + "/fenlei/v1";
    let sub = subscriber(
        p,
        "db",
        &prefix,
        &unique("sub"),
        &["--devices", "devices.csv"],
    );
    sub.ready();
    let out = ok(
        &sim_args(
            "4",
            &[
                "--publish",
                BROKER,
                "--prefix",
                &prefix,
                "--client-id",
                &unique("pub"),
            ],
        ),
        p,
    );
    assert!(out.contains("every message acknowledged"), "{out}");
    let summary = sub.finish("fenlei mqtt");
    assert!(summary.contains(" 0 rejected"), "{summary}");
    assert_same_as_file_ingest(p, "db", "4");
}

#[test]
fn a_subscriber_killed_mid_stream_loses_nothing_and_counts_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "db"],
        p,
    );
    let prefix = unique("t-kill") + "/fenlei/v1";
    let client = unique("sub");
    // The session must exist before the publisher starts: a first run subscribes and reports
    // every stored batch.
    let first = subscriber(p, "db", &prefix, &client, &[]);
    first.ready();
    let publisher = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(sim_args(
            "12",
            &[
                "--publish",
                BROKER,
                "--prefix",
                &prefix,
                "--client-id",
                &unique("pub"),
                "--batch",
                "400",
            ],
        ))
        .current_dir(p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the publisher");
    // Kill it as soon as it has stored a batch, while messages arrive (SIGKILL: no chance to
    // finish the next batch or acknowledge it).
    let started = Instant::now();
    first
        .batch
        .recv_timeout(Duration::from_secs(60))
        .expect("the first subscriber stored a batch");
    first.kill();
    // Publishing goes on while nobody listens; the broker queues for the session.
    std::thread::sleep(Duration::from_millis(800));
    let second = subscriber(p, "db", &prefix, &client, &[]);
    let out = wait_ok(publisher, "the publisher");
    assert!(out.contains("every message acknowledged"), "{out}");
    let summary = second.finish("the restarted subscriber");
    // The killed run had stored part of the stream: the restarted one stored the rest.
    let number_before = |text: &str, word: &str| -> u64 {
        let at = text.find(word).expect(word);
        text[..at]
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .expect("a count")
    };
    let published = number_before(&out, " events published");
    let stored_after = number_before(&summary, " stored");
    assert!(
        stored_after > 0 && stored_after < published,
        "not killed mid-stream? {published} published, {stored_after} stored after the restart"
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    assert!(summary.contains(" 0 rejected"), "{summary}");
    assert_same_as_file_ingest(p, "db", "12");
}

fn raw_client(id: &str) -> (Client, rumqttc::Connection) {
    let mut o = MqttOptions::new(id, "127.0.0.1", 1883);
    o.set_keep_alive(Duration::from_secs(10));
    Client::new(o, 100)
}

#[test]
fn a_device_reporting_for_another_estates_point_is_rejected_to_the_reject_topic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "db"],
        p,
    );
    ok(&["mqtt", "--db", "db", "--write-devices", "devices.csv"], p);
    let prefix = unique("t-scope") + "/fenlei/v1";
    // Listen on the reject topic of the bin device.
    let (listener, mut incoming) = raw_client(&unique("rej"));
    let reject_topic = format!("{prefix}/500000/rejects/bin-P000001");
    listener
        .subscribe(reject_topic.clone(), QoS::AtLeastOnce)
        .expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Ok(Event::Incoming(Packet::SubAck(_)))) =
            incoming.recv_timeout(Duration::from_millis(100))
        {
            break;
        }
    }
    let sub = subscriber(
        p,
        "db",
        &prefix,
        &unique("sub"),
        &["--devices", "devices.csv", "--rejects", "rejects.jsonl"],
    );
    sub.ready();
    // P000001's bin reports a put-in of its own and one for a point of another estate.
    let record = |id: &str, point: &str| {
        format!(
            r#"{{"type":"put_in","id":"{id}","time":"2026-11-05T07:00:00+08:00","point":"{point}","category":"kitchen","grams":900,"verdict":"correct","source":"smart_bin"}}"#
        )
    };
    let payload = format!(
        "[{},{}]",
        record("own-1", "P000001"),
        record("stray-1", "P000009")
    );
    let (publisher, mut pub_conn) = raw_client(&unique("pub"));
    publisher
        .publish(
            format!("{prefix}/500000/smart_bin/bin-P000001/put_in"),
            QoS::AtLeastOnce,
            false,
            payload,
        )
        .expect("publish");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Ok(Event::Incoming(Packet::PubAck(_)))) =
            pub_conn.recv_timeout(Duration::from_millis(100))
        {
            break;
        }
    }
    // The reject topic gets the stray record with its reason.
    let mut rejected = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && rejected.is_none() {
        if let Ok(Ok(Event::Incoming(Packet::Publish(m)))) =
            incoming.recv_timeout(Duration::from_millis(100))
        {
            rejected = Some(String::from_utf8_lossy(&m.payload).into_owned());
        }
    }
    let rejected = rejected.expect("a message on the reject topic");
    let lines: serde_json::Value = serde_json::from_str(&rejected).expect("JSON");
    assert_eq!(lines.as_array().expect("array").len(), 1, "{rejected}");
    assert_eq!(lines[0]["id"], "stray-1");
    assert_eq!(lines[0]["reason"], "not_permitted");
    assert!(
        lines[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("P000009"),
        "{rejected}"
    );
    let summary = sub.finish("fenlei mqtt");
    assert!(
        summary.contains("1 stored") && summary.contains("1 rejected"),
        "{summary}"
    );
    let log = std::fs::read_to_string(p.join("rejects.jsonl")).expect("reject log");
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains("stray-1") && log.contains("not_permitted"),
        "{log}"
    );
}

/// A private Mosquitto on a free port, persisting to `dir`.
fn private_broker(dir: &Path, port: u16) -> Child {
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\nmax_queued_messages 100000\n",
            dir.display()
        ),
    )
    .expect("config");
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the mosquitto binary (apt-get install mosquitto)");
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "mosquitto did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn a_broker_restarted_mid_stream_costs_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let broker_url = format!("mqtt://127.0.0.1:{port}");
    // Mosquitto started as root runs as the user `mosquitto`: its directory must be open to it.
    let broker_dir = tempfile::tempdir().expect("tempdir");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(broker_dir.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
    }
    let bd = broker_dir.path();
    let mut broker = private_broker(bd, port);
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "db"],
        p,
    );
    let prefix = "fenlei/v1";
    let sub = subscriber_at(&broker_url, p, "db", prefix, "sub", &["--idle-exit", "8"]);
    sub.ready();
    let publisher = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(sim_args(
            "12",
            &[
                "--publish",
                &broker_url,
                "--client-id",
                "pub",
                "--batch",
                "400",
            ],
        ))
        .current_dir(p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the publisher");
    std::thread::sleep(Duration::from_millis(600));
    // A graceful broker stop (it saves its sessions), then the same broker again.
    let stopped = Command::new("kill")
        .args(["-TERM", &broker.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(stopped.success());
    broker.wait().expect("broker exit");
    std::thread::sleep(Duration::from_millis(700));
    let mut broker = private_broker(bd, port);
    let out = wait_ok(publisher, "the publisher");
    assert!(out.contains("every message acknowledged"), "{out}");
    let summary = sub.finish("the subscriber");
    assert!(summary.contains(" 0 rejected"), "{summary}");
    broker.kill().expect("stop the private broker");
    broker.wait().expect("reap");
    assert_same_as_file_ingest(p, "db", "12");
}
