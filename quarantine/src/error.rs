//! The store's one error type, and how a transaction gives up
//! ([`TxError`], inside the crate only).

use crate::model::{ItemId, Status};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file of the store failed (disk full, permissions …).
    #[error("quarantine store {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The system error.
        source: std::io::Error,
    },
    /// The database failed or did not answer, whichever the
    /// [`Backend`](crate::Backend): the operation was not done, and may be
    /// tried again once the database is back. The text says what failed
    /// (with sled, whether another Écluse process may hold the data
    /// directory; with PostgreSQL, which server did not answer).
    #[error("quarantine database: {0}")]
    Database(String),
    /// A record could not be decoded.
    #[error("damaged record in tree `{tree}`: {reason}")]
    Corrupt {
        /// The tree the record is in.
        tree: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The store was written by a newer Écluse whose format this one cannot read.
    #[error(
        "record format version {found} in tree `{tree}` is newer than this Écluse understands ({known}); upgrade Écluse"
    )]
    NewerFormat {
        /// The tree the record is in.
        tree: &'static str,
        /// The version found.
        found: u8,
        /// The newest version this build reads.
        known: u8,
    },
    /// The operation was refused before it changed anything; the text says
    /// why and what to do ([`Store::copy_to`](crate::Store::copy_to) into a
    /// store that is not empty).
    #[error("{0}")]
    Refused(String),
    /// A sender exception or block entry is not well formed.
    #[error("invalid sender rule: {0}")]
    Invalid(String),
    /// No held item has this id.
    #[error("no held item {0}")]
    NoSuchItem(String),
    /// No message has this queue id.
    #[error("no message {0}")]
    NoSuchMessage(String),
    /// The requested change is not allowed from the item's current state.
    #[error("item {item} is {status}: cannot {action} ({reason})")]
    IllegalTransition {
        /// The item.
        item: ItemId,
        /// Its current state.
        status: Status,
        /// What was asked.
        action: &'static str,
        /// Why it is refused, in words for the person who asked.
        reason: String,
    },
    /// The person asking may not act on this item.
    #[error("{who} may not {action} item {item}: {reason}")]
    Forbidden {
        /// The item.
        item: ItemId,
        /// Who asked.
        who: String,
        /// What was asked.
        action: &'static str,
        /// Why not.
        reason: String,
    },
    /// The message bytes were purged (expired) or never kept.
    #[error("the message bytes of {0} are no longer kept (purged after the retention period)")]
    Purged(String),
    /// The bytes read back from the spool do not match their checksum.
    #[error("spool segment {segment} at offset {offset}: checksum mismatch, the file is damaged")]
    Checksum {
        /// Segment number.
        segment: u64,
        /// Offset in the segment.
        offset: u64,
    },
}

impl Error {
    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a transaction stopped before its commit; nothing was written
/// either way. The backend runs it again after a [`TxError::Conflict`]
/// and hands the [`Error`] of an abort to the caller of
/// [`Store::write`](crate::store::Store::write). Each backend converts its
/// own failures into these (`backend/sled.rs`, `backend/pg.rs`).
#[derive(Debug)]
pub(crate) enum TxError {
    /// Another writer changed what this transaction read: run it again.
    Conflict,
    /// The transaction gave up with this error (a refusal of ours, or the
    /// database's own failure as [`Error::Database`]).
    Abort(Error),
}

/// Aborts a transaction with `e`.
pub(crate) fn abort(e: Error) -> TxError {
    TxError::Abort(e)
}
