//! Subcommands of the `ecluse` binary.

pub mod scan;
pub mod quarantine;
