//! The DNS cache of the sender checks: one query per name, however many
//! messages wait.
//!
//! A burst of mail from one domain (a newsletter, a town's partner) asks
//! the same names at the same moment. [`DnsCache`] holds each answer until
//! its TTL ends *and* each lookup in flight: a caller who finds the name
//! being asked awaits that one query's answer (a shared
//! [`tokio::sync::OnceCell`] per name) instead of sending its own, so a
//! resolver that drops some of a burst costs one timeout per name, not one
//! per message. The rule: **at most one query per (record type, name) is
//! in flight, and every waiter is served its answer**, the failures too.
//!
//! mail-auth 0.7 reads its caches through a synchronous trait
//! (`ResolverCache::get`) and sends its own query on a miss; nothing in its
//! public API lets a second caller wait for the first. So before calling
//! its verify functions, `SenderChecks` (`provenance/mod.rs`) asks, through
//! the single-flight cache, the TXT records they will read: the SPF record
//! of the envelope domain and those its `include:` and `redirect=` name
//! literally, the DKIM key of each signature, and the DMARC records of the
//! `From:` domain in mail-auth's own walk order. The answers are stored
//! under mail-auth's own keys and in its own form (parsed record, or the
//! very error it would have returned), so its verify functions then read
//! them from the cache and decide exactly as they would have. A message
//! keeps the answers it was given for the rest of its check (`MessageTxt`),
//! even if their TTL ends while it waits for another name, lest a burst
//! that waited out a lost query then ask everything else again, one query
//! per message. What mail-auth may still ask itself (an SPF `a`, `mx`,
//! `ptr` or `exists` term, a macro target, an `exp=`, more than
//! `SenderChecks::PREFETCHED_SIGNATURES` signatures) goes through the same
//! cache: a positive answer is then shared until its TTL ends, but
//! concurrent misses each send their query.
//!
//! Negative answers are cached (RFC 2308): an `NXDOMAIN` or a `NOERROR`
//! without the record (`NODATA`) lasts for the SOA's negative TTL, the
//! smaller of the SOA record's TTL and its MINIMUM field (§5), bounded to
//! [`NEGATIVE_MIN`]..=[`NEGATIVE_MAX`]; without an SOA (some forwarders,
//! dnsmasq's local zones) for [`NEGATIVE_WITHOUT_SOA`]. hickory caches
//! negative answers only when they carry an SOA, and mail-auth not at all.
//! A timeout, `SERVFAIL` or `REFUSED` is no answer about the name: it is
//! kept only [`FAILURE_TTL`], long enough to serve the burst that waited
//! for it (RFC 2308 §7.1 allows at most five minutes; we keep seconds).

use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::{ProtoError, ProtoErrorKind};
use mail_auth::Txt;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The shortest a positive answer is kept, whatever its TTL: a record with
/// TTL 0 still serves the message that asked it and the burst that waited
/// for it (RFC 1035 §3.2.1: "used only for the transaction in progress").
pub const POSITIVE_MIN: Duration = Duration::from_secs(1);
/// The shortest a negative answer (`NXDOMAIN`, `NODATA`) is kept.
pub const NEGATIVE_MIN: Duration = Duration::from_secs(5);
/// The longest a negative answer is kept, whatever its SOA says (RFC 2308
/// §5 suggests one to three hours as a cap).
pub const NEGATIVE_MAX: Duration = Duration::from_secs(3600);
/// How long a negative answer without an SOA is kept. RFC 2308 §5 advises
/// against caching those at all, because two servers could pass them back
/// and forth for ever; we are the last reader and pass nothing on, and
/// without it a domain without a DMARC record would be asked once per
/// message.
pub const NEGATIVE_WITHOUT_SOA: Duration = Duration::from_secs(30);
/// How long a failure (timeout, `SERVFAIL`, `REFUSED`, no connection) is
/// kept: it serves the callers that waited for that query, and the next
/// few, then the name is asked again.
pub const FAILURE_TTL: Duration = Duration::from_secs(2);

