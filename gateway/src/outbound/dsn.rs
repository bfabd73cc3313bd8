//! Delivery status notifications (RFC 3464) for recipients the
//! downstream server refused for good, and the limit on how many go out
//! ([`DsnLimit`]). Whether one goes at all (no backscatter) is the
//! relay's call (`outbound/relay.rs`).

use crate::config::NoticeConfig;
use crate::notice;
use jiff::Timestamp;
use std::sync::Mutex;

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

/// The header block of a message (up to the blank line).
pub(super) fn header_block(msg: &[u8]) -> &[u8] {
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
    use super::*;
    use mail_parser::MimeHeaders;

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
