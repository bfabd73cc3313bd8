//! `ecluse.toml`: a raw serde layer that names unknown keys, then a
//! validated [`Config`]. Every mistake stops start-up with the key and the
//! reason, never on the first mail.

use ecluse_scanner::{Category, Limits, Policy};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A configuration error: the key and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {key}: {reason}")]
pub struct ConfigError {
    /// The file.
    pub origin: String,
    /// The key, as `[section] name`.
    pub key: String,
    /// What is wrong and what to write instead.
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Top-level keys (before the first `[section]`).
    time_zone: Option<String>,
    notice_contact: Option<String>,
    notice_help: Option<String>,
    #[serde(default)]
    smtp: RawSmtp,
    #[serde(default)]
    relay: RawRelay,
    #[serde(default)]
    quarantine: RawQuarantine,
    #[serde(default)]
    admin: RawAdmin,
    #[serde(default)]
    policy: toml::Table,
    #[serde(default)]
    scanner: RawScanner,
    #[serde(default)]
    tenant: Vec<RawTenant>,
    #[serde(default)]
    store: RawStore,
}

/// `[store]`: where the quarantine, the queue and the audit log live.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    backend: Option<String>,
    url: Option<String>,
    ca_file: Option<PathBuf>,
    password_file: Option<PathBuf>,
    pool_size: Option<usize>,
    delivery_lease: Option<String>,
}

