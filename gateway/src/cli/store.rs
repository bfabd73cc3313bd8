//! `ecluse migrate` and `ecluse store copy`: the store's schema, and moving
//! a store from one backend to the other.

use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use ecluse_quarantine::{Backend, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// `ecluse migrate`.
#[derive(Args)]
pub struct MigrateArgs {
    /// The configuration file: its `[store]` names the database.
    #[arg(long, short, value_name = "FILE")]
    pub config: PathBuf,
}

/// `ecluse store`.
#[derive(Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// What `ecluse store` does.
#[derive(Subcommand)]
pub enum StoreCommand {
    /// Copy every record (held items, messages with their bytes, the
    /// queue, the audit chains, sessions, rules) from one backend to the
    /// other: the sled store is `[quarantine] data_dir`, the PostgreSQL one
    /// `[store] url`. Stop `ecluse serve` first; the destination must be
    /// empty. The copy's audit chains are verified at the end.
    ///
    /// Exit code 0 when the copy is complete and verified, 1 otherwise.
    Copy(CopyArgs),
}

/// `ecluse store copy`.
#[derive(Args)]
pub struct CopyArgs {
    /// The configuration file (`[quarantine] data_dir` and `[store] url`).
    #[arg(long, short, value_name = "FILE")]
    pub config: PathBuf,
    /// The backend to read.
    #[arg(long, value_enum)]
    pub from: Kind,
    /// The backend to write.
    #[arg(long, value_enum)]
    pub to: Kind,
}

/// A store backend on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// `[quarantine] data_dir`.
    Sled,
    /// `[store] url`.
    Postgres,
}

/// Runs `ecluse migrate`: applies the schema's migrations to the database
/// `[store]` names (as `serve` does at start) and says where it stands.
pub fn migrate(args: MigrateArgs) -> ExitCode {
    match run_migrate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecluse migrate: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run_migrate(args: &MigrateArgs) -> Result<()> {
    let config = Config::load(&args.config).map_err(|e| anyhow!("configuration error: {e}"))?;
    let store = open(&config, &config.quarantine.backend)?;
    match &config.quarantine.backend {
        Backend::Sled => println!(
            "sled store in {}: up to date (its layout is brought up to date when it opens)",
            store.location()
        ),
        Backend::Postgres(_) => println!(
            "PostgreSQL store {}: schema at version {}",
            store.location(),
            config.quarantine.backend.schema_version().unwrap_or_default()
        ),
    }
    Ok(())
}

/// Runs `ecluse store …`.
pub fn run(args: StoreArgs) -> ExitCode {
    let StoreCommand::Copy(copy) = args.command;
    match run_copy(&copy) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecluse store copy: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn open(config: &Config, backend: &Backend) -> Result<Store> {
    let dir = &config.quarantine.data_dir;
    super::owner::act_as_data_dir_owner(dir)?;
    Store::open_backend(dir, backend, Arc::new(jiff::Timestamp::now)).with_context(|| match backend
    {
        Backend::Sled => format!(
            "opening the sled store in {} (is `ecluse serve` still running on it?)",
            dir.display()
        ),
        Backend::Postgres(o) => format!("opening the PostgreSQL store {}", o.redacted()),
    })
}

fn run_copy(args: &CopyArgs) -> Result<()> {
    if args.from == args.to {
        bail!("--from and --to name the same backend: nothing to copy");
    }
    let config = Config::load(&args.config).map_err(|e| anyhow!("configuration error: {e}"))?;
    let pg = match &config.quarantine.backend {
        Backend::Postgres(o) => Backend::Postgres(o.clone()),
        Backend::Sled => bail!(
            "{}: [store] has no PostgreSQL database: set backend = \"postgres\" and url first",
            args.config.display()
        ),
    };
    let backend = |k: Kind| match k {
        Kind::Sled => Backend::Sled,
        Kind::Postgres => pg.clone(),
    };
    let from = open(&config, &backend(args.from))?;
    let to = open(&config, &backend(args.to))?;
    eprintln!("copying {} → {}", from.location(), to.location());
    let stats = from
        .copy_to(&to, |tree, n| eprintln!("  {tree}: {n}"))
        .context("store copy failed (if it stopped part way, the destination holds a partial copy: drop that database, only if it was created for this copy, create it anew and run the copy again)")?;
    println!(
        "copied {} records: {} messages ({} bytes of messages and reports), {} held items, {} queued deliveries, {} audit entries (every chain verified)",
        stats.records,
        stats.messages,
        stats.bytes,
        stats.items,
        stats.deliveries,
        stats.audit_entries
    );
    Ok(())
}
