//! MAIL FROM.

use super::reply;
use super::session::Session;
use smtp_proto::MailFrom;

impl Session {
    pub(super) fn mail(&mut self, from: MailFrom<String>) {
        if self.helo.is_none() {
            self.reply(reply::bad_sequence("Send EHLO or HELO first"));
            return;
        }
        if self.mail_from.is_some() {
            self.reply(reply::bad_sequence("Nested MAIL command"));
            return;
        }
        // A new transaction goes by the configuration in force now.
        self.config = self.ctx.config();
        let max = self.config.smtp.max_message_size;
        if from.size > max {
            self.reply(reply::declared_too_big(max));
            return;
        }
        if !super::writable_address(&from.address) {
            let r = reply::bad_sender(&from.address);
            self.reply(r);
            return;
        }
        if !from.address.is_empty()
            && crate::smtp::message::sender_rules(&self.ctx, &self.config)
                .iter()
                .any(|r| {
                    r.kind == ecluse_quarantine::RuleKind::Block
                        && r.recipients.is_empty()
                        && r.tenant.is_none()
                        && r.applies(&from.address, "")
                })
        {
            metrics::counter!("ecluse_messages_total", "action" => "blocked").increment(1);
            tracing::info!(client = %self.peer.ip(), from = %from.address, "sender refused by a block entry");
            self.reply(reply::blocked_sender());
            return;
        }
        self.mail_from = Some(from.address);
        self.reply(reply::sender_ok());
    }
}
