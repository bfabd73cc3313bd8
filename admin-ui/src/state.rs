//! The UI's state: [`Ui`] (the store, the configuration, the SAML service
//! provider, the sign-in counters, the engines' state), what the dashboard
//! shows of the engines ([`EngineStatus`]), [`check`] for `ecluse
//! check-config`, and the time zone pages give times in.

use crate::config::{UiConfig, UiTenant};
use crate::error::UiError;
use crate::{local, sp};
use ecluse_quarantine::Store;
use std::sync::Arc;

/// What the admin dashboard shows of the scanning engines. `ecluse serve`
/// keeps it current through [`Ui::engines`]: the rules after each load
/// and reload, clamd after each check.
#[derive(Debug, Clone, Default)]
pub struct EngineStatus {
    /// YARA rules in force (shipped and added); 0 before the first load.
    pub yara_rules: usize,
    /// Whether the shipped rules are among them.
    pub yara_builtin: bool,
    /// The added rule files and directories (`[scanner] rules`).
    pub yara_paths: Vec<String>,
    /// When they were loaded (start or last reload).
    pub yara_loaded_at: Option<jiff::Timestamp>,
    /// ClamAV, when `[scanner.clamav]` is configured.
    pub clamav: Option<ClamavStatus>,
}

/// The last check of clamd.
#[derive(Debug, Clone)]
pub struct ClamavStatus {
    /// `unix:/run/clamav/clamd.ctl` or `host:port`.
    pub address: String,
    /// `Ok(version)` when clamd answered, `Err(why)` when it did not.
    pub state: Result<String, String>,
    /// When it was checked.
    pub checked_at: jiff::Timestamp,
    /// Since when it has been unreachable, while it is.
    pub down_since: Option<jiff::Timestamp>,
    /// What mail gets while clamd is down: true for held in quarantine
    /// (`on_error = "hold"`), false for `451` (the default).
    pub hold_when_down: bool,
}

/// A shared handle on the [`EngineStatus`] the dashboard reads.
pub type Engines = Arc<std::sync::RwLock<EngineStatus>>;

/// The UI's state: the store, the configuration, the SAML service provider.
pub struct Ui {
    pub(crate) store: Arc<Store>,
    pub(crate) config: UiConfig,
    /// The SAML service provider: `None` without `[admin.saml]`, and while
    /// the IdP's metadata is not known yet (an unreachable IdP and no copy
    /// of it: [`Ui::set_idp_metadata`] fills it in when it comes).
    /// Shared with the UI a reload makes ([`Ui::with_tenants`]), so that
    /// a metadata refresh reaches the one in force.
    pub(crate) saml: Arc<std::sync::RwLock<Option<Arc<sp::Sp>>>>,
    pub(crate) local: local::Guard,
    /// Failed SAML answers per address: the same limits as the local
    /// admin's, counted apart, so that garbage posted to `/saml/acs` does
    /// not lock the break-glass account too.
    pub(crate) acs_guard: local::Guard,
    /// Places for the local admin's password checks.
    pub(crate) password_checks: local::PasswordChecks,
    /// Which addresses had a sign-in refused unread in this window.
    pub(crate) refusals: local::Refusals,
    /// The SAML sign-ins started lately, per address and in total.
    pub(crate) saml_starts: sp::Starts,
    /// The scanning engines' state, for the dashboard.
    pub(crate) engines: Engines,
}

impl Ui {
    /// Checks the configuration and builds the UI over `store`.
    pub fn new(store: Arc<Store>, config: UiConfig) -> Result<Ui, UiError> {
        check(&config)?;
        set_time_zone(config.time_zone.clone());
        // Memory that argon2 checks and SAML verifications free goes back
        // to the system, not to the arenas of the threads that ran them.
        local::return_large_blocks_to_the_system();
        let saml = match &config.saml {
            // No metadata yet: SAML waits for it, the rest of the UI (and
            // the break-glass sign-in) serves now.
            Some(s) if s.idp_metadata.trim().is_empty() => None,
            Some(s) => Some(Arc::new(sp::Sp::new(s, &config.public_url)?)),
            None => None,
        };
        Ok(Ui {
            local: local::Guard::new(store.clone(), "local:"),
            acs_guard: local::Guard::new(store.clone(), "acs:"),
            password_checks: local::PasswordChecks::default(),
            refusals: local::Refusals::default(),
            saml_starts: sp::Starts::default(),
            store,
            config,
            saml: Arc::new(std::sync::RwLock::new(saml)),
            engines: Engines::default(),
        })
    }

