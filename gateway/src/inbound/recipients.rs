//! Recipient verification at `RCPT` (`[smtp] verify_recipients`): Écluse
//! answers `550 5.1.1` for an address the town's server does not know,
//! instead of accepting it and bouncing later to a sender that spammers
//! forge (backscatter). Postfix's `reject_unverified_recipient` and
//! Proxmox Mail Gateway's receiver verification do the same.
//!
//! - `callout`: the town's server (`[relay] downstream`) is asked with a
//!   probe, `MAIL FROM:<>` then `RCPT TO:<address>` then `RSET`, on
//!   connections kept open between probes (at most [`IDLE_CONNECTIONS`],
//!   each for [`IDLE_FOR`]). A `2xx` means the address exists, a `5xx` that
//!   it does not; both are cached in the store (`recipient_cache_positive`,
//!   `recipient_cache_negative`) and so survive a restart. A `4xx` is not
//!   an answer (`450 4.1.1`), nor is a connection failure or a timeout
//!   (`451 4.4.1`): the sender tries again later; nothing is accepted
//!   unverified, nothing is refused for it.
//! - `list`: `recipients_file`, one address or `@domain` (every address of
//!   that domain) per line, `#` comments; read again when it changes.

use crate::config::{RecipientList, RelayConfig, StartTls, VerifyRecipients};
use ecluse_quarantine::Store;
use mail_send::SmtpClient;
use smtp_proto::{EXT_START_TLS, Response};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpStream;

/// Connections to the town's server kept open between probes.
pub const IDLE_CONNECTIONS: usize = 4;
/// How long an unused probe connection is kept (servers close idle
/// connections after a few minutes; Postfix's `smtpd_timeout` is 300 s).
pub const IDLE_FOR: Duration = Duration::from_secs(30);
/// How often the recipients file is looked at for changes.
const LIST_CHECK_EVERY: Duration = Duration::from_secs(2);

/// What verification says of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptAnswer {
    /// It exists (or verification is off): `250`.
    Exists,
    /// It does not: `550 5.1.1`, with the reason in words.
    Unknown(String),
    /// The town's server answered without a verdict (a `4xx`, the null
    /// sender refused) or the list cannot be read: `450 4.1.1`, with the
    /// reason in words.
    Unavailable(String),
    /// The town's server cannot be reached (refused, timed out, closed the
    /// connection): `451 4.4.1` (RFC 3463 §3.5, no answer from host).
    Unreachable(String),
}

/// The list in force and when its file was last looked at.
struct ListState {
    list: Arc<RecipientList>,
    modified: Option<SystemTime>,
    checked: Instant,
}

