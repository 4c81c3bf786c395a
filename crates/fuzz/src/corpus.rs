//! Seed inputs: the files of a target's corpus folder, in name order.

use std::path::{Path, PathBuf};

/// One seed input and where it came from.
#[derive(Clone, Debug)]
pub struct Seed {
    /// The file name (targets read the kind of input from it, e.g. `put_in.csv`).
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Seed {
    /// A seed made in memory (for example a store file written by the current code).
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Seed {
        Seed {
            name: name.into(),
            bytes: bytes.into(),
        }
    }
}

/// The files directly inside `dir`, sorted by name. Panics when the folder is missing or
/// empty: a target without seeds would test nothing.
pub fn load_corpus(dir: &Path) -> Vec<Seed> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "corpus {} holds no seed", dir.display());
    paths
        .into_iter()
        .map(|p| Seed {
            name: p
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned(),
            bytes: std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        })
        .collect()
}
