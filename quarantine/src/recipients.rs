//! The recipient-verification cache: what the town's server (or the list)
//! answered about an address at `RCPT`, kept for a while so that the next
//! message to the same address does not ask again, and so that a restart
//! does not send a burst of probes downstream.
//!
//! Like the sessions, the answers live in their own tree (`recipients`),
//! written without a group commit: a crash only makes Écluse ask again.

use crate::codec;
use crate::error::Result;
use crate::store::Store;
use crate::store::trees::RECIPIENTS;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One cached answer about an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientAnswer {
    /// Whether the address exists.
    pub exists: bool,
    /// The downstream reply (or the list's verdict) in words, for the
    /// `RCPT` reply and the log.
    pub reply: String,
    /// When the answer stops being used.
    pub until: Timestamp,
}

fn key(address: &str) -> Vec<u8> {
    address.to_ascii_lowercase().into_bytes()
}

impl Store {
    /// The answer cached for `address` (compared in lower case), if one is
    /// still valid by the store's clock.
    pub fn recipient_cached(&self, address: &str) -> Result<Option<RecipientAnswer>> {
        let Some(v) = self.db().get(RECIPIENTS, &key(address))? else {
            return Ok(None);
        };
        let answer: RecipientAnswer = codec::decode("recipients", &v)?;
        Ok((answer.until > self.now()).then_some(answer))
    }

    /// Caches an answer about `address` for `ttl`.
    pub fn recipient_cache(
        &self,
        address: &str,
        exists: bool,
        reply: &str,
        ttl: std::time::Duration,
    ) -> Result<()> {
        let ttl = jiff::SignedDuration::try_from(ttl).unwrap_or(jiff::SignedDuration::MAX);
        let until = self.now().checked_add(ttl).unwrap_or(Timestamp::MAX);
        let answer = RecipientAnswer {
            exists,
            reply: reply.to_string(),
            until,
        };
        self.db()
            .insert(RECIPIENTS, &key(address), &codec::encode(&answer))?;
        Ok(())
    }

    /// Forgets expired answers; returns how many. `ecluse serve` calls it
    /// from its hourly housekeeping.
    pub fn recipient_cache_purge(&self) -> Result<usize> {
        let now = self.now();
        let db = self.db();
        let mut purged = 0;
        for (k, v) in db.all(RECIPIENTS, false)? {
            let expired = codec::decode::<RecipientAnswer>("recipients", &v)
                .map(|a| a.until <= now)
                .unwrap_or(true);
            if expired {
                db.remove(RECIPIENTS, &k)?;
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// Forgets every cached answer (after the town's directory changed,
    /// with Écluse stopped: the store is one process's).
    pub fn recipient_cache_clear(&self) -> Result<()> {
        self.db().clear(RECIPIENTS)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    #[test]
    fn answers_are_kept_until_they_expire_and_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(AtomicI64::new(1_800_000_000));
        let open = |clock: Arc<AtomicI64>| {
            Store::open_with_clock(
                dir.path(),
                Arc::new(move || Timestamp::from_second(clock.load(Ordering::SeqCst)).unwrap()),
            )
            .unwrap()
        };
        let store = open(clock.clone());
        store
            .recipient_cache(
                "Agent@Ville-Exemple.fr",
                true,
                "250 ok",
                Duration::from_secs(3600),
            )
            .unwrap();
        store
            .recipient_cache(
                "inconnu@ville-exemple.fr",
                false,
                "550 5.1.1 no such user",
                Duration::from_secs(60),
            )
            .unwrap();
        assert!(
            store
                .recipient_cached("agent@ville-exemple.fr")
                .unwrap()
                .unwrap()
                .exists
        );
        drop(store);
        let store = open(clock.clone());
        let unknown = store
            .recipient_cached("inconnu@ville-exemple.fr")
            .unwrap()
            .unwrap();
        assert!(!unknown.exists);
        assert!(unknown.reply.contains("5.1.1"));
        clock.fetch_add(61, Ordering::SeqCst);
        assert_eq!(
            store.recipient_cached("inconnu@ville-exemple.fr").unwrap(),
            None
        );
        assert_eq!(store.recipient_cache_purge().unwrap(), 1);
        assert!(
            store
                .recipient_cached("agent@ville-exemple.fr")
                .unwrap()
                .is_some()
        );
        store.recipient_cache_clear().unwrap();
        assert_eq!(
            store.recipient_cached("agent@ville-exemple.fr").unwrap(),
            None
        );
    }
}
