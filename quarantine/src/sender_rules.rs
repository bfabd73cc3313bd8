//! Sender exceptions and block entries: per sender address or domain, per
//! recipient, per category. Those of the configuration (`[[policy.exception]]`,
//! `[[policy.block]]`) are read at start; those an admin adds from an item
//! page live in the store's `sender_rules` tree, each addition and removal
//! audited in the same transaction.
//!
//! - An **exception** (`allow`) delivers what its categories would hold, for
//!   its recipients, when the `From:` address matches **and** the sender
//!   is authenticated (SPF or DKIM aligned with the `From:` domain): a
//!   forged sender gets no exception. The address is the message's one
//!   `From:` mailbox (`MessageInfo::from_address`); a message with no
//!   single From gets none. Never for `malware`.
//! - A **block** refuses the message at SMTP time (`550 5.7.1`) when the
//!   envelope sender or the `From:` address matches, authenticated or not.

use crate::audit::{Actor, AuditAction};
use crate::codec;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::trees::SENDER_RULES;
use ecluse_scanner::Category;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Deliver what its categories would hold (an exception).
    Allow,
    /// Refuse the message at SMTP time.
    Block,
}

/// One exception or block entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderRule {
    /// Its id: a ULID for the store's, `config-N` for the configuration's.
    pub id: String,
    /// Allow or block.
    pub kind: RuleKind,
    /// `name@domain` or `@domain` (the domain and its subdomains), lower case.
    pub sender: String,
    /// Recipient addresses or `@domain`, lower case; empty for every recipient.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// For an exception, the categories it delivers (never `malware`).
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Why, in the admin's words.
    #[serde(default)]
    pub comment: String,
    /// Who added it (`configuration` for the file's).
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// The tenant whose recipients it covers (a commune admin's rule);
    /// `None` for every tenant (the configuration's, a service admin's).
    #[serde(default)]
    pub tenant: Option<String>,
}

/// `address` is `pattern` (`name@domain`), or in the domain of `@domain`
/// or one of its subdomains; both compared in lower case.
pub fn address_matches(pattern: &str, address: &str) -> bool {
    // `a@domain.` is `a@domain` (the root dot, RFC 1034 §3.1)
    let address = address.to_ascii_lowercase();
    let address = address.trim_end_matches('.');
    match pattern.strip_prefix('@') {
        Some(domain) => address.rsplit_once('@').is_some_and(|(_, d)| {
            d == domain
                || d.strip_suffix(domain)
                    .is_some_and(|rest| rest.ends_with('.'))
        }),
        None => address == pattern,
    }
}

impl SenderRule {
    /// Checks the shape: a sender pattern, recipient patterns, and for an
    /// exception at least one category and no `malware`.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let pattern_ok = |p: &str| {
            let (local, domain) = p.rsplit_once('@').unwrap_or(("", ""));
            !domain.is_empty()
                && domain.contains('.')
                && !p
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "<>\"\\,;".contains(c))
                && (local.is_empty() == p.starts_with('@'))
        };
        if !pattern_ok(&self.sender) {
            return Err(format!(
                "sender `{}` must be an address (name@domain) or a domain written @domain",
                self.sender
            ));
        }
        if let Some(r) = self.recipients.iter().find(|r| !pattern_ok(r)) {
            return Err(format!(
                "recipient `{r}` must be an address (name@domain) or a domain written @domain"
            ));
        }
        if self.kind == RuleKind::Allow {
            if self.categories.is_empty() {
                return Err(
                    "an exception names the categories it delivers (categories = [...])".into(),
                );
            }
            if self.categories.contains(&Category::Malware) {
                return Err("no exception can deliver malware".into());
            }
        }
        Ok(())
    }

    /// Whether it applies to a message from `sender` (an address) for `recipient`.
    pub fn applies(&self, sender: &str, recipient: &str) -> bool {
        address_matches(&self.sender, sender)
            && (self.recipients.is_empty()
                || self
                    .recipients
                    .iter()
                    .any(|r| address_matches(r, recipient)))
    }
}

impl Store {
    /// The rules admins added, oldest first.
    pub fn sender_rules(&self) -> Result<Vec<SenderRule>> {
        let mut out = Vec::new();
        for (_, v) in self.db().all(SENDER_RULES, false)? {
            out.push(codec::decode::<SenderRule>("sender_rules", &v)?);
        }
        Ok(out)
    }

