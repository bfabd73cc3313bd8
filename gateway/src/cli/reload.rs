//! `ecluse reload --config FILE`: the running server reads its YARA rules
//! and its STARTTLS certificate again (what SIGHUP does), and says how it
//! went. Sessions in flight finish on what they started with.

use std::process::ExitCode;

/// `ecluse reload`.
#[derive(clap::Args, Debug)]
pub struct ReloadArgs {
    /// The configuration file of the running server (for its data directory).
    #[arg(long, short, value_name = "FILE")]
    pub config: std::path::PathBuf,
}

/// Runs `ecluse reload`: exit 0 when the server reloaded, 1 when the
/// reload failed (the server keeps its rules and certificate; the message
/// says why), 3 when no server answers or the configuration is bad.
pub fn run(args: ReloadArgs) -> ExitCode {
    let config = match crate::config::Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ecluse reload: configuration error: {e}");
            return ExitCode::from(3);
        }
    };
    let data_dir = &config.quarantine.data_dir;
    match crate::control::ask_server(data_dir, &crate::control::Op::Reload, None, &mut |_, _| {}) {
        Some(Ok(what)) => {
            println!("ecluse reload: {}", what.as_str().unwrap_or_default());
            ExitCode::SUCCESS
        }
        Some(Err(why)) => {
            eprintln!(
                "ecluse reload: failed, the server keeps the rules and certificate in force: {why}"
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
