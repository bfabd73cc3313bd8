//! `Authentication-Results:` (RFC 8601): the field we write, and the
//! fields that claim to come from us.
//!
//! The field we write is checked well formed ([`well_formed`]); when what
//! mail-auth wrote carries sender text that would break it, ours is
//! rebuilt with results and domain names only ([`minimal_header`]).
//!
//! The town's server may trust the `Authentication-Results` fields that
//! carry Écluse's authserv-id (`[smtp] hostname`): that is how it learns
//! what Écluse found about the sender. A sender can write such a field
//! itself (« dkim=pass » for the préfecture's domain, say), so every
//! incoming field with our authserv-id is removed before anything else
//! reads the message, as RFC 8601 §5 requires of the border MTA; fields
//! of other authserv-ids are left as they are.

use ecluse_scanner::SenderAuth;

/// `message` without the fields of its header block (not of nested
/// messages) that are `Authentication-Results` with authserv-id `ours`
/// (compared without regard to case, comments skipped), and how many were
/// removed. Every other byte is kept, line ends included.
pub fn remove_forged(message: Vec<u8>, ours: &str) -> (Vec<u8>, usize) {
    let header_end = header_block_end(&message);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < header_end {
        let end = field_end(&message, at, header_end);
        if is_ours(&message[at..end], ours) {
            spans.push((at, end));
        }
        at = end;
    }
    if spans.is_empty() {
        return (message, 0);
    }
    let mut out = Vec::with_capacity(message.len());
    let mut from = 0;
    for &(start, end) in &spans {
        out.extend_from_slice(&message[from..start]);
        from = end;
    }
    out.extend_from_slice(&message[from..]);
    (out, spans.len())
}

/// Where the header block ends: the offset of the empty line that ends it
/// (CRLF CRLF or LF LF), or the end of the message.
fn header_block_end(message: &[u8]) -> usize {
    let mut at = 0;
    while at < message.len() {
        let line_end = memchr::memchr(b'\n', &message[at..]).map_or(message.len(), |i| at + i + 1);
        let line = &message[at..line_end];
        if line == b"\r\n" || line == b"\n" {
            return at;
        }
        at = line_end;
    }
    message.len()
}

/// The end of the field that starts at `start`: past its continuation
/// lines (those that start with a space or a tab, RFC 5322 §2.2.3).
fn field_end(message: &[u8], start: usize, limit: usize) -> usize {
    let mut at = start;
    loop {
        at = memchr::memchr(b'\n', &message[at..limit]).map_or(limit, |i| at + i + 1);
        if at >= limit || !matches!(message[at], b' ' | b'\t') {
            return at;
        }
    }
}

/// Whether the field is an `Authentication-Results` whose authserv-id is
/// `ours`.
fn is_ours(field: &[u8], ours: &str) -> bool {
    let Some(colon) = memchr::memchr(b':', field) else {
        return false;
    };
    if !field[..colon]
        .trim_ascii()
        .eq_ignore_ascii_case(b"Authentication-Results")
    {
        return false;
    }
    // The same host written with its root dot is the same id (RFC 1034 §3.1).
    let ours = ours.trim_end_matches('.').as_bytes();
    let same = |id: &[u8]| {
        let id = id.strip_suffix(b".").unwrap_or(id);
        id.eq_ignore_ascii_case(ours)
    };
    let value = &field[colon + 1..];
    // Our id anywhere before the first `;`, as a token of its own (in a
    // comment, a quoted-string, after a stray backslash): a reader that
    // parses comments differently from us could take it for the
    // authserv-id, so the field goes whatever our own parse says.
    // Any byte that cannot be in a token separates (a no-break space or
    // other non-ASCII white space that a lenient reader splits on).
    let head = &value[..memchr::memchr(b';', value).unwrap_or(value.len())];
    authserv_id(value).is_some_and(|id| same(&id))
        || head
            .split(|&b| b" \t\r\n()\"".contains(&b) || !b.is_ascii() || b.is_ascii_control())
            .map(|t| {
                t.iter()
                    .copied()
                    .filter(|&b| b != b'\\')
                    .collect::<Vec<u8>>()
            })
            .any(|t| same(&t))
}

/// The authserv-id of a field value: the first token after white space
/// and comments (`(…)`, nested), up to `;`, white space or a comment; or
/// the content of a quoted-string there, its quoted-pairs undone (RFC 8601
/// §2.2: the authserv-id is a `value`, a token or a quoted-string).
fn authserv_id(value: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    let mut depth = 0usize;
    while at < value.len() {
        match value[at] {
            // A quoted-pair in a comment (`\(`, `\)`) is a character, not
            // a parenthesis (RFC 5322 §3.2.2, which RFC 8601 §2.2 uses).
            b'\\' if depth > 0 => at += 1,
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if depth > 0 => {}
            _ => break,
        }
        at += 1;
    }
    if value.get(at) == Some(&b'"') {
        let mut id = Vec::new();
        at += 1;
        while at < value.len() && value[at] != b'"' {
            if value[at] == b'\\' {
                at += 1;
            }
            if let Some(&b) = value.get(at) {
                id.push(b);
            }
            at += 1;
        }
        return (!id.is_empty()).then_some(id);
    }
    let start = at;
    while at < value.len() && !matches!(value[at], b';' | b' ' | b'\t' | b'\r' | b'\n' | b'(') {
        at += 1;
    }
    (at > start).then(|| value[start..at].to_vec())
}

