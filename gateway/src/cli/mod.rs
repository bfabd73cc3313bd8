//! Subcommands of the `ecluse` binary.

pub mod admin;
pub mod check;
pub mod demo;
pub mod owner;
pub mod probe;
pub mod progress;
pub mod quarantine;
pub mod reload;
pub mod scan;
pub mod store;
