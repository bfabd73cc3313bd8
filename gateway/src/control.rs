//! The local admin API: what `ecluse quarantine …` and `ecluse audit …`
//! ask of the store, as one [`Op`] → JSON answer, run either by the
//! running server (JSON lines over a loopback TCP port, each request
//! carrying the token from `<data_dir>/admin.token`) or, when the server is
//! stopped, directly on the data directory. Both paths run [`execute`], so
//! the CLI behaves the same either way.

use base64::Engine as _;
use ecluse_quarantine::{
    Actor, AuditAction, Authority, ItemFilter, ItemId, QueueId, Status, Store,
};
use ecluse_scanner::{Engine, Limits};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Where the running server listens, written to `<data_dir>/serve.json`
/// so that tools (and tests binding port 0) find it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct Running {
    /// The process id.
    pub pid: u32,
    /// SMTP addresses.
    pub smtp: Vec<SocketAddr>,
    /// The admin listener.
    pub admin: SocketAddr,
    /// The local admin API (loopback only), for `ecluse quarantine`.
    #[serde(default)]
    pub control: Option<SocketAddr>,
}

/// Asks the reloader for a reload; it answers what was loaded, or why the
/// configuration in force was kept.
pub type ReloadRequest = tokio::sync::oneshot::Sender<Result<String, String>>;

/// One request of the admin API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Held items, newest first.
    List {
        /// Only this status.
        status: Option<Status>,
        /// Only this recipient.
        recipient: Option<String>,
    },
    /// One item with its scan report.
    Show {
        /// Item id.
        id: String,
    },
    /// Release an item (or a message's items).
    Release {
        /// Item id, or queue id.
        id: String,
        /// With a queue id: only this recipient's items.
        recipient: Option<String>,
        /// A comment for the audit log.
        comment: String,
        /// Who asks.
        actor: Actor,
    },
    /// A recipient's request, passed on by an admin (a phone call to the desk).
    Request {
        /// Item id.
        id: String,
        /// Why the recipient needs it.
        reason: String,
        /// The admin passing it on.
        actor: Actor,
    },
    /// Reload the configuration file (tenants, policy, the file's sender
    /// rules, notice keys, routes), the rules and the STARTTLS certificate
    /// (the running server only; `ecluse reload`).
    Reload,
    /// Refuse to release an item.
    Deny {
        /// Item id.
        id: String,
        /// Why, for the recipient.
        reason: String,
        /// Who asks.
        actor: Actor,
    },
    /// The held file in a ZIP encrypted with the password `infected`.
    Download {
        /// Item id.
        id: String,
        /// Who asks.
        actor: Actor,
    },
    /// Expire and purge items past retention.
    Purge,
    /// Check the audit chain.
    AuditVerify,
    /// Audit entries since a date.
    AuditExport {
        /// RFC 3339 date or time.
        since: Option<String>,
    },
}

/// The person behind a CLI command: the Unix user, from this host.
pub fn cli_actor() -> Actor {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "root".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    Actor::person(format!("cli:{user}"), format!("cli@{host}"))
}

fn item_id(id: &str) -> Result<ItemId, String> {
    id.parse().map_err(|e: String| e)
}

/// Parses `2026-11-01` or a full RFC 3339 time.
pub fn parse_since(s: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date = s
        .parse()
        .map_err(|_| format!("`{s}` is not a date (write 2026-11-01 or 2026-11-01T08:00:00Z)"))?;
    d.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::builtin)
}

/// A ZIP holding `name` encrypted with AES-256 under the password
/// `infected` (the analysts' convention), like the web UI's download
/// ([`ecluse_admin_ui::download::aes_zip`]): 7-Zip and bsdtar open it (unzip 6 does not: AES is `need PK compat. v5.1`),
/// Windows' built-in ZIP folders do not.
pub fn infected_zip(name: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    ecluse_admin_ui::download::aes_zip(&[(name, bytes)]).map_err(|e| e.to_string())
}

