//! Evidence files, content-addressed: a file is stored once under the SHA-256 of its bytes
//! (`<store>/evidence/ab/abcdef…`) and never overwritten; a case refers to it by digest.

use crate::db::DbError;
use crate::digest::hex_digest;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a digest's file lives under `dir`.
pub fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join("evidence").join(&sha256[..2]).join(sha256)
}

/// Stores `bytes` (once) and returns their SHA-256. An existing file with that address is
/// checked, never replaced.
pub fn put(dir: &Path, bytes: &[u8]) -> Result<String, DbError> {
    let sha = hex_digest(bytes);
    let path = path_of(dir, &sha);
    let err = |p: &Path, e: std::io::Error| DbError::Path {
        path: p.to_owned(),
        message: e.to_string(),
    };
    if path.exists() {
        let on_disk = std::fs::read(&path).map_err(|e| err(&path, e))?;
        if hex_digest(&on_disk) != sha {
            return Err(DbError::Corrupt(format!(
                "evidence file {} does not match its address",
                path.display()
            )));
        }
        return Ok(sha);
    }
    let parent = path.parent().expect("evidence paths have a parent");
    std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
    let tmp = parent.join(format!(".{sha}.tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(|e| err(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| err(&tmp, e))?;
    // A hard link fails if the address exists: a concurrent writer's file is never replaced.
    match std::fs::hard_link(&tmp, &path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(&path, e)),
    }
    std::fs::remove_file(&tmp).map_err(|e| err(&tmp, e))?;
    Ok(sha)
}

/// Reads a stored file back, checking it against its address.
pub fn get(dir: &Path, sha256: &str) -> Result<Vec<u8>, DbError> {
    let path = path_of(dir, sha256);
    let bytes = std::fs::read(&path).map_err(|e| DbError::Path {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if hex_digest(&bytes) != sha256 {
        return Err(DbError::Corrupt(format!(
            "evidence file {} was altered",
            path.display()
        )));
    }
    Ok(bytes)
}
