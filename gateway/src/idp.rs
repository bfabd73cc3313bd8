//! The identity provider's metadata when `[admin.saml] idp_metadata` is an
//! address: SMTP never waits for the IdP.
//!
//! At start `serve` asks the IdP once ([`at_start`]); if it does not answer
//! (down, a certificate being renewed, a network cut on the day of a reboot
//! or an upgrade) it starts from the last good copy, kept in the data
//! directory ([`COPY`]), and says so; with no copy at all it starts SMTP,
//! the web UI and the break-glass sign-in anyway, and agents are told that
//! sign-in comes back by itself. Then [`refresh`] asks again in the
//! background: every few seconds to five minutes while it has nothing good,
//! every six hours once it has, and a new document replaces the service
//! provider for the next sign-ins.

use crate::config::Config;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The last good metadata, in the data directory.
pub const COPY: &str = "idp-metadata.xml";
/// How often good metadata is fetched again.
pub const REFRESH: Duration = Duration::from_secs(6 * 3600);
/// The first wait before asking again an IdP that did not answer; it
/// doubles up to [`RETRY_MAX`].
pub const RETRY_MIN: Duration = Duration::from_secs(2);
/// The longest wait between two tries while the IdP does not answer.
pub const RETRY_MAX: Duration = Duration::from_secs(300);

/// Where the copy of the metadata lives.
pub fn copy_path(data_dir: &Path) -> PathBuf {
    data_dir.join(COPY)
}

/// What [`at_start`] did, for the log and the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// No `idp_metadata` address in the configuration.
    NotByAddress,
    /// Fetched now.
    Fetched,
    /// The IdP did not answer (the reason): started from the copy.
    FromCopy(String),
    /// The IdP did not answer and there is no usable copy: SAML waits.
    Waiting(String),
}

/// Fills `[admin.saml]`'s metadata from its address, else from the copy in
/// `data_dir`, else leaves it empty (SAML waits for [`refresh`]); `keep`:
/// write what was fetched as the new copy (`serve`; `check-config` writes
/// nothing). Never fails: an unreachable IdP must not stop the MX.
pub async fn at_start(config: &mut Config, data_dir: &Path, keep: bool) -> Start {
    at_start_within(config, data_dir, keep, crate::fetch::TIMEOUT).await
}

/// [`at_start`], waiting at most `limit` for the IdP (`check-config` gives
/// the rest of its probe budget; zero asks nothing and takes the copy).
pub async fn at_start_within(
    config: &mut Config,
    data_dir: &Path,
    keep: bool,
    limit: Duration,
) -> Start {
    let (Some(url), Some(ui)) = (config.admin.idp_metadata_url.clone(), &mut config.admin.ui)
    else {
        return Start::NotByAddress;
    };
    if ui.saml.is_none() {
        return Start::NotByAddress;
    }
    let base = ui.clone();
    let usable = |xml: &str| {
        let mut c = base.clone();
        if let Some(s) = c.saml.as_mut() {
            s.idp_metadata = xml.to_string();
        }
        ecluse_admin_ui::check(&c).map_err(|e| e.to_string())
    };
    let saml = ui.saml.as_mut().expect("checked above");
    let fetched = if limit.is_zero() {
        Err(anyhow::anyhow!("not asked (check-config --offline)"))
    } else {
        crate::fetch::get_within(&url, limit).await
    };
    let why = match fetched {
        Ok(xml) => match usable(&xml) {
            Ok(()) => {
                if keep {
                    keep_copy(data_dir, &xml);
                }
                saml.idp_metadata = xml;
                return Start::Fetched;
            }
            Err(e) => format!("{url} answered metadata that cannot be used: {e}"),
        },
        Err(e) => format!("{e:#}"),
    };
    match std::fs::read_to_string(copy_path(data_dir)) {
        Ok(xml) if usable(&xml).is_ok() => {
            saml.idp_metadata = xml;
            Start::FromCopy(why)
        }
        _ => {
            saml.idp_metadata = String::new();
            Start::Waiting(why)
        }
    }
}

/// Writes the copy: a temporary file, then renamed over the old one.
fn keep_copy(data_dir: &Path, xml: &str) {
    let path = copy_path(data_dir);
    let tmp = path.with_extension("xml.tmp");
    let done = std::fs::create_dir_all(data_dir)
        .and_then(|()| std::fs::write(&tmp, xml))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = done {
        tracing::warn!(path = %path.display(), error = %e, "cannot keep a copy of the IdP metadata");
    }
}

/// Asks the IdP again in the background until `shutdown`: a document that
/// differs from the one in force replaces the service provider and the
/// copy. `fresh`: the one in force was fetched at start (else it is the
/// copy, or none, and the IdP is asked again soon).
pub async fn refresh(
    ui: Arc<ecluse_admin_ui::Ui>,
    url: String,
    data_dir: PathBuf,
    mut current: String,
    mut fresh: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut wait = if fresh { REFRESH } else { RETRY_MIN };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = crate::shutdown::stopped(&mut shutdown) => return,
        }
        match crate::fetch::get(&url).await {
            Ok(xml) if xml == current && ui.saml_ready() => {
                if !fresh {
                    tracing::info!(%url, "the IdP answers again; its metadata has not changed");
                }
                fresh = true;
                wait = REFRESH;
            }
            Ok(xml) => match ui.set_idp_metadata(xml.clone()) {
                Ok(()) => {
                    tracing::info!(%url, "IdP metadata taken: SAML sign-in works with it");
                    keep_copy(&data_dir, &xml);
                    current = xml;
                    fresh = true;
                    wait = REFRESH;
                }
                Err(e) => {
                    tracing::error!(%url, error = %e, "the IdP's new metadata cannot be used; the one in force stays");
                    wait = RETRY_MAX;
                }
            },
            Err(e) => {
                wait = if fresh {
                    RETRY_MAX
                } else {
                    wait.saturating_mul(2).min(RETRY_MAX)
                };
                tracing::warn!(%url, error = %format!("{e:#}"), retry_in = ?wait, "the IdP's metadata cannot be fetched");
                fresh = false;
            }
        }
    }
}
