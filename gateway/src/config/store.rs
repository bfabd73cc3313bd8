//! `[store]` (the backend: sled on one node, PostgreSQL for several) and
//! `[quarantine]` (the data directory, how long items are kept).

use super::raw::{RawQuarantine, RawStore};
use super::source::{ConfigError, Source};
use std::path::PathBuf;
use std::time::Duration;

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

impl QuarantineConfig {
    /// Validates `[store]` and `[quarantine]`.
    pub(super) fn parse(
        st: RawStore,
        q: RawQuarantine,
        src: &Source,
    ) -> Result<QuarantineConfig, ConfigError> {
        let backend = match st.backend.as_deref().unwrap_or("sled") {
            "sled" => {
                if st.url.is_some() {
                    return Err(src.err(
                        "[store] url",
                        "is for backend = \"postgres\"; with sled the store is [quarantine] data_dir".into(),
                    ));
                }
                ecluse_quarantine::Backend::Sled
            }
            "postgres" => {
                let url = st.url.clone().filter(|u| !u.trim().is_empty()).ok_or_else(|| {
                    src.err(
                        "[store] url",
                        "backend = \"postgres\" needs the database's URL, for example url = \"postgres://ecluse@127.0.0.1:5432/ecluse\"".into(),
                    )
                })?;
                if let Err(e) = url.parse::<tokio_postgres::Config>() {
                    return Err(src.err("[store] url", format!("not a PostgreSQL URL: {e}")));
                }
                ecluse_quarantine::Backend::Postgres(ecluse_quarantine::PgOptions {
                    url,
                    ca_file: match st.ca_file.as_deref().map(|p| src.resolve(p)) {
                        Some(path) => {
                            let pem = std::fs::read_to_string(&path).map_err(|e| {
                                src.err(
                                    "[store] ca_file",
                                    format!("cannot read {}: {e}", path.display()),
                                )
                            })?;
                            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                                return Err(src.err(
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
                    password_file: match st.password_file.as_deref().map(|p| src.resolve(p)) {
                        Some(path) => {
                            std::fs::metadata(&path).map_err(|e| {
                                src.err(
                                    "[store] password_file",
                                    format!("cannot read {}: {e}", path.display()),
                                )
                            })?;
                            Some(path)
                        }
                        None => None,
                    },
                    pool_size: src.positive("[store] pool_size", st.pool_size, 16)?,
                })
            }
            other => {
                return Err(src.err(
                    "[store] backend",
                    format!(
                        "`{other}` is not a store backend: write \"sled\" (one node, the default) or \"postgres\" (several nodes)"
                    ),
                ));
            }
        };
        let delivery_lease = src.duration(
            "[store] delivery_lease",
            &st.delivery_lease,
            Duration::from_secs(60),
        )?;
        if delivery_lease < Duration::from_secs(3) {
            return Err(src.err(
                "[store] delivery_lease",
                "must be at least 3s: it is renewed every third of it while a delivery is sent"
                    .into(),
            ));
        }
        let quarantine = QuarantineConfig {
            data_dir: src.resolve(&q.data_dir.unwrap_or_else(|| PathBuf::from("data"))),
            backend,
            delivery_lease,
            retention_days: match q.retention_days {
                Some(0) => {
                    return Err(src.err("[quarantine] retention_days", "must be at least 1".into()));
                }
                Some(n) if n > 3650 => {
                    return Err(src.err(
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
        Ok(quarantine)
    }
}
