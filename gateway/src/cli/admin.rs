//! `ecluse admin hash-password`: the argon2 hash for `[admin.local]
//! password_hash`. The password is read from standard input (twice, without
//! echo, on a terminal), never from the command line, where `ps` would show it.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// `ecluse admin …`.
#[derive(clap::Args, Debug)]
pub struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AdminCommand {
    /// Read a password and print its argon2 hash, for `[admin.local]
    /// password_hash`. On a terminal it asks twice, without echo; piped,
    /// it reads one line.
    HashPassword,
}

fn read_secret(prompt: &str, tty: bool) -> std::io::Result<String> {
    if tty {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if tty {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Runs `ecluse admin`.
pub fn run(args: AdminArgs) -> ExitCode {
    match args.command {
        AdminCommand::HashPassword => {
            let tty = std::io::stdin().is_terminal();
            let password = match read_secret("Mot de passe / Password: ", tty) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("ecluse admin hash-password: cannot read the password: {e}");
                    return ExitCode::from(3);
                }
            };
            if tty {
                match read_secret("Encore une fois / Again: ", tty) {
                    Ok(again) if again == password => {}
                    _ => {
                        eprintln!(
                            "ecluse admin hash-password: the two passwords differ; nothing was written"
                        );
                        return ExitCode::from(1);
                    }
                }
            }
            if password.chars().count() < 12 {
                eprintln!(
                    "ecluse admin hash-password: a break-glass password needs at least 12 characters"
                );
                return ExitCode::from(1);
            }
            println!("{}", ecluse_admin_ui::hash_password(&password));
            ExitCode::SUCCESS
        }
    }
}
