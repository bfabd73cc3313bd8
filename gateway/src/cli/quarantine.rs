//! `ecluse quarantine …` and `ecluse audit …`: the admin's CLI. Each
//! command goes to the running server's admin API when it runs, or opens
//! the data directory itself when it is stopped (see [`crate::control`]).

use crate::config::Config;
use crate::control::{self, Op};
use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use clap::{Args, Subcommand};
use ecluse_quarantine::{AuditAction, HeldItem, Status, Store};
use ecluse_scanner::{Report, SenderAuth};
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the configuration is.
#[derive(Args, Debug)]
pub struct ConfigArg {
    /// The configuration file of the server (for its data_dir).
    #[arg(
        long,
        short,
        value_name = "FILE",
        default_value = "/etc/ecluse/ecluse.toml",
        global = true
    )]
    pub config: PathBuf,
    /// Only this tenant's items and audit chain (`[[tenant]] id`, or
    /// `_service` for the service's chain); an item of another tenant is
    /// then an error, as if it did not exist.
    #[arg(long, value_name = "ID", global = true)]
    pub tenant: Option<String>,
}

/// `ecluse quarantine`.
#[derive(Args, Debug)]
pub struct QuarantineArgs {
    #[command(flatten)]
    config: ConfigArg,
    #[command(subcommand)]
    command: QuarantineCommand,
}

