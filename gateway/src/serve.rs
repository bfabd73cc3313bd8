//! `ecluse serve`: the SMTP listener, the relay worker and the admin
//! listener (the web UI, `/healthz`, `/metrics`; HTTPS when `[admin]
//! tls_cert` is set) in one process.
//!
//! [`run`] is the library entry point: it takes bound listeners and a
//! shutdown signal (mini-redis style), so `main` only binds and wires.
//! SIGTERM or Ctrl-C: stop accepting, answer `421` to open sessions, let
//! in-flight scans and writes finish, let deliveries in flight finish,
//! flush the store, exit 0.

use crate::config::NoticeConfig;
use crate::config::{AdminConfig, Config};
use crate::control::{ReloadRequest, Running};
use crate::inbound::{self, Context};
use crate::outbound::{Relay, Routes};
use anyhow::{Context as _, Result};
use ecluse_quarantine::Store;
use ecluse_quarantine::mail::count_en;
use ecluse_scanner::Engine;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};

/// `ecluse serve` arguments.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The configuration file (see the README for every key).
    #[arg(long, short, value_name = "FILE")]
    pub config: PathBuf,
    /// With check-config: list each warning of the YARA compiler (slow or
    /// redundant patterns) instead of their number.
    #[arg(long)]
    pub verbose: bool,
    /// With check-config: no network probes (downstream servers, the
    /// public_url host, the IdP's metadata address), for packaging and CI.
    #[arg(long)]
    pub offline: bool,
}

