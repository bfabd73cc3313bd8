//! The records the store keeps: messages, held items, deliveries, and
//! where their bytes are ([`SpoolRef`]). [`codec`](crate::codec) writes
//! them into the trees.

use ecluse_scanner::{Action, Category, MessageInfo};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The tenant of a configuration without `[[tenant]]` blocks, and of every
/// record written before tenants existed (they carry no tenant field).
pub const DEFAULT_TENANT: &str = "default";

/// The audit chain of service-level actions (service admins' sign-ins,
/// their changes not about one commune). Tenant ids cannot start with `_`.
pub const SERVICE_CHAIN: &str = "_service";

pub(crate) fn default_tenant() -> String {
    DEFAULT_TENANT.to_string()
}

/// Where a blob of bytes (a message, a report) sits: in a segment of the
/// spool, or, in segment 0, in the tree `blobs` under the key `offset`
/// (see the store's `DB_SEGMENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpoolRef {
    /// Segment number.
    pub segment: u64,
    /// Byte offset in the segment.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// CRC-32 of the bytes, checked on every read.
    pub crc: u32,
}

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub struct $name(pub ulid::Ulid);

        impl $name {
            /// A new id: time-ordered, with 80 random bits.
            pub fn new() -> Self {
                $name(ulid::Ulid::new())
            }

            /// The sled key: 16 bytes that sort by creation time.
            pub fn key(&self) -> [u8; 16] {
                self.0.to_bytes()
            }

            #[allow(dead_code)]
            pub(crate) fn from_key(key: &[u8]) -> Option<Self> {
                <[u8; 16]>::try_from(key).ok().map(|b| $name(ulid::Ulid::from_bytes(b)))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                ulid::Ulid::from_string(s.trim())
                    .map($name)
                    .map_err(|e| format!("`{s}` is not an Écluse id: {e}"))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                s.parse()
            }
        }
    };
}

ulid_id! {
    /// The queue id of an accepted message, given in the `250` reply.
    QueueId
}
ulid_id! {
    /// A held item: one held attachment (or whole message) for one recipient.
    ItemId
}
ulid_id! {
    /// One entry of the outbound queue.
    DeliveryId
}

/// The SMTP envelope and connection facts of an accepted message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The client's IP address.
    pub client_ip: String,
    /// The name the client gave in EHLO/HELO.
    pub helo: String,
    /// `MAIL FROM` (empty for the null sender).
    pub mail_from: String,
    /// Every accepted `RCPT TO`.
    pub rcpts: Vec<String>,
    /// When the message was accepted.
    pub received_at: Timestamp,
    /// Whether the session was under TLS.
    #[serde(default)]
    pub tls: bool,
}

/// An accepted message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// Its queue id.
    pub id: QueueId,
    /// Who sent it to whom.
    pub envelope: Envelope,
    /// Size of the message as received.
    pub size: u64,
    /// The message bytes; `None` once purged.
    pub bytes: Option<SpoolRef>,
    /// The scan report (JSON) in the spool; `None` once purged.
    pub report: Option<SpoolRef>,
    /// What the scanner decided for the message as a whole.
    pub action: Action,
    /// Every category found.
    pub categories: Vec<Category>,
    /// Headers, for lists and notices.
    pub info: MessageInfo,
    /// Deliveries and held items that still need the bytes.
    pub refs: u32,
}

/// Where a held item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Held, nobody asked for it yet.
    Held,
    /// The recipient asked for it; an admin has to decide.
    Requested,
    /// Released: the original message went (or is going) to the recipient.
    Released,
    /// An admin refused to release it.
    Denied,
    /// Kept past the retention period; its bytes are gone.
    Expired,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] = [
        Status::Held,
        Status::Requested,
        Status::Released,
        Status::Denied,
        Status::Expired,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Requested => "requested",
            Status::Released => "released",
            Status::Denied => "denied",
            Status::Expired => "expired",
        }
    }

    /// In French, for notices and the UI.
    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Held => "retenue",
            Status::Requested => "demande en attente",
            Status::Released => "libérée",
            Status::Denied => "refusée",
            Status::Expired => "expirée",
        }
    }

    /// Whether a decision can still be taken.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Held | Status::Requested)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!("unknown status `{s}` (held, requested, released, denied, expired)")
            })
    }
}

