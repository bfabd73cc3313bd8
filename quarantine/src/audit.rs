//! The audit log: append-only, each entry carrying the SHA-256 of the one
//! before it, so that an edited, removed or reordered entry breaks the chain
//! at that point and [`Store::audit_verify`](crate::Store::audit_verify)
//! names it.

use crate::model::{ItemId, QueueId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The gateway held an attachment or a message.
    Held,
    /// A recipient asked for release.
    Requested,
    /// An admin, or the recipient under self-release, released an item.
    Released,
    /// An admin refused release.
    Denied,
    /// An item passed its retention period.
    Expired,
    /// Message bytes were removed from the spool.
    Purged,
    /// Someone downloaded the held bytes.
    Downloaded,
    /// Someone read the held bytes or the scan report.
    Viewed,
    /// A person signed in to the web UI.
    Login,
    /// A sign-in was refused.
    LoginFailed,
    /// A person signed out.
    Logout,
    /// An admin added a sender exception or block entry.
    RuleAdded,
    /// An admin removed one.
    RuleRemoved,
}

impl AuditAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Held => "held",
            AuditAction::Requested => "requested",
            AuditAction::Released => "released",
            AuditAction::Denied => "denied",
            AuditAction::Expired => "expired",
            AuditAction::Purged => "purged",
            AuditAction::Downloaded => "downloaded",
            AuditAction::Viewed => "viewed",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::RuleAdded => "rule_added",
            AuditAction::RuleRemoved => "rule_removed",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A person's address or login, or `gateway`, `retention`, `cli`.
    pub who: String,
    /// An IP address, `cli@<host>`, or `internal`.
    pub origin: String,
    /// The tenant they act for, whose audit chain records what they do
    /// when it is not about one item (a sign-in, a rule); `None` for the
    /// service ([`SERVICE_CHAIN`](crate::model::SERVICE_CHAIN)).
    #[serde(default)]
    pub tenant: Option<String>,
}

impl Actor {
    /// Écluse itself (the gateway or a background job).
    pub fn system(who: &str) -> Actor {
        Actor {
            who: who.into(),
            origin: "internal".into(),
            tenant: None,
        }
    }

    /// The same actor, acting for `tenant`.
    pub fn in_tenant(mut self, tenant: impl Into<String>) -> Actor {
        self.tenant = Some(tenant.into());
        self
    }

    /// A person.
    pub fn person(who: impl Into<String>, origin: impl Into<String>) -> Actor {
        Actor {
            who: who.into(),
            origin: origin.into(),
            tenant: None,
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// From where.
    pub origin: String,
    /// What.
    pub action: AuditAction,
    /// The item concerned.
    #[serde(default)]
    pub item: Option<ItemId>,
    /// The message concerned.
    #[serde(default)]
    pub queue_id: Option<QueueId>,
    /// Specifics: a reason, a comment, a file name.
    pub detail: String,
    /// The hash of the previous entry.
    pub prev: String,
    /// The SHA-256 of this entry with this field empty.
    pub hash: String,
    /// The chain it belongs to: a tenant id, or
    /// [`SERVICE_CHAIN`](crate::model::SERVICE_CHAIN). Absent from entries
    /// written before tenants, which belong to
    /// [`DEFAULT_TENANT`](crate::model::DEFAULT_TENANT) (and whose hashes
    /// were computed without the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

impl AuditEntry {
    /// The chain it belongs to.
    pub fn chain(&self) -> &str {
        self.tenant
            .as_deref()
            .unwrap_or(crate::model::DEFAULT_TENANT)
    }

    /// The hash this entry should carry.
    pub fn compute_hash(&self) -> String {
        let mut unhashed = self.clone();
        unhashed.hash = String::new();
        let json = serde_json::to_vec(&unhashed).expect("audit entries serialise");
        hex(&Sha256::digest(&json))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The end of the chain: the last sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    /// The last entry's sequence number (0 when empty).
    pub seq: u64,
    /// The last entry's hash ([`GENESIS`] when empty).
    pub hash: String,
}

impl Default for AuditHead {
    fn default() -> Self {
        AuditHead {
            seq: 0,
            hash: GENESIS.into(),
        }
    }
}

/// The outcome of checking the chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    /// Entries checked.
    pub entries: u64,
    /// The first entry that breaks a chain, and how (the reason names
    /// the chain when there are several).
    pub broken: Option<(u64, String)>,
    /// Each chain checked: its name, entries, and the first break.
    #[serde(default)]
    pub chains: Vec<ChainCheck>,
}

/// The outcome of checking one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// The chain: a tenant id, or `_service`.
    pub chain: String,
    /// Entries checked.
    pub entries: u64,
    /// The first entry that breaks it (its sequence number), and how.
    pub broken: Option<(u64, String)>,
}
