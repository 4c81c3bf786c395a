//! Telling a torn write from corruption, when a day file is opened and when it is verified or
//! repaired.
//!
//! Appends are written at the durable length and fsynced in order, and the checkpoint is
//! written only after the blocks it counts are durable. So a crash can leave exactly two kinds
//! of debris: an incomplete last block past the checkpoint, and a new day file whose header is
//! incomplete (or all zeros) and of which the checkpoint holds nothing. Both are cut on open.
//! Everything else is [`Damage`]: a bad block followed by valid ones, a bad block inside the
//! checkpointed bytes, a bad header of a file with data. Damage is reported, never cut.

use super::block::{self, BlockError};
use super::{FILE_HEADER, FILE_MAGIC, LOG_FORMAT_VERSION, LogError, io_err};
use fenlei_domain::Day;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Damaged bytes in a day file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// The day file.
    pub path: PathBuf,
    /// Its day.
    pub day: Day,
    /// Byte offset of the first damaged byte (a block or the header).
    pub offset: u64,
    /// What is wrong there.
    pub what: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "put-in log of {} damaged: {}, byte {}: {}",
            self.day,
            self.path.display(),
            self.offset,
            self.what
        )
    }
}

/// What opening the log found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Torn tails cut off: day and bytes cut.
    pub torn: Vec<(Day, u64)>,
    /// Day files removed because their creation was torn (nothing durable in them).
    pub removed: Vec<Day>,
    /// Damage found (left in place).
    pub damage: Vec<Damage>,
}

impl OpenReport {
    /// Bytes cut off torn tails.
    pub fn torn_bytes(&self) -> u64 {
        self.torn.iter().map(|(_, b)| b).sum()
    }
}

pub(crate) fn damage_at(path: &Path, day: Day, offset: u64, e: BlockError) -> LogError {
    LogError::Damaged(Damage {
        path: path.to_owned(),
        day,
        offset,
        what: e.to_string(),
    })
}

/// Checks a day file's header (the first bytes of `data`).
pub(crate) fn check_header(data: &[u8], path: &Path, day: Day) -> Result<(), LogError> {
    let damaged = |what: String| {
        LogError::Damaged(Damage {
            path: path.to_owned(),
            day,
            offset: 0,
            what,
        })
    };
    if data.len() < FILE_HEADER as usize {
        return Err(damaged(format!(
            "file header incomplete ({} bytes)",
            data.len()
        )));
    }
    if &data[..8] != FILE_MAGIC {
        return Err(damaged("not a fenlei put-in log header".into()));
    }
    let version = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes"));
    if version != LOG_FORMAT_VERSION {
        return Err(LogError::Format {
            path: path.to_owned(),
            message: format!(
                "log format version {version}, this fenlei reads {LOG_FORMAT_VERSION}"
            ),
        });
    }
    let stored_day = i32::from_le_bytes(data[12..16].try_into().expect("4 bytes"));
    if stored_day != day.0 {
        return Err(damaged(format!(
            "header names day {}, the file name {day}",
            Day(stored_day)
        )));
    }
    Ok(())
}

/// One stretch of a day file, as [`walk`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A valid block: offset, length, records.
    Block {
        /// First byte.
        offset: u64,
        /// Bytes.
        len: u64,
        /// Records in it.
        records: u64,
    },
    /// Bytes that are no valid block, up to the next valid block or the end.
    Bad {
        /// First byte.
        offset: u64,
        /// Bytes.
        len: u64,
    },
}

/// Every block of a day file's bytes after the header, checksums verified; after bad bytes,
/// the walk resumes at the next offset where a valid block starts.
pub fn walk(data: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = FILE_HEADER as usize;
    while at < data.len() {
        match block::read_raw(&data[at..]) {
            Ok(raw) => {
                out.push(Segment::Block {
                    offset: at as u64,
                    len: raw.len as u64,
                    records: raw.count as u64,
                });
                at += raw.len;
            }
            Err(_) => {
                let next = next_valid_block(data, at + 1).unwrap_or(data.len());
                out.push(Segment::Bad {
                    offset: at as u64,
                    len: (next - at) as u64,
                });
                at = next;
            }
        }
    }
    out
}

