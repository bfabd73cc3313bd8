//! DATA: the checks before `354`, then, once the data is read, the
//! decision in named steps ([`Session::data_end`]): forged
//! `Authentication-Results` fields removed, the sender checks, a scan
//! permit; then in `spawn_blocking` ([`Job::run`]) the scan, the block
//! entries, the decision per group of recipients and the durable write;
//! and only then `250`, the log line and the metrics.

use super::context::Context;
use super::data::DataFault;
use super::provenance::{self, Checked};
use super::reply::{self, Reply};
use super::session::Session;
use crate::config::Config;
use crate::decide::{self, Group, Inbound, Verdict};
use crate::engines::{self, clamav::ClamdError};
use crate::notice;
use ecluse_quarantine::{Envelope, Incoming, QueueId, RuleKind, SenderRule};
use ecluse_scanner::{Action, Engine, Policy, Report};
use std::sync::Arc;
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
        let helo = provenance::printable_name(self.helo.as_deref().unwrap_or("unknown"));
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
        let message = match data {
            Ok(m) => m,
            Err(fault) => return self.refuse_data(fault),
        };
        let message = self.remove_forged_results(message);
        let checked = self.check_sender(&message).await;
        // Wait a little for a scan slot (the data is already in memory), then
        // tell the sender to come back: backpressure, not an unbounded queue.
        let permit = tokio::time::timeout(
            self.config.smtp.scan_wait,
            self.ctx.scans.clone().acquire_owned(),
        )
        .await;
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
        let job = Job {
            envelope: Envelope {
                client_ip: self.peer.ip().to_string(),
                helo: self.helo.clone().unwrap_or_default(),
                mail_from: self.mail_from.clone().unwrap_or_default(),
                rcpts: self.rcpts.clone(),
                received_at: now,
                tls: self.tls,
            },
            ctx: self.ctx.clone(),
            config: self.config.clone(),
            engine: self.ctx.engine(),
            message,
            checked,
            queue_id,
            now,
            received,
        };
        let started = Instant::now();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job.run()
        });
        let decided = match task.await {
            Ok(Ok(Outcome::Decided(decided))) => decided,
            Ok(Ok(Outcome::Blocked)) => {
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
        self.answer(decided, queue_id, started)
    }

    /// Data that broke a limit or the line-ending rule: refused, with
    /// the reply for the fault.
    fn refuse_data(&self, fault: DataFault) -> Reply {
        let smtp = &self.config.smtp;
        metrics::counter!("ecluse_messages_total", "action" => "refused_protocol").increment(1);
        let r = match fault {
            DataFault::TooBig => reply::message_too_big(smtp.max_message_size),
            DataFault::BareLineEnding => reply::bare_line_ending(),
            DataFault::LineTooLong => reply::data_line_too_long(smtp.max_line_length),
        };
        tracing::info!(client = %self.peer.ip(), from = self.mail_from.as_deref().unwrap_or(""), rcpts = self.rcpts.len(), reason = ?fault, "refused");
        r
    }

    /// Authentication-Results claiming our authserv-id were not written
    /// by us: removed before anything reads the message (RFC 8601 §5).
    fn remove_forged_results(&self, message: Vec<u8>) -> Vec<u8> {
        let (message, forged) = provenance::remove_forged(message, &self.config.smtp.hostname);
        if forged > 0 {
            metrics::counter!("ecluse_forged_authentication_results_total")
                .increment(forged as u64);
            tracing::info!(client = %self.peer.ip(), from = self.mail_from.as_deref().unwrap_or(""), removed = forged, "removed Authentication-Results fields that claimed our authserv-id");
        }
        message
    }

    /// SPF, DKIM, DMARC: DNS lookups (cached by the resolver, bounded by
    /// [smtp] sender_check_timeout), before the scan slot is taken;
    /// `None` with `sender_checks = false`.
    async fn check_sender(&self, message: &[u8]) -> Option<Checked> {
        let senders = self.ctx.senders()?;
        let checked = senders
            .check(
                self.peer.ip(),
                self.helo.as_deref().unwrap_or(""),
                self.mail_from.as_deref().unwrap_or(""),
                message,
            )
            .await;
        Some(checked)
    }

    /// The log line, the metrics and the reply of a decided message (a
    /// rejection turned into its SMTP reply here); wakes the relay when
    /// something was queued.
    fn answer(&self, decided: Decided, queue_id: QueueId, started: Instant) -> Reply {
        let Decided {
            report,
            verdict,
            stored,
            envelope,
            size,
            applied,
            per_tenant,
        } = decided;
        let categories: Vec<&str> = report.categories.iter().map(|c| c.as_str()).collect();
        let sender = sender_summary(&report);
        metrics::histogram!("ecluse_scan_seconds").record(report.scan_ms as f64 / 1000.0);
        metrics::counter!("ecluse_message_bytes_total").increment(size as u64);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match (verdict, stored) {
            (Verdict::Reject(why), _) => {
                metrics::counter!("ecluse_messages_total", "action" => "rejected").increment(1);
                count_per_tenant(&per_tenant);
                tracing::info!(queue_id = %queue_id, client = %envelope.client_ip, from = %envelope.mail_from, rcpts = envelope.rcpts.len(), size, action = "rejected", categories = ?categories, sender = %sender, scan_ms = report.scan_ms, "message");
                reply::rejected(why.category.label_en(), &why.detail)
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

/// The sender checks of a report for the log line: `spf=… dkim=…
/// dmarc=… from_domain=… verified=…`, or `unchecked`.
fn sender_summary(report: &Report) -> String {
    report
        .message
        .sender_auth
        .as_ref()
        .map(|a| {
            let dkim: Vec<String> = a
                .dkim
                .iter()
                .map(|d| format!("{}:{}", provenance::printable_name(&d.domain), d.result))
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
                provenance::printable_name(&a.from_domain),
                a.verified()
            )
        })
        .unwrap_or_else(|| "unchecked".into())
}

/// The blocking half of end of data, with everything it needs: what was
/// in force when the data ended (configuration, engine), the message, its
/// envelope, its sender checks and our `Received:` (and
/// `Authentication-Results:`) lines.
struct Job {
    ctx: Arc<Context>,
    config: Arc<Config>,
    engine: Arc<Engine>,
    message: Vec<u8>,
    envelope: Envelope,
    checked: Option<Checked>,
    queue_id: QueueId,
    now: jiff::Timestamp,
    received: Vec<u8>,
}

/// What the blocking half of end of data ends with.
enum Outcome {
    /// A block entry names the sender: refused, nothing stored.
    Blocked,
    /// Scanned and decided.
    Decided(Decided),
}

/// A scanned and decided message.
struct Decided {
    report: Report,
    verdict: Verdict,
    /// Whether the accepted message was stored (`Ok` for a rejection:
    /// nothing to store).
    stored: Result<(), ecluse_quarantine::Error>,
    /// The envelope, without the recipients a block dropped.
    envelope: Envelope,
    /// The message's size, in bytes.
    size: usize,
    /// The ids of the exceptions applied.
    applied: Vec<String>,
    /// Per tenant: its id, what became of its recipients' copy, how many.
    per_tenant: Vec<(String, &'static str, usize)>,
}

/// Which recipients the block entries cover.
struct Blocks {
    /// The message is refused: a service-wide block covers a recipient,
    /// or every recipient is covered.
    refused: bool,
    /// The recipients a block covers.
    rcpts: Vec<String>,
}

impl Job {
    /// Scans, applies the block entries, decides per group of recipients
    /// and stores what is accepted (run in `spawn_blocking`, behind a scan
    /// permit). `Err` when clamd gave no verdict and `on_error =
    /// "tempfail"` (the session answers `451`).
    fn run(self) -> Result<Outcome, ClamdError> {
        let (mut report, clamd_failed) =
            engines::scan(&self.engine, &self.config, &self.ctx.engines, &self.message);
        if let Some(e) = clamd_failed {
            return Err(e);
        }
        if let Some(c) = &self.checked {
            c.weigh(&mut report, self.engine.policy());
        }
        let rules = self.ctx.sender_rules(&self.config);
        // The one From: mailbox, or none ("no single From": no
        // exception can apply, ecluse_scanner::originator).
        let from_address = report.message.from_address.clone().unwrap_or_default();
        let blocks = self.blocks(&report, &rules);
        if report.action != Action::Reject && blocks.refused {
            return Ok(Outcome::Blocked);
        }
        let mut envelope = self.envelope.clone();
        if !blocks.rcpts.is_empty() && report.action != Action::Reject {
            metrics::counter!("ecluse_recipients_blocked_total")
                .increment(blocks.rcpts.len() as u64);
            tracing::info!(queue_id = %self.queue_id, from = %envelope.mail_from, rcpts = ?blocks.rcpts, "recipients dropped: their commune blocks this sender");
            envelope.rcpts.retain(|r| !blocks.rcpts.contains(r));
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
            && self
                .checked
                .as_ref()
                .is_some_and(|c| c.from_addresses == [from_address.clone()]);
        let groups = decide::recipient_groups(
            &self.config.tenants,
            &rules,
            &from_address,
            authenticated,
            &envelope.rcpts,
        );
        let applied: Vec<String> = groups.iter().flat_map(|g| g.exceptions.clone()).collect();
        let (mut verdict, per_tenant) = self.decide_groups(&report, &envelope, &groups);
        if let Verdict::Accept { deliveries, .. } = &mut verdict {
            // No backscatter: a DSN may go back only to a sender whose
            // domain passed SPF or DKIM.
            let allowed = self
                .checked
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
            } => self.ctx.store.accept(Incoming {
                id: self.queue_id,
                envelope: envelope.clone(),
                message: &self.message,
                report: &report,
                items: items.clone(),
                deliveries: deliveries.clone(),
            }),
        };
        Ok(Outcome::Decided(Decided {
            report,
            verdict,
            stored,
            envelope,
            size: self.message.len(),
            applied,
            per_tenant,
        }))
    }

    /// The block entries against this message. Every `From:` address
    /// counts for a block, not only the sole one. A service-wide block
    /// refuses the message when it covers one recipient. A commune's own
    /// blocks cover its own recipients only: the message is refused when
    /// every recipient is covered, else those recipients get nothing and
    /// the others get it (one commune neither refuses another's mail nor
    /// receives what it blocked because another commune was also named).
    fn blocks(&self, report: &Report, rules: &[SenderRule]) -> Blocks {
        let envelope = &self.envelope;
        let mut froms = self
            .checked
            .as_ref()
            .map(|c| c.from_addresses.clone())
            .unwrap_or_default();
        froms.extend(report.message.from_address.clone());
        let covers = |r: &SenderRule, rcpt: &str| {
            r.kind == RuleKind::Block
                && r.tenant.as_deref().is_none_or(|t| {
                    self.config
                        .tenants
                        .of_address(rcpt)
                        .is_some_and(|x| x.id == t)
                })
                && (r.applies(&envelope.mail_from, rcpt)
                    || froms.iter().any(|f| r.applies(f, rcpt)))
        };
        let service_block = envelope
            .rcpts
            .iter()
            .any(|rcpt| rules.iter().any(|r| r.tenant.is_none() && covers(r, rcpt)));
        let rcpts: Vec<String> = envelope
            .rcpts
            .iter()
            .filter(|rcpt| rules.iter().any(|r| covers(r, rcpt)))
            .cloned()
            .collect();
        let everyone_blocked = !envelope.rcpts.is_empty() && rcpts.len() == envelope.rcpts.len();
        Blocks {
            refused: service_block || everyone_blocked,
            rcpts,
        }
    }

    /// One verdict for the message from the verdicts of its groups of
    /// recipients, and per tenant what became of its recipients' copy.
    fn decide_groups(
        &self,
        report: &Report,
        envelope: &Envelope,
        groups: &[Group<'_>],
    ) -> (Verdict, Vec<(String, &'static str, usize)>) {
        let decide_group =
            |g: &Group<'_>, policy: &Policy| self.verdict_for(report, envelope, g, policy);
        let mut verdicts: Vec<Verdict> = groups.iter().map(|g| decide_group(g, g.policy)).collect();
        let rejects = verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Reject(_)))
            .count();
        if rejects > 0 && rejects < verdicts.len() {
            // One SMTP answer covers every recipient: a commune whose
            // stricter policy refuses what others accept gets it held
            // (malware is locked at reject: refused for all).
            for (v, g) in verdicts.iter_mut().zip(groups) {
                if matches!(v, Verdict::Reject(_)) {
                    *v = decide_group(g, &g.policy.holding_rejects());
                }
            }
        }
        let mut per_tenant: Vec<(String, &'static str, usize)> = Vec::new();
        if rejects == verdicts.len() {
            for g in groups {
                per_tenant.push((g.tenant.id.clone(), "rejected", g.rcpts.len()));
            }
            return (verdicts.swap_remove(0), per_tenant);
        }
        let mut all_items = Vec::new();
        let mut all_deliveries = Vec::new();
        let mut worst = "delivered";
        let rank = |o: &str| {
            ["delivered", "stripped", "held"]
                .iter()
                .position(|x| *x == o)
        };
        for (v, g) in verdicts.into_iter().zip(groups) {
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
        let verdict = Verdict::Accept {
            items: all_items,
            deliveries: all_deliveries,
            outcome: worst,
        };
        (verdict, per_tenant)
    }

    /// The verdict for one group of recipients under `policy`, on the one
    /// scan: the report weighed again when `policy` is not the engine's,
    /// without the categories the group's exceptions deliver.
    fn verdict_for(
        &self,
        report: &Report,
        envelope: &Envelope,
        g: &Group<'_>,
        policy: &Policy,
    ) -> Verdict {
        let env = Envelope {
            rcpts: g.rcpts.clone(),
            ..envelope.clone()
        };
        let part = Inbound {
            queue_id: self.queue_id,
            envelope: &env,
            raw: &self.message,
            received: self.received.clone(),
        };
        let notices = self.config.notices_for(g.tenant);
        let decided = |r: &Report| {
            decide::decide(
                r,
                policy,
                &part,
                &notices,
                g.tenant.retention_days,
                self.now,
                &g.tenant.id,
            )
        };
        let same = policy == self.engine.policy();
        match (same, g.categories.is_empty()) {
            (true, true) => decided(report),
            (true, false) => decided(&report.without_categories(&g.categories, policy)),
            (false, true) => decided(&report.weighed(policy)),
            (false, false) => decided(
                &report
                    .weighed(policy)
                    .without_categories(&g.categories, policy),
            ),
        }
    }
}

/// `ecluse_recipients_total{tenant, action}`: recipients per tenant and
/// what became of their copy (the label's values are configured tenant ids).
fn count_per_tenant(per_tenant: &[(String, &'static str, usize)]) {
    for (tenant, action, n) in per_tenant {
        metrics::counter!("ecluse_recipients_total", "tenant" => tenant.clone(), "action" => *action)
            .increment(*n as u64);
    }
}
