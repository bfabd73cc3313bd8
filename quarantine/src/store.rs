//! The store: sled trees for records and indexes, the spool for bytes.
//!
//! Every change goes through [`Store::write`]: one sled transaction over
//! all the trees it touches, under the store's writer lock (one writer at a
//! time, so two admins deciding the same item are simply ordered), with the
//! audit entries it makes chained in the same transaction. [`Store::sync`]
//! then makes it durable: `fdatasync` of the spool's current segment, sled
//! `flush`, and an `fsync` of sled's log file — as one group-commit round
//! shared by every writer waiting.

use crate::audit::{Actor, AuditAction, AuditCheck, AuditEntry, AuditHead, ChainCheck};
use crate::error::{Error, Result};
use crate::model::{
    Delivery, DeliveryId, HeldItem, Incoming, ItemId, MessageRecord, Payload, QueueId, Status,
    decode, encode,
};
use crate::spool::{Spool, SpoolRef};
use crate::sync::GroupSync;
use ecluse_scanner::Report;
use jiff::Timestamp;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
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
const TREE_NAMES: [&str; 11] = [
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
];
/// Before tenants: the end of the one audit chain.
const OLD_AUDIT_HEAD: &[u8] = b"audit_head";
/// `audit_head\0<chain>`: the end of each chain.
const AUDIT_HEAD_PREFIX: &[u8] = b"audit_head\0";
/// The layout of the trees: absent before tenants (audit keys were bare
/// sequence numbers), 2 since (keys `<chain>\0<seq>`).
const LAYOUT: &[u8] = b"layout";
const LAYOUT_VERSION: u8 = 2;

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

/// A transaction failure: a conflict (retried by sled) or our abort.
pub type TxError = ConflictableTransactionError<Error>;

/// Aborts a transaction with `e`.
pub fn abort(e: Error) -> TxError {
    ConflictableTransactionError::Abort(e)
}

/// A source of the current time; tests pass their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The open quarantine store of one data directory.
pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    spool: Spool,
    group: GroupSync,
    /// sled's log file, fsynced after each flush.
    db_log: File,
    /// The writer lock, holding the end of each audit chain.
    writer: Mutex<HashMap<String, AuditHead>>,
    clock: Clock,
    pub(crate) notifications: Mutex<crate::lifecycle::Notifications>,
    /// The chain of entries about no item whose actor has no tenant.
    service_chain: std::sync::RwLock<String>,
}

