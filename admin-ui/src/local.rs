//! The break-glass local admin: for the day the identity provider is down.
//! Off unless `[admin.local]` is set. The password is kept as an argon2 hash;
//! failed attempts are audited and, past a few, refused for a while, per
//! address and per user name.

use crate::UiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Counts failed sign-ins per key (an address, a user name).
#[derive(Default)]
pub struct Guard {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Guard {
    /// Whether every key may try now.
    pub fn allowed(&self, keys: &[&str]) -> bool {
        let mut map = self.failures.lock().expect("guard lock");
        let now = Instant::now();
        keys.iter().all(|k| {
            let list = map.entry(k.to_string()).or_default();
            list.retain(|t| now.duration_since(*t) < WINDOW);
            list.len() < MAX_FAILURES
        })
    }

    /// Counts one failure against every key.
    pub fn failed(&self, keys: &[&str]) {
        let mut map = self.failures.lock().expect("guard lock");
        if map.len() > 10_000 {
            let now = Instant::now();
            map.retain(|_, l| l.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for k in keys {
            map.entry(k.to_string()).or_default().push(Instant::now());
        }
    }

    /// Takes back the latest failure counted against every key (an attempt
    /// counted before it was made, which succeeded or was not its fault).
    pub fn forgive(&self, keys: &[&str]) {
        let mut map = self.failures.lock().expect("guard lock");
        for k in keys {
            if let Some(list) = map.get_mut(*k) {
                list.pop();
            }
        }
    }

    /// Forgets the failures of a key after a success.
    pub fn succeeded(&self, key: &str) {
        self.failures.lock().expect("guard lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn guard_locks_after_max_failures() {
        let g = Guard::default();
        for _ in 0..MAX_FAILURES {
            assert!(g.allowed(&["1.2.3.4", "root"]));
            g.failed(&["1.2.3.4", "root"]);
        }
        assert!(!g.allowed(&["1.2.3.4", "admin"]));
        assert!(!g.allowed(&["5.6.7.8", "root"]));
        assert!(g.allowed(&["5.6.7.8", "admin"]));
    }
}
