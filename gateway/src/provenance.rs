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
//! filter). The resolver caches answers for their TTL.

use ecluse_scanner::{DkimCheck, SenderAuth};
use hickory_resolver::config::{NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::common::verify::VerifySignature;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, MessageAuthenticator,
    SpfResult,
};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The sender checks, built once at start (and at each reload).
pub struct SenderChecks {
    auth: MessageAuthenticator,
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
    /// Why the sender is forged (`spoofed_sender`), in English.
    pub spoofed: Option<String>,
    /// Why the sender's domain imitates a known one (`lookalike_sender`).
    pub lookalike: Option<String>,
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
        let auth = if resolvers.is_empty() {
            let (config, mut sys) = hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| ResolverError(format!("/etc/resolv.conf: {e}")))?;
            sys.cache_size = opts.cache_size;
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
            authserv_id: authserv_id.to_string(),
            own,
            known,
            budget,
        })
    }

    /// Checks one message received from `ip`, which said `helo`, with
    /// envelope sender `mail_from` (empty for the null sender).
    pub async fn check(&self, ip: IpAddr, helo: &str, mail_from: &str, raw: &[u8]) -> Checked {
        let parsed = AuthenticatedMessage::parse(raw);
        let from_domain = parsed
            .as_ref()
            .map(|m| from_domain(m.froms()))
            .unwrap_or_default();
        let checked = tokio::time::timeout(
            self.budget,
            self.lookups(ip, helo, mail_from, parsed.as_ref()),
        )
        .await;
        let (auth, header) = match checked {
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
                };
                let header = format!(
                    "Authentication-Results: {};\r\n\tspf=temperror smtp.mailfrom={}\r\n\t(the DNS lookups took longer than {} s);\r\n\tdmarc=temperror\r\n",
                    self.authserv_id,
                    if mail_from.is_empty() { "<>" } else { mail_from },
                    self.budget.as_secs()
                )
                .into_bytes();
                (auth, header)
            }
        };
        let spoofed = self.spoofed(&auth);
        let lookalike = self.lookalike(&auth.from_domain);
        Checked {
            auth,
            header,
            spoofed,
            lookalike,
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
        let dkim = if parsed.is_some() {
            self.auth.verify_dkim(message).await
        } else {
            Vec::new()
        };
        let helo_domain = if helo.is_empty() { "unknown" } else { helo };
        let spf = if mail_from.is_empty() {
            self.auth
                .verify_spf(SpfParameters::verify_ehlo(
                    ip,
                    helo_domain,
                    &self.authserv_id,
                ))
                .await
        } else {
            self.auth
                .verify_spf(SpfParameters::verify_mail_from(
                    ip,
                    helo_domain,
                    &self.authserv_id,
                    mail_from,
                ))
                .await
        };
        let mail_from_domain = domain_of(mail_from)
            .unwrap_or(helo_domain)
            .to_ascii_lowercase();
        let dmarc = self
            .auth
            .verify_dmarc(
                DmarcParameters::new(message, &dkim, &mail_from_domain, &spf)
                    .with_domain_suffix_fn(organizational_domain),
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
        let policy = if record {
            match dmarc.policy() {
                mail_auth::dmarc::Policy::Reject => "reject",
                mail_auth::dmarc::Policy::Quarantine => "quarantine",
                _ => "none",
            }
        } else {
            ""
        };
        let auth = SenderAuth {
            from_domain,
            spf: spf_word(spf.result()).into(),
            spf_domain: spf.domain().to_ascii_lowercase(),
            dkim: dkim_checks,
            dmarc: word.into(),
            dmarc_policy: policy.into(),
            envelope_authenticated,
            from_authenticated,
        };
        (auth, header)
    }

    /// `spoofed_sender`, with the reason.
    fn spoofed(&self, auth: &SenderAuth) -> Option<String> {
        let d = &auth.from_domain;
        if d.is_empty() || auth.from_authenticated {
            return None;
        }
        if auth.dmarc == "fail" && matches!(auth.dmarc_policy.as_str(), "quarantine" | "reject") {
            return Some(format!(
                "the From: domain {d} failed DMARC (neither SPF nor DKIM passed aligned with it) and its record asks to {} such mail",
                auth.dmarc_policy
            ));
        }
        let ours = self
            .own
            .iter()
            .any(|o| d == o || d.ends_with(&format!(".{o}")));
        if ours && auth.dmarc != "temperror" {
            return Some(format!(
                "the From: domain {d} is one of ours, but the message came from outside without passing SPF or DKIM for it"
            ));
        }
        None
    }

    /// `lookalike_sender`, with the reason.
    fn lookalike(&self, from_domain: &str) -> Option<String> {
        if from_domain.is_empty() {
            return None;
        }
        let d = unicode_domain(from_domain);
        let s = skeleton(&d);
        for (known, _) in &self.known {
            if d == *known || d.ends_with(&format!(".{known}")) {
                return None;
            }
        }
        for (known, known_skeleton) in &self.known {
            if s == *known_skeleton {
                return Some(format!(
                    "the From: domain {from_domain} is written with characters that look like {known}"
                ));
            }
            let edits = strsim::damerau_levenshtein(&d, known);
            let near = match known.chars().count() {
                0..6 => 0,
                6..10 => 1,
                _ => 2,
            };
            if edits <= near {
                return Some(format!(
                    "the From: domain {from_domain} is {edits} character(s) away from {known}"
                ));
            }
        }
        None
    }
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
            "a1n.gouv.fr",
            "dgfip-finances.gouv.fr",
        ] {
            assert!(
                c.lookalike(d).is_some(),
                "{d} should look like a known domain"
            );
        }
        let cyrillic = idna::domain_to_ascii("ville-\u{435}xemple.fr").unwrap();
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
