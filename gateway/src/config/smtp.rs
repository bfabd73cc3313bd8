//! `[smtp]`: the inbound listener, its limits, recipient verification and
//! the sender checks.

use super::raw::{OneOrMany, RawSmtp};
use super::source::{ConfigError, Source, parse_size};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `[smtp]`: the inbound listener.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// Our name in the banner, EHLO reply and `Received:` lines.
    pub hostname: String,
    /// Domains we accept mail for (lower case); subdomains are not included.
    pub accepted_domains: Vec<String>,
    /// Largest message accepted, in bytes (advertised with SIZE).
    pub max_message_size: usize,
    /// Most recipients per message.
    pub max_recipients: usize,
    /// PEM certificate chain and key; STARTTLS is offered when set.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Most simultaneous connections.
    pub max_connections: usize,
    /// Most simultaneous connections from one IP address.
    pub max_connections_per_ip: usize,
    /// Most messages being scanned at once.
    pub max_scans: usize,
    /// How long a message waits for a scan slot before `451 4.3.2`.
    pub scan_wait: Duration,
    /// Time to wait for a command.
    pub command_timeout: Duration,
    /// Time to wait for each chunk of message data.
    pub data_timeout: Duration,
    /// Longest line accepted in message data, CRLF included.
    pub max_line_length: usize,
    /// Protocol errors before the session is closed.
    pub max_errors: usize,
    /// `unknown_recipient_limit`: unknown recipients one client (an IPv4
    /// address, an IPv6 /64) may be told about in 10 minutes before its
    /// `RCPT`s get `450 4.7.1` (directory harvest, [`crate::inbound::harvest`];
    /// default 20).
    pub unknown_recipient_limit: usize,
    /// `verify_recipients`: how `RCPT` addresses are checked.
    pub verify_recipients: VerifyRecipients,
    /// `recipient_cache_positive`: how long an address found to exist is
    /// not asked about again (default 1 day).
    pub recipient_cache_positive: Duration,
    /// `recipient_cache_negative`: how long an unknown address is refused
    /// without asking again (default 1 hour: a new agent's address works
    /// within the hour).
    pub recipient_cache_negative: Duration,
    /// `dns_resolvers`: the DNS servers asked for SPF, DKIM and DMARC
    /// records (`ip:port`); empty for the system's (`/etc/resolv.conf`).
    pub dns_resolvers: Vec<SocketAddr>,
    /// `sender_checks`: SPF, DKIM and DMARC on every message, the
    /// `Authentication-Results:` field and the provenance categories
    /// (default true).
    pub sender_checks: bool,
    /// `sender_check_timeout`: the most the DNS lookups of one message may
    /// take; past it the results are `temperror` (default 10 s).
    pub sender_check_timeout: Duration,
}

/// `[smtp] verify_recipients`: whether and how an address is checked at
/// `RCPT` before `250` (Postfix's `reject_unverified_recipient`, Proxmox
/// Mail Gateway's receiver verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyRecipients {
    /// `"off"` (the default): any address of an accepted domain.
    Off,
    /// `"callout"`: the town's server (`[relay] downstream`) is asked with a
    /// `RCPT` probe under the null sender, on a reused connection.
    Callout,
    /// `"list"`: the addresses and `@domain` lines of `recipients_file`,
    /// read again when the file changes.
    List(PathBuf),
}

/// The addresses of `recipients_file`.
#[derive(Debug, Default)]
pub struct RecipientList {
    addresses: HashSet<String>,
    domains: HashSet<String>,
}

impl RecipientList {
    /// Reads the file: one address (`agent@ville-exemple.fr`) or one
    /// domain (`@ville-exemple.fr`: every address there) per line, blank
    /// lines and `#` comments ignored, compared without regard to case.
    /// Errors name the line.
    pub fn read(path: &Path) -> Result<RecipientList, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut list = RecipientList::default();
        for (n, line) in text.lines().enumerate() {
            let entry = line
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            match entry.rsplit_once('@') {
                Some(("", domain)) if !domain.is_empty() => {
                    list.domains.insert(domain.to_string());
                }
                Some((local, domain))
                    if !local.is_empty()
                        && !domain.is_empty()
                        && !entry.contains(char::is_whitespace) =>
                {
                    list.addresses.insert(entry.clone());
                }
                _ => {
                    return Err(format!(
                        "{} line {}: `{entry}` is neither an address nor @domain",
                        path.display(),
                        n + 1
                    ));
                }
            }
        }
        Ok(list)
    }

    /// Whether `address` (lower case) is in the list, itself or by its domain.
    pub fn contains(&self, address: &str) -> bool {
        self.addresses.contains(address)
            || address
                .rsplit_once('@')
                .is_some_and(|(_, d)| self.domains.contains(d))
    }

    /// How many addresses and domains it holds.
    pub fn len(&self) -> (usize, usize) {
        (self.addresses.len(), self.domains.len())
    }
}

