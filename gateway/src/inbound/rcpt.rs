//! RCPT TO: only our own domains (no open relay), at most `max_recipients`,
//! and only addresses that exist when `[smtp] verify_recipients` is on
//! ([`super::recipients`]). `postmaster` is always accepted (RFC 5321 §4.5.1).

use super::mail::writable_address;
use super::recipients::RcptAnswer;
use super::reply;
use super::session::Session;
use smtp_proto::RcptTo;

impl Session {
    pub(super) async fn rcpt(&mut self, to: RcptTo<String>) {
        if self.mail_from.is_none() {
            self.reply(reply::bad_sequence("Send MAIL FROM first"));
            return;
        }
        let smtp = &self.config.smtp;
        let mut address = to.address.trim().to_string();
        // <postmaster> without a domain must be accepted (RFC 5321 4.5.1);
        // smtp-proto gives it as an empty address.
        if address.is_empty() || address.eq_ignore_ascii_case("postmaster") {
            address = format!("postmaster@{}", smtp.accepted_domains[0]);
        }
        if !writable_address(&address) {
            let r = reply::bad_recipient(&address);
            self.reply(r);
            return;
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            let r = reply::bad_recipient(&address);
            self.reply(r);
            return;
        };
        if local.is_empty() || domain.is_empty() {
            let r = reply::bad_recipient(&address);
            self.reply(r);
            return;
        }
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if !smtp.accepted_domains.contains(&domain) {
            metrics::counter!("ecluse_smtp_relay_denied_total").increment(1);
            let r = reply::relay_denied(&address);
            self.reply(r);
            return;
        }
        if self.rcpts.len() >= smtp.max_recipients {
            self.reply(reply::too_many_recipients());
            return;
        }
        let address = format!("{local}@{domain}");
        // A block of this recipient's commune (or for this recipient)
        // naming the envelope sender: refused for this recipient alone.
        let mail_from = self.mail_from.clone().unwrap_or_default();
        if !mail_from.is_empty() {
            let tenant = self
                .config
                .tenants
                .of_address(&address)
                .map(|t| t.id.clone());
            let blocked = self.ctx.sender_rules(&self.config).iter().any(|r| {
                r.kind == ecluse_quarantine::RuleKind::Block
                    && r.tenant.as_ref().is_none_or(|t| Some(t) == tenant.as_ref())
                    && r.applies(&mail_from, &address)
            });
            if blocked {
                metrics::counter!("ecluse_recipients_blocked_total").increment(1);
                tracing::info!(client = %self.peer.ip(), from = %mail_from, rcpt = %address, "RCPT refused: the recipient's commune blocks this sender");
                self.reply(reply::blocked_sender());
                return;
            }
        }
        if !local.eq_ignore_ascii_case("postmaster") {
            let client = self.peer.ip();
            let verifying = !matches!(smtp.verify_recipients, crate::config::VerifyRecipients::Off);
            if verifying && self.ctx.harvest.exhausted(client) {
                // This client was told about enough unknown addresses:
                // nothing more to learn here for a while (directory harvest).
                metrics::counter!("ecluse_smtp_harvest_deferred_total").increment(1);
                tracing::info!(client = %client, rcpt = %address, "RCPT deferred: too many unknown recipients from this client");
                self.reply(reply::harvest_deferred(&address));
                return;
            }
            match self.ctx.recipients().verify(&address).await {
                RcptAnswer::Exists => {}
                RcptAnswer::Unknown(why) => {
                    tracing::info!(rcpt = %address, %why, "RCPT refused: unknown recipient");
                    self.ctx.harvest.unknown(client);
                    self.unknown_rcpts += 1;
                    if self.unknown_rcpts >= super::harvest::SLOW_AFTER {
                        // Tarpit: each further unknown answer costs time.
                        tokio::time::sleep(super::harvest::ERROR_SLEEP).await;
                    }
                    self.reply(reply::unknown_recipient(&address, &why));
                    return;
                }
                RcptAnswer::Unavailable(why) => {
                    tracing::warn!(rcpt = %address, %why, "RCPT deferred: recipient cannot be verified");
                    self.reply(reply::unverified_recipient(&address));
                    return;
                }
                RcptAnswer::Unreachable(why) => {
                    tracing::warn!(rcpt = %address, %why, "RCPT deferred: the town's server cannot be reached to verify the recipient");
                    self.reply(reply::verifier_unreachable(&address));
                    return;
                }
            }
        }
        if !self.rcpts.iter().any(|r| r.eq_ignore_ascii_case(&address)) {
            self.rcpts.push(address);
        }
        self.reply(reply::recipient_ok());
    }
}
