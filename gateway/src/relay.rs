//! The relay: delivers the outbound queue to the downstream server.
//!
//! Each delivery is one SMTP transaction with per-recipient results (we
//! drive MAIL/RCPT/DATA ourselves; mail-send's `send` stops at the first
//! refused recipient). `4xx` and connection failures are retried with
//! exponential backoff (`retry_min` doubling up to `retry_max`) until
//! `max_queue_time`; `5xx`, or giving up, sends the sender a delivery
//! status notification (RFC 3464) — never for our own notices, to avoid
//! loops. Opportunistic STARTTLS by default.

use crate::config::{RelayConfig, StartTls};
use crate::config::NoticeConfig;
use crate::notice;
use ecluse_quarantine::{AttemptOutcome, Delivery, DeliveryId, Payload, Purpose, Store};
use jiff::Timestamp;
use mail_send::SmtpClient;
use smtp_proto::EXT_START_TLS;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore, watch};

/// The result of one attempt, per recipient.
#[derive(Debug, Default)]
pub struct AttemptResult {
    /// Accepted by the downstream server.
    pub delivered: Vec<String>,
    /// Refused for now: retry.
    pub temporary: Vec<(String, String)>,
    /// Refused for good.
    pub permanent: Vec<(String, String)>,
}

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

/// At most [`DsnLimit::PER_SENDER`] DSNs per envelope sender and
/// [`DsnLimit::TOTAL`] in all per hour: even to authenticated senders, a
/// burst of failures downstream must not make us a mail cannon.
#[derive(Default)]
pub struct DsnLimit(
    Mutex<(
        Option<std::time::Instant>,
        std::collections::HashMap<String, u32>,
    )>,
);

impl DsnLimit {
    /// DSNs per envelope sender per hour.
    pub const PER_SENDER: u32 = 10;
    /// DSNs per hour in all.
    pub const TOTAL: u32 = 200;

    /// Counts one DSN to `sender`; false when over the limit.
    pub fn take(&self, sender: &str) -> bool {
        let mut guard = self.0.lock().expect("dsn limit lock");
        let (since, counts) = &mut *guard;
        let now = std::time::Instant::now();
        if since.is_none_or(|t| now.duration_since(t) >= std::time::Duration::from_secs(3600)) {
            *since = Some(now);
            counts.clear();
        }
        let total: u32 = counts.values().sum();
        // Checked before the entry is made: at most TOTAL senders are kept.
        if total >= Self::TOTAL {
            return false;
        }
        let mine = counts.entry(sender.to_ascii_lowercase()).or_default();
        if *mine >= Self::PER_SENDER {
            return false;
        }
        *mine += 1;
        true
    }
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
        let queue_id = d.queue_id().map(|q| q.to_string()).unwrap_or_default();
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

    /// One SMTP transaction to the server of `cfg`.
    pub async fn send_via(
        &self,
        cfg: &RelayConfig,
        mail_from: &str,
        rcpts: &[String],
        bytes: &[u8],
    ) -> AttemptResult {
        let all_temporary = |why: String| AttemptResult {
            temporary: rcpts.iter().map(|r| (r.clone(), why.clone())).collect(),
            ..Default::default()
        };
        let addr = match tokio::net::lookup_host(&cfg.downstream)
            .await
            .map(|mut a| a.next())
        {
            Ok(Some(a)) => a,
            Ok(None) | Err(_) => {
                return all_temporary(format!("cannot resolve {}", cfg.downstream));
            }
        };
        let mut client = match SmtpClient::connect(addr, cfg.timeout).await {
            Ok(c) => c,
            Err(e) => return all_temporary(format!("cannot connect to {}: {e}", cfg.downstream)),
        };
        let host = &self.notices.hostname;
        // A server that accepts and never greets must not hold the worker.
        let Ok(greeting) = tokio::time::timeout(cfg.timeout, client.read()).await else {
            return all_temporary(format!(
                "no greeting from {} within {:?}",
                cfg.downstream, cfg.timeout
            ));
        };
        match greeting {
            Ok(r) if r.code() / 100 == 2 => {}
            Ok(r) => return all_temporary(format!("downstream greeting: {}", said(&r))),
            Err(e) => return all_temporary(format!("downstream greeting: {e}")),
        }
        let ehlo = match client.ehlo(host).await {
            Ok(e) => e,
            Err(e) => return all_temporary(format!("EHLO: {e}")),
        };
        let offers_tls = ehlo.has_capability(EXT_START_TLS);
        if cfg.starttls != StartTls::Off && offers_tls {
            let connector = match mail_send::smtp::tls::build_tls_connector(true) {
                Ok(c) => c,
                Err(e) => return all_temporary(format!("TLS set-up: {e}")),
            };
            let tls_name = cfg
                .downstream
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(&cfg.downstream);
            let mut client = match client.start_tls(&connector, tls_name).await {
                Ok(c) => c,
                Err(e) => return all_temporary(format!("STARTTLS: {e}")),
            };
            if let Err(e) = client.ehlo(host).await {
                return all_temporary(format!("EHLO after STARTTLS: {e}"));
            }
            transaction(&mut client, mail_from, rcpts, bytes).await
        } else if cfg.starttls == StartTls::Required {
            all_temporary("the downstream server does not offer STARTTLS, and [relay] starttls = \"required\"".into())
        } else {
            transaction(&mut client, mail_from, rcpts, bytes).await
        }
    }
}

