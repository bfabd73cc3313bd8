//! Subcommands of the `ecluse` binary.

pub mod quarantine;
pub mod scan;
