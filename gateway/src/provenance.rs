//! Who really sent a message: SPF (RFC 7208), DKIM (RFC 6376) and DMARC
//! (RFC 7489) with Stalwart's `mail-auth`, through the resolvers of
//! `[smtp] dns_resolvers`; the result as an `Authentication-Results:`
//! field (RFC 8601) under our authserv-id (`[smtp] hostname`); and the two
//! provenance categories of the policy:
//!
//! - `spoofed_sender`: DMARC fails for a `From:` domain whose record asks
//!   for `quarantine` or `reject` (RFC 7489 §6.3 `p=`), or the `From:`
//!   domain is one of our accepted domains and neither SPF nor DKIM passed
//!   aligned with it (mail "from the town" sent from outside);
//! - `lookalike_sender`: the `From:` domain is not one of ours or a
//!   partner's but reads like one: the same Unicode confusable skeleton
//!   (UTS #39 §4, so `vi11e-exemple.fr` and a Cyrillic `е` both match
//!   `ville-exemple.fr`), or one or two edits away (Damerau–Levenshtein).
//!
//! Lookups are bounded by a time budget; what cannot be looked up is a
//! `temperror`, which never blocks mail by itself (we are not a spam
//! filter).
//!
//! # DNS: one query per name, however many messages wait
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
//! its verify functions, [`SenderChecks`] asks, through the single-flight
//! cache, the TXT records they will read: the SPF record of the envelope
//! domain and those its `include:` and `redirect=` name literally, the
//! DKIM key of each signature, and the DMARC records of the `From:` domain
//! in mail-auth's own walk order. The answers are stored under mail-auth's
//! own keys and in its own form (parsed record, or the very error it would
//! have returned), so its verify functions then read them from the cache
//! and decide exactly as they would have. A message keeps the answers it
//! was given for the rest of its check (`MessageTxt`), even if their TTL
//! ends while it waits for another name, lest a burst that waited out a
//! lost query then ask everything else again, one query per message.
//! What mail-auth may still ask itself (an SPF `a`, `mx`, `ptr` or
//! `exists` term, a macro target, an `exp=`, more than
//! [`SenderChecks::PREFETCHED_SIGNATURES`] signatures) goes through the
//! same cache: a positive answer is then shared until its TTL ends, but
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

use ecluse_scanner::{DkimCheck, SenderAuth, Sentence};
use hickory_resolver::Name;
use hickory_resolver::config::{NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::{ProtoError, ProtoErrorKind};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::resolver::{IntoFqdn, UnwrapTxtRecord};
use mail_auth::common::verify::{DomainKey, VerifySignature};
use mail_auth::dmarc::Dmarc;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::spf::{Macro, Mechanism, Spf};
use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, MessageAuthenticator,
    SpfResult, Txt,
};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
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

    fn new() -> Self {
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

type Arc<T> = std::sync::Arc<T>;

/// The caches of the lookups SPF, DKIM and DMARC make.
struct Caches {
    txt: DnsCache<String, mail_auth::Txt>,
    mx: DnsCache<String, Arc<Vec<mail_auth::MX>>>,
    ipv4: DnsCache<String, Arc<Vec<std::net::Ipv4Addr>>>,
    ipv6: DnsCache<String, Arc<Vec<std::net::Ipv6Addr>>>,
    ptr: DnsCache<IpAddr, Arc<Vec<String>>>,
}

/// The TXT answers of one message: those asked ahead for it, kept for the
/// whole check even if their TTL ends meanwhile (RFC 1035 §3.2.1: a TTL
/// bounds caching, not "the transaction in progress"), so that a message
/// that waited for a slow answer does not ask again the names it already
/// has; then the shared cache, which also takes what mail-auth looks up
/// itself.
struct MessageTxt<'a> {
    shared: &'a DnsCache<String, Txt>,
    asked: Mutex<HashMap<String, Txt>>,
}

impl<'a> MessageTxt<'a> {
    fn new(shared: &'a DnsCache<String, Txt>) -> Self {
        MessageTxt {
            shared,
            asked: Mutex::new(HashMap::new()),
        }
    }

