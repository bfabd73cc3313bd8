//! Mail that Écluse writes itself (notices, notifications): RFC 2047
//! words, base64 bodies, dates, message ids, and the one function that
//! puts a message together.

use base64::Engine as _;
use jiff::Timestamp;

/// An RFC 2047 encoded word when `s` is not plain ASCII.
pub fn header_text(s: &str) -> String {
    let plain = s.chars().all(|c| c.is_ascii() && !c.is_ascii_control());
    if plain {
        return s.to_string();
    }
    // Encoded words are at most 75 characters: split on character boundaries.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars().filter(|c| !c.is_control()) {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Base64 in lines of 76 characters, CRLF-separated, no final CRLF.
pub fn base64_lines(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    b64.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An RFC 5322 date.
pub fn rfc5322_date(at: Timestamp) -> String {
    jiff::fmt::rfc2822::to_string(&at.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default()
}

/// A new `Message-ID` value (with angle brackets).
pub fn message_id(hostname: &str) -> String {
    format!(
        "<{}@{hostname}>",
        ulid::Ulid::new().to_string().to_ascii_lowercase()
    )
}

/// A whole message made by Écluse: headers, then a UTF-8 text body.
pub fn compose(
    hostname: &str,
    to: &str,
    subject: &str,
    body: &str,
    extra_headers: &str,
    now: Timestamp,
) -> Vec<u8> {
    format!(
        "From: =?UTF-8?B?w4ljbHVzZQ==?= <postmaster@{hostname}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: {id}\r\n\
         Auto-Submitted: auto-generated\r\n\
         {extra_headers}\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {body}\r\n",
        subject = header_text(subject),
        date = rfc5322_date(now),
        id = message_id(hostname),
        body = base64_lines(
            body.replace('\n', "\r\n")
                .replace("\r\r\n", "\r\n")
                .as_bytes()
        ),
    )
    .into_bytes()
}

/// Where notifications go and how they link back to the UI.
#[derive(Debug, Clone, Default)]
pub struct Notifications {
    /// Our host name (notifications come from `postmaster@<hostname>`).
    pub hostname: String,
    /// The web UI's address.
    pub public_url: String,
    /// Admins told of release requests (`[admin] notify`).
    pub admins: Vec<String>,
    /// Per tenant, those told of its items' requests (`[[tenant]] notify`);
    /// a tenant not listed uses `admins`.
    pub tenant_admins: std::collections::HashMap<String, Vec<String>>,
}

impl Notifications {
    /// Who is told of a request for an item of `tenant`.
    pub fn admins_for(&self, tenant: &str) -> &[String] {
        self.tenant_admins
            .get(tenant)
            .map(Vec::as_slice)
            .unwrap_or(&self.admins)
    }
}