/// A reply as text: code, enhanced status code, message.
fn said(r: &smtp_proto::Response<String>) -> String {
    if r.esc[0] > 0 {
        format!(
            "{} {}.{}.{} {}",
            r.code, r.esc[0], r.esc[1], r.esc[2], r.message
        )
    } else {
        format!("{} {}", r.code, r.message)
    }
}

/// Dot-stuffs `bytes` and ends the data: lines starting with `.` get a
/// second one; the message is sent as it is, with `.CRLF` after its last
/// CRLF (adding a CRLF only when a non-empty message does not end with one).
pub fn dot_stuff(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 512 + 5);
    let mut line_start = true;
    let mut at = 0;
    while at < bytes.len() {
        if line_start && bytes[at] == b'.' {
            out.push(b'.');
        }
        let end = memchr::memchr(b'\n', &bytes[at..])
            .map(|i| at + i + 1)
            .unwrap_or(bytes.len());
        out.extend_from_slice(&bytes[at..end]);
        line_start = end > 0 && bytes[end - 1] == b'\n';
        at = end;
    }
    if !bytes.is_empty() && !bytes.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

async fn transaction<T: AsyncRead + AsyncWrite + Unpin>(
    client: &mut SmtpClient<T>,
    mail_from: &str,
    rcpts: &[String],
    bytes: &[u8],
) -> AttemptResult {
    let mut result = AttemptResult::default();
    let fail_all = |result: &mut AttemptResult, rcpts: &[String], code: u16, why: String| {
        for r in rcpts {
            if code / 100 == 5 {
                result.permanent.push((r.clone(), why.clone()));
            } else {
                result.temporary.push((r.clone(), why.clone()));
            }
        }
    };
    match client.cmd(format!("MAIL FROM:<{mail_from}>\r\n")).await {
        Ok(r) if r.code() / 100 == 2 => {}
        Ok(r) => {
            fail_all(
                &mut result,
                rcpts,
                r.code(),
                format!("MAIL FROM: {}", said(&r)),
            );
            return result;
        }
        Err(e) => {
            fail_all(&mut result, rcpts, 451, format!("MAIL FROM: {e}"));
            return result;
        }
    }
    let mut accepted = Vec::new();
    for rcpt in rcpts {
        match client.cmd(format!("RCPT TO:<{rcpt}>\r\n")).await {
            Ok(r) if r.code() / 100 == 2 => accepted.push(rcpt.clone()),
            Ok(r) => fail_all(
                &mut result,
                std::slice::from_ref(rcpt),
                r.code(),
                format!("RCPT TO: {}", said(&r)),
            ),
            Err(e) => fail_all(
                &mut result,
                std::slice::from_ref(rcpt),
                451,
                format!("RCPT TO: {e}"),
            ),
        }
    }
    if accepted.is_empty() {
        let _ = client.cmd("QUIT\r\n").await;
        return result;
    }
    match client.cmd("DATA\r\n").await {
        Ok(r) if r.code() == 354 => {}
        Ok(r) => {
            fail_all(
                &mut result,
                &accepted,
                r.code(),
                format!("DATA: {}", said(&r)),
            );
            return result;
        }
        Err(e) => {
            fail_all(&mut result, &accepted, 451, format!("DATA: {e}"));
            return result;
        }
    }
    let data = dot_stuff(bytes);
    let timeout = client.timeout;
    let sent = tokio::time::timeout(timeout, async {
        client.stream.write_all(&data).await?;
        client.stream.flush().await?;
        client
            .read()
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
    .await;
    match sent {
        Ok(Ok(r)) if r.code() / 100 == 2 => result.delivered = accepted,
        Ok(Ok(r)) => fail_all(
            &mut result,
            &accepted,
            r.code(),
            format!("end of data: {}", said(&r)),
        ),
        Ok(Err(e)) => fail_all(&mut result, &accepted, 451, format!("end of data: {e}")),
        Err(_) => fail_all(&mut result, &accepted, 451, "end of data: timeout".into()),
    }
    let _ = client.cmd("QUIT\r\n").await;
    result
}

/// The header block of a message (up to the blank line).
fn header_block(msg: &[u8]) -> &[u8] {
    match memchr::memmem::find(msg, b"\r\n\r\n") {
        Some(i) => &msg[..i + 2],
        None => &msg[..msg.len().min(64 << 10)],
    }
}

/// A delivery status notification (RFC 3464) for recipients refused for good.
pub fn dsn(
    cfg: &NoticeConfig,
    to: &str,
    failed: &[(String, String)],
    original_headers: &[u8],
    now: Timestamp,
) -> Vec<u8> {
    let boundary = format!("dsn-{}", ulid::Ulid::new());
    let list_fr: String = failed
        .iter()
        .map(|(r, why)| format!("  <{r}> : {why}\r\n"))
        .collect();
    let list_en: String = failed
        .iter()
        .map(|(r, why)| format!("  <{r}>: {why}\r\n"))
        .collect();
    let human = format!(
        "Votre message n'a pas pu être remis aux destinataires suivants :\r\n\r\n{list_fr}\r\n\
         Le serveur de messagerie de la mairie l'a refusé. Vérifiez l'adresse, ou contactez le destinataire par un autre moyen.\r\n\r\n\
         --\r\n\
         Your message could not be delivered to the following recipients:\r\n\r\n{list_en}\r\n\
         The town's mail server refused it. Check the address, or reach the recipient another way.\r\n"
    );
    let mut status = format!(
        "Reporting-MTA: dns; {}\r\nArrival-Date: {}\r\n",
        cfg.hostname,
        notice::rfc5322_date(now)
    );
    for (rcpt, why) in failed {
        let code = why
            .split_whitespace()
            .find(|w| w.len() == 5 && w.as_bytes()[1] == b'.' && w.as_bytes()[0].is_ascii_digit())
            .unwrap_or("5.0.0");
        let why: String = why
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect();
        status.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {code}\r\nDiagnostic-Code: smtp; {why}\r\n"
        ));
    }
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: {id}\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {human}\r\n\
         --{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         {status}\r\n\
         --{boundary}\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         {headers}\r\n\
         --{boundary}--\r\n",
        host = cfg.hostname,
        subject = notice::header_text("Message non remis / Undelivered mail"),
        date = notice::rfc5322_date(now),
        id = notice::message_id(&cfg.hostname),
        human = notice::base64_lines(human.as_bytes()),
        headers = String::from_utf8_lossy(original_headers).trim_end(),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dsns_are_limited_per_sender_and_in_all() {
        let limit = DsnLimit::default();
        for _ in 0..DsnLimit::PER_SENDER {
            assert!(limit.take("a@exemple.fr"));
        }
        assert!(!limit.take("A@Exemple.fr"), "the same sender, any case");
        let mut others = 0;
        while limit.take(&format!("s{others}@exemple.fr")) {
            others += 1;
        }
        assert_eq!(others + DsnLimit::PER_SENDER, DsnLimit::TOTAL);
        assert!(limit.0.lock().unwrap().1.len() <= DsnLimit::TOTAL as usize);
    }

    use super::*;
    use mail_parser::MimeHeaders;

    #[test]
    fn dot_stuffing_keeps_the_message_and_ends_it_once() {
        assert_eq!(dot_stuff(b"a\r\n.b\r\n..\r\n"), b"a\r\n..b\r\n...\r\n.\r\n");
        assert_eq!(dot_stuff(b".x"), b"..x\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b".\r\n", "an empty message stays empty");
    }

    #[test]
    fn a_dsn_is_a_delivery_report() {
        let cfg = NoticeConfig {
            hostname: "mx.ville-exemple.fr".into(),
            public_url: "http://x".into(),
            ..Default::default()
        };
        let bytes = dsn(
            &cfg,
            "alice@example.org",
            &[(
                "bob@ville-exemple.fr".into(),
                "RCPT TO: 550 5.1.1 no such user".into(),
            )],
            b"Subject: hello\r\n",
            Timestamp::now(),
        );
        let msg = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(
            msg.content_type().unwrap().attribute("report-type"),
            Some("delivery-status")
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Status: 5.1.1"), "{text}");
        assert!(text.contains("Final-Recipient: rfc822; bob@ville-exemple.fr"));
        assert!(msg.body_text(0).unwrap().contains("n'a pas pu être remis"));
    }
}