    fn keep(&self, key: String, answer: Txt) {
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
type Cached<'x, P> = mail_auth::Parameters<
    'x,
    P,
    MessageTxt<'x>,
    DnsCache<String, Arc<Vec<mail_auth::MX>>>,
    DnsCache<String, Arc<Vec<std::net::Ipv4Addr>>>,
    DnsCache<String, Arc<Vec<std::net::Ipv6Addr>>>,
    DnsCache<IpAddr, Arc<Vec<String>>>,
>;

/// The sender checks, built once at start (and at each reload).
pub struct SenderChecks {
    auth: MessageAuthenticator,
    caches: Caches,
    authserv_id: String,
    /// Our accepted domains, lower case.
    own: Vec<String>,
    /// Our domains and the partners', each with its confusable skeleton.
    known: Vec<(String, String)>,
    budget: Duration,
}

/// What the checks found for one message.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The results, for the report, the pages and the log line.
    pub auth: SenderAuth,
    /// `Authentication-Results: …` CRLF-terminated, to put after our
    /// `Received:` line.
    pub header: Vec<u8>,
    /// Why the sender is forged (`spoofed_sender`), as the finding's
    /// sentence (rendered in French or English where it is shown).
    pub spoofed: Option<Sentence>,
    /// Why the sender's domain imitates a known one (`lookalike_sender`).
    pub lookalike: Option<Sentence>,
    /// Every address of the `From:` fields, lower case, without a root dot.
    pub from_addresses: Vec<String>,
}

/// The resolver could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver for SPF, DKIM and DMARC: {0}")]
pub struct ResolverError(String);

impl SenderChecks {
    /// Checks with `resolvers` (UDP and TCP to each; the system's
    /// `/etc/resolv.conf` when empty), `authserv_id` in
    /// `Authentication-Results`, our `own` accepted domains and the
    /// `partners` domains for lookalikes; `budget` bounds the lookups of
    /// one message.
    pub fn new(
        resolvers: &[SocketAddr],
        authserv_id: &str,
        own: &[String],
        partners: &[String],
        budget: Duration,
    ) -> Result<SenderChecks, ResolverError> {
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(3);
        opts.attempts = 1;
        opts.cache_size = 4096;
        // hickory's own cache keeps negative answers (those with an SOA)
        // no longer than ours does.
        opts.negative_max_ttl = Some(NEGATIVE_MAX);
        let auth = if resolvers.is_empty() {
            let (config, mut sys) = hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| ResolverError(format!("/etc/resolv.conf: {e}")))?;
            sys.cache_size = opts.cache_size;
            sys.negative_max_ttl = opts.negative_max_ttl;
            sys.timeout = sys.timeout.min(opts.timeout);
            MessageAuthenticator::new(config, sys)
        } else {
            let servers: Vec<NameServerConfig> = resolvers
                .iter()
                .flat_map(|&a| {
                    [
                        NameServerConfig::new(a, ProtocolConfig::Udp),
                        NameServerConfig::new(a, ProtocolConfig::Tcp),
                    ]
                })
                .collect();
            MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], servers), opts)
        }
        .map_err(|e| ResolverError(e.to_string()))?;
        let own: Vec<String> = own.iter().map(|d| d.to_ascii_lowercase()).collect();
        let known = own
            .iter()
            .chain(partners)
            .map(|d| {
                let d = unicode_domain(d);
                let s = skeleton(&d);
                (d, s)
            })
            .collect();
        Ok(SenderChecks {
            auth,
            caches: Caches {
                txt: DnsCache::new(),
                mx: DnsCache::new(),
                ipv4: DnsCache::new(),
                ipv6: DnsCache::new(),
                ptr: DnsCache::new(),
            },
            authserv_id: authserv_id.to_string(),
            own,
            known,
            budget,
        })
    }

    /// `params` with the caches, the TXT answers of this message first.
    fn cached<'x, P>(&'x self, txt: &'x MessageTxt<'x>, params: P) -> Cached<'x, P> {
        let c = &self.caches;
        mail_auth::Parameters::new(params)
            .with_txt_cache(txt)
            .with_mx_cache(&c.mx)
            .with_ipv4_cache(&c.ipv4)
            .with_ipv6_cache(&c.ipv6)
            .with_ptr_cache(&c.ptr)
    }

    /// Most DKIM signatures of one message whose keys are asked before
    /// mail-auth verifies them (it asks the others itself).
    pub const PREFETCHED_SIGNATURES: usize = 8;
    /// Most SPF records read ahead for one message (the top one, its
    /// `include:`s and `redirect=`s): RFC 7208 §4.6.4's ten DNS terms.
    const PREFETCHED_SPF_RECORDS: usize = 10;

    /// The TXT record `name` parsed as `T`, as mail-auth's `txt_lookup`
    /// returns it, through the single-flight cache: one query for all the
    /// callers that want it at the same time, its answer kept under
    /// mail-auth's own key (the lower-case FQDN) in mail-auth's own form,
    /// the errors included (a negative answer as `DnsRecordNotFound`, as
    /// mail-auth's lookups give it), for [`failure_ttl`]; and kept in
    /// `message`'s answers for the rest of its check.
    async fn txt<T>(&self, message: &MessageTxt<'_>, name: &str) -> mail_auth::Result<Arc<T>>
    where
        T: TxtRecordParser + Into<Txt> + UnwrapTxtRecord,
    {
        let key = name.into_fqdn().into_owned();
        let answer = self
            .caches
            .txt
            .get_or_fetch(key.clone(), || self.ask_txt::<T>(key.clone()))
            .await;
        message.keep(key, answer.clone());
        T::unwrap_txt(answer)
    }

    /// One TXT query, read as mail-auth's `txt_lookup` reads it (each
    /// record's character-strings joined, the first record that parses
    /// as `T`), with the moment the answer ends.
    async fn ask_txt<T>(&self, key: String) -> (Txt, Instant)
    where
        T: TxtRecordParser + Into<Txt>,
    {
        let now = Instant::now();
        let name = match Name::from_str_relaxed(&key) {
            Ok(name) => name,
            Err(e) => return (Txt::Error(e.into()), now + FAILURE_TTL),
        };
        match self.auth.resolver().txt_lookup(name).await {
            Ok(answer) => {
                let mut parsed = Err(mail_auth::Error::InvalidRecordType);
                for record in answer.as_lookup().record_iter() {
                    let Some(txt) = record.data().as_txt() else {
                        continue;
                    };
                    if txt.txt_data().is_empty() {
                        continue;
                    }
                    let text: Vec<u8> = txt.txt_data().concat();
                    parsed = T::parse(&text);
                    if parsed.is_ok() {
                        break;
                    }
                }
                (parsed.into(), answer.valid_until().max(now + POSITIVE_MIN))
            }
            Err(e) => {
                let until = now + failure_ttl(&e);
                (Txt::Error(e.into()), until)
            }
        }
    }

    /// Asks ahead, through the single-flight cache, the TXT records the
    /// verify functions will read for this message (see the module's
    /// docs): the DKIM keys, the SPF records of `spf_domain`, the DMARC
    /// records of `from_domain`. Concurrent messages from one domain thus
    /// wait for one query per name. Errors are left for mail-auth to read
    /// from the cache and judge.
    async fn prefetch(
        &self,
        txt: &MessageTxt<'_>,
        message: &AuthenticatedMessage<'_>,
        spf_domain: &str,
        from_domain: &str,
    ) {
        let dkim = async {
            let keys = message
                .dkim_headers
                .iter()
                .filter_map(|h| h.header.as_ref().ok())
                .take(Self::PREFETCHED_SIGNATURES);
            for signature in keys {
                let _ = self.txt::<DomainKey>(txt, &signature.domain_key()).await;
            }
        };
        tokio::join!(
            dkim,
            self.prefetch_spf(txt, spf_domain),
            self.prefetch_dmarc(txt, from_domain)
        );
    }

    /// The SPF record of `domain` and those its `include:` and `redirect=`
    /// terms name literally, in the order `check_host` reads them, at most
    /// [`Self::PREFETCHED_SPF_RECORDS`]. A macro target depends on the
    /// sender and is left to mail-auth. This may read an include that the
    /// evaluation then skips (an earlier term matched): one query per name
    /// and TTL, not per message.
    async fn prefetch_spf(&self, txt: &MessageTxt<'_>, domain: &str) {
        let mut next = vec![domain.to_string()];
        let mut read = 0;
        while let Some(name) = next.pop() {
            if read == Self::PREFETCHED_SPF_RECORDS {
                break;
            }
            if !is_dns_name(name.trim_end_matches('.')) {
                continue;
            }
            read += 1;
            let Ok(record) = self.txt::<Spf>(txt, &name).await else {
                continue;
            };
            let literal = |m: &Macro| match m {
                Macro::Literal(bytes) => String::from_utf8(bytes.clone()).ok(),
                _ => None,
            };
            // a stack: the redirect last, the includes in reverse order
            next.extend(record.redirect.as_ref().and_then(literal));
            let includes: Vec<String> = record
                .directives
                .iter()
                .filter_map(|d| match &d.mechanism {
                    Mechanism::Include { macro_string } => literal(macro_string),
                    _ => None,
                })
                .collect();
            next.extend(includes.into_iter().rev());
        }
    }

    /// The DMARC records mail-auth's tree walk reads for `from_domain`
    /// (RFC 7489 §6.6.3, as mail-auth 0.7 walks it: the domain, then its
    /// parents, down to four labels at once from a longer name), up to the
    /// first one found or the first failure.
    async fn prefetch_dmarc(&self, txt: &MessageTxt<'_>, from_domain: &str) {
        let labels: Vec<&str> = from_domain.split('.').collect();
        let mut x = labels.len();
        if from_domain.is_empty() || x == 1 {
            return;
        }
        while x != 0 {
            let name = format!("_dmarc.{}.", labels[labels.len() - x..].join("."));
            match self.txt::<Dmarc>(txt, &name).await {
                Ok(_) => return,
                Err(
                    mail_auth::Error::DnsRecordNotFound(_) | mail_auth::Error::InvalidRecordType,
                ) => {}
                Err(_) => return,
            }
            x = if x < 5 { x - 1 } else { 4 };
        }
    }

    /// Checks one message received from `ip`, which said `helo`, with
    /// envelope sender `mail_from` (empty for the null sender).
    pub async fn check(&self, ip: IpAddr, helo: &str, mail_from: &str, raw: &[u8]) -> Checked {
        let helo = &printable_name(helo);
        let mut parsed = AuthenticatedMessage::parse(raw);
        if let Some(m) = parsed.as_mut() {
            // `a@banque.fr.` is `a@banque.fr` (RFC 1034 §3.1): without the
            // root dot, so that DMARC and the rules see the domain.
            for f in &mut m.from {
                *f = normalize_address(f);
            }
            // A signature whose d= or s= is no DNS name cannot pass, and
            // its text would go as it is into Authentication-Results.
            m.dkim_headers.retain(|h| match &h.header {
                Ok(sig) => is_dns_name(&sig.d) && is_dns_name(&sig.s),
                Err(_) => true,
            });
        }
        let from_addresses: Vec<String> =
            parsed.as_ref().map(|m| m.from.clone()).unwrap_or_default();
        // mail-auth sees only the entries with an address; a phrase, a
        // group or a second entry makes "no single From", which nothing
        // can verify (ecluse_scanner::originator).
        let sole = ecluse_scanner::sole_from(raw);
        let single_from = sole
            .as_deref()
            .is_some_and(|s| from_addresses.len() == 1 && from_addresses[0] == s);
        let from_domain = from_domain(&from_addresses);
        let checked = tokio::time::timeout(
            self.budget,
            self.lookups(ip, helo, mail_from, parsed.as_ref()),
        )
        .await;
        let (mut auth, header) = match checked {
            Ok(done) => done,
            Err(_) => {
                metrics::counter!("ecluse_sender_check_timeouts_total").increment(1);
                let auth = SenderAuth {
                    from_domain: from_domain.clone(),
                    spf: "temperror".into(),
                    spf_domain: domain_of(mail_from).unwrap_or(helo).to_ascii_lowercase(),
                    dkim: Vec::new(),
                    dmarc: "temperror".into(),
                    dmarc_policy: String::new(),
                    envelope_authenticated: false,
                    from_authenticated: false,
                    no_single_from: false,
                };
                // Results only, as for a field sender text would break.
                let header = minimal_header(&self.authserv_id, &auth);
                (auth, header)
            }
        };
        let header = if well_formed(&header) {
            header
        } else {
            // What mail-auth wrote carries text that would break the field
            // (RFC 8601 §2.2 comments and quotes): ours, results only.
            metrics::counter!("ecluse_authentication_results_rebuilt_total").increment(1);
            minimal_header(&self.authserv_id, &auth)
        };
        let display = parsed.as_ref().and_then(|m| {
            m.headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(b"From"))
                .and_then(|(_, value)| self.display_name_spoof(&String::from_utf8_lossy(value)))
        });
        if !single_from {
            auth.no_single_from = true;
            auth.from_authenticated = false;
        }
        let spoofed = if !single_from {
            Some(Sentence::NoSingleFrom {
                addresses: from_addresses.len() as u64,
            })
        } else {
            self.spoofed(&auth).or(display)
        };
        let lookalike = self.lookalike(&auth.from_domain);
        Checked {
            auth,
            header,
            spoofed,
            lookalike,
            from_addresses,
        }
    }

    /// A display name that shows an address of ours or a partner's while
    /// the address is elsewhere (`"maire@ville-exemple.fr" <a@evil.com>`).
    pub fn display_name_spoof(&self, from_text: &str) -> Option<Sentence> {
        let (name, address) = from_text.rsplit_once('<')?;
        let address_domain = normalize_address(address.trim_end_matches('>'))
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())?;
        let name = name.to_lowercase();
        self.known.iter().find_map(|(known, _)| {
            (name.contains(&format!("@{known}"))
                && address_domain != *known
                && !address_domain.ends_with(&format!(".{known}")))
            .then(|| Sentence::DisplayNameShows {
                known: known.clone(),
                domain: address_domain.clone(),
            })
        })
    }

    async fn lookups(
        &self,
        ip: IpAddr,
        helo: &str,
        mail_from: &str,
        parsed: Option<&AuthenticatedMessage<'_>>,
    ) -> (SenderAuth, Vec<u8>) {
        let empty = AuthenticatedMessage::default();
        let message = parsed.unwrap_or(&empty);
        let helo_domain = if helo.is_empty() { "unknown" } else { helo };
        let mail_from_domain = domain_of(mail_from)
            .unwrap_or(helo_domain)
            .to_ascii_lowercase();
        let txt = MessageTxt::new(&self.caches.txt);
        self.prefetch(
            &txt,
            message,
            &mail_from_domain,
            &from_domain(message.froms()),
        )
        .await;
        let dkim = if parsed.is_some() {
            self.auth.verify_dkim(self.cached(&txt, message)).await
        } else {
            Vec::new()
        };
        let spf = if mail_from.is_empty() {
            self.auth
                .verify_spf(self.cached(
                    &txt,
                    SpfParameters::verify_ehlo(ip, helo_domain, &self.authserv_id),
                ))
                .await
        } else {
            self.auth
                .verify_spf(self.cached(
                    &txt,
                    SpfParameters::verify_mail_from(ip, helo_domain, &self.authserv_id, mail_from),
                ))
                .await
        };
        let dmarc = self
            .auth
            .verify_dmarc(
                self.cached(
                    &txt,
                    DmarcParameters::new(message, &dkim, &mail_from_domain, &spf)
                        .with_domain_suffix_fn(organizational_domain),
                ),
            )
            .await;
        // mail-auth 0.7 leaves both DMARC results at `None` when neither
        // SPF nor DKIM passed, which its header writes `dmarc=none`; with a
        // record, RFC 7489 §6.6.2 calls that a failure.
        let dmarc = if dmarc.dmarc_record().is_some()
            && *dmarc.spf_result() == DmarcResult::None
            && *dmarc.dkim_result() == DmarcResult::None
        {
            dmarc
                .with_spf_result(DmarcResult::Fail(mail_auth::Error::NotAligned))
                .with_dkim_result(DmarcResult::Fail(mail_auth::Error::NotAligned))
        } else {
            dmarc
        };
        let from_domain = from_domain(message.froms());
        let header = AuthenticationResults::new(&self.authserv_id)
            .with_dkim_results(&dkim, message.from())
            .with_spf_mailfrom_result(&spf, ip, mail_from, helo_domain)
            .with_dmarc_result(&dmarc)
            .to_header()
            .into_bytes();
        let dkim_checks: Vec<DkimCheck> = dkim
            .iter()
            .map(|o| DkimCheck {
                domain: o
                    .signature()
                    .map(|s| s.domain().to_ascii_lowercase())
                    .unwrap_or_default(),
                result: dkim_word(o.result()).into(),
            })
            .collect();
        let spf_pass = spf.result() == SpfResult::Pass;
        let org = |d: &str| organizational_domain(d).to_string();
        let from_org = org(&from_domain);
        let envelope_authenticated = (spf_pass && !mail_from.is_empty())
            || dkim_checks
                .iter()
                .any(|c| c.result == "pass" && org(&c.domain) == org(&mail_from_domain));
        // Relaxed alignment (RFC 7489 §3.1), whether or not the domain
        // publishes a DMARC record.
        let from_authenticated = !from_domain.is_empty()
            && ((spf_pass && org(spf.domain()) == from_org)
                || dkim_checks
                    .iter()
                    .any(|c| c.result == "pass" && org(&c.domain) == from_org));
        let record = dmarc.dmarc_record().is_some();
        let word = match (dmarc.spf_result(), dmarc.dkim_result()) {
            (DmarcResult::Pass, _) | (_, DmarcResult::Pass) => "pass",
            (DmarcResult::TempError(_), _) | (_, DmarcResult::TempError(_)) => "temperror",
            (DmarcResult::PermError(_), _) | (_, DmarcResult::PermError(_)) => "permerror",
            _ if record => "fail",
            _ => "none",
        };
        let policy_word = |p: &mail_auth::dmarc::Policy| match p {
            mail_auth::dmarc::Policy::Reject => "reject",
            mail_auth::dmarc::Policy::Quarantine => "quarantine",
            _ => "none",
        };
        let mut policy = if record {
            policy_word(&dmarc.policy())
        } else {
            ""
        };
        // A subdomain without a record of its own takes the organizational
        // domain's `sp=` (RFC 7489 §6.6.3 step 6); mail-auth applies it only
        // when SPF or DKIM passed unaligned.
        if word == "fail" && from_domain != organizational_domain(&from_domain) {
            if let Some(rec) = dmarc.dmarc_record() {
                let own = self
                    .auth
                    .txt_lookup::<mail_auth::dmarc::Dmarc>(
                        format!("_dmarc.{from_domain}."),
                        Some(&txt),
                    )
                    .await;
                if own.is_err() {
                    policy = policy_word(&rec.sp);
                }
            }
        }
        let auth = SenderAuth {
            from_domain,
            spf: spf_word(spf.result()).into(),
            spf_domain: spf.domain().to_ascii_lowercase(),
            dkim: dkim_checks,
            dmarc: word.into(),
            dmarc_policy: policy.into(),
            envelope_authenticated,
            from_authenticated,
            no_single_from: false,
        };
        (auth, header)
    }

    /// `spoofed_sender`, with the reason.
    fn spoofed(&self, auth: &SenderAuth) -> Option<Sentence> {
        let d = &auth.from_domain;
        if d.is_empty() || auth.from_authenticated {
            return None;
        }
        if auth.dmarc == "fail" && matches!(auth.dmarc_policy.as_str(), "quarantine" | "reject") {
            return Some(Sentence::DmarcFailed {
                domain: d.clone(),
                policy: auth.dmarc_policy.clone(),
            });
        }
        let ours = self
            .own
            .iter()
            .any(|o| d == o || d.ends_with(&format!(".{o}")));
        if ours && auth.dmarc != "temperror" {
            return Some(Sentence::OwnDomainUnauthenticated { domain: d.clone() });
        }
        None
    }

    /// `lookalike_sender`, with the reason. Domains are compared by their
    /// registrable label (`ville-exemple` of `ville-exemple.fr`, `ain` of
    /// `ain.gouv.fr`: the Public Suffix List) and their public suffix:
    /// - the same confusable skeleton (UTS #39), hyphens aside, under any
    ///   suffix (`vi11e-exemple.fr`, `ville-exemple.com`, `villeexemple.fr`);
    /// - under the same suffix, one edit away for a label of 5 to 8
    ///   characters, two from 9 (`ville-exemples.fr`); none below 5, where
    ///   real names are that close (`ain`, `aisne`, `tarn`);
    /// - a known domain, or a known label of 5 characters or more, as a
    ///   label of another domain (`ville-exemple.fr.evil.com`,
    ///   `ville-exemple.evil.com`, `mairie-ville-exemple.fr`).
    fn lookalike(&self, from_domain: &str) -> Option<Sentence> {
        if from_domain.is_empty() {
            return None;
        }
        let d = unicode_domain(from_domain);
        let org = organizational_domain(&d).to_string();
        for (known, _) in &self.known {
            // the same registrant: a known domain, or a sibling under it
            if d == *known
                || d.ends_with(&format!(".{known}"))
                || org == organizational_domain(known)
            {
                return None;
            }
        }
        let (label, suffix) = split_registrable(&d);
        let squeezed = skeleton(&label.replace('-', ""));
        for (known, _) in &self.known {
            let (known_label, known_suffix) = split_registrable(known);
            if squeezed == skeleton(&known_label.replace('-', "")) {
                return Some(Sentence::LookalikeSkeleton {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                });
            }
            let n = known_label.chars().count();
            let near = match n {
                0..5 => 0,
                5..9 => 1,
                _ => 2,
            };
            let edits = strsim::damerau_levenshtein(&label, &known_label);
            if suffix == known_suffix && edits <= near {
                return Some(Sentence::LookalikeEdits {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                    edits: edits as u64,
                });
            }
            let inside = d.contains(&format!("{known}."))
                || (n >= 5
                    && d.split(['.', '-'])
                        .collect::<Vec<_>>()
                        .windows(known_label.split('-').count())
                        .any(|w| w.join("-") == known_label));
            if inside {
                return Some(Sentence::LookalikeInside {
                    domain: from_domain.to_string(),
                    known: known.clone(),
                });
            }
        }
        None
    }
}