impl SmtpConfig {
    /// Validates `[smtp]`; `with_tenants`: the file has `[[tenant]]`
    /// blocks (then `accepted_domains` may be left out, the tenants' domains
    /// fill it).
    pub(super) fn parse(
        s: RawSmtp,
        with_tenants: bool,
        src: &Source,
    ) -> Result<SmtpConfig, ConfigError> {
        let listen_raw = match s.listen {
            None => vec!["127.0.0.1:2525".to_string()],
            Some(OneOrMany::One(a)) => vec![a],
            Some(OneOrMany::Many(v)) => v,
        };
        if listen_raw.is_empty() {
            return Err(src.err(
                "[smtp] listen",
                "give at least one address, e.g. \"0.0.0.0:25\"".into(),
            ));
        }
        let listen = listen_raw
            .iter()
            .map(|a| {
                a.parse::<SocketAddr>().map_err(|_| {
                    src.err(
                        "[smtp] listen",
                        format!("`{a}` is not an IP:port address, e.g. \"0.0.0.0:25\""),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let hostname = s.hostname.unwrap_or_else(|| "localhost".into());
        if hostname.is_empty()
            || !hostname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(src.err(
                "[smtp] hostname",
                format!("`{hostname}` is not a host name"),
            ));
        }
        let accepted_domains: Vec<String> = s
            .accepted_domains
            .or_else(|| with_tenants.then(|| vec!["tenants.invalid".to_string()]))
            .ok_or_else(|| src.err("[smtp] accepted_domains", "missing: list the domains Écluse receives mail for, e.g. [\"ville-exemple.fr\"]".into()))?
            .into_iter()
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .collect();
        if accepted_domains.is_empty()
            || accepted_domains
                .iter()
                .any(|d| d.is_empty() || !d.contains('.') && d != "localhost")
        {
            return Err(src.err(
                "[smtp] accepted_domains",
                "give at least one domain name, e.g. [\"ville-exemple.fr\"]".into(),
            ));
        }
        let max_message_size = parse_size(s.max_message_size.as_deref().unwrap_or("50MiB"))
            .map_err(|r| src.err("[smtp] max_message_size", r))?;
        if max_message_size < 1024 {
            return Err(src.err("[smtp] max_message_size", "must be at least 1KiB".into()));
        }
        let tls = src.tls_pair("[smtp]", s.tls_cert, s.tls_key)?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let smtp = SmtpConfig {
            listen,
            hostname,
            accepted_domains,
            max_message_size,
            max_recipients: src.positive("[smtp] max_recipients", s.max_recipients, 100)?,
            tls,
            max_connections: src.positive("[smtp] max_connections", s.max_connections, 2000)?,
            max_connections_per_ip: src.positive(
                "[smtp] max_connections_per_ip",
                s.max_connections_per_ip,
                50,
            )?,
            max_scans: src.positive("[smtp] max_scans", s.max_scans, cores * 4)?,
            scan_wait: src.duration("[smtp] scan_wait", &s.scan_wait, Duration::from_secs(30))?,
            command_timeout: src.duration(
                "[smtp] command_timeout",
                &s.command_timeout,
                Duration::from_secs(300),
            )?,
            data_timeout: src.duration(
                "[smtp] data_timeout",
                &s.data_timeout,
                Duration::from_secs(180),
            )?,
            max_line_length: src.positive("[smtp] max_line_length", s.max_line_length, 65536)?,
            max_errors: src.positive("[smtp] max_errors", s.max_errors, 10)?,
            unknown_recipient_limit: src.positive(
                "[smtp] unknown_recipient_limit",
                s.unknown_recipient_limit,
                20,
            )?,
            verify_recipients: match s.verify_recipients.as_deref() {
                None | Some("off") => VerifyRecipients::Off,
                Some("callout") => VerifyRecipients::Callout,
                Some("list") => match &s.recipients_file {
                    Some(f) => VerifyRecipients::List(src.base.join(f)),
                    None => {
                        return Err(src.err(
                            "[smtp] recipients_file",
                            "missing: verify_recipients = \"list\" reads the addresses from this file (one address or @domain per line)".into(),
                        ));
                    }
                },
                Some(other) => {
                    return Err(src.err(
                        "[smtp] verify_recipients",
                        format!("`{other}` is not a choice: write \"callout\" (ask the town's server), \"list\" (recipients_file) or \"off\""),
                    ));
                }
            },
            recipient_cache_positive: src.duration(
                "[smtp] recipient_cache_positive",
                &s.recipient_cache_positive,
                Duration::from_secs(24 * 3600),
            )?,
            recipient_cache_negative: src.duration(
                "[smtp] recipient_cache_negative",
                &s.recipient_cache_negative,
                Duration::from_secs(3600),
            )?,
            dns_resolvers: s
                .dns_resolvers
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    r.parse::<SocketAddr>()
                        .or_else(|_| r.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                        .map_err(|_| src.err("[smtp] dns_resolvers", format!("`{r}` is not an address: write \"192.0.2.53\" or \"127.0.0.1:5353\"")))
                })
                .collect::<Result<_, _>>()?,
            sender_checks: s.sender_checks.unwrap_or(true),
            sender_check_timeout: src.duration(
                "[smtp] sender_check_timeout",
                &s.sender_check_timeout,
                Duration::from_secs(10),
            )?,
        };
        if s.recipients_file.is_some()
            && !matches!(smtp.verify_recipients, VerifyRecipients::List(_))
        {
            return Err(src.err(
                "[smtp] recipients_file",
                "is only read with verify_recipients = \"list\"".into(),
            ));
        }
        if let VerifyRecipients::List(file) = &smtp.verify_recipients {
            RecipientList::read(file).map_err(|e| src.err("[smtp] recipients_file", e))?;
        }
        if smtp.max_line_length < 1000 {
            return Err(src.err(
                "[smtp] max_line_length",
                "must be at least 1000 (RFC 5321 allows 998 characters and CRLF)".into(),
            ));
        }
        if smtp.sender_check_timeout.is_zero() {
            return Err(src.err(
                "[smtp] sender_check_timeout",
                "must be more than 0 s (\"10s\" is the default): with 0 no sender could ever be checked".into(),
            ));
        }
        Ok(smtp)
    }
}
