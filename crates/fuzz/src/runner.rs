//! Running a target: the seeds as they are, then mutated inputs from a seeded proptest runner;
//! counting what the parser accepted and rejected; reporting a failure with its input.

use crate::corpus::Seed;
use crate::mutate::{Mutation, apply, mutation};
use crate::watchdog::Watchdog;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Tokens every target may insert: numbers at and past every limit, malformed and extreme
/// times, JSON and CSV syntax, control characters and invalid UTF-8.
const COMMON_TOKENS: &[&[u8]] = &[
    b"",
    b"0",
    b"-0",
    b"-1",
    b"1.5",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"NaN",
    b"inf",
    b"-inf",
    b"255",
    b"65536",
    b"4294967295",
    b"4294967296",
    b"2147483648",
    b"-2147483649",
    b"9223372036854775807",
    b"18446744073709551616",
    b"99999999999999999999999999999999",
    b"0x10",
    b"007",
    b"2026-11-01T06:30:05+08:00",
    b"2026-02-30T25:61:61+08:00",
    b"9999-12-31T23:59:59Z",
    b"0000-01-01T00:00:00-23:59",
    b"2026-11-01",
    b"\"",
    b"\"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\\uDFFF\\uD800",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"[",
    b"{",
    b"]}",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b",",
    b":",
    b"|",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b" ",
    b"\0",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    "垃圾分类".as_bytes(),
    "渝".as_bytes(),
];

/// One fuzz target: its seeds, tokens and budget.
pub struct Target {
    /// Name, used in reports and in the names of saved inputs.
    pub name: &'static str,
    /// Seed inputs.
    pub seeds: Vec<Seed>,
    /// Tokens the mutations insert: [`COMMON_TOKENS`] and the target's own.
    pub tokens: Vec<Vec<u8>>,
    /// Mutated inputs to run (after the seeds).
    pub cases: u32,
    /// Inputs are cut to this many bytes.
    pub max_len: usize,
    /// Applied to about half the inputs after mutating, e.g. to repair checksums so that the
    /// parser behind them is reached.
    pub fixup: Option<fn(&mut [u8])>,
    /// Where failing and hanging inputs are saved.
    pub out_dir: PathBuf,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
    )
}

impl Target {
    /// A target over `seeds` running `default_cases` mutated inputs, or `FENLEI_FUZZ_CASES`
    /// when that is set; inputs up to 64 KiB.
    pub fn new(
        name: &'static str,
        seeds: Vec<Seed>,
        default_cases: u32,
        out_dir: impl Into<PathBuf>,
    ) -> Target {
        assert!(!seeds.is_empty(), "target {name} has no seed");
        Target {
            name,
            seeds,
            tokens: COMMON_TOKENS.iter().map(|t| t.to_vec()).collect(),
            cases: env_u64("FENLEI_FUZZ_CASES").map_or(default_cases, |c| c as u32),
            max_len: 64 << 10,
            fixup: None,
            out_dir: out_dir.into(),
        }
    }

    /// Adds the target's own tokens (codes, keywords of its format).
    pub fn with_tokens(mut self, tokens: &[&[u8]]) -> Target {
        self.tokens.extend(tokens.iter().map(|t| t.to_vec()));
        self
    }

    /// Sets [`Target::fixup`].
    pub fn with_fixup(mut self, fixup: fn(&mut [u8])) -> Target {
        self.fixup = Some(fixup);
        self
    }

    /// Sets [`Target::max_len`].
    pub fn with_max_len(mut self, max_len: usize) -> Target {
        self.max_len = max_len;
        self
    }

    fn input(&self, seed: &Index, mutations: &[Mutation], fix: bool) -> (&Seed, Vec<u8>) {
        let base = seed.get(&self.seeds);
        let mut bytes = apply(
            &base.bytes,
            mutations,
            &self.seeds,
            &self.tokens,
            self.max_len,
        );
        if let (true, Some(fixup)) = (fix, self.fixup) {
            fixup(&mut bytes);
        }
        (base, bytes)
    }
}

/// What a target's run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Inputs run: the seeds, then the mutated ones.
    pub inputs: u64,
    /// Inputs the parser accepted.
    pub accepted: u64,
    /// Inputs it rejected with an error message.
    pub rejected: u64,
    /// Accepted and rejected inputs by the seed they grew from.
    pub by_seed: BTreeMap<String, (u64, u64)>,
    /// The run's seed (`FENLEI_FUZZ_SEED`).
    pub seed: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz {}: {} inputs ({} accepted, {} rejected with an error), seed {}, {:.1} s; by seed:",
            self.target, self.inputs, self.accepted, self.rejected, self.seed, self.seconds
        )?;
        for (name, (ok, err)) in &self.by_seed {
            write!(f, " {name} {ok}/{err}")?;
        }
        Ok(())
    }
}