/// The attachment an item holds; `None` on [`HeldItem::part`] means the
/// whole message is held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldPart {
    /// The scanner's part path (`2`, `1.3`).
    pub path: String,
    /// The file name as the agent saw it.
    pub filename: Option<String>,
    /// The real type.
    pub detected_type: String,
    /// Decoded size.
    pub size: u64,
    /// SHA-256 of the decoded bytes.
    pub sha256: String,
}

impl HeldItem {
    /// What is held, in French, the one way every surface names it (lists,
    /// notices, mails to admins, the CLI, the audit log): the attachment's
    /// file name as the sender wrote it; `partie 2 sans nom (text/plain)`
    /// for a part that has none (its scanner path and real type); `le
    /// message entier` for a message held whole.
    pub fn name_fr(&self) -> String {
        match &self.part {
            Some(HeldPart { filename: Some(f), .. }) => f.clone(),
            Some(p) => format!("partie {} sans nom ({})", p.path, p.detected_type),
            None => "le message entier".into(),
        }
    }

    /// The same in English: the file name, `unnamed part 2 (text/plain)`,
    /// `whole message`. This form is the one the audit log stores (the UI
    /// translates it back, see `ecluse_admin_ui`'s audit words).
    pub fn name_en(&self) -> String {
        match &self.part {
            Some(HeldPart { filename: Some(f), .. }) => f.clone(),
            Some(p) => format!("unnamed part {} ({})", p.path, p.detected_type),
            None => "whole message".into(),
        }
    }

    /// For text that carries both languages on one line: the file name
    /// once, or `partie 2 sans nom (text/plain) / unnamed part 2 (text/plain)`.
    pub fn name_both(&self) -> String {
        let (fr, en) = (self.name_fr(), self.name_en());
        if fr == en { fr } else { format!("{fr} / {en}") }
    }
}

/// A recipient's request for release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseRequest {
    /// Who asked.
    pub by: String,
    /// Why they need it.
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// An admin's (or a self-releasing recipient's) decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Who decided.
    pub by: String,
    /// Released or denied.
    pub outcome: Status,
    /// The comment given.
    pub comment: String,
    /// When.
    pub at: Timestamp,
}

/// One held attachment, or one whole held message, for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldItem {
    /// Its id, in the notice link `/q/<id>`.
    pub id: ItemId,
    /// The message it came in.
    pub queue_id: QueueId,
    /// The recipient it was held for.
    pub recipient: String,
    /// The held attachment; `None` when the whole message is held.
    pub part: Option<HeldPart>,
    /// The category that decided the hold.
    pub category: Category,
    /// Every category of the held part (or message).
    pub categories: Vec<Category>,
    /// The scanner's findings, in English, for admins.
    pub reasons: Vec<String>,
    /// Whether the recipient may release it alone (policy `self_release`).
    pub self_release: bool,
    /// Where it is in its life.
    pub status: Status,
    /// When it was held.
    pub created_at: Timestamp,
    /// When it expires if nobody decides.
    pub expires_at: Timestamp,
    /// The recipient's request, if any.
    #[serde(default)]
    pub request: Option<ReleaseRequest>,
    /// The decision, if any.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// Sender and subject of the message, for lists.
    pub info: MessageInfo,
    /// The envelope sender.
    pub mail_from: String,
    /// Whether its retention ended and its hold on the bytes was dropped.
    #[serde(default)]
    pub purged: bool,
    /// The tenant (commune) it belongs to: the one of its recipient's
    /// domain; [`DEFAULT_TENANT`] for items written before tenants.
    #[serde(default = "default_tenant")]
    pub tenant: String,
}

