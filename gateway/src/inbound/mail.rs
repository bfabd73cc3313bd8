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
        if !writable_address(&from.address) {
            let r = reply::bad_sender(&from.address);
            self.reply(r);
            return;
        }
        if !from.address.is_empty()
            && self.ctx.sender_rules(&self.config).iter().any(|r| {
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

/// Whether an address (as smtp-proto gives it, quotes of a quoted local
/// part removed) can be written back into `MAIL FROM:<…>` or `RCPT
/// TO:<…>` towards the town's server as one address and nothing else.
/// An address with `<`, `>`, `"`, `\`, white space or a control
/// character would, unquoted, close the path early and add parameters or
/// another address (`"victim@example.net> ORCPT=…"@ville-exemple.fr`
/// was relayed to victim@example.net): such addresses are refused.
/// Quoted local parts with those characters are legal (RFC 5321 §4.1.2)
/// but no real mailbox of a town uses them.
pub fn writable_address(address: &str) -> bool {
    !address
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\\'))
}
