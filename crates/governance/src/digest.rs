//! SHA-256 digests in lower-case hex, fed field by field with unambiguous framing.

use sha2::{Digest, Sha256};

/// An incremental SHA-256 over length-prefixed fields.
#[derive(Default)]
pub struct Sha(Sha256);

impl Sha {
    /// Adds a string field (length-prefixed, so fields never run together).
    pub fn field(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Adds a byte field.
    pub fn bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
    }

    /// Adds a value's JSON form.
    pub fn json(&mut self, v: &impl serde::Serialize) {
        self.bytes(&serde_json::to_vec(v).expect("values serialize"));
    }

    /// The digest, hex.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// SHA-256 of bytes, hex.
pub fn hex_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
