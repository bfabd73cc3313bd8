//! The versioned encoding of every record: one format-version byte
//! followed by JSON, the same in every backend's trees.
//!
//! New fields get `#[serde(default)]`, so a later Écluse reads an older
//! store; a record whose version is newer than this build knows is refused
//! with [`Error::NewerFormat`] rather than misread.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The record format this build writes.
pub(crate) const FORMAT_VERSION: u8 = 1;

/// `value` as a record: [`FORMAT_VERSION`], then its JSON.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT_VERSION];
    serde_json::to_writer(&mut out, value).expect("records always serialise");
    out
}

/// A record of the tree `tree` read back; [`Error::Corrupt`] when it is
/// empty or not the JSON of a `T`, [`Error::NewerFormat`] when a newer
/// Écluse wrote it.
pub(crate) fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err(Error::Corrupt {
            tree,
            reason: "empty record".into(),
        });
    };
    if version > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            tree,
            found: version,
            known: FORMAT_VERSION,
        });
    }
    serde_json::from_slice(body).map_err(|e| Error::Corrupt {
        tree,
        reason: e.to_string(),
    })
}