fn metrics_recorder() -> Option<PrometheusHandle> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("ecluse_scan_seconds".into()),
            &[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ],
        )
        .ok()?
        .install_recorder()
        .ok()
        .inspect(|_| {
            // Set before any listener accepts: `/metrics` is never empty,
            // and says which build answers.
            metrics::gauge!("ecluse_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        })
}

/// Runs everything until `shutdown` turns true; `source` is the file
/// `config` was read from, read again by a reload (`None`: a reload reads
/// the rules and the certificate only, as for `ecluse demo`).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    config: Config,
    engine: Engine,
    store: Arc<Store>,
    smtp_listeners: Vec<TcpListener>,
    admin_listener: TcpListener,
    control: (TcpListener, String),
    shutdown: watch::Receiver<bool>,
    source: Option<PathBuf>,
) -> Result<()> {
    let config = Arc::new(config);
    config.prepare_store(&store);
    let tls = match &config.smtp.tls {
        Some((cert, key)) => Some(tokio_rustls::TlsAcceptor::from(
            crate::tls::server_config(cert, key).map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    let notices = NoticeConfig {
        hostname: config.smtp.hostname.clone(),
        public_url: config.admin.public_url.clone(),
        org: None,
        contact: None,
        help: None,
        zone: config.time_zone.clone(),
    };
    let wakeup = Arc::new(Notify::new());
    {
        // Another node queued a delivery (PostgreSQL NOTIFY): wake ours.
        let w = wakeup.clone();
        store.listen_queue(Arc::new(move || w.notify_one()));
    }
    let ui = match &config.admin.ui {
        Some(ui_config) => Some(Arc::new(
            ecluse_admin_ui::Ui::new(store.clone(), ui_config.clone())
                .map_err(|e| anyhow::anyhow!("[admin.saml] / [admin.local]: {e}"))?,
        )),
        None => None,
    };
    // An IdP metadata address: asked again in the background (SAML may be
    // waiting for it, or running on the copy kept in the data directory).
    if let (Some(ui), Some(url), Some(ui_config)) =
        (&ui, &config.admin.idp_metadata_url, &config.admin.ui)
    {
        let current = ui_config
            .saml
            .as_ref()
            .map(|s| s.idp_metadata.clone())
            .unwrap_or_default();
        tokio::spawn(crate::idp::refresh(
            ui.clone(),
            url.clone(),
            config.quarantine.data_dir.clone(),
            current,
            config.admin.idp_metadata_fresh,
            shutdown.clone(),
        ));
    }
    // What the dashboard shows of the engines, kept current by the reloads,
    // the clamd checks and the scans.
    let engines = ui.as_ref().map(|ui| ui.engines()).unwrap_or_default();
    let senders = sender_checks(&config).map_err(anyhow::Error::msg)?;
    let ctx = Arc::new(Context {
        config: std::sync::RwLock::new(config.clone()),
        engine: std::sync::RwLock::new(Arc::new(engine)),
        store: store.clone(),
        scans: Arc::new(Semaphore::new(config.smtp.max_scans)),
        tls: std::sync::RwLock::new(tls),
        notices: notices.clone(),
        relay_wakeup: wakeup.clone(),
        engines: engines.clone(),
        recipients: std::sync::RwLock::new(Arc::new(verifier(&config, &store))),
        senders: std::sync::RwLock::new(senders),
        harvest: inbound::harvest::HarvestGuard::new(config.smtp.unknown_recipient_limit),
    });
    let relay = Arc::new(Relay {
        store: store.clone(),
        config: config.relay.clone(),
        notices,
        wakeup,
        dsn_sent: Default::default(),
        routes: std::sync::RwLock::new(Arc::new(Routes {
            relay: config.relay.clone(),
            tenants: config.tenants.clone(),
        })),
        lease: config.quarantine.delivery_lease,
    });
    let handle = metrics_recorder();
    let clamav = config.clamav.clone();
    // /metrics shows per-commune volumes: with [admin] metrics_token, its
    // bearer only; without, a loopback peer that is no trusted proxy and
    // forwards nobody. Both routes get the UI's security headers.
    let metrics_access = Arc::new(ecluse_admin_ui::web::MetricsAccess {
        token: config.admin.metrics_token.clone(),
        proxies: config.admin.proxies.clone(),
    });
    let router = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let handle = handle.clone();
                async move { handle.map(|h| h.render()).unwrap_or_default() }
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            metrics_access,
            ecluse_admin_ui::web::metrics_gate,
        ))
        .route(
            "/healthz",
            axum::routing::get({
                let store = store.clone();
                move || healthz(clamav.clone(), store.clone())
            }),
        )
        .layer(axum::middleware::from_fn(
            ecluse_admin_ui::web::security_headers,
        ));
    // The UI's routes are asked through a slot a reload may fill with a
    // UI that knows other communes; requests in flight finish with theirs.
    let ui_slot: Option<UiSlot> = ui.as_ref().map(|ui| {
        Arc::new(std::sync::RwLock::new((
            ui.clone(),
            ecluse_admin_ui::router(ui.clone()),
        )))
    });
    let (router, ui) = match (ui, &ui_slot) {
        (Some(ui), Some(slot)) => {
            let slot = slot.clone();
            let current = tower::service_fn(move |req: axum::extract::Request| {
                let router = slot.read().expect("ui lock").1.clone();
                async move {
                    use tower::ServiceExt as _;
                    router.oneshot(req).await
                }
            });
            (router.fallback_service(current), Some(ui))
        }
        _ => {
            tracing::warn!(
                "admin UI off: configure [admin.saml] (or [admin.local]) so that agents and admins can sign in"
            );
            (router, None)
        }
    };
    let admin_tls = match &config.admin.tls {
        Some((cert, key)) => Some(tokio_rustls::TlsAcceptor::from(
            crate::tls::server_config(cert, key).map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    let admin = tokio::spawn(serve_admin(
        admin_listener,
        router,
        admin_tls,
        shutdown.clone(),
    ));
    let relay_task = tokio::spawn(relay.clone().run(shutdown.clone()));
    show_rules(&engines, &config.rules, &ctx.engine());
    if let Some(clamav) = config.clamav.clone() {
        tokio::spawn(watch_clamd(clamav, engines.clone(), shutdown.clone()));
    }
    let (control_listener, token) = control;
    let reload = reloader(
        Arc::new(Reloadable {
            ctx: ctx.clone(),
            relay: relay.clone(),
            ui: ui_slot,
            engines,
            source,
        }),
        shutdown.clone(),
    );
    tokio::spawn(crate::control::serve(
        control_listener,
        token,
        store.clone(),
        config.limits.clone(),
        ctx.relay_wakeup.clone(),
        Some(reload),
        shutdown.clone(),
    ));
    tokio::spawn(retention(store.clone(), ui, shutdown.clone()));
    inbound::run(smtp_listeners, ctx, shutdown).await;
    tracing::info!("SMTP sessions finished; waiting for deliveries in flight");
    let _ = relay_task.await;
    let _ = admin.await;
    let s = store.clone();
    tokio::task::spawn_blocking(move || s.sync())
        .await?
        .context("final flush of the store")?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// The web UI in force and its routes; a reload puts in another when the
/// communes or the file's sender rules change.
type UiSlot = Arc<std::sync::RwLock<(Arc<ecluse_admin_ui::Ui>, axum::Router)>>;

/// What a reload swaps: the SMTP side's configuration, engine, STARTTLS,
/// recipient verifier and sender checks, the relay's routes, the UI's
/// communes; and where the file is.
struct Reloadable {
    ctx: Arc<Context>,
    relay: Arc<Relay>,
    ui: Option<UiSlot>,
    engines: ecluse_admin_ui::Engines,
    source: Option<PathBuf>,
}

/// The domains whose servers are the organisation's own, for the scanner
/// (`Engine::with_own_domains`: a document template fetched from one of
/// them is not held for reaching outside): every accepted domain, every
/// tenant's, and `[policy] partner_domains`.
fn own_domains(config: &Config) -> Vec<String> {
    config
        .smtp
        .accepted_domains
        .iter()
        .chain(&config.partner_domains)
        .cloned()
        .collect()
}

/// Recipient verification as `config` says.
fn verifier(config: &Config, store: &Arc<Store>) -> inbound::recipients::Verifier {
    inbound::recipients::Verifier::new(
        config.smtp.verify_recipients.clone(),
        store.clone(),
        config.relay.clone(),
        config.smtp.hostname.clone(),
        config.smtp.recipient_cache_positive,
        config.smtp.recipient_cache_negative,
    )
    .with_tenants(config.tenants.clone())
}

/// The sender checks as `config` says (`None`: `sender_checks = false`).
fn sender_checks(
    config: &Config,
) -> Result<Option<Arc<inbound::provenance::SenderChecks>>, String> {
    if !config.smtp.sender_checks {
        return Ok(None);
    }
    inbound::provenance::SenderChecks::new(
        &config.smtp.dns_resolvers,
        &config.smtp.hostname,
        &config.smtp.accepted_domains,
        &config.partner_domains,
        config.smtp.sender_check_timeout,
    )
    .map(|c| Some(Arc::new(c)))
    .map_err(|e| format!("{e}; set [smtp] dns_resolvers, or sender_checks = false"))
}

/// Starts the task that reloads on SIGHUP and on `ecluse reload` (over the
/// control port), one reload at a time: the configuration file, the rules
/// and the STARTTLS certificate are read and checked first, then swapped
/// together ([`reload_now`]); a failure keeps what is in force and says
/// why (log, and the answer). Sessions in flight go on with what they
/// started with.
fn reloader(
    reload: Arc<Reloadable>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::sync::mpsc::Sender<ReloadRequest> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ReloadRequest>(4);
    let from_signal = tx.clone();
    let mut hangup_stop = shutdown.clone();
    tokio::spawn(async move {
        let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("SIGHUP cannot be handled here; use `ecluse reload`");
            return;
        };
        loop {
            tokio::select! {
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP: reloading the configuration, the rules and the TLS certificate");
                    let (answer, _) = tokio::sync::oneshot::channel();
                    if from_signal.send(answer).await.is_err() {
                        return;
                    }
                }
                _ = crate::shutdown::stopped(&mut hangup_stop) => return,
            }
        }
    });
    tokio::spawn(async move {
        loop {
            let answer = tokio::select! {
                req = rx.recv() => match req { Some(a) => a, None => return },
                _ = crate::shutdown::stopped(&mut shutdown) => return,
            };
            let r = reload.clone();
            let outcome = tokio::task::spawn_blocking(move || reload_now(&r))
                .await
                .unwrap_or_else(|e| Err(format!("the reload stopped: {e}")));
            let file = reload
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            match &outcome {
                Ok(what) => {
                    let config = reload.ctx.config();
                    show_rules(&reload.engines, &config.rules, &reload.ctx.engine());
                    let mut lines = what.lines();
                    tracing::info!(file, "reloaded: {}", lines.next().unwrap_or_default());
                    for line in lines {
                        tracing::warn!(file, "reload: {}", line.trim());
                    }
                }
                Err(why) => tracing::error!(
                    file,
                    "reload failed, the configuration, rules and certificate in force are kept: {why}"
                ),
            }
            let _ = answer.send(outcome);
        }
    });
    tx
}

/// Settings read once at start: a reload leaves them as they are and says
/// so, one line each (`[smtp] listen: changed in the file, …`).
fn keep_restart_only(old: &Config, mut new: Config) -> Result<(Config, Vec<String>), String> {
    if old.tenants.implicit() != new.tenants.implicit() {
        return Err(if new.tenants.implicit() {
            "the file has no [[tenant]] block any more, and the running server has tenants: going back to one implicit tenant changes where every item and audit entry is kept, restart `ecluse serve` for it".into()
        } else {
            "the file has [[tenant]] blocks now, and the running server has none: the first tenant changes where every item and audit entry is kept, restart `ecluse serve` for it".into()
        });
    }
    let mut ignored = Vec::new();
    macro_rules! keep {
        ($key:expr, $($field:tt)+) => {
            if format!("{:?}", old.$($field)+) != format!("{:?}", new.$($field)+) {
                ignored.push($key);
                new.$($field)+ = old.$($field)+.clone();
            }
        };
    }
    keep!("[smtp] listen", smtp.listen);
    keep!("[smtp] hostname", smtp.hostname);
    keep!("[smtp] max_connections", smtp.max_connections);
    keep!("[smtp] max_scans", smtp.max_scans);
    keep!(
        "[smtp] unknown_recipient_limit",
        smtp.unknown_recipient_limit
    );
    keep!("[quarantine] data_dir", quarantine.data_dir);
    keep!(
        "[store] backend, url, ca_file, password_file, pool_size",
        quarantine.backend
    );
    keep!("[store] delivery_lease", quarantine.delivery_lease);
    keep!("[relay] concurrency", relay.concurrency);
    keep!("[scanner.clamav]", clamav);
    keep!("[admin] listen", admin.listen);
    keep!("[admin] public_url", admin.public_url);
    keep!("[admin] tls_cert / tls_key", admin.tls);
    keep!("[admin] trusted_proxies / proxy_header", admin.proxies);
    // The UI's own settings, apart from the communes and the sender rules
    // (which a reload gives it) and metadata fetched from an address.
    let sign_in = |c: &Config| {
        c.admin.ui.as_ref().map(|u| {
            let mut u = u.clone();
            u.tenants.clear();
            u.sender_rules.clear();
            if c.admin.idp_metadata_url.is_some()
                && let Some(s) = u.saml.as_mut()
            {
                s.idp_metadata.clear();
            }
            format!("{u:?}")
        })
    };
    if sign_in(old) != sign_in(&new) || old.admin.idp_metadata_url != new.admin.idp_metadata_url {
        ignored.push("[admin.saml] / [admin.local] / [admin] session_idle, session_max");
    }
    // [admin] notify is the store's; the rest of [admin] stays as started,
    // with the communes and sender rules of the new file.
    let notify = std::mem::take(&mut new.admin.notify);
    let metrics_token_given = new.admin.metrics_token.is_some();
    new.admin = AdminConfig {
        notify,
        ..old.admin.clone()
    };
    if metrics_token_given != old.admin.metrics_token.is_some() {
        ignored.push("[admin] metrics_token");
    }
    if let Some(ui) = new.admin.ui.as_mut() {
        ui.tenants = new.tenants.for_ui();
        ui.sender_rules = new.sender_rules.clone();
    }
    let lines = ignored
        .into_iter()
        .map(|key| {
            format!("{key}: changed in the file, not applied: it takes a restart of `ecluse serve`")
        })
        .collect();
    Ok((new, lines))
}

/// What a reload changed, in a few words each.
fn changes(old: &Config, new: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let debug = |t: &crate::config::Tenant| format!("{t:?}");
    let (mut added, mut changed, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for t in new.tenants.all() {
        match old.tenants.get(&t.id) {
            None => added.push(t.id.as_str()),
            Some(o) if debug(o) != debug(t) => changed.push(t.id.as_str()),
            Some(_) => {}
        }
    }
    for t in old.tenants.all() {
        if new.tenants.get(&t.id).is_none() {
            removed.push(t.id.as_str());
        }
    }
    let mut tenants = Vec::new();
    if !added.is_empty() {
        tenants.push(format!("added {}", added.join(", ")));
    }
    if !changed.is_empty() {
        tenants.push(format!("changed {}", changed.join(", ")));
    }
    if !removed.is_empty() {
        tenants.push(format!(
            "removed {} (their held items stay until retention)",
            removed.join(", ")
        ));
    }
    if !tenants.is_empty() {
        let what = if new.tenants.implicit() {
            "the tenant"
        } else {
            "tenants"
        };
        out.push(format!("{what}: {}", tenants.join("; ")));
    }
    if old.policy != new.policy
        || old.locked != new.locked
        || old.partner_domains != new.partner_domains
    {
        out.push("[policy] changed".into());
    }
    if old.sender_rules != new.sender_rules {
        let allow = new
            .sender_rules
            .iter()
            .filter(|r| r.kind == ecluse_quarantine::RuleKind::Allow)
            .count();
        out.push(format!(
            "sender rules of the file: {}, {}",
            count_en(allow, "exception", "exceptions"),
            count_en(
                new.sender_rules.len() - allow,
                "block entry",
                "block entries"
            )
        ));
    }
    for (key, differs) in [
        (
            "[smtp]",
            format!("{:?}", old.smtp) != format!("{:?}", new.smtp),
        ),
        (
            "[relay]",
            format!("{:?}", old.relay) != format!("{:?}", new.relay),
        ),
        (
            "[scanner] limits",
            format!("{:?}", old.limits) != format!("{:?}", new.limits),
        ),
        (
            "[quarantine] retention_days",
            old.quarantine.retention_days != new.quarantine.retention_days,
        ),
        ("[admin] notify", old.admin.notify != new.admin.notify),
    ] {
        if differs {
            out.push(format!("{key} changed"));
        }
    }
    out
}

/// Reads the configuration file (when the server has one), the rules
/// (through the cache) and the STARTTLS certificate again, builds what
/// depends on them, and swaps it all in when everything is good: the
/// configuration new sessions and transactions go by, the engine and its
/// policy, the recipient verifier and the sender checks, the relay's
/// routes, the UI's communes, the store's notification addresses.
/// Settings read once at start are kept ([`keep_restart_only`]).
fn reload_now(r: &Reloadable) -> Result<String, String> {
    let old = r.ctx.config();
    let (new, ignored) = match &r.source {
        None => ((*old).clone(), Vec::new()),
        Some(path) => {
            let fresh = Config::load(path).map_err(|e| format!("configuration error: {e}"))?;
            keep_restart_only(&old, fresh)?
        }
    };
    let loaded = crate::engines::rules::load(
        &new.rules,
        new.policy.clone(),
        Some(&rules_cache_dir(&new.quarantine.data_dir)),
    )
    .map_err(|e| format!("{e:#}"))?;
    let tls = match &new.smtp.tls {
        Some((cert, key)) => Some(tokio_rustls::TlsAcceptor::from(
            crate::tls::server_config(cert, key)
                .map_err(|e| format!("[smtp] tls_cert / tls_key: {e}"))?,
        )),
        None => None,
    };
    let senders = sender_checks(&new)?;
    let recipients = Arc::new(verifier(&new, &r.ctx.store));
    let ui = match &r.ui {
        Some(slot) => {
            let current = slot.read().expect("ui lock").0.clone();
            let (tenants, rules) = current.tenancy();
            let want = new.tenants.for_ui();
            (tenants != want.as_slice() || rules != new.sender_rules.as_slice())
                .then(|| Arc::new(current.with_tenants(want, new.sender_rules.clone())))
        }
        None => None,
    };
    let mut what = changes(&old, &new);
    if what.is_empty() && r.source.is_some() {
        what.push("configuration unchanged".into());
    }
    // Everything is built: swap it in.
    new.prepare_store(&r.ctx.store);
    let summary = loaded.summary();
    let with_tls = tls.is_some();
    *r.relay.routes.write().expect("routes lock") = Arc::new(Routes {
        relay: new.relay.clone(),
        tenants: new.tenants.clone(),
    });
    if let (Some(slot), Some(ui)) = (&r.ui, ui) {
        let router = ecluse_admin_ui::router(ui.clone());
        *slot.write().expect("ui lock") = (ui, router);
    }
    // Pages write times in the zone notices use.
    ecluse_admin_ui::web::set_time_zone(new.time_zone.clone());
    *r.ctx.engine.write().expect("engine lock") =
        Arc::new(loaded.engine.with_own_domains(&own_domains(&new)));
    *r.ctx.tls.write().expect("tls lock") = tls;
    *r.ctx.recipients.write().expect("recipients lock") = recipients;
    *r.ctx.senders.write().expect("senders lock") = senders;
    *r.ctx.config.write().expect("config lock") = Arc::new(new);
    let mut out = summary;
    if !what.is_empty() {
        out.push_str("; ");
        out.push_str(&what.join("; "));
    }
    if with_tls {
        out.push_str("; STARTTLS certificate read again");
    }
    for line in ignored {
        out.push_str("\n  ");
        out.push_str(&line);
    }
    Ok(out)
}

/// Puts the rules in force on the dashboard.
fn show_rules(
    engines: &ecluse_admin_ui::Engines,
    sources: &crate::config::RuleSources,
    engine: &Engine,
) {
    if let Ok(mut e) = engines.write() {
        e.yara_rules = engine.rule_count();
        e.yara_builtin = sources.builtin;
        e.yara_paths = sources
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        e.yara_loaded_at = Some(jiff::Timestamp::now());
    }
}

/// How often clamd is asked whether it is there, for the dashboard and
/// `ecluse_clamav_up` while no mail comes.
const CLAMD_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Pings clamd every [`CLAMD_CHECK_EVERY`] and records the answer for the
/// dashboard and the `ecluse_clamav_up` gauge; logs when it goes down and
/// when it is back.
async fn watch_clamd(
    clamav: crate::config::ClamavConfig,
    engines: ecluse_admin_ui::Engines,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let c = clamav.clone();
        let state =
            match tokio::task::spawn_blocking(move || crate::engines::clamav::ping(&c)).await {
                Ok(Ok(version)) => Ok(version),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the check stopped: {e}")),
            };
        crate::engines::clamav::record(&engines, &clamav, state.map(Some));
        tokio::select! {
            _ = tokio::time::sleep(CLAMD_CHECK_EVERY) => {}
            _ = crate::shutdown::stopped(&mut shutdown) => return,
        }
    }
}

/// Serves the admin router, over TLS when an acceptor is given. Each
/// request carries the client's address (`ConnectInfo`) for the audit log.
async fn serve_admin(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    use axum::extract::ConnectInfo;
    let Some(acceptor) = tls else {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .await;
        return;
    };
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "admin listener: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = crate::shutdown::stopped(&mut shutdown) => return,
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let handshake =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(tcp));
            let Ok(Ok(stream)) = handshake.await else {
                return;
            };
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req.extensions_mut().insert(ecluse_admin_ui::web::Https);
                    let router = router.clone();
                    async move {
                        use tower::ServiceExt as _;
                        router.oneshot(req.map(axum::body::Body::new)).await
                    }
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(30))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = crate::shutdown::stopped(&mut stop) => {}
            }
        });
    }
}

