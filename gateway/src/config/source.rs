//! What every section parser shares, below them all: [`Source`] (the
//! file's name and directory, with the checks the sections share),
//! [`ConfigError`] and [`parse_size`]. The sections and `config/mod.rs`
//! import this file; it imports none of them, so `config/` has no loop.

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

/// What is wrong in a policy table, without the scanner's own
/// `policy <origin>:` prefix: the caller's [`ConfigError`] names the file
/// and the section once (it printed them twice, issue 29).
pub(super) fn policy_reason(e: ecluse_scanner::Error) -> String {
    match e {
        ecluse_scanner::Error::Policy { reason, .. } => reason,
        other => other.to_string(),
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

/// What every section parser is handed: the file's name (for errors) and
/// the directory its relative paths are taken from, with the checks the
/// sections share.
pub(crate) struct Source<'a> {
    /// The file, as errors name it.
    pub(super) origin: &'a str,
    /// The directory of the file.
    pub(super) base: &'a Path,
}

impl Source<'_> {
    /// An error at `key`.
    pub(super) fn err(&self, key: &str, reason: String) -> ConfigError {
        ConfigError {
            origin: self.origin.into(),
            key: key.into(),
            reason,
        }
    }

    /// A duration (`30s`, `5m`, `1h`, `5days`), `default` when absent.
    pub(super) fn duration(
        &self,
        key: &str,
        v: &Option<String>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => humantime::parse_duration(s).map_err(|e| {
                self.err(
                    key,
                    format!("`{s}` is not a duration ({e}); write 30s, 5m, 1h or 5days"),
                )
            }),
        }
    }

    /// `p`, relative to the file's directory unless absolute.
    pub(super) fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    /// `tls_cert` and `tls_key` of `section`: both files or neither;
    /// loaded now, so that a bad file stops start-up.
    pub(super) fn tls_pair(
        &self,
        section: &str,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> Result<Option<(PathBuf, PathBuf)>, ConfigError> {
        let name = format!("{section} tls_cert / tls_key");
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(c), Some(k)) => {
                let (c, k) = (self.resolve(&c), self.resolve(&k));
                crate::tls::server_config(&c, &k).map_err(|r| self.err(&name, r))?;
                Ok(Some((c, k)))
            }
            _ => Err(self.err(
                &name,
                "give both the certificate chain and the key, or neither".into(),
            )),
        }
    }

    /// A count of at least 1, `default` when absent.
    pub(super) fn positive(
        &self,
        key: &str,
        v: Option<usize>,
        default: usize,
    ) -> Result<usize, ConfigError> {
        match v {
            Some(0) => Err(self.err(key, "must be at least 1".into())),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    }
}