    /// The same UI with another list of communes and of the
    /// configuration's sender rules (`ecluse reload` after `[[tenant]]` or
    /// `[[policy.exception]]` changed). The store, the SAML service
    /// provider (a metadata refresh reaches both), the engines' state and
    /// the sessions (in the store) carry over; the in-memory counters of
    /// sign-ins started and refusals seen start afresh.
    pub fn with_tenants(
        &self,
        tenants: Vec<UiTenant>,
        sender_rules: Vec<ecluse_quarantine::SenderRule>,
    ) -> Ui {
        let mut config = self.config.clone();
        config.tenants = tenants;
        config.sender_rules = sender_rules;
        Ui {
            local: local::Guard::new(self.store.clone(), "local:"),
            acs_guard: local::Guard::new(self.store.clone(), "acs:"),
            password_checks: local::PasswordChecks::default(),
            refusals: local::Refusals::default(),
            saml_starts: sp::Starts::default(),
            store: self.store.clone(),
            config,
            saml: self.saml.clone(),
            engines: self.engines.clone(),
        }
    }

    /// The communes the UI knows and the configuration's sender rules.
    pub fn tenancy(&self) -> (&[UiTenant], &[ecluse_quarantine::SenderRule]) {
        (&self.config.tenants, &self.config.sender_rules)
    }

    /// The SAML service provider now, if the IdP's metadata is known.
    pub(crate) fn sp(&self) -> Option<Arc<sp::Sp>> {
        self.saml.read().expect("saml lock").clone()
    }

    /// Whether SAML sign-in works now (`[admin.saml]` set and the IdP's
    /// metadata known).
    pub fn saml_ready(&self) -> bool {
        self.sp().is_some()
    }

    /// Takes the IdP's metadata (fetched again, or after the IdP was
    /// unreachable at start): a new service provider replaces the old one
    /// for the next sign-ins. An error (no signing certificate, no sign-on
    /// address …) keeps the one in force.
    pub fn set_idp_metadata(&self, metadata: String) -> Result<(), UiError> {
        let Some(config) = &self.config.saml else {
            return Ok(());
        };
        let mut config = config.clone();
        config.idp_metadata = metadata;
        let sp = sp::Sp::new(&config, &self.config.public_url)?;
        *self.saml.write().expect("saml lock") = Some(Arc::new(sp));
        Ok(())
    }

    /// The engines' state the dashboard shows, for the gateway to update.
    pub fn engines(&self) -> Engines {
        self.engines.clone()
    }

    /// Forgets expired sessions and SAML records; `ecluse serve` calls it
    /// from its hourly housekeeping.
    pub fn purge_sessions(&self) -> ecluse_quarantine::Result<usize> {
        let now = self.store.now();
        self.store.sessions_purge(
            now - self.config.session_idle,
            now - self.config.session_max,
        )
    }
}

/// Checks the sign-in settings without opening anything (`ecluse
/// check-config`): the IdP metadata (signing certificate, sign-on address),
/// the local admin's hash, and that someone can sign in at all.
pub fn check(config: &UiConfig) -> Result<(), UiError> {
    if let Some(s) = &config.saml
        && !s.idp_metadata.trim().is_empty()
    {
        sp::Sp::new(s, &config.public_url)?;
    }
    if let Some(local) = &config.local {
        local::check_hash(&local.password_hash)?;
    }
    if config.saml.is_none() && config.local.is_none() {
        return Err(UiError::NoSignIn);
    }
    Ok(())
}

/// The zone pages give times in: the configuration's `time_zone`
/// ([`UiConfig::time_zone`]), which [`Ui::new`] sets for the
/// process (one Écluse, one town's clock); `Europe/Paris` before that.
static ZONE: std::sync::RwLock<Option<ecluse_quarantine::mail::LocalZone>> =
    std::sync::RwLock::new(None);

/// Sets the zone pages give times in.
pub fn set_time_zone(zone: ecluse_quarantine::mail::LocalZone) {
    *ZONE.write().unwrap_or_else(|e| e.into_inner()) = Some(zone);
}

/// The zone pages give times in.
pub fn local_zone() -> ecluse_quarantine::mail::LocalZone {
    let set = ZONE.read().unwrap_or_else(|e| e.into_inner()).clone();
    set.unwrap_or_default()
}

/// The same as a jiff zone, to read a date typed in a filter.
pub fn time_zone() -> jiff::tz::TimeZone {
    local_zone().time_zone().clone()
}
