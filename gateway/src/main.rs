//! `ecluse`: the command line of Écluse. `main` only parses arguments and
//! hands over to the subcommand; each subcommand lives in `cli/`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cli;

/// Écluse — email attachment quarantine gateway.
#[derive(Parser)]
#[command(name = "ecluse", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan messages (.eml files, directories of them, or - for stdin) and
    /// print what Écluse would do with each.
    ///
    /// Exit code: 0 every message would be delivered untouched, 1 something
    /// would be held in quarantine, 2 a message would be rejected, 3 an error
    /// (unreadable file, bad policy, bad rules).
    Scan(cli::scan::ScanArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::Scan(scan) => cli::scan::run(scan),
    }
}