/// A splice of the original bytes: `[start, end)` replaced by `with`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cut {
    /// First byte replaced.
    pub start: u64,
    /// One past the last byte replaced.
    pub end: u64,
    /// The bytes put in their place.
    pub with: Vec<u8>,
}

/// What a delivery sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// The stored message, with `prepend` before it (a `Received:` or
    /// `X-Ecluse-Released:` header) and the cuts applied (held parts
    /// replaced by notices); everything else byte for byte.
    Stored {
        /// The message.
        queue_id: QueueId,
        /// Header lines put before the message.
        prepend: Vec<u8>,
        /// Replacements, in increasing order, not overlapping.
        cuts: Vec<Cut>,
    },
    /// A message made by Écluse itself (notice, notification, DSN).
    Inline {
        /// The whole message.
        bytes: Vec<u8>,
    },
}

/// Why a delivery exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// An inbound message (clean, or with held parts replaced by notices).
    Inbound,
    /// The notice that replaces a message held whole.
    Notice,
    /// A released item.
    Release {
        /// The item.
        item: ItemId,
    },
    /// A mail to admins or to an agent about a request or decision.
    Notification,
    /// A delivery status notification to a sender.
    Dsn,
}

/// A delivery to make (or being retried) to the downstream server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// Why it exists.
    pub purpose: Purpose,
    /// `MAIL FROM` (empty for notices and DSNs: the null sender).
    pub mail_from: String,
    /// Recipients still to deliver to.
    pub rcpts: Vec<String>,
    /// What to send.
    pub payload: Payload,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Attempts made.
    pub attempts: u32,
    /// When to try next.
    pub next_attempt: Timestamp,
    /// The last temporary failure.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Whether a delivery status notification may go back to `mail_from`
    /// when a recipient fails for good: only when its domain passed SPF or
    /// DKIM on receipt, so that a forged sender is never sent backscatter.
    #[serde(default)]
    pub dsn_allowed: bool,
    /// The tenant it is made for, when it is one's: the relay sends
    /// recipients outside every tenant's domains (a DSN, a notification to
    /// a service address) through this tenant's downstream server.
    #[serde(default)]
    pub tenant: Option<String>,
    /// The fencing token of the claim a relay holds on it while it sends
    /// ([`Store::claim_due`](crate::Store::claim_due)); `None` while it
    /// waits. A result written under another token is dropped: the claim
    /// expired and another node took it over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<u64>,
}

impl Delivery {
    /// A delivery due now.
    pub fn new(
        purpose: Purpose,
        mail_from: String,
        rcpts: Vec<String>,
        payload: Payload,
        now: Timestamp,
    ) -> Delivery {
        Delivery {
            id: DeliveryId::new(),
            purpose,
            mail_from,
            rcpts,
            payload,
            created_at: now,
            attempts: 0,
            next_attempt: now,
            last_error: None,
            dsn_allowed: false,
            tenant: None,
            lease: None,
        }
    }

    /// The same delivery, made for `tenant`.
    pub fn for_tenant(mut self, tenant: &str) -> Delivery {
        self.tenant = Some(tenant.to_string());
        self
    }

    /// The stored message it sends, if any.
    pub fn queue_id(&self) -> Option<QueueId> {
        match &self.payload {
            Payload::Stored { queue_id, .. } => Some(*queue_id),
            Payload::Inline { .. } => None,
        }
    }
}

/// The whole of an accepted message, written in one durable step.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// Its queue id (chosen by the caller, so notices can name items first).
    pub id: QueueId,
    /// The envelope.
    pub envelope: Envelope,
    /// The raw message.
    pub message: &'a [u8],
    /// The scan report.
    pub report: &'a ecluse_scanner::Report,
    /// Held items, one per held part (or whole message) per recipient.
    pub items: Vec<HeldItem>,
    /// Outbound deliveries.
    pub deliveries: Vec<Delivery>,
}