/// A connection to the town's server, in clear or over STARTTLS.
enum Conn {
    Plain(SmtpClient<TcpStream>),
    Tls(SmtpClient<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Conn {
    async fn cmd(&mut self, line: &str) -> Result<Response<String>, String> {
        let r = match self {
            Conn::Plain(c) => c.cmd(line).await,
            Conn::Tls(c) => c.cmd(line).await,
        };
        r.map_err(|e| e.to_string())
    }
}

/// Verifies recipients as `[smtp] verify_recipients` says.
pub struct Verifier {
    mode: VerifyRecipients,
    store: Arc<Store>,
    relay: RelayConfig,
    hostname: String,
    positive: Duration,
    negative: Duration,
    /// Idle callout connections, by downstream server.
    idle: Mutex<Vec<(String, Conn, Instant)>>,
    list: Mutex<Option<ListState>>,
    /// The tenants: a callout asks the recipient's tenant's server.
    tenants: Option<crate::config::Tenants>,
}

impl Verifier {
    /// A verifier for `mode`; `relay` is where callouts go, `hostname` our
    /// EHLO name, `positive`/`negative` how long answers are cached.
    pub fn new(
        mode: VerifyRecipients,
        store: Arc<Store>,
        relay: RelayConfig,
        hostname: String,
        positive: Duration,
        negative: Duration,
    ) -> Verifier {
        Verifier {
            mode,
            store,
            relay,
            hostname,
            positive,
            negative,
            idle: Mutex::default(),
            list: Mutex::default(),
            tenants: None,
        }
    }

    /// The same verifier asking each recipient's tenant's server.
    pub fn with_tenants(mut self, tenants: crate::config::Tenants) -> Verifier {
        self.tenants = Some(tenants);
        self
    }

    /// Where a callout for `address` goes: its tenant's server, else `[relay]`.
    fn relay_for(&self, address: &str) -> &RelayConfig {
        self.tenants
            .as_ref()
            .and_then(|t| t.of_address(address))
            .map(|t| &t.relay)
            .unwrap_or(&self.relay)
    }

    /// Whether `address` (lower-case domain) may be accepted.
    pub async fn verify(&self, address: &str) -> RcptAnswer {
        let (verdict, source) = match &self.mode {
            VerifyRecipients::Off => return RcptAnswer::Exists,
            VerifyRecipients::List(file) => (self.from_list(file, address), "list"),
            VerifyRecipients::Callout => match self.store.recipient_cached(address) {
                Ok(Some(answer)) if answer.exists => (RcptAnswer::Exists, "cache"),
                Ok(Some(answer)) => (RcptAnswer::Unknown(answer.reply), "cache"),
                Ok(None) | Err(_) => {
                    let verdict = self.callout(address).await;
                    let cached = match &verdict {
                        RcptAnswer::Exists => Some((true, "exists".to_string(), self.positive)),
                        RcptAnswer::Unknown(why) => Some((false, why.clone(), self.negative)),
                        RcptAnswer::Unavailable(_) | RcptAnswer::Unreachable(_) => None,
                    };
                    if let Some((exists, why, ttl)) = cached
                        && let Err(e) = self.store.recipient_cache(address, exists, &why, ttl)
                    {
                        tracing::warn!(error = %e, "recipient verification: the answer could not be cached");
                    }
                    (verdict, "downstream")
                }
            },
        };
        let result = match &verdict {
            RcptAnswer::Exists => "exists",
            RcptAnswer::Unknown(_) => "unknown",
            RcptAnswer::Unavailable(_) => "unavailable",
            RcptAnswer::Unreachable(_) => "unreachable",
        };
        metrics::counter!("ecluse_recipient_verifications_total", "result" => result, "source" => source)
            .increment(1);
        verdict
    }

    fn from_list(&self, file: &PathBuf, address: &str) -> RcptAnswer {
        let mut state = self.list.lock().unwrap_or_else(|p| p.into_inner());
        let stale = state
            .as_ref()
            .is_none_or(|s| s.checked.elapsed() >= LIST_CHECK_EVERY);
        if stale {
            let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
            let changed = state.as_ref().is_none_or(|s| s.modified != modified);
            if changed {
                match RecipientList::read(file) {
                    Ok(list) => {
                        let (a, d) = list.len();
                        tracing::info!(file = %file.display(), addresses = a, domains = d, "recipients list read");
                        *state = Some(ListState {
                            list: Arc::new(list),
                            modified,
                            checked: Instant::now(),
                        });
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "recipients list: kept the previous one");
                        match state.as_mut() {
                            Some(s) => s.checked = Instant::now(),
                            None => {
                                return RcptAnswer::Unavailable(
                                    "the recipients list cannot be read".into(),
                                );
                            }
                        }
                    }
                }
            } else if let Some(s) = state.as_mut() {
                s.checked = Instant::now();
            }
        }
        match state.as_ref() {
            Some(s) if s.list.contains(&address.to_ascii_lowercase()) => RcptAnswer::Exists,
            Some(_) => RcptAnswer::Unknown("not in the recipients list".into()),
            None => RcptAnswer::Unavailable("the recipients list cannot be read".into()),
        }
    }

    /// Asks the town's server; a reused connection that fails is replaced
    /// once by a new one.
    async fn callout(&self, address: &str) -> RcptAnswer {
        let cfg = self.relay_for(address);
        for _ in 0..2 {
            let (mut conn, reused) = match self.take_idle(&cfg.downstream) {
                Some(c) => (c, true),
                None => match self.connect(cfg).await {
                    Ok(c) => (c, false),
                    Err(why) => return RcptAnswer::Unreachable(why),
                },
            };
            match probe(&mut conn, address).await {
                Ok(verdict) => {
                    self.put_idle(&cfg.downstream, conn);
                    return verdict;
                }
                Err(_) if reused => continue,
                Err(why) => return RcptAnswer::Unreachable(why),
            }
        }
        RcptAnswer::Unreachable("the town's server closed the connection".into())
    }

    fn take_idle(&self, downstream: &str) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.retain(|(_, _, since)| since.elapsed() < IDLE_FOR);
        let at = idle.iter().rposition(|(d, _, _)| d == downstream)?;
        Some(idle.swap_remove(at).1)
    }

