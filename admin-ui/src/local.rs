//! The break-glass local admin: for the day the identity provider is down.
//! Off unless `[admin.local]` is set. The password is kept as an argon2 hash.
//!
//! Each attempt is counted before any password work, in the same store
//! transaction that checks the limits ([`Guard::attempt`]): at most
//! [`MAX_FAILURES`] per address (IPv6: per /64) in [`WINDOW`], so that one
//! address cannot lock the account for the others, and at most
//! [`MAX_NAME_FAILURES`] per user name from all addresses together, so that
//! guessing from many addresses stays bounded. At most
//! [`MAX_PASSWORD_CHECKS`] argon2 checks (19 MiB each) run at once; an
//! attempt finding no place is answered `429` at once. Refusals are counted
//! in `ecluse_signin_refused_total`; the audit gets the first one per
//! address in a window ([`Refusals`]), not one entry each.

use crate::error::UiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Failed attempts allowed from one address (IPv6: one /64) in [`WINDOW`]
/// before the next ones are refused unread.
pub const MAX_FAILURES: usize = 5;
/// Failed attempts allowed on one user name in [`WINDOW`], from every
/// address together: a ceiling on guessing spread over many addresses,
/// high enough that a few addresses failing cannot lock the account.
pub const MAX_NAME_FAILURES: usize = 50;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Password checks (argon2, 19 MiB and tens of milliseconds each) running
/// at once; an attempt past them is answered `429` without being read.
pub const MAX_PASSWORD_CHECKS: usize = 2;
/// Addresses whose refusals [`Refusals`] remembers at most; past that, a
/// refusal is counted in the metrics only.
pub const MAX_REMEMBERED_REFUSERS: usize = 4096;

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
/// async threads, under a [`PasswordChecks`] place).
pub fn verify(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The places for password checks running at once
/// ([`MAX_PASSWORD_CHECKS`]).
pub struct PasswordChecks {
    places: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Default for PasswordChecks {
    fn default() -> PasswordChecks {
        PasswordChecks {
            places: std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_PASSWORD_CHECKS)),
        }
    }
}

impl PasswordChecks {
    /// A place for one check, if one is free now; `None` when
    /// [`MAX_PASSWORD_CHECKS`] run already (the caller answers `429`).
    pub fn place(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.places.clone().try_acquire_owned().ok()
    }

    /// Checks `password` against `hash` on a blocking thread, holding
    /// `place` until it is done. Counted in `ecluse_password_checks_total`.
    pub async fn verify(
        &self,
        place: tokio::sync::OwnedSemaphorePermit,
        hash: String,
        password: String,
    ) -> bool {
        metrics::counter!("ecluse_password_checks_total").increment(1);
        tokio::task::spawn_blocking(move || {
            let _place = place;
            verify(&hash, &password)
        })
        .await
        .unwrap_or(false)
    }
}

/// Makes glibc give large freed blocks back to the system, once per
/// process. glibc serves a block above its mmap threshold with its own
/// `mmap`, unmapped when freed; but the threshold starts at 128 KiB and
/// rises to the size of every such block freed, so after the first
/// argon2 check (19 MiB) the next ones come from the heaps of its arenas
/// (one per thread, up to 8 per core), which keep their freed memory: a
/// burst of checks left the process gigabytes larger, for good. Setting
/// the threshold fixes it (and stops the rise): every block of 4 MiB or
/// more (argon2's, a large message's buffers) is mapped on its own and
/// returned on free. Smaller blocks, the great majority, are served as
/// before.
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets allocator parameters; M_MMAP_THRESHOLD
            // accepts any value up to 32 MiB on 64-bit glibc.
            let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20) };
            if set != 1 {
                tracing::warn!("mallopt(M_MMAP_THRESHOLD) refused: freed argon2 memory may stay with the process");
            }
        });
    }
}