/// The registrable label and the public suffix of a domain
/// (`ville-exemple`, `fr`); an unknown suffix counts as the last label.
fn split_registrable(domain: &str) -> (String, String) {
    let org = organizational_domain(domain);
    match org.split_once('.') {
        Some((label, suffix)) => (label.to_string(), suffix.to_string()),
        None => (org.to_string(), String::new()),
    }
}

/// `name@Domain.` as `name@domain`.
fn normalize_address(address: &str) -> String {
    let a = address.trim().to_lowercase();
    match a.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.trim_end_matches('.')),
        None => a,
    }
}

/// Letters, digits, `-`, `_` and dots: what a DKIM `d=` or `s=` can be.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A `HELO` name as it may appear in a header: printable ASCII without
/// the characters that open or escape a comment or a quote; the rest `?`.
pub fn printable_name(name: &str) -> String {
    name.chars()
        .take(255)
        .map(|c| {
            if c.is_ascii_graphic() && !"()\\\";<>".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The field is printable ASCII, its comments and quotes balanced, no
/// backslash (RFC 8601 §2.2, RFC 5322 §3.2.2).
fn well_formed(header: &[u8]) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for &b in header {
        match b {
            b'\\' => return false,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            b'\r' | b'\n' | b'\t' => {}
            b if !(0x20..0x7f).contains(&b) => return false,
            _ => {}
        }
    }
    // An empty value (`header.from= `) is no value (RFC 8601 §2.2).
    let empty_value = header
        .windows(2)
        .any(|w| w[0] == b'=' && matches!(w[1], b' ' | b';' | b'\r'));
    depth == 0 && !quoted && !empty_value
}

/// The results without comments or sender-given text but domain names.
fn minimal_header(authserv_id: &str, a: &SenderAuth) -> Vec<u8> {
    let mut h = format!("Authentication-Results: {authserv_id}");
    for d in &a.dkim {
        h.push_str(&format!(
            ";\r\n\tdkim={} header.d={}",
            d.result,
            printable_name(&d.domain)
        ));
    }
    h.push_str(&format!(
        ";\r\n\tspf={} smtp.mailfrom={}",
        a.spf,
        printable_name(&a.spf_domain)
    ));
    h.push_str(&format!(
        ";\r\n\tdmarc={} header.from={}\r\n",
        a.dmarc,
        if a.from_domain.is_empty() {
            "none".to_string()
        } else {
            printable_name(&a.from_domain)
        }
    ));
    h.into_bytes()
}

/// The organizational domain (RFC 7489 §3.2) by the Public Suffix List.
fn organizational_domain(domain: &str) -> &str {
    psl::domain_str(domain).unwrap_or(domain)
}

/// The single domain of the `From:` addresses, lower case; empty for none
/// or several (RFC 7489 §6.6.1 exempts the latter).
fn from_domain(froms: &[String]) -> String {
    let mut domains = froms
        .iter()
        .filter_map(|f| f.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    match (domains.next(), domains.next()) {
        (Some(d), None) => d,
        (Some(d), Some(e)) if d == e && domains.all(|x| x == d) => d,
        _ => String::new(),
    }
}

fn domain_of(address: &str) -> Option<&str> {
    address.rsplit_once('@').map(|(_, d)| d)
}

/// A domain as a reader sees it: A-labels (`xn--…`) decoded, lower case.
fn unicode_domain(domain: &str) -> String {
    let (text, result) = idna::domain_to_unicode(&domain.to_lowercase());
    if result.is_ok() {
        text
    } else {
        domain.to_lowercase()
    }
}

/// The UTS #39 skeleton of a domain, lower-cased after mapping (so that
/// `I` and `l` meet).
fn skeleton(domain: &str) -> String {
    unicode_security::confusable_detection::skeleton(domain)
        .collect::<String>()
        .to_lowercase()
}

fn spf_word(r: SpfResult) -> &'static str {
    match r {
        SpfResult::Pass => "pass",
        SpfResult::Fail => "fail",
        SpfResult::SoftFail => "softfail",
        SpfResult::Neutral => "neutral",
        SpfResult::TempError => "temperror",
        SpfResult::PermError => "permerror",
        SpfResult::None => "none",
    }
}

fn dkim_word(r: &DkimResult) -> &'static str {
    match r {
        DkimResult::Pass => "pass",
        DkimResult::Neutral(_) => "neutral",
        DkimResult::Fail(_) => "fail",
        DkimResult::PermError(_) => "permerror",
        DkimResult::TempError(_) => "temperror",
        DkimResult::None => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks() -> SenderChecks {
        SenderChecks::new(
            &["127.0.0.1:9".parse().unwrap()],
            "mx.ville-exemple.fr",
            &["ville-exemple.fr".into()],
            &["ain.gouv.fr".into(), "dgfip.finances.gouv.fr".into()],
            Duration::from_secs(1),
        )
        .unwrap()
    }

    #[test]
    fn lookalikes_by_skeleton_and_edits() {
        let c = checks();
        for d in [
            "vi11e-exemple.fr",
            // Cyrillic е (U+0435) in "exemple", as an A-label and as text
            "ville-\u{435}xemple.fr",
            "ville-exemples.fr",
            "viile-exemple.fr",
            "dgfip-finances.gouv.fr",
            "ville-exemple.com",
            "villeexemple.fr",
            "ville-exemple.fr.evil.com",
            "ville-exemple.evil.com",
            "mairie-ville-exemple.fr",
        ] {
            assert!(
                c.lookalike(d).is_some(),
                "{d} should look like a known domain"
            );
        }
        let cyrillic = idna::domain_to_ascii("ville-\u{435}xemple.fr").unwrap();
        assert_eq!(cyrillic, "xn--ville-xemple-xck.fr");
        assert!(cyrillic.starts_with("xn--"));
        assert!(c.lookalike(&cyrillic).is_some(), "{cyrillic}");
        for d in [
            "ville-exemple.fr",
            "mail.ville-exemple.fr",
            "ain.gouv.fr",
            "laposte.net",
            "orange.fr",
            "ville-autre.fr",
            "gmail.com",
            // real préfectures near a short partner name
            "aisne.gouv.fr",
            "tarn.gouv.fr",
            // the partner's own organisation
            "impots.finances.gouv.fr",
            "wanadoo.fr",
            "free.fr",
        ] {
            assert_eq!(c.lookalike(d), None, "{d} is no lookalike");
        }
    }

    #[test]
    fn spoofed_by_dmarc_policy_or_own_domain() {
        let c = checks();
        let base = SenderAuth {
            from_domain: "partenaire.fr".into(),
            dmarc: "fail".into(),
            dmarc_policy: "reject".into(),
            ..Default::default()
        };
        assert!(c.spoofed(&base).is_some());
        let none_policy = SenderAuth {
            dmarc_policy: "none".into(),
            ..base.clone()
        };
        assert_eq!(c.spoofed(&none_policy), None, "p=none asks for nothing");
        let passed = SenderAuth {
            from_authenticated: true,
            ..base.clone()
        };
        assert_eq!(c.spoofed(&passed), None);
        let ours = SenderAuth {
            from_domain: "ville-exemple.fr".into(),
            dmarc: "none".into(),
            dmarc_policy: String::new(),
            ..Default::default()
        };
        assert!(
            c.spoofed(&ours).is_some(),
            "our domain from outside, unauthenticated"
        );
        let ours_dns_down = SenderAuth {
            dmarc: "temperror".into(),
            ..ours.clone()
        };
        assert_eq!(
            c.spoofed(&ours_dns_down),
            None,
            "a DNS failure is not proof"
        );
    }
}

#[cfg(test)]
mod dns_tests {
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

#[cfg(test)]
mod header_tests {
    use super::*;

    #[test]
    fn a_field_with_sender_text_that_breaks_it_is_not_well_formed() {
        assert!(well_formed(b"Authentication-Results: mx.a.fr;\r\n\tspf=fail (mx.a.fr: x) smtp.mailfrom=a@b.fr;\r\n\tdmarc=fail header.from=b.fr policy.dmarc=reject\r\n"));
        for bad in [
            &b"Authentication-Results: mx.a.fr; dkim=neutral header.s=sel(; spf=fail\r\n"[..],
            b"Authentication-Results: mx.a.fr; spf=none (x\\) smtp.mailfrom=<>\r\n",
            b"Authentication-Results: mx.a.fr; dkim=pass header.s=x\"\r\n",
            b"Authentication-Results: mx.a.fr; dmarc=none header.from= policy.dmarc=none\r\n",
            b"Authentication-Results: mx.a.fr; spf=pass (\xc3\xa9)\r\n",
        ] {
            assert!(!well_formed(bad), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            printable_name("x\\(evil);dmarc=pass"),
            "x??evil??dmarc=pass"
        );
        assert_eq!(normalize_address("A@Banque.FR."), "a@banque.fr");
        assert!(!is_dns_name("sel(") && is_dns_name("s2026._sub"));
    }
}
