//! Inbound: the SMTP server that receives the town's mail, and the checks
//! it makes before it answers.
//!
//! # Layout
//!
//! - `listener.rs`: [`run`] accepts connections (one permit each, `421
//!   4.7.0` beyond `max_connections` or `max_connections_per_ip`) until
//!   the shutdown signal; [`serve_connection`] runs one session and its
//!   TLS half.
//! - `context.rs`: what every session shares ([`Context`]).
//! - `session.rs`: the state machine over any `AsyncRead + AsyncWrite`
//!   and its read loop ([`Session`]).
//! - `ehlo.rs`, `mail.rs`, `rcpt.rs`: one command each (`mail.rs` also
//!   says which addresses may be written back into an envelope,
//!   [`writable_address`]).
//! - `data.rs`: strict end-of-data reading against SMTP smuggling
//!   ([`DataReader`]).
//! - `message.rs`: end of data, in named steps: forged fields removed,
//!   sender checks, a scan permit, the scan ([`crate::engines::scan`]),
//!   the blocks, [`crate::decide`] per group of recipients, the durable
//!   write, then the reply.
//! - `reply.rs`: every reply, with its status codes; the one place that
//!   turns an outcome (a rejection from `decide` included) into SMTP.
//! - `harvest.rs`: directory-harvest guarding at `RCPT`.
//! - `recipients.rs`: recipient verification at `RCPT` (callout or list).
//! - `provenance/`: the sender checks (SPF, DKIM, DMARC in `mod.rs`, the
//!   DNS cache in `dns.rs`, lookalike domains in `lookalike.rs`, domain
//!   helpers in `domain.rs`) and `Authentication-Results:` (`authres.rs`:
//!   the field we write, the forged ones we remove).
//! - `tests.rs`: the session over an in-memory stream, with hostile input.
//!
//! `mod.rs` only declares and re-exports: the files import each other,
//! never this face, so no two files import each other in a loop. Nothing
//! here imports `outbound/`: what was received is handed to the store,
//! and the relay takes it from there.

mod context;
mod data;
mod ehlo;
pub mod harvest;
mod listener;
mod mail;
mod message;
pub mod provenance;
mod rcpt;
pub mod recipients;
pub mod reply;
mod session;
#[cfg(test)]
mod tests;

pub use context::Context;
pub use data::{DataFault, DataReader};
pub use listener::{run, serve_connection};
pub use mail::writable_address;
pub use session::{Next, Session};
