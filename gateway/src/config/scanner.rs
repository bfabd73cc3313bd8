//! `[scanner]`: the YARA rules added to the shipped ones
//! (`rules`, `builtin_rules`, `rules_category`), `[scanner.limits]`, and
//! ClamAV as a second engine (`[scanner.clamav]`).

use super::raw::{PathList, RawScanner};
use super::source::{ConfigError, Source, parse_size};
use ecluse_scanner::{Category, Limits};
use std::path::PathBuf;
use std::time::Duration;

/// Where the rules come from.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSources {
    /// `[scanner] rules`: files or directories (searched recursively for
    /// `*.yar` and `*.yara`), each one set.
    pub paths: Vec<PathBuf>,
    /// `[scanner] builtin_rules`: whether the shipped rules are in.
    pub builtin: bool,
    /// `[scanner] rules_category`: the category of the added rules that
    /// name none of ours.
    pub default_category: Option<Category>,
}

impl Default for RuleSources {
    fn default() -> RuleSources {
        RuleSources {
            paths: Vec::new(),
            builtin: true,
            default_category: None,
        }
    }
}

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq)]
pub enum ClamdAddress {
    /// `unix:/run/clamav/clamd.ctl`.
    Unix(PathBuf),
    /// `127.0.0.1:3310`.
    Tcp(String),
}

impl std::fmt::Display for ClamdAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClamdAddress::Unix(p) => write!(f, "unix:{}", p.display()),
            ClamdAddress::Tcp(a) => f.write_str(a),
        }
    }
}

impl std::str::FromStr for ClamdAddress {
    type Err = String;
    fn from_str(s: &str) -> Result<ClamdAddress, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if !path.starts_with('/') {
                return Err(format!("{s:?}: a unix socket path must be absolute"));
            }
            return Ok(ClamdAddress::Unix(PathBuf::from(path)));
        }
        match s.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(ClamdAddress::Tcp(s.to_string()))
            }
            _ => Err(format!("{s:?} is neither unix:/path nor host:port")),
        }
    }
}

/// What to do with a message when clamd cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// `451 4.3.0`: the sender tries again later (the default).
    Tempfail,
    /// Accept it and hold it in quarantine.
    Hold,
}

/// `[scanner.clamav]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClamavConfig {
    /// `address`.
    pub address: ClamdAddress,
    /// `on_error`.
    pub on_error: OnError,
    /// `timeout`: for the whole message, objects included (default 30 s).
    pub timeout: Duration,
    /// `max_object_bytes`: objects of our walk larger than this are left
    /// to the scan of the whole message (default 25 MiB, clamd's own
    /// default `StreamMaxLength`).
    pub max_object_bytes: u64,
}

/// `[scanner]`, validated.
pub(super) struct ScannerSection {
    /// `rules`, `builtin_rules`, `rules_category`.
    pub(super) rules: RuleSources,
    /// `[scanner.limits]`.
    pub(super) limits: Limits,
    /// `[scanner.clamav]`.
    pub(super) clamav: Option<ClamavConfig>,
}

impl ScannerSection {
    /// Validates `[scanner]`, `[scanner.limits]` and `[scanner.clamav]`.
    pub(super) fn parse(raw: RawScanner, src: &Source) -> Result<ScannerSection, ConfigError> {
        let clamav = match &raw.clamav {
            None => None,
            Some(c) => Some(ClamavConfig {
                address: c
                    .address
                    .parse()
                    .map_err(|e| src.err("[scanner.clamav] address", e))?,
                on_error: match c.on_error.as_deref() {
                    None | Some("tempfail") => OnError::Tempfail,
                    Some("hold") => OnError::Hold,
                    Some(other) => {
                        return Err(src.err(
                            "[scanner.clamav] on_error",
                            format!(
                                "`{other}` is neither \"tempfail\" (answer 451, the sender tries again) nor \"hold\" (accept and hold)"
                            ),
                        ));
                    }
                },
                timeout: src.duration(
                    "[scanner.clamav] timeout",
                    &c.timeout,
                    Duration::from_secs(30),
                )?,
                max_object_bytes: match &c.max_object_bytes {
                    None => 25 << 20,
                    Some(s) => parse_size(s)
                        .map_err(|e| src.err("[scanner.clamav] max_object_bytes", e))?
                        as u64,
                },
            }),
        };
        let paths: Vec<PathBuf> = match raw.rules {
            None => Vec::new(),
            Some(PathList::One(p)) => vec![src.resolve(&p)],
            Some(PathList::Many(list)) => list.iter().map(|p| src.resolve(p)).collect(),
        };
        if raw.builtin_rules == Some(false) && paths.is_empty() {
            return Err(src.err(
                "[scanner] builtin_rules",
                "is false and [scanner] rules names no rules: there would be no rules at all"
                    .into(),
            ));
        }
        let rules_category = match raw.rules_category.as_deref() {
            None => None,
            Some(_) if paths.is_empty() => {
                return Err(src.err(
                    "[scanner] rules_category",
                    "only applies to the rules of [scanner] rules, which is not set".into(),
                ));
            }
            Some(name) => Some(
                Category::parse_named(name).map_err(|e| src.err("[scanner] rules_category", e))?,
            ),
        };
        Ok(ScannerSection {
            rules: RuleSources {
                paths,
                builtin: raw.builtin_rules.unwrap_or(true),
                default_category: rules_category,
            },
            limits: raw.limits.unwrap_or_default(),
            clamav,
        })
    }
}
