//! The audit chains in the store: entries added in the transaction of the
//! change they record, each chained to the end of its chain (a tenant's,
//! or the service's), and the check of every chain. The entries' format
//! and hashing are [`crate::audit`]'s.

use super::trees::{AUDIT, AUDIT_HEAD_PREFIX, ITEMS, META, audit_key, audit_prefix, head_key};
use super::{Store, Tx};
use crate::audit::{Actor, AuditAction, AuditCheck, AuditEntry, AuditHead, ChainCheck};
use crate::backend::kv::{after, prefix_end};
use crate::codec::{decode, encode};
use crate::error::{Result, TxError};
use crate::model::{HeldItem, ItemId, QueueId};
use jiff::Timestamp;

impl Tx<'_> {
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
}

impl Store {
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
                start = after(&k);
                continue;
            };
            let name = String::from_utf8_lossy(&k[..zero]).into_owned();
            if !chains.contains(&name) {
                chains.push(name);
            }
            match prefix_end(&k[..=zero]) {
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
}
