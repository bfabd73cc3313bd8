//! `ecluse.toml`: a raw serde layer that names unknown keys, then a
//! validated [`Config`]. Every mistake stops start-up with the key and the
//! reason, never on the first mail.

mod admin;
mod policy;
mod raw;
mod relay;
mod scanner;
mod smtp;
mod source;
mod store;
mod tenants;
#[cfg(test)]
mod tests;

pub use admin::{AdminConfig, MIN_METRICS_TOKEN};
pub use relay::{RelayConfig, StartTls};
pub use scanner::{ClamavConfig, ClamdAddress, OnError, RuleSources};
pub use smtp::{RecipientList, SmtpConfig, VerifyRecipients};
pub use source::{ConfigError, parse_size};
pub use store::QuarantineConfig;
pub use tenants::{NoticeConfig, Tenant, Tenants};

use ecluse_scanner::{Category, Limits, Policy};
use source::Source;
use std::net::SocketAddr;
use std::path::Path;

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
    pub rules: RuleSources,
    /// `[scanner.limits]`.
    pub limits: Limits,
    /// `[scanner.clamav]`: ClamAV as a second engine, when configured.
    pub clamav: Option<ClamavConfig>,
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
        self.named_warnings().into_iter().map(|(_, w)| w).collect()
    }

    /// [`Config::warnings`] with the name `check-config` prints in brackets
    /// (`warning [unread-delivered]: …`), so that a script can look for one:
    /// `unread-delivered`, `unread-self-release`, `downstream-is-self`.
    pub fn named_warnings(&self) -> Vec<(&'static str, String)> {
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
                let place = format!(
                    "[[tenant.policy.override]] of {} for {}",
                    t.id,
                    rcpts.join(", ")
                );
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
                out.push(("unread-delivered", format!(
                    "{place}: {} = \"deliver\" delivers what nobody could scan, unread; set \"quarantine\" so that an admin decides",
                    delivered.join(", ")
                )));
            }
            if !names.is_empty() {
                out.push(("unread-self-release", format!(
                    "{place} self_release = [{}]: agents may release alone what nobody could scan (a password-protected archive whose password is in the body is how attackers get past filters); remove these from self_release so that an admin decides",
                    names.join(", ")
                )));
            }
        }
        // A downstream that is this gateway's own listener: every message
        // would come back to us until its Received: count stops it.
        for t in self.tenants.all() {
            if let Some(own) = self.own_listener(&t.relay.downstream) {
                let place = if self.tenants.implicit() {
                    "[relay]".to_string()
                } else {
                    format!("[[tenant]] {}", t.id)
                };
                out.push(("downstream-is-self", format!(
                    "{place} downstream = \"{}\" is this gateway's own [smtp] listen address ({own}): mail would loop back to Écluse; give the town's mail server's address",
                    t.relay.downstream
                )));
            }
        }
        out
    }

    /// The `[smtp] listen` address that `downstream` (`host:port`) names,
    /// when it names one of ours: the same address, or a loopback address
    /// on the port of a listener bound to every address.
    fn own_listener(&self, downstream: &str) -> Option<SocketAddr> {
        let (host, port) = downstream.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ip: std::net::IpAddr = match host {
            "localhost" => std::net::Ipv4Addr::LOCALHOST.into(),
            other => other.parse().ok()?,
        };
        self.smtp.listen.iter().copied().find(|l| {
            l.port() == port && (l.ip() == ip || (l.ip().is_unspecified() && ip.is_loopback()))
        })
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
    pub fn notices_for(&self, t: &Tenant) -> NoticeConfig {
        NoticeConfig {
            hostname: self.smtp.hostname.clone(),
            public_url: self.admin.public_url.clone(),
            org: Some(t.name.clone()).filter(|n| !n.is_empty()),
            contact: t.notice_contact.clone(),
            help: t.notice_help.clone(),
            zone: self.time_zone.clone(),
        }
    }
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
    /// Each section has its own parser, in file order of the checks: a
    /// file with several mistakes is refused with the first.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Config, ConfigError> {
        let src = Source { origin, base };
        let raw = raw::RawConfig::read(text, &src)?;
        let with_tenants = !raw.tenant.is_empty();
        let mut smtp = SmtpConfig::parse(raw.smtp, with_tenants, &src)?;
        let relay = RelayConfig::parse(raw.relay, &raw.tenant, &src)?;
        let quarantine = QuarantineConfig::parse(raw.store, raw.quarantine, &src)?;
        let mut admin = AdminConfig::parse(raw.admin, with_tenants, &src)?;
        let policy = policy::PolicySection::parse(raw.policy, smtp.sender_checks, &src)?;
        let mut tenants = tenants::parse(
            raw.tenant,
            &mut smtp,
            &relay,
            &admin,
            &quarantine,
            &policy.policy,
            &policy.locked,
            &src,
        )?;
        tenants.fill_notices(
            tenants::notice_text(raw.notice_contact, "notice_contact", &src)?,
            tenants::notice_text(raw.notice_help, "notice_help", &src)?,
        );
        let time_zone = match raw.time_zone {
            None => ecluse_quarantine::mail::LocalZone::default(),
            Some(name) => ecluse_quarantine::mail::LocalZone::new(&name)
                .map_err(|e| src.err("time_zone", e))?,
        };
        if let Some(ui) = admin.ui.as_mut() {
            ui.time_zone = time_zone.clone();
            ui.tenants = tenants.for_ui();
            ui.sender_rules = policy.sender_rules.clone();
        }
        let scanner = scanner::ScannerSection::parse(raw.scanner, &src)?;
        Ok(Config {
            smtp,
            relay,
            quarantine,
            admin,
            policy: policy.policy,
            partner_domains: policy.partner_domains,
            sender_rules: policy.sender_rules,
            rules: scanner.rules,
            limits: scanner.limits,
            clamav: scanner.clamav,
            tenants,
            locked: policy.locked,
            time_zone,
        })
    }
}
