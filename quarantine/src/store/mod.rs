//! The store: ordered key–value trees for records and indexes, in the
//! database of the [`Backend`](crate::Backend), and the message bytes (in
//! our spool of segment files beside a database of this process alone, or
//! in the database's tree `blobs`, in the same transaction as the records).
//!
//! Every change goes through `Store::write`: one transaction over all the
//! trees it touches, with the audit entries it makes chained in the same
//! transaction. The backend orders writers (two admins deciding the same
//! item are simply ordered) and runs a transaction again on a conflict.
//! [`Store::sync`] makes a change durable: for a database of this process
//! alone, `fdatasync` of the spool's current segment and the database's
//! flush, as one group-commit round shared by every writer waiting; a
//! shared database is durable when its commit returns.
//!
//! This folder never names a backend: it asks [`Db`] what the database
//! does ([`Db::shared`], [`Db::clock`] …), never which one it is.
//!
//! - this file: [`Store`], [`Tx`], opening, writing, bytes, and the reads
//!   of messages and items;
//! - `trees`: the trees by number and the layout of their keys;
//! - `accept`: a message from the gateway becomes durable;
//! - `queue`: the outbound queue and its claims;
//! - `audit`: the audit chains and their check.

pub(crate) mod accept;
pub(crate) mod audit;
pub(crate) mod queue;
pub(crate) mod trees;

use self::trees::{
    AUDIT, BLOBS, BY_RCPT, DB_SEGMENT, ITEMS, LAYOUT, LAYOUT_VERSION, MESSAGES, META,
    OLD_AUDIT_HEAD, SEGMENTS, TREE_NAMES, audit_key, head_key, rcpt_prefix,
};
use crate::audit::AuditHead;
use crate::backend::kv::Isolation;
use crate::backend::{Backend, Db, TxKv};
use crate::codec::{decode, encode};
use crate::error::{Error, Result, TxError, abort};
use crate::mail::Notifications;
use crate::model::{DEFAULT_TENANT, HeldItem, ItemId, MessageRecord, QueueId, SpoolRef, Status};
use crate::spool::{Spool, private_dir};
use crate::sync::GroupSync;
use ecluse_scanner::Report;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The lock of the periodic jobs (purges) across nodes.
const JOBS_LOCK: i64 = 0x6563_6c75_7365_0002;

/// A source of the current time; tests pass their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The open quarantine store of one data directory, or of one PostgreSQL
/// database shared by several nodes.
pub struct Store {
    dir: PathBuf,
    db: Db,
    /// The spool of message bytes (a database of this process alone).
    spool: Option<Spool>,
    group: GroupSync,
    clock: Clock,
    /// The database's clock minus ours, in microseconds (a shared
    /// database: times that more than one node reads come from its clock).
    clock_offset: AtomicI64,
    pub(crate) notifications: Mutex<Notifications>,
    /// The chain of entries about no item whose actor has no tenant.
    service_chain: RwLock<String>,
}

