//! `ecluse`: the command line of Écluse. `main` only parses arguments and
//! hands over to the subcommand; each subcommand lives in `cli/`.

use clap::{Parser, Subcommand};
use ecluse_gateway::{cli, serve};
use std::path::PathBuf;
use std::process::ExitCode;

/// Écluse — email attachment quarantine gateway.
#[derive(Parser)]
#[command(name = "ecluse", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

/// `ecluse serve`'s arguments: the configuration file only. `--verbose`
/// (the YARA compiler's warnings one by one) is `check-config`'s alone, so
/// `serve --help` does not offer it and `serve --verbose` is a usage error.
#[derive(clap::Args)]
struct ServeCommandArgs {
    /// The configuration file (see the README for every key).
    #[arg(long, short, value_name = "FILE")]
    config: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Scan messages (.eml files, directories of them, or - for stdin) and
    /// print what Écluse would do with each.
    ///
    /// Exit code: 0 every message would be delivered untouched, 1 something
    /// would be held in quarantine, 2 a message would be rejected, 3 an error
    /// (unreadable file, bad policy, bad rules, wrong usage).
    Scan(cli::scan::ScanArgs),
    /// Run the gateway: SMTP in, scan, quarantine, relay out, admin UI.
    ///
    /// Stops cleanly on SIGTERM or Ctrl-C. Exit code 0 after a clean stop,
    /// 1 when it cannot start (the message says which key or file is wrong).
    Serve(ServeCommandArgs),
    /// Try Écluse on this machine, with no configuration: SMTP on
    /// 127.0.0.1:2525, the web UI on 127.0.0.1:8080 (a local admin with a
    /// one-time password), delivered mail written to DATA_DIR/delivered/,
    /// and four sample messages sent so that the UI shows held items.
    Demo(cli::demo::DemoArgs),
    /// Check a configuration file (and the TLS files and rules it names)
    /// without starting anything, then probe what it points at (downstream
    /// servers, the public_url host, the IdP) within 5 s, as warnings.
    /// Exit code 0 when it is good (warnings included), 1 when not.
    CheckConfig(serve::ServeArgs),
    /// Make the running server read its configuration file, YARA rules and
    /// STARTTLS certificate again (as SIGHUP does): communes, policy,
    /// sender rules and notice keys apply to new sessions without a
    /// restart. Exit code 0 when it did (settings that take a restart are
    /// named), 1 when the reload failed or the file is bad (the server
    /// keeps what it had; the message says why), 3 when no server answers.
    Reload(cli::reload::ReloadArgs),
    /// Held items: list, show, release, deny, download, purge.
    ///
    /// Works against the running server (its local admin API) or, when it
    /// is stopped, directly on the data directory. Exit code 3 on error.
    Quarantine(cli::quarantine::QuarantineArgs),
    /// The audit log: verify the hash chain, export JSON lines.
    ///
    /// `verify` exits 1 when the chain is broken, naming the first broken entry.
    Audit(cli::quarantine::AuditArgs),
    /// Web UI administration: `hash-password` makes the argon2 hash of the
    /// break-glass local admin (`[admin.local] password_hash`).
    Admin(cli::admin::AdminArgs),
    /// Apply the store's schema migrations (PostgreSQL; `serve` also does
    /// at start) and print the schema version. Exit code 1 when the
    /// database cannot be reached or is newer than this Écluse.
    Migrate(cli::store::MigrateArgs),
    /// The store itself: `copy --from sled --to postgres` moves a
    /// single-node town to a PostgreSQL cluster.
    Store(cli::store::StoreArgs),
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version succeed. A usage error exits 3, not
            // clap's 2: for `ecluse scan`, 2 means "would be rejected", and a
            // script must not read a mistyped option as a verdict.
            let code = if e.use_stderr() { 3 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if !matches!(args.command, Command::Serve(_) | Command::Demo(_)) {
        default_sigpipe();
    }
    private_files();
    match args.command {
        Command::Scan(scan) => cli::scan::run(scan),
        Command::CheckConfig(args) => match cli::check::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ecluse check-config: {e:#}");
                ExitCode::from(1)
            }
        },
        Command::Reload(args) => cli::reload::run(args),
        Command::Quarantine(args) => cli::quarantine::quarantine(args),
        Command::Audit(args) => cli::quarantine::audit(args),
        Command::Admin(args) => cli::admin::run(args),
        Command::Migrate(args) => cli::store::migrate(args),
        Command::Store(args) => cli::store::run(args),
        Command::Demo(args) => {
            // The demo logs to <data-dir>/demo.log: the terminal keeps its banner.
            match cli::demo::run(args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("ecluse demo: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve(args) => {
            init_tracing();
            let args = serve::ServeArgs {
                config: args.config,
                verbose: false,
                offline: false,
            };
            match serve::main(args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("ecluse serve: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECLUSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
}

#[cfg(test)]
mod tests {
    use super::Args;
    use clap::CommandFactory;

    /// Every subcommand says what it does and every option what it means,
    /// so that `--help` is the manual at every level.
    fn undescribed(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() {
                out.push(format!("{path} <{id}>"));
            }
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                out.push(path.clone());
            }
            undescribed(sub, &path, out);
        }
    }

    #[test]
    fn help_describes_every_subcommand_and_option() {
        let cmd = Args::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        undescribed(&cmd, "ecluse", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
        assert!(cmd.get_subcommands().count() >= 7);
    }

    /// `--verbose` lists the YARA compiler's warnings, which only
    /// `check-config` prints: `serve --help` must not offer it (issue 29).
    #[test]
    fn verbose_is_check_config_only() {
        use clap::Parser;
        assert!(Args::try_parse_from(["ecluse", "check-config", "-c", "x", "--verbose"]).is_ok());
        let err = Args::try_parse_from(["ecluse", "serve", "-c", "x", "--verbose"])
            .err()
            .expect("serve --verbose is a usage error");
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        let mut cmd = Args::command();
        let help = cmd
            .find_subcommand_mut("serve")
            .expect("serve")
            .render_long_help()
            .to_string();
        assert!(!help.contains("--verbose"), "{help}");
        assert!(help.contains("--config"), "{help}");
    }
}

/// Gives the one-shot commands (`check-config`, `quarantine list`, `audit
/// export` …) the default action of `SIGPIPE`, as every Unix filter has:
/// `ecluse audit export | head` ends quietly when `head` is done, instead of
/// panicking on the closed pipe. The Rust runtime ignores `SIGPIPE` at
/// start; the servers keep it ignored, since a peer closing a socket must
/// give a write error, never end the process.
fn default_sigpipe() {
    // SAFETY: called once at start, before any thread exists; `signal`
    // with `SIG_DFL` installs no handler of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes every file and directory this process creates private to its
/// user (0600 and 0700), whatever the umask it inherited: the data
/// directory, the store and the spool hold the town's held mail, and
/// outside the Debian package (whose unit sets `UMask=0077`) a shell's
/// usual 022 would let any local user read them.
fn private_files() {
    // SAFETY: `umask` only changes this process's file mode mask; called
    // once at start, before any thread exists.
    unsafe {
        libc::umask(0o077);
    }
}
