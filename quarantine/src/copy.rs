//! `ecluse store copy`: moves a store from one backend to the other (a
//! single-node town on sled joining a PostgreSQL cluster, or back).
//!
//! Every tree is copied as it is, key for key, so audit entries keep their
//! hashes and chains; message bytes and reports are read back (their
//! CRC-32 checked) and written where the destination keeps bytes. The
//! destination must be empty; the source must not be in use (stop
//! `ecluse serve` first). At the end the destination's audit chains are
//! verified and its counts compared with the source's.

use crate::codec::{decode, encode};
use crate::error::{Error, Result};
use crate::model::{MessageRecord, SpoolRef};
use crate::store::Store;
use crate::store::trees::{
    AUDIT, BLOBS, DB_SEGMENT, DELIVERIES, ITEMS, MESSAGES, SEGMENTS, TREE_NAMES,
};

/// What [`Store::copy_to`] copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// Messages, with their bytes and reports when still kept.
    pub messages: u64,
    /// Held items.
    pub items: u64,
    /// Queued deliveries.
    pub deliveries: u64,
    /// Audit entries, in every chain.
    pub audit_entries: u64,
    /// Every record of every tree.
    pub records: u64,
    /// Message and report bytes.
    pub bytes: u64,
}

impl Store {
    /// Copies every record of this store into `dest`, which must be empty.
    /// `progress` is called with (tree name, records copied so far).
    /// Errors when `dest` holds records, when a blob cannot be read back,
    /// or when the copy's audit chains do not verify.
    pub fn copy_to(&self, dest: &Store, mut progress: impl FnMut(&str, u64)) -> Result<CopyStats> {
        for t in [MESSAGES, ITEMS, AUDIT, DELIVERIES] {
            if !dest.db().scan(t, &[], None, false, 1)?.is_empty() {
                return Err(Error::Refused(format!(
                    "nothing was copied: the destination store ({}) already holds records (tree `{}`). `store copy` fills an empty store and cannot merge into one in use: create a new, empty database for this copy. Never empty a database that nodes use: it holds every other commune's mail",
                    dest.location(),
                    TREE_NAMES[t]
                )));
            }
        }
        let mut stats = CopyStats::default();
        for (t, name) in TREE_NAMES.iter().enumerate() {
            // Where bytes are kept is the destination's business.
            if t == SEGMENTS || t == BLOBS {
                continue;
            }
            let mut n = 0u64;
            self.db().for_each_paged(t, &[], 1024, |k, v| {
                let value = if t == MESSAGES {
                    let mut record: MessageRecord = decode("messages", v)?;
                    record.bytes = self.copy_blob(dest, record.bytes, &mut stats)?;
                    record.report = self.copy_blob(dest, record.report, &mut stats)?;
                    stats.messages += 1;
                    encode(&record)
                } else {
                    v.to_vec()
                };
                dest.db().insert(t, k, &value)?;
                n += 1;
                stats.records += 1;
                match t {
                    ITEMS => stats.items += 1,
                    DELIVERIES => stats.deliveries += 1,
                    AUDIT => stats.audit_entries += 1,
                    _ => {}
                }
                if n % 1000 == 0 {
                    progress(name, n);
                }
                Ok(true)
            })?;
            progress(name, n);
        }
        dest.sync()?;
        let check = dest.audit_verify(|_, _| {})?;
        if let Some((seq, why)) = check.broken {
            return Err(Error::Refused(format!(
                "the copied audit log does not verify at entry {seq}: {why}"
            )));
        }
        if check.entries != stats.audit_entries {
            return Err(Error::Refused(format!(
                "the copy holds {} audit entries, the source {}",
                check.entries, stats.audit_entries
            )));
        }
        Ok(stats)
    }

    /// Writes one blob of this store where `dest` keeps bytes: its spool
    /// (sled) or its tree `blobs` (PostgreSQL), counted as one live
    /// reference of its segment.
    fn copy_blob(
        &self,
        dest: &Store,
        r: Option<SpoolRef>,
        stats: &mut CopyStats,
    ) -> Result<Option<SpoolRef>> {
        let Some(r) = r else {
            return Ok(None);
        };
        let bytes = self.read_blob(&r)?;
        stats.bytes += bytes.len() as u64;
        Ok(Some(dest.store_blob(&bytes)?))
    }

    /// Stores bytes outside a transaction, for [`Store::copy_to`].
    pub(crate) fn store_blob(&self, bytes: &[u8]) -> Result<SpoolRef> {
        match self.spool() {
            Some(spool) => {
                let r = spool.append(bytes)?;
                let key = r.segment.to_be_bytes();
                let live = self
                    .db()
                    .get(SEGMENTS, &key)?
                    .map(|v| u64::from_be_bytes(v.as_slice().try_into().unwrap_or_default()))
                    .unwrap_or(0);
                self.db()
                    .insert(SEGMENTS, &key, &(live + 1).to_be_bytes())?;
                spool.settle(&r);
                Ok(r)
            }
            None => {
                let id = ulid::Ulid::new().0 as u64;
                self.db().insert(BLOBS, &id.to_be_bytes(), bytes)?;
                Ok(SpoolRef {
                    segment: DB_SEGMENT,
                    offset: id,
                    len: bytes.len() as u64,
                    crc: crc32fast::hash(bytes),
                })
            }
        }
    }
}
