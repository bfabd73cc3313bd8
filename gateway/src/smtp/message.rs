//! DATA: the checks before `354`, then, once the data is read, the decision:
//! scan in `spawn_blocking` behind the scan permits, decide, store durably,
//! and only then `250`.

use super::data::DataFault;
use super::reply::{self, Reply};
use super::session::Session;
use crate::decide::{self, Inbound, Verdict};
use crate::notice;
use ecluse_quarantine::{Envelope, Incoming, QueueId};
use std::time::Instant;

impl Session {
    /// Answers DATA; true when `354` was sent and data follows.
    pub(super) fn data_start(&mut self) -> bool {
        if self.mail_from.is_none() {
            self.reply(reply::bad_sequence("Send MAIL FROM first"));
            return false;
        }
        if self.rcpts.is_empty() {
            self.reply(reply::no_recipients());
            return false;
        }
        self.reply(reply::start_data());
        true
    }

    fn received_header(&self, queue_id: QueueId, now: jiff::Timestamp) -> Vec<u8> {
        let smtp = &self.config.smtp;
        let helo = crate::provenance::printable_name(self.helo.as_deref().unwrap_or("unknown"));
        let with = match (self.esmtp, self.tls) {
            (true, true) => "ESMTPS",
            (true, false) => "ESMTP",
            (false, _) => "SMTP",
        };
        let rcpt = if self.rcpts.len() == 1 {
            format!("\r\n\tfor <{}>", self.rcpts[0])
        } else {
            String::new()
        };
        format!(
            "Received: from {helo} ([{ip}])\r\n\tby {host} (Ecluse) with {with} id {queue_id}{rcpt};\r\n\t{date}\r\n",
            ip = self.peer.ip(),
            host = smtp.hostname,
            date = notice::rfc5322_date(now),
        )
        .into_bytes()
    }

