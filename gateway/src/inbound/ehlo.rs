//! EHLO and HELO.

use super::reply;
use super::session::Session;

impl Session {
    pub(super) fn ehlo(&mut self, host: String, esmtp: bool) {
        let host: String = host
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(255)
            .collect();
        if host.is_empty() {
            self.reply(reply::syntax("EHLO needs a host name"));
            return;
        }
        // A new EHLO resets the transaction (RFC 5321 4.1.4).
        self.reset_transaction();
        self.config = self.ctx.config();
        self.helo = Some(host.clone());
        self.esmtp = esmtp;
        let smtp = &self.config.smtp;
        if !esmtp {
            let r = reply::helo(&smtp.hostname, &host);
            self.reply(r);
            return;
        }
        // Our own lines, not smtp-proto's ("… you had me at EHLO").
        let starttls = self.ctx.tls().is_some() && !self.tls;
        let r = reply::ehlo(&smtp.hostname, &host, smtp.max_message_size, starttls);
        self.reply(r);
    }
}
