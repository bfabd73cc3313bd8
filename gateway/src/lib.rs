//! `ecluse-gateway`: the `ecluse` binary's library — configuration, the SMTP
//! server, the decision from a scan report, message rewriting, the relay
//! worker, and the wiring of `ecluse serve`.
//!
//! # Layout
//!
//! Every import points down this list's layers: `main` and `cli/` on top,
//! then `serve` (the wiring), the runtime (`smtp/`, `relay`, `control`,
//! `decide`, `notice`, the engines, the sender and recipient checks), then
//! `config/`, and at the bottom the leaves (`shutdown`, `tls`, `fetch`).
//! `config/` imports no runtime module (only `tls` to load certificates):
//! the types a section describes (`RecipientList`, `ClamavConfig`,
//! `RuleSources`, `NoticeConfig` …) live in `config/`, and the runtime
//! imports them from there. A contract lives with its API (`control`'s
//! `Running`, `ReloadRequest`). `scripts/import-graph gateway` checks
//! that no files import each other in a loop.
//!
//! - [`config`]: `ecluse.toml`, raw (`config/raw.rs`) then validated, one
//!   file per section each with its own parse (`smtp`, `relay`, `store`,
//!   `admin`, `policy`, `tenants`, `scanner`); `Config::parse` calls them.
//! - [`smtp`]: the inbound ESMTP server (one file per command), the scan
//!   and the durable write at end of data, and directory-harvest guarding.
//! - [`recipients`]: recipient verification at `RCPT` (callout or list).
//! - [`provenance`]: SPF, DKIM, DMARC and lookalike senders.
//! - [`authres`]: removal of forged `Authentication-Results:` fields.
//! - [`rules`]: the YARA rules (shipped and added) and their cache.
//! - [`clamav`]: ClamAV as a second engine, over clamd's socket.
//! - [`decide`]: report → reject, or held items and deliveries.
//! - [`notice`]: the notices that replace held attachments and messages.
//! - [`relay`]: the outbound queue worker and delivery status notifications.
//! - [`control`]: the local admin API behind `ecluse quarantine` and
//!   `ecluse audit`, with its contract (`Running`, `ReloadRequest`).
//! - [`idp`]: the IdP's metadata, fetched at start and refreshed.
//! - [`fetch`]: bounded HTTPS fetches (the IdP's metadata).
//! - [`serve`]: `ecluse serve`: wiring, reload, the admin listener.
//! - [`shutdown`]: the one shutdown signal every task selects on.
//! - [`tls`]: rustls set-up (aws-lc-rs).
//! - [`cli`]: the other subcommands, one file each (`check` with its
//!   network probes in `cli/probe.rs`).

pub mod authres;
pub mod clamav;
pub mod cli;
pub mod config;
pub mod control;
pub mod decide;
pub mod fetch;
pub mod idp;
pub mod notice;
pub mod provenance;
pub mod recipients;
pub mod relay;
pub mod rules;
pub mod serve;
pub mod shutdown;
pub mod smtp;
pub mod tls;
