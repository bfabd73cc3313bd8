//! `ecluse reload --config FILE`: the running server reads its
//! configuration file again (what SIGHUP does) and applies the communes
//! (`[[tenant]]`), `[policy]`, the file's sender exceptions and blocks, the
//! notice keys and the relay's routes, with its YARA rules and its STARTTLS
//! certificate, and says how it went. Sessions in flight finish on what
//! they started with; settings read once at start (listen addresses, the
//! data directory, the store …) stay as they are, one line each says so.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `ecluse reload`.
#[derive(clap::Args, Debug)]
pub struct ReloadArgs {
    /// The configuration file of the running server (it reads the file it
    /// was started with; this one gives its data directory).
    #[arg(long, short, value_name = "FILE")]
    pub config: std::path::PathBuf,
}

/// `[quarantine] data_dir` of a file that does not pass validation but is
/// TOML, so that the server is still asked (and says what is wrong):
/// `None` when the file cannot be read or is not TOML at all.
fn data_dir_of(path: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let dir = match table.get("quarantine").and_then(|q| q.get("data_dir")) {
        Some(v) => PathBuf::from(v.as_str()?),
        None => PathBuf::from("data"),
    };
    Some(if dir.is_absolute() {
        dir
    } else {
        path.parent().unwrap_or(Path::new(".")).join(dir)
    })
}

/// Runs `ecluse reload`: exit 0 when the server reloaded (lines after the
/// first name settings that take a restart), 1 when the reload failed or
/// the file is bad (the server keeps the configuration in force; the
/// message says why), 3 when no server answers.
pub fn run(args: ReloadArgs) -> ExitCode {
    let (data_dir, bad) = match crate::config::Config::load(&args.config) {
        Ok(c) => (c.quarantine.data_dir, None),
        Err(e) => match data_dir_of(&args.config) {
            Some(d) => (d, Some(e)),
            None => {
                eprintln!(
                    "ecluse reload: configuration error: {e}\nnothing was reloaded: the running server keeps the configuration in force; correct the file and run `ecluse reload` again"
                );
                return ExitCode::from(1);
            }
        },
    };
    match crate::control::ask_server(&data_dir, &crate::control::Op::Reload, None, &mut |_, _| {}) {
        Some(Ok(what)) => {
            println!("ecluse reload: {}", what.as_str().unwrap_or_default());
            ExitCode::SUCCESS
        }
        Some(Err(why)) => {
            // A change only a restart can make is not a mistake in the file.
            let next = if why.contains("restart `ecluse serve`") {
                "the file is right, but this change takes a restart: `systemctl restart ecluse` (mail in flight is kept; senders retry during the few seconds it takes)"
            } else {
                "correct the file and run `ecluse reload` again"
            };
            eprintln!(
                "ecluse reload: failed, the server keeps the configuration in force: {why}\n{next}"
            );
            ExitCode::from(1)
        }
        None if bad.is_some() => {
            eprintln!(
                "ecluse reload: configuration error: {}\nno running server answers for {} either",
                bad.expect("checked"),
                data_dir.display()
            );
            ExitCode::from(1)
        }
        None => {
            eprintln!(
                "ecluse reload: no running server answers for {} (is `ecluse serve` running with this configuration?)",
                data_dir.display()
            );
            ExitCode::from(3)
        }
    }
}
