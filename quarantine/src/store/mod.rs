//! The store: ordered key–value trees for records and indexes (sled in the
//! data directory, or PostgreSQL for several nodes: [`Backend`]), and the
//! message bytes (sled: our spool of segment files; PostgreSQL: the tree
//! `blobs`, in the same transaction as the records).
//!
//! Every change goes through [`Store::write`]: one transaction over all the
//! trees it touches, with the audit entries it makes chained in the same
//! transaction. With sled, a writer lock orders writers (two admins deciding
//! the same item are simply ordered) and [`Store::sync`] makes the change
//! durable: `fdatasync` of the spool's current segment, sled `flush`, and an
//! `fsync` of sled's log file — as one group-commit round shared by every
//! writer waiting. With PostgreSQL, the transaction is `SERIALIZABLE` and
//! retried on conflicts, and is durable when its commit returns.

use crate::audit::{Actor, AuditAction, AuditCheck, AuditEntry, AuditHead, ChainCheck};
pub use crate::backend::Backend;
use crate::backend::{Db, SledDb};
use crate::error::{Error, Result};
use crate::model::{
    Delivery, DeliveryId, HeldItem, Incoming, ItemId, MessageRecord, Payload, QueueId, Status,
    decode, encode,
};
use crate::pg::{Isolation, PgDb, PgTx};
use crate::spool::{Spool, SpoolRef};
use crate::sync::GroupSync;
use ecluse_scanner::Report;
use jiff::{SignedDuration, Timestamp};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) const MESSAGES: usize = 0;
pub(crate) const ITEMS: usize = 1;
pub(crate) const BY_RCPT: usize = 2;
pub(crate) const DELIVERIES: usize = 3;
pub(crate) const DUE: usize = 4;
pub(crate) const SEGMENTS: usize = 5;
pub(crate) const AUDIT: usize = 6;
pub(crate) const META: usize = 7;
pub(crate) const SESSIONS: usize = 8;
pub(crate) const RECIPIENTS: usize = 9;
pub(crate) const SENDER_RULES: usize = 10;
pub(crate) const BLOBS: usize = 11;
/// The trees, by number. The number is the `tree` column in PostgreSQL:
/// never reorder, only append.
pub(crate) const TREE_NAMES: [&str; 12] = [
    "messages",
    "items",
    "items_by_recipient",
    "deliveries",
    "deliveries_due",
    "segments",
    "audit",
    "meta",
    "sessions",
    "recipients",
    "sender_rules",
    "blobs",
];
/// Before tenants: the end of the one audit chain.
const OLD_AUDIT_HEAD: &[u8] = b"audit_head";
/// `audit_head\0<chain>`: the end of each chain.
const AUDIT_HEAD_PREFIX: &[u8] = b"audit_head\0";
/// The layout of the trees: absent before tenants (audit keys were bare
/// sequence numbers), 2 since (keys `<chain>\0<seq>`).
const LAYOUT: &[u8] = b"layout";
const LAYOUT_VERSION: u8 = 2;
/// The spool segment number that means "in the tree `blobs`" (the spool's
/// own segments start at 1); the offset is then the blob's key.
pub(crate) const DB_SEGMENT: u64 = 0;
/// The advisory lock of the periodic jobs (purges) across nodes.
const JOBS_LOCK: i64 = 0x6563_6c75_7365_0002;

fn head_key(chain: &str) -> Vec<u8> {
    let mut k = AUDIT_HEAD_PREFIX.to_vec();
    k.extend_from_slice(chain.as_bytes());
    k
}

fn audit_prefix(chain: &str) -> Vec<u8> {
    let mut k = chain.as_bytes().to_vec();
    k.push(0);
    k
}

fn audit_key(chain: &str, seq: u64) -> Vec<u8> {
    let mut k = audit_prefix(chain);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// A transaction failure: a conflict (the transaction is run again), our
/// abort, or the database's own error.
#[derive(Debug)]
pub enum TxError {
    /// Another writer changed what this transaction read: run it again.
    Conflict,
    /// The transaction gave up with this error; nothing was written.
    Abort(Error),
    /// sled failed.
    Sled(sled::Error),
}

impl From<sled::transaction::UnabortableTransactionError> for TxError {
    fn from(e: sled::transaction::UnabortableTransactionError) -> TxError {
        match e {
            sled::transaction::UnabortableTransactionError::Conflict => TxError::Conflict,
            sled::transaction::UnabortableTransactionError::Storage(e) => TxError::Sled(e),
        }
    }
}

impl From<TxError> for ConflictableTransactionError<Error> {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Conflict => ConflictableTransactionError::Conflict,
            TxError::Abort(e) => ConflictableTransactionError::Abort(e),
            TxError::Sled(e) => ConflictableTransactionError::Storage(e),
        }
    }
}

/// Aborts a transaction with `e`.
pub fn abort(e: Error) -> TxError {
    TxError::Abort(e)
}

/// A source of the current time; tests pass their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The open quarantine store of one data directory, or of one PostgreSQL
/// database shared by several nodes.
pub struct Store {
    dir: PathBuf,
    db: Db,
    /// The spool of message bytes (sled only).
    spool: Option<Spool>,
    group: GroupSync,
    /// The writer lock (sled only: PostgreSQL orders transactions itself).
    writer: Mutex<()>,
    clock: Clock,
    /// The database's clock minus ours, in microseconds (PostgreSQL: times
    /// that more than one node reads come from the database's clock).
    clock_offset: AtomicI64,
    pub(crate) notifications: Mutex<crate::lifecycle::Notifications>,
    /// The chain of entries about no item whose actor has no tenant.
    service_chain: std::sync::RwLock<String>,
}

