//! `[[tenant]]`: the communes one Écluse serves, each with its domains,
//! server, admins, notices and policy over the service's floor; or the
//! one implicit tenant of a file without `[[tenant]]` blocks. Also the
//! notice settings a tenant's mail is written with ([`NoticeConfig`]).

use super::admin::AdminConfig;
use super::policy::check_floor;
use super::raw::RawTenant;
use super::relay::{RelayConfig, check_host_port, parse_starttls};
use super::smtp::SmtpConfig;
use super::source::{ConfigError, Source};
use super::store::QuarantineConfig;
use ecluse_quarantine::mail::LocalZone;
use ecluse_scanner::{Category, Policy};

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

impl Tenants {
    /// The top-level `notice_contact` and `notice_help`: the single town's,
    /// and every commune's that does not set its own.
    pub(super) fn fill_notices(&mut self, contact: Option<String>, help: Option<String>) {
        for t in &mut self.list {
            if t.notice_contact.is_none() {
                t.notice_contact.clone_from(&contact);
            }
            if t.notice_help.is_none() {
                t.notice_help.clone_from(&help);
            }
        }
    }
}

/// Where notices point, who signs them, and the commune's own words.
#[derive(Debug, Clone, Default)]
pub struct NoticeConfig {
    /// Our host name (`postmaster@<hostname>` signs notices).
    pub hostname: String,
    /// The web UI's address; links are `<public_url>/q/<item id>`.
    pub public_url: String,
    /// The commune's name (`[[tenant]] name`); `None`: « la mairie ».
    pub org: Option<String>,
    /// `notice_contact` (the tenant's, else the top-level one): who to
    /// call, a line of its own.
    pub contact: Option<String>,
    /// `notice_help` (the tenant's, else the top-level one): a sentence
    /// of the commune's.
    pub help: Option<String>,
    /// `time_zone`: dates are given in it, labelled.
    pub zone: LocalZone,
}

/// A notice key (`notice_contact`, `notice_help`, at the top level or in
/// `[[tenant]]`): one line of at most 500 characters; empty is none.
pub(super) fn notice_text(
    v: Option<String>,
    key: &str,
    src: &Source,
) -> Result<Option<String>, ConfigError> {
    match v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().any(char::is_control) || v.len() > 500 => {
            Err(src.err(key, "one line of at most 500 characters".into()))
        }
        v => Ok(v),
    }
}

/// `[[tenant]]` blocks, or the implicit tenant; fills `[smtp]
/// accepted_domains` with the tenants' domains.
#[allow(clippy::too_many_arguments)]
pub(super) fn parse(
    raw: Vec<RawTenant>,
    smtp: &mut SmtpConfig,
    relay: &RelayConfig,
    admin: &AdminConfig,
    quarantine: &QuarantineConfig,
    floor: &Policy,
    locked: &[Category],
    src: &Source,
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
            return Err(src.err(
                &key("id"),
                format!(
                    "`{id}` is not a tenant id: 1 to 63 lower-case letters, digits and '-', such as \"chamalieres\""
                ),
            ));
        }
        if list.iter().any(|o| o.id == id) {
            return Err(src.err(&key("id"), format!("`{id}` is the id of two tenants")));
        }
        let name = t.name.unwrap_or_default().trim().to_string();
        if name.is_empty() {
            return Err(src.err(
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
            return Err(src.err(
                &key("domains"),
                "give the commune's mail domains, such as [\"ville-chamalieres.fr\"]".into(),
            ));
        }
        for d in &domains {
            if let Some(&other) = by_domain.get(d) {
                return Err(src.err(
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
            check_host_port(&d).map_err(|e| src.err(&key("downstream"), e))?;
            trelay.downstream = d;
        }
        if t.starttls.is_some() {
            trelay.starttls =
                parse_starttls(t.starttls.as_deref()).map_err(|e| src.err(&key("starttls"), e))?;
        }
        let notify = t.notify.unwrap_or_else(|| admin.notify.clone());
        if let Some(bad) = notify.iter().find(|n| !n.contains('@')) {
            return Err(src.err(&key("notify"), format!("`{bad}` is not a mail address")));
        }
        let retention_days = match t.retention_days {
            None => quarantine.retention_days,
            Some(d) if (1..=3650).contains(&d) => d,
            Some(d) => {
                return Err(src.err(
                    &key("retention_days"),
                    format!("{d}: give between 1 and 3650 days"),
                ));
            }
        };
        let notice_contact = notice_text(t.notice_contact, &key("notice_contact"), src)?;
        let notice_help = notice_text(t.notice_help, &key("notice_help"), src)?;
        let mut table = t.policy.unwrap_or_default();
        let raw_overrides = table.remove("override");
        let origin = format!("{here} [tenant.policy]");
        let policy = floor
            .with_table(&table, &origin)
            .map_err(|e| src.err(&key("policy"), super::source::policy_reason(e)))?;
        check_floor(floor, &policy, locked).map_err(|e| src.err(&key("policy"), e))?;
        let mut overrides = Vec::new();
        if let Some(v) = raw_overrides {
            let list_ = v.as_array().ok_or_else(|| {
                src.err(
                    &key("policy.override"),
                    "write [[tenant.policy.override]] blocks".into(),
                )
            })?;
            for (m, o) in list_.iter().enumerate() {
                let okey = key(&format!("policy.override #{}", m + 1));
                let mut o = o
                    .as_table()
                    .cloned()
                    .ok_or_else(|| src.err(&okey, "must be a table".into()))?;
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
                        src.err(
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
                        return Err(src.err(
                            &format!("{okey} recipients"),
                            format!("`{r}` is not an address of this tenant's domains"),
                        ));
                    }
                }
                let p = policy
                    .with_table(&o, &okey)
                    .map_err(|e| src.err(&okey, super::source::policy_reason(e)))?;
                check_floor(floor, &p, locked).map_err(|e| src.err(&okey, e))?;
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
                return Err(src.err(
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