/// A `HELO` name as it may appear in a header: printable ASCII without
/// the characters that open or escape a comment or a quote; the rest `?`.
pub fn printable_name(name: &str) -> String {
    name.chars()
        .take(255)
        .map(|c| {
            if c.is_ascii_graphic() && !"()\\\";<>".contains(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The field is printable ASCII, its comments and quotes balanced, no
/// backslash (RFC 8601 §2.2, RFC 5322 §3.2.2).
pub(super) fn well_formed(header: &[u8]) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for &b in header {
        match b {
            b'\\' => return false,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            b'\r' | b'\n' | b'\t' => {}
            b if !(0x20..0x7f).contains(&b) => return false,
            _ => {}
        }
    }
    // An empty value (`header.from= `) is no value (RFC 8601 §2.2).
    let empty_value = header
        .windows(2)
        .any(|w| w[0] == b'=' && matches!(w[1], b' ' | b';' | b'\r'));
    depth == 0 && !quoted && !empty_value
}

/// The results without comments or sender-given text but domain names.
pub(super) fn minimal_header(authserv_id: &str, a: &SenderAuth) -> Vec<u8> {
    let mut h = format!("Authentication-Results: {authserv_id}");
    for d in &a.dkim {
        h.push_str(&format!(
            ";\r\n\tdkim={} header.d={}",
            d.result,
            printable_name(&d.domain)
        ));
    }
    h.push_str(&format!(
        ";\r\n\tspf={} smtp.mailfrom={}",
        a.spf,
        printable_name(&a.spf_domain)
    ));
    h.push_str(&format!(
        ";\r\n\tdmarc={} header.from={}\r\n",
        a.dmarc,
        if a.from_domain.is_empty() {
            "none".to_string()
        } else {
            printable_name(&a.from_domain)
        }
    ));
    h.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_fields_of_the_header_block_go() {
        let message = b"Received: from x\r\n\
Authentication-Results: MX.Ville-Exemple.fr;\r\n\tdkim=pass header.d=prefecture.gouv.fr\r\n\
Authentication-Results: (forged) mx.ville-exemple.fr; spf=pass\r\n\
Authentication-Results: mx.google.com; dkim=pass header.d=exemple.org\r\n\
Authentication-Results: mx.ville-exemple.fr.evil.example; spf=pass\r\n\
Authentication-Results: \"mx.ville-exemple.fr\"; dmarc=pass\r\n\
Authentication-Results: \"mx.ville\\-exemple.fr\" 1; dmarc=pass\r\n\
Authentication-Results: mx.ville-exemple.fr.; dmarc=pass\r\n\
Authentication-Results: (\\() mx.ville-exemple.fr; dmarc=pass\r\n\
Authentication-Results: (a \\) b) mx.ville-exemple.fr; dmarc=pass\r\n\
Authentication-Results: mx.google.com (mx.ville-exemple.fr); dmarc=pass\r\n\
Authentication-Results: \\mx.ville-exemple.fr; dmarc=pass\r\n\
Authentication-Results: mx.ville-exemple.fr\xc2\xa0; dmarc=pass\r\n\
Subject: Bonjour\r\n\
\r\n\
Authentication-Results: mx.ville-exemple.fr; spf=pass\r\n";
        let (out, removed) = remove_forged(message.to_vec(), "mx.ville-exemple.fr");
        assert_eq!(removed, 10);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "Received: from x\r\n\
Authentication-Results: mx.google.com; dkim=pass header.d=exemple.org\r\n\
Authentication-Results: mx.ville-exemple.fr.evil.example; spf=pass\r\n\
Subject: Bonjour\r\n\
\r\n\
Authentication-Results: mx.ville-exemple.fr; spf=pass\r\n"
        );
        let plain = b"Subject: x\r\n\r\nbody".to_vec();
        assert_eq!(
            remove_forged(plain.clone(), "mx.ville-exemple.fr"),
            (plain, 0)
        );
    }

    #[test]
    fn a_field_with_sender_text_that_breaks_it_is_not_well_formed() {
        assert!(well_formed(b"Authentication-Results: mx.a.fr;\r\n\tspf=fail (mx.a.fr: x) smtp.mailfrom=a@b.fr;\r\n\tdmarc=fail header.from=b.fr policy.dmarc=reject\r\n"));
        for bad in [
            &b"Authentication-Results: mx.a.fr; dkim=neutral header.s=sel(; spf=fail\r\n"[..],
            b"Authentication-Results: mx.a.fr; spf=none (x\\) smtp.mailfrom=<>\r\n",
            b"Authentication-Results: mx.a.fr; dkim=pass header.s=x\"\r\n",
            b"Authentication-Results: mx.a.fr; dmarc=none header.from= policy.dmarc=none\r\n",
            b"Authentication-Results: mx.a.fr; spf=pass (\xc3\xa9)\r\n",
        ] {
            assert!(!well_formed(bad), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            printable_name("x\\(evil);dmarc=pass"),
            "x??evil??dmarc=pass"
        );
    }
}