    fn put_idle(&self, downstream: &str, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push((downstream.to_string(), conn, Instant::now()));
        }
    }

    async fn connect(&self, cfg: &RelayConfig) -> Result<Conn, String> {
        let addr = tokio::net::lookup_host(&cfg.downstream)
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("cannot resolve {}", cfg.downstream))?;
        let mut client = SmtpClient::connect(addr, cfg.timeout)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", cfg.downstream))?;
        // A server that accepts and never greets must not hold RCPT (nor a
        // shutdown) forever.
        let greeting = tokio::time::timeout(cfg.timeout, client.read())
            .await
            .map_err(|_| {
                format!(
                    "no greeting from {} within {:?}",
                    cfg.downstream, cfg.timeout
                )
            })?;
        match greeting {
            Ok(r) if r.code() / 100 == 2 => {}
            Ok(r) => {
                return Err(format!(
                    "the town's server greets with {} {}",
                    r.code, r.message
                ));
            }
            Err(e) => return Err(format!("no greeting from {}: {e}", cfg.downstream)),
        }
        let ehlo = client
            .ehlo(&self.hostname)
            .await
            .map_err(|e| format!("EHLO: {e}"))?;
        if cfg.starttls != StartTls::Off && ehlo.has_capability(EXT_START_TLS) {
            let connector = mail_send::smtp::tls::build_tls_connector(true)
                .map_err(|e| format!("TLS set-up: {e}"))?;
            let name = cfg
                .downstream
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(&cfg.downstream);
            let mut client = client
                .start_tls(&connector, name)
                .await
                .map_err(|e| format!("STARTTLS: {e}"))?;
            client
                .ehlo(&self.hostname)
                .await
                .map_err(|e| format!("EHLO after STARTTLS: {e}"))?;
            Ok(Conn::Tls(client))
        } else if cfg.starttls == StartTls::Required {
            Err(
                "the town's server does not offer STARTTLS, and [relay] starttls = \"required\""
                    .into(),
            )
        } else {
            Ok(Conn::Plain(client))
        }
    }
}

/// One probe: the null sender (RFC 5321 §4.5.5, so that nothing could ever
/// be bounced), the address, then `RSET` to leave the connection clean.
/// `Err` when the connection failed (the caller may try a new one).
async fn probe(conn: &mut Conn, address: &str) -> Result<RcptAnswer, String> {
    let from = conn.cmd("MAIL FROM:<>\r\n").await?;
    // 421: the server is closing this connection (an idle timeout): not an
    // answer about the address; the caller tries a new connection.
    if from.code == 421 {
        return Err(format!(
            "the town's server closed the connection: {}",
            from.message
        ));
    }
    if from.code() / 100 != 2 {
        let _ = conn.cmd("RSET\r\n").await;
        return Ok(RcptAnswer::Unavailable(format!(
            "the town's server refuses the null sender used to verify recipients: {} {}",
            from.code, from.message
        )));
    }
    let rcpt = conn.cmd(&format!("RCPT TO:<{address}>\r\n")).await?;
    if rcpt.code == 421 {
        return Err(format!(
            "the town's server closed the connection: {}",
            rcpt.message
        ));
    }
    conn.cmd("RSET\r\n").await?;
    let said = super::reply::printable(&format!("{} {}", rcpt.code, rcpt.message.trim()));
    Ok(classify(rcpt.code, rcpt.esc, said))
}

/// What a reply to the probe's `RCPT` says of the address. Only a refusal
/// of the mailbox itself (550, 551 or 553 without an enhanced status, or
/// an enhanced status 5.1.x, RFC 3463) means unknown; another `5xx` (the
/// server refusing Écluse, a policy) is no answer about the address, is
/// not cached, and gets `450`.
fn classify(code: u16, esc: [u8; 3], said: String) -> RcptAnswer {
    let mailbox = (esc[0] == 5 && esc[1] == 1) || (esc[0] == 0 && matches!(code, 550 | 551 | 553));
    match code / 100 {
        2 => RcptAnswer::Exists,
        5 if mailbox => RcptAnswer::Unknown(format!("the town's server says: {said}")),
        _ => RcptAnswer::Unavailable(format!("the town's server says: {said}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_of_the_mailbox_means_unknown() {
        let kind = |code, esc| match classify(code, esc, String::new()) {
            RcptAnswer::Exists => "exists",
            RcptAnswer::Unknown(_) => "unknown",
            RcptAnswer::Unavailable(_) => "unavailable",
            RcptAnswer::Unreachable(_) => "unreachable",
        };
        for (code, esc, want) in [
            (250, [2, 1, 5], "exists"),
            (550, [5, 1, 1], "unknown"),
            (550, [0, 0, 0], "unknown"),
            (554, [5, 1, 1], "unknown"),
            // The server refusing Écluse itself, or a policy: no answer.
            (554, [5, 7, 1], "unavailable"),
            (550, [5, 7, 1], "unavailable"),
            (450, [4, 2, 0], "unavailable"),
        ] {
            assert_eq!(kind(code, esc), want, "{code} {esc:?}");
        }
    }

    #[test]
    fn the_list_holds_addresses_and_domains_and_names_a_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("recipients.txt");
        std::fs::write(
            &file,
            "# agents\nAgent@Ville-Exemple.fr\n\n@annexe.ville-exemple.fr  # every address\n",
        )
        .unwrap();
        let list = RecipientList::read(&file).unwrap();
        assert!(list.contains("agent@ville-exemple.fr"));
        assert!(list.contains("qui.que.ce.soit@annexe.ville-exemple.fr"));
        assert!(!list.contains("inconnu@ville-exemple.fr"));
        std::fs::write(&file, "agent@ville-exemple.fr\nnot an address\n").unwrap();
        let e = RecipientList::read(&file).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }
}
