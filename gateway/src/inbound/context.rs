//! What every session shares ([`Context`]): the configuration, the
//! engine, the recipient verifier and the sender checks in force (each
//! swapped whole by a reload), the store, the scan permits.

use super::harvest;
use super::provenance::SenderChecks;
use super::recipients::Verifier;
use crate::config::{Config, NoticeConfig};
use ecluse_quarantine::Store;
use ecluse_scanner::Engine;
use std::sync::Arc;
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;

/// What every session shares.
pub struct Context {
    /// The configuration in force, swapped whole by a reload (SIGHUP,
    /// `ecluse reload`): a session takes it at its start and again at each
    /// `MAIL FROM`, so a transaction in flight finishes with the one it
    /// started with.
    pub config: std::sync::RwLock<Arc<Config>>,
    /// The scanner, with the policy; swapped whole by a reload (SIGHUP,
    /// `ecluse reload`), a message in flight keeps the one it started with.
    pub engine: std::sync::RwLock<Arc<Engine>>,
    /// The store.
    pub store: Arc<Store>,
    /// Permits for messages being scanned.
    pub scans: Arc<Semaphore>,
    /// STARTTLS, when a certificate is configured; swapped by a reload.
    pub tls: std::sync::RwLock<Option<TlsAcceptor>>,
    /// Where notices point.
    pub notices: NoticeConfig,
    /// Wakes the relay when something was queued.
    pub relay_wakeup: Arc<Notify>,
    /// The engines' state on the admin dashboard (clamd's, after each scan).
    pub engines: ecluse_admin_ui::Engines,
    /// Recipient verification at `RCPT`; rebuilt by a reload (the
    /// tenants' servers, the mode may change).
    pub recipients: std::sync::RwLock<Arc<Verifier>>,
    /// SPF, DKIM and DMARC (`[smtp] sender_checks`); rebuilt by a reload
    /// (the domains whose lookalikes are caught may change).
    pub senders: std::sync::RwLock<Option<Arc<SenderChecks>>>,
    /// Unknown-recipient answers per client (directory harvest).
    pub harvest: harvest::HarvestGuard,
}

impl Context {
    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.config.read().expect("config lock").clone()
    }

    /// Recipient verification as configured now.
    pub fn recipients(&self) -> Arc<Verifier> {
        self.recipients.read().expect("recipients lock").clone()
    }

    /// The sender checks as configured now (`None`: off).
    pub fn senders(&self) -> Option<Arc<SenderChecks>> {
        self.senders.read().expect("senders lock").clone()
    }

    /// The engine in force now.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.read().expect("engine lock").clone()
    }

    /// The STARTTLS acceptor in force now.
    pub fn tls(&self) -> Option<TlsAcceptor> {
        self.tls.read().expect("tls lock").clone()
    }

    /// The sender rules in force: the configuration's, then the store's
    /// (an unreadable store gives the configuration's alone, and a log
    /// line).
    pub fn sender_rules(&self, config: &Config) -> Vec<ecluse_quarantine::SenderRule> {
        let mut rules = config.sender_rules.clone();
        match self.store.sender_rules() {
            Ok(more) => rules.extend(more),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the sender rules of the store; those of the configuration apply")
            }
        }
        rules
    }
}