/// One name's answer with the moment it ends, or the lookup in flight
/// that will give it: whoever holds the slot awaits the same query.
type Slot<V> = std::sync::Arc<OnceCell<(V, Instant)>>;

/// Parsed DNS answers (SPF and DMARC records, DKIM keys, addresses) until
/// their TTL ends, so that a warm message parses no record again, and the
/// lookups in flight, so that a name is asked once however many messages
/// want it ([`DnsCache::get_or_fetch`]); at most [`DnsCache::CAPACITY`]
/// entries (then the stale ones go, and if none is stale all: a cache, not
/// a store). mail-auth reads and fills it as its `ResolverCache`.
pub struct DnsCache<K, V>(Mutex<HashMap<K, Slot<V>>>);

impl<K: Hash + Eq, V: Clone> DnsCache<K, V> {
    /// Most entries kept.
    pub const CAPACITY: usize = 8192;

    pub(super) fn new() -> Self {
        DnsCache(Mutex::new(HashMap::new()))
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<K, Slot<V>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes room for one more entry: drops the stale ones when full, and
    /// everything if that was not enough (lookups in flight still answer
    /// the callers that hold their slot).
    fn make_room(map: &mut HashMap<K, Slot<V>>, now: Instant) {
        if map.len() >= Self::CAPACITY {
            map.retain(|_, slot| slot.get().is_none_or(|(_, until)| *until > now));
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
        }
    }

    /// The answer for `key`: the cached one while it lasts, else that of
    /// the lookup in flight for it, else the one `fetch` gives, which then
    /// serves every caller that came meanwhile. `fetch` runs once per key
    /// at a time; if its caller goes away (its message's time budget ran
    /// out), a waiting caller runs its own `fetch` instead.
    pub async fn get_or_fetch<F, Fut>(&self, key: K, fetch: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = (V, Instant)>,
    {
        let slot = {
            let mut map = self.slots();
            let now = Instant::now();
            match map.get(&key) {
                Some(slot) if slot.get().is_none_or(|(_, until)| *until > now) => slot.clone(),
                _ => {
                    Self::make_room(&mut map, now);
                    let slot = Slot::default();
                    map.insert(key, slot.clone());
                    slot
                }
            }
        };
        slot.get_or_init(fetch).await.0.clone()
    }
}

impl<K: Hash + Eq, V: Clone> mail_auth::ResolverCache<K, V> for DnsCache<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = Instant::now();
        self.slots()
            .get(name)
            .and_then(|slot| slot.get())
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v.clone())
    }

    fn remove<Q>(&self, name: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.slots()
            .remove(name)
            .and_then(|slot| slot.get().map(|(v, _)| v.clone()))
    }

    /// An answer mail-auth looked up itself (a name not asked beforehand).
    fn insert(&self, key: K, value: V, valid_until: Instant) {
        let now = Instant::now();
        let mut map = self.slots();
        Self::make_room(&mut map, now);
        let until = valid_until.max(now + POSITIVE_MIN);
        map.insert(key, std::sync::Arc::new(OnceCell::from((value, until))));
    }
}

/// How long a failed lookup's answer is kept: a negative answer about the
/// name (`NXDOMAIN`, or `NOERROR` without records: `NODATA`) for its SOA's
/// negative TTL (hickory reads it as RFC 2308 §5 says: the smaller of the
/// SOA record's TTL and its MINIMUM field), bounded; anything else
/// (timeout, `SERVFAIL`, `REFUSED` …) says nothing about the name and is
/// kept [`FAILURE_TTL`].
pub fn failure_ttl(error: &ProtoError) -> Duration {
    match error.kind() {
        ProtoErrorKind::NoRecordsFound(no)
            if matches!(
                no.response_code,
                ResponseCode::NXDomain | ResponseCode::NoError
            ) =>
        {
            no.negative_ttl
                .map_or(NEGATIVE_WITHOUT_SOA, |s| Duration::from_secs(s.into()))
                .clamp(NEGATIVE_MIN, NEGATIVE_MAX)
        }
        _ => FAILURE_TTL,
    }
}

