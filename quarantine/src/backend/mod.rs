//! Where the store's trees live: sled in the data directory (one node, the
//! default; [`sled`]) or PostgreSQL (several nodes on one database;
//! [`pg`]). Both give the same numbered, ordered key–value trees and
//! transactions over them; everything above ([`Store`](crate::Store), the
//! lifecycle, the audit chains, the sessions) is written once, against
//! [`Db`] and [`TxKv`].
//!
//! This module is the one place that tells the backends apart: each method
//! of [`Db`] and [`TxKv`] forwards to the open one. What differs beyond
//! reads and writes is said in neutral terms ([`Db::shared`],
//! [`Db::clock`], [`Db::size`] …), so the store above asks what a database
//! does, never which one it is. A backend imports only neutral types
//! ([`kv`], [`Error`](crate::error::Error), [`TxError`]), never the store:
//! what it needs of the store, the trees' names, is handed to [`Db::open`].

pub(crate) mod kv;
pub(crate) mod pg;
pub(crate) mod sled;

use self::kv::{Isolation, Pairs, after, prefix_end};
use self::pg::{PgDb, PgOptions, PgTx};
use self::sled::{SledDb, SledTx};
use crate::error::{Result, TxError};
use jiff::Timestamp;
use std::path::Path;
use std::sync::Arc;

/// Which database holds the store (`[store] backend`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// sled in `<data_dir>/db` and the spool in `<data_dir>/spool`: one
    /// Écluse process owns the directory.
    #[default]
    Sled,
    /// PostgreSQL: any number of Écluse nodes share it.
    Postgres(PgOptions),
}

impl Backend {
    /// `"sled"` or `"postgres"`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sled => "sled",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The version of the database schema this build brings the store to
    /// when it opens it: PostgreSQL's numbered migrations. `None` for
    /// sled, which has no schema (the layout of its trees is brought up
    /// to date as it opens).
    pub fn schema_version(&self) -> Option<u32> {
        match self {
            Backend::Sled => None,
            Backend::Postgres(_) => Some(pg::MIGRATIONS.len() as u32),
        }
    }
}

/// The open database.
pub(crate) enum Db {
    Sled(SledDb),
    Pg(PgDb),
}

/// One transaction's view of the trees.
pub(crate) enum TxKv<'a> {
    Sled(SledTx<'a>),
    Pg(&'a PgTx<'a>),
}

impl Db {
    /// Opens the database of `backend` with the trees `trees`, numbered by
    /// their place in the slice: sled in `<dir>/db`, or a pool of
    /// connections to PostgreSQL with its schema brought up to date
    /// ([`Error::Database`](crate::error::Error::Database) when it cannot
    /// be reached).
    pub fn open(backend: &Backend, dir: &Path, trees: &[&str]) -> Result<Db> {
        match backend {
            Backend::Sled => SledDb::open(&dir.join("db"), trees).map(Db::Sled),
            Backend::Postgres(opts) => PgDb::connect(opts).map(Db::Pg),
        }
    }

