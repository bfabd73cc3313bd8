//! The inbound SMTP server.
//!
//! [`run`] accepts connections on the listeners it is given until the
//! shutdown signal, holding one permit per connection (`421 4.7.0` beyond
//! `max_connections`, or beyond `max_connections_per_ip` for one address),
//! and waits for open sessions to finish before returning.
//!
//! # Layout
//!
//! - `session.rs`: the state machine and its read loop.
//! - `ehlo.rs`, `mail.rs`, `rcpt.rs`: one command each.
//! - `data.rs`: strict end-of-data reading (SMTP smuggling).
//! - `message.rs`: DATA, the scan, the decision and the durable write.
//! - `reply.rs`: every reply, with its status codes.

mod data;
mod ehlo;
pub mod harvest;
mod mail;
mod message;
mod rcpt;
pub mod reply;
mod session;

pub use data::{DataFault, DataReader};
pub use session::{Next, Session};

use crate::config::Config;
use crate::config::NoticeConfig;
use ecluse_quarantine::Store;
use ecluse_scanner::Engine;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio_rustls::TlsAcceptor;

/// What every session shares.
pub struct Context {
    /// The configuration in force, swapped whole by a reload (SIGHUP,
    /// `ecluse reload`): a session takes it at its start and again at each
    /// `MAIL FROM`, so a transaction in flight finishes with the one it
    /// started with.
    pub config: std::sync::RwLock<Arc<Config>>,
    /// The scanner, with the policy; swapped whole by a reload (SIGHUP,
    /// `ecluse reload`), a message in flight keeps the one it started with.
    pub engine: std::sync::RwLock<Arc<Engine>>,
    /// The store.
    pub store: Arc<Store>,
    /// Permits for messages being scanned.
    pub scans: Arc<Semaphore>,
    /// STARTTLS, when a certificate is configured; swapped by a reload.
    pub tls: std::sync::RwLock<Option<TlsAcceptor>>,
    /// Where notices point.
    pub notices: NoticeConfig,
    /// Wakes the relay when something was queued.
    pub relay_wakeup: Arc<Notify>,
    /// The engines' state on the admin dashboard (clamd's, after each scan).
    pub engines: ecluse_admin_ui::Engines,
    /// Recipient verification at `RCPT`; rebuilt by a reload (the
    /// tenants' servers, the mode may change).
    pub recipients: std::sync::RwLock<Arc<crate::recipients::Verifier>>,
    /// SPF, DKIM and DMARC (`[smtp] sender_checks`); rebuilt by a reload
    /// (the domains whose lookalikes are caught may change).
    pub senders: std::sync::RwLock<Option<Arc<crate::provenance::SenderChecks>>>,
    /// Unknown-recipient answers per client (directory harvest).
    pub harvest: harvest::HarvestGuard,
}

impl Context {
    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.config.read().expect("config lock").clone()
    }

    /// Recipient verification as configured now.
    pub fn recipients(&self) -> Arc<crate::recipients::Verifier> {
        self.recipients.read().expect("recipients lock").clone()
    }

    /// The sender checks as configured now (`None`: off).
    pub fn senders(&self) -> Option<Arc<crate::provenance::SenderChecks>> {
        self.senders.read().expect("senders lock").clone()
    }

    /// The engine in force now.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.read().expect("engine lock").clone()
    }

    /// The STARTTLS acceptor in force now.
    pub fn tls(&self) -> Option<TlsAcceptor> {
        self.tls.read().expect("tls lock").clone()
    }
}

/// Counts connections per client address.
#[derive(Default)]
struct PerIp(Mutex<HashMap<IpAddr, usize>>);