/// Expires and purges items past retention at start and then hourly, and
/// forgets expired web sessions.
async fn retention(
    store: Arc<Store>,
    ui: Option<Arc<ecluse_admin_ui::Ui>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Some(ui) = ui.clone() {
            match tokio::task::spawn_blocking(move || ui.purge_sessions()).await {
                Ok(Err(e)) => tracing::error!(error = %e, "sessions: purge failed"),
                Err(e) => tracing::error!(error = %e, "sessions: purge task failed"),
                Ok(Ok(_)) => {}
            }
        }
        // One node at a time across a cluster (PostgreSQL advisory lock).
        let s = store.clone();
        let ran = tokio::task::spawn_blocking(move || {
            s.exclusive_job(|| (s.recipient_cache_purge(), s.purge_expired(|_, _| {})))
        })
        .await;
        match ran {
            Ok(Ok(Some((cache, purge)))) => {
                if let Err(e) = cache {
                    tracing::error!(error = %e, "recipient verification cache: purge failed");
                }
                match purge {
                    Ok(p) if p.purged > 0 => {
                        tracing::info!(expired = p.expired, purged = p.purged, "retention: purged")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(
                        error = %e,
                        "retention: purge failed; will retry in an hour"
                    ),
                }
            }
            Ok(Ok(None)) => tracing::debug!("retention: another node is purging"),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "retention: cannot take the jobs' lock; will retry in an hour")
            }
            Err(e) => tracing::error!(error = %e, "retention: purge task failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
            _ = crate::shutdown::stopped(&mut shutdown) => return,
        }
    }
}