/// `[[tenant]]`: one commune served by this Écluse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    id: Option<String>,
    name: Option<String>,
    domains: Option<Vec<String>>,
    downstream: Option<String>,
    starttls: Option<String>,
    admin_group: Option<String>,
    notify: Option<Vec<String>>,
    retention_days: Option<u32>,
    notice_contact: Option<String>,
    notice_help: Option<String>,
    policy: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    listen: Option<OneOrMany>,
    hostname: Option<String>,
    accepted_domains: Option<Vec<String>>,
    max_message_size: Option<String>,
    max_recipients: Option<usize>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    max_connections: Option<usize>,
    max_connections_per_ip: Option<usize>,
    max_scans: Option<usize>,
    scan_wait: Option<String>,
    command_timeout: Option<String>,
    data_timeout: Option<String>,
    max_line_length: Option<usize>,
    max_errors: Option<usize>,
    unknown_recipient_limit: Option<usize>,
    verify_recipients: Option<String>,
    recipients_file: Option<PathBuf>,
    recipient_cache_positive: Option<String>,
    recipient_cache_negative: Option<String>,
    dns_resolvers: Option<Vec<String>>,
    sender_checks: Option<bool>,
    sender_check_timeout: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRelay {
    downstream: Option<String>,
    starttls: Option<String>,
    retry_min: Option<String>,
    retry_max: Option<String>,
    max_queue_time: Option<String>,
    concurrency: Option<usize>,
    timeout: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawQuarantine {
    data_dir: Option<PathBuf>,
    retention_days: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    listen: Option<String>,
    public_url: Option<String>,
    notify: Option<Vec<String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    session_idle: Option<String>,
    session_max: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    proxy_header: Option<String>,
    metrics_token: Option<String>,
    saml: Option<RawSaml>,
    local: Option<RawLocal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSaml {
    idp_metadata: String,
    sp_entity_id: Option<String>,
    email_attribute: Option<String>,
    name_attribute: Option<String>,
    groups_attribute: Option<String>,
    admin_group: Option<String>,
    service_admin_group: Option<String>,
    groups_separator: Option<String>,
    match_friendly_name: Option<bool>,
    clock_skew: Option<String>,
    idp_logout_url: Option<String>,
    single_logout: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocal {
    username: String,
    password_hash: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScanner {
    rules: Option<PathList>,
    rules_category: Option<String>,
    builtin_rules: Option<bool>,
    limits: Option<Limits>,
    clamav: Option<RawClamav>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClamav {
    address: String,
    on_error: Option<String>,
    timeout: Option<String>,
    max_object_bytes: Option<String>,
}

/// A path or a list of paths.
#[derive(Deserialize)]
#[serde(untagged)]
enum PathList {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

/// How the relay uses STARTTLS towards the downstream server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTls {
    /// Use it when offered; fall back to plain text.
    Opportunistic,
    /// Refuse to send in plain text (temporary failure, retried).
    Required,
    /// Never.
    Off,
}

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
    /// `RCPT`s get `450 4.7.1` (directory harvest, [`crate::smtp::harvest`];
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
    /// `"callout"`: the town's server ([relay] downstream) is asked with a
    /// `RCPT` probe under the null sender, on a reused connection.
    Callout,
    /// `"list"`: the addresses and `@domain` lines of `recipients_file`,
    /// read again when the file changes.
    List(PathBuf),
}

/// `[relay]`: delivery to the town's mail server.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// `host:port` of the downstream server.
    pub downstream: String,
    /// STARTTLS towards it.
    pub starttls: StartTls,
    /// Delay before the first retry; doubles at each attempt.
    pub retry_min: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
    /// How long a message is retried before it bounces.
    pub max_queue_time: Duration,
    /// Most deliveries at once.
    pub concurrency: usize,
    /// Timeout of each SMTP step towards the downstream server.
    pub timeout: Duration,
}

/// `[quarantine]` and `[store]`.
#[derive(Debug, Clone)]
pub struct QuarantineConfig {
    /// Where the store lives (sled), or local files only (PostgreSQL: the
    /// control socket).
    pub data_dir: PathBuf,
    /// `[store] backend` (`"sled"`, the default, or `"postgres"` with
    /// `url`, `ca_file`, `pool_size`).
    pub backend: ecluse_quarantine::Backend,
    /// `[store] delivery_lease`: how long a relay's claim on a delivery
    /// lasts before another node may take it over (renewed every third of
    /// it while sending). Default 60 s.
    pub delivery_lease: Duration,
    /// Days before an undecided item expires and is purged.
    pub retention_days: u32,
}

/// `[admin]`.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Address of the web UI and `/metrics`.
    pub listen: SocketAddr,
    /// The UI's address as agents reach it, used in notice links.
    pub public_url: String,
    /// Who is told of release requests.
    pub notify: Vec<String>,
    /// PEM certificate chain and key; the UI is served over HTTPS when set.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The web UI, when a way to sign in is configured (`[admin.saml]`,
    /// `[admin.local]`); without one, the admin listener serves only
    /// `/healthz` and `/metrics`.
    pub ui: Option<ecluse_admin_ui::UiConfig>,
    /// `[admin.saml] idp_metadata` when it is an address: fetched by
    /// `serve` at start-up into `ui.saml.idp_metadata`.
    pub idp_metadata_url: Option<String>,
    /// Set by `serve`: the metadata in force was fetched at start (not the
    /// copy kept in the data directory, nor none).
    pub idp_metadata_fresh: bool,
    /// `trusted_proxies` and `proxy_header`: the reverse proxies whose
    /// forwarding header names the client (for the sign-in limits, the
    /// audit, `/metrics`); none by default.
    pub proxies: ecluse_admin_ui::Proxies,
    /// `metrics_token`: with it, `/metrics` answers whoever sends
    /// `Authorization: Bearer <token>`, and nobody else (this machine
    /// included); without it, a loopback peer that is not in
    /// `trusted_proxies` and sends no forwarding header.
    pub metrics_token: Option<ecluse_admin_ui::Secret>,
}

/// The fewest characters `[admin] metrics_token` may have.
pub const MIN_METRICS_TOKEN: usize = 24;

/// One tenant: a commune with its own domains, mail server, admins,
/// notices and policy (`[[tenant]]`), or the implicit tenant
/// [`DEFAULT_TENANT`](ecluse_quarantine::DEFAULT_TENANT) of a configuration
/// without `[[tenant]]` blocks.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// `id`: lower-case letters, digits and `-`, 1 to 63 characters.
    pub id: String,
    /// `name`: the commune as agents read it (« Mairie de Chamalières »);
    /// empty for the implicit tenant.
    pub name: String,
    /// `domains`: its mail domains, lower case (each in one tenant only).
    pub domains: Vec<String>,
    /// `[relay]` with its `downstream` and `starttls`.
    pub relay: RelayConfig,
    /// `admin_group`: the value of the SAML groups attribute of its admins.
    pub admin_group: Option<String>,
    /// `notify`: who is told of release requests (default `[admin] notify`).
    pub notify: Vec<String>,
    /// `retention_days` (default `[quarantine] retention_days`).
    pub retention_days: u32,
    /// `notice_contact`: a line in every notice (who to call); the
    /// top-level `notice_contact` when the tenant sets none.
    pub notice_contact: Option<String>,
    /// `notice_help`: a sentence in every notice; the top-level
    /// `notice_help` when the tenant sets none.
    pub notice_help: Option<String>,
    /// `[tenant.policy]` over the service's `[policy]`.
    pub policy: Policy,
    /// `[[tenant.policy.override]]`: recipients (addresses or `@domain`)
    /// and their policy, first match wins.
    pub overrides: Vec<(Vec<String>, Policy)>,
}

impl Tenant {
    /// The policy for `rcpt` and the index of the override that gave it
    /// (`None`: the tenant's own).
    pub fn policy_for(&self, rcpt: &str) -> (&Policy, Option<usize>) {
        for (n, (rcpts, policy)) in self.overrides.iter().enumerate() {
            if rcpts
                .iter()
                .any(|r| ecluse_quarantine::sender_rules::address_matches(r, rcpt))
            {
                return (policy, Some(n));
            }
        }
        (&self.policy, None)
    }
}

/// Every tenant, and which one each domain belongs to.
#[derive(Debug, Clone)]
pub struct Tenants {
    list: Vec<Tenant>,
    by_domain: std::collections::HashMap<String, usize>,
    implicit: bool,
}

impl Tenants {
    /// The tenants, in file order.
    pub fn all(&self) -> &[Tenant] {
        &self.list
    }

    /// Whether this is the implicit tenant of a configuration without
    /// `[[tenant]]` blocks.
    pub fn implicit(&self) -> bool {
        self.implicit
    }

    /// The tenant `id`.
    pub fn get(&self, id: &str) -> Option<&Tenant> {
        self.list.iter().find(|t| t.id == id)
    }

    /// What the web UI knows of the tenants (none for the implicit one),
    /// as `Config::parse` gives it to `[admin]`'s UI.
    pub fn for_ui(&self) -> Vec<ecluse_admin_ui::UiTenant> {
        if self.implicit {
            return Vec::new();
        }
        self.list
            .iter()
            .map(|t| ecluse_admin_ui::UiTenant {
                id: t.id.clone(),
                name: t.name.clone(),
                admin_group: t.admin_group.clone(),
                domains: t.domains.clone(),
            })
            .collect()
    }

    /// The tenant of an address, by its domain (exact, case-insensitive,
    /// a root dot ignored); `None` outside every tenant's domains.
    pub fn of_address(&self, address: &str) -> Option<&Tenant> {
        let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        self.by_domain.get(&domain).map(|&n| &self.list[n])
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `[smtp]`.
    pub smtp: SmtpConfig,
    /// `[relay]`.
    pub relay: RelayConfig,
    /// `[quarantine]`.
    pub quarantine: QuarantineConfig,
    /// `[admin]`.
    pub admin: AdminConfig,
    /// `[policy]`: category → action, `self_release`.
    pub policy: Policy,
    /// `[policy] partner_domains`: domains whose imitations are
    /// `lookalike_sender` besides our own (the préfecture, the trésorerie,
    /// suppliers), lower case.
    pub partner_domains: Vec<String>,
    /// `[[policy.exception]]` and `[[policy.block]]`, in file order (the
    /// web UI adds more, kept in the store).
    pub sender_rules: Vec<ecluse_quarantine::SenderRule>,
    /// `[scanner] rules` (files or directories of `.yar` files, added to
    /// the shipped rules), `builtin_rules` (default true) and
    /// `rules_category` (the category of added rules that name none of
    /// ours; without it such a rule is an error).
    pub rules: crate::rules::RuleSources,
    /// `[scanner.limits]`.
    pub limits: Limits,
    /// `[scanner.clamav]`: ClamAV as a second engine, when configured.
    pub clamav: Option<crate::clamav::ClamavConfig>,
    /// `[[tenant]]`, or the one implicit tenant.
    pub tenants: Tenants,
    /// `[policy] locked`: categories a tenant may only make stricter
    /// (`malware` always is).
    pub locked: Vec<Category>,
    /// `time_zone` (top level): an IANA name, `Europe/Paris` by default;
    /// notices and pages give times in it, labelled.
    pub time_zone: ecluse_quarantine::mail::LocalZone,
}

impl Config {
    /// What is allowed but risky, one sentence each, with what to change:
    /// `check-config` prints them and `serve` logs them at start. Never a
    /// reason to refuse the configuration.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let unread = |p: &ecluse_scanner::Policy| -> Vec<&'static str> {
            p.self_release_list()
                .iter()
                .filter(|c| c.unread())
                .map(|c| c.as_str())
                .collect()
        };
        // The service's policy, then each commune's that differs from it.
        let mut policies = vec![("[policy]".to_string(), &self.policy)];
        if !self.tenants.implicit() {
            for t in self.tenants.all() {
                policies.push((format!("[[tenant]] {}: policy", t.id), &t.policy));
            }
        }
        // A recipient override may let agents release more (or deliver).
        for t in self.tenants.all() {
            for (rcpts, p) in &t.overrides {
                let place =
                    format!("[[tenant.policy.override]] of {} for {}", t.id, rcpts.join(", "));
                policies.push((place, p));
            }
        }
        let mut said: Vec<(Vec<&'static str>, Vec<&'static str>)> = Vec::new();
        for (place, policy) in policies {
            // What nobody could scan, delivered as it is.
            let delivered: Vec<&'static str> = ecluse_scanner::Category::ALL
                .iter()
                .filter(|c| c.unread() && policy.action(**c) == ecluse_scanner::Action::Deliver)
                .map(|c| c.as_str())
                .collect();
            let names = unread(policy);
            if said.contains(&(names.clone(), delivered.clone())) && place != "[policy]" {
                continue;
            }
            said.push((names.clone(), delivered.clone()));
            if !delivered.is_empty() {
                out.push(format!(
                    "{place}: {} = \"deliver\" delivers what nobody could scan, unread; set \"quarantine\" so that an admin decides",
                    delivered.join(", ")
                ));
            }
            if !names.is_empty() {
                out.push(format!(
                    "{place} self_release = [{}]: agents may release alone what nobody could scan (a password-protected archive whose password is in the body is how attackers get past filters); remove these from self_release so that an admin decides",
                    names.join(", ")
                ));
            }
        }
        out
    }

    /// Where the store sends notifications: each tenant's `notify`.
    pub fn notifications(&self) -> ecluse_quarantine::Notifications {
        ecluse_quarantine::Notifications {
            hostname: self.smtp.hostname.clone(),
            public_url: self.admin.public_url.clone(),
            admins: self.admin.notify.clone(),
            tenant_admins: self
                .tenants
                .all()
                .iter()
                .map(|t| (t.id.clone(), t.notify.clone()))
                .collect(),
        }
    }

    /// Sets what the store needs of the configuration: where notifications
    /// go, and (with tenants) that service-level actions have their own
    /// audit chain.
    pub fn prepare_store(&self, store: &ecluse_quarantine::Store) {
        store.set_notifications(self.notifications());
        if !self.tenants.implicit() {
            store.set_service_chain(ecluse_quarantine::SERVICE_CHAIN);
        }
    }

    /// The notice settings of tenant `t`: its name, contact and help (its
    /// own, else the top-level keys), and the time zone.
    pub fn notices_for(&self, t: &Tenant) -> crate::notice::NoticeConfig {
        crate::notice::NoticeConfig {
            hostname: self.smtp.hostname.clone(),
            public_url: self.admin.public_url.clone(),
            org: Some(t.name.clone()).filter(|n| !n.is_empty()),
            contact: t.notice_contact.clone(),
            help: t.notice_help.clone(),
            zone: self.time_zone.clone(),
        }
    }
}

/// Parses `50MiB`, `10MB`, `512KiB`, `1000000`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (write 50MiB, 10MB or a number of bytes)"))?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{s}` (use B, KB, KiB, MB, MiB, GB, GiB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