    /// `"sled"` or `"postgres"`.
    pub fn name(&self) -> &'static str {
        match self {
            Db::Sled(_) => "sled",
            Db::Pg(_) => "postgres",
        }
    }

    /// Whether several nodes share the database (PostgreSQL). A shared
    /// database keeps message bytes itself, in the transaction of the
    /// records that point at them; orders its writers; makes each commit
    /// durable; and may hold other nodes' claims. One that is not (sled)
    /// belongs to this process alone: the bytes go to the spool beside it,
    /// changes are made durable by [`Db::flush`], and whatever it holds at
    /// open (a claim, a layout from before tenants) was left by this
    /// process's past.
    pub fn shared(&self) -> bool {
        matches!(self, Db::Pg(_))
    }

    /// Where the database is, when it is not in the data directory: the
    /// PostgreSQL URL without its password.
    pub fn target(&self) -> Option<&str> {
        match self {
            Db::Sled(_) => None,
            Db::Pg(p) => Some(p.target()),
        }
    }

    /// Whether the database answers and takes writes (always, with sled).
    pub fn ping(&self) -> Result<()> {
        match self {
            Db::Sled(_) => Ok(()),
            Db::Pg(p) => p.ping(),
        }
    }

    /// The database's clock, when several nodes read times from it
    /// (PostgreSQL); `None` with sled.
    pub fn clock(&self) -> Result<Option<Timestamp>> {
        match self {
            Db::Sled(_) => Ok(None),
            Db::Pg(p) => p.now().map(Some),
        }
    }

    /// Bytes the database takes, when it is not in the data directory
    /// (PostgreSQL's table, its indexes and TOAST included); `None` with
    /// sled, whose files are the data directory's.
    pub fn size(&self) -> Result<Option<u64>> {
        match self {
            Db::Sled(_) => Ok(None),
            Db::Pg(p) => p.size().map(Some),
        }
    }

    /// Calls `wake` when any node queues a delivery due now (PostgreSQL
    /// `LISTEN`/`NOTIFY`); nothing with sled, whose one process queues its
    /// own.
    pub fn listen_queue(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Db::Pg(p) = self {
            p.listen_queue(wake);
        }
    }

    /// Runs `f` unless another node runs a job under `key` (PostgreSQL: an
    /// advisory lock; `None` when another node holds it); always with sled.
    pub fn exclusive<R>(&self, key: i64, f: impl FnOnce() -> R) -> Result<Option<R>> {
        match self {
            Db::Sled(_) => Ok(Some(f())),
            Db::Pg(p) => p.exclusive(key, f),
        }
    }

    /// Makes every change so far durable (sled; PostgreSQL's commits
    /// are). The error as text, for the group-commit round.
    pub fn flush(&self) -> std::result::Result<(), String> {
        match self {
            Db::Sled(s) => s.flush(),
            Db::Pg(_) => Ok(()),
        }
    }

    pub fn get(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self {
            Db::Sled(s) => s.get(t, key),
            Db::Pg(p) => p.get(t, key),
        }
    }

    pub fn insert(&self, t: usize, key: &[u8], value: &[u8]) -> Result<()> {
        match self {
            Db::Sled(s) => s.insert(t, key, value),
            Db::Pg(p) => p.insert(t, key, value),
        }
    }

    /// Inserts unless the key is there; true when inserted.
    pub fn insert_new(&self, t: usize, key: &[u8], value: &[u8]) -> Result<bool> {
        match self {
            Db::Sled(s) => s.insert_new(t, key, value),
            Db::Pg(p) => p.insert_new(t, key, value),
        }
    }

    pub fn remove(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self {
            Db::Sled(s) => s.remove(t, key),
            Db::Pg(p) => p.remove(t, key),
        }
    }

    pub fn clear(&self, t: usize) -> Result<()> {
        match self {
            Db::Sled(s) => s.clear(t),
            Db::Pg(p) => p.clear(t),
        }
    }

    pub fn len(&self, t: usize) -> Result<usize> {
        match self {
            Db::Sled(s) => Ok(s.len(t)),
            Db::Pg(p) => p.len(t),
        }
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
        match self {
            Db::Sled(s) => s.scan(t, start, end, rev, limit),
            Db::Pg(p) => p.scan(t, start, end, rev, limit),
        }
    }

    /// Every pair whose key starts with `prefix`, in key order.
    pub fn prefix(&self, t: usize, prefix: &[u8]) -> Result<Pairs> {
        self.scan(t, prefix, prefix_end(prefix).as_deref(), false, usize::MAX)
    }

    /// Every pair of the tree, in key order (reversed when `rev`).
    pub fn all(&self, t: usize, rev: bool) -> Result<Pairs> {
        self.scan(t, &[], None, rev, usize::MAX)
    }

    /// Calls `f` on every pair of the tree in key order, reading it in
    /// pages of `page` pairs (a long audit log is never all in memory).
    pub fn for_each_paged(
        &self,
        t: usize,
        prefix: &[u8],
        page: usize,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<bool>,
    ) -> Result<()> {
        let end = prefix_end(prefix);
        let mut start = prefix.to_vec();
        loop {
            let batch = self.scan(t, &start, end.as_deref(), false, page)?;
            let full = batch.len() == page;
            for (k, v) in &batch {
                if !f(k, v)? {
                    return Ok(());
                }
            }
            match batch.last() {
                Some((k, _)) if full => start = after(k),
                _ => return Ok(()),
            }
        }
    }

    /// The keys a transaction about to claim keys of tree `t` up to `end`
    /// (inclusive) hands to [`TxKv::lock_up_to`], read before it: with
    /// sled, which cannot scan a tree inside a transaction on it, the
    /// first `limit`; none with PostgreSQL, which finds and locks them
    /// inside the transaction.
    pub fn keys_before_claim(&self, t: usize, end: &[u8], limit: usize) -> Result<Vec<Vec<u8>>> {
        match self {
            Db::Sled(s) => s.keys_up_to(t, end, limit),
            Db::Pg(_) => Ok(Vec::new()),
        }
    }

    /// Runs `f` as one atomic transaction over every tree, run again on a
    /// conflict: with sled under the writer lock, with PostgreSQL at
    /// `isolation`. An abort's error is the result.
    pub fn transaction<R>(
        &self,
        isolation: Isolation,
        f: impl Fn(&TxKv<'_>) -> Result<R, TxError>,
    ) -> Result<R> {
        match self {
            Db::Sled(s) => s.transaction(|tx| f(&TxKv::Sled(tx))),
            Db::Pg(p) => p.transaction(isolation, |tx| f(&TxKv::Pg(tx))),
        }
    }
}

impl TxKv<'_> {
    pub fn get(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        match self {
            TxKv::Sled(s) => s.get(t, key),
            TxKv::Pg(p) => p.get(t, key),
        }
    }

    pub fn insert(&self, t: usize, key: &[u8], value: &[u8]) -> Result<(), TxError> {
        match self {
            TxKv::Sled(s) => s.insert(t, key, value),
            TxKv::Pg(p) => p.insert(t, key, value),
        }
    }

    pub fn remove(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        match self {
            TxKv::Sled(s) => s.remove(t, key),
            TxKv::Pg(p) => p.remove(t, key),
        }
    }

    /// Keys of tree `t` up to `end` (inclusive), oldest first, at most
    /// `limit`, for this transaction to claim: with PostgreSQL locked for
    /// it, skipping those another node holds; with sled `before`, read by
    /// [`Db::keys_before_claim`] (each to be checked again inside the
    /// transaction by the caller).
    pub fn lock_up_to(
        &self,
        t: usize,
        end: &[u8],
        limit: usize,
        before: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, TxError> {
        match self {
            TxKv::Sled(_) => Ok(before.to_vec()),
            TxKv::Pg(p) => p.lock_up_to(t, end, limit),
        }
    }

    /// Wakes every node's relay when this transaction commits
    /// (PostgreSQL `NOTIFY`); nothing with sled.
    pub fn notify_queue(&self) -> Result<(), TxError> {
        match self {
            TxKv::Sled(_) => Ok(()),
            TxKv::Pg(p) => p.notify_queue(),
        }
    }
}