/// One transaction's view of the trees, and the audit entries it adds.
pub(crate) struct Tx<'a> {
    kv: &'a TxKv<'a>,
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
        self.kv.get(t, key)
    }

    pub(crate) fn insert_raw(&self, t: usize, key: &[u8], value: &[u8]) -> Result<(), TxError> {
        self.kv.insert(t, key, value)
    }

    pub(crate) fn remove_raw(&self, t: usize, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        self.kv.remove(t, key)
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
        private_dir(dir)?;
        let db = Db::open(backend, dir, &TREE_NAMES)?;
        let spool = match db.shared() {
            true => None,
            false => Some(Spool::open(&dir.join("spool"))?),
        };
        let store = Store {
            dir: dir.to_path_buf(),
            db,
            spool,
            group: GroupSync::default(),
            clock,
            clock_offset: AtomicI64::new(0),
            notifications: Mutex::default(),
            service_chain: RwLock::new(DEFAULT_TENANT.to_string()),
        };
        store.migrate()?;
        store.collect_segments()?;
        store.sample_db_clock()?;
        store.drop_stale_claims()?;
        Ok(store)
    }

    /// Calls `wake` when any node queues a delivery due now (PostgreSQL
    /// `LISTEN`/`NOTIFY`); with sled the process queues its own, and
    /// nothing is done.
    pub fn listen_queue(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        self.db.listen_queue(wake);
    }

    /// Runs a periodic job (a purge) on one node at a time: with
    /// PostgreSQL under an advisory lock, `None` when another node is
    /// running it; with sled always.
    pub fn exclusive_job<R>(&self, f: impl FnOnce() -> R) -> Result<Option<R>> {
        self.db.exclusive(JOBS_LOCK, f)
    }

    /// Which backend this store is on: `"sled"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        self.db.name()
    }

    /// Where the store is, for logs and `check-config`: the data directory
    /// (sled) or the database URL without its password (PostgreSQL).
    pub fn location(&self) -> String {
        match self.db.target() {
            Some(target) => target.to_string(),
            None => self.dir.display().to_string(),
        }
    }

    /// Whether the database answers (PostgreSQL; always with sled), for
    /// `/healthz`. The error says what failed.
    pub fn ping(&self) -> Result<()> {
        self.db.ping()
    }

    /// With PostgreSQL, reads the database's clock and keeps its offset
    /// from ours: [`Store::now`] then gives the database's time, the same
    /// on every node. A no-op with sled.
    pub fn sample_db_clock(&self) -> Result<()> {
        if let Some(theirs) = self.db.clock()? {
            let ours = (self.clock)();
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
    pub(crate) fn write<R>(&self, f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>) -> Result<R> {
        let r = self.write_unsynced(f)?;
        self.sync()?;
        Ok(r)
    }

    /// `Store::write` without waiting for the disk (sled): for changes
    /// that may be redone after a crash (a delivery marked done may be sent
    /// again). With PostgreSQL every commit is durable.
    pub(crate) fn write_unsynced<R>(
        &self,
        f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>,
    ) -> Result<R> {
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
        let (r, freed) = self.db.transaction(isolation, |kv| {
            let mut tx = Tx {
                kv,
                service_chain: &service_chain,
                moved: HashMap::new(),
                now,
                freed: Vec::new(),
            };
            let r = f(&mut tx)?;
            Ok((r, tx.freed))
        })?;
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
        let Some(spool) = &self.spool else {
            return Ok(());
        };
        self.group
            .wait(|| {
                spool.sync().map_err(|e| e.to_string())?;
                self.db.flush()
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

    /// Total bytes the store takes: on disk (sled and spool), or the
    /// table's size in PostgreSQL.
    pub fn disk_bytes(&self) -> Result<u64> {
        if let Some(size) = self.db.size()? {
            return Ok(size);
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

    /// Brings a data directory written by an older Écluse to this layout,
    /// in steps that can be redone after a crash: before tenants, audit
    /// keys were bare sequence numbers and the end of the chain was
    /// `audit_head`; those entries become the chain of
    /// [`DEFAULT_TENANT`](crate::model::DEFAULT_TENANT), each moved in
    /// one transaction. Items, deliveries and rules need nothing: their
    /// missing `tenant` field reads as the default tenant. Only a database
    /// of this process alone can be that old: the shared one came after
    /// tenants.
    fn migrate(&self) -> Result<()> {
        if self.db.shared()
            || self.db.get(META, LAYOUT)?.as_deref() == Some(&[LAYOUT_VERSION][..])
        {
            return Ok(());
        }
        let chain = DEFAULT_TENANT;
        let mut old = Vec::new();
        self.db.for_each_paged(AUDIT, &[], 4096, |k, _| {
            if let Ok(seq) = <[u8; 8]>::try_from(k) {
                old.push(u64::from_be_bytes(seq));
            }
            Ok(true)
        })?;
        for seqs in old.chunks(1024) {
            self.write_unsynced(|tx| {
                for seq in seqs {
                    if let Some(v) = tx.remove_raw(AUDIT, &seq.to_be_bytes())? {
                        tx.insert_raw(AUDIT, &audit_key(chain, *seq), &v)?;
                    }
                }
                Ok(())
            })?;
        }
        self.write_unsynced(|tx| {
            if let Some(head) = tx.remove_raw(META, OLD_AUDIT_HEAD)? {
                tx.insert_raw(META, &head_key(chain), &head)?;
            }
            tx.insert_raw(META, LAYOUT, &[LAYOUT_VERSION])
        })?;
        self.sync()?;
        if !old.is_empty() {
            tracing::info!(
                entries = old.len(),
                "data directory from before tenants: its audit log is now the chain of the tenant `default`"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, AuditAction, AuditEntry, GENESIS};

    /// A data directory written before tenants (audit keys were bare
    /// sequence numbers, the end of the one chain was `audit_head`, no
    /// `layout` key): opening it makes its log the chain of the default
    /// tenant, which verifies and goes on from where it was.
    #[test]
    fn a_store_from_before_tenants_keeps_its_audit_chain() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let db = store.db();
            db.remove(META, LAYOUT).unwrap();
            let mut prev = GENESIS.to_string();
            for seq in 1..=3u64 {
                let mut entry = AuditEntry {
                    seq,
                    at: Timestamp::from_second(1_700_000_000 + seq as i64).unwrap(),
                    actor: "admin@example.org".into(),
                    origin: "127.0.0.1".into(),
                    action: AuditAction::Viewed,
                    item: None,
                    queue_id: None,
                    detail: format!("entry {seq}"),
                    prev: prev.clone(),
                    hash: String::new(),
                    tenant: None,
                };
                entry.hash = entry.compute_hash();
                prev = entry.hash.clone();
                db.insert(AUDIT, &seq.to_be_bytes(), &encode(&entry)).unwrap();
            }
            let head = AuditHead { seq: 3, hash: prev };
            db.insert(META, OLD_AUDIT_HEAD, &encode(&head)).unwrap();
            store.sync().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.audit_chains().unwrap(), vec![DEFAULT_TENANT]);
        assert!(store.db().get(META, OLD_AUDIT_HEAD).unwrap().is_none());
        let entries = store.audit_chain_entries(DEFAULT_TENANT, None).unwrap();
        let details: Vec<&str> = entries.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(details, ["entry 1", "entry 2", "entry 3"]);
        store
            .audit(&Actor::system("test"), AuditAction::Login, None, "after")
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let check = store.audit_verify(|_, _| {}).unwrap();
        assert_eq!(check.entries, 4);
        assert!(check.broken.is_none(), "{:?}", check.broken);
        assert_eq!(store.audit_chains().unwrap(), vec![DEFAULT_TENANT]);
    }
}
