//! `ecluse scan`: the scanner on files, with a readable tree or JSON lines.

use anstream::{eprintln, println};
use anyhow::{Context, Result};
use ecluse_scanner::{Action, Category, Limits, Part, Policy, Report};
use owo_colors::OwoColorize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `ecluse scan`.
#[derive(clap::Args)]
pub struct ScanArgs {
    /// Print one JSON object per message instead of the tree.
    #[arg(long)]
    json: bool,
    /// Policy file (TOML: category = "deliver" | "quarantine" | "reject").
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// YARA rules to add to the shipped ones: a file, or a directory of
    /// *.yar and *.yara files (searched recursively). May be repeated.
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Leave the shipped rules out (then --rules is needed).
    #[arg(long, requires = "rules")]
    no_builtin_rules: bool,
    /// Category of the rules in --rules that name none of ours (public sets
    /// such as signature-base); without it such a rule is an error.
    #[arg(long, value_name = "CATEGORY", requires = "rules", value_parser = Category::parse_named)]
    rules_category: Option<Category>,
    /// Compile the rules without reading or writing the compiled-rules
    /// cache ($XDG_CACHE_HOME/ecluse, else ~/.cache/ecluse).
    #[arg(long)]
    no_rules_cache: bool,
    /// Messages to scan: files, directories (their .eml files, recursively), or - for stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Exit code for errors.
const EXIT_ERROR: u8 = 3;

/// Loads the policy file, or the default policy.
pub fn load_policy(path: Option<&Path>) -> Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the policy file {}", path.display()))?;
    Ok(Policy::from_toml(&text, &path.display().to_string())?)
}

/// Expands directories into the `.eml` files below them, sorted; files
/// named on the command line are kept whatever their name.
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut below: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(_) => vec![path.join("")], // reported as unreadable later
            };
            below.sort();
            below.retain(|p| {
                p.is_dir() || p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"))
            });
            out.extend(expand(&below));
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// What one message came to, for the summary table.
struct Outcome {
    name: String,
    action: Action,
    category: Option<String>,
    size: u64,
}

