//! The relay worker: delivers the outbound queue to the downstream
//! servers.
//!
//! Each delivery is claimed with a lease, sent through its recipients'
//! servers ([`Routes`]; one SMTP transaction per server, `client.rs`) and
//! its per-recipient results recorded. `4xx` and connection failures are
//! retried with exponential backoff (`retry_min` doubling up to
//! `retry_max`) until `max_queue_time`; `5xx`, or giving up, sends the
//! sender a delivery status notification (RFC 3464, `dsn.rs`) — never for
//! our own notices, to avoid loops. Opportunistic STARTTLS by default.

use super::client::{self, AttemptResult};
use super::dsn::{DsnLimit, dsn, header_block};
use crate::config::NoticeConfig;
use crate::config::RelayConfig;
use ecluse_quarantine::{AttemptOutcome, Delivery, DeliveryId, Payload, Purpose, Store};
use jiff::Timestamp;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// Where each recipient is delivered: `[relay]` and the tenants, swapped
/// whole by a reload (an attempt in flight keeps the one it started with).
#[derive(Debug, Clone)]
pub struct Routes {
    /// `[relay]`: the service's server, the retry and timeout settings.
    pub relay: RelayConfig,
    /// The tenants: each recipient goes to its tenant's downstream server.
    pub tenants: crate::config::Tenants,
}

impl Routes {
    /// The downstream server of `rcpt`: its domain's tenant's; for an
    /// address outside every tenant (a DSN, a service address), the
    /// delivery's tenant's, else `[relay] downstream`, else the first
    /// tenant's.
    pub fn route(&self, rcpt: &str, tenant: Option<&str>) -> &RelayConfig {
        if let Some(t) = self.tenants.of_address(rcpt) {
            return &t.relay;
        }
        if let Some(t) = tenant.and_then(|t| self.tenants.get(t)) {
            return &t.relay;
        }
        if !self.relay.downstream.is_empty() {
            return &self.relay;
        }
        &self.tenants.all()[0].relay
    }
}

/// What the relay worker needs.
pub struct Relay {
    /// The store whose queue is delivered.
    pub store: Arc<Store>,
    /// `[relay]` as at start: `concurrency` (the worker's permits) is
    /// taken from it; the rest is read from [`Relay::routes`].
    pub config: RelayConfig,
    /// The routes in force (`[relay]` and the tenants), for each attempt.
    pub routes: std::sync::RwLock<Arc<Routes>>,
    /// Our host name (EHLO) and notice settings (DSNs).
    pub notices: NoticeConfig,
    /// Wakes the worker when something is queued.
    pub wakeup: Arc<Notify>,
    /// DSNs sent lately, per envelope sender, for the rate limit.
    pub dsn_sent: DsnLimit,
    /// How long a claim on a delivery lasts (`[store] delivery_lease`).
    pub lease: Duration,
}

impl Relay {
    /// The routes in force now.
    pub fn routes(&self) -> Arc<Routes> {
        self.routes.read().expect("routes lock").clone()
    }