/// Runs one request on the store, for the items and audit chain of
/// `tenant` only when given (`ecluse quarantine --tenant`): an item of
/// another tenant is then "no held item", as if it did not exist.
/// `progress(done, total)` is called as the long requests (purge, audit
/// verification) go.
pub fn execute(
    store: &Store,
    limits: &Limits,
    op: Op,
    tenant: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Value, String> {
    let s = |e: ecluse_quarantine::Error| e.to_string();
    // The item `id`, when it is in the tenant asked for.
    let scoped = |id: ItemId| -> Result<ecluse_quarantine::HeldItem, String> {
        let item = store.item(id).map_err(s)?;
        match tenant {
            Some(t) if item.tenant != t => Err(format!("no held item {id} in tenant {t}")),
            _ => Ok(item),
        }
    };
    match op {
        Op::List { status, recipient } => {
            let items = store
                .items(&ItemFilter {
                    status,
                    recipient,
                    tenants: tenant.map(|t| vec![t.to_string()]),
                })
                .map_err(s)?;
            Ok(serde_json::to_value(items).expect("items serialise"))
        }
        Op::Show { id } => {
            let item = scoped(item_id(&id)?)?;
            let report = store.report(item.queue_id).ok();
            let message = store.message(item.queue_id).map_err(s)?;
            Ok(json!({ "item": item, "message": message, "report": report }))
        }
        Op::Release {
            id,
            recipient,
            comment,
            actor,
        } => {
            let ids: Vec<ItemId> = match id.parse::<ItemId>() {
                Ok(item) if store.item(item).is_ok() => vec![scoped(item)?.id],
                _ => {
                    let q: QueueId = id
                        .parse()
                        .map_err(|_| format!("`{id}` is neither an item id nor a queue id"))?;
                    let mut items = store.items_of_message(q).map_err(s)?;
                    items.retain(|i| tenant.is_none_or(|t| i.tenant == t));
                    if items.is_empty() {
                        return Err(format!("no held item for {id}"));
                    }
                    items
                        .into_iter()
                        .filter(|i| i.status.is_open())
                        .filter(|i| {
                            recipient
                                .as_ref()
                                .is_none_or(|r| r.eq_ignore_ascii_case(&i.recipient))
                        })
                        .map(|i| i.id)
                        .collect()
                }
            };
            if ids.is_empty() {
                return Err(format!("no open item of {id} for that recipient"));
            }
            let mut done = Vec::new();
            for item in ids {
                // An item released with a sibling of the same message is skipped.
                if !done.is_empty() && !store.item(item).map_err(s)?.status.is_open() {
                    continue;
                }
                done.push(
                    store
                        .release(item, &actor, &comment, Authority::Admin)
                        .map_err(s)?,
                );
            }
            Ok(serde_json::to_value(done).expect("items serialise"))
        }
        Op::Request { id, reason, actor } => {
            let id = item_id(&id)?;
            let recipient = scoped(id)?.recipient;
            let on_behalf = Actor::person(
                recipient,
                format!("{} (passed on by {})", actor.origin, actor.who),
            );
            let item = store.request_release(id, &on_behalf, &reason).map_err(s)?;
            Ok(serde_json::to_value(item).expect("items serialise"))
        }
        Op::Reload => {
            Err("reloading needs the running server: none answers for this data directory".into())
        }
        Op::Deny { id, reason, actor } => {
            let id = scoped(item_id(&id)?)?.id;
            let item = store.deny(id, &actor, &reason).map_err(s)?;
            Ok(serde_json::to_value(item).expect("items serialise"))
        }
        Op::Download { id, actor } => {
            let id = item_id(&id)?;
            let item = scoped(id)?;
            let (name, what) = match &item.part {
                Some(p) => (
                    p.filename
                        .clone()
                        .unwrap_or_else(|| format!("part-{}.bin", p.path)),
                    format!("part {}", p.path),
                ),
                None => (format!("{}.eml", item.queue_id), "whole message".into()),
            };
            let (item, raw) = store
                .read_held(
                    id,
                    &actor,
                    AuditAction::Downloaded,
                    &format!("{what} as encrypted zip"),
                )
                .map_err(s)?;
            let bytes = match &item.part {
                Some(p) => ecluse_scanner::extract(engine(), limits, &raw, &p.path)
                    .ok_or_else(|| format!("part {} not found in the message", p.path))?,
                None => raw,
            };
            let safe: String = name
                .chars()
                .map(|c| {
                    if c == '/' || c == '\\' || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let zip = infected_zip(&safe, &bytes)?;
            Ok(
                json!({ "name": safe, "zip_base64": base64::engine::general_purpose::STANDARD.encode(zip) }),
            )
        }
        Op::Purge => {
            let p = store
                .purge_expired(|n, total| progress(n as u64, total as u64))
                .map_err(s)?;
            Ok(serde_json::to_value(p).expect("serialises"))
        }
        Op::AuditVerify => {
            let mut check = store.audit_verify(&mut *progress).map_err(s)?;
            if let Some(t) = tenant {
                check.chains.retain(|c| c.chain == t);
                check.entries = check.chains.iter().map(|c| c.entries).sum();
                check.broken = check.chains.iter().find_map(|c| {
                    c.broken
                        .as_ref()
                        .map(|(seq, why)| (*seq, format!("chain `{}`: {why}", c.chain)))
                });
            }
            Ok(serde_json::to_value(check).expect("serialises"))
        }
        Op::AuditExport { since } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let entries = match tenant {
                Some(t) => store.audit_chain_entries(t, since),
                None => store.audit_entries(since),
            };
            Ok(serde_json::to_value(entries.map_err(s)?).expect("serialises"))
        }
    }
}

/// Serves the admin API on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    token: String,
    store: Arc<Store>,
    limits: Limits,
    wakeup: Arc<tokio::sync::Notify>,
    reload: Option<tokio::sync::mpsc::Sender<ReloadRequest>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            c = listener.accept() => match c { Ok(c) => c, Err(_) => continue },
            _ = crate::shutdown::stopped(&mut shutdown) => return,
        };
        let (token, store, limits, wakeup, reload) = (
            token.clone(),
            store.clone(),
            limits.clone(),
            wakeup.clone(),
            reload.clone(),
        );
        tokio::spawn(async move {
            let (r, mut w) = stream.into_split();
            // Requests are small: a connection may send 1 MiB in all.
            let mut lines = BufReader::new(tokio::io::AsyncReadExt::take(r, 1 << 20)).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let answer = match serde_json::from_str::<Value>(&line) {
                    Ok(v) if v.get("token").and_then(Value::as_str) == Some(token.as_str()) => {
                        let tenant = v.get("tenant").and_then(Value::as_str).map(str::to_string);
                        match serde_json::from_value::<Op>(v["request"].clone()) {
                            Ok(Op::Reload) => ask_reload(reload.as_ref()).await,
                            Ok(op) => {
                                match run_streaming(&store, &limits, op, tenant, &mut w).await {
                                    Some(answer) => answer,
                                    None => {
                                        wakeup.notify_one();
                                        return;
                                    }
                                }
                            }
                            Err(e) => json!({ "error": format!("bad request: {e}") }),
                        }
                    }
                    _ => json!({ "error": "bad or missing token" }),
                };
                wakeup.notify_one();
                let mut out = serde_json::to_vec(&answer).expect("serialises");
                out.push(b'\n');
                if w.write_all(&out).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Passes a reload request to the server's reloader and waits for its answer.
async fn ask_reload(reload: Option<&tokio::sync::mpsc::Sender<ReloadRequest>>) -> Value {
    let Some(reload) = reload else {
        return json!({ "error": "this server cannot reload" });
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    if reload.send(tx).await.is_err() {
        return json!({ "error": "the server is stopping" });
    }
    match rx.await {
        Ok(Ok(what)) => json!({ "ok": what }),
        Ok(Err(why)) => json!({ "error": why }),
        Err(_) => json!({ "error": "the server is stopping" }),
    }
}

/// How often a long request reports its progress to the CLI.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs `op` on a blocking thread, writing `{"progress":[done,total]}`
/// lines to `w` as it goes (at most every [`PROGRESS_EVERY`]), and returns
/// the answer line to write last; `None` when the client has gone.
async fn run_streaming(
    store: &Arc<Store>,
    limits: &Limits,
    op: Op,
    tenant: Option<String>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
) -> Option<Value> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
    let (store, limits) = (store.clone(), limits.clone());
    let task = tokio::task::spawn_blocking(move || {
        let mut last: Option<std::time::Instant> = None;
        let mut report = |done: u64, total: u64| {
            if done == total || last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
                last = Some(std::time::Instant::now());
                let _ = tx.send((done, total));
            }
        };
        execute(&store, &limits, op, tenant.as_deref(), &mut report)
    });
    // The sender lives in the task: the loop ends when the work does.
    while let Some((done, total)) = rx.recv().await {
        let mut line =
            serde_json::to_vec(&json!({ "progress": [done, total] })).expect("serialises");
        line.push(b'\n');
        if w.write_all(&line).await.is_err() {
            // The CLI was stopped; the work goes on to its end.
            let _ = task.await;
            return None;
        }
    }
    Some(match task.await {
        Ok(Ok(v)) => json!({ "ok": v }),
        Ok(Err(e)) => json!({ "error": e }),
        Err(e) => json!({ "error": e.to_string() }),
    })
}

/// Makes a new token and writes it to `<data_dir>/admin.token`, readable by
/// the owner only.
pub fn new_token(data_dir: &Path) -> std::io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| std::io::Error::other(e.to_string()))?;
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let path = data_dir.join("admin.token");
    let _ = std::fs::remove_file(&path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(token.as_bytes())?;
    Ok(token)
}

/// Sends `op` to the running server described by `<data_dir>/serve.json`;
/// `None` when no server answers there (it is stopped). `progress` hears
/// the progress lines the server sends before its answer.
pub fn ask_server(
    data_dir: &Path,
    op: &Op,
    tenant: Option<&str>,
    progress: &mut dyn FnMut(u64, u64),
) -> Option<Result<Value, String>> {
    use std::io::{BufRead, BufReader};
    let running: Running =
        serde_json::from_slice(&std::fs::read(data_dir.join("serve.json")).ok()?).ok()?;
    let token = std::fs::read_to_string(data_dir.join("admin.token")).ok()?;
    let control = running.control?;
    let stream =
        std::net::TcpStream::connect_timeout(&control, std::time::Duration::from_secs(2)).ok()?;
    let mut w = stream.try_clone().ok()?;
    let mut line =
        serde_json::to_vec(&json!({ "token": token.trim(), "request": op, "tenant": tenant }))
            .expect("serialises");
    line.push(b'\n');
    w.write_all(&line).ok()?;
    let mut reader = BufReader::new(stream);
    let v = loop {
        let mut answer = String::new();
        reader.read_line(&mut answer).ok()?;
        let v: Value = serde_json::from_str(&answer).ok()?;
        match v
            .get("progress")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([done, total]) => {
                progress(done.as_u64().unwrap_or(0), total.as_u64().unwrap_or(0))
            }
            _ => break v,
        }
    };
    Some(match v.get("ok") {
        Some(ok) => Ok(ok.clone()),
        None => Err(v["error"].as_str().unwrap_or("no answer").to_string()),
    })
}