    /// The reply to the end of data.
    pub(super) async fn data_end(&mut self, data: Result<Vec<u8>, DataFault>) -> Reply {
        let smtp = &self.config.smtp;
        let message = match data {
            Ok(m) => m,
            Err(fault) => {
                metrics::counter!("ecluse_messages_total", "action" => "refused_protocol")
                    .increment(1);
                let r = match fault {
                    DataFault::TooBig => reply::message_too_big(smtp.max_message_size),
                    DataFault::BareLineEnding => reply::bare_line_ending(),
                    DataFault::LineTooLong => reply::data_line_too_long(smtp.max_line_length),
                };
                tracing::info!(client = %self.peer.ip(), from = self.mail_from.as_deref().unwrap_or(""), rcpts = self.rcpts.len(), reason = ?fault, "refused");
                return r;
            }
        };
        // Authentication-Results claiming our authserv-id were not written
        // by us: removed before anything reads the message (RFC 8601 §5).
        let (message, forged) = crate::authres::remove_forged(message, &smtp.hostname);
        if forged > 0 {
            metrics::counter!("ecluse_forged_authentication_results_total")
                .increment(forged as u64);
            tracing::info!(client = %self.peer.ip(), from = self.mail_from.as_deref().unwrap_or(""), removed = forged, "removed Authentication-Results fields that claimed our authserv-id");
        }
        // SPF, DKIM, DMARC: DNS lookups (cached by the resolver, bounded by
        // [smtp] sender_check_timeout), before the scan slot is taken.
        let checked = match &self.ctx.senders() {
            Some(senders) => Some(
                senders
                    .check(
                        self.peer.ip(),
                        self.helo.as_deref().unwrap_or(""),
                        self.mail_from.as_deref().unwrap_or(""),
                        &message,
                    )
                    .await,
            ),
            None => None,
        };
        // Wait a little for a scan slot (the data is already in memory), then
        // tell the sender to come back: backpressure, not an unbounded queue.
        let permit =
            tokio::time::timeout(smtp.scan_wait, self.ctx.scans.clone().acquire_owned()).await;
        let Ok(Ok(permit)) = permit else {
            metrics::counter!("ecluse_messages_total", "action" => "deferred_busy").increment(1);
            return reply::scans_saturated();
        };
        let queue_id = QueueId::new();
        let now = self.ctx.store.now();
        let mut received = self.received_header(queue_id, now);
        if let Some(c) = &checked {
            received.extend_from_slice(&c.header);
        }
        let envelope = Envelope {
            client_ip: self.peer.ip().to_string(),
            helo: self.helo.clone().unwrap_or_default(),
            mail_from: self.mail_from.clone().unwrap_or_default(),
            rcpts: self.rcpts.clone(),
            received_at: now,
            tls: self.tls,
        };
        let ctx = self.ctx.clone();
        let config = self.config.clone();
        let engine = ctx.engine();
        let started = Instant::now();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let (mut report, clamd_failed) = scan_both(&engine, &config, &ctx.engines, &message);
            if let Some(e) = clamd_failed {
                return Err(e);
            }
            if let Some(c) = &checked {
                weigh_provenance(&mut report, c, engine.policy());
            }
            let rules = sender_rules(&ctx, &config);
            // The one From: mailbox, or none ("no single From": no
            // exception can apply, ecluse_scanner::originator).
            let from_address = report.message.from_address.clone().unwrap_or_default();
            // Every From: address counts for a block, not only the sole one.
            let mut froms = checked
                .as_ref()
                .map(|c| c.from_addresses.clone())
                .unwrap_or_default();
            froms.extend(report.message.from_address.clone());
            // A service-wide block refuses the message when it covers one
            // recipient. A commune's own blocks cover its own recipients
            // only: the message is refused when every recipient is covered,
            // else those recipients get nothing and the others get it (one
            // commune neither refuses another's mail nor receives what it
            // blocked because another commune was also named).
            let covers = |r: &ecluse_quarantine::SenderRule, rcpt: &str| {
                r.kind == ecluse_quarantine::RuleKind::Block
                    && r.tenant
                        .as_deref()
                        .is_none_or(|t| config.tenants.of_address(rcpt).is_some_and(|x| x.id == t))
                    && (r.applies(&envelope.mail_from, rcpt)
                        || froms.iter().any(|f| r.applies(f, rcpt)))
            };
            let service_block = envelope
                .rcpts
                .iter()
                .any(|rcpt| rules.iter().any(|r| r.tenant.is_none() && covers(r, rcpt)));
            let blocked_rcpts: Vec<String> = envelope
                .rcpts
                .iter()
                .filter(|rcpt| rules.iter().any(|r| covers(r, rcpt)))
                .cloned()
                .collect();
            let everyone_blocked =
                !envelope.rcpts.is_empty() && blocked_rcpts.len() == envelope.rcpts.len();
            if report.action != ecluse_scanner::Action::Reject
                && (service_block || everyone_blocked)
            {
                return Ok(Blocked);
            }
            let mut envelope = envelope;
            if !blocked_rcpts.is_empty() && report.action != ecluse_scanner::Action::Reject {
                metrics::counter!("ecluse_recipients_blocked_total")
                    .increment(blocked_rcpts.len() as u64);
                tracing::info!(%queue_id, from = %envelope.mail_from, rcpts = ?blocked_rcpts, "recipients dropped: their commune blocks this sender");
                envelope.rcpts.retain(|r| !blocked_rcpts.contains(r));
            }
            // Each recipient's tenant (by domain), the policy it gets there
            // (a per-recipient override, else the tenant's), and the
            // categories authenticated-sender exceptions deliver to it:
            // recipients alike are decided together, on the one scan.
            let authenticated = !from_address.is_empty()
                && report
                    .message
                    .sender_auth
                    .as_ref()
                    .is_some_and(|a| a.verified())
                && checked
                    .as_ref()
                    .is_some_and(|c| c.from_addresses == [from_address.clone()]);
            let groups = recipient_groups(
                &config.tenants,
                &rules,
                &from_address,
                authenticated,
                &envelope.rcpts,
            );
            let applied: Vec<String> = groups.iter().flat_map(|g| g.exceptions.clone()).collect();
            let decide_group = |g: &Group<'_>, policy: &ecluse_scanner::Policy| {
                let env = Envelope {
                    rcpts: g.rcpts.clone(),
                    ..envelope.clone()
                };
                let part = Inbound {
                    queue_id,
                    envelope: &env,
                    raw: &message,
                    received: received.clone(),
                };
                let notices = config.notices_for(g.tenant);
                let decided = |r: &ecluse_scanner::Report| {
                    decide::decide(
                        r,
                        policy,
                        &part,
                        &notices,
                        g.tenant.retention_days,
                        now,
                        &g.tenant.id,
                    )
                };
                let same = policy == engine.policy();
                match (same, g.categories.is_empty()) {
                    (true, true) => decided(&report),
                    (true, false) => decided(&report.without_categories(&g.categories, policy)),
                    (false, true) => decided(&report.weighed(policy)),
                    (false, false) => decided(
                        &report
                            .weighed(policy)
                            .without_categories(&g.categories, policy),
                    ),
                }
            };
            let mut verdicts: Vec<Verdict> =
                groups.iter().map(|g| decide_group(g, g.policy)).collect();
            let rejects = verdicts
                .iter()
                .filter(|v| matches!(v, Verdict::Reject(_)))
                .count();
            if rejects > 0 && rejects < verdicts.len() {
                // One SMTP answer covers every recipient: a commune whose
                // stricter policy refuses what others accept gets it held
                // (malware is locked at reject: refused for all).
                for (v, g) in verdicts.iter_mut().zip(&groups) {
                    if matches!(v, Verdict::Reject(_)) {
                        *v = decide_group(g, &g.policy.holding_rejects());
                    }
                }
            }
            let mut per_tenant: Vec<(String, &'static str, usize)> = Vec::new();
            let verdict = if rejects == verdicts.len() {
                for g in &groups {
                    per_tenant.push((g.tenant.id.clone(), "rejected", g.rcpts.len()));
                }
                verdicts.swap_remove(0)
            } else {
                let mut all_items = Vec::new();
                let mut all_deliveries = Vec::new();
                let mut worst = "delivered";
                let rank = |o: &str| {
                    ["delivered", "stripped", "held"]
                        .iter()
                        .position(|x| *x == o)
                };
                for (v, g) in verdicts.into_iter().zip(&groups) {
                    if let Verdict::Accept {
                        items,
                        deliveries,
                        outcome,
                    } = v
                    {
                        per_tenant.push((g.tenant.id.clone(), outcome, g.rcpts.len()));
                        all_items.extend(items);
                        all_deliveries.extend(deliveries);
                        if rank(outcome) > rank(worst) {
                            worst = outcome;
                        }
                    }
                }
                Verdict::Accept {
                    items: all_items,
                    deliveries: all_deliveries,
                    outcome: worst,
                }
            };
            let mut verdict = verdict;
            if let Verdict::Accept { deliveries, .. } = &mut verdict {
                // No backscatter: a DSN may go back only to a sender whose
                // domain passed SPF or DKIM.
                let allowed = checked
                    .as_ref()
                    .is_some_and(|c| c.auth.envelope_authenticated);
                for d in deliveries.iter_mut() {
                    d.dsn_allowed = allowed;
                }
            }
            let stored = match &verdict {
                Verdict::Reject(_) => Ok(()),
                Verdict::Accept {
                    items, deliveries, ..
                } => ctx.store.accept(Incoming {
                    id: queue_id,
                    envelope: envelope.clone(),
                    message: &message,
                    report: &report,
                    items: items.clone(),
                    deliveries: deliveries.clone(),
                }),
            };
            Ok(Decided((
                report,
                verdict,
                stored,
                envelope,
                message.len(),
                applied,
                per_tenant,
            )))
        });
        let (report, verdict, stored, envelope, size, applied, per_tenant) = match task.await {
            Ok(Ok(Decided(done))) => done,
            Ok(Ok(Blocked)) => {
                metrics::counter!("ecluse_messages_total", "action" => "blocked").increment(1);
                tracing::info!(client = %self.peer.ip(), from = self.mail_from.as_deref().unwrap_or(""), rcpts = self.rcpts.len(), action = "blocked", "message refused by a block entry");
                return reply::blocked_sender();
            }
            Ok(Err(e)) => {
                tracing::warn!(client = %self.peer.ip(), error = %e, "clamd gave no verdict: 451, the sender will try again");
                return reply::antivirus_unavailable();
            }
            Err(e) => {
                tracing::error!(client = %self.peer.ip(), error = %e, "scan task failed");
                return reply::scan_failed();
            }
        };
        let categories: Vec<&str> = report.categories.iter().map(|c| c.as_str()).collect();
        let sender = report
            .message
            .sender_auth
            .as_ref()
            .map(|a| {
                let dkim: Vec<String> = a
                    .dkim
                    .iter()
                    .map(|d| {
                        format!(
                            "{}:{}",
                            crate::provenance::printable_name(&d.domain),
                            d.result
                        )
                    })
                    .collect();
                format!(
                    "spf={} dkim={} dmarc={}{} from_domain={} verified={}",
                    a.spf,
                    if dkim.is_empty() {
                        "none".into()
                    } else {
                        dkim.join(",")
                    },
                    a.dmarc,
                    if a.dmarc_policy.is_empty() {
                        String::new()
                    } else {
                        format!(" (p={})", a.dmarc_policy)
                    },
                    // The sender's words: one printable token, never a
                    // control character or a space that forges a field.
                    crate::provenance::printable_name(&a.from_domain),
                    a.verified()
                )
            })
            .unwrap_or_else(|| "unchecked".into());
        metrics::histogram!("ecluse_scan_seconds").record(report.scan_ms as f64 / 1000.0);
        metrics::counter!("ecluse_message_bytes_total").increment(size as u64);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match (verdict, stored) {
            (Verdict::Reject(r), _) => {
                metrics::counter!("ecluse_messages_total", "action" => "rejected").increment(1);
                count_per_tenant(&per_tenant);
                tracing::info!(queue_id = %queue_id, client = %envelope.client_ip, from = %envelope.mail_from, rcpts = envelope.rcpts.len(), size, action = "rejected", categories = ?categories, sender = %sender, scan_ms = report.scan_ms, "message");
                r
            }
            (Verdict::Accept { outcome, items, .. }, Ok(())) => {
                metrics::counter!("ecluse_messages_total", "action" => outcome).increment(1);
                count_per_tenant(&per_tenant);
                for it in &items {
                    metrics::counter!("ecluse_items_held_total", "tenant" => it.tenant.clone(), "category" => it.category.as_str()).increment(1);
                }
                tracing::info!(queue_id = %queue_id, client = %envelope.client_ip, from = %envelope.mail_from, rcpts = envelope.rcpts.len(), size, action = outcome, held = items.len(), categories = ?categories, sender = %sender, exceptions = ?applied, scan_ms = report.scan_ms, total_ms = elapsed_ms, "message");
                self.ctx.relay_wakeup.notify_one();
                reply::queued(&queue_id.to_string())
            }
            (Verdict::Accept { .. }, Err(e)) => {
                metrics::counter!("ecluse_messages_total", "action" => "deferred_store")
                    .increment(1);
                tracing::error!(queue_id = %queue_id, client = %envelope.client_ip, error = %e, "cannot store the message; answered 451");
                reply::store_failed()
            }
        }
    }
}