/// `GET /healthz`: `ok`, and with ClamAV configured whether clamd answers
/// (`clamav: up` or `clamav: down (why)`); always 200, since Écluse itself
/// is up (mail gets `451` or is held while clamd is down).
async fn healthz(
    clamav: Option<crate::config::ClamavConfig>,
    store: Arc<Store>,
) -> (axum::http::StatusCode, String) {
    // The store first: without it nothing is accepted (SMTP answers 451),
    // so a load balancer must take the node out (503).
    let backend = store.backend_name();
    let s = store.clone();
    match tokio::task::spawn_blocking(move || s.ping()).await {
        Ok(Ok(())) => metrics::gauge!("ecluse_store_up").set(1.0),
        // The reason goes to the log only: /healthz answers anyone who
        // reaches the UI's port, and the reason names the database.
        Ok(Err(e)) => {
            metrics::gauge!("ecluse_store_up").set(0.0);
            tracing::error!(error = %e, "healthz: the store does not take writes");
            return (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("unavailable\nstore: {backend} down (the reason is in the log)\n"),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "healthz: the store check failed");
            return (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("unavailable\nstore: {backend} unknown (the reason is in the log)\n"),
            );
        }
    }
    let store_line = format!("store: {backend} up\n");
    let Some(c) = clamav else {
        return (axum::http::StatusCode::OK, format!("ok\n{store_line}"));
    };
    let ping = tokio::task::spawn_blocking(move || crate::engines::clamav::ping(&c)).await;
    let body = match ping {
        Ok(Ok(_)) => {
            metrics::gauge!("ecluse_clamav_up").set(1.0);
            format!("ok\n{store_line}clamav: up\n")
        }
        Ok(Err(e)) => {
            metrics::gauge!("ecluse_clamav_up").set(0.0);
            format!("ok\n{store_line}clamav: down ({e})\n")
        }
        Err(e) => format!("ok\n{store_line}clamav: unknown ({e})\n"),
    };
    (axum::http::StatusCode::OK, body)
}

