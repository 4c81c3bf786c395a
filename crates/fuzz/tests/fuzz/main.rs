//! The fuzz targets, one per parser of outside input. Each runs its seed corpus
//! (`corpus/<target>/`) and then a bounded number of mutated inputs; `FENLEI_FUZZ_CASES`
//! raises the count for long runs (see BENCHMARKS.md). Every target prints how many inputs it
//! ran and how many the parser accepted and rejected.

mod data_files;
mod feeds;
mod routing;
mod store;

use fenlei_fuzz::{Seed, Target, load_corpus};
use std::path::{Path, PathBuf};

/// The heap of this test binary is capped: an input that makes a parser ask for gigabytes
/// (a length field trusted blindly) aborts the run with "memory allocation of N bytes
/// failed" instead of going unnoticed. The targets themselves need a few megabytes each.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, 2 << 30);

/// The seeds in `corpus/<name>/`.
fn corpus(name: &str) -> Vec<Seed> {
    load_corpus(&corpus_dir(name))
}

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// A target whose failing inputs are saved under the build's scratch folder.
fn target(name: &'static str, seeds: Vec<Seed>, default_cases: u32) -> Target {
    Target::new(name, seeds, default_cases, env!("CARGO_TARGET_TMPDIR"))
}

/// Text as the parsers of `&str` receive it (invalid UTF-8 replaced).
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A scratch folder, in memory where the machine has one (the store fsyncs every append).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("scratch folder")
    } else {
        tempfile::tempdir().expect("scratch folder")
    }
}

/// The simulated city the feed seeds were written for (`fenlei sim --preset tiny`, seed 42).
fn world() -> &'static fenlei_sim::World {
    static WORLD: std::sync::OnceLock<fenlei_sim::World> = std::sync::OnceLock::new();
    WORLD.get_or_init(|| fenlei_sim::World::build(fenlei_sim::Preset::Tiny, 42))
}