impl Config {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            key: "(file)".into(),
            reason: format!("cannot read it: {e}"),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, &origin, base)
    }

    /// Validates a configuration text; relative paths are taken from `base`.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Config, ConfigError> {
        let err = |key: &str, reason: String| ConfigError {
            origin: origin.into(),
            key: key.into(),
            reason,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let key = e
                .span()
                .map(|s| {
                    let line = text[..s.start].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "(syntax)".into());
            err(&key, msg)
        })?;
        let duration =
            |key: &str, v: &Option<String>, default: Duration| -> Result<Duration, ConfigError> {
                match v {
                    None => Ok(default),
                    Some(s) => humantime::parse_duration(s).map_err(|e| {
                        err(
                            key,
                            format!("`{s}` is not a duration ({e}); write 30s, 5m, 1h or 5days"),
                        )
                    }),
                }
            };
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        // Both files or neither; loaded now, so that a bad file stops start-up.
        let tls_pair = |section: &str,
                        cert: Option<PathBuf>,
                        key: Option<PathBuf>|
         -> Result<Option<(PathBuf, PathBuf)>, ConfigError> {
            let name = format!("{section} tls_cert / tls_key");
            match (cert, key) {
                (None, None) => Ok(None),
                (Some(c), Some(k)) => {
                    let (c, k) = (resolve(&c), resolve(&k));
                    crate::tls::server_config(&c, &k).map_err(|r| err(&name, r))?;
                    Ok(Some((c, k)))
                }
                _ => Err(err(
                    &name,
                    "give both the certificate chain and the key, or neither".into(),
                )),
            }
        };

        let s = raw.smtp;
        let listen_raw = match s.listen {
            None => vec!["127.0.0.1:2525".to_string()],
            Some(OneOrMany::One(a)) => vec![a],
            Some(OneOrMany::Many(v)) => v,
        };
        if listen_raw.is_empty() {
            return Err(err(
                "[smtp] listen",
                "give at least one address, e.g. \"0.0.0.0:25\"".into(),
            ));
        }
        let listen = listen_raw
            .iter()
            .map(|a| {
                a.parse::<SocketAddr>().map_err(|_| {
                    err(
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
            return Err(err(
                "[smtp] hostname",
                format!("`{hostname}` is not a host name"),
            ));
        }
        let with_tenants = !raw.tenant.is_empty();
        let accepted_domains: Vec<String> = s
            .accepted_domains
            .or_else(|| with_tenants.then(|| vec!["tenants.invalid".to_string()]))
            .ok_or_else(|| err("[smtp] accepted_domains", "missing: list the domains Écluse receives mail for, e.g. [\"ville-exemple.fr\"]".into()))?
            .into_iter()
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .collect();
        if accepted_domains.is_empty()
            || accepted_domains
                .iter()
                .any(|d| d.is_empty() || !d.contains('.') && d != "localhost")
        {
            return Err(err(
                "[smtp] accepted_domains",
                "give at least one domain name, e.g. [\"ville-exemple.fr\"]".into(),
            ));
        }
        let max_message_size = parse_size(s.max_message_size.as_deref().unwrap_or("50MiB"))
            .map_err(|r| err("[smtp] max_message_size", r))?;
        if max_message_size < 1024 {
            return Err(err(
                "[smtp] max_message_size",
                "must be at least 1KiB".into(),
            ));
        }
        let tls = tls_pair("[smtp]", s.tls_cert, s.tls_key)?;
        let positive =
            |key: &str, v: Option<usize>, default: usize| -> Result<usize, ConfigError> {
                match v {
                    Some(0) => Err(err(key, "must be at least 1".into())),
                    Some(n) => Ok(n),
                    None => Ok(default),
                }
            };
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let smtp = SmtpConfig {
            listen,
            hostname,
            accepted_domains,
            max_message_size,
            max_recipients: positive("[smtp] max_recipients", s.max_recipients, 100)?,
            tls,
            max_connections: positive("[smtp] max_connections", s.max_connections, 2000)?,
            max_connections_per_ip: positive(
                "[smtp] max_connections_per_ip",
                s.max_connections_per_ip,
                50,
            )?,
            max_scans: positive("[smtp] max_scans", s.max_scans, cores * 4)?,
            scan_wait: duration("[smtp] scan_wait", &s.scan_wait, Duration::from_secs(30))?,
            command_timeout: duration(
                "[smtp] command_timeout",
                &s.command_timeout,
                Duration::from_secs(300),
            )?,
            data_timeout: duration(
                "[smtp] data_timeout",
                &s.data_timeout,
                Duration::from_secs(180),
            )?,
            max_line_length: positive("[smtp] max_line_length", s.max_line_length, 65536)?,
            max_errors: positive("[smtp] max_errors", s.max_errors, 10)?,
            unknown_recipient_limit: positive(
                "[smtp] unknown_recipient_limit",
                s.unknown_recipient_limit,
                20,
            )?,
            verify_recipients: match s.verify_recipients.as_deref() {
                None | Some("off") => VerifyRecipients::Off,
                Some("callout") => VerifyRecipients::Callout,
                Some("list") => match &s.recipients_file {
                    Some(f) => VerifyRecipients::List(base.join(f)),
                    None => {
                        return Err(err(
                            "[smtp] recipients_file",
                            "missing: verify_recipients = \"list\" reads the addresses from this file (one address or @domain per line)".into(),
                        ));
                    }
                },
                Some(other) => {
                    return Err(err(
                        "[smtp] verify_recipients",
                        format!("`{other}` is not a choice: write \"callout\" (ask the town's server), \"list\" (recipients_file) or \"off\""),
                    ));
                }
            },
            recipient_cache_positive: duration(
                "[smtp] recipient_cache_positive",
                &s.recipient_cache_positive,
                Duration::from_secs(24 * 3600),
            )?,
            recipient_cache_negative: duration(
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
                        .map_err(|_| err("[smtp] dns_resolvers", format!("`{r}` is not an address: write \"192.0.2.53\" or \"127.0.0.1:5353\"")))
                })
                .collect::<Result<_, _>>()?,
            sender_checks: s.sender_checks.unwrap_or(true),
            sender_check_timeout: duration(
                "[smtp] sender_check_timeout",
                &s.sender_check_timeout,
                Duration::from_secs(10),
            )?,
        };
        if s.recipients_file.is_some()
            && !matches!(smtp.verify_recipients, VerifyRecipients::List(_))
        {
            return Err(err(
                "[smtp] recipients_file",
                "is only read with verify_recipients = \"list\"".into(),
            ));
        }
        if let VerifyRecipients::List(file) = &smtp.verify_recipients {
            crate::recipients::RecipientList::read(file)
                .map_err(|e| err("[smtp] recipients_file", e))?;
        }
        if smtp.max_line_length < 1000 {
            return Err(err(
                "[smtp] max_line_length",
                "must be at least 1000 (RFC 5321 allows 998 characters and CRLF)".into(),
            ));
        }

        let r = raw.relay;
        let every_tenant_routed = with_tenants && raw.tenant.iter().all(|t| t.downstream.is_some());
        let downstream = match r.downstream {
            Some(d) => d,
            // Every commune has its own server: mail outside their domains
            // goes through the first one's (see Tenants::route).
            None if every_tenant_routed => String::new(),
            None => {
                return Err(err(
                    "[relay] downstream",
                    if with_tenants {
                        "missing: give the service's mail server as host:port, or a downstream to every [[tenant]]".into()
                    } else {
                        "missing: the town's mail server as host:port, e.g. \"10.0.0.5:25\"".into()
                    },
                ));
            }
        };
        if !downstream.is_empty() {
            check_host_port(&downstream).map_err(|e| err("[relay] downstream", e))?;
        }
        let starttls =
            parse_starttls(r.starttls.as_deref()).map_err(|e| err("[relay] starttls", e))?;
        let relay = RelayConfig {
            downstream,
            starttls,
            retry_min: duration("[relay] retry_min", &r.retry_min, Duration::from_secs(60))?,
            retry_max: duration("[relay] retry_max", &r.retry_max, Duration::from_secs(3600))?,
            max_queue_time: duration(
                "[relay] max_queue_time",
                &r.max_queue_time,
                Duration::from_secs(5 * 86400),
            )?,
            concurrency: positive("[relay] concurrency", r.concurrency, 16)?,
            timeout: duration("[relay] timeout", &r.timeout, Duration::from_secs(120))?,
        };
        if relay.retry_min.is_zero() || relay.retry_max < relay.retry_min {
            return Err(err(
                "[relay] retry_max",
                "retry_min must be above zero and retry_max at least retry_min".into(),
            ));
        }

        let st = raw.store;
        let backend = match st.backend.as_deref().unwrap_or("sled") {
            "sled" => {
                if st.url.is_some() {
                    return Err(err(
                        "[store] url",
                        "is for backend = \"postgres\"; with sled the store is [quarantine] data_dir".into(),
                    ));
                }
                ecluse_quarantine::Backend::Sled
            }
            "postgres" => {
                let url = st.url.clone().filter(|u| !u.trim().is_empty()).ok_or_else(|| {
                    err(
                        "[store] url",
                        "backend = \"postgres\" needs the database's URL, for example url = \"postgres://ecluse@127.0.0.1:5432/ecluse\"".into(),
                    )
                })?;
                if let Err(e) = url.parse::<tokio_postgres::Config>() {
                    return Err(err("[store] url", format!("not a PostgreSQL URL: {e}")));
                }
                ecluse_quarantine::Backend::Postgres(ecluse_quarantine::PgOptions {
                    url,
                    ca_file: match st.ca_file.as_deref().map(resolve) {
                        Some(path) => {
                            let pem = std::fs::read_to_string(&path).map_err(|e| {
                                err(
                                    "[store] ca_file",
                                    format!("cannot read {}: {e}", path.display()),
                                )
                            })?;
                            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                                return Err(err(
                                    "[store] ca_file",
                                    format!(
                                        "{}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)",
                                        path.display()
                                    ),
                                ));
                            }
                            Some(path)
                        }
                        None => None,
                    },
                    password_file: match st.password_file.as_deref().map(resolve) {
                        Some(path) => {
                            std::fs::metadata(&path).map_err(|e| {
                                err(
                                    "[store] password_file",
                                    format!("cannot read {}: {e}", path.display()),
                                )
                            })?;
                            Some(path)
                        }
                        None => None,
                    },
                    pool_size: positive("[store] pool_size", st.pool_size, 16)?,
                })
            }
            other => {
                return Err(err(
                    "[store] backend",
                    format!(
                        "`{other}` is not a store backend: write \"sled\" (one node, the default) or \"postgres\" (several nodes)"
                    ),
                ));
            }
        };
        let delivery_lease = duration(
            "[store] delivery_lease",
            &st.delivery_lease,
            Duration::from_secs(60),
        )?;
        if delivery_lease < Duration::from_secs(3) {
            return Err(err(
                "[store] delivery_lease",
                "must be at least 3s: it is renewed every third of it while a delivery is sent"
                    .into(),
            ));
        }
        let q = raw.quarantine;
        let quarantine = QuarantineConfig {
            data_dir: resolve(&q.data_dir.unwrap_or_else(|| PathBuf::from("data"))),
            backend,
            delivery_lease,
            retention_days: match q.retention_days {
                Some(0) => {
                    return Err(err(
                        "[quarantine] retention_days",
                        "must be at least 1".into(),
                    ));
                }
                Some(n) if n > 3650 => {
                    return Err(err(
                        "[quarantine] retention_days",
                        format!(
                            "{n} days is more than ten years; held attachments are personal data, keep them only as long as needed"
                        ),
                    ));
                }
                Some(n) => n,
                None => 30,
            },
        };

        let a = raw.admin;
        let admin_listen = a.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = admin_listen.parse().map_err(|_| {
            err(
                "[admin] listen",
                format!("`{admin_listen}` is not an IP:port address"),
            )
        })?;
        let public_url = a
            .public_url
            .unwrap_or_else(|| format!("http://{admin_listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(err(
                "[admin] public_url",
                format!("`{public_url}` must start with https:// (or http:// for tests)"),
            ));
        }
        let notify = a.notify.unwrap_or_default();
        if let Some(bad) = notify.iter().find(|n| !n.contains('@')) {
            return Err(err(
                "[admin] notify",
                format!("`{bad}` is not a mail address"),
            ));
        }
        let admin_tls = tls_pair("[admin]", a.tls_cert, a.tls_key)?;
        let mut proxies = ecluse_admin_ui::Proxies::default();
        for net in a.trusted_proxies.unwrap_or_default() {
            proxies.trusted.push(
                net.parse()
                    .map_err(|reason| err("[admin] trusted_proxies", reason))?,
            );
        }
        if let Some(h) = a.proxy_header {
            if proxies.trusted.is_empty() {
                return Err(err(
                    "[admin] proxy_header",
                    "is read only from [admin] trusted_proxies, which is empty".into(),
                ));
            }
            proxies.header = h
                .parse()
                .map_err(|reason| err("[admin] proxy_header", reason))?;
        }
        let metrics_token = match a.metrics_token {
            None => None,
            Some(t) if t.chars().count() < MIN_METRICS_TOKEN => {
                return Err(err(
                    "[admin] metrics_token",
                    format!(
                        "is shorter than {MIN_METRICS_TOKEN} characters; make one with `openssl rand -hex 32`"
                    ),
                ));
            }
            Some(t) if !t.chars().all(|c| c.is_ascii_graphic()) => {
                return Err(err(
                    "[admin] metrics_token",
                    "must be printable ASCII without spaces (it travels in an HTTP header); make one with `openssl rand -hex 32`".into(),
                ));
            }
            Some(t) => Some(ecluse_admin_ui::Secret::new(t)),
        };
        let mut ui = ecluse_admin_ui::UiConfig::new(&public_url);
        ui.proxies = proxies.clone();
        ui.session_idle = duration("[admin] session_idle", &a.session_idle, ui.session_idle)?;
        ui.session_max = duration("[admin] session_max", &a.session_max, ui.session_max)?;
        let mut idp_metadata_url = None;
        if let Some(saml) = a.saml {
            let source = saml.idp_metadata.trim().to_string();
            let xml = if source.starts_with("https://") || source.starts_with("http://") {
                idp_metadata_url = Some(source);
                String::new()
            } else {
                let path = resolve(Path::new(&source));
                std::fs::read_to_string(&path).map_err(|e| {
                    err(
                        "[admin.saml] idp_metadata",
                        format!(
                            "cannot read {}: {e}; download your identity provider's metadata into this file, or give its https:// address",
                            path.display()
                        ),
                    )
                })?
            };
            let sp_entity_id = saml
                .sp_entity_id
                .unwrap_or_else(|| format!("{public_url}/saml/metadata"));
            let mut c = ecluse_admin_ui::SamlConfig::new(xml, sp_entity_id);
            let set = |v: Option<String>, into: &mut String| {
                if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                    *into = v.trim().to_string();
                }
            };
            set(saml.email_attribute, &mut c.email_attribute);
            set(saml.name_attribute, &mut c.name_attribute);
            set(saml.groups_attribute, &mut c.groups_attribute);
            // With tenants, admin_group is service-wide, and only when set.
            if with_tenants && saml.admin_group.is_none() {
                c.admin_group = String::new();
            }
            set(saml.admin_group, &mut c.admin_group);
            c.service_admin_group = saml
                .service_admin_group
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty());
            if let Some(sep) = saml.groups_separator {
                if sep.trim().is_empty() {
                    return Err(err(
                        "[admin.saml] groups_separator",
                        "must not be empty or blank; leave the key out when the IdP sends one value per group".into(),
                    ));
                }
                c.groups_separator = Some(sep.trim().to_string());
            }
            c.match_friendly_name = saml.match_friendly_name.unwrap_or(false);
            c.clock_skew = duration("[admin.saml] clock_skew", &saml.clock_skew, c.clock_skew)?;
            if c.clock_skew > Duration::from_secs(600) {
                return Err(err(
                    "[admin.saml] clock_skew",
                    "more than 10 minutes would accept stale sign-ins; set the clocks right (NTP) instead".into(),
                ));
            }
            if let Some(url) = saml.idp_logout_url.map(|u| u.trim().to_string()) {
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"')
                {
                    return Err(err(
                        "[admin.saml] idp_logout_url",
                        format!("`{url}` is not an https:// address; give the address of the identity provider's sign-out page, or leave the key out"),
                    ));
                }
                c.idp_logout_url = Some(url);
            }
            c.single_logout = saml.single_logout.unwrap_or(true);
            ui.saml = Some(c);
        }
        if let Some(local) = a.local {
            if local.username.trim().is_empty() {
                return Err(err("[admin.local] username", "must not be empty".into()));
            }
            ui.local = Some(ecluse_admin_ui::LocalAdmin {
                username: local.username.trim().to_string(),
                password_hash: local.password_hash.trim().to_string(),
            });
        }
        let ui = (ui.saml.is_some() || ui.local.is_some()).then_some(ui);
        let mut admin = AdminConfig {
            listen,
            public_url,
            notify,
            tls: admin_tls,
            ui,
            idp_metadata_url,
            idp_metadata_fresh: false,
            proxies,
            metrics_token,
        };

        // `partner_domains`, `locked`, the exceptions and blocks are ours;
        // the rest of [policy] is the scanner's.
        let mut policy_table = raw.policy.clone();
        let mut locked = vec![Category::Malware];
        if let Some(v) = policy_table.remove("locked") {
            let names = v
                .as_array()
                .and_then(|a| a.iter().map(|x| x.as_str()).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    err(
                        "[policy] locked",
                        "must be a list of categories, such as [\"executable\", \"macro\"]".into(),
                    )
                })?;
            for name in names {
                let c = Category::parse_named(name).map_err(|e| err("[policy] locked", e))?;
                if !locked.contains(&c) {
                    locked.push(c);
                }
            }
        }
        let partner_domains = match policy_table.remove("partner_domains") {
            None => Vec::new(),
            Some(v) => v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|d| d.as_str().map(|d| d.trim().trim_end_matches('.').to_lowercase()))
                        .collect::<Option<Vec<String>>>()
                })
                .filter(|list| list.iter().all(|d| d.contains('.') && !d.contains('@')))
                .ok_or_else(|| {
                    err(
                        "[policy] partner_domains",
                        "must be a list of domain names, such as [\"ain.gouv.fr\", \"dgfip.finances.gouv.fr\"]".into(),
                    )
                })?,
        };
        let mut sender_rules = Vec::new();
        for (key, kind) in [
            ("exception", ecluse_quarantine::RuleKind::Allow),
            ("block", ecluse_quarantine::RuleKind::Block),
        ] {
            let Some(list) = policy_table.remove(key) else {
                continue;
            };
            let where_ = format!("[[policy.{key}]]");
            let list = list.as_array().ok_or_else(|| {
                err(
                    &where_,
                    "must be an array of tables: write [[policy.".to_string() + key + "]] blocks",
                )
            })?;
            for (n, entry) in list.iter().enumerate() {
                let here = format!("{where_} #{}", n + 1);
                let table = entry
                    .as_table()
                    .ok_or_else(|| err(&here, "must be a table".into()))?;
                let strings = |k: &str| -> Result<Vec<String>, ConfigError> {
                    match table.get(k) {
                        None => Ok(Vec::new()),
                        Some(v) => v
                            .as_array()
                            .and_then(|a| {
                                a.iter()
                                    .map(|x| x.as_str().map(|x| x.trim().to_lowercase()))
                                    .collect::<Option<Vec<String>>>()
                            })
                            .ok_or_else(|| {
                                err(&format!("{here} {k}"), "must be a list of strings".into())
                            }),
                    }
                };
                for k in table.keys() {
                    if !["sender", "recipients", "categories", "comment"].contains(&k.as_str()) {
                        return Err(err(
                            &format!("{here} {k}"),
                            "unknown key; one of sender, recipients, categories, comment".into(),
                        ));
                    }
                }
                let sender = table
                    .get("sender")
                    .and_then(|v| v.as_str())
                    .map(|v| v.trim().to_lowercase())
                    .ok_or_else(|| {
                        err(
                            &format!("{here} sender"),
                            "missing: an address, or a domain written @domain".into(),
                        )
                    })?;
                let categories = strings("categories")?
                    .iter()
                    .map(|c| Category::parse_named(c))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| err(&format!("{here} categories"), e))?;
                if kind == ecluse_quarantine::RuleKind::Block && !categories.is_empty() {
                    return Err(err(
                        &format!("{here} categories"),
                        "a block refuses the whole message: it takes no categories".into(),
                    ));
                }
                let rule = ecluse_quarantine::SenderRule {
                    id: format!("config-{key}-{}", n + 1),
                    kind,
                    sender,
                    recipients: strings("recipients")?,
                    categories,
                    comment: table
                        .get("comment")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    created_by: "configuration".into(),
                    created_at: jiff::Timestamp::UNIX_EPOCH,
                    tenant: None,
                };
                rule.validate().map_err(|e| err(&here, e))?;
                sender_rules.push(rule);
            }
        }
        if !smtp.sender_checks
            && sender_rules
                .iter()
                .any(|r| r.kind == ecluse_quarantine::RuleKind::Allow)
        {
            return Err(err(
                "[[policy.exception]]",
                "an exception applies only to an authenticated sender, and [smtp] sender_checks = false checks none: remove the exceptions or turn the sender checks on".into(),
            ));
        }
        if smtp.sender_check_timeout.is_zero() {
            return Err(err(
                "[smtp] sender_check_timeout",
                "must be more than 0 s (\"10s\" is the default): with 0 no sender could ever be checked".into(),
            ));
        }
        let policy = Policy::from_table(&policy_table, &format!("{origin} [policy]"))
            .map_err(|e| err("[policy]", e.to_string()))?;
        let mut smtp = smtp;
        let mut tenants = tenants(
            raw.tenant,
            &mut smtp,
            &relay,
            &admin,
            &quarantine,
            &policy,
            &locked,
            &err,
        )?;
        // The top-level notice keys: the single town's, and every
        // commune's that does not set its own.
        let notice_contact = notice_text(raw.notice_contact, "notice_contact", &err)?;
        let notice_help = notice_text(raw.notice_help, "notice_help", &err)?;
        for t in &mut tenants.list {
            if t.notice_contact.is_none() {
                t.notice_contact.clone_from(&notice_contact);
            }
            if t.notice_help.is_none() {
                t.notice_help.clone_from(&notice_help);
            }
        }
        let time_zone = match raw.time_zone {
            None => ecluse_quarantine::mail::LocalZone::default(),
            Some(name) => {
                ecluse_quarantine::mail::LocalZone::new(&name).map_err(|e| err("time_zone", e))?
            }
        };
        if let Some(ui) = admin.ui.as_mut() {
            ui.time_zone = time_zone.clone();
            ui.tenants = if tenants.implicit() {
                Vec::new()
            } else {
                tenants
                    .all()
                    .iter()
                    .map(|t| ecluse_admin_ui::UiTenant {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        admin_group: t.admin_group.clone(),
                        domains: t.domains.clone(),
                    })
                    .collect()
            };
        }
        if let Some(ui) = admin.ui.as_mut() {
            ui.sender_rules = sender_rules.clone();
        }
        let clamav = match &raw.scanner.clamav {
            None => None,
            Some(c) => Some(crate::clamav::ClamavConfig {
                address: c
                    .address
                    .parse()
                    .map_err(|e| err("[scanner.clamav] address", e))?,
                on_error: match c.on_error.as_deref() {
                    None | Some("tempfail") => crate::clamav::OnError::Tempfail,
                    Some("hold") => crate::clamav::OnError::Hold,
                    Some(other) => {
                        return Err(err(
                            "[scanner.clamav] on_error",
                            format!(
                                "`{other}` is neither \"tempfail\" (answer 451, the sender tries again) nor \"hold\" (accept and hold)"
                            ),
                        ));
                    }
                },
                timeout: duration(
                    "[scanner.clamav] timeout",
                    &c.timeout,
                    Duration::from_secs(30),
                )?,
                max_object_bytes: match &c.max_object_bytes {
                    None => 25 << 20,
                    Some(s) => parse_size(s)
                        .map_err(|e| err("[scanner.clamav] max_object_bytes", e))?
                        as u64,
                },
            }),
        };
        let paths: Vec<PathBuf> = match raw.scanner.rules {
            None => Vec::new(),
            Some(PathList::One(p)) => vec![resolve(&p)],
            Some(PathList::Many(list)) => list.iter().map(|p| resolve(p)).collect(),
        };
        if raw.scanner.builtin_rules == Some(false) && paths.is_empty() {
            return Err(err(
                "[scanner] builtin_rules",
                "is false and [scanner] rules names no rules: there would be no rules at all"
                    .into(),
            ));
        }
        let rules_category = match raw.scanner.rules_category.as_deref() {
            None => None,
            Some(_) if paths.is_empty() => {
                return Err(err(
                    "[scanner] rules_category",
                    "only applies to the rules of [scanner] rules, which is not set".into(),
                ));
            }
            Some(name) => {
                Some(Category::parse_named(name).map_err(|e| err("[scanner] rules_category", e))?)
            }
        };
        Ok(Config {
            smtp,
            relay,
            quarantine,
            admin,
            policy,
            partner_domains,
            sender_rules,
            rules: crate::rules::RuleSources {
                paths,
                builtin: raw.scanner.builtin_rules.unwrap_or(true),
                default_category: rules_category,
            },
            limits: raw.scanner.limits.unwrap_or_default(),
            clamav,
            tenants,
            locked,
            time_zone,
        })
    }
}

