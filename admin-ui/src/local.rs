//! The break-glass local admin: for the day the identity provider is down.
//! Off unless `[admin.local]` is set. The password is kept as an argon2 hash;
//! failed attempts are audited and, past a few, refused for a while, per
//! address and per user name.

use crate::UiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::time::Duration;

/// Failed attempts allowed in [`WINDOW`] before the next ones are refused.
pub const MAX_FAILURES: usize = 5;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The argon2id hash (PHC string) of `password`, for `[admin.local]
/// password_hash`.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

pub(crate) fn check_hash(hash: &str) -> Result<(), UiError> {
    let parsed = PasswordHash::new(hash).map_err(|e| UiError::BadPasswordHash(e.to_string()))?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(UiError::BadPasswordHash(format!(
            "algorithm {} is not argon2",
            parsed.algorithm
        )));
    }
    Ok(())
}

/// Whether `password` matches `hash` (slow on purpose: run it off the
/// async threads).
pub fn verify(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Audits a sign-in refused unread because its address or user name failed
/// too often ([`MAX_FAILURES`] in [`WINDOW`]), and makes the `429` page.
/// `who` is the actor named in the audit (the user name, or `saml`).
pub(crate) async fn too_many_attempts(
    ui: &std::sync::Arc<crate::Ui>,
    ctx: &crate::web::Ctx,
    who: String,
    detail: &'static str,
) -> axum::response::Response {
    let actor = ctx.actor(who);
    let _ = ui
        .blocking(move |s| {
            s.audit(
                &actor,
                ecluse_quarantine::AuditAction::LoginFailed,
                None,
                detail,
            )
        })
        .await;
    let l = ctx.lang;
    ctx.error(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        l.t("Trop de tentatives", "Too many attempts"),
        l.t(
            "Trop d'essais de connexion ont échoué. Attendez un quart d'heure avant de réessayer.",
            "Too many sign-in attempts failed. Wait a quarter of an hour before trying again.",
        ),
    )
}

/// Counts failed sign-ins per key (an address, a user name), in the store:
/// with PostgreSQL every node of a cluster counts the same failures. A
/// store that cannot be read refuses the attempt (fail closed).
pub struct Guard {
    store: std::sync::Arc<ecluse_quarantine::Store>,
    /// Keeps this guard's keys apart from another's (`local:`, `acs:`).
    prefix: &'static str,
}

impl Guard {
    /// A guard over `store` whose keys start with `prefix`.
    pub fn new(store: std::sync::Arc<ecluse_quarantine::Store>, prefix: &'static str) -> Guard {
        Guard { store, prefix }
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    fn since(&self) -> jiff::Timestamp {
        let window = jiff::SignedDuration::try_from(WINDOW).expect("a short window");
        self.store.now() - window
    }

    /// Whether every key may try now; an error when the counts cannot be
    /// read (the caller refuses the attempt and says why).
    pub fn allowed(&self, keys: &[&str]) -> Result<bool, ecluse_quarantine::Error> {
        let since = self.since();
        for k in keys {
            if self.store.login_failures(&self.key(k), since)? >= MAX_FAILURES {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Counts one failure against every key.
    pub fn failed(&self, keys: &[&str]) {
        let since = self.since();
        for k in keys {
            if let Err(e) = self.store.login_failure_add(&self.key(k), since) {
                tracing::error!(error = %e, "cannot count a failed sign-in");
            }
        }
    }

    /// Takes back the latest failure counted against every key (an attempt
    /// counted before it was made, which succeeded or was not its fault).
    pub fn forgive(&self, keys: &[&str]) {
        for k in keys {
            if let Err(e) = self.store.login_failure_forgive(&self.key(k)) {
                tracing::error!(error = %e, "cannot take back a failed sign-in");
            }
        }
    }

    /// Forgets the failures of a key after a success.
    pub fn succeeded(&self, key: &str) {
        if let Err(e) = self.store.login_failures_clear(&self.key(key)) {
            tracing::error!(error = %e, "cannot clear the failed sign-ins");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Guard {
        fn allowed_ok(&self, keys: &[&str]) -> bool {
            self.allowed(keys).unwrap()
        }
    }

    #[test]
    fn hash_then_verify() {
        let h = hash_password("correct horse");
        check_hash(&h).unwrap();
        assert!(verify(&h, "correct horse"));
        assert!(!verify(&h, "wrong horse"));
        assert!(check_hash("$2b$12$notargon").is_err());
        assert!(check_hash("plain text").is_err());
    }

    #[test]
    fn guard_locks_after_max_failures_and_another_guard_on_the_store_sees_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(ecluse_quarantine::Store::open(dir.path()).unwrap());
        let g = Guard::new(store.clone(), "local:");
        for _ in 0..MAX_FAILURES {
            assert!(g.allowed_ok(&["1.2.3.4", "root"]));
            g.failed(&["1.2.3.4", "root"]);
        }
        assert!(!g.allowed_ok(&["1.2.3.4", "admin"]));
        assert!(!g.allowed_ok(&["5.6.7.8", "root"]));
        assert!(g.allowed_ok(&["5.6.7.8", "admin"]));
        // Another node's guard on the same store counts the same failures;
        // another kind of guard counts apart.
        assert!(
            !Guard::new(store.clone(), "local:")
                .allowed(&["root"])
                .unwrap()
        );
        assert!(
            Guard::new(store.clone(), "acs:")
                .allowed(&["root"])
                .unwrap()
        );
        g.forgive(&["root"]);
        assert!(g.allowed_ok(&["root"]));
        g.failed(&["root"]);
        g.succeeded("root");
        assert!(g.allowed_ok(&["root"]));
    }
}