/// YARA and our readers, then ClamAV when configured: the message as
/// received and the objects our walk took out, unless the report already
/// refuses it. A hit is a `malware` finding naming the signature. When
/// clamd gives no verdict: the error (the caller answers `451`) with
/// `on_error = "tempfail"`, an `antivirus_unavailable` finding (held)
/// with `"hold"`; never clean.
fn scan_both(
    engine: &ecluse_scanner::Engine,
    config: &crate::config::Config,
    engines: &ecluse_admin_ui::Engines,
    message: &[u8],
) -> (ecluse_scanner::Report, Option<crate::clamav::ClamdError>) {
    use ecluse_scanner::{Finding, FindingKind};
    let Some(clamav) = &config.clamav else {
        return (ecluse_scanner::scan(engine, &config.limits, message), None);
    };
    let (mut report, objects) =
        ecluse_scanner::scan_keeping_objects(engine, &config.limits, message, 64 << 20);
    if report.action == ecluse_scanner::Action::Reject {
        return (report, None);
    }
    match crate::clamav::scan_message(clamav, message, &objects) {
        Ok(hits) => {
            crate::clamav::record(engines, clamav, Ok(None));
            let result = if hits.is_empty() { "clean" } else { "found" };
            metrics::counter!("ecluse_clamav_scans_total", "result" => result).increment(1);
            for hit in hits {
                let mut finding = Finding::new(
                    FindingKind::ClamavMatch,
                    ecluse_scanner::Sentence::Clamav {
                        signature: hit.signature.clone(),
                    },
                );
                finding.rule = Some(hit.signature);
                report.add_finding(hit.path.as_deref(), finding, engine.policy());
            }
            (report, None)
        }
        Err(e) => {
            crate::clamav::record(engines, clamav, Err(e.to_string()));
            metrics::counter!("ecluse_clamav_scans_total", "result" => "error").increment(1);
            match clamav.on_error {
                crate::config::OnError::Tempfail => (report, Some(e)),
                crate::config::OnError::Hold => {
                    let finding = Finding::new(
                        FindingKind::AntivirusUnavailable,
                        ecluse_scanner::Sentence::ClamavNoVerdict {
                            reason: e.to_string(),
                        },
                    );
                    report.add_finding(None, finding, engine.policy());
                    (report, None)
                }
            }
        }
    }
}

