//! `ecluse check-config --config FILE`: everything `serve` checks before it
//! starts, nothing started, then what would fail in production as warnings
//! ([`probe`]).

use super::probe;
use crate::config::Config;
use crate::serve::ServeArgs;
use anyhow::{Context as _, Result};
use ecluse_quarantine::mail::count_en;

/// What the probing thread answers: the configuration with the IdP's
/// metadata in, how the IdP started, and the network probes' warnings.
type Probed = Result<(Config, crate::idp::Start, Vec<probe::Warning>)>;

/// `ecluse check-config --config FILE`: everything `serve` checks before
/// it starts (the configuration, the TLS files, the rules), nothing
/// started; then what would fail in production, as warnings
/// ([`probe`]): the network probes run while the rules compile,
/// all within [`probe::BUDGET`] (none with `--offline`), and never
/// make it fail.
pub fn run(args: ServeArgs) -> Result<()> {
    let config =
        Config::load(&args.config).map_err(|e| anyhow::anyhow!("configuration error: {e}"))?;
    super::owner::act_as_data_dir_owner(&config.quarantine.data_dir)?;
    not_writable(&config.quarantine.data_dir)?;
    let offline = args.offline;
    // The IdP and the network probes, on their own thread while the rules
    // compile here.
    let probing = start_probes(&config, offline);
    let loaded = crate::engines::rules::load(
        &config.rules,
        config.policy.clone(),
        Some(&crate::serve::rules_cache_dir(&config.quarantine.data_dir)),
    )?;
    let (config, idp, probed) = probing
        .join()
        .map_err(|_| anyhow::anyhow!("the network probes stopped"))??;
    if let Some(ui) = &config.admin.ui {
        ecluse_admin_ui::check(ui)
            .map_err(|e| anyhow::anyhow!("[admin.saml] / [admin.local]: {e}"))?;
    }
    if args.verbose {
        for warning in loaded.engine.warnings() {
            println!(
                "  rule warning: {}",
                warning.lines().next().unwrap_or_default()
            );
        }
    }
    let engine = loaded.engine.clone();
    let listen: Vec<String> = config.smtp.listen.iter().map(|a| a.to_string()).collect();
    println!("{}: configuration OK", args.config.display());
    for (name, w) in config.named_warnings() {
        println!("  warning [{name}]: {w}");
    }
    for w in probe::statics(&config).iter().chain(&probed) {
        println!("  warning [{}]: {}", w.name, w.text);
    }
    match &idp {
        crate::idp::Start::FromCopy(_) | crate::idp::Start::Waiting(_) if offline => println!(
            "  the IdP's metadata address was not asked (--offline); serve asks it at start"
        ),
        crate::idp::Start::FromCopy(why) => println!(
            "  warning [idp-unreachable]: the IdP's metadata cannot be fetched ({why}); serve starts from the copy kept in the data directory and asks again in the background"
        ),
        crate::idp::Start::Waiting(why) => println!(
            "  warning [idp-unreachable]: the IdP's metadata cannot be fetched ({why}) and no copy is kept; serve starts SMTP and the break-glass sign-in, and SAML sign-in as soon as the IdP answers"
        ),
        crate::idp::Start::Fetched | crate::idp::Start::NotByAddress => {}
    }
    if offline {
        println!(
            "  network probes skipped (--offline): downstream servers, the public_url host, the IdP"
        );
    }
    println!(
        "  SMTP on {} as {}, mail for {}",
        listen.join(", "),
        config.smtp.hostname,
        config.smtp.accepted_domains.join(", ")
    );
    println!(
        "  STARTTLS: {}",
        if config.smtp.tls.is_some() {
            "offered"
        } else {
            "not offered (no tls_cert/tls_key)"
        }
    );
    print_tenants(&config);
    match &config.smtp.verify_recipients {
        crate::config::VerifyRecipients::Off => println!(
            "  recipients: NOT verified: any address of the accepted domains gets 250, and mail for unknown ones bounces later (set [smtp] verify_recipients = \"callout\" or \"list\")"
        ),
        crate::config::VerifyRecipients::Callout => println!(
            "  recipients: verified at RCPT by asking {} (known for {}, unknown for {})",
            config.relay.downstream,
            humantime::format_duration(config.smtp.recipient_cache_positive),
            humantime::format_duration(config.smtp.recipient_cache_negative)
        ),
        crate::config::VerifyRecipients::List(file) => {
            let (a, d) = crate::config::RecipientList::read(file)
                .map(|l| l.len())
                .unwrap_or_default();
            println!(
                "  recipients: verified at RCPT against {} ({a} addresses, {d} whole domains)",
                file.display()
            )
        }
    }
    if config.smtp.sender_checks {
        println!(
            "  senders: SPF, DKIM, DMARC checked through {} (at most {} per message), Authentication-Results as {}; lookalikes of {}",
            if config.smtp.dns_resolvers.is_empty() {
                "the system's resolvers (/etc/resolv.conf)".to_string()
            } else {
                config
                    .smtp
                    .dns_resolvers
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            humantime::format_duration(config.smtp.sender_check_timeout),
            config.smtp.hostname,
            count_en(
                config.smtp.accepted_domains.len() + config.partner_domains.len(),
                "domain",
                "domains"
            )
        );
    } else {
        println!(
            "  senders: NOT checked (sender_checks = false): no SPF, DKIM or DMARC, no spoofed_sender or lookalike_sender, and no DSN to any sender"
        );
    }
    let allow = config
        .sender_rules
        .iter()
        .filter(|r| r.kind == ecluse_quarantine::RuleKind::Allow)
        .count();
    println!(
        "  sender rules in the file: {}, {}; admins add more in the web UI",
        count_en(allow, "exception", "exceptions"),
        count_en(
            config.sender_rules.len() - allow,
            "block entry",
            "block entries"
        )
    );
    println!(
        "  quarantine in {}, kept {} days",
        match &config.quarantine.backend {
            ecluse_quarantine::Backend::Sled => config.quarantine.data_dir.display().to_string(),
            ecluse_quarantine::Backend::Postgres(o) => format!(
                "PostgreSQL {} (shared by every node; local files in {}; deliveries claimed for {}s)",
                o.redacted(),
                config.quarantine.data_dir.display(),
                config.quarantine.delivery_lease.as_secs()
            ),
        },
        config.quarantine.retention_days
    );
    println!(
        "  admin UI on {}{}, links to {}",
        config.admin.listen,
        if config.admin.tls.is_some() {
            " (HTTPS)"
        } else {
            ""
        },
        config.admin.public_url
    );
    match &config.admin.ui {
        Some(ui) => print_sign_in(ui, config.tenants.implicit()),
        None => println!("  sign-in: none configured, the web UI is off ([admin.saml])"),
    }
    println!("  {}", loaded.summary());
    let _ = engine;
    if let Some(c) = &config.clamav {
        match crate::engines::clamav::ping(c) {
            Ok(version) => println!("  ClamAV at {}: {version}", c.address),
            Err(e) => println!(
                "  ClamAV at {}: NOT ANSWERING ({e}); until it does, mail gets {}",
                c.address,
                match c.on_error {
                    crate::config::OnError::Tempfail => "451 (the senders try again later)",
                    crate::config::OnError::Hold => "held in quarantine",
                }
            ),
        }
    }
    Ok(())
}

/// Fails when files in `data_dir` (the directory itself and two levels
/// below it, at most 10,000 entries looked at) are not writable by this
/// user: `serve` would stop on « Permission denied » at its first write.
/// Typically files a command run as root created while the server was
/// stopped, before commands run as root acted as the directory's owner.
fn not_writable(data_dir: &std::path::Path) -> Result<()> {
    fn writable(p: &std::path::Path) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
            return true;
        };
        // SAFETY: c is a valid C string; access() only reads it.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
    if !data_dir.exists() {
        return Ok(());
    }
    let mut bad: Vec<std::path::PathBuf> = Vec::new();
    let mut seen = 0usize;
    let mut dirs = vec![(data_dir.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        if !writable(&dir) {
            bad.push(dir.clone());
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            seen += 1;
            if seen > 10_000 {
                break;
            }
            let path = e.path();
            // The package's README (root's, read-only, 644): nothing writes
            // it, and a fresh install's check must pass (deployment trial 3).
            if depth == 0 && e.file_name() == "README" {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() && depth < 2 => dirs.push((path, depth + 1)),
                Ok(t) if t.is_file() && !writable(&path) => bad.push(path),
                _ => {}
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    anyhow::bail!(
        "{} file(s) in {} are not writable by this user (uid {uid}), e.g. {}: `ecluse serve` would stop at its first write. Give them back to the service's user: chown -R ecluse:ecluse {}",
        bad.len(),
        data_dir.display(),
        bad[0].display(),
        data_dir.display()
    )
}

/// Fetches the IdP's metadata and runs the network probes on a thread of
/// their own, both within [`probe::BUDGET`] (the IdP not asked and no probe
/// run when `offline`); past the deadline nothing is waited for (a DNS
/// lookup still running is left to the end of the process). The thread
/// answers the configuration with the IdP's metadata in, how the IdP
/// started, and the probes' warnings.
fn start_probes(config: &Config, offline: bool) -> std::thread::JoinHandle<Probed> {
    let data_dir = config.quarantine.data_dir.clone();
    let mut with_idp = config.clone();
    let probed = config.clone();
    std::thread::spawn(move || -> Probed {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let (idp, warnings) = runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + probe::BUDGET;
            let limit = if offline {
                std::time::Duration::ZERO
            } else {
                probe::BUDGET
            };
            tokio::join!(
                crate::idp::at_start_within(&mut with_idp, &data_dir, false, limit),
                async {
                    if offline {
                        Vec::new()
                    } else {
                        probe::network(&probed, deadline).await
                    }
                }
            )
        });
        runtime.shutdown_background();
        Ok((with_idp, idp, warnings))
    })
}

/// How people sign in and who administers what: the SAML groups (the
/// service's admins; each commune's group is on its tenant's line) and the
/// break-glass account.
fn print_sign_in(ui: &ecluse_admin_ui::UiConfig, implicit: bool) {
    match &ui.saml {
        Some(saml) => {
            println!(
                "  sign-in: SAML as {} (mail address from `{}`, groups from `{}`)",
                saml.sp_entity_id, saml.email_attribute, saml.groups_attribute
            );
            let mut service: Vec<String> = Vec::new();
            if !saml.admin_group.is_empty() {
                service.push(format!("« {} »", saml.admin_group));
            }
            if let Some(g) = &saml.service_admin_group {
                service.push(format!("« {g} »"));
            }
            match (implicit, service.is_empty()) {
                (true, true) => println!(
                    "  admins: NOBODY through SAML ([admin.saml] admin_group is empty): every signed-in person is an agent"
                ),
                (true, false) => println!("  admins: members of {}", service.join(" or ")),
                (false, true) => println!(
                    "  service admins (every commune): NOBODY through SAML (no admin_group or service_admin_group); each commune's admins are its admin_group below"
                ),
                (false, false) => println!(
                    "  service admins (every commune): members of {}; each commune's admins: its admin_group below",
                    service.join(" or ")
                ),
            }
        }
        None => println!("  sign-in: no SAML ([admin.saml] absent): agents cannot sign in"),
    }
    match &ui.local {
        Some(local) => println!(
            "  break-glass admin: local account « {} » at {}/admin/break-glass (every commune)",
            local.username, ui.public_url
        ),
        None => println!("  break-glass admin: none ([admin.local]): if the IdP is down, nobody can sign in"),
    }
}

/// The tenants (or the one implicit tenant): where their mail goes, who
/// administers them, and where their policy differs from the service's.
fn print_tenants(config: &Config) {
    if config.tenants.implicit() {
        println!(
            "  relaying to {} (STARTTLS {:?})",
            config.relay.downstream, config.relay.starttls
        );
        println!("  one tenant (no [[tenant]] blocks): every item and audit entry in `default`");
    } else {
        if !config.relay.downstream.is_empty() {
            println!(
                "  the service's mail server, for the communes without a downstream of their own: {} (STARTTLS {:?})",
                config.relay.downstream, config.relay.starttls
            );
        }
        let locked: Vec<&str> = config.locked.iter().map(|c| c.as_str()).collect();
        println!(
            "  {} tenants (communes); the service's [policy] is their floor, locked: {}",
            config.tenants.all().len(),
            locked.join(", ")
        );
        for t in config.tenants.all() {
            let mut differs: Vec<String> = ecluse_scanner::Category::ALL
                .iter()
                .filter(|c| t.policy.action(**c) != config.policy.action(**c))
                .map(|c| format!("{c} = {}", t.policy.action(*c).as_str()))
                .collect();
            if t.policy.self_release_list() != config.policy.self_release_list() {
                let list: Vec<&str> = t
                    .policy
                    .self_release_list()
                    .iter()
                    .map(|c| c.as_str())
                    .collect();
                differs.push(format!("self_release = [{}]", list.join(", ")));
            }
            if !t.overrides.is_empty() {
                differs.push(format!(
                    "{} for some recipients",
                    count_en(t.overrides.len(), "override", "overrides")
                ));
            }
            println!(
                "    {} « {} »: {} → {} (STARTTLS {:?}); admins: {}; kept {} days; policy: {}",
                t.id,
                t.name,
                t.domains.join(", "),
                t.relay.downstream,
                t.relay.starttls,
                t.admin_group
                    .as_deref()
                    .unwrap_or("(no admin group: service admins only)"),
                t.retention_days,
                if differs.is_empty() {
                    "the service's".to_string()
                } else {
                    differs.join(", ")
                }
            );
        }
    }
}
