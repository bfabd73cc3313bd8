//! `[relay]`: delivery to the town's mail server (and `starttls`, which a
//! `[[tenant]]` also sets).

use super::raw::{RawRelay, RawTenant};
use super::source::{ConfigError, Source};
use std::time::Duration;

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

impl RelayConfig {
    /// Validates `[relay]`; `tenants`: the `[[tenant]]` blocks (when every
    /// one names its own server, `downstream` may be left out).
    pub(super) fn parse(
        r: RawRelay,
        tenants: &[RawTenant],
        src: &Source,
    ) -> Result<RelayConfig, ConfigError> {
        let with_tenants = !tenants.is_empty();
        let every_tenant_routed = with_tenants && tenants.iter().all(|t| t.downstream.is_some());
        let downstream = match r.downstream {
            Some(d) => d,
            // Every commune has its own server: mail outside their domains
            // goes through the first one's (see Tenants::route).
            None if every_tenant_routed => String::new(),
            None => {
                return Err(src.err(
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
            check_host_port(&downstream).map_err(|e| src.err("[relay] downstream", e))?;
        }
        let starttls =
            parse_starttls(r.starttls.as_deref()).map_err(|e| src.err("[relay] starttls", e))?;
        let relay = RelayConfig {
            downstream,
            starttls,
            retry_min: src.duration("[relay] retry_min", &r.retry_min, Duration::from_secs(60))?,
            retry_max: src.duration(
                "[relay] retry_max",
                &r.retry_max,
                Duration::from_secs(3600),
            )?,
            max_queue_time: src.duration(
                "[relay] max_queue_time",
                &r.max_queue_time,
                Duration::from_secs(5 * 86400),
            )?,
            concurrency: src.positive("[relay] concurrency", r.concurrency, 16)?,
            timeout: src.duration("[relay] timeout", &r.timeout, Duration::from_secs(120))?,
        };
        if relay.retry_min.is_zero() || relay.retry_max < relay.retry_min {
            return Err(src.err(
                "[relay] retry_max",
                "retry_min must be above zero and retry_max at least retry_min".into(),
            ));
        }
        Ok(relay)
    }
}

/// `host:port` with a port above 0.
pub(super) fn check_host_port(v: &str) -> Result<(), String> {
    match v.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(())
        }
        _ => Err(format!("`{v}` is not host:port, e.g. \"10.0.0.5:25\"")),
    }
}

/// `starttls`: `opportunistic` (the default), `required` or `off`.
pub(super) fn parse_starttls(v: Option<&str>) -> Result<StartTls, String> {
    match v.unwrap_or("opportunistic") {
        "opportunistic" => Ok(StartTls::Opportunistic),
        "required" => Ok(StartTls::Required),
        "off" => Ok(StartTls::Off),
        other => Err(format!(
            "`{other}`: use \"opportunistic\", \"required\" or \"off\""
        )),
    }
}