/// A notice key (`notice_contact`, `notice_help`, at the top level or in
/// `[[tenant]]`): one line of at most 500 characters; empty is none.
fn notice_text(
    v: Option<String>,
    key: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<String>, ConfigError> {
    match v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().any(char::is_control) || v.len() > 500 => {
            Err(err(key, "one line of at most 500 characters".into()))
        }
        v => Ok(v),
    }
}

fn check_host_port(v: &str) -> Result<(), String> {
    match v.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(())
        }
        _ => Err(format!("`{v}` is not host:port, e.g. \"10.0.0.5:25\"")),
    }
}

fn parse_starttls(v: Option<&str>) -> Result<StartTls, String> {
    match v.unwrap_or("opportunistic") {
        "opportunistic" => Ok(StartTls::Opportunistic),
        "required" => Ok(StartTls::Required),
        "off" => Ok(StartTls::Off),
        other => Err(format!(
            "`{other}`: use \"opportunistic\", \"required\" or \"off\""
        )),
    }
}

/// A tenant's policy must not loosen the service's floor: a locked
/// category (and `malware`) may only get a stricter action, and may be
/// released by agents only where the service lets them.
fn check_floor(floor: &Policy, policy: &Policy, locked: &[Category]) -> Result<(), String> {
    for c in locked {
        if policy.action(*c) < floor.action(*c) {
            return Err(format!(
                "`{c}` is locked by the service at \"{}\" ([policy] locked): a commune may make it stricter, never looser",
                floor.action(*c).as_str()
            ));
        }
        if policy.self_release(*c) && !floor.self_release(*c) {
            return Err(format!(
                "`self_release` names `{c}`, which the service locks ([policy] locked) without letting agents release it"
            ));
        }
    }
    Ok(())
}

