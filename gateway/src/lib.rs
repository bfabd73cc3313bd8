//! `ecluse-gateway`: the `ecluse` binary's library — configuration, the SMTP
//! server, the decision from a scan report, message rewriting, the relay
//! worker, and the wiring of `ecluse serve`.
//!
//! # Layout
//!
//! - [`config`]: `ecluse.toml`, raw then validated.
//! - [`smtp`]: the inbound ESMTP server (one file per command).
//! - [`decide`]: report → reject, or held items and deliveries.
//! - [`notice`]: the notices that replace held attachments and messages.
//! - [`relay`]: the outbound queue worker and delivery status notifications.
//! - [`serve`]: `ecluse serve`.
//! - [`tls`]: rustls set-up (aws-lc-rs).
//! - [`control`]: the local admin API behind `ecluse quarantine` and `ecluse audit`.
//! - [`cli`]: the other subcommands.

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
