//! `ecluse-gateway`: the `ecluse` binary's library — configuration, the SMTP
//! server, the decision from a scan report, message rewriting, the relay
//! worker, and the wiring of `ecluse serve`.
//!
//! # Layout
//!
//! Every import points down this list's layers: `main` and `cli/` on top,
//! then `serve` (the wiring), then the runtime (`inbound/`, `outbound/`,
//! `control`, `idp`), then what the runtime calls (`decide`, `engines/`,
//! `notice`), then `config/`, and at the bottom the leaves (`shutdown`,
//! `tls`, `fetch`). `scripts/import-graph gateway` checks that no files
//! import each other in a loop, that no file is over 1,000 lines and no
//! function over 250.
//!
//! - [`config`]: `ecluse.toml`, raw (`config/raw.rs`) then validated, one
//!   file per section each with its own parse (`smtp`, `relay`, `store`,
//!   `admin`, `policy`, `tenants`, `scanner`); `Config::parse` calls them;
//!   what the sections share (`Source`, `ConfigError`) is in
//!   `config/source.rs`, below them all.
//! - [`inbound`]: the SMTP server that receives mail: the listener, the
//!   session state machine and one file per command, strict end-of-data
//!   reading, end of data in named steps, every reply (`reply.rs`),
//!   recipient verification (`recipients.rs`), directory-harvest guarding
//!   (`harvest.rs`), and the sender checks (`provenance/`: SPF, DKIM,
//!   DMARC, the DNS cache, lookalike domains, `Authentication-Results:`).
//! - [`outbound`]: the relay worker (`relay.rs`), its SMTP client
//!   (`client.rs`) and the delivery status notifications (`dsn.rs`).
//! - [`engines`]: the YARA rules (`rules.rs`: shipped and added, and
//!   their cache), ClamAV over clamd's socket (`clamav.rs`), and
//!   [`engines::scan`], the one call that runs both on a message.
//! - [`decide`]: report → a neutral rejection, or held items and
//!   deliveries, per group of recipients ([`decide::recipient_groups`]).
//! - [`notice`]: the notices that replace held attachments and messages.
//! - [`control`]: the local admin API behind `ecluse quarantine` and
//!   `ecluse audit`, with its contract (`Running`, `ReloadRequest`).
//! - [`idp`]: the IdP's metadata, fetched at start and refreshed.
//! - [`fetch`]: bounded HTTPS fetches (the IdP's metadata).
//! - [`serve`]: `ecluse serve`: wiring, reload, the admin listener.
//! - [`shutdown`]: the one shutdown signal every task selects on.
//! - [`tls`]: rustls set-up (aws-lc-rs).
//! - [`cli`]: the other subcommands, one file each (`check` with its
//!   network probes in `cli/probe.rs`).
//!
//! Habits this layout keeps:
//!
//! - `config/` imports no runtime module (only `tls`, to load
//!   certificates): the types a section describes (`RecipientList`,
//!   `ClamavConfig`, `RuleSources`, `NoticeConfig` …) live in `config/`,
//!   and the runtime imports them from there.
//! - `inbound/` never imports `outbound/`: a received message is handed
//!   to the store, and the relay takes it from there (`outbound/`'s one
//!   arrow back is a test that reads its dot-stuffing through the
//!   session's `DataReader`).
//! - `decide` knows no SMTP: it returns a [`decide::Rejection`] (a
//!   category and what named it), and `inbound/reply.rs` is the one place
//!   that turns outcomes into SMTP replies.
//! - The files of a folder never import its `mod.rs` (tests aside):
//!   `mod.rs` declares them, re-exports them and may use them, and what
//!   they share sits in a file of its own below them (`config/source.rs`
//!   for the sections, `inbound/context.rs` for the session's files), so
//!   a folder makes no loop.
//! - A contract lives with its API (`control`'s `Running`,
//!   `ReloadRequest`).

pub mod cli;
pub mod config;
pub mod control;
pub mod decide;
pub mod engines;
pub mod fetch;
pub mod idp;
pub mod inbound;
pub mod notice;
pub mod outbound;
pub mod serve;
pub mod shutdown;
pub mod tls;