/// `[[tenant]]` blocks, or the implicit tenant; fills `[smtp]
/// accepted_domains` with the tenants' domains.
#[allow(clippy::too_many_arguments)]
fn tenants(
    raw: Vec<RawTenant>,
    smtp: &mut SmtpConfig,
    relay: &RelayConfig,
    admin: &AdminConfig,
    quarantine: &QuarantineConfig,
    floor: &Policy,
    locked: &[Category],
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Tenants, ConfigError> {
    use std::collections::HashMap;
    if raw.is_empty() {
        let t = Tenant {
            id: ecluse_quarantine::DEFAULT_TENANT.to_string(),
            name: String::new(),
            domains: smtp.accepted_domains.clone(),
            relay: relay.clone(),
            admin_group: None,
            notify: admin.notify.clone(),
            retention_days: quarantine.retention_days,
            notice_contact: None,
            notice_help: None,
            policy: floor.clone(),
            overrides: Vec::new(),
        };
        let by_domain = t.domains.iter().map(|d| (d.clone(), 0)).collect();
        return Ok(Tenants {
            list: vec![t],
            by_domain,
            implicit: true,
        });
    }
    let given: Option<Vec<String>> =
        (smtp.accepted_domains != ["tenants.invalid"]).then(|| smtp.accepted_domains.clone());
    let mut list: Vec<Tenant> = Vec::new();
    let mut by_domain: HashMap<String, usize> = HashMap::new();
    for (n, t) in raw.into_iter().enumerate() {
        let id = t.id.clone().unwrap_or_default().trim().to_string();
        let here = if id.is_empty() {
            format!("[[tenant]] #{}", n + 1)
        } else {
            format!("[[tenant]] {id}")
        };
        let key = |k: &str| format!("{here}: {k}");
        if id.is_empty()
            || id.len() > 63
            || id.starts_with('-')
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err(
                &key("id"),
                format!(
                    "`{id}` is not a tenant id: 1 to 63 lower-case letters, digits and '-', such as \"chamalieres\""
                ),
            ));
        }
        if list.iter().any(|o| o.id == id) {
            return Err(err(&key("id"), format!("`{id}` is the id of two tenants")));
        }
        let name = t.name.unwrap_or_default().trim().to_string();
        if name.is_empty() {
            return Err(err(
                &key("name"),
                "missing: the commune's name as agents read it, such as \"Mairie de Chamalières\""
                    .into(),
            ));
        }
        let domains: Vec<String> = t
            .domains
            .unwrap_or_default()
            .iter()
            .map(|d| {
                d.trim()
                    .trim_start_matches('@')
                    .trim_end_matches('.')
                    .to_ascii_lowercase()
            })
            .collect();
        if domains.is_empty() || domains.iter().any(|d| d.is_empty() || !d.contains('.')) {
            return Err(err(
                &key("domains"),
                "give the commune's mail domains, such as [\"ville-chamalieres.fr\"]".into(),
            ));
        }
        for d in &domains {
            if let Some(&other) = by_domain.get(d) {
                return Err(err(
                    &key("domains"),
                    format!(
                        "`{d}` is also a domain of the tenant `{}`: a domain belongs to one tenant",
                        list[other].id
                    ),
                ));
            }
            by_domain.insert(d.clone(), list.len());
        }
        let mut trelay = relay.clone();
        if let Some(d) = t.downstream {
            check_host_port(&d).map_err(|e| err(&key("downstream"), e))?;
            trelay.downstream = d;
        }
        if t.starttls.is_some() {
            trelay.starttls =
                parse_starttls(t.starttls.as_deref()).map_err(|e| err(&key("starttls"), e))?;
        }
        let notify = t.notify.unwrap_or_else(|| admin.notify.clone());
        if let Some(bad) = notify.iter().find(|n| !n.contains('@')) {
            return Err(err(
                &key("notify"),
                format!("`{bad}` is not a mail address"),
            ));
        }
        let retention_days = match t.retention_days {
            None => quarantine.retention_days,
            Some(d) if (1..=3650).contains(&d) => d,
            Some(d) => {
                return Err(err(
                    &key("retention_days"),
                    format!("{d}: give between 1 and 3650 days"),
                ));
            }
        };
        let text = |v: Option<String>, k: &str| -> Result<Option<String>, ConfigError> {
            match v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
                Some(v) if v.chars().any(char::is_control) || v.len() > 500 => {
                    Err(err(&key(k), "one line of at most 500 characters".into()))
                }
                v => Ok(v),
            }
        };
        let notice_contact = text(t.notice_contact, "notice_contact")?;
        let notice_help = text(t.notice_help, "notice_help")?;
        let mut table = t.policy.unwrap_or_default();
        let raw_overrides = table.remove("override");
        let origin = format!("{here} [tenant.policy]");
        let policy = floor
            .with_table(&table, &origin)
            .map_err(|e| err(&key("policy"), e.to_string()))?;
        check_floor(floor, &policy, locked).map_err(|e| err(&key("policy"), e))?;
        let mut overrides = Vec::new();
        if let Some(v) = raw_overrides {
            let list_ = v.as_array().ok_or_else(|| {
                err(
                    &key("policy.override"),
                    "write [[tenant.policy.override]] blocks".into(),
                )
            })?;
            for (m, o) in list_.iter().enumerate() {
                let okey = key(&format!("policy.override #{}", m + 1));
                let mut o = o
                    .as_table()
                    .cloned()
                    .ok_or_else(|| err(&okey, "must be a table".into()))?;
                let rcpts: Vec<String> = o
                    .remove("recipients")
                    .and_then(|v| {
                        v.as_array().and_then(|a| {
                            a.iter()
                                .map(|x| x.as_str().map(|x| x.trim().to_lowercase()))
                                .collect::<Option<Vec<_>>>()
                        })
                    })
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        err(
                            &format!("{okey} recipients"),
                            "give the addresses (or @domain) it applies to, such as [\"compta@ville-chamalieres.fr\"]".into(),
                        )
                    })?;
                for r in &rcpts {
                    let d = r.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
                    if !domains
                        .iter()
                        .any(|own| d == own || d.ends_with(&format!(".{own}")))
                    {
                        return Err(err(
                            &format!("{okey} recipients"),
                            format!("`{r}` is not an address of this tenant's domains"),
                        ));
                    }
                }
                let p = policy
                    .with_table(&o, &okey)
                    .map_err(|e| err(&okey, e.to_string()))?;
                check_floor(floor, &p, locked).map_err(|e| err(&okey, e))?;
                overrides.push((rcpts, p));
            }
        }
        list.push(Tenant {
            id,
            name,
            domains,
            relay: trelay,
            admin_group: t
                .admin_group
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty()),
            notify,
            retention_days,
            notice_contact,
            notice_help,
            policy,
            overrides,
        });
    }
    if let Some(given) = given {
        for d in given {
            if !by_domain.contains_key(&d) {
                return Err(err(
                    "[smtp] accepted_domains",
                    format!(
                        "`{d}` belongs to no [[tenant]]: add it to one tenant's domains, or remove it"
                    ),
                ));
            }
        }
    }
    smtp.accepted_domains = list.iter().flat_map(|t| t.domains.clone()).collect();
    Ok(Tenants {
        list,
        by_domain,
        implicit: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[smtp]\naccepted_domains = [\"ville-exemple.fr\"]\n[relay]\ndownstream = \"127.0.0.1:2526\"\n";

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "test.toml", Path::new("/tmp"))
    }

    #[test]
    fn the_issue_keys_and_defaults() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.smtp.max_message_size, 50 << 20);
        assert_eq!(c.smtp.max_recipients, 100);
        assert_eq!(c.quarantine.retention_days, 30);
        assert_eq!(c.relay.starttls, StartTls::Opportunistic);
        assert_eq!(c.quarantine.data_dir, Path::new("/tmp/data"));
    }

    /// Issue 29: the notice keys at the top level serve a single town and
    /// are the default of every commune; a commune's own value wins.
    /// `time_zone` defaults to Paris and an unknown one is named.
    #[test]
    fn top_level_notice_keys_and_time_zone() {
        let top = "notice_contact = \"DSI, 04 73 00 00 00\"\nnotice_help = \"Appelez-nous.\"\n";
        let c = parse(&format!("{top}{MINIMAL}")).unwrap();
        let t = &c.tenants.all()[0];
        let n = c.notices_for(t);
        assert_eq!(n.contact.as_deref(), Some("DSI, 04 73 00 00 00"));
        assert_eq!(n.help.as_deref(), Some("Appelez-nous."));
        assert_eq!(n.zone.name(), "Europe/Paris");
        let tenants = "[[tenant]]\nid = \"a\"\nname = \"A\"\ndomains = [\"a.fr\"]\nnotice_contact = \"Secrétariat de A\"\n\n[[tenant]]\nid = \"b\"\nname = \"B\"\ndomains = [\"b.fr\"]\n";
        let c = parse(&format!(
            "{top}time_zone = \"America/Cayenne\"\n[relay]\ndownstream = \"127.0.0.1:2526\"\n{tenants}"
        ))
        .unwrap();
        let a = c.notices_for(c.tenants.get("a").unwrap());
        let b = c.notices_for(c.tenants.get("b").unwrap());
        assert_eq!(a.contact.as_deref(), Some("Secrétariat de A"));
        assert_eq!(a.help.as_deref(), Some("Appelez-nous."));
        assert_eq!(b.contact.as_deref(), Some("DSI, 04 73 00 00 00"));
        assert_eq!(b.zone.label_fr(), "heure de Guyane");
        let e = parse(&format!("time_zone = \"Paris\"\n{MINIMAL}")).unwrap_err();
        assert_eq!(e.key, "time_zone");
        assert!(e.reason.contains("\"Europe/Paris\""), "{e}");
        let e = parse(&format!("notice_help = \"a\\nb\"\n{MINIMAL}")).unwrap_err();
        assert_eq!(e.key, "notice_help");
    }

    #[test]
    fn the_example_config_is_accepted_as_is() {
        let c = parse(include_str!("../../ecluse.example.toml")).unwrap();
        assert_eq!(c.smtp.accepted_domains, ["ville-exemple.fr"]);
        assert_eq!(c.relay.downstream, "10.0.0.5:25");
        assert_eq!(c.admin.notify, ["dsi@ville-exemple.fr"]);
        // Nothing unscanned is self-releasable or delivered in what the
        // package installs.
        assert!(c.policy.self_release_list().is_empty());
        assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    }

    #[test]
    fn self_releasable_unread_categories_are_warned_about() {
        let c = parse(&format!(
            "{MINIMAL}[policy]\nself_release = [\"encrypted_archive\", \"type_mismatch\"]\n"
        ))
        .unwrap();
        let w = c.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("self_release = [encrypted_archive]"), "{w:?}");
        // A recipient override, and a category delivered unread.
        let c = parse(&format!(
            "{MINIMAL}[policy]\nencrypted_message = \"deliver\"\n\n[[tenant]]\nid = \"alpha\"\nname = \"Alpha\"\ndomains = [\"ville-exemple.fr\"]\n\n[[tenant.policy.override]]\nrecipients = [\"dg@ville-exemple.fr\"]\nself_release = [\"unscannable_archive\"]\n"
        ))
        .unwrap();
        let w = c.warnings().join("\n");
        assert!(
            w.contains("[policy]: encrypted_message = \"deliver\"")
                && w.contains("[[tenant.policy.override]] of alpha for dg@ville-exemple.fr self_release = [unscannable_archive]"),
            "{w}"
        );
    }

    #[test]
    fn recipient_verification_keys() {
        let with = |extra: &str| parse(&MINIMAL.replace("[relay]", &format!("{extra}\n[relay]")));
        let c = with(
            "verify_recipients = \"callout\"\ndns_resolvers = [\"127.0.0.1:5353\", \"192.0.2.53\"]",
        )
        .unwrap();
        assert_eq!(c.smtp.verify_recipients, VerifyRecipients::Callout);
        assert_eq!(
            c.smtp.dns_resolvers,
            [
                "127.0.0.1:5353".parse::<SocketAddr>().unwrap(),
                "192.0.2.53:53".parse().unwrap()
            ]
        );
        assert_eq!(c.smtp.recipient_cache_negative, Duration::from_secs(3600));
        assert_eq!(
            parse(MINIMAL).unwrap().smtp.verify_recipients,
            VerifyRecipients::Off
        );
        let e = with("verify_recipients = \"list\"").unwrap_err();
        assert_eq!(e.key, "[smtp] recipients_file", "{e}");
        let e = with("verify_recipients = \"ldap\"").unwrap_err();
        assert!(e.reason.contains("callout"), "{e}");
        let e = with("verify_recipients = \"list\"\nrecipients_file = \"/nonexistent/r.txt\"")
            .unwrap_err();
        assert!(e.reason.contains("cannot read"), "{e}");
        let e = with("dns_resolvers = [\"dns.example\"]").unwrap_err();
        assert_eq!(e.key, "[smtp] dns_resolvers", "{e}");
        assert!(
            with("verify_recipients = \"off\"")
                .unwrap()
                .smtp
                .dns_resolvers
                .is_empty()
        );
    }

    #[test]
    fn public_rule_sets_take_a_category() {
        let text = format!("{MINIMAL}[scanner]\nrules = \"rules\"\nrules_category = \"malware\"\n");
        let c = parse(&text).unwrap();
        assert_eq!(c.rules.paths, vec![PathBuf::from("/tmp/rules")]);
        assert!(c.rules.builtin);
        assert_eq!(
            c.rules.default_category,
            Some(ecluse_scanner::Category::Malware)
        );
        assert_eq!(
            parse(MINIMAL).unwrap().rules,
            crate::rules::RuleSources::default()
        );
        let list =
            format!("{MINIMAL}[scanner]\nrules = [\"a\", \"/etc/b.yar\"]\nbuiltin_rules = false\n");
        let c = parse(&list).unwrap();
        assert_eq!(
            c.rules.paths,
            vec![PathBuf::from("/tmp/a"), PathBuf::from("/etc/b.yar")]
        );
        assert!(!c.rules.builtin);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("50MiB").unwrap(), 50 << 20);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_size("1234").unwrap(), 1234);
        assert!(parse_size("50 megs").is_err());
        assert!(parse_size("MiB").is_err());
    }

    #[test]
    fn errors_name_the_key() {
        let cases: &[(&str, &str)] = &[
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\nmax_message_size=\"lots\"\n[relay]\ndownstream=\"h:25\"",
                "[smtp] max_message_size",
            ),
            ("[relay]\ndownstream=\"h:25\"", "[smtp] accepted_domains"),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"nohost\"",
                "[relay] downstream",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\nlisten=\"here\"\n[relay]\ndownstream=\"h:25\"",
                "[smtp] listen",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\nstarttls=\"maybe\"",
                "[relay] starttls",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[policy]\nmacro=\"burn\"",
                "[policy]",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\ncommand_timeout=\"soon\"\n[relay]\ndownstream=\"h:25\"",
                "[smtp] command_timeout",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\ntls_cert=\"/nonexistent.pem\"\n[relay]\ndownstream=\"h:25\"",
                "[smtp] tls_cert",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nrules=\"r\"\nrules_category=\"bad\"",
                "[scanner] rules_category",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nrules_category=\"suspicious\"",
                "[scanner] rules_category",
            ),
            (
                "[smtp]\naccepted_domains=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"\n[scanner]\nbuiltin_rules=false",
                "[scanner] builtin_rules",
            ),
        ];
        for (text, key) in cases {
            let e = parse(text).unwrap_err();
            assert!(
                e.key.starts_with(key),
                "{text:?}: got key {:?} ({})",
                e.key,
                e.reason
            );
        }
    }

    #[test]
    fn the_web_ui_sections() {
        // No sign-in configured: no UI, only /healthz and /metrics.
        assert!(parse(MINIMAL).unwrap().admin.ui.is_none());
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("idp.xml");
        std::fs::write(&md, "<md:EntityDescriptor/>").unwrap();
        let text = format!(
            "{MINIMAL}[admin]\npublic_url = \"https://q.ville-exemple.fr/\"\nsession_idle = \"15m\"\n[admin.saml]\nidp_metadata = \"{}\"\nadmin_group = \"dsi\"\n[admin.local]\nusername = \"secours\"\npassword_hash = \"$argon2id$x\"\n",
            md.display()
        );
        let c = parse(&text).unwrap();
        let ui = c.admin.ui.unwrap();
        assert_eq!(ui.public_url, "https://q.ville-exemple.fr");
        assert_eq!(ui.session_idle, Duration::from_secs(900));
        let saml = ui.saml.unwrap();
        assert_eq!(saml.idp_metadata, "<md:EntityDescriptor/>");
        assert_eq!(
            saml.sp_entity_id,
            "https://q.ville-exemple.fr/saml/metadata"
        );
        assert_eq!(
            (saml.admin_group.as_str(), saml.email_attribute.as_str()),
            ("dsi", "email")
        );
        assert_eq!(ui.local.unwrap().username, "secours");
        assert!(c.admin.proxies.trusted.is_empty() && c.admin.metrics_token.is_none());
        // Reverse proxies and the metrics token.
        let c = parse(&format!(
            "{MINIMAL}[admin]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\", \"2001:db8::/32\"]\nproxy_header = \"Forwarded\"\nmetrics_token = \"0123456789abcdef0123456789abcdef\"\n[admin.local]\nusername = \"secours\"\npassword_hash = \"$argon2id$x\"\n"
        ))
        .unwrap();
        assert_eq!(c.admin.proxies.trusted.len(), 3);
        assert_eq!(
            c.admin.proxies.header,
            ecluse_admin_ui::ProxyHeader::Forwarded
        );
        assert_eq!(c.admin.ui.as_ref().unwrap().proxies, c.admin.proxies);
        let token = c.admin.metrics_token.as_ref().unwrap();
        assert!(token.matches("0123456789abcdef0123456789abcdef"));
        assert!(
            !format!("{:?}", c.admin).contains("0123456789abcdef"),
            "the token does not print"
        );
        // An address is fetched at start-up, not read as a file.
        let c = parse(&format!(
            "{MINIMAL}[admin.saml]\nidp_metadata = \"https://idp.ville-exemple.fr/md\"\n"
        ))
        .unwrap();
        assert_eq!(
            c.admin.idp_metadata_url.as_deref(),
            Some("https://idp.ville-exemple.fr/md")
        );
        let cases = [
            (
                "[admin.saml]\nidp_metadata = \"/nonexistent/idp.xml\"\n",
                "[admin.saml] idp_metadata",
            ),
            (
                "[admin.saml]\nidp_metadata = \"https://x/md\"\nclock_skew = \"1h\"\n",
                "[admin.saml] clock_skew",
            ),
            (
                "[admin.saml]\nidp_metadata = \"https://x/md\"\nclock_skew = \"soon\"\n",
                "[admin.saml] clock_skew",
            ),
            ("[admin]\ntls_cert = \"/etc/c.pem\"\n", "[admin] tls_cert"),
            (
                "[admin]\nsession_max = \"forever\"\n",
                "[admin] session_max",
            ),
            (
                "[admin.local]\nusername = \" \"\npassword_hash = \"x\"\n",
                "[admin.local] username",
            ),
            (
                "[admin]\ntrusted_proxies = [\"10.0.0.0/8\", \"proxy.lan\"]\n",
                "[admin] trusted_proxies",
            ),
            (
                "[admin]\ntrusted_proxies = [\"10.0.0.1/8\"]\n",
                "[admin] trusted_proxies",
            ),
            (
                "[admin]\ntrusted_proxies = [\"192.0.2.0/33\"]\n",
                "[admin] trusted_proxies",
            ),
            (
                "[admin]\nproxy_header = \"Forwarded\"\n",
                "[admin] proxy_header",
            ),
            (
                "[admin]\ntrusted_proxies = [\"::1\"]\nproxy_header = \"X-Real-IP\"\n",
                "[admin] proxy_header",
            ),
            (
                "[admin]\nmetrics_token = \"court\"\n",
                "[admin] metrics_token",
            ),
            (
                "[admin]\nmetrics_token = \"un jeton avec des espaces dedans\"\n",
                "[admin] metrics_token",
            ),
            (
                "[admin.saml]\nidp_metadata = \"https://x/md\"\nemail = \"mail\"\n",
                "line",
            ),
        ];
        for (extra, key) in cases {
            let e = parse(&format!("{MINIMAL}{extra}")).unwrap_err();
            assert!(
                e.key.starts_with(key),
                "{extra:?}: got key {:?} ({})",
                e.key,
                e.reason
            );
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse(&format!("{MINIMAL}[smtp2]\nx=1\n")).unwrap_err();
        assert!(e.reason.contains("smtp2"), "{e}");
        let e =
            parse("[smtp]\naccepted_domain=[\"a.fr\"]\n[relay]\ndownstream=\"h:25\"").unwrap_err();
        assert!(e.reason.contains("accepted_domain"), "{e}");
    }
}