struct PerIpGuard {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<PerIpGuard> {
        let mut t = self.0.lock().expect("per-ip lock");
        let n = t.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PerIpGuard {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for PerIpGuard {
    fn drop(&mut self) {
        let mut t = self.table.0.lock().expect("per-ip lock");
        if let Some(n) = t.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                t.remove(&self.ip);
            }
        }
    }
}

/// Accepts connections until `shutdown` turns true, then waits for the
/// sessions (each answers `421` at its next read) to end.
pub async fn run(
    listeners: Vec<TcpListener>,
    ctx: Arc<Context>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Sized once: [smtp] max_connections takes a restart.
    let max = ctx.config().smtp.max_connections;
    let connections = Arc::new(Semaphore::new(max));
    let per_ip = Arc::new(PerIp::default());
    let (conn_tx, mut conn_rx) = tokio::sync::mpsc::channel::<(TcpStream, SocketAddr)>(64);
    for listener in listeners {
        let tx = conn_tx.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(conn) => { if tx.send(conn).await.is_err() { return; } }
                        Err(e) => {
                            // Out of file descriptors, usually: back off a little.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                    },
                    _ = crate::shutdown::stopped(&mut stop) => return,
                }
            }
        });
    }
    drop(conn_tx);
    loop {
        let (stream, peer) = tokio::select! {
            c = conn_rx.recv() => match c { Some(c) => c, None => break },
            _ = crate::shutdown::stopped(&mut shutdown) => break,
        };
        let _ = stream.set_nodelay(true);
        metrics::counter!("ecluse_smtp_connections_total").increment(1);
        let refuse = |mut stream: TcpStream| async move {
            let mut out = Vec::new();
            reply::too_many_connections().write(&mut out);
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.write_all(&out))
                .await;
            let _ = stream.shutdown().await;
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            metrics::counter!("ecluse_smtp_connections_refused_total", "reason" => "max_connections").increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let Some(ip_guard) = per_ip.enter(peer.ip(), ctx.config().smtp.max_connections_per_ip)
        else {
            metrics::counter!("ecluse_smtp_connections_refused_total", "reason" => "per_ip")
                .increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let ctx = ctx.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ip = ip_guard;
            metrics::gauge!("ecluse_smtp_connections_active").increment(1.0);
            serve_connection(stream, peer, ctx, stop).await;
            metrics::gauge!("ecluse_smtp_connections_active").decrement(1.0);
        });
    }
    // Wait for every session to end.
    let _ = connections.acquire_many(max as u32).await;
}

/// One connection: greeting, plain-text session, and the TLS half if asked.
pub async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<Context>,
    shutdown: watch::Receiver<bool>,
) {
    let tls = ctx.tls();
    let mut session = Session::new(ctx, peer, shutdown);
    session.greet();
    match session.run(stream).await {
        Ok(Next::StartTls(stream)) => {
            let Some(acceptor) = tls else { return };
            match tokio::time::timeout(std::time::Duration::from_secs(30), acceptor.accept(stream))
                .await
            {
                Ok(Ok(tls_stream)) => {
                    session.tls_started();
                    if let Err(e) = session.run(tls_stream).await {
                        tracing::debug!(client = %peer, error = %e, "session ended");
                    }
                }
                Ok(Err(e)) => tracing::info!(client = %peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::info!(client = %peer, "TLS handshake timed out"),
            }
        }
        Ok(Next::Close) => {}
        Err(e) => tracing::debug!(client = %peer, error = %e, "session ended"),
    }
}

#[cfg(test)]
mod tests;

/// Whether an address (as smtp-proto gives it, quotes of a quoted local
/// part removed) can be written back into `MAIL FROM:<…>` or `RCPT
/// TO:<…>` towards the town's server as one address and nothing else.
/// An address with `<`, `>`, `"`, `\`, white space or a control
/// character would, unquoted, close the path early and add parameters or
/// another address (`"victim@example.net> ORCPT=…"@ville-exemple.fr`
/// was relayed to victim@example.net): such addresses are refused.
/// Quoted local parts with those characters are legal (RFC 5321 §4.1.2)
/// but no real mailbox of a town uses them.
pub fn writable_address(address: &str) -> bool {
    !address
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\\'))
}