/// The caches of the lookups SPF, DKIM and DMARC make.
pub(super) struct Caches {
    pub(super) txt: DnsCache<String, mail_auth::Txt>,
    pub(super) mx: DnsCache<String, Arc<Vec<mail_auth::MX>>>,
    pub(super) ipv4: DnsCache<String, Arc<Vec<std::net::Ipv4Addr>>>,
    pub(super) ipv6: DnsCache<String, Arc<Vec<std::net::Ipv6Addr>>>,
    pub(super) ptr: DnsCache<IpAddr, Arc<Vec<String>>>,
}

impl Caches {
    /// Empty caches.
    pub(super) fn new() -> Caches {
        Caches {
            txt: DnsCache::new(),
            mx: DnsCache::new(),
            ipv4: DnsCache::new(),
            ipv6: DnsCache::new(),
            ptr: DnsCache::new(),
        }
    }
}

/// The TXT answers of one message: those asked ahead for it, kept for the
/// whole check even if their TTL ends meanwhile (RFC 1035 §3.2.1: a TTL
/// bounds caching, not "the transaction in progress"), so that a message
/// that waited for a slow answer does not ask again the names it already
/// has; then the shared cache, which also takes what mail-auth looks up
/// itself.
pub(super) struct MessageTxt<'a> {
    shared: &'a DnsCache<String, Txt>,
    asked: Mutex<HashMap<String, Txt>>,
}

impl<'a> MessageTxt<'a> {
    pub(super) fn new(shared: &'a DnsCache<String, Txt>) -> Self {
        MessageTxt {
            shared,
            asked: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn keep(&self, key: String, answer: Txt) {
        self.asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, answer);
    }
}

impl mail_auth::ResolverCache<String, Txt> for MessageTxt<'_> {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        asked.get(name).cloned().or_else(|| self.shared.get(name))
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mine = self
            .asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        self.shared.remove(name).or(mine)
    }

    fn insert(&self, key: String, value: Txt, valid_until: Instant) {
        self.shared.insert(key, value, valid_until);
    }
}

/// Lookup parameters with our caches.
pub(super) type Cached<'x, P> = mail_auth::Parameters<
    'x,
    P,
    MessageTxt<'x>,
    DnsCache<String, Arc<Vec<mail_auth::MX>>>,
    DnsCache<String, Arc<Vec<std::net::Ipv4Addr>>>,
    DnsCache<String, Arc<Vec<std::net::Ipv6Addr>>>,
    DnsCache<IpAddr, Arc<Vec<String>>>,