/// Which addresses had a sign-in refused unread in the current window, in
/// this process: the first refusal of each is audited, the others only
/// counted. Bounded: past [`MAX_REMEMBERED_REFUSERS`] addresses (the
/// expired ones forgotten first), a refusal from a new address is counted
/// and not audited.
#[derive(Default)]
pub struct Refusals {
    seen: Mutex<HashMap<(&'static str, String), jiff::Timestamp>>,
}

impl Refusals {
    /// Whether this is the first refusal for `method` from `key` since
    /// [`WINDOW`] ago (and remembers it).
    pub fn first(&self, method: &'static str, key: &str, now: jiff::Timestamp) -> bool {
        let window = jiff::SignedDuration::try_from(WINDOW).expect("a short window");
        let mut seen = self.seen.lock().expect("refusals lock");
        if let Some(at) = seen.get(&(method, key.to_string()))
            && *at > now - window
        {
            return false;
        }
        if seen.len() >= MAX_REMEMBERED_REFUSERS {
            seen.retain(|_, at| *at > now - window);
            if seen.len() >= MAX_REMEMBERED_REFUSERS {
                return false;
            }
        }
        seen.insert((method, key.to_string()), now);
        true
    }
}

/// Counts sign-in attempts per key (an address, a user name), in the
/// store: with PostgreSQL every node of a cluster counts the same. A
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

    /// Counts one attempt against every key (with the most attempts each
    /// may have in [`WINDOW`]), before any work, if none is at its limit:
    /// `Ok(false)` when one is (refuse unread), an error when the counts
    /// cannot be read or written (refuse, and say why). An attempt that
    /// succeeds is taken back ([`Guard::forgive`]).
    pub fn attempt(&self, keys: &[(&str, usize)]) -> Result<bool, ecluse_quarantine::Error> {
        let keys: Vec<(String, usize)> = keys.iter().map(|(k, n)| (self.key(k), *n)).collect();
        let refs: Vec<(&str, usize)> = keys.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        self.store.login_attempt(&refs, self.since())
    }

    /// Takes back the latest attempt counted against every key (one that
    /// succeeded).
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
    fn attempts_are_counted_before_the_work_per_key_with_each_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(ecluse_quarantine::Store::open(dir.path()).unwrap());
        let g = Guard::new(store.clone(), "local:");
        let keys = |ip| [(ip, MAX_FAILURES), ("name:root", 7)];
        for _ in 0..MAX_FAILURES {
            assert!(g.attempt(&keys("1.2.3.4")).unwrap());
        }
        // The address is at its limit; nothing more is counted for it.
        assert!(!g.attempt(&keys("1.2.3.4")).unwrap());
        // Another address may still try the name, up to the name's limit.
        assert!(g.attempt(&keys("5.6.7.8")).unwrap());
        assert!(g.attempt(&keys("5.6.7.8")).unwrap());
        assert!(!g.attempt(&keys("9.9.9.9")).unwrap(), "the name is at 7");
        assert!(
            g.attempt(&[("9.9.9.9", MAX_FAILURES), ("name:admin", 7)])
                .unwrap()
        );
        // Another node's guard on the same store counts the same attempts;
        // another kind of guard counts apart.
        assert!(
            !Guard::new(store.clone(), "local:")
                .attempt(&keys("9.9.9.8"))
                .unwrap()
        );
        assert!(
            Guard::new(store.clone(), "acs:")
                .attempt(&keys("1.2.3.4"))
                .unwrap()
        );
        // A success is taken back.
        g.forgive(&["name:root"]);
        assert!(g.attempt(&keys("9.9.9.8")).unwrap());
        g.succeeded("1.2.3.4");
        assert!(
            g.attempt(&keys("1.2.3.4")).is_ok_and(|ok| !ok),
            "the name is full again"
        );
        assert!(g.attempt(&[("1.2.3.4", MAX_FAILURES)]).unwrap());
    }

    #[test]
    fn refusals_are_audited_once_per_address_and_window_and_bounded() {
        let r = Refusals::default();
        let t0 = jiff::Timestamp::now();
        assert!(r.first("local", "192.0.2.1", t0));
        assert!(!r.first(
            "local",
            "192.0.2.1",
            t0 + jiff::SignedDuration::from_secs(60)
        ));
        assert!(r.first("saml", "192.0.2.1", t0), "each method apart");
        assert!(r.first("local", "192.0.2.2", t0));
        let later = t0 + jiff::SignedDuration::from_secs(16 * 60);
        assert!(r.first("local", "192.0.2.1", later), "a new window");
        for i in 0..MAX_REMEMBERED_REFUSERS {
            r.first("local", &format!("k{i}"), later);
        }
        assert!(
            !r.first("local", "new", later),
            "full: counted, not audited"
        );
        let much_later = later + jiff::SignedDuration::from_secs(16 * 60);
        assert!(
            r.first("local", "new", much_later),
            "the expired ones make room"
        );
    }
}