/// One transaction's view of the trees, and the audit entries it adds.
pub struct Tx<'a> {
    trees: &'a [TransactionalTree],
    heads: &'a HashMap<String, AuditHead>,
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

    pub(crate) fn tree(&self, t: usize) -> &TransactionalTree {
        &self.trees[t]
    }

    pub(crate) fn get<T: serde::de::DeserializeOwned>(
        &self,
        t: usize,
        key: &[u8],
    ) -> Result<Option<T>, TxError> {
        match self.trees[t].get(key)? {
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
        self.trees[t].insert(key, encode(value))?;
        Ok(())
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
        let head = self
            .moved
            .get(chain)
            .or_else(|| self.heads.get(chain))
            .cloned()
            .unwrap_or_default();
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
        self.trees[AUDIT].insert(audit_key(chain, entry.seq), encode(&entry))?;
        let head = AuditHead {
            seq: entry.seq,
            hash: entry.hash,
        };
        self.put(META, &head_key(chain), &head)?;
        self.moved.insert(chain.to_string(), head);
        Ok(())
    }

    /// Queues a delivery.
    pub fn enqueue(&self, d: &Delivery) -> Result<(), TxError> {
        self.put(DELIVERIES, &d.id.key(), d)?;
        self.trees[DUE].insert(due_key(d.next_attempt, d.id).to_vec(), &[][..])?;
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

    /// Drops the spool bytes of a message (the record stays as a tombstone).
    pub fn free_bytes(&mut self, msg: &mut MessageRecord) -> Result<(), TxError> {
        for r in [msg.bytes.take(), msg.report.take()].into_iter().flatten() {
            let key = r.segment.to_be_bytes();
            let live = self.trees[SEGMENTS]
                .get(key)?
                .map(|v| u64::from_be_bytes(v.as_ref().try_into().unwrap_or_default()))
                .unwrap_or(0)
                .saturating_sub(1);
            if live == 0 {
                self.trees[SEGMENTS].remove(&key)?;
                self.freed.push(r.segment);
            } else {
                self.trees[SEGMENTS].insert(&key, &live.to_be_bytes())?;
            }
        }
        Ok(())
    }

    fn count_segment_ref(&self, r: &SpoolRef) -> Result<(), TxError> {
        let key = r.segment.to_be_bytes();
        let live = self.trees[SEGMENTS]
            .get(key)?
            .map(|v| u64::from_be_bytes(v.as_ref().try_into().unwrap_or_default()))
            .unwrap_or(0);
        self.trees[SEGMENTS].insert(&key, &(live + 1).to_be_bytes())?;
        Ok(())
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

    /// Opens the store with a clock of the caller's.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
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
        let db_log = File::open(&log_path).map_err(|e| Error::io(&log_path, e))?;
        migrate(&db, &trees)?;
        let mut heads = HashMap::new();
        for kv in trees[META].scan_prefix(AUDIT_HEAD_PREFIX) {
            let (k, v) = kv?;
            let chain = String::from_utf8_lossy(&k[AUDIT_HEAD_PREFIX.len()..]).into_owned();
            heads.insert(chain, decode::<AuditHead>("meta", &v)?);
        }
        let spool = Spool::open(&dir.join("spool"))?;
        let store = Store {
            dir: dir.to_path_buf(),
            db,
            trees,
            spool,
            group: GroupSync::default(),
            db_log,
            writer: Mutex::new(heads),
            clock,
            notifications: Mutex::default(),
            service_chain: std::sync::RwLock::new(crate::model::DEFAULT_TENANT.to_string()),
        };
        store.collect_segments()?;
        Ok(store)
    }

    /// Where entries about no item, by an actor of no tenant, are chained:
    /// [`DEFAULT_TENANT`](crate::model::DEFAULT_TENANT) (the default, for a
    /// configuration without tenants: one chain, as before) or
    /// [`SERVICE_CHAIN`](crate::model::SERVICE_CHAIN) (with tenants).
    pub fn set_service_chain(&self, chain: &str) {
        *self.service_chain.write().expect("service chain lock") = chain.to_string();
    }

    /// One of the store's sled trees, for the crate's other modules.
    pub(crate) fn db_tree(&self, t: usize) -> &sled::Tree {
        &self.trees[t]
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Deletes spool segments that no record refers to (the torn tail of a
    /// crash, or segments whose messages were all purged).
    fn collect_segments(&self) -> Result<()> {
        for seg in Spool::segments_in(self.spool.dir())? {
            if !self.trees[SEGMENTS].contains_key(seg.to_be_bytes())? {
                self.spool.delete_if_idle(seg)?;
            }
        }
        Ok(())
    }

    /// Runs `f` as one atomic change of the store, under the writer lock,
    /// then makes it durable (group commit).
    pub fn write<R>(&self, f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>) -> Result<R> {
        let r = self.write_unsynced(f)?;
        self.sync()?;
        Ok(r)
    }

    /// [`Store::write`] without waiting for the disk: for changes that may be
    /// redone after a crash (a delivery marked done may be sent again).
    pub fn write_unsynced<R>(&self, f: impl Fn(&mut Tx<'_>) -> Result<R, TxError>) -> Result<R> {
        let service_chain = self
            .service_chain
            .read()
            .expect("service chain lock")
            .clone();
        let mut heads = self.writer.lock().expect("store writer lock");
        let now = self.now();
        let (r, moved, freed) = self.trees.as_slice().transaction(|trees| {
            let mut tx = Tx {
                trees,
                heads: &heads,
                service_chain: &service_chain,
                moved: HashMap::new(),
                now,
                freed: Vec::new(),
            };
            let r = f(&mut tx)?;
            Ok((r, tx.moved, tx.freed))
        })?;
        heads.extend(moved);
        drop(heads);
        for seg in freed {
            self.spool.delete_if_idle(seg)?;
        }
        Ok(r)
    }

    /// Makes every change so far durable.
    pub fn sync(&self) -> Result<()> {
        self.group
            .wait(|| {
                self.spool.sync().map_err(|e| e.to_string())?;
                self.db.flush().map_err(|e| e.to_string())?;
                self.db_log
                    .sync_all()
                    .map_err(|e| format!("fsync sled log: {e}"))
            })
            .map_err(|e| Error::Io {
                path: self.dir.display().to_string(),
                source: std::io::Error::other(e),
            })
    }

    /// Stores an accepted message: its bytes and report in the spool, its
    /// record, held items and deliveries in sled, an audit entry per held
    /// item; durable when this returns `Ok`.
    pub fn accept(&self, incoming: Incoming<'_>) -> Result<()> {
        let report_json = serde_json::to_vec(incoming.report).expect("reports serialise");
        let bytes = self.spool.append(incoming.message)?;
        let report = match self.spool.append(&report_json) {
            Ok(r) => r,
            Err(e) => {
                self.spool.settle(&bytes);
                return Err(e);
            }
        };
        let result = self.accept_records(&incoming, bytes, report);
        self.spool.settle(&bytes);
        self.spool.settle(&report);
        result
    }

    fn accept_records(
        &self,
        incoming: &Incoming<'_>,
        bytes: SpoolRef,
        report: SpoolRef,
    ) -> Result<()> {
        // The bytes first, so that no durable record points at bytes that are not.
        self.sync()?;
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
            bytes: Some(bytes),
            report: Some(report),
            action: incoming.report.action,
            categories: incoming.report.categories.clone(),
            info: incoming.report.message.clone(),
            refs: refs as u32,
        };
        let gateway = Actor::system("gateway");
        self.write(|tx| {
            let mut record = record.clone();
            tx.count_segment_ref(&bytes)?;
            tx.count_segment_ref(&report)?;
            if record.refs == 0 {
                // Nothing needs the bytes (every recipient's copy is inline).
                tx.free_bytes(&mut record)?;
            }
            tx.put(MESSAGES, &record.id.key(), &record)?;
            for item in &incoming.items {
                tx.put(ITEMS, &item.id.key(), item)?;
                tx.tree(BY_RCPT)
                    .insert(rcpt_key(&item.recipient, item.id), &[][..])?;
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
        self.trees[MESSAGES]
            .get(id.key())?
            .map(|v| decode("messages", &v))
            .transpose()?
            .ok_or_else(|| Error::NoSuchMessage(id.to_string()))
    }

    /// The raw bytes of a message, as received.
    pub fn message_bytes(&self, id: QueueId) -> Result<Vec<u8>> {
        let msg = self.message(id)?;
        let r = msg.bytes.ok_or_else(|| Error::Purged(id.to_string()))?;
        self.spool.read(&r)
    }

    /// The scan report of a message.
    pub fn report(&self, id: QueueId) -> Result<Report> {
        let msg = self.message(id)?;
        let r = msg.report.ok_or_else(|| Error::Purged(id.to_string()))?;
        let json = self.spool.read(&r)?;
        serde_json::from_slice(&json).map_err(|e| Error::Corrupt {
            tree: "spool",
            reason: format!("report of {id}: {e}"),
        })
    }

    /// A held item.
    pub fn item(&self, id: ItemId) -> Result<HeldItem> {
        self.trees[ITEMS]
            .get(id.key())?
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
            for kv in self.trees[BY_RCPT].scan_prefix(&prefix) {
                let (k, _) = kv?;
                if let Some(id) = ItemId::from_key(&k[prefix.len()..]) {
                    out.push(self.item(id)?);
                }
            }
            out.reverse();
        } else {
            for kv in self.trees[ITEMS].iter().rev() {
                let (_, v) = kv?;
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

    /// Deliveries due at `now`, oldest first, at most `limit`.
    pub fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        let end = due_key(now, DeliveryId(ulid::Ulid::from_bytes([0xff; 16])));
        let mut out = Vec::new();
        for kv in self.trees[DUE].range(..=end.to_vec()) {
            let (k, _) = kv?;
            if let Some(id) = DeliveryId::from_key(&k[8..])
                && let Some(v) = self.trees[DELIVERIES].get(id.key())?
            {
                out.push(decode("deliveries", &v)?);
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// One queued delivery, as it is now.
    pub fn delivery(&self, id: DeliveryId) -> Result<Option<Delivery>> {
        self.trees[DELIVERIES]
            .get(id.key())?
            .map(|v| decode("deliveries", &v))
            .transpose()
    }

    /// Every queued delivery.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        self.trees[DELIVERIES]
            .iter()
            .map(|kv| decode("deliveries", &kv?.1))
            .collect()
    }

    /// The number of queued deliveries.
    pub fn queue_len(&self) -> usize {
        self.trees[DELIVERIES].len()
    }

    /// When the next delivery is due, if any.
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        Ok(self.trees[DUE].first()?.and_then(|(k, _)| {
            let ms = u64::from_be_bytes(k[..8].try_into().ok()?);
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
    /// rescheduled for the others; follow-ups (DSNs) queued. Not synced: a
    /// crash just after a delivery may send it again, never lose it.
    pub fn finish_attempt(&self, id: DeliveryId, outcome: AttemptOutcome) -> Result<()> {
        let sync = !outcome.follow_ups.is_empty();
        let f = |tx: &mut Tx<'_>| {
            let Some(mut d) = tx.get::<Delivery>(DELIVERIES, &id.key())? else {
                return Ok(());
            };
            tx.tree(DUE)
                .remove(due_key(d.next_attempt, d.id).to_vec())?;
            for f in &outcome.follow_ups {
                tx.enqueue(f)?;
            }
            match &outcome.retry {
                Some((rcpts, at, error)) if !rcpts.is_empty() => {
                    d.rcpts = rcpts.clone();
                    d.attempts += 1;
                    d.next_attempt = *at;
                    d.last_error = Some(error.clone());
                    tx.enqueue(&d)?;
                }
                _ => {
                    tx.tree(DELIVERIES).remove(&id.key())?;
                    if let Some(q) = d.queue_id() {
                        tx.release_message_ref(q)?;
                    }
                }
            }
            Ok(())
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
    pub fn audit_chains(&self) -> Vec<String> {
        let mut chains: Vec<String> = self
            .writer
            .lock()
            .expect("store writer lock")
            .keys()
            .cloned()
            .collect();
        chains.sort();
        chains
    }

    /// Audit entries of every chain from `since` (inclusive), in time order.
    pub fn audit_entries(&self, since: Option<Timestamp>) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        for kv in self.trees[AUDIT].iter() {
            let entry: AuditEntry = decode("audit", &kv?.1)?;
            if since.is_none_or(|s| entry.at >= s) {
                out.push(entry);
            }
        }
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
        for kv in self.trees[AUDIT].scan_prefix(audit_prefix(chain)) {
            let entry: AuditEntry = decode("audit", &kv?.1)?;
            if since.is_none_or(|s| entry.at >= s) {
                out.push(entry);
            }
        }
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
        let total = self.trees[AUDIT].len() as u64;
        let mut chains: Vec<String> = Vec::new();
        for kv in self.trees[META].scan_prefix(AUDIT_HEAD_PREFIX) {
            let (k, _) = kv?;
            chains.push(String::from_utf8_lossy(&k[AUDIT_HEAD_PREFIX.len()..]).into_owned());
        }
        // Chains with entries but no recorded end (a removed head) too.
        let mut last: Option<Vec<u8>> = None;
        for kv in self.trees[AUDIT].iter() {
            let (k, _) = kv?;
            let Some(zero) = k.iter().position(|b| *b == 0) else {
                continue;
            };
            if last.as_deref() != Some(&k[..zero]) {
                let name = String::from_utf8_lossy(&k[..zero]).into_owned();
                if !chains.contains(&name) {
                    chains.push(name);
                }
                last = Some(k[..zero].to_vec());
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
        let broken = |n: u64, seq: u64, why: String| ChainCheck {
            chain: chain.to_string(),
            entries: n,
            broken: Some((seq, why)),
        };
        for kv in self.trees[AUDIT].scan_prefix(&prefix) {
            let (k, v) = kv?;
            n += 1;
            *done += 1;
            progress(*done, total);
            let seq = k[prefix.len()..]
                .try_into()
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            let entry: AuditEntry = match decode("audit", &v) {
                Ok(e) => e,
                Err(e) => return Ok(broken(n, seq, format!("unreadable: {e}"))),
            };
            if entry.seq != seq || seq != prev.seq + 1 {
                return Ok(broken(
                    n,
                    seq,
                    format!(
                        "sequence {} follows {}: an entry is missing or moved",
                        entry.seq, prev.seq
                    ),
                ));
            }
            if entry.chain() != chain {
                return Ok(broken(
                    n,
                    seq,
                    format!(
                        "it belongs to the chain `{}`: it was moved here",
                        entry.chain()
                    ),
                ));
            }
            if entry.prev != prev.hash {
                return Ok(broken(n, seq, "its link to the previous entry does not match: an entry before it was changed or removed".into()));
            }
            if entry.compute_hash() != entry.hash {
                return Ok(broken(
                    n,
                    seq,
                    "its content does not match its hash: it was changed".into(),
                ));
            }
            prev = AuditHead {
                seq,
                hash: entry.hash,
            };
        }
        let head: AuditHead = match self.trees[META].get(head_key(chain))? {
            Some(v) => decode("meta", &v)?,
            None => AuditHead::default(),
        };
        if head != prev {
            return Ok(broken(
                n,
                head.seq,
                format!(
                    "the log ends at entry {} but the store recorded entry {} as last: entries were removed from the end",
                    prev.seq, head.seq
                ),
            ));
        }
        Ok(ChainCheck {
            chain: chain.to_string(),
            entries: n,
            broken: None,
        })
    }

    /// Total bytes the store takes on disk (sled and spool).
    pub fn disk_bytes(&self) -> Result<u64> {
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
