//! The store's trees in sled 0.34.7, in `<data_dir>/db`: one Écluse
//! process owns them. Writers are ordered by a lock of ours (two admins
//! deciding the same item are simply ordered), and a change is made
//! durable by [`SledDb::flush`]: sled `flush`, then an `fsync` of its log
//! file, because sled 0.34 only calls `sync_file_range` (the store runs
//! it in a group-commit round, after the spool's own `fdatasync`).
//!
//! sled's errors become the neutral [`Error::Database`] and [`TxError`]
//! here, so that no type of sled shows above the backend.

use super::kv::{Pairs, after};
use crate::error::{Error, Result, TxError};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree,
    UnabortableTransactionError,
};
use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

/// The open sled database and its trees, by number.
pub(crate) struct SledDb {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    /// sled's log file, fsynced after each flush.
    log: File,
    /// The writer lock: one transaction at a time.
    writer: Mutex<()>,
}

/// One transaction's view of the trees.
#[derive(Clone, Copy)]
pub(crate) struct SledTx<'a>(&'a [TransactionalTree]);

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Error {
        let hint = match &e {
            // Files left by a command run as another user (root) while the
            // server was stopped: the lock hint would point the wrong way.
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                "some files of the data_dir are not this user's: give them back to the service's user (chown -R ecluse:ecluse /var/lib/ecluse, or the data_dir's owner)"
            }
            _ => "is another Écluse process using this data_dir?",
        };
        Error::Database(format!("{e} ({hint})"))
    }
}

impl From<TransactionError<Error>> for Error {
    fn from(e: TransactionError<Error>) -> Error {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        }
    }
}

impl From<UnabortableTransactionError> for TxError {
    fn from(e: UnabortableTransactionError) -> TxError {
        match e {
            UnabortableTransactionError::Conflict => TxError::Conflict,
            UnabortableTransactionError::Storage(e) => TxError::Abort(e.into()),
        }
    }
}

impl From<TxError> for ConflictableTransactionError<Error> {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Conflict => ConflictableTransactionError::Conflict,
            TxError::Abort(e) => ConflictableTransactionError::Abort(e),
        }
    }
}

impl SledDb {
    /// Opens (or creates) the database in `dir` with the trees `trees`,
    /// numbered by their place in the slice.
    pub fn open(dir: &Path, trees: &[&str]) -> Result<SledDb> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(64 << 20)
            .flush_every_ms(Some(500))
            .open()?;
        let trees = trees
            .iter()
            .map(|n| db.open_tree(n))
            .collect::<Result<Vec<_>, _>>()?;
        let log_path = dir.join("db");
        let log = File::open(&log_path).map_err(|e| Error::io(&log_path, e))?;
        Ok(SledDb {
            db,
            trees,
            log,
            writer: Mutex::new(()),
        })
    }

    /// Makes every change so far durable: sled's flush, then an `fsync` of
    /// its log. The error as text, for the group-commit round.
    pub fn flush(&self) -> std::result::Result<(), String> {
        self.db.flush().map_err(|e| e.to_string())?;
        self.log
            .sync_all()
            .map_err(|e| format!("fsync sled log: {e}"))
    }

    pub fn get(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.trees[t].get(key)?.map(|v| v.to_vec()))
    }

    pub fn insert(&self, t: usize, key: &[u8], value: &[u8]) -> Result<()> {
        self.trees[t].insert(key, value)?;
        Ok(())
    }

    /// Inserts unless the key is there; true when inserted.
    pub fn insert_new(&self, t: usize, key: &[u8], value: &[u8]) -> Result<bool> {
        Ok(self.trees[t]
            .compare_and_swap(key, None as Option<&[u8]>, Some(value))?
            .is_ok())
    }

    pub fn remove(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.trees[t].remove(key)?.map(|v| v.to_vec()))
    }

    pub fn clear(&self, t: usize) -> Result<()> {
        Ok(self.trees[t].clear()?)
    }

    pub fn len(&self, t: usize) -> usize {
        self.trees[t].len()
    }

    /// Pairs in `[start, end)`, in key order or reversed, at most `limit`.
    pub fn scan(
        &self,
        t: usize,
        start: &[u8],
        end: Option<&[u8]>,
        rev: bool,
        limit: usize,
    ) -> Result<Pairs> {
        let tree = &self.trees[t];
        let range = match end {
            Some(end) => tree.range(start.to_vec()..end.to_vec()),
            None => tree.range(start.to_vec()..),
        };
        let mut out = Vec::new();
        let mut push = |kv: sled::Result<(sled::IVec, sled::IVec)>| -> Result<bool> {
            let (k, v) = kv?;
            out.push((k.to_vec(), v.to_vec()));
            Ok(out.len() < limit)
        };
        if rev {
            for kv in range.rev() {
                if !push(kv)? {
                    break;
                }
            }
        } else {
            for kv in range {
                if !push(kv)? {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Keys of tree `t` up to `end` (inclusive), oldest first, at most
    /// `limit`: read before the transaction that claims them, because sled
    /// cannot scan a tree inside a transaction on it.
    pub fn keys_up_to(&self, t: usize, end: &[u8], limit: usize) -> Result<Vec<Vec<u8>>> {
        Ok(self
            .scan(t, &[], Some(&after(end)), false, limit)?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    /// Runs `f` as one transaction over every tree, under the writer lock;
    /// sled runs it again on a conflict.
    pub fn transaction<R>(&self, f: impl Fn(SledTx<'_>) -> Result<R, TxError>) -> Result<R> {
        let _writer = self.writer.lock().expect("store writer lock");
        Ok(self.trees.as_slice().transaction(|trees| {
            f(SledTx(trees)).map_err(ConflictableTransactionError::from)
        })?)
    }
}

impl SledTx<'_> {
    pub fn get(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        Ok(self.0[t].get(key)?.map(|v| v.to_vec()))
    }

    pub fn insert(&self, t: usize, key: &[u8], value: &[u8]) -> Result<(), TxError> {
        self.0[t].insert(key, value)?;
        Ok(())
    }

    pub fn remove(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        Ok(self.0[t].remove(key)?.map(|v| v.to_vec()))
    }
}
