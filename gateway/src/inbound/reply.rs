//! Every SMTP reply Écluse sends, in one place: the code, the enhanced
//! status code (RFC 3463) and the text. `4xx` means "try again later" (the
//! sender keeps the message); `5xx` means "do not retry".

use std::fmt::Write;

/// One SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The enhanced status code, `x.y.z`, or empty for the greeting.
    pub status: &'static str,
    /// The text; lines after the first become a multi-line reply.
    pub text: String,
}

impl Reply {
    fn new(code: u16, status: &'static str, text: impl Into<String>) -> Reply {
        Reply {
            code,
            status,
            text: text.into(),
        }
    }

    /// Appends the wire form to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let lines: Vec<&str> = self.text.lines().collect();
        let lines = if lines.is_empty() { vec![""] } else { lines };
        let mut s = String::new();
        for (i, line) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            if self.status.is_empty() {
                let _ = write!(s, "{}{}{}\r\n", self.code, sep, line);
            } else {
                let _ = write!(s, "{}{}{} {}\r\n", self.code, sep, self.status, line);
            }
        }
        out.extend_from_slice(s.as_bytes());
    }

    /// Whether the code is a temporary or permanent failure.
    pub fn is_failure(&self) -> bool {
        self.code >= 400
    }
}

/// `220 <hostname> ESMTP Ecluse`: the greeting (RFC 5321 §4.2), plain
/// ASCII, the name first as §4.3.1 asks.
pub fn greeting(hostname: &str) -> Reply {
    Reply::new(220, "", format!("{hostname} ESMTP Ecluse"))
}
pub fn helo(hostname: &str, client: &str) -> Reply {
    Reply::new(250, "", format!("{hostname} greets {client}"))
}
/// The EHLO answer (RFC 5321 §4.1.1.1): `250-<hostname> greets <client>`,
/// then one extension per line — `SIZE <bytes>` (RFC 1870), `8BITMIME`
/// (RFC 6152), `PIPELINING` (RFC 2920), `ENHANCEDSTATUSCODES` (RFC 2034),
/// `SMTPUTF8` (RFC 6531), and `STARTTLS` (RFC 3207) when offered.
pub fn ehlo(hostname: &str, client: &str, max_size: usize, starttls: bool) -> Reply {
    let mut text = format!(
        "{hostname} greets {client}\nSIZE {max_size}\n8BITMIME\nPIPELINING\nENHANCEDSTATUSCODES\nSMTPUTF8"
    );
    if starttls {
        text.push_str("\nSTARTTLS");
    }
    Reply::new(250, "", text)
}
pub fn ok() -> Reply {
    Reply::new(250, "2.0.0", "OK")
}
pub fn sender_ok() -> Reply {
    Reply::new(250, "2.1.0", "Sender OK")
}
pub fn recipient_ok() -> Reply {
    Reply::new(250, "2.1.5", "Recipient OK")
}
pub fn start_data() -> Reply {
    Reply::new(354, "", "Send the message, end with <CRLF>.<CRLF>")
}
pub fn queued(queue_id: &str) -> Reply {
    Reply::new(250, "2.0.0", format!("{queue_id} Message accepted"))
}
pub fn bye(hostname: &str) -> Reply {
    Reply::new(221, "2.0.0", format!("{hostname} closing connection"))
}
pub fn reset() -> Reply {
    Reply::new(250, "2.0.0", "Reset OK")
}
pub fn vrfy() -> Reply {
    Reply::new(
        252,
        "2.5.0",
        "Cannot verify the user, but will accept the message and attempt delivery",
    )
}
pub fn help() -> Reply {
    Reply::new(
        214,
        "2.0.0",
        "Ecluse: commands EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS\nSee RFC 5321",
    )
}
pub fn ready_tls() -> Reply {
    Reply::new(220, "2.0.0", "Ready to start TLS")
}

// Temporary failures: the sender keeps the message and retries.
pub fn too_many_connections() -> Reply {
    Reply::new(421, "4.7.0", "Too many connections, try again later")
}
pub fn shutting_down(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.3.2",
        format!("{hostname} shutting down, try again later"),
    )
}
pub fn timeout(hostname: &str) -> Reply {
    Reply::new(
        421,
        "4.4.2",
        format!("{hostname} timeout, closing connection"),
    )
}
pub fn too_many_errors() -> Reply {
    Reply::new(421, "4.7.0", "Too many errors, closing connection")
}
pub fn scans_saturated() -> Reply {
    Reply::new(
        451,
        "4.3.2",
        "Too busy scanning other messages, try again later",
    )
}
pub fn store_failed() -> Reply {
    Reply::new(
        451,
        "4.3.0",
        "Cannot store the message right now, try again later",
    )
}
/// clamd could not answer and `[scanner.clamav] on_error = "tempfail"`.
pub fn antivirus_unavailable() -> Reply {
    Reply::new(
        451,
        "4.3.0",
        "The antivirus cannot be reached right now, try again later",
    )
}
pub fn scan_failed() -> Reply {
    Reply::new(
        451,
        "4.3.0",
        "Cannot analyse the message right now, try again later",
    )
}
pub fn too_many_recipients() -> Reply {
    Reply::new(452, "4.5.3", "Too many recipients")
}
pub fn tls_not_available() -> Reply {
    Reply::new(454, "4.7.0", "TLS not available")
}

