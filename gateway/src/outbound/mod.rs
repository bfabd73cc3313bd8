//! Outbound: what leaves Écluse for the downstream servers.
//!
//! - `relay.rs`: the queue worker ([`Relay`]): claims due deliveries,
//!   routes each recipient to its tenant's server ([`Routes`]), records
//!   the results, retries with backoff, and decides whether a DSN goes.
//! - `client.rs`: one SMTP transaction to a downstream server, with
//!   per-recipient results ([`AttemptResult`]) and dot-stuffing
//!   ([`dot_stuff`]).
//! - `dsn.rs`: the delivery status notification (RFC 3464) and its rate
//!   limit ([`DsnLimit`]).
//!
//! Imports point down: `relay.rs` uses `client.rs` and `dsn.rs`, which
//! use neither it nor each other. `outbound/` never imports `inbound/`
//! except in a test: `client.rs` reads its dot-stuffed data back through
//! the SMTP session's `DataReader`.

mod client;
mod dsn;
mod relay;

pub use client::{AttemptResult, dot_stuff};
pub use dsn::DsnLimit;
pub use relay::{Relay, Routes};
