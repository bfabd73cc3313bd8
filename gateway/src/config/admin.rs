//! `[admin]`: the admin listener (web UI, `/healthz`, `/metrics`), its
//! TLS and proxies, and the ways to sign in (`[admin.saml]`,
//! `[admin.local]`).

use super::raw::RawAdmin;
use super::source::{ConfigError, Source};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

impl AdminConfig {
    /// Validates `[admin]`, `[admin.saml]` and `[admin.local]`;
    /// `with_tenants`: the SAML `admin_group` is then service-wide, and only
    /// when set.
    pub(super) fn parse(
        a: RawAdmin,
        with_tenants: bool,
        src: &Source,
    ) -> Result<AdminConfig, ConfigError> {
        let admin_listen = a.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = admin_listen.parse().map_err(|_| {
            src.err(
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
            return Err(src.err(
                "[admin] public_url",
                format!("`{public_url}` must start with https:// (or http:// for tests)"),
            ));
        }
        let notify = a.notify.unwrap_or_default();
        if let Some(bad) = notify.iter().find(|n| !n.contains('@')) {
            return Err(src.err("[admin] notify", format!("`{bad}` is not a mail address")));
        }
        let admin_tls = src.tls_pair("[admin]", a.tls_cert, a.tls_key)?;
        let mut proxies = ecluse_admin_ui::Proxies::default();
        for net in a.trusted_proxies.unwrap_or_default() {
            proxies.trusted.push(
                net.parse()
                    .map_err(|reason| src.err("[admin] trusted_proxies", reason))?,
            );
        }
        if let Some(h) = a.proxy_header {
            if proxies.trusted.is_empty() {
                return Err(src.err(
                    "[admin] proxy_header",
                    "is read only from [admin] trusted_proxies, which is empty".into(),
                ));
            }
            proxies.header = h
                .parse()
                .map_err(|reason| src.err("[admin] proxy_header", reason))?;
        }
        let metrics_token = match a.metrics_token {
            None => None,
            Some(t) if t.chars().count() < MIN_METRICS_TOKEN => {
                return Err(src.err(
                    "[admin] metrics_token",
                    format!(
                        "is shorter than {MIN_METRICS_TOKEN} characters; make one with `openssl rand -hex 32`"
                    ),
                ));
            }
            Some(t) if !t.chars().all(|c| c.is_ascii_graphic()) => {
                return Err(src.err(
                    "[admin] metrics_token",
                    "must be printable ASCII without spaces (it travels in an HTTP header); make one with `openssl rand -hex 32`".into(),
                ));
            }
            Some(t) => Some(ecluse_admin_ui::Secret::new(t)),
        };
        let mut ui = ecluse_admin_ui::UiConfig::new(&public_url);
        ui.proxies = proxies.clone();
        ui.session_idle = src.duration("[admin] session_idle", &a.session_idle, ui.session_idle)?;
        ui.session_max = src.duration("[admin] session_max", &a.session_max, ui.session_max)?;
        let mut idp_metadata_url = None;
        if let Some(saml) = a.saml {
            let source = saml.idp_metadata.trim().to_string();
            let xml = if source.starts_with("https://") || source.starts_with("http://") {
                idp_metadata_url = Some(source);
                String::new()
            } else {
                let path = src.resolve(Path::new(&source));
                std::fs::read_to_string(&path).map_err(|e| {
                    src.err(
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
                    return Err(src.err(
                        "[admin.saml] groups_separator",
                        "must not be empty or blank; leave the key out when the IdP sends one value per group".into(),
                    ));
                }
                c.groups_separator = Some(sep.trim().to_string());
            }
            c.match_friendly_name = saml.match_friendly_name.unwrap_or(false);
            c.clock_skew =
                src.duration("[admin.saml] clock_skew", &saml.clock_skew, c.clock_skew)?;
            if c.clock_skew > Duration::from_secs(600) {
                return Err(src.err(
                    "[admin.saml] clock_skew",
                    "more than 10 minutes would accept stale sign-ins; set the clocks right (NTP) instead".into(),
                ));
            }
            if let Some(url) = saml.idp_logout_url.map(|u| u.trim().to_string()) {
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '"')
                {
                    return Err(src.err(
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
                return Err(src.err("[admin.local] username", "must not be empty".into()));
            }
            ui.local = Some(ecluse_admin_ui::LocalAdmin {
                username: local.username.trim().to_string(),
                password_hash: local.password_hash.trim().to_string(),
            });
        }
        let ui = (ui.saml.is_some() || ui.local.is_some()).then_some(ui);
        let admin = AdminConfig {
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
        Ok(admin)
    }
}
