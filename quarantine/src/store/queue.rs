//! The outbound queue: deliveries, when each is due, and the claims
//! (leases with a fencing token) under which relays attempt them.

use super::trees::{DELIVERIES, DUE, due_key};
use super::{Store, Tx};
use crate::backend::kv::{Isolation, after};
use crate::codec::decode;
use crate::error::{Error, Result, TxError};
use crate::model::{Delivery, DeliveryId, Payload};
use jiff::{SignedDuration, Timestamp};

/// How a delivery attempt ended, as the relay reports it.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    /// Recipients to try again, with the time and the reason.
    pub retry: Option<(Vec<String>, Timestamp, String)>,
    /// Deliveries that follow from this one (delivery status notifications).
    pub follow_ups: Vec<Delivery>,
}

/// The key in `deliveries_due` after every delivery due at `at`.
fn due_end(at: Timestamp) -> [u8; 24] {
    due_key(at, DeliveryId(ulid::Ulid::from_bytes([0xff; 16])))
}

impl Tx<'_> {
    /// Queues a delivery (with PostgreSQL, waking every node's relay
    /// when the transaction commits, if it is due now).
    pub fn enqueue(&self, d: &Delivery) -> Result<(), TxError> {
        self.put(DELIVERIES, &d.id.key(), d)?;
        self.insert_raw(DUE, &due_key(d.next_attempt, d.id), &[])?;
        if d.lease.is_none() && d.next_attempt <= self.now {
            self.kv.notify_queue()?;
        }
        Ok(())
    }
}

impl Store {
    /// With a database of this process alone, claims left by a process
    /// that died are its own, and its deliveries are due again now instead
    /// of when their lease would run out. In a shared one other nodes may
    /// hold live claims: they run out by themselves.
    pub(super) fn drop_stale_claims(&self) -> Result<()> {
        if self.db.shared() {
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

    /// Deliveries due at `now`, oldest first, at most `limit`, without
    /// claiming them (for reports; the relay uses [`Store::claim_due`]).
    pub fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        let end = due_end(now);
        let mut out = Vec::new();
        for (k, _) in self
            .db
            .scan(DUE, &[], Some(&after(&end)), false, limit)?
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
        let before = self
            .db
            .keys_before_claim(DUE, &due_end(self.now()), limit)?;
        self.write_as(Isolation::ReadCommitted, |tx| {
            let now = tx.now();
            let mut claimed = Vec::new();
            for k in tx.kv.lock_up_to(DUE, &due_end(now), limit, &before)? {
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
}
