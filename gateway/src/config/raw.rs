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
    /// Reads `text` as TOML. A syntax error names its line; a value of the
    /// wrong type, a missing or an unknown key names its line, its
    /// `[section] key` and says what to write instead (a deployment from
    /// the docs found serde's own words, `invalid type: string "30 jours",
    /// expected u32`, without the key or the section: issue 29).
    pub(super) fn read(text: &str, src: &Source) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let (key, reason) = explain(text, e.span().map(|s| s.start), e.message());
            src.err(&key, reason)
        })
    }
}

/// `(where, what)` for a TOML or serde error at byte `at` of `text`:
/// `where` is `line N, [section] key` (the key when the line assigns one,
/// the section when the error is about the table), `what` the message in
/// the file's terms.
pub(super) fn explain(text: &str, at: Option<usize>, message: &str) -> (String, String) {
    let Some(at) = at.filter(|a| *a <= text.len() && text.is_char_boundary(*a)) else {
        return ("(syntax)".into(), message.to_string());
    };
    let line_no = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    // The section: the last header at or above the error's line.
    let section = text[..line_start + line.len()]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|h| {
            let h = h.split('#').next().unwrap_or(h).trim();
            h.trim_start_matches('[').trim_end_matches(']').trim().to_string()
        });
    let key = if line.starts_with('[') {
        None
    } else {
        line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string())
    };
    let place = match (&section, &key) {
        (Some(s), Some(k)) => format!("line {line_no}, [{s}] {k}"),
        (Some(s), None) => format!("line {line_no}, [{s}]"),
        (None, Some(k)) => format!("line {line_no}, {k}"),
        (None, None) => format!("line {line_no}"),
    };
    (place, plain_reason(message, key.as_deref()))
}

/// serde's message in the words of someone editing the file.
fn plain_reason(message: &str, key: Option<&str>) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!(
                "expected {}, found {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!(
                "{} is not allowed here: expected {}",
                found_words(found),
                expected_words(expected)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = rest.trim().trim_matches('`');
        return format!(
            "`{name}` is missing from this section: add `{name} = …` (ecluse.example.toml shows each key with an example)"
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, known) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let name = name.trim().trim_matches('`');
        if ["time_zone", "notice_contact", "notice_help"].contains(&name) && !known.contains("`time_zone`") {
            return format!(
                "`{name}` is a top-level key: move it above the first [section] of the file (a commune's own goes in its [[tenant]] block)"
            );
        }
        let known = known
            .trim_start_matches("one of ")
            .replace('`', "");
        return if known.is_empty() {
            format!("unknown key `{name}`: remove it or check its spelling")
        } else {
            format!("unknown key `{name}`: remove it or check its spelling; this section's keys are {known}")
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown value {}", rest.replace('`', "\""));
    }
    match key {
        Some(k) => format!("{message} (at `{k}`)"),
        None => message.to_string(),
    }
}

/// serde's name of what it wanted, as the file would write it.
fn expected_words(expected: &str) -> String {
    let e = expected.trim();
    match e {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            "a whole number without quotes (for example 30)".into()
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number without quotes".into(),
        "f32" | "f64" => "a number without quotes".into(),
        "a boolean" => "true or false, without quotes".into(),
        "a string" => "text in double quotes (for example \"…\")".into(),
        "a sequence" => "a list in brackets (for example [\"a\", \"b\"])".into(),
        "a map" | "struct" => "a table (a [section] or { key = value })".into(),
        other if other.starts_with("struct ") => "a table (a [section] or { key = value })".into(),
        other if other.contains("untagged enum PathList") => {
            "a path in quotes or a list of paths".into()
        }
        other => other.to_string(),
    }
}

/// serde's description of what the file holds.
fn found_words(found: &str) -> String {
    let f = found.trim();
    if let Some(s) = f.strip_prefix("string ") {
        return format!("the text {s}");
    }
    for (prefix, words) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(v) = f.strip_prefix(prefix) {
            return format!("{words}{}", v.trim_matches('`'));
        }
    }
    match f {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other.to_string(),
    }
}
