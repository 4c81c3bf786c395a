//! The hang detector: a thread that ends the process when one input runs too long, after
//! saving that input. (A stuck parser cannot be interrupted from inside, and a test run that
//! never ends tells nobody which input did it.)

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared {
    /// The input running now, and since when.
    current: Mutex<Option<(Instant, Vec<u8>)>>,
    done: AtomicBool,
}

/// Watches the inputs of one target.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching; an input running longer than `limit` is saved as `saved` and the
    /// process exits with status 3.
    pub(crate) fn start(target: &'static str, limit: Duration, saved: PathBuf) -> Watchdog {
        let shared = Arc::new(Shared {
            current: Mutex::new(None),
            done: AtomicBool::new(false),
        });
        let watched = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            while !watched.done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let current = watched
                    .current
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some((since, input)) = current.as_ref()
                    && since.elapsed() > limit
                {
                    if let Some(dir) = saved.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = std::fs::write(&saved, input);
                    eprintln!(
                        "fuzz target {target}: one input ran longer than {} s (a hang); it is saved in {}",
                        limit.as_secs(),
                        saved.display()
                    );
                    std::process::exit(3);
                }
            }
        });
        Watchdog {
            shared,
            thread: Some(thread),
        }
    }

    fn set(&self, value: Option<(Instant, Vec<u8>)>) {
        *self
            .shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = value;
    }

    /// An input starts.
    pub(crate) fn begin(&self, input: &[u8]) {
        self.set(Some((Instant::now(), input.to_vec())));
    }

    /// The input ended.
    pub(crate) fn end(&self) {
        self.set(None);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