    /// Delivers until `shutdown`, then waits for attempts in flight.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let in_flight: Arc<Mutex<HashSet<DeliveryId>>> = Arc::default();
        let done = Arc::new(Notify::new());
        let mut last_clock = std::time::Instant::now();
        let mut last_depth = std::time::Instant::now() - Duration::from_secs(2);
        loop {
            if *shutdown.borrow() {
                break;
            }
            if last_clock.elapsed() >= Duration::from_secs(60) {
                last_clock = std::time::Instant::now();
                let store = self.store.clone();
                if let Ok(Err(e)) =
                    tokio::task::spawn_blocking(move || store.sample_db_clock()).await
                {
                    tracing::warn!(error = %e, "cannot read the database's clock");
                }
            }
            // Claim only what can be sent now: a claimed delivery waits
            // for its lease to run out before anyone else may take it.
            let free = permits.available_permits();
            let store = self.store.clone();
            let lease = self.lease;
            let batch = tokio::task::spawn_blocking(move || store.claim_due(free, lease))
                .await
                .expect("claim_due does not panic");
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbound queue");
                    Vec::new()
                }
            };
            // Counting the queue costs a scan of it (a query with
            // PostgreSQL): at most once a second, not at every wake-up.
            if last_depth.elapsed() >= Duration::from_secs(1) {
                last_depth = std::time::Instant::now();
                let store = self.store.clone();
                if let Ok(n) = tokio::task::spawn_blocking(move || store.queue_len()).await {
                    metrics::gauge!("ecluse_queue_depth").set(n as f64);
                }
            }
            for d in batch {
                if !in_flight.lock().expect("relay lock").insert(d.id) {
                    continue;
                }
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    in_flight.lock().expect("relay lock").remove(&d.id);
                    break;
                };
                let this = self.clone();
                let in_flight = in_flight.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    let id = d.id;
                    this.attempt(d).await;
                    in_flight.lock().expect("relay lock").remove(&id);
                    drop(permit);
                    done.notify_one();
                });
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = done.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = crate::shutdown::stopped(&mut shutdown) => {}
            }
        }
        // Let attempts in flight finish (bounded by the SMTP timeouts).
        let _ = permits.acquire_many(self.config.concurrency as u32).await;
    }

    async fn attempt(&self, d: Delivery) {
        let store = self.store.clone();
        let id = d.id;
        let token = d.lease;
        let (d, bytes) = tokio::task::spawn_blocking(move || {
            let bytes = store.delivery_bytes(&d);
            (d, bytes)
        })
        .await
        .expect("delivery reads do not panic");
        // Keep the claim while sending: renewed every third of the lease.
        let renewal = token.map(|token| {
            let store = self.store.clone();
            let lease = self.lease;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    let s = store.clone();
                    match tokio::task::spawn_blocking(move || s.renew_lease(id, token, lease)).await {
                        Ok(Ok(true)) => {}
                        Ok(Ok(false)) => {
                            tracing::warn!(delivery = %id, "the claim on this delivery was lost: another node may send it too");
                            return;
                        }
                        Ok(Err(e)) => {
                            tracing::warn!(delivery = %id, error = %e, "cannot renew the claim on this delivery");
                        }
                        Err(_) => return,
                    }
                }
            })
        });
        metrics::counter!("ecluse_delivery_attempts_total").increment(1);
        let table = self.routes();
        let result = match bytes {
            Ok(bytes) => {
                // Each recipient through its tenant's server: one
                // transaction per server.
                let mut result = AttemptResult::default();
                let mut routes: Vec<(&RelayConfig, Vec<String>)> = Vec::new();
                for rcpt in &d.rcpts {
                    let cfg = table.route(rcpt, d.tenant.as_deref());
                    match routes.iter_mut().find(|(c, _)| std::ptr::eq(*c, cfg)) {
                        Some((_, list)) => list.push(rcpt.clone()),
                        None => routes.push((cfg, vec![rcpt.clone()])),
                    }
                }
                for (cfg, rcpts) in routes {
                    let r = self.send_via(cfg, &d.mail_from, &rcpts, &bytes).await;
                    result.delivered.extend(r.delivered);
                    result.temporary.extend(r.temporary);
                    result.permanent.extend(r.permanent);
                }
                result
            }
            Err(e) => {
                tracing::error!(delivery = %d.id, error = %e, "cannot read the message to deliver; will retry");
                AttemptResult {
                    temporary: d
                        .rcpts
                        .iter()
                        .map(|r| (r.clone(), format!("local error: {e}")))
                        .collect(),
                    ..Default::default()
                }
            }
        };
        let now = self.store.now();
        let tenant = d.tenant.clone().unwrap_or_else(|| {
            d.rcpts
                .first()
                .and_then(|r| table.tenants.of_address(r))
                .map(|t| t.id.clone())
                .unwrap_or_else(|| ecluse_quarantine::DEFAULT_TENANT.to_string())
        });
        for (result, n) in [
            ("delivered", result.delivered.len()),
            ("deferred", result.temporary.len()),
            ("bounced", result.permanent.len()),
        ] {
            if n > 0 {
                metrics::counter!("ecluse_deliveries_total", "tenant" => tenant.clone(), "result" => result)
                    .increment(n as u64);
            }
        }
        if let Some(r) = renewal {
            r.abort();
        }
        let outcome = self.outcome(&table.relay, &d, result, now);
        let store = self.store.clone();
        let saved = tokio::task::spawn_blocking(move || store.finish_attempt(id, token, outcome))
            .await
            .expect("finish_attempt does not panic");
        match saved {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(delivery = %d.id, "the result of this attempt is dropped: the delivery was taken over by another relay after its claim ran out")
            }
            Err(e) => {
                tracing::error!(delivery = %d.id, error = %e, "cannot record the delivery attempt")
            }
        }
    }

    /// Turns per-recipient results into the queue's next state.
    fn outcome(
        &self,
        relay: &RelayConfig,
        d: &Delivery,
        r: AttemptResult,
        now: Timestamp,
    ) -> AttemptOutcome {
        // Écluse's own mail (notices, admin notifications, decisions) has no
        // queue id of a received message: say so rather than `queue_id=""`.
        let queue_id = d
            .queue_id()
            .map(|q| q.to_string())
            .unwrap_or_else(|| "(ecluse)".into());
        for rcpt in &r.delivered {
            tracing::info!(delivery = %d.id, queue_id, to = %rcpt, attempts = d.attempts + 1, "delivered");
        }
        let mut permanent = r.permanent;
        let mut retry = Vec::new();
        let age = now.duration_since(d.created_at).unsigned_abs();
        let give_up = age >= relay.max_queue_time;
        for (rcpt, why) in r.temporary {
            metrics::counter!("ecluse_delivery_failures_total", "kind" => "temporary").increment(1);
            if give_up {
                permanent.push((
                    rcpt,
                    format!(
                        "gave up after {} days; last error: {why}",
                        age.as_secs() / 86400
                    ),
                ));
            } else {
                tracing::warn!(delivery = %d.id, queue_id, to = %rcpt, error = %why, attempts = d.attempts + 1, "deferred");
                retry.push((rcpt, why));
            }
        }
        let mut follow_ups = Vec::new();
        if !permanent.is_empty() {
            metrics::counter!("ecluse_delivery_failures_total", "kind" => "permanent")
                .increment(permanent.len() as u64);
            for (rcpt, why) in &permanent {
                tracing::warn!(delivery = %d.id, queue_id, to = %rcpt, error = %why, "bounced");
            }
            // No backscatter (RFC 5321 §6.2 and §4.5.5): never to the null
            // sender or for our own notices and DSNs, only to a sender
            // whose domain passed SPF or DKIM on receipt, and rate-limited.
            let suppressed = if d.mail_from.is_empty()
                || !matches!(d.purpose, Purpose::Inbound | Purpose::Release { .. })
            {
                Some("null_sender_or_own_message")
            } else if !d.dsn_allowed {
                Some("sender_not_authenticated")
            } else if !self.dsn_sent.take(&d.mail_from) {
                Some("rate_limited")
            } else {
                None
            };
            if let Some(reason) = suppressed {
                metrics::counter!("ecluse_dsn_suppressed_total", "reason" => reason).increment(1);
                tracing::info!(delivery = %d.id, queue_id, to = %d.mail_from, reason, "no DSN to the sender (no backscatter)");
            } else {
                let headers = match &d.payload {
                    Payload::Stored { queue_id, .. } => self
                        .store
                        .message_bytes(*queue_id)
                        .ok()
                        .map(|b| header_block(&b).to_vec()),
                    Payload::Inline { bytes } => Some(header_block(bytes).to_vec()),
                };
                let bytes = dsn(
                    &self.notices,
                    &d.mail_from,
                    &permanent,
                    headers.as_deref().unwrap_or_default(),
                    now,
                );
                follow_ups.push(Delivery::new(
                    Purpose::Dsn,
                    String::new(),
                    vec![d.mail_from.clone()],
                    Payload::Inline { bytes },
                    now,
                ));
            }
        }
        let retry = if retry.is_empty() {
            None
        } else {
            let shift = d.attempts.min(20);
            let delay = relay
                .retry_min
                .saturating_mul(1 << shift)
                .min(relay.retry_max);
            let at = now
                + jiff::SignedDuration::try_from(delay)
                    .unwrap_or(jiff::SignedDuration::from_secs(60));
            let why = retry.last().map(|(_, w)| w.clone()).unwrap_or_default();
            Some((retry.into_iter().map(|(r, _)| r).collect(), at, why))
        };
        AttemptOutcome { retry, follow_ups }
    }

    /// One SMTP transaction to the service's downstream server.
    pub async fn send(&self, mail_from: &str, rcpts: &[String], bytes: &[u8]) -> AttemptResult {
        let routes = self.routes();
        self.send_via(&routes.relay, mail_from, rcpts, bytes).await
    }

    /// One SMTP transaction to the server of `cfg` (`client::send`,
    /// saying our host name at `EHLO`).
    pub async fn send_via(
        &self,
        cfg: &RelayConfig,
        mail_from: &str,
        rcpts: &[String],
        bytes: &[u8],
    ) -> AttemptResult {
        client::send(cfg, &self.notices.hostname, mail_from, rcpts, bytes).await
    }
}