#[derive(Subcommand, Debug)]
enum QuarantineCommand {
    /// List held items, newest first.
    List {
        /// Only items in this state: held, requested, released, denied, expired.
        #[arg(long)]
        status: Option<Status>,
        /// Only items held for this address.
        #[arg(long)]
        recipient: Option<String>,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one item: the message, why it was held, the scan report.
    Show {
        /// The item id (from `list`, or the link in the notice).
        id: String,
        /// The whole record and report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Release an item: the original message goes to its recipient.
    Release {
        /// An item id, or a queue id to release that message's items.
        id: String,
        /// With a queue id: only this recipient's items.
        #[arg(long)]
        recipient: Option<String>,
        /// A comment kept in the audit log (and sent to the recipient if they
        /// asked). `--reason` is the same option, as `deny` names it.
        #[arg(long, visible_alias = "reason", default_value = "released from the command line")]
        comment: String,
    },
    /// Ask for an item on behalf of its recipient (who called the IT desk);
    /// admins are notified as for a request made in the web UI.
    Request {
        /// The item id.
        id: String,
        /// Why the recipient needs it.
        #[arg(long)]
        reason: String,
    },
    /// Refuse to release an item; the recipient reads why on the item's
    /// page, and by mail when they had asked for it.
    Deny {
        /// The item id.
        id: String,
        /// Why (required: the recipient reads it on the item's page, and in
        /// the decision mail when they had asked for the item). `--comment`
        /// is the same option, as `release` names it.
        #[arg(long, visible_alias = "comment")]
        reason: String,
    },
    /// Save the held file inside a ZIP encrypted with AES-256 under the
    /// password `infected`; open it with 7-Zip (Windows' built-in ZIP tool
    /// cannot open AES ZIPs).
    Download {
        /// The item id.
        id: String,
        /// Where to write the ZIP.
        #[arg(long)]
        out: PathBuf,
    },
    /// Expire undecided items past retention and remove their message bytes.
    Purge {
        /// Required: purge what is past `retention_days`.
        #[arg(long)]
        expired: bool,
    },
}

/// `ecluse audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    config: ConfigArg,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the hash chain; names the first broken entry (exit 1).
    Verify,
    /// Write entries as JSON lines (for a SIEM).
    Export {
        /// Only entries from this date (2026-11-01) or time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
}

/// Runs `op` on the running server, or on the data directory when stopped.
pub fn run_op(config_path: &ConfigArg, op: Op) -> Result<Value> {
    run_op_with(config_path, op, &mut |_, _| {})
}

/// [`run_op`] with a bar on the terminal for the long requests.
fn run_op_shown(config_path: &ConfigArg, op: Op, what: &str) -> Result<Value> {
    let bar = super::progress::bar(0, what);
    let answer = run_op_with(config_path, op, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    answer
}

fn run_op_with(arg: &ConfigArg, op: Op, progress: &mut dyn FnMut(u64, u64)) -> Result<Value> {
    let config = Config::load(&arg.config).map_err(|e| anyhow!("configuration error: {e}"))?;
    super::owner::act_as_data_dir_owner(&config.quarantine.data_dir)?;
    let tenant = arg.tenant.as_deref();
    if let Some(t) = tenant
        && config.tenants.get(t).is_none()
        && t != ecluse_quarantine::SERVICE_CHAIN
        && t != ecluse_quarantine::DEFAULT_TENANT
    {
        let known: Vec<&str> = config.tenants.all().iter().map(|t| t.id.as_str()).collect();
        bail!(
            "no tenant `{t}` in {}: the tenants are {}",
            arg.config.display(),
            known.join(", ")
        );
    }
    let data_dir = &config.quarantine.data_dir;
    if let Some(answer) = control::ask_server(data_dir, &op, tenant, progress) {
        return answer.map_err(anyhow::Error::msg);
    }
    let store = Store::open_backend(
        data_dir,
        &config.quarantine.backend,
        std::sync::Arc::new(jiff::Timestamp::now),
    )
    .with_context(|| {
        format!("opening {} (if `ecluse serve` runs, its admin API did not answer: check {}/serve.json)", data_dir.display(), data_dir.display())
    })?;
    config.prepare_store(&store);
    control::execute(&store, &config.limits, op, tenant, progress).map_err(anyhow::Error::msg)
}

/// The same words as the web UI, the notice and the audit log
/// ([`HeldItem::name_both`]), made safe for a terminal.
fn file_of(item: &HeldItem) -> String {
    shown(&item.name_both())
}

/// `text` as a terminal may print it: control characters (escape
/// sequences, carriage returns, line feeds …), the bidirectional controls
/// that reorder a line (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
/// U+061C), the line and paragraph separators (U+2028, U+2029) and the
/// invisible characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, the soft
/// hyphen U+00AD) shown as `\u{…}`, never sent to the terminal. The
/// subject, the sender and the file names are the sender's words.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(
                c,
                '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{061c}'
                    | '\u{00ad}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{feff}'
            )
        {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to `width` characters with an ellipsis, so that a long file
/// name or address keeps the list's columns (`show` gives it whole).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What `list` says when nothing matches, French first.
fn nothing_listed(status: Option<Status>) -> &'static str {
    match status {
        None | Some(Status::Held) => "Aucune pièce jointe retenue. / Nothing held.",
        Some(Status::Requested) => "Aucune demande en attente. / No pending request.",
        Some(Status::Released) => "Aucune pièce jointe libérée. / Nothing released.",
        Some(Status::Denied) => "Aucune demande refusée. / Nothing denied.",
        Some(Status::Expired) => "Aucune pièce jointe expirée. / Nothing expired.",
    }
}

/// The findings of `item` in its report (those of the held part and
/// inside it, and the message's own; all of them for a message held
/// whole): the path, then each sentence in French, then in English. A
/// report stored before sentences gives its English text only.
fn print_findings(item: &HeldItem, report: Option<&Report>) {
    let Some(report) = report else {
        // The report went with the message bytes: the reasons kept on the item.
        for r in &item.reasons {
            println!("  - {}", shown(r));
        }
        return;
    };
    let held = item.part.as_ref().map(|p| p.path.as_str());
    for (path, f) in report.all_findings() {
        let inside = match held {
            None => true,
            Some(h) => {
                path.is_empty()
                    || path == h
                    || path.starts_with(&format!("{h}/"))
                    || path.starts_with(&format!("{h}."))
            }
        };
        if !inside {
            continue;
        }
        let at = if path.is_empty() { "message" } else { path };
        let rule = f
            .rule
            .as_deref()
            .map(|r| format!(" (règle / rule {})", shown(r)))
            .unwrap_or_default();
        match f.fr() {
            Some(fr) => {
                println!("  - {}: {}{rule}", shown(at), shown(&fr));
                println!("    {}", shown(&f.en()));
            }
            None => println!("  - {}: {}{rule}", shown(at), shown(&f.en())),
        }
    }
}

/// The sender checks as `show` prints them: the verdict in words (French,
/// then English), then SPF, DKIM and DMARC one by one.
fn print_sender_auth(a: &SenderAuth) {
    println!("sender     {}", shown(&a.summary_fr()));
    println!("           {}", shown(&a.summary_en()));
    let spf_domain = if a.spf_domain.is_empty() {
        String::new()
    } else {
        format!(" ({})", shown(&a.spf_domain))
    };
    println!("spf        {}{spf_domain}", shown(&a.spf));
    let dkim: Vec<String> = a
        .dkim
        .iter()
        .map(|d| format!("{} (d={})", shown(&d.result), shown(&d.domain)))
        .collect();
    println!(
        "dkim       {}",
        if dkim.is_empty() {
            "none".to_string()
        } else {
            dkim.join(", ")
        }
    );
    let policy = if a.dmarc_policy.is_empty() {
        String::new()
    } else {
        format!(" (p={})", shown(&a.dmarc_policy))
    };
    let domain = if a.from_domain.is_empty() {
        String::new()
    } else {
        format!(" for {}", shown(&a.from_domain))
    };
    println!("dmarc      {}{policy}{domain}", shown(&a.dmarc));
}

/// A decision's comment: Écluse's own words in French then English, a
/// person's as written.
fn comment(outcome: Status, text: &str) -> String {
    let action = match outcome {
        Status::Denied => AuditAction::Denied,
        _ => AuditAction::Released,
    };
    match ecluse_admin_ui::audit_words::fr(action, text) {
        Some(fr) => format!("{} / {}", shown(&fr), shown(text)),
        None => shown(text),
    }
}

fn print_item_line(item: &HeldItem) {
    let from = shown(
        &item
            .info
            .from
            .clone()
            .unwrap_or_else(|| item.mail_from.clone()),
    );
    println!(
        "{}  {:<9}  {:<28}  {:<26}  {:<16}  {}",
        item.id,
        item.status.as_str(),
        fit(&shown(&item.recipient), 28),
        fit(&file_of(item), 26),
        item.category.as_str(),
        fit(&from, 60)
    );
}

fn items(v: Value) -> Result<Vec<HeldItem>> {
    serde_json::from_value(v).context("unexpected answer from the server")
}

/// `ecluse quarantine …`.
pub fn quarantine(args: QuarantineArgs) -> ExitCode {
    match quarantine_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ecluse quarantine: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn quarantine_inner(args: QuarantineArgs) -> Result<ExitCode> {
    let cfg = &args.config;
    match args.command {
        QuarantineCommand::List {
            status,
            recipient,
            json,
        } => {
            let list = items(run_op(cfg, Op::List { status, recipient })?)?;
            if json {
                for item in &list {
                    println!("{}", serde_json::to_string(item)?);
                }
            } else if list.is_empty() {
                println!("{}", nothing_listed(status));
            } else {
                println!(
                    "{:<26}  {:<9}  {:<28}  {:<26}  {:<16}  from",
                    "item", "status", "recipient", "file", "category"
                );
                for item in &list {
                    print_item_line(item);
                }
            }
        }
        QuarantineCommand::Show { id, json } => {
            let v = run_op(cfg, Op::Show { id })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                let item: HeldItem = serde_json::from_value(v["item"].clone())?;
                // Times as the pages and notices give them: the service's
                // zone (`time_zone`), to the minute, labelled.
                let zone = Config::load(&cfg.config).ok().map(|c| c.time_zone);
                let when = |at: jiff::Timestamp| match &zone {
                    Some(z) => z.labelled_fr(at),
                    None => at.to_string(),
                };
                // A report this build cannot read is left out, not an error.
                let report: Option<Report> = serde_json::from_value(v["report"].clone()).ok();
                println!("item       {}", item.id);
                println!("status     {} ({})", item.status, item.status.label_fr());
                println!("recipient  {}", shown(&item.recipient));
                println!(
                    "from       {}",
                    shown(
                        &item
                            .info
                            .from
                            .clone()
                            .unwrap_or_else(|| item.mail_from.clone())
                    )
                );
                println!(
                    "subject    {}",
                    shown(&item.info.subject.clone().unwrap_or_default())
                );
                match &item.info.sender_auth {
                    Some(a) => print_sender_auth(a),
                    None => println!(
                        "sender     non vérifié : ni SPF, ni DKIM, ni DMARC à la réception ([smtp] sender_checks désactivé, ou reçu avant) / not checked: no SPF, DKIM or DMARC on receipt"
                    ),
                }
                println!("file       {}", file_of(&item));
                if let Some(p) = &item.part {
                    println!("type       {} ({} bytes)", shown(&p.detected_type), p.size);
                    println!("sha256     {}", p.sha256);
                }
                let real = item.part.as_ref().map_or("", |p| p.detected_type.as_str());
                println!(
                    "held for   {} — {} / {}",
                    item.category,
                    item.category.label_fr_for(real),
                    item.category.label_en_for(real)
                );
                print_findings(&item, report.as_ref());
                println!(
                    "held at    {}   expires {}",
                    when(item.created_at),
                    when(item.expires_at)
                );
                println!(
                    "self-release allowed: {}",
                    if item.self_release { "yes" } else { "no" }
                );
                if let Some(r) = &item.request {
                    println!(
                        "requested  by {} at {}: {}",
                        shown(&r.by),
                        when(r.at),
                        shown(&r.reason)
                    );
                }
                if let Some(d) = &item.decision {
                    println!(
                        "decided    {} by {} at {}: {}",
                        d.outcome,
                        shown(&d.by),
                        when(d.at),
                        comment(d.outcome, &d.comment)
                    );
                }
                println!("queue id   {}", item.queue_id);
            }
        }
        QuarantineCommand::Release {
            id,
            recipient,
            comment,
        } => {
            let done = items(run_op(
                cfg,
                Op::Release {
                    id,
                    recipient,
                    comment,
                    actor: control::cli_actor(),
                },
            )?)?;
            for item in &done {
                println!(
                    "released {} ({}) for {}: the original message is queued for delivery",
                    item.id,
                    file_of(item),
                    item.recipient
                );
            }
        }
        QuarantineCommand::Request { id, reason } => {
            let item: HeldItem = serde_json::from_value(run_op(
                cfg,
                Op::Request {
                    id,
                    reason,
                    actor: control::cli_actor(),
                },
            )?)?;
            println!(
                "requested {} ({}) for {}: the admins are told",
                item.id,
                file_of(&item),
                item.recipient
            );
        }
        QuarantineCommand::Deny { id, reason } => {
            // A deny without a reason is refused before the store is asked:
            // the store's answer ("is held: cannot deny") read like a state
            // problem (issue 29, found deploying from the docs).
            if reason.trim().is_empty() {
                bail!(
                    "a reason is required to deny {id}: the recipient reads it on the item's page (and in the decision mail if they had asked for it); give it with --reason \"…\""
                );
            }
            let item: HeldItem = serde_json::from_value(run_op(
                cfg,
                Op::Deny {
                    id,
                    reason,
                    actor: control::cli_actor(),
                },
            )?)?;
            println!(
                "denied {} ({}) for {}",
                item.id,
                file_of(&item),
                item.recipient
            );
        }
        QuarantineCommand::Download { id, out } => {
            // Opened before the command acts as the data directory's owner
            // (cli/owner.rs): root asked for the file where root may write
            // it, and it stays root's (deployment trial 3 met « Permission
            // denied » in /root). 0600: it holds what was held.
            let mut file = {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&out)
                    .with_context(|| format!("cannot create {}", out.display()))?
            };
            let answer = run_op(
                cfg,
                Op::Download {
                    id,
                    actor: control::cli_actor(),
                },
            );
            let v = match answer {
                Ok(v) => v,
                Err(e) => {
                    drop(file);
                    // Removing it may need root's rights, which the command
                    // gave up to open the store: then it says so.
                    if std::fs::remove_file(&out).is_err() {
                        return Err(e.context(format!(
                            "nothing was written; an empty {} was left there: remove it",
                            out.display()
                        )));
                    }
                    return Err(e);
                }
            };
            let zip = base64::engine::general_purpose::STANDARD
                .decode(v["zip_base64"].as_str().unwrap_or_default())
                .context("unexpected answer from the server")?;
            std::io::Write::write_all(&mut file, &zip)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} inside, AES-256, password: infected)",
                out.display(),
                shown(v["name"].as_str().unwrap_or(""))
            );
            println!("{}", ecluse_admin_ui::download::OPEN_WITH_FR);
            println!("{}", ecluse_admin_ui::download::OPEN_WITH_EN);
        }
        QuarantineCommand::Purge { expired } => {
            if !expired {
                bail!("say --expired: only items past retention_days are purged");
            }
            let v = run_op_shown(
                cfg,
                Op::Purge,
                "Purge des pièces expirées / Purging expired items",
            )?;
            println!(
                "{} items expired, {} items purged",
                v["expired"], v["purged"]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_keep_the_columns() {
        let long = "Compte-rendu du conseil municipal du 12 décembre 2026 (version signée).pdf";
        let cut = fit(long, 26);
        assert_eq!(cut.chars().count(), 26);
        assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(fit("facture.docx", 26), "facture.docx");
        assert_eq!(fit("é".repeat(26).as_str(), 26), "é".repeat(26));
    }

    #[test]
    fn an_empty_list_says_what_was_asked() {
        assert_eq!(
            nothing_listed(Some(Status::Requested)),
            "Aucune demande en attente. / No pending request."
        );
        assert!(nothing_listed(None).contains("Nothing held"));
    }
}

/// `ecluse audit …`.
pub fn audit(args: AuditArgs) -> ExitCode {
    let cfg = &args.config;
    let result = match args.command {
        AuditCommand::Verify => run_op_shown(
            cfg,
            Op::AuditVerify,
            "Vérification du journal d'audit / Verifying the audit log",
        )
        .map(|v| {
            let entries = v["entries"].as_u64().unwrap_or(0);
            let chains = v["chains"].as_array().cloned().unwrap_or_default();
            // One line per chain when there are several (one per tenant).
            if chains.len() > 1 {
                for c in &chains {
                    let name = c["chain"].as_str().unwrap_or("?");
                    let n = c["entries"].as_u64().unwrap_or(0);
                    match c["broken"].as_array() {
                        Some(b) => println!(
                            "  chain {name}: BROKEN at entry {}: {}",
                            b[0],
                            b[1].as_str().unwrap_or("")
                        ),
                        None => println!(
                            "  chain {name}: intact, {}",
                            ecluse_quarantine::mail::count_en(n as usize, "entry", "entries")
                        ),
                    }
                }
            }
            match v["broken"].as_array() {
                Some(b) => {
                    println!(
                        "audit log BROKEN at entry {}: {}",
                        b[0],
                        b[1].as_str().unwrap_or("")
                    );
                    println!(
                        "({} read up to it)",
                        ecluse_quarantine::mail::count_en(entries as usize, "entry", "entries")
                    );
                    ExitCode::from(1)
                }
                None => {
                    let noun = if entries == 1 { "entry" } else { "entries" };
                    if chains.len() > 1 {
                        println!(
                            "audit log intact: {entries} {noun} in {} chains, each entry chained to the one before",
                            chains.len()
                        );
                    } else {
                        println!("audit log intact: {entries} {noun}, each chained to the one before");
                    }
                    ExitCode::SUCCESS
                }
            }
        }),
        AuditCommand::Export { since } => run_op(cfg, Op::AuditExport { since }).map(|v| {
            for e in v.as_array().into_iter().flatten() {
                println!("{e}");
            }
            ExitCode::SUCCESS
        }),
    };
    result.unwrap_or_else(|e| {
        eprintln!("ecluse audit: {e:#}");
        ExitCode::from(3)
    })
}
