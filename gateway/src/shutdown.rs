//! The one shutdown signal (mini-redis `shutdown.rs`): a
//! `tokio::sync::watch` channel of `bool` that `serve` turns to `true` on
//! SIGTERM or Ctrl-C. Every long-running task (the SMTP listener and its
//! sessions, the relay worker, the admin and control listeners, the IdP
//! refresher) selects on [`stopped`] and winds down: sessions answer `421`,
//! work in flight finishes.

use tokio::sync::watch;

/// Resolves once the shutdown signal is raised (the channel holds `true`),
/// or at once if the sender is gone.
pub async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}