// Permanent failures.
pub fn syntax(detail: &str) -> Reply {
    Reply::new(501, "5.5.4", format!("Syntax error: {detail}"))
}
pub fn unknown_command() -> Reply {
    Reply::new(500, "5.5.1", "Command not recognised")
}
pub fn line_too_long() -> Reply {
    Reply::new(500, "5.5.2", "Line too long")
}
pub fn not_implemented(what: &str) -> Reply {
    Reply::new(502, "5.5.1", format!("{what} not implemented"))
}
pub fn bad_sequence(detail: &str) -> Reply {
    Reply::new(503, "5.5.1", detail.to_string())
}
pub fn relay_denied(rcpt: &str) -> Reply {
    Reply::new(
        550,
        "5.7.1",
        format!("<{rcpt}>: relay access denied, this server only accepts mail for its own domains"),
    )
}
/// The client was told about too many unknown recipients lately
/// ([`crate::inbound::harvest`]): `450 4.7.1`, try again later.
pub fn harvest_deferred(rcpt: &str) -> Reply {
    Reply::new(
        450,
        "4.7.1",
        format!("<{rcpt}>: too many unknown recipients from your address; try again later"),
    )
}
/// The town's server (or the recipients list) does not know the address
/// (RFC 3463 5.1.1: bad destination mailbox address).
pub fn unknown_recipient(rcpt: &str, why: &str) -> Reply {
    Reply::new(
        550,
        "5.1.1",
        format!(
            "<{rcpt}>: unknown recipient, no such mailbox here ({})",
            printable(why)
        ),
    )
}
/// The address could not be verified now; the sender tries again later
/// (Postfix answers the same with `reject_unverified_recipient`). Why is
/// in the log only: it names the town's internal server.
pub fn unverified_recipient(rcpt: &str) -> Reply {
    Reply::new(
        450,
        "4.1.1",
        format!("<{rcpt}>: recipient cannot be verified now, try again later"),
    )
}
/// The town's server cannot be reached to verify a recipient: `451
/// 4.4.1` (RFC 3463 §3.5 "no answer from host"; RFC 5321 §4.2.5: the
/// sender retries). The server's address stays in the log.
pub fn verifier_unreachable(rcpt: &str) -> Reply {
    Reply::new(
        451,
        "4.4.1",
        format!(
            "<{}>: the recipient's mail server cannot be reached to verify this address, try again later",
            printable(rcpt)
        ),
    )
}
/// A sender address Écluse cannot pass on as one address.
pub fn bad_sender(from: &str) -> Reply {
    Reply::new(
        553,
        "5.1.7",
        format!("<{}>: not a valid sender address", printable(from)),
    )
}
/// `text` with control characters shown as `?`, for replies and logs.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
pub fn bad_recipient(rcpt: &str) -> Reply {
    Reply::new(
        553,
        "5.1.3",
        format!("<{}>: not a valid mailbox address", printable(rcpt)),
    )
}
pub fn no_recipients() -> Reply {
    Reply::new(554, "5.5.1", "No valid recipients")
}
pub fn message_too_big(max: usize) -> Reply {
    Reply::new(
        552,
        "5.3.4",
        format!("Message too big: the limit is {max} bytes"),
    )
}
pub fn declared_too_big(max: usize) -> Reply {
    Reply::new(
        552,
        "5.3.4",
        format!("Message size exceeds the limit of {max} bytes"),
    )
}
pub fn bare_line_ending() -> Reply {
    Reply::new(
        550,
        "5.5.2",
        "Message refused: bare <CR> or <LF> in message data (lines must end with <CRLF>)",
    )
}
pub fn data_line_too_long(max: usize) -> Reply {
    Reply::new(
        550,
        "5.5.2",
        format!("Message refused: a line longer than {max} bytes"),
    )
}
pub fn tls_required_first() -> Reply {
    Reply::new(503, "5.5.1", "STARTTLS already active")
}
/// The scanner found known malicious content.
pub fn rejected(category: &str, detail: &str) -> Reply {
    let detail: String = detail
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(200)
        .collect();
    Reply::new(
        550,
        "5.7.1",
        format!("Message refused: {category} ({detail})"),
    )
}

/// A block entry (`[[policy.block]]` or one an admin added) names the
/// sender: `550 5.7.1` (RFC 3463 §3.8, delivery not authorized).
pub fn blocked_sender() -> Reply {
    Reply::new(
        550,
        "5.7.1",
        "Sender refused by the recipient's policy (block list); contact the recipient by other means",
    )
}