enum TxKv<'a> {
    Sled { trees: &'a [TransactionalTree] },
    Pg(&'a PgTx<'a>),
}

/// One transaction's view of the trees, and the audit entries it adds.
pub struct Tx<'a> {
    kv: TxKv<'a>,
    service_chain: &'a str,
    /// The chains this transaction extended, with their new ends.
    moved: HashMap<String, AuditHead>,
    now: Timestamp,
    /// Segments whose live count fell to zero.
    freed: Vec<u64>,
}

impl Tx<'_> {
    /// The time of this change.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub(crate) fn get_raw(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        match &self.kv {
            TxKv::Sled { trees, .. } => Ok(trees[t].get(key)?.map(|v| v.to_vec())),
            TxKv::Pg(p) => p.get(t, key),
        }
    }

    pub(crate) fn insert_raw(&self, t: usize, key: &[u8], value: &[u8]) -> Result<(), TxError> {
        match &self.kv {
            TxKv::Sled { trees, .. } => {
                trees[t].insert(key, value)?;
                Ok(())
            }
            TxKv::Pg(p) => p.insert(t, key, value),
        }
    }

    pub(crate) fn remove_raw(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        match &self.kv {
            TxKv::Sled { trees, .. } => Ok(trees[t].remove(key)?.map(|v| v.to_vec())),
            TxKv::Pg(p) => p.remove(t, key),
        }
    }

    pub(crate) fn get<T: serde::de::DeserializeOwned>(
        &self,
        t: usize,
        key: &[u8],
    ) -> Result<Option<T>, TxError> {
        match self.get_raw(t, key)? {
            Some(v) => decode(TREE_NAMES[t], &v).map(Some).map_err(abort),
            None => Ok(None),
        }
    }

    pub(crate) fn put<T: serde::Serialize>(
        &self,
        t: usize,
        key: &[u8],
        value: &T,
    ) -> Result<(), TxError> {
        self.insert_raw(t, key, &encode(value))
    }

    /// Due keys up to `end`, oldest first, at most `limit`: with
    /// PostgreSQL locked for this transaction, skipping those another
    /// node holds; with sled those read just before the transaction
    /// (`scanned`: sled cannot scan a tree inside a transaction on it), each
    /// checked again inside it by the caller.
    fn due_keys(
        &self,
        end: &[u8],
        limit: usize,
        scanned: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, TxError> {
        match &self.kv {
            TxKv::Sled { .. } => Ok(scanned.to_vec()),
            TxKv::Pg(p) => p.lock_up_to(DUE, end, limit),
        }
    }

    fn head(&self, chain: &str) -> Result<AuditHead, TxError> {
        if let Some(h) = self.moved.get(chain) {
            return Ok(h.clone());
        }
        Ok(self
            .get::<AuditHead>(META, &head_key(chain))?
            .unwrap_or_default())
    }

    /// Adds an audit entry, chained to the previous one of its chain: the
    /// item's tenant when it is about an item, else the actor's tenant,
    /// else the service's chain.
    pub fn audit(
        &mut self,
        actor: &Actor,
        action: AuditAction,
        item: Option<ItemId>,
        queue_id: Option<QueueId>,
        detail: impl Into<String>,
    ) -> Result<(), TxError> {
        let item_tenant = match item {
            Some(id) => self.get::<HeldItem>(ITEMS, &id.key())?.map(|i| i.tenant),
            None => None,
        };
        let chain = item_tenant
            .or_else(|| actor.tenant.clone())
            .unwrap_or_else(|| self.service_chain.to_string());
        self.audit_in(&chain, actor, action, item, queue_id, detail)
    }

    /// Adds an audit entry to the chain `chain` (a tenant id or
    /// [`SERVICE_CHAIN`](crate::model::SERVICE_CHAIN)).
    pub fn audit_in(
        &mut self,
        chain: &str,
        actor: &Actor,
        action: AuditAction,
        item: Option<ItemId>,
        queue_id: Option<QueueId>,
        detail: impl Into<String>,
    ) -> Result<(), TxError> {
        let head = self.head(chain)?;
        let mut entry = AuditEntry {
            seq: head.seq + 1,
            at: self.now,
            actor: actor.who.clone(),
            origin: actor.origin.clone(),
            action,
            item,
            queue_id,
            detail: detail.into(),
            prev: head.hash.clone(),
            hash: String::new(),
            tenant: Some(chain.to_string()),
        };
        entry.hash = entry.compute_hash();
        self.insert_raw(AUDIT, &audit_key(chain, entry.seq), &encode(&entry))?;
        let head = AuditHead {
            seq: entry.seq,
            hash: entry.hash,
        };
        self.put(META, &head_key(chain), &head)?;
        self.moved.insert(chain.to_string(), head);
        Ok(())
    }

    /// Queues a delivery (with PostgreSQL, waking every node's relay
    /// when the transaction commits, if it is due now).
    pub fn enqueue(&self, d: &Delivery) -> Result<(), TxError> {
        self.put(DELIVERIES, &d.id.key(), d)?;
        self.insert_raw(DUE, &due_key(d.next_attempt, d.id), &[])?;
        if let TxKv::Pg(p) = &self.kv
            && d.lease.is_none()
            && d.next_attempt <= self.now
        {
            p.notify_queue()?;
        }
        Ok(())
    }

    /// One user of a message's bytes is done; frees them when none is left.
    /// Returns whether this call freed them.
    pub fn release_message_ref(&mut self, id: QueueId) -> Result<bool, TxError> {
        let Some(mut msg) = self.get::<MessageRecord>(MESSAGES, &id.key())? else {
            return Ok(false);
        };
        msg.refs = msg.refs.saturating_sub(1);
        let freed = msg.refs == 0 && msg.bytes.is_some();
        if msg.refs == 0 {
            self.free_bytes(&mut msg)?;
        }
        self.put(MESSAGES, &id.key(), &msg)?;
        Ok(freed)
    }

    /// Drops the stored bytes of a message (the record stays as a tombstone).
    pub fn free_bytes(&mut self, msg: &mut MessageRecord) -> Result<(), TxError> {
        for r in [msg.bytes.take(), msg.report.take()].into_iter().flatten() {
            if r.segment == DB_SEGMENT {
                self.remove_raw(BLOBS, &r.offset.to_be_bytes())?;
                continue;
            }
            let key = r.segment.to_be_bytes();
            let live = self
                .get_raw(SEGMENTS, &key)?
                .map(|v| u64::from_be_bytes(v.as_slice().try_into().unwrap_or_default()))
                .unwrap_or(0)
                .saturating_sub(1);
            if live == 0 {
                self.remove_raw(SEGMENTS, &key)?;
                self.freed.push(r.segment);
            } else {
                self.insert_raw(SEGMENTS, &key, &live.to_be_bytes())?;
            }
        }
        Ok(())
    }

    fn count_segment_ref(&self, r: &SpoolRef) -> Result<(), TxError> {
        if r.segment == DB_SEGMENT {
            return Ok(());
        }
        let key = r.segment.to_be_bytes();
        let live = self
            .get_raw(SEGMENTS, &key)?
            .map(|v| u64::from_be_bytes(v.as_slice().try_into().unwrap_or_default()))
            .unwrap_or(0);
        self.insert_raw(SEGMENTS, &key, &(live + 1).to_be_bytes())?;
        Ok(())
    }

    /// Stores `bytes` in the tree `blobs` (PostgreSQL), under a fresh key.
    fn put_blob(&self, bytes: &[u8]) -> Result<SpoolRef, TxError> {
        let id = ulid::Ulid::new().0 as u64;
        self.insert_raw(BLOBS, &id.to_be_bytes(), bytes)?;
        Ok(SpoolRef {
            segment: DB_SEGMENT,
            offset: id,
            len: bytes.len() as u64,
            crc: crc32fast::hash(bytes),
        })
    }
}