/// The first offset at or after `from` where a block with a valid checksum starts.
fn next_valid_block(data: &[u8], from: usize) -> Option<usize> {
    let magic = block::BLOCK_MAGIC.to_le_bytes();
    let mut at = from;
    while let Some(p) = memchr_magic(&data[at.min(data.len())..], &magic) {
        let cand = at + p;
        if block::read_raw(&data[cand..]).is_ok() {
            return Some(cand);
        }
        at = cand + 1;
    }
    None
}

fn memchr_magic(hay: &[u8], magic: &[u8; 4]) -> Option<usize> {
    hay.windows(4).position(|w| w == magic)
}

/// Checks a day file on open and cuts a torn tail. `checkpointed` is how many of its bytes the
/// rollups hold. With `full`, every block's checksum is verified; otherwise only the blocks
/// past the checkpoint and the last one (the header walk still checks every block's frame).
/// Returns the durable length, or `None` when the file was removed (a torn creation).
pub(crate) fn on_open(
    path: &Path,
    day: Day,
    checkpointed: u64,
    full: bool,
    report: &mut OpenReport,
) -> Result<Option<u64>, LogError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let len = f.metadata().map_err(io_err(path))?.len();
    let nothing_checkpointed = checkpointed <= FILE_HEADER;
    let mut header = vec![0u8; len.min(FILE_HEADER) as usize];
    f.read_exact(&mut header).map_err(io_err(path))?;
    if let Err(e) = check_header(&header, path, day) {
        let torn_creation = nothing_checkpointed
            && (len < FILE_HEADER || header.iter().all(|&b| b == 0))
            && (len <= FILE_HEADER || tail_is_zero(&mut f, len, path)?);
        if torn_creation {
            drop(f);
            std::fs::remove_file(path).map_err(io_err(path))?;
            report.removed.push(day);
            return Ok(None);
        }
        match e {
            LogError::Damaged(d) => {
                report.damage.push(d);
                return Ok(Some(len));
            }
            other => return Err(other),
        }
    }
    let mut at = FILE_HEADER;
    let mut head = [0u8; block::BLOCK_HEADER];
    let mut whole = Vec::new();
    let problem = loop {
        if at >= len {
            break None;
        }
        if len - at < block::BLOCK_HEADER as u64 {
            break Some("incomplete block header");
        }
        f.seek(SeekFrom::Start(at)).map_err(io_err(path))?;
        f.read_exact(&mut head).map_err(io_err(path))?;
        let payload = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes")) as u64;
        let next = at + block::BLOCK_HEADER as u64 + payload;
        if u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) != block::BLOCK_MAGIC {
            break Some("bad block magic");
        }
        if next > len {
            break Some("block runs past the end of the file");
        }
        if full || at >= checkpointed || next == len {
            whole.resize((next - at) as usize, 0);
            f.seek(SeekFrom::Start(at)).map_err(io_err(path))?;
            f.read_exact(&mut whole).map_err(io_err(path))?;
            if block::read_raw(&whole).is_err() {
                break Some("block checksum mismatch");
            }
        }
        at = next;
    };
    let Some(what) = problem else {
        return Ok(Some(len));
    };
    let mut rest = Vec::new();
    f.seek(SeekFrom::Start(at)).map_err(io_err(path))?;
    f.read_to_end(&mut rest).map_err(io_err(path))?;
    let valid_after = next_valid_block(&rest, 1).is_some();
    if at >= checkpointed.max(FILE_HEADER) && !valid_after {
        // A torn last block: never acknowledged, never counted. Cut it.
        drop(f);
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_err(path))?;
        f.set_len(at).map_err(io_err(path))?;
        f.sync_all().map_err(io_err(path))?;
        report.torn.push((day, len - at));
        return Ok(Some(at));
    }
    let why = if at < checkpointed {
        format!("{what}, inside the {checkpointed} bytes the rollups hold")
    } else {
        format!("{what}, with valid blocks after it")
    };
    report.damage.push(Damage {
        path: path.to_owned(),
        day,
        offset: at,
        what: why,
    });
    Ok(Some(len))
}

fn tail_is_zero(f: &mut File, len: u64, path: &Path) -> Result<bool, LogError> {
    let mut rest = Vec::with_capacity(len as usize);
    f.seek(SeekFrom::Start(0)).map_err(io_err(path))?;
    f.read_to_end(&mut rest).map_err(io_err(path))?;
    Ok(rest.iter().all(|&b| b == 0))
}