/// Puts the sender checks into the report: the results for the pages and
/// the JSON report, and `spoofed_sender` / `lookalike_sender` on each
/// attachment (a named part, or one that is not text), so that with the
/// default policy the attachments are held and the notice says why. Mail
/// without attachments keeps its text: we are not a spam filter.
fn weigh_provenance(
    report: &mut ecluse_scanner::Report,
    checked: &crate::provenance::Checked,
    policy: &ecluse_scanner::Policy,
) {
    use ecluse_scanner::{Finding, FindingKind};
    report.message.sender_auth = Some(checked.auth.clone());
    let attachments: Vec<String> = report
        .parts
        .iter()
        .filter(|p| {
            p.filename.is_some()
                || !p
                    .declared_type
                    .as_deref()
                    .unwrap_or("text/plain")
                    .to_ascii_lowercase()
                    .starts_with("text/")
        })
        .map(|p| p.path.clone())
        .collect();
    for (kind, why) in [
        (FindingKind::SpoofedSender, &checked.spoofed),
        (FindingKind::LookalikeSender, &checked.lookalike),
    ] {
        let Some(why) = why else { continue };
        for path in &attachments {
            report.add_finding(Some(path), Finding::new(kind, why.clone()), policy);
        }
    }
}

/// What the scan task ends with.
enum Outcome {
    /// A block entry names the sender: refused, nothing stored.
    Blocked,
    /// Scanned and decided: the report, the verdict, whether it was
    /// stored, the envelope, the size, the exceptions applied.
    Decided(
        (
            ecluse_scanner::Report,
            Verdict,
            Result<(), ecluse_quarantine::Error>,
            Envelope,
            usize,
            Vec<String>,
            Vec<(String, &'static str, usize)>,
        ),
    ),
}

/// `ecluse_recipients_total{tenant, action}`: recipients per tenant and
/// what became of their copy (the label's values are configured tenant ids).
fn count_per_tenant(per_tenant: &[(String, &'static str, usize)]) {
    for (tenant, action, n) in per_tenant {
        metrics::counter!("ecluse_recipients_total", "tenant" => tenant.clone(), "action" => *action)
            .increment(*n as u64);
    }
}
use Outcome::{Blocked, Decided};

/// The sender rules in force: the configuration's, then the store's (an
/// unreadable store gives the configuration's alone, and a log line).
pub(crate) fn sender_rules(
    ctx: &super::Context,
    config: &crate::config::Config,
) -> Vec<ecluse_quarantine::SenderRule> {
    let mut rules = config.sender_rules.clone();
    match ctx.store.sender_rules() {
        Ok(more) => rules.extend(more),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the sender rules of the store; those of the configuration apply")
        }
    }
    rules
}

/// Recipients decided together: same tenant, same policy, same
/// exception categories.
struct Group<'a> {
    tenant: &'a crate::config::Tenant,
    policy: &'a ecluse_scanner::Policy,
    /// The policy's source: `None` the tenant's, `Some(n)` its override n.
    source: Option<usize>,
    /// Categories exceptions deliver to them (sorted).
    categories: Vec<ecluse_scanner::Category>,
    /// The ids of those exceptions.
    exceptions: Vec<String>,
    rcpts: Vec<String>,
}

/// The recipients grouped by tenant (their domain's), policy (the
/// tenant's, or an override naming them) and the categories the sender
/// exceptions deliver to them (only for an authenticated `From:` address;
/// a commune's own exceptions only for its recipients).
fn recipient_groups<'a>(
    tenants: &'a crate::config::Tenants,
    rules: &[ecluse_quarantine::SenderRule],
    from_address: &str,
    authenticated: bool,
    rcpts: &[String],
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for rcpt in rcpts {
        // RCPT accepts only our domains; the first tenant is a safe default.
        let tenant = tenants
            .of_address(rcpt)
            .unwrap_or_else(|| &tenants.all()[0]);
        let (policy, source) = tenant.policy_for(rcpt);
        let mut categories = Vec::new();
        let mut ids = Vec::new();
        if authenticated && !from_address.is_empty() {
            for r in rules.iter().filter(|r| {
                r.kind == ecluse_quarantine::RuleKind::Allow
                    && r.tenant.as_deref().is_none_or(|t| t == tenant.id)
                    && r.applies(from_address, rcpt)
            }) {
                categories.extend(r.categories.iter().copied());
                ids.push(r.id.clone());
            }
        }
        categories.sort();
        categories.dedup();
        match groups
            .iter_mut()
            .find(|g| g.tenant.id == tenant.id && g.source == source && g.categories == categories)
        {
            Some(g) => {
                g.rcpts.push(rcpt.clone());
                for id in ids {
                    if !g.exceptions.contains(&id) {
                        g.exceptions.push(id);
                    }
                }
            }
            None => groups.push(Group {
                tenant,
                policy,
                source,
                categories,
                exceptions: ids,
                rcpts: vec![rcpt.clone()],
            }),
        }
    }
    groups
}
