//! `ecluse-quarantine`: where Écluse keeps what it accepted — the message
//! bytes, scan reports, held items and their lifecycle, the outbound queue,
//! and the audit log.
//!
//! Records and indexes live in numbered, ordered key–value trees, in one of
//! two backends ([`Backend`]): sled 0.34.7 in the data directory, owned by
//! one process, or PostgreSQL, shared by several nodes. With sled, message
//! bytes and reports live in our own spool of segment files, because sled
//! 0.34 does not fsync large values; with PostgreSQL, in the database, in
//! the transaction of the records. Every change is one transaction, durable
//! before the caller is answered (the gateway says `250` only after
//! [`Store::accept`] returns): with sled by a group-commit round, with
//! PostgreSQL by its commit.
//!
//! # Layout
//!
//! Each module imports only those listed below it, never one above (no
//! loop between files; `scripts/import-graph` checks it), and names the
//! module that defines what it uses (`crate::model::ItemId`), not the
//! re-exports at the end of this file, which are for other crates.
//!
//! - [`lifecycle`]: request, release, deny, expire; [`copy`]: `ecluse
//!   store copy`, a store into another backend; [`sessions`]: the web UI's
//!   sign-ins, pending SAML requests and used assertion ids;
//!   [`recipients`]: the cache of recipient verification;
//!   [`sender_rules`]: sender exceptions and blocks.
//! - [`store`]: the [`Store`] and its transactions (`store/mod.rs`), the
//!   trees and their keys (`trees`), accepting a message (`accept`), the
//!   outbound queue (`queue`), the audit chains and their check (`audit`).
//!   **`store/` never names a backend**: it asks the database what it does
//!   (`Db::shared`, its clock, its size), never
//!   which one it is.
//! - [`backend`]: the database, `Db` and `TxKv`, the one place that tells the backends apart
//!   (`mod.rs`), with sled's arms (`sled.rs`), PostgreSQL's (`pg.rs`), and
//!   the words they share (`kv.rs`). **A backend imports only neutral
//!   types** (`kv`, [`error`]), never the store: the store hands it the
//!   trees' names.
//! - [`spool`]: append-only segment files for message bytes; [`sync`]:
//!   group commit, one flush for many writers.
//! - `codec`: the versioned encoding of every record.
//! - [`error`]: the crate's [`Error`], one for both backends (a failing
//!   database is [`Error::Database`], whichever it is), and the
//!   transaction's `TxError`, inside the crate only.
//! - [`audit`]: the audit log's entries and their hash chain; [`mail`]: the
//!   mail Écluse writes itself and where notifications go; [`model`]: the
//!   records ([`MessageRecord`], [`HeldItem`], [`Delivery`] …) and where
//!   their bytes are ([`SpoolRef`](model::SpoolRef)).

pub mod audit;
pub mod backend;
mod codec;
pub mod copy;
pub mod error;
pub mod lifecycle;
pub mod mail;
pub mod model;
pub mod recipients;
pub mod sender_rules;
pub mod sessions;
pub mod spool;
pub mod store;
pub mod sync;

pub use audit::{Actor, AuditAction, AuditCheck, AuditEntry, ChainCheck};
pub use backend::Backend;
pub use backend::pg::PgOptions;
pub use copy::CopyStats;
pub use error::{Error, Result};
pub use lifecycle::{Authority, Purged};
pub use mail::Notifications;
pub use model::{
    Cut, DEFAULT_TENANT, Decision, Delivery, DeliveryId, Envelope, HeldItem, HeldPart, Incoming,
    ItemId, MessageRecord, Payload, Purpose, QueueId, ReleaseRequest, SERVICE_CHAIN, Status,
};
pub use recipients::RecipientAnswer;
pub use sender_rules::{RuleKind, SenderRule};
pub use sessions::{AdminScope, IdpSession, SignIn, WebSession};
pub use store::queue::AttemptOutcome;
pub use store::{Clock, ItemFilter, Store};