fn due_key(at: Timestamp, id: DeliveryId) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&(at.as_millisecond().max(0) as u64).to_be_bytes());
    key[8..].copy_from_slice(&id.key());
    key
}

/// How a delivery attempt ended, as the relay reports it.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    /// Recipients to try again, with the time and the reason.
    pub retry: Option<(Vec<String>, Timestamp, String)>,
    /// Deliveries that follow from this one (delivery status notifications).
    pub follow_ups: Vec<Delivery>,
}

/// A filter for [`Store::items`].
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Only these states.
    pub status: Option<Status>,
    /// Only items held for this address (case-insensitive).
    pub recipient: Option<String>,
    /// Only items of these tenants; `None` for every tenant.
    pub tenants: Option<Vec<String>>,
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with_clock(dir, Arc::new(Timestamp::now))
    }

    /// Opens the sled store with a clock of the caller's.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<Store> {
        Store::open_backend(dir, &Backend::Sled, clock)
    }

    /// Opens the store on `backend`. `dir` is the data directory: sled's
    /// trees and the spool with sled; with PostgreSQL only local files (the
    /// control socket). For PostgreSQL this connects and applies the
    /// schema's migrations; it fails with [`Error::Database`] when the
    /// database cannot be reached.
    pub fn open_backend(dir: &Path, backend: &Backend, clock: Clock) -> Result<Store> {
        crate::spool::private_dir(dir)?;
        let (db, spool) = match backend {
            Backend::Sled => {
                let db_dir = dir.join("db");
                let db = sled::Config::new()
                    .path(&db_dir)
                    .cache_capacity(64 << 20)
                    .flush_every_ms(Some(500))
                    .open()?;
                let trees = TREE_NAMES
                    .iter()
                    .map(|n| db.open_tree(n))
                    .collect::<Result<Vec<_>, _>>()?;
                let log_path = db_dir.join("db");
                let log = File::open(&log_path).map_err(|e| Error::io(&log_path, e))?;
                migrate(&db, &trees)?;
                let spool = Spool::open(&dir.join("spool"))?;
                (
                    Db::Sled(SledDb {
                        db,
                        trees,
                        log,
                        dir: db_dir,
                    }),
                    Some(spool),
                )
            }
            Backend::Postgres(opts) => (Db::Pg(PgDb::connect(opts)?), None),
        };
        let store = Store {
            dir: dir.to_path_buf(),
            db,
            spool,
            group: GroupSync::default(),
            writer: Mutex::new(()),
            clock,
            clock_offset: AtomicI64::new(0),
            notifications: Mutex::default(),
            service_chain: std::sync::RwLock::new(crate::model::DEFAULT_TENANT.to_string()),
        };
        store.collect_segments()?;
        store.sample_db_clock()?;
        store.drop_stale_claims()?;
        Ok(store)
    }

    /// With sled, one process owns the store: claims left by a process
    /// that died are its own, and its deliveries are due again now instead
    /// of when their lease would run out. With PostgreSQL other nodes may
    /// hold live claims: they run out by themselves.
    fn drop_stale_claims(&self) -> Result<()> {
        if !matches!(self.db, Db::Sled(_)) {
            return Ok(());
        }
        let stale: Vec<Delivery> = self
            .deliveries()?
            .into_iter()
            .filter(|d| d.lease.is_some())
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let now = tx.now();
            for d in &stale {
                let mut d = d.clone();
                tx.remove_raw(DUE, &due_key(d.next_attempt, d.id))?;
                d.lease = None;
                d.next_attempt = now;
                tx.enqueue(&d)?;
            }
            Ok(())
        })?;
        tracing::info!(
            deliveries = stale.len(),
            "deliveries in flight when Écluse stopped are due again"
        );
        Ok(())
    }

    /// Calls `wake` when any node queues a delivery due now (PostgreSQL
    /// `LISTEN`/`NOTIFY`); with sled the process queues its own, and
    /// nothing is done.
    pub fn listen_queue(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Db::Pg(p) = &self.db {
            p.listen_queue(wake);
        }
    }

    /// Runs a periodic job (a purge) on one node at a time: with
    /// PostgreSQL under an advisory lock, `None` when another node is
    /// running it; with sled always.
    pub fn exclusive_job<R>(&self, f: impl FnOnce() -> R) -> Result<Option<R>> {
        match &self.db {
            Db::Sled(_) => Ok(Some(f())),
            Db::Pg(p) => p.exclusive(JOBS_LOCK, f),
        }
    }

    /// Which backend this store is on: `"sled"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match &self.db {
            Db::Sled(_) => "sled",
            Db::Pg(_) => "postgres",
        }
    }

    /// Where the store is, for logs and `check-config`: the data directory
    /// (sled) or the database URL without its password (PostgreSQL).
    pub fn location(&self) -> String {
        match &self.db {
            Db::Sled(_) => self.dir.display().to_string(),
            Db::Pg(p) => p.target().to_string(),
        }
    }

    /// Whether the database answers (PostgreSQL; always with sled), for
    /// `/healthz`. The error says what failed.
    pub fn ping(&self) -> Result<()> {
        match &self.db {
            Db::Sled(_) => Ok(()),
            Db::Pg(p) => p.ping(),
        }
    }

    /// With PostgreSQL, reads the database's clock and keeps its offset
    /// from ours: [`Store::now`] then gives the database's time, the same
    /// on every node. A no-op with sled.
    pub fn sample_db_clock(&self) -> Result<()> {
        if let Db::Pg(p) = &self.db {
            let ours = (self.clock)();
            let theirs = p.now()?;
            let offset = theirs.as_microsecond() - ours.as_microsecond();
            self.clock_offset.store(offset as i64, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Where entries about no item, by an actor of no tenant, are chained:
    /// [`DEFAULT_TENANT`](crate::model::DEFAULT_TENANT) (the default, for a
    /// configuration without tenants: one chain, as before) or
    /// [`SERVICE_CHAIN`](crate::model::SERVICE_CHAIN) (with tenants).
    pub fn set_service_chain(&self, chain: &str) {
        *self.service_chain.write().expect("service chain lock") = chain.to_string();
    }

    /// The database, for the crate's other modules.
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The spool (sled only).
    pub(crate) fn spool(&self) -> Option<&Spool> {
        self.spool.as_ref()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store's clock (with PostgreSQL, set to the database's).
    pub fn now(&self) -> Timestamp {
        let now = (self.clock)();
        match self.clock_offset.load(Ordering::Relaxed) {
            0 => now,
            us => now
                .checked_add(SignedDuration::from_micros(us))
                .unwrap_or(now),
        }
    }

    /// Deletes spool segments that no record refers to (the torn tail of a
    /// crash, or segments whose messages were all purged).
    fn collect_segments(&self) -> Result<()> {
        let Some(spool) = &self.spool else {
            return Ok(());
        };
        for seg in Spool::segments_in(spool.dir())? {
            if self.db.get(SEGMENTS, &seg.to_be_bytes())?.is_none() {
                spool.delete_if_idle(seg)?;
            }
        }
        Ok(())
    }

    /// Runs `f` as one atomic change of the store, then makes it durable
    /// (sled: group commit; PostgreSQL: the commit).
    pub fn write<R>(&self, f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>) -> Result<R> {
        let r = self.write_unsynced(f)?;
        self.sync()?;
        Ok(r)
    }

    /// [`Store::write`] without waiting for the disk (sled): for changes
    /// that may be redone after a crash (a delivery marked done may be sent
    /// again). With PostgreSQL every commit is durable.
    pub fn write_unsynced<R>(&self, f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>) -> Result<R> {
        self.write_as(Isolation::Serializable, f)
    }

    fn write_as<R>(
        &self,
        isolation: Isolation,
        f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>,
    ) -> Result<R> {
        let service_chain = self
            .service_chain
            .read()
            .expect("service chain lock")
            .clone();
        let now = self.now();
        let (r, freed) = match &self.db {
            Db::Sled(s) => {
                let _writer = self.writer.lock().expect("store writer lock");
                s.trees.as_slice().transaction(|trees| {
                    let mut tx = Tx {
                        kv: TxKv::Sled { trees },
                        service_chain: &service_chain,
                        moved: HashMap::new(),
                        now,
                        freed: Vec::new(),
                    };
                    let r = f(&mut tx).map_err(ConflictableTransactionError::from)?;
                    Ok((r, tx.freed))
                })?
            }
            Db::Pg(p) => p.transaction(isolation, |ptx| {
                let mut tx = Tx {
                    kv: TxKv::Pg(ptx),
                    service_chain: &service_chain,
                    moved: HashMap::new(),
                    now,
                    freed: Vec::new(),
                };
                let r = f(&mut tx)?;
                Ok((r, tx.freed))
            })?,
        };
        if let Some(spool) = &self.spool {
            for seg in freed {
                spool.delete_if_idle(seg)?;
            }
        }
        Ok(r)
    }

    /// Makes every change so far durable (sled; nothing to do with
    /// PostgreSQL, whose commits are).
    pub fn sync(&self) -> Result<()> {
        let (Db::Sled(s), Some(spool)) = (&self.db, &self.spool) else {
            return Ok(());
        };
        self.group
            .wait(|| {
                spool.sync().map_err(|e| e.to_string())?;
                s.db.flush().map_err(|e| e.to_string())?;
                s.log.sync_all().map_err(|e| format!("fsync sled log: {e}"))
            })
            .map_err(|e| Error::Io {
                path: self.dir.display().to_string(),
                source: std::io::Error::other(e),
            })
    }

    /// Reads stored bytes back, checking their CRC-32.
    pub(crate) fn read_blob(&self, r: &SpoolRef) -> Result<Vec<u8>> {
        if r.segment == DB_SEGMENT {
            let bytes = self
                .db
                .get(BLOBS, &r.offset.to_be_bytes())?
                .ok_or_else(|| Error::Corrupt {
                    tree: "blobs",
                    reason: format!("blob {} is missing", r.offset),
                })?;
            if bytes.len() as u64 != r.len || crc32fast::hash(&bytes) != r.crc {
                return Err(Error::Checksum {
                    segment: r.segment,
                    offset: r.offset,
                });
            }
            return Ok(bytes);
        }
        match &self.spool {
            Some(spool) => spool.read(r),
            None => Err(Error::Corrupt {
                tree: "messages",
                reason: format!(
                    "bytes in spool segment {} but this store has no spool (a record copied from sled without its bytes?)",
                    r.segment
                ),
            }),
        }
    }

    /// Stores an accepted message: its bytes and report, its record, held
    /// items and deliveries, an audit entry per held item; durable when
    /// this returns `Ok`.
    pub fn accept(&self, incoming: Incoming<'_>) -> Result<()> {
        let report_json = serde_json::to_vec(incoming.report).expect("reports serialise");
        let Some(spool) = &self.spool else {
            // PostgreSQL: the bytes in the same transaction as the records.
            return self.accept_records(&incoming, None, &report_json);
        };
        let bytes = spool.append(incoming.message)?;
        let report = match spool.append(&report_json) {
            Ok(r) => r,
            Err(e) => {
                spool.settle(&bytes);
                return Err(e);
            }
        };
        // The bytes first, so that no durable record points at bytes that are not.
        let result = self
            .sync()
            .and_then(|()| self.accept_records(&incoming, Some((bytes, report)), &report_json));
        spool.settle(&bytes);
        spool.settle(&report);
        result
    }

    fn accept_records(
        &self,
        incoming: &Incoming<'_>,
        spooled: Option<(SpoolRef, SpoolRef)>,
        report_json: &[u8],
    ) -> Result<()> {
        let refs = incoming.items.len()
            + incoming
                .deliveries
                .iter()
                .filter(|d| d.queue_id().is_some())
                .count();
        let record = MessageRecord {
            id: incoming.id,
            envelope: incoming.envelope.clone(),
            size: incoming.message.len() as u64,
            bytes: None,
            report: None,
            action: incoming.report.action,
            categories: incoming.report.categories.clone(),
            info: incoming.report.message.clone(),
            refs: refs as u32,
        };
        let gateway = Actor::system("gateway");
        self.write(|tx| {
            let mut record = record.clone();
            let (bytes, report) = match spooled {
                Some(refs) => refs,
                None => (tx.put_blob(incoming.message)?, tx.put_blob(report_json)?),
            };
            record.bytes = Some(bytes);
            record.report = Some(report);
            tx.count_segment_ref(&bytes)?;
            tx.count_segment_ref(&report)?;
            if record.refs == 0 {
                // Nothing needs the bytes (every recipient's copy is inline).
                tx.free_bytes(&mut record)?;
            }
            tx.put(MESSAGES, &record.id.key(), &record)?;
            for item in &incoming.items {
                tx.put(ITEMS, &item.id.key(), item)?;
                tx.insert_raw(BY_RCPT, &rcpt_key(&item.recipient, item.id), &[])?;
                let what = item
                    .part
                    .as_ref()
                    .and_then(|p| p.filename.clone())
                    .unwrap_or_else(|| "whole message".into());
                // The item's tenant is at hand: no read back of the item.
                tx.audit_in(
                    &item.tenant,
                    &gateway,
                    AuditAction::Held,
                    Some(item.id),
                    Some(item.queue_id),
                    format!("{what} for {} ({})", item.recipient, item.category),
                )?;
            }
            for d in &incoming.deliveries {
                tx.enqueue(d)?;
            }
            Ok(())
        })
    }

    /// The record of a message.
    pub fn message(&self, id: QueueId) -> Result<MessageRecord> {
        self.db
            .get(MESSAGES, &id.key())?
            .map(|v| decode("messages", &v))
            .transpose()?
            .ok_or_else(|| Error::NoSuchMessage(id.to_string()))
    }

    /// The raw bytes of a message, as received.
    pub fn message_bytes(&self, id: QueueId) -> Result<Vec<u8>> {
        let msg = self.message(id)?;
        let r = msg.bytes.ok_or_else(|| Error::Purged(id.to_string()))?;
        self.read_blob(&r)
    }

    /// The scan report of a message.
    pub fn report(&self, id: QueueId) -> Result<Report> {
        let msg = self.message(id)?;
        let r = msg.report.ok_or_else(|| Error::Purged(id.to_string()))?;
        let json = self.read_blob(&r)?;
        serde_json::from_slice(&json).map_err(|e| Error::Corrupt {
            tree: "spool",
            reason: format!("report of {id}: {e}"),
        })
    }

    /// A held item.
    pub fn item(&self, id: ItemId) -> Result<HeldItem> {
        self.db
            .get(ITEMS, &id.key())?
            .map(|v| decode("items", &v))
            .transpose()?
            .ok_or_else(|| Error::NoSuchItem(id.to_string()))
    }

    /// Held items matching `filter`, newest first.
    ///
    /// Items are read whole and filtered; a departmental service's store
    /// of a few hundred thousand items is listed in well under a second.
    pub fn items(&self, filter: &ItemFilter) -> Result<Vec<HeldItem>> {
        let mut out = Vec::new();
        if let Some(rcpt) = &filter.recipient {
            let prefix = rcpt_prefix(rcpt);
            for (k, _) in self.db.prefix(BY_RCPT, &prefix)? {
                if let Some(id) = ItemId::from_key(&k[prefix.len()..]) {
                    out.push(self.item(id)?);
                }
            }
            out.reverse();
        } else {
            for (_, v) in self.db.all(ITEMS, true)? {
                out.push(decode("items", &v)?);
            }
        }
        if let Some(status) = filter.status {
            out.retain(|i: &HeldItem| i.status == status);
        }
        if let Some(tenants) = &filter.tenants {
            out.retain(|i: &HeldItem| tenants.iter().any(|t| *t == i.tenant));
        }
        Ok(out)
    }

    /// Deliveries due at `now`, oldest first, at most `limit`, without
    /// claiming them (for reports; the relay uses [`Store::claim_due`]).
    pub fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        let end = due_key(now, DeliveryId(ulid::Ulid::from_bytes([0xff; 16])));
        let mut out = Vec::new();
        for (k, _) in self
            .db
            .scan(DUE, &[], Some(&crate::backend::after(&end)), false, limit)?
        {
            if let Some(id) = DeliveryId::from_key(&k[8..])
                && let Some(v) = self.db.get(DELIVERIES, &id.key())?
            {
                out.push(decode("deliveries", &v)?);
            }
        }
        Ok(out)
    }

    /// Claims up to `limit` deliveries due at the store's time for
    /// `lease`: each gets a fresh fencing token ([`Delivery::lease`]) and
    /// is due again only when the lease runs out, so that no other relay
    /// (another node's, with PostgreSQL) takes it meanwhile, and another
    /// does take it if this node dies. With PostgreSQL the due rows are
    /// locked `FOR UPDATE SKIP LOCKED` in a `READ COMMITTED` transaction:
    /// nodes claiming at once take different deliveries. Renew with
    /// [`Store::renew_lease`]; end with [`Store::finish_attempt`].
    pub fn claim_due(&self, limit: usize, lease: std::time::Duration) -> Result<Vec<Delivery>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let lease = SignedDuration::try_from(lease).unwrap_or(SignedDuration::from_secs(60));
        let scanned: Vec<Vec<u8>> = match &self.db {
            Db::Sled(_) => {
                let end = due_key(self.now(), DeliveryId(ulid::Ulid::from_bytes([0xff; 16])));
                self.db
                    .scan(DUE, &[], Some(&crate::backend::after(&end)), false, limit)?
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect()
            }
            Db::Pg(_) => Vec::new(),
        };
        self.write_as(Isolation::ReadCommitted, |tx| {
            let now = tx.now();
            let end = due_key(now, DeliveryId(ulid::Ulid::from_bytes([0xff; 16])));
            let mut claimed = Vec::new();
            for k in tx.due_keys(&end, limit, &scanned)? {
                if tx.remove_raw(DUE, &k)?.is_none() {
                    continue;
                }
                let Some(id) = DeliveryId::from_key(&k[8..]) else {
                    continue;
                };
                let Some(mut d) = tx.get::<Delivery>(DELIVERIES, &id.key())? else {
                    continue;
                };
                if due_key(d.next_attempt, d.id).as_slice() != k.as_slice() {
                    // A stale index entry: the delivery is due at another time.
                    continue;
                }
                d.lease = Some(ulid::Ulid::new().0 as u64);
                d.next_attempt = now.checked_add(lease).unwrap_or(now);
                tx.enqueue(&d)?;
                claimed.push(d);
            }
            Ok(claimed)
        })
    }

    /// Extends the claim `token` on delivery `id` by `lease` from now;
    /// false when the claim is no longer ours (it ran out and another
    /// relay took the delivery, or it is done).
    pub fn renew_lease(
        &self,
        id: DeliveryId,
        token: u64,
        lease: std::time::Duration,
    ) -> Result<bool> {
        let lease = SignedDuration::try_from(lease).unwrap_or(SignedDuration::from_secs(60));
        self.write_unsynced(|tx| {
            let Some(mut d) = tx.get::<Delivery>(DELIVERIES, &id.key())? else {
                return Ok(false);
            };
            if d.lease != Some(token) {
                return Ok(false);
            }
            tx.remove_raw(DUE, &due_key(d.next_attempt, d.id))?;
            d.next_attempt = tx.now().checked_add(lease).unwrap_or(d.next_attempt);
            tx.enqueue(&d)?;
            Ok(true)
        })
    }

    /// One queued delivery, as it is now.
    pub fn delivery(&self, id: DeliveryId) -> Result<Option<Delivery>> {
        self.db
            .get(DELIVERIES, &id.key())?
            .map(|v| decode("deliveries", &v))
            .transpose()
    }

    /// Every queued delivery.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        self.db
            .all(DELIVERIES, false)?
            .iter()
            .map(|(_, v)| decode("deliveries", v))
            .collect()
    }

    /// The number of queued deliveries (0 when the database cannot say).
    pub fn queue_len(&self) -> usize {
        self.db.len(DELIVERIES).unwrap_or(0)
    }

    /// When the next delivery is due, if any.
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        Ok(self
            .db
            .scan(DUE, &[], None, false, 1)?
            .first()
            .and_then(|(k, _)| {
                let ms = u64::from_be_bytes(k.get(..8)?.try_into().ok()?);
                Timestamp::from_millisecond(ms as i64).ok()
            }))
    }

    /// The bytes a delivery sends.
    pub fn delivery_bytes(&self, d: &Delivery) -> Result<Vec<u8>> {
        match &d.payload {
            Payload::Inline { bytes } => Ok(bytes.clone()),
            Payload::Stored {
                queue_id,
                prepend,
                cuts,
            } => {
                let original = self.message_bytes(*queue_id)?;
                let mut out = Vec::with_capacity(original.len() + prepend.len());
                out.extend_from_slice(prepend);
                let mut at = 0usize;
                for cut in cuts {
                    let (start, end) = (cut.start as usize, cut.end as usize);
                    if start < at || end < start || end > original.len() {
                        return Err(Error::Corrupt {
                            tree: "deliveries",
                            reason: format!(
                                "delivery {}: cut {start}..{end} outside the message",
                                d.id
                            ),
                        });
                    }
                    out.extend_from_slice(&original[at..start]);
                    out.extend_from_slice(&cut.with);
                    at = end;
                }
                out.extend_from_slice(&original[at..]);
                Ok(out)
            }
        }
    }

    /// Records how an attempt ended: done for the recipients not retried;
    /// rescheduled for the others; follow-ups (DSNs) queued. `token` is the
    /// claim's ([`Store::claim_due`]); a result under a claim that is no
    /// longer the delivery's is dropped (returns false): another relay
    /// took the delivery over. Not synced (sled): a crash just after a
    /// delivery may send it again, never lose it.
    pub fn finish_attempt(
        &self,
        id: DeliveryId,
        token: Option<u64>,
        outcome: AttemptOutcome,
    ) -> Result<bool> {
        let sync = !outcome.follow_ups.is_empty();
        let f = |tx: &mut Tx<'_>| {
            let Some(mut d) = tx.get::<Delivery>(DELIVERIES, &id.key())? else {
                return Ok(false);
            };
            if token.is_some() && d.lease != token {
                return Ok(false);
            }
            tx.remove_raw(DUE, &due_key(d.next_attempt, d.id))?;
            for f in &outcome.follow_ups {
                tx.enqueue(f)?;
            }
            match &outcome.retry {
                Some((rcpts, at, error)) if !rcpts.is_empty() => {
                    d.rcpts = rcpts.clone();
                    d.attempts += 1;
                    d.next_attempt = *at;
                    d.last_error = Some(error.clone());
                    d.lease = None;
                    tx.enqueue(&d)?;
                }
                _ => {
                    tx.remove_raw(DELIVERIES, &id.key())?;
                    if let Some(q) = d.queue_id() {
                        tx.release_message_ref(q)?;
                    }
                }
            }
            Ok(true)
        };
        if sync {
            self.write(f)
        } else {
            self.write_unsynced(f)
        }
    }

    /// Queues deliveries (durable on return).
    pub fn enqueue(&self, deliveries: &[Delivery]) -> Result<()> {
        self.write(|tx| {
            for d in deliveries {
                tx.enqueue(d)?;
            }
            Ok(())
        })
    }

    /// The audit chains: the tenants' and the service's that have entries.
    pub fn audit_chains(&self) -> Result<Vec<String>> {
        let mut chains: Vec<String> = self
            .db
            .prefix(META, AUDIT_HEAD_PREFIX)?
            .into_iter()
            .map(|(k, _)| String::from_utf8_lossy(&k[AUDIT_HEAD_PREFIX.len()..]).into_owned())
            .collect();
        chains.sort();
        Ok(chains)
    }

    /// Audit entries of every chain from `since` (inclusive), in time order.
    pub fn audit_entries(&self, since: Option<Timestamp>) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        self.db.for_each_paged(AUDIT, &[], 4096, |_, v| {
            let entry: AuditEntry = decode("audit", v)?;
            if since.is_none_or(|s| entry.at >= s) {
                out.push(entry);
            }
            Ok(true)
        })?;
        out.sort_by(|a, b| a.at.cmp(&b.at).then(a.seq.cmp(&b.seq)));
        Ok(out)
    }

    /// The entries of one chain (a tenant id, or `_service`) from `since`
    /// (inclusive), in order.
    pub fn audit_chain_entries(
        &self,
        chain: &str,
        since: Option<Timestamp>,
    ) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        self.db
            .for_each_paged(AUDIT, &audit_prefix(chain), 4096, |_, v| {
                let entry: AuditEntry = decode("audit", v)?;
                if since.is_none_or(|s| entry.at >= s) {
                    out.push(entry);
                }
                Ok(true)
            })?;
        Ok(out)
    }

    /// Adds one audit entry on its own (a view, a download, a login): in
    /// the item's chain, else the actor's tenant's, else the service's.
    pub fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        item: Option<ItemId>,
        detail: &str,
    ) -> Result<()> {
        let queue_id = match item {
            Some(id) => Some(self.item(id)?.queue_id),
            None => None,
        };
        self.write(|tx| tx.audit(actor, action, item, queue_id, detail))
    }

    /// Checks every audit chain: sequence numbers, each entry's hash, each
    /// entry's link to the one before, that it belongs to its chain, and
    /// the stored end of the chain. `progress` is called with (checked,
    /// total). The result names the first broken chain and entry.
    pub fn audit_verify(&self, mut progress: impl FnMut(u64, u64)) -> Result<AuditCheck> {
        let total = self.db.len(AUDIT)? as u64;
        let mut chains = self.audit_chains()?;
        // Chains with entries but no recorded end (a removed head) too:
        // jump from one chain's prefix to the next.
        let mut start: Vec<u8> = Vec::new();
        while let Some((k, _)) = self.db.scan(AUDIT, &start, None, false, 1)?.pop() {
            let Some(zero) = k.iter().position(|b| *b == 0) else {
                start = crate::backend::after(&k);
                continue;
            };
            let name = String::from_utf8_lossy(&k[..zero]).into_owned();
            if !chains.contains(&name) {
                chains.push(name);
            }
            match crate::backend::prefix_end(&k[..=zero]) {
                Some(next) => start = next,
                None => break,
            }
        }
        chains.sort();
        let mut done = 0;
        let mut out = AuditCheck {
            entries: 0,
            broken: None,
            chains: Vec::new(),
        };
        for chain in chains {
            let check = self.verify_chain(&chain, &mut done, total, &mut progress)?;
            out.entries += check.entries;
            if out.broken.is_none()
                && let Some((seq, why)) = &check.broken
            {
                out.broken = Some((*seq, format!("chain `{chain}`: {why}")));
            }
            out.chains.push(check);
        }
        Ok(out)
    }

    fn verify_chain(
        &self,
        chain: &str,
        done: &mut u64,
        total: u64,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<ChainCheck> {
        let prefix = audit_prefix(chain);
        let mut prev = AuditHead::default();
        let mut n = 0;
        let mut broken: Option<(u64, String)> = None;
        self.db.for_each_paged(AUDIT, &prefix, 4096, |k, v| {
            n += 1;
            *done += 1;
            progress(*done, total);
            let seq = k[prefix.len()..]
                .try_into()
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            let entry: AuditEntry = match decode("audit", v) {
                Ok(e) => e,
                Err(e) => {
                    broken = Some((seq, format!("unreadable: {e}")));
                    return Ok(false);
                }
            };
            let why = if entry.seq != seq || seq != prev.seq + 1 {
                Some(format!(
                    "sequence {} follows {}: an entry is missing or moved",
                    entry.seq, prev.seq
                ))
            } else if entry.chain() != chain {
                Some(format!(
                    "it belongs to the chain `{}`: it was moved here",
                    entry.chain()
                ))
            } else if entry.prev != prev.hash {
                Some("its link to the previous entry does not match: an entry before it was changed or removed".into())
            } else if entry.compute_hash() != entry.hash {
                Some("its content does not match its hash: it was changed".into())
            } else {
                None
            };
            if let Some(why) = why {
                broken = Some((seq, why));
                return Ok(false);
            }
            prev = AuditHead {
                seq,
                hash: entry.hash,
            };
            Ok(true)
        })?;
        if let Some(b) = broken {
            return Ok(ChainCheck {
                chain: chain.to_string(),
                entries: n,
                broken: Some(b),
            });
        }
        let head: AuditHead = match self.db.get(META, &head_key(chain))? {
            Some(v) => decode("meta", &v)?,
            None => AuditHead::default(),
        };
        if head != prev {
            return Ok(ChainCheck {
                chain: chain.to_string(),
                entries: n,
                broken: Some((
                    head.seq,
                    format!(
                        "the log ends at entry {} but the store recorded entry {} as last: entries were removed from the end",
                        prev.seq, head.seq
                    ),
                )),
            });
        }
        Ok(ChainCheck {
            chain: chain.to_string(),
            entries: n,
            broken: None,
        })
    }

    /// Total bytes the store takes: on disk (sled and spool), or the
    /// table's size in PostgreSQL.
    pub fn disk_bytes(&self) -> Result<u64> {
        if let Db::Pg(p) = &self.db {
            return p.size();
        }
        fn walk(p: &Path) -> u64 {
            std::fs::read_dir(p)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| match e.metadata() {
                            Ok(m) if m.is_dir() => walk(&e.path()),
                            Ok(m) => m.len(),
                            Err(_) => 0,
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        Ok(walk(&self.dir))
    }
}

/// Brings a data directory written by an older Écluse to this layout, in
/// steps that can be redone after a crash: before tenants, audit keys
/// were bare sequence numbers and the end of the chain was `audit_head`;
/// those entries become the chain of [`DEFAULT_TENANT`](crate::model::DEFAULT_TENANT).
/// Items, deliveries and rules need nothing: their missing `tenant`
/// field reads as the default tenant.
fn migrate(db: &sled::Db, trees: &[sled::Tree]) -> Result<()> {
    if trees[META].get(LAYOUT)?.as_deref() == Some(&[LAYOUT_VERSION][..]) {
        return Ok(());
    }
    let chain = crate::model::DEFAULT_TENANT;
    let mut moved = 0u64;
    for kv in trees[AUDIT].iter() {
        let (k, v) = kv?;
        if k.len() != 8 {
            continue;
        }
        let seq = u64::from_be_bytes(k.as_ref().try_into().expect("8 bytes"));
        let mut batch = sled::Batch::default();
        batch.insert(audit_key(chain, seq), v);
        batch.remove(k);
        trees[AUDIT].apply_batch(batch)?;
        moved += 1;
    }
    if let Some(head) = trees[META].get(OLD_AUDIT_HEAD)? {
        let mut batch = sled::Batch::default();
        batch.insert(head_key(chain), head);
        batch.remove(OLD_AUDIT_HEAD);
        trees[META].apply_batch(batch)?;
    }
    trees[META].insert(LAYOUT, &[LAYOUT_VERSION])?;
    db.flush()?;
    if moved > 0 {
        tracing::info!(
            entries = moved,
            "data directory from before tenants: its audit log is now the chain of the tenant `default`"
        );
    }
    Ok(())
}

pub(crate) fn rcpt_prefix(rcpt: &str) -> Vec<u8> {
    let mut k = rcpt.to_ascii_lowercase().into_bytes();
    k.push(0);
    k
}

pub(crate) fn rcpt_key(rcpt: &str, id: ItemId) -> Vec<u8> {
    let mut k = rcpt_prefix(rcpt);
    k.extend_from_slice(&id.key());
    k
}