/// Runs `ecluse scan`.
pub fn run(args: ScanArgs) -> ExitCode {
    let sources = crate::config::RuleSources {
        paths: args.rules.clone(),
        builtin: !args.no_builtin_rules,
        default_category: args.rules_category,
    };
    let cache = if args.no_rules_cache {
        None
    } else {
        crate::engines::rules::user_cache_dir()
    };
    let engine = match load_policy(args.policy.as_deref())
        .and_then(|p| crate::engines::rules::load(&sources, p, cache.as_deref()))
    {
        Ok(loaded) => {
            if !args.rules.is_empty() {
                eprintln!("ecluse scan: {}", loaded.summary());
            }
            loaded.engine
        }
        Err(e) => {
            eprintln!("ecluse scan: {e:#}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let limits = Limits::default();
    let paths = expand(&args.files);
    let many = paths.len() > 1;
    // One message needs no bar; more get one on a terminal.
    let bar = super::progress::bar(paths.len() as u64, "Analyse / Scanning");
    if !many {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let started = std::time::Instant::now();
    let mut outcomes = Vec::with_capacity(paths.len());
    let mut errors = 0usize;
    for path in &paths {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let raw = match read_input(path) {
            Ok(raw) => raw,
            Err(e) => {
                bar.suspend(|| eprintln!("ecluse scan: {e:#}"));
                errors += 1;
                bar.inc(1);
                continue;
            }
        };
        let report = ecluse_scanner::scan(&engine, &limits, &raw);
        bar.suspend(|| {
            if args.json {
                let mut value = serde_json::to_value(&report).expect("a report serialises");
                value["file"] = serde_json::Value::String(name.clone());
                println!("{value}");
            } else {
                print_tree(&name, &report);
            }
        });
        outcomes.push(Outcome {
            name,
            action: report.action,
            category: report.category.map(|c| c.to_string()),
            size: report.size,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    if many && !args.json {
        print_summary(&outcomes, errors, started.elapsed());
    }
    if errors > 0 {
        return ExitCode::from(EXIT_ERROR);
    }
    let worst = outcomes
        .iter()
        .map(|o| o.action)
        .max()
        .unwrap_or(Action::Deliver);
    ExitCode::from(match worst {
        Action::Deliver => 0,
        Action::Quarantine => 1,
        Action::Reject => 2,
    })
}

/// The table printed after many messages: how many of each verdict, then
/// every message that would not be delivered untouched.
fn print_summary(outcomes: &[Outcome], errors: usize, elapsed: std::time::Duration) {
    let bytes: u64 = outcomes.iter().map(|o| o.size).sum();
    println!();
    println!(
        "{} {} messages, {}, {:.1} s",
        "Résumé / Summary:".bold(),
        outcomes.len() + errors,
        human_size(bytes),
        elapsed.as_secs_f64()
    );
    let count = |a: Action| outcomes.iter().filter(|o| o.action == a).count();
    println!("  {:<36} {:>8}", "verdict", "messages");
    for (action, fr) in [
        (Action::Deliver, "distribué"),
        (Action::Quarantine, "retenu en quarantaine"),
        (Action::Reject, "refusé"),
    ] {
        println!(
            "  {:<36} {:>8}",
            format!("{} ({fr})", action_plain(action)),
            count(action)
        );
    }
    println!("  {:<36} {:>8}", "ERROR (illisible)", errors);
    let flagged: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.action != Action::Deliver)
        .collect();
    if !flagged.is_empty() {
        println!();
        println!("  {:<10}  {:<20}  file", "verdict", "category");
        for o in flagged {
            println!(
                "  {:<10}  {:<20}  {}",
                action_plain(o.action),
                o.category.as_deref().unwrap_or("-"),
                o.name
            );
        }
    }
}

fn action_plain(action: Action) -> &'static str {
    match action {
        Action::Deliver => "DELIVER",
        Action::Quarantine => "QUARANTINE",
        Action::Reject => "REJECT",
    }
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn action_label(action: Action) -> String {
    let label = action_plain(action);
    match action {
        Action::Deliver => label.green().bold().to_string(),
        Action::Quarantine => label.yellow().bold().to_string(),
        Action::Reject => label.red().bold().to_string(),
    }
}

fn print_tree(name: &str, report: &Report) {
    let category = report
        .category
        .map(|c| format!(" ({c}: {})", c.label_fr()))
        .unwrap_or_default();
    println!(
        "{}: {}{}  [{} parts, {}, {} ms]",
        name.bold(),
        action_label(report.action),
        category,
        report.parts.len(),
        human_size(report.size),
        report.scan_ms
    );
    if let Some(subject) = &report.message.subject {
        println!("  {} {}", "subject:".dimmed(), subject);
    }
    for finding in &report.findings {
        println!(
            "  {} {}: {}",
            "!".red(),
            finding.category.to_string().yellow(),
            finding.detail
        );
    }
    for part in &report.parts {
        print_part(part, 1);
    }
}

fn print_part(part: &Part, level: usize) {
    let indent = "  ".repeat(level);
    let marker = match part.action {
        Action::Deliver => "✓".green().to_string(),
        Action::Quarantine => "■".yellow().to_string(),
        Action::Reject => "✗".red().to_string(),
    };
    let name = part.filename.as_deref().unwrap_or("(sans nom)");
    let declared = part
        .declared_type
        .as_deref()
        .map(|d| format!("declared {d}, "))
        .unwrap_or_default();
    println!(
        "{indent}{marker} {} {}  {}",
        part.path.dimmed(),
        name,
        format!(
            "{declared}detected {}, {}",
            part.detected_type,
            human_size(part.size)
        )
        .dimmed()
    );
    for finding in &part.findings {
        let rule = finding
            .rule
            .as_deref()
            .map(|r| format!(" [{r}]"))
            .unwrap_or_default();
        println!(
            "{indent}    {} {}: {}{}",
            "!".red(),
            finding.category.to_string().yellow(),
            finding.detail,
            rule
        );
    }
    for child in &part.children {
        print_part(child, level + 1);
    }
}