/// Where `serve` and `check-config` keep the compiled rules.
pub fn rules_cache_dir(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("rules-cache")
}

/// `ecluse serve --config FILE`.
pub fn main(args: ServeArgs) -> Result<()> {
    let config =
        Config::load(&args.config).map_err(|e| anyhow::anyhow!("configuration error: {e}"))?;
    // A reload reads the same file, wherever the process's directory is.
    let source = std::path::absolute(&args.config).unwrap_or(args.config);
    serve_from(config, None, Some(source))
}

/// Runs the server for `config` until SIGTERM or Ctrl-C; `started` is told
/// where it listens once it does (the demo sends its samples then).
pub fn serve_with(config: Config, started: Option<std::sync::mpsc::Sender<Running>>) -> Result<()> {
    serve_from(config, started, None)
}

/// [`serve_with`], with the file the configuration was read from: a
/// reload (SIGHUP, `ecluse reload`) reads it again.
pub fn serve_from(
    config: Config,
    started: Option<std::sync::mpsc::Sender<Running>>,
    source: Option<PathBuf>,
) -> Result<()> {
    crate::tls::install_provider();
    let loaded = crate::engines::rules::load(
        &config.rules,
        config.policy.clone(),
        Some(&rules_cache_dir(&config.quarantine.data_dir)),
    )?;
    if let Some(note) = &loaded.cache_note {
        tracing::info!(reason = %note, "compiled-rules cache not used");
    }
    tracing::info!("{}", loaded.summary());
    for w in config.warnings() {
        tracing::warn!("configuration: {w}");
    }
    let engine = loaded.engine.with_own_domains(&own_domains(&config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let mut config = config;
        let data_dir = config.quarantine.data_dir.clone();
        match crate::idp::at_start(&mut config, &data_dir, true).await {
            crate::idp::Start::NotByAddress => {}
            crate::idp::Start::Fetched => {
                config.admin.idp_metadata_fresh = true;
                tracing::info!("IdP metadata fetched; a copy is kept in the data directory");
            }
            crate::idp::Start::FromCopy(why) => tracing::warn!(reason = %why, "the IdP does not answer: SAML sign-in starts from the copy of its metadata kept in the data directory; asking again in the background"),
            crate::idp::Start::Waiting(why) => tracing::warn!(reason = %why, "the IdP does not answer and no copy of its metadata is kept: SMTP and the break-glass sign-in start now, SAML sign-in as soon as the IdP answers"),
        }
        // One `serve` per data directory, whatever the store: its
        // serve.json and admin token are this process's. With sled the
        // store's lock says so too; with PostgreSQL only this does.
        std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let lock_path = data_dir.join("serve.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            anyhow::bail!(
                "{}: another `ecluse serve` uses this data directory; give each node its own [quarantine] data_dir",
                data_dir.display()
            );
        }
        let _lock = lock;
        let backend = config.quarantine.backend.clone();
        let store = {
            let d = data_dir.clone();
            let b = backend.clone();
            tokio::task::spawn_blocking(move || Store::open_backend(&d, &b, Arc::new(jiff::Timestamp::now))).await?
        }
        .with_context(|| match &backend {
            ecluse_quarantine::Backend::Sled => format!("opening the quarantine store in {}", data_dir.display()),
            ecluse_quarantine::Backend::Postgres(o) => format!("opening the quarantine store in PostgreSQL ({}): is the database up and reachable from this node?", o.redacted()),
        })?;
        let mut smtp_listeners = Vec::new();
        let mut smtp_addrs = Vec::new();
        for addr in &config.smtp.listen {
            let l = TcpListener::bind(addr).await.with_context(|| format!("[smtp] listen: cannot listen on {addr}"))?;
            smtp_addrs.push(l.local_addr()?);
            smtp_listeners.push(l);
        }
        let admin = TcpListener::bind(config.admin.listen)
            .await
            .with_context(|| format!("[admin] listen: cannot listen on {}", config.admin.listen))?;
        let control = TcpListener::bind("127.0.0.1:0").await.context("binding the local admin API on 127.0.0.1")?;
        let token = crate::control::new_token(&data_dir).with_context(|| format!("writing {}/admin.token", data_dir.display()))?;
        let running = Running {
            pid: std::process::id(),
            smtp: smtp_addrs.clone(),
            admin: admin.local_addr()?,
            control: Some(control.local_addr()?),
        };
        let running_path = data_dir.join("serve.json");
        std::fs::write(&running_path, serde_json::to_vec_pretty(&running)?).with_context(|| format!("writing {}", running_path.display()))?;
        if let Some(tx) = started {
            let _ = tx.send(running.clone());
        }
        for a in &smtp_addrs {
            tracing::info!(address = %a, "SMTP listening");
        }
        tracing::info!(address = %running.admin, "admin listening (/metrics)");
        match &config.admin.ui {
            Some(ui) => tracing::info!(
                public_url = %ui.public_url,
                saml = if ui.saml.is_some() { "on" } else { "off" },
                break_glass = if ui.local.is_some() { "on" } else { "off" },
                "web UI on the admin listener"
            ),
            None => tracing::info!("web UI off: no [admin.saml] or [admin.local]"),
        }
        tracing::info!(downstream = %config.relay.downstream, data_dir = %data_dir.display(), store = %store.location(), backend = store.backend_name(), "relaying");

        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
            }
            let _ = stop_tx.send(true);
        });
        let store = Arc::new(store);
        let result = run(config, engine, store, smtp_listeners, admin, (control, token), stop_rx, source).await;
        let _ = std::fs::remove_file(&running_path);
        result
    })
}
