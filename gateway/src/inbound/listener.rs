//! The listener: [`run`] accepts connections on the listeners it is given
//! until the shutdown signal, holding one permit per connection (`421
//! 4.7.0` beyond `max_connections`, or beyond `max_connections_per_ip`
//! for one address), and waits for open sessions to finish before
//! returning; [`serve_connection`] runs one session, and its TLS half
//! after STARTTLS.

use super::context::Context;
use super::reply;
use super::session::{Next, Session};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

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
