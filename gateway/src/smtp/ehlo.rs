//! EHLO and HELO.

use super::reply;
use super::session::Session;
use smtp_proto::{
    EXT_8BIT_MIME, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EXT_SMTP_UTF8,
    EXT_START_TLS, EhloResponse,
};

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
        let mut ehlo = EhloResponse::new(smtp.hostname.as_str());
        ehlo.capabilities =
            EXT_SIZE | EXT_8BIT_MIME | EXT_PIPELINING | EXT_ENHANCED_STATUS_CODES | EXT_SMTP_UTF8;
        if self.ctx.tls().is_some() && !self.tls {
            ehlo.capabilities |= EXT_START_TLS;
        }
        ehlo.size = smtp.max_message_size;
        let mut out = Vec::new();
        ehlo.write(&mut out).expect("writing to a Vec");
        self.push_raw(&out);
    }
}