    /// Adds `rule` (validated), audited as `rule_added` by `actor`.
    pub fn add_sender_rule(&self, actor: &Actor, rule: &SenderRule) -> Result<()> {
        rule.validate().map_err(Error::Invalid)?;
        let detail = describe(rule);
        self.write(|tx| {
            tx.put(SENDER_RULES, rule.id.as_bytes(), rule)?;
            match &rule.tenant {
                Some(t) => {
                    tx.audit_in(t, actor, AuditAction::RuleAdded, None, None, detail.clone())
                }
                None => tx.audit(actor, AuditAction::RuleAdded, None, None, detail.clone()),
            }
        })
    }

    /// Removes the rule `id`, audited as `rule_removed`; false when there is none.
    pub fn remove_sender_rule(&self, actor: &Actor, id: &str) -> Result<bool> {
        let Some(v) = self.db().get(SENDER_RULES, id.as_bytes())? else {
            return Ok(false);
        };
        let rule: SenderRule = codec::decode("sender_rules", &v)?;
        let detail = describe(&rule);
        self.write(|tx| {
            tx.remove_raw(SENDER_RULES, id.as_bytes())?;
            match &rule.tenant {
                Some(t) => tx.audit_in(
                    t,
                    actor,
                    AuditAction::RuleRemoved,
                    None,
                    None,
                    detail.clone(),
                ),
                None => tx.audit(actor, AuditAction::RuleRemoved, None, None, detail.clone()),
            }
        })?;
        Ok(true)
    }
}

/// A rule in one line, for the audit log.
pub fn describe(rule: &SenderRule) -> String {
    let to = if rule.recipients.is_empty() {
        "every recipient".to_string()
    } else {
        rule.recipients.join(", ")
    };
    match rule.kind {
        RuleKind::Allow => {
            let cats: Vec<&str> = rule.categories.iter().map(|c| c.as_str()).collect();
            format!(
                "exception {}: deliver {} from {} (authenticated) to {to}{}",
                rule.id,
                cats.join(", "),
                rule.sender,
                if rule.comment.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", rule.comment)
                }
            )
        }
        RuleKind::Block => format!(
            "block {}: refuse mail from {} to {to}{}",
            rule.id,
            rule.sender,
            if rule.comment.is_empty() {
                String::new()
            } else {
                format!(" — {}", rule.comment)
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_addresses_and_subdomains() {
        assert!(address_matches("@notaire.fr", "etude@notaire.fr"));
        assert!(address_matches("@notaire.fr", "Etude@Mail.Notaire.FR"));
        assert!(!address_matches("@notaire.fr", "x@faux-notaire.fr"));
        assert!(!address_matches("@notaire.fr", "x@notaire.fr.evil.com"));
        assert!(address_matches("etude@notaire.fr", "ETUDE@notaire.fr"));
        assert!(address_matches("@notaire.fr", "x@notaire.fr."));
        assert!(address_matches("etude@notaire.fr", "etude@notaire.fr."));
        assert!(!address_matches("etude@notaire.fr", "autre@notaire.fr"));
    }

    #[test]
    fn an_exception_never_delivers_malware() {
        let mut r = SenderRule {
            id: "x".into(),
            kind: RuleKind::Allow,
            sender: "@notaire.fr".into(),
            recipients: vec!["compta@ville-exemple.fr".into()],
            categories: vec![Category::EncryptedArchive],
            comment: String::new(),
            created_by: "t".into(),
            created_at: Timestamp::UNIX_EPOCH,
            tenant: None,
        };
        assert_eq!(r.validate(), Ok(()));
        assert!(r.applies("etude@notaire.fr", "compta@ville-exemple.fr"));
        assert!(!r.applies("etude@notaire.fr", "agent@ville-exemple.fr"));
        r.categories.push(Category::Malware);
        assert!(r.validate().is_err());
        r.categories.clear();
        assert!(r.validate().is_err());
        r.categories.push(Category::Macro);
        r.sender = "notaire.fr".into();
        assert!(r.validate().is_err(), "a bare domain is ambiguous: @domain");
    }
}
