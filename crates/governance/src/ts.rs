//! Reading timestamps back from stored JSON (the domain's `Timestamp` serializes as RFC 3339).

use fenlei_domain::Timestamp;
use serde::{Deserialize, Deserializer};

/// Deserializes an RFC 3339 timestamp.
pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(d)?;
    Timestamp::parse(&s).map_err(serde::de::Error::custom)
}

/// Deserializes an optional RFC 3339 timestamp.
pub fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| Timestamp::parse(&s).map_err(serde::de::Error::custom))
        .transpose()
}
