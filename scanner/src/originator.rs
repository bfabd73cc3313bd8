//! The originator of a message: the one reading of `From:` that every
//! decision and every page uses.
//!
//! RFC 5322 §3.6.2 lets `From:` name several mailboxes (then `Sender:`
//! says who sent it) and §3.4 lets an entry be a group; mail readers show
//! the first entry, or a phrase. DMARC (RFC 7489 §6.6.1) and mail-auth only
//! see the entries that have an address. So a field such as
//! `From: =?utf-8?q?notaire=40notaire-exemple=2Efr?=, attacker@evil.example`
//! authenticates `evil.example` while a reader of the first entry sees the
//! notary. Écluse takes one rule for all: a message has a sender address
//! only when it has exactly one `From:` field holding exactly one mailbox
//! with an address ([`sole_from`]); anything else is "no single From", and
//! no exception, no "verified sender" and no exception button can follow
//! from it.

use mail_parser::{Addr, Address, HeaderName, Message, MessageParser};

/// What the `From:` field says: the text shown to people (every entry,
/// none left out) and the sole mailbox address, if there is exactly one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Originator {
    /// Every entry, `Name <a@b>` or `a@b` or a bare phrase, joined with
    /// `, `; groups as `name: entries;`. `None` without a `From:` field.
    pub text: Option<String>,
    /// The one address, lower case (Unicode) and without a root dot (RFC 1034 §3.1),
    /// when the message has exactly one `From:` field holding one mailbox
    /// with an address; `None` otherwise.
    pub address: Option<String>,
}

/// The sole `From:` mailbox address of a raw message (RFC 5322 bytes),
/// lower case, without a root dot; `None` when the message has no `From:`
/// field, several, a group, an entry without an address (a phrase, even one
/// that reads like an address), or more than one entry. Reads the header
/// only.
pub fn sole_from(raw: &[u8]) -> Option<String> {
    let message = MessageParser::new().parse_headers(raw)?;
    originator(&message).address
}

/// The originator of a parsed message.
pub(crate) fn originator(message: &Message<'_>) -> Originator {
    let Some(root) = message.parts.first() else {
        return Originator::default();
    };
    let fields: Vec<_> = root
        .headers
        .iter()
        .filter(|h| h.name == HeaderName::From)
        .collect();
    let mut entries = Vec::new();
    let mut mailboxes: Vec<Option<String>> = Vec::new();
    let mut grouped = false;
    for field in &fields {
        match field.value.as_address() {
            Some(Address::List(list)) => {
                for a in list {
                    entries.push(entry_text(a));
                    mailboxes.push(address_of(a));
                }
            }
            Some(Address::Group(groups)) => {
                grouped = true;
                for g in groups {
                    let members: Vec<String> = g.addresses.iter().map(entry_text).collect();
                    entries.push(format!(
                        "{}: {};",
                        g.name.as_deref().unwrap_or(""),
                        members.join(", ")
                    ));
                }
            }
            // A field mail-parser could not read as addresses: its text
            // still shows, and it is no mailbox.
            _ => {
                if let Some(t) = field.value.as_text() {
                    entries.push(t.to_string());
                }
                mailboxes.push(None);
            }
        }
    }
    let address = match (fields.len(), grouped, mailboxes.as_slice()) {
        (1, false, [Some(a)]) => Some(a.clone()),
        _ => None,
    };
    let entries: Vec<String> = entries.into_iter().filter(|e| !e.is_empty()).collect();
    Originator {
        text: (!fields.is_empty()).then(|| entries.join(", ")),
        address,
    }
}

fn entry_text(a: &Addr<'_>) -> String {
    match (a.name(), a.address()) {
        (Some(n), Some(addr)) => format!("{n} <{addr}>"),
        (None, Some(addr)) => addr.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

/// An entry's address, when it has one that is an addr-spec
/// (`local@domain`, RFC 5322 §3.4.1): lower case, without a root dot.
fn address_of(a: &Addr<'_>) -> Option<String> {
    let address = a.address()?.trim();
    let (local, domain) = address.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if local.is_empty()
        || domain.is_empty()
        || address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;".contains(c))
    {
        return None;
    }
    Some(format!("{local}@{domain}").to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(from_lines: &str) -> Originator {
        let raw = format!("{from_lines}To: a@ville.fr\r\nSubject: x\r\n\r\nbody\r\n");
        let m = MessageParser::default().parse(raw.as_bytes()).unwrap();
        originator(&m)
    }

    #[test]
    fn one_mailbox_is_the_sender() {
        let o = read("From: Étude <Etude@Notaire.fr.>\r\n");
        assert_eq!(o.address.as_deref(), Some("etude@notaire.fr"));
        assert_eq!(o.text.as_deref(), Some("Étude <Etude@Notaire.fr.>"));
        assert_eq!(
            read("From: etude@notaire.fr\r\n").address.as_deref(),
            Some("etude@notaire.fr")
        );
    }

    #[test]
    fn a_phrase_that_reads_like_an_address_is_never_the_sender() {
        for from in [
            "From: =?utf-8?q?notaire=40notaire-exemple=2Efr?=, attacker@evil.example\r\n",
            "From: \"notaire@notaire-exemple.fr\", attacker@evil.example\r\n",
            "From: attacker@evil.example, =?utf-8?q?notaire=40notaire-exemple=2Efr?=\r\n",
            "From: =?utf-8?q?notaire=40notaire-exemple=2Efr?=\r\n",
            "From: \"notaire@notaire-exemple.fr\"\r\n",
        ] {
            let o = read(from);
            assert_eq!(o.address, None, "{from}");
            // Every entry shows: nothing is hidden from the reader.
            let text = o.text.unwrap();
            assert!(
                text.contains("notaire@notaire-exemple.fr"),
                "{from}: {text}"
            );
        }
    }

    #[test]
    fn several_mailboxes_fields_or_a_group_are_no_single_from() {
        for from in [
            "From: a@un.fr, b@deux.fr\r\n",
            "From: a@un.fr\r\nFrom: b@deux.fr\r\n",
            "From: a@un.fr\r\nFrom: a@un.fr\r\n",
            "From: Mairie: maire@ville.fr;\r\n",
            "From: Mairie:;\r\n",
            "From: \r\n",
        ] {
            assert_eq!(read(from).address, None, "{from}");
        }
        assert_eq!(read("").text, None);
    }

    #[test]
    fn sole_from_reads_the_header_only() {
        assert_eq!(
            sole_from(b"From: <a@b.fr>\r\n\r\nFrom: c@d.fr\r\n").as_deref(),
            Some("a@b.fr")
        );
        assert_eq!(sole_from(b"Subject: none\r\n\r\n"), None);
    }
}
