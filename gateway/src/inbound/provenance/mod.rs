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
//! # Layout
//!
//! - `mod.rs`: [`SenderChecks`]: SPF, DKIM and DMARC evaluated with
//!   mail-auth, `spoofed_sender`, and what a message's checks put in its
//!   report ([`Checked::weigh`]).
//! - `dns.rs`: the single-flight DNS cache the lookups go through (one
//!   query per name, however many messages wait; negative answers cached
//!   as RFC 2308 says) — the rule and its reasons are in that file's docs.
//! - `lookalike.rs`: `lookalike_sender`, and display names that show a
//!   known address.
//! - `authres.rs`: `Authentication-Results:`, the field we write (checked
//!   well formed, else rebuilt) and the forged ones we remove
//!   ([`remove_forged`]) before anything reads the message.
//! - `domain.rs`: domains and addresses as the checks compare them.
//!
//! `mod.rs` imports the four others; they import `domain.rs` at most,
//! never `mod.rs`.

mod authres;
mod dns;
mod domain;
mod lookalike;

pub use authres::{printable_name, remove_forged};
pub use dns::{
    DnsCache, FAILURE_TTL, NEGATIVE_MAX, NEGATIVE_MIN, NEGATIVE_WITHOUT_SOA, POSITIVE_MIN,
    failure_ttl,
};

use authres::{minimal_header, well_formed};
use dns::{Cached, Caches, MessageTxt};
use domain::{domain_of, from_domain, is_dns_name, normalize_address, organizational_domain};
use ecluse_scanner::{DkimCheck, Finding, FindingKind, Policy, Report, SenderAuth, Sentence};
use hickory_resolver::Name;
use hickory_resolver::config::{NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts};
use lookalike::KnownDomains;
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
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The sender checks, built once at start (and at each reload).
pub struct SenderChecks {
    auth: MessageAuthenticator,
    caches: Caches,
    authserv_id: String,
    /// Our accepted domains, lower case.
    own: Vec<String>,
    /// Our domains and the partners', for the lookalike checks.
    known: KnownDomains,
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
        let known = KnownDomains::new(&own, partners);
        Ok(SenderChecks {
            auth,
            caches: Caches::new(),
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
                .and_then(|(_, value)| {
                    self.known
                        .display_name_spoof(&String::from_utf8_lossy(value))
                })
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
        let lookalike = self.known.lookalike(&auth.from_domain);
        Checked {
            auth,
            header,
            spoofed,
            lookalike,
            from_addresses,
        }
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
}

impl Checked {
    /// Puts the checks into `report`: the results for the pages and the
    /// JSON report, and `spoofed_sender` / `lookalike_sender` on each
    /// attachment (a named part, or one that is not text), so that with
    /// the default policy the attachments are held and the notice says
    /// why. Mail without attachments keeps its text: we are not a spam
    /// filter.
    pub fn weigh(&self, report: &mut Report, policy: &Policy) {
        report.message.sender_auth = Some(self.auth.clone());
        let attachments: Vec<String> = report
            .parts
            .iter()
            .filter(|p| {
                p.filename.is_some()
                    || !p
                        .declared_type
                        .as_deref()
                        .unwrap_or("text/plain")
                        .to_ascii_lowercase()
                        .starts_with("text/")
            })
            .map(|p| p.path.clone())
            .collect();
        for (kind, why) in [
            (FindingKind::SpoofedSender, &self.spoofed),
            (FindingKind::LookalikeSender, &self.lookalike),
        ] {
            let Some(why) = why else { continue };
            for path in &attachments {
                report.add_finding(Some(path), Finding::new(kind, why.clone()), policy);
            }
        }
    }
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