thread_local! {
    /// Set while a fuzz input runs on this thread: its panics are captured, not printed.
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Captures the message and place of panics inside fuzz inputs (proptest re-runs a failing
/// input many times while shrinking; printing each would drown the report). Other panics go
/// to the hook that was there before.
fn install_panic_capture() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZING.get() {
                let place = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let message = info.payload_as_str().unwrap_or("(no message)");
                PANIC.set(Some(format!("panicked at {place}: {message}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// splitmix64: the run seed and the target name into the runner's 32 seed bytes.
fn rng_seed(seed: u64, name: &str) -> [u8; 32] {
    let mut state = name.bytes().fold(seed ^ 0x9e37_79b9_7f4a_7c15, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// Shows an input in a failure message: escaped, and cut if long.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let shown: String = text.escape_debug().take(3000).collect();
    if shown.len() < text.escape_debug().count() {
        format!("{shown}… (cut)")
    } else {
        shown
    }
}

/// Runs `target`, calling `check(seed name, input)` on each input: `Ok(())` when the parser
/// accepted the input, `Err(message)` when it rejected it. Panics — with the input, saved to
/// a file — when `check` panics, returns an empty message, or (via the watchdog) hangs.
pub fn fuzz(target: &Target, check: impl Fn(&str, &[u8]) -> Result<(), String>) -> Report {
    install_panic_capture();
    let started = Instant::now();
    let seed = env_u64("FENLEI_FUZZ_SEED").unwrap_or(1);
    let hang = Duration::from_secs(env_u64("FENLEI_FUZZ_HANG_SECS").unwrap_or(60));
    let failures = target.out_dir.join("fuzz-failures");
    let watchdog = Watchdog::start(
        target.name,
        hang,
        failures.join(format!("{}-hang.bin", target.name)),
    );
    let report = RefCell::new(Report {
        target: target.name,
        seed,
        ..Report::default()
    });
    // An input that overruns the heap cap aborts the process before anything can save it; a
    // rerun of the target (same seed, same inputs) with this set keeps the one in flight.
    let keep_current = std::env::var_os("FENLEI_FUZZ_KEEP_CURRENT")
        .map(|_| failures.join(format!("{}-current.bin", target.name)));
    if keep_current.is_some() {
        std::fs::create_dir_all(&failures).expect("the failures folder");
    }
    let run = |seed: &Seed, bytes: &[u8]| -> Result<(), TestCaseError> {
        if let Some(path) = &keep_current {
            std::fs::write(path, bytes).expect("keep the current input");
        }
        watchdog.begin(bytes);
        FUZZING.set(true);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&seed.name, bytes)));
        FUZZING.set(false);
        watchdog.end();
        let mut r = report.borrow_mut();
        r.inputs += 1;
        let counts = r.by_seed.entry(seed.name.clone()).or_default();
        match outcome {
            Ok(Ok(())) => {
                counts.0 += 1;
                r.accepted += 1;
                Ok(())
            }
            Ok(Err(message)) if !message.trim().is_empty() => {
                counts.1 += 1;
                r.rejected += 1;
                Ok(())
            }
            Ok(Err(_)) => Err(TestCaseError::fail("rejected with an empty error message")),
            Err(_) => Err(TestCaseError::fail(
                PANIC.take().unwrap_or_else(|| "panicked".to_owned()),
            )),
        }
    };
    let fail = |reason: &str, from: &Seed, mutations: &[Mutation], bytes: &[u8]| -> ! {
        let path = failures.join(format!(
            "{}-{:016x}.bin",
            target.name,
            u64::from_le_bytes(
                rng_seed(bytes.len() as u64, &String::from_utf8_lossy(bytes))[..8]
                    .try_into()
                    .expect("8 bytes")
            )
        ));
        let _ = std::fs::create_dir_all(&failures);
        let _ = std::fs::write(&path, bytes);
        panic!(
            "fuzz target {}: {reason}\ninput of {} bytes, saved to {}; seed {} with mutations {mutations:?}:\n{}",
            target.name,
            bytes.len(),
            path.display(),
            from.name,
            show(bytes)
        );
    };
    for s in &target.seeds {
        if let Err(e) = run(s, &s.bytes) {
            fail(&e.to_string(), s, &[], &s.bytes);
        }
    }
    let config = Config {
        cases: target.cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed(seed, target.name)),
    );
    let strategy = (
        any::<Index>(),
        proptest::collection::vec(mutation(), 1..8),
        any::<bool>(),
    );
    let result = runner.run(&strategy, |(seed, mutations, fix)| {
        let (base, bytes) = target.input(&seed, &mutations, fix);
        run(base, &bytes)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (seed, mutations, fix))) => {
            let (base, bytes) = target.input(&seed, &mutations, fix);
            fail(&reason.to_string(), base, &mutations, &bytes);
        }
        Err(e) => panic!("fuzz target {}: {e}", target.name),
    }
    drop(watchdog);
    let mut report = report.into_inner();
    report.seconds = started.elapsed().as_secs_f64();
    println!("{report}");
    report
}
