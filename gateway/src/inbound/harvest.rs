//! Directory harvest: a client that asks about many addresses to learn
//! which exist. Recipient verification answers `550 5.1.1` for an unknown
//! address; without a bound, one client learned about 380 addresses a
//! second by opening connection after connection.
//!
//! Two bounds, as Postfix (`smtpd_error_sleep_time`,
//! `smtpd_soft_error_limit`, `smtpd_hard_error_limit`) and Proxmox Mail
//! Gateway do:
//! - within a session, from the [`SLOW_AFTER`]th unknown recipient on,
//!   each further answer waits [`ERROR_SLEEP`] (the session's `max_errors`
//!   still closes it);
//! - per client (an IPv4 address, an IPv6 /64), at most
//!   `[smtp] unknown_recipient_limit` unknown answers in [`WINDOW`]; past
//!   it, every `RCPT` of that client gets `450 4.7.1` unverified, so the
//!   client learns nothing more until the window passes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a client's unknown recipients count against it.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Unknown recipients in one session before each further answer waits.
pub const SLOW_AFTER: usize = 3;
/// How long an unknown-recipient answer waits past [`SLOW_AFTER`].
pub const ERROR_SLEEP: Duration = Duration::from_secs(1);
/// Clients remembered at most; past it, the oldest windows are dropped.
const MAX_CLIENTS: usize = 65_536;

/// Unknown-recipient answers per client, in the current window.
#[derive(Debug)]
pub struct HarvestGuard {
    limit: usize,
    clients: Mutex<HashMap<String, (Instant, usize)>>,
}

impl HarvestGuard {
    /// A guard that allows `limit` unknown recipients per client per [`WINDOW`].
    pub fn new(limit: usize) -> HarvestGuard {
        HarvestGuard {
            limit,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `client` has used its unknown recipients for this window.
    pub fn exhausted(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let clients = self.clients.lock().expect("harvest lock");
        clients
            .get(&key(client))
            .is_some_and(|(since, n)| now.duration_since(*since) < WINDOW && *n >= self.limit)
    }

    /// Counts one unknown recipient against `client`.
    pub fn unknown(&self, client: IpAddr) {
        let now = Instant::now();
        let mut clients = self.clients.lock().expect("harvest lock");
        if clients.len() >= MAX_CLIENTS {
            clients.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
            if clients.len() >= MAX_CLIENTS {
                clients.clear();
            }
        }
        let entry = clients.entry(key(client)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

/// The key of a client: the web UI's sign-in limits' own
/// ([`ecluse_admin_ui::web::rate_key`]: an IPv4 address, an IPv6 /64), so
/// that one rule says what "one client" is.
fn key(ip: IpAddr) -> String {
    ecluse_admin_ui::web::rate_key(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_stopped_at_its_limit_and_ipv6_counts_by_64() {
        let g = HarvestGuard::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(!g.exhausted(a));
            g.unknown(a);
        }
        assert!(g.exhausted(a));
        assert!(!g.exhausted(b), "another client is not stopped");
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let v6c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        for _ in 0..3 {
            g.unknown(v6a);
        }
        assert!(g.exhausted(v6b), "the same /64");
        assert!(!g.exhausted(v6c), "another /64");
    }
}
