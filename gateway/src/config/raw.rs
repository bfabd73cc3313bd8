//! The raw serde layer of `ecluse.toml`: every section as written, each
//! with `deny_unknown_fields` so that a misspelt key is named. The section
//! files (`smtp.rs`, `relay.rs` …) turn these into the validated types.

use super::source::{ConfigError, Source};
use ecluse_scanner::Limits;
use serde::Deserialize;
use std::path::PathBuf;

/// The whole file, as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    /// Top-level keys (before the first `[section]`).
    pub(super) time_zone: Option<String>,
    pub(super) notice_contact: Option<String>,
    pub(super) notice_help: Option<String>,
    #[serde(default)]
    pub(super) smtp: RawSmtp,
    #[serde(default)]
    pub(super) relay: RawRelay,
    #[serde(default)]
    pub(super) quarantine: RawQuarantine,
    #[serde(default)]
    pub(super) admin: RawAdmin,
    #[serde(default)]
    pub(super) policy: toml::Table,
    #[serde(default)]
    pub(super) scanner: RawScanner,
    #[serde(default)]
    pub(super) tenant: Vec<RawTenant>,
    #[serde(default)]
    pub(super) store: RawStore,
}

/// `[store]`: where the quarantine, the queue and the audit log live.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub(super) backend: Option<String>,
    pub(super) url: Option<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) password_file: Option<PathBuf>,
    pub(super) pool_size: Option<usize>,
    pub(super) delivery_lease: Option<String>,
}

/// `[[tenant]]`: one commune served by this Écluse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTenant {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) domains: Option<Vec<String>>,
    pub(super) downstream: Option<String>,
    pub(super) starttls: Option<String>,
    pub(super) admin_group: Option<String>,
    pub(super) notify: Option<Vec<String>>,
    pub(super) retention_days: Option<u32>,
    pub(super) notice_contact: Option<String>,
    pub(super) notice_help: Option<String>,
    pub(super) policy: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub(super) listen: Option<OneOrMany>,
    pub(super) hostname: Option<String>,
    pub(super) accepted_domains: Option<Vec<String>>,
    pub(super) max_message_size: Option<String>,
    pub(super) max_recipients: Option<usize>,
    pub(super) tls_cert: Option<PathBuf>,
    pub(super) tls_key: Option<PathBuf>,
    pub(super) max_connections: Option<usize>,
    pub(super) max_connections_per_ip: Option<usize>,
    pub(super) max_scans: Option<usize>,
    pub(super) scan_wait: Option<String>,
    pub(super) command_timeout: Option<String>,
    pub(super) data_timeout: Option<String>,
    pub(super) max_line_length: Option<usize>,
    pub(super) max_errors: Option<usize>,
    pub(super) unknown_recipient_limit: Option<usize>,
    pub(super) verify_recipients: Option<String>,
    pub(super) recipients_file: Option<PathBuf>,
    pub(super) recipient_cache_positive: Option<String>,
    pub(super) recipient_cache_negative: Option<String>,
    pub(super) dns_resolvers: Option<Vec<String>>,
    pub(super) sender_checks: Option<bool>,
    pub(super) sender_check_timeout: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelay {
    pub(super) downstream: Option<String>,
    pub(super) starttls: Option<String>,
    pub(super) retry_min: Option<String>,
    pub(super) retry_max: Option<String>,
    pub(super) max_queue_time: Option<String>,
    pub(super) concurrency: Option<usize>,
    pub(super) timeout: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuarantine {
    pub(super) data_dir: Option<PathBuf>,
    pub(super) retention_days: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAdmin {
    pub(super) listen: Option<String>,
    pub(super) public_url: Option<String>,
    pub(super) notify: Option<Vec<String>>,
    pub(super) tls_cert: Option<PathBuf>,
    pub(super) tls_key: Option<PathBuf>,
    pub(super) session_idle: Option<String>,
    pub(super) session_max: Option<String>,
    pub(super) trusted_proxies: Option<Vec<String>>,
    pub(super) proxy_header: Option<String>,
    pub(super) metrics_token: Option<String>,
    pub(super) saml: Option<RawSaml>,
    pub(super) local: Option<RawLocal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSaml {
    pub(super) idp_metadata: String,
    pub(super) sp_entity_id: Option<String>,
    pub(super) email_attribute: Option<String>,
    pub(super) name_attribute: Option<String>,
    pub(super) groups_attribute: Option<String>,
    pub(super) admin_group: Option<String>,
    pub(super) service_admin_group: Option<String>,
    pub(super) groups_separator: Option<String>,
    pub(super) match_friendly_name: Option<bool>,
    pub(super) clock_skew: Option<String>,
    pub(super) idp_logout_url: Option<String>,
    pub(super) single_logout: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLocal {
    pub(super) username: String,
    pub(super) password_hash: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScanner {
    pub(super) rules: Option<PathList>,
    pub(super) rules_category: Option<String>,
    pub(super) builtin_rules: Option<bool>,
    pub(super) limits: Option<Limits>,
    pub(super) clamav: Option<RawClamav>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClamav {
    pub(super) address: String,
    pub(super) on_error: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) max_object_bytes: Option<String>,
}

/// A path or a list of paths.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum PathList {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl RawConfig {
    /// Reads `text` as TOML; a syntax error or an unknown key names its line.
    pub(super) fn read(text: &str, src: &Source) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let key = e
                .span()
                .map(|s| {
                    let line = text[..s.start].lines().count().max(1);
                    format!("line {line}")
                })
                .unwrap_or_else(|| "(syntax)".into());
            src.err(&key, msg)
        })
    }
}
