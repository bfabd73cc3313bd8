//! `ecluse-quarantine`: where Écluse keeps what it accepted — the message
//! bytes, scan reports, held items and their lifecycle, the outbound queue,
//! and the audit log.
//!
//! Records and indexes live in sled 0.34.7; message bytes and reports live in
//! our own spool of segment files, because sled 0.34 does not fsync large
//! values. One process owns a data directory; every change is one sled
//! transaction, made durable by a group-commit round before the caller is
//! answered (the gateway says `250` only after [`Store::accept`] returns).
//!
//! # Layout
//!
//! - [`store`]: the [`Store`], its transactions and group commit, the
//!   outbound queue, reads of messages, reports and items.
//! - [`model`]: the records ([`MessageRecord`], [`HeldItem`], [`Delivery`] …)
//!   and their versioned encoding.
//! - [`sessions`]: the web UI's sign-ins, pending SAML requests and used
//!   assertion ids.
//! - [`spool`]: append-only segment files for message bytes.
//! - [`sync`]: group commit, one flush for many writers.
//! - [`lifecycle`]: request, release, deny, expire.
//! - [`audit`]: the hash-chained audit log.
//! - [`mail`]: the mail Écluse writes itself (notifications).
//! - [`error`]: the crate's [`Error`].

pub mod audit;
pub mod backend;
pub mod copy;
pub mod error;
pub mod lifecycle;
pub mod mail;
pub mod model;
#[path = "backend/pg.rs"]
pub mod pg;
pub mod recipients;
pub mod sender_rules;
pub mod sessions;
pub mod spool;
pub mod store;
pub mod sync;

pub use audit::{Actor, AuditAction, AuditCheck, AuditEntry, ChainCheck};
pub use backend::Backend;
pub use copy::CopyStats;
pub use error::{Error, Result};
pub use lifecycle::{Authority, Notifications, Purged};
pub use model::{
    Cut, DEFAULT_TENANT, Decision, Delivery, DeliveryId, Envelope, HeldItem, HeldPart, Incoming,
    ItemId, MessageRecord, Payload, Purpose, QueueId, ReleaseRequest, SERVICE_CHAIN, Status,
};
pub use pg::PgOptions;
pub use recipients::RecipientAnswer;
pub use sender_rules::{RuleKind, SenderRule};
pub use sessions::{AdminScope, SignIn, WebSession};
pub use store::{AttemptOutcome, Clock, ItemFilter, Store};