>;

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::NoRecords;
    use hickory_resolver::proto::op::Query;
    use mail_auth::ResolverCache;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_lookup_and_its_failure_too() {
        let cache: Arc<DnsCache<String, Result<u32, String>>> = Arc::new(DnsCache::new());
        let asked = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..32)
            .map(|_| {
                let (cache, asked) = (cache.clone(), asked.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_fetch("_dmarc.exemple.fr.".into(), || async {
                            asked.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            (Err("timeout".into()), Instant::now() + FAILURE_TTL)
                        })
                        .await
                })
            })
            .collect();
        for c in callers {
            assert_eq!(c.await.unwrap(), Err("timeout".to_string()));
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "one query for 32 callers");
        // mail-auth reads the same entry through its trait
        assert_eq!(
            cache.get("_dmarc.exemple.fr."),
            Some(Err("timeout".to_string()))
        );
    }

    #[tokio::test]
    async fn an_answer_is_asked_again_once_it_ends() {
        let cache: DnsCache<String, u32> = DnsCache::new();
        let past = Instant::now();
        let first = cache
            .get_or_fetch("a.".into(), || async { (1, past) })
            .await;
        assert_eq!(first, 1, "the caller that asked is served");
        assert_eq!(cache.get("a."), None, "ended");
        let second = cache
            .get_or_fetch("a.".into(), || async {
                (2, Instant::now() + Duration::from_secs(60))
            })
            .await;
        assert_eq!(second, 2);
        let third = cache
            .get_or_fetch("a.".into(), || async { unreachable!("cached") })
            .await;
        assert_eq!(third, 2);
        // mail-auth's own answers: kept at least POSITIVE_MIN, even at TTL 0
        cache.insert("b.".into(), 3, Instant::now());
        assert_eq!(cache.get("b."), Some(3));
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_hands_the_lookup_to_a_waiter() {
        let cache: Arc<DnsCache<String, u32>> = Arc::new(DnsCache::new());
        let first = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_fetch("a.".into(), || std::future::pending())
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let _ = first.await;
        let v = tokio::time::timeout(
            Duration::from_secs(5),
            cache.get_or_fetch("a.".into(), || async {
                (7, Instant::now() + Duration::from_secs(60))
            }),
        )
        .await
        .expect("not stuck behind the abandoned lookup");
        assert_eq!(v, 7);
    }

    #[test]
    fn a_message_keeps_the_answers_it_was_given_until_its_check_ends() {
        let shared: DnsCache<String, Txt> = DnsCache::new();
        let message = MessageTxt::new(&shared);
        let nx = || Txt::Error(mail_auth::Error::DnsRecordNotFound(ResponseCode::NXDomain));
        message.keep("_dmarc.exemple.fr.".into(), nx());
        // the shared entry ended while the message waited for another name
        assert!(shared.get("_dmarc.exemple.fr.").is_none());
        assert!(matches!(
            message.get("_dmarc.exemple.fr."),
            Some(Txt::Error(mail_auth::Error::DnsRecordNotFound(_)))
        ));
        // what mail-auth looks up itself goes to the shared cache
        message.insert(
            "exemple.fr.".into(),
            nx(),
            Instant::now() + Duration::from_secs(60),
        );
        assert!(shared.get("exemple.fr.").is_some());
        assert!(MessageTxt::new(&shared).get("_dmarc.exemple.fr.").is_none());
    }

    fn negative(code: ResponseCode, negative_ttl: Option<u32>) -> ProtoError {
        let mut no = NoRecords::new(Query::default(), code);
        no.negative_ttl = negative_ttl;
        ProtoError::from(ProtoErrorKind::NoRecordsFound(no))
    }

    #[test]
    fn negative_answers_last_their_soa_minimum_within_bounds_failures_seconds() {
        // RFC 2308 §5: min(SOA TTL, SOA MINIMUM), which hickory computes
        let soa = |s| Some(s);
        assert_eq!(
            failure_ttl(&negative(ResponseCode::NXDomain, soa(900))),
            Duration::from_secs(900)
        );
        assert_eq!(
            failure_ttl(&negative(ResponseCode::NoError, soa(600))),
            Duration::from_secs(600),
            "NODATA"
        );
        assert_eq!(
            failure_ttl(&negative(ResponseCode::NXDomain, soa(86400))),
            NEGATIVE_MAX
        );
        assert_eq!(
            failure_ttl(&negative(ResponseCode::NXDomain, soa(0))),
            NEGATIVE_MIN
        );
        assert_eq!(
            failure_ttl(&negative(ResponseCode::NXDomain, None)),
            NEGATIVE_WITHOUT_SOA
        );
        for code in [ResponseCode::ServFail, ResponseCode::Refused] {
            assert_eq!(failure_ttl(&negative(code, soa(3600))), FAILURE_TTL);
        }
        assert_eq!(
            failure_ttl(&ProtoError::from(ProtoErrorKind::Timeout)),
            FAILURE_TTL
        );
        assert!(FAILURE_TTL <= Duration::from_secs(5));
    }
}
