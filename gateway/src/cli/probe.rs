//! `ecluse check-config`'s look beyond the file: what a valid configuration
//! still gets wrong in production, found before the first mail.
//!
//! Each finding is a [`Warning`] with a name (`downstream-unreachable`,
//! `ui-plain-http` …) and a sentence saying what to change. None is an
//! error: the packaged unit runs `check-config` before every start, and a
//! commune's server that boots slower than Écluse (or one down among 600)
//! must not stop the MX. Every network probe runs at the same time as the
//! others, within one deadline ([`BUDGET`] by default), and never waits
//! past it; `check-config --offline` runs none of them.
//!
//! - [`statics`]: what the file alone shows (an `sp_entity_id` on another
//!   site than `public_url`, `https://` in front of a plain-HTTP listener
//!   on the same port).
//! - [`network`]: each downstream server (the relay's and every tenant's,
//!   at most [`AT_ONCE`] connections at a time) is asked for its SMTP
//!   greeting (RFC 5321 §4.3.1: connect, read the `220`, `QUIT`); the
//!   `public_url` host is looked up in DNS, and when the UI itself has no
//!   TLS, whatever answers at `public_url` must speak TLS.

use crate::config::{Config, VerifyRecipients};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The time every network probe of one `check-config` shares, in all.
pub const BUDGET: Duration = Duration::from_secs(5);
/// Downstream servers asked at the same time (a service of 600 communes
/// opens no more connections than this at once).
pub const AT_ONCE: usize = 64;
/// Downstream servers named one by one in a warning; past this, a count.
pub const LISTED: usize = 10;
/// The longest greeting line read (RFC 5321 §4.5.3.1.5 allows 512 octets).
const MAX_LINE: usize = 512;
/// The most lines of a multi-line greeting read.
const MAX_LINES: usize = 32;

/// One thing that will fail in production, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable name, printed in brackets (`downstream-unreachable`).
    pub name: &'static str,
    /// What is wrong and what to do, in one sentence or two.
    pub text: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.name, self.text)
    }
}

/// The host and port of an `http://` or `https://` address (the port
/// defaulting to 80 or 443), `None` when it has neither scheme or no host.
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        (false, url.strip_prefix("http://")?)
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let default = if https { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default,
        };
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (authority.to_string(), default),
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}

/// Scheme, host and port of an address, for comparing two sites.
fn origin(url: &str) -> Option<(bool, String, u16)> {
    let (host, port) = host_port(url)?;
    Some((url.starts_with("https://"), host, port))
}

/// Whether `host` names this machine (`localhost`, a loopback address).
fn loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What the file alone shows.
pub fn statics(config: &Config) -> Vec<Warning> {
    let mut out = Vec::new();
    let public_url = &config.admin.public_url;
    if let Some(saml) = config.admin.ui.as_ref().and_then(|u| u.saml.as_ref()) {
        let id = &saml.sp_entity_id;
        // A URN (urn:…) names the service wherever it is: any is fine. An
        // address must be on the UI's own site, where the IdP sends people
        // back and where it reads our metadata.
        if id.starts_with("https://") || id.starts_with("http://") {
            let ours = origin(public_url);
            if ours.is_some() && origin(id) != ours {
                out.push(Warning {
                    name: "sp-entity-id-mismatch",
                    text: format!(
                        "[admin.saml] sp_entity_id `{id}` is not on the site of [admin] public_url `{public_url}`: the metadata Écluse publishes at {public_url}/saml/metadata names the first, so an IdP registered with one refuses sign-ins for the other (audience mismatch); remove sp_entity_id (the default is {public_url}/saml/metadata) or set it to the entity id the IdP knows, on the same site as public_url"
                    ),
                });
            }
        }
    }
    if let Some(w) = plain_ui_same_port(config) {
        out.push(w);
    }
    out
}

/// `https://` in `public_url` pointing straight at the UI's own port,
/// which serves plain HTTP (no `[admin] tls_cert`).
fn plain_ui_same_port(config: &Config) -> Option<Warning> {
    let admin = &config.admin;
    if admin.tls.is_some() || !admin.public_url.starts_with("https://") {
        return None;
    }
    let (host, port) = host_port(&admin.public_url)?;
    let listen = admin.listen;
    let same_host = loopback(&host) && (listen.ip().is_loopback() || listen.ip().is_unspecified())
        || host.parse::<IpAddr>().is_ok_and(|ip| ip == listen.ip());
    (same_host && port == listen.port()).then(|| {
        plain_ui(
            config,
            &format!("{host}:{port}"),
            "is the UI's own listener, which serves plain HTTP",
        )
    })
}

/// The `ui-plain-http` warning: `what` says what answers at `at`.
fn plain_ui(config: &Config, at: &str, what: &str) -> Warning {
    Warning {
        name: "ui-plain-http",
        text: format!(
            "[admin] public_url is {url} but {at} {what}, and the UI listens on {listen} without TLS (no [admin] tls_cert): browsers go to https:// and the IdP posts sign-ins (SAML) to {url}/saml/acs over https, so agents cannot reach the UI nor sign in; put a TLS reverse proxy at {at} in front of {listen} (deploy.md has nginx and HAProxy examples) or give the UI its own certificate with [admin] tls_cert and tls_key",
            url = config.admin.public_url,
            listen = config.admin.listen,
        ),
    }
}

/// Every network probe at once, none past `deadline`.
pub async fn network(config: &Config, deadline: Instant) -> Vec<Warning> {
    let (mut out, web) = tokio::join!(downstreams(config, deadline), public_url(config, deadline));
    out.extend(web);
    out
}

/// What a downstream server did when asked for its greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Greeting {
    /// `220`: it takes mail.
    Ready,
    /// Its name does not resolve (why).
    Unresolved(String),
    /// No TCP connection (why).
    Unreachable(String),
    /// Connected, but no greeting before the deadline.
    Silent,
    /// It greeted with something else than `220` (the line).
    Refused(String),
}

/// Connects to `addr` (`host:port`), reads the greeting, says `QUIT`.
async fn greet(addr: &str, deadline: Instant) -> Greeting {
    let resolved = match tokio::time::timeout_at(deadline, tokio::net::lookup_host(addr)).await {
        Err(_) => return Greeting::Unresolved("no answer from DNS in time".into()),
        Ok(Err(e)) => return Greeting::Unresolved(e.to_string()),
        Ok(Ok(mut a)) => match a.next() {
            Some(a) => a,
            None => return Greeting::Unresolved("no address".into()),
        },
    };
    let tcp = match tokio::time::timeout_at(deadline, TcpStream::connect(resolved)).await {
        Err(_) => return Greeting::Unreachable("no answer to the connection in time".into()),
        Ok(Err(e)) => return Greeting::Unreachable(e.to_string()),
        Ok(Ok(s)) => s,
    };
    let (r, mut w) = tcp.into_split();
    let mut r = BufReader::new(tokio::io::AsyncReadExt::take(
        r,
        (MAX_LINE * MAX_LINES) as u64,
    ));
    let read = async {
        let mut line = String::new();
        for _ in 0..MAX_LINES {
            line.clear();
            match r.read_line(&mut line).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            // The last line of a reply has a space (or nothing) after the code.
            if line.as_bytes().get(3) != Some(&b'-') {
                return Some(line.trim_end().to_string());
            }
        }
        None
    };
    let line = match tokio::time::timeout_at(deadline, read).await {
        Err(_) => return Greeting::Silent,
        Ok(None) => return Greeting::Refused("closed the connection without a greeting".into()),
        Ok(Some(l)) => l,
    };
    let printable: String = line
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(120)
        .collect();
    if !line.starts_with("220") {
        return Greeting::Refused(format!("greeted with `{printable}`"));
    }
    let _ = tokio::time::timeout_at(deadline, w.write_all(b"QUIT\r\n")).await;
    Greeting::Ready
}

/// Asks every downstream server for its greeting, [`AT_ONCE`] at a time.
async fn downstreams(config: &Config, deadline: Instant) -> Vec<Warning> {
    // Each server once, with who sends to it.
    let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if !config.relay.downstream.is_empty() {
        targets
            .entry(config.relay.downstream.clone())
            .or_default()
            .push("[relay] downstream".into());
    }
    if !config.tenants.implicit() {
        for t in config.tenants.all() {
            targets
                .entry(t.relay.downstream.clone())
                .or_default()
                .push(format!("commune {}", t.id));
        }
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for (addr, who) in targets {
        let permits = permits.clone();
        tasks.spawn(async move {
            let answer = match tokio::time::timeout_at(deadline, permits.acquire_owned()).await {
                Ok(Ok(_permit)) => greet(&addr, deadline).await,
                _ => Greeting::Silent,
            };
            (addr, who, answer)
        });
    }
    // By warning name: (address, who sends there, what happened).
    type Failures = Vec<(String, Vec<String>, String)>;
    let mut failed: BTreeMap<&'static str, Failures> = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let Ok((addr, who, answer)) = done else {
            continue;
        };
        let (name, why) = match answer {
            Greeting::Ready => continue,
            Greeting::Unresolved(why) => (
                "downstream-unreachable",
                format!("does not resolve ({why})"),
            ),
            Greeting::Unreachable(why) => (
                "downstream-unreachable",
                format!("cannot be reached ({why})"),
            ),
            Greeting::Silent => (
                "downstream-no-greeting",
                format!(
                    "accepts the connection but sends no SMTP greeting within {}s",
                    BUDGET.as_secs()
                ),
            ),
            Greeting::Refused(why) => ("downstream-refuses", why),
        };
        failed.entry(name).or_default().push((addr, who, why));
    }
    let consequence = match config.smtp.verify_recipients {
        VerifyRecipients::Callout => {
            "with [smtp] verify_recipients = \"callout\", every RCPT for its domains gets 451 (the senders try again later) until it answers"
        }
        _ => {
            "mail for its domains is accepted and queued, and retried until it answers (at most [relay] max_queue_time)"
        }
    };
    let mut out = Vec::new();
    for (name, mut list) in failed {
        // By who sends there: the [relay] first, then the communes by id.
        list.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        let what = match name {
            "downstream-no-greeting" => {
                "check that it is an SMTP server (not another service on that port) and that it is not stuck, or correct the address"
            }
            "downstream-refuses" => {
                "look at that server's log for why it turns connections from this host away"
            }
            _ => {
                "start that server, let this host through its firewall, or correct the address in `downstream`"
            }
        };
        if list.len() <= LISTED {
            for (addr, who, why) in list {
                out.push(Warning {
                    name,
                    text: format!("{addr} ({}) {why}: {consequence}; {what}", who.join(", ")),
                });
            }
        } else {
            let n = list.len();
            let named: Vec<String> = list
                .iter()
                .take(LISTED)
                .map(|(addr, who, why)| format!("{} at {addr} {why}", who.join(", ")))
                .collect();
            out.push(Warning {
                name,
                text: format!(
                    "{n} downstream servers fail the same way: {}; and {} more; {consequence}; {what}",
                    named.join("; "),
                    n - LISTED
                ),
            });
        }
    }
    out
}

/// The `public_url` host in DNS, then (UI without TLS) TLS at its port.
async fn public_url(config: &Config, deadline: Instant) -> Vec<Warning> {
    let url = &config.admin.public_url;
    let Some((host, port)) = host_port(url) else {
        return Vec::new();
    };
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            let found =
                tokio::time::timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
                    .await;
            match found {
                Ok(Ok(a)) => a.collect(),
                Ok(Err(e)) => return vec![unresolved(url, &host, &e.to_string())],
                Err(_) => {
                    return vec![unresolved(
                        url,
                        &host,
                        &format!("no answer from DNS within {}s", BUDGET.as_secs()),
                    )];
                }
            }
        }
    };
    let Some(first) = addrs.first().copied() else {
        return vec![unresolved(url, &host, "no address")];
    };
    if config.admin.tls.is_some()
        || !url.starts_with("https://")
        || plain_ui_same_port(config).is_some()
    {
        return Vec::new();
    }
    let at = format!("{host}:{port}");
    let what = match speaks_tls(first, &host, deadline).await {
        Tls::Yes => return Vec::new(),
        Tls::No(why) => format!("does not answer TLS ({why})"),
    };
    vec![plain_ui(config, &at, &what)]
}

fn unresolved(url: &str, host: &str, why: &str) -> Warning {
    Warning {
        name: "public-url-unresolved",
        text: format!(
            "[admin] public_url {url}: `{host}` does not resolve here ({why}); the links in notices and the IdP's redirects go to it, so agents could not open the UI: create its DNS record (A or AAAA, in the town's internal DNS if the UI is internal) or correct public_url"
        ),
    }
}

/// Whether something answering at an address speaks TLS.
enum Tls {
    /// A TLS server answered (its certificate need not be trusted here).
    Yes,
    /// Nothing, or something else (why).
    No(String),
}

/// Starts a TLS handshake with `addr` for `host`: a server that answers
/// with TLS records speaks TLS even when its certificate is not trusted
/// here (an internal CA); a plain HTTP server answers garbage or closes.
async fn speaks_tls(addr: SocketAddr, host: &str, deadline: Instant) -> Tls {
    let tcp = match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Err(_) => return Tls::No("no answer to the connection in time".into()),
        Ok(Err(e)) => return Tls::No(format!("nothing listens: {e}")),
        Ok(Ok(s)) => s,
    };
    crate::tls::install_provider();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = match rustls_pki_types::ServerName::try_from(host.to_string()) {
        Ok(n) => n,
        Err(e) => return Tls::No(format!("`{host}` is not a host name: {e}")),
    };
    let handshake = tokio_rustls::TlsConnector::from(Arc::new(client)).connect(name, tcp);
    match tokio::time::timeout_at(deadline, handshake).await {
        Err(_) => Tls::No(format!("no TLS answer within {}s", BUDGET.as_secs())),
        Ok(Ok(_)) => Tls::Yes,
        Ok(Err(e)) => {
            use rustls::Error as E;
            match e.get_ref().and_then(|i| i.downcast_ref::<E>()) {
                // The server spoke TLS; what it said is another matter.
                Some(
                    E::InvalidCertificate(_)
                    | E::AlertReceived(_)
                    | E::PeerIncompatible(_)
                    | E::NoCertificatesPresented
                    | E::UnsupportedNameType,
                ) => Tls::Yes,
                _ => Tls::No(e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_port_of_addresses() {
        assert_eq!(
            host_port("https://quarantaine.ville-exemple.fr"),
            Some(("quarantaine.ville-exemple.fr".into(), 443))
        );
        assert_eq!(
            host_port("http://Q.example.FR.:8080/x?y"),
            Some(("q.example.fr".into(), 8080))
        );
        assert_eq!(host_port("https://[::1]:8443/"), Some(("::1".into(), 8443)));
        assert_eq!(host_port("https://[::1]"), Some(("::1".into(), 443)));
        assert_eq!(host_port("https://u@h:1"), Some(("h".into(), 1)));
        assert_eq!(host_port("ftp://h"), None);
        assert_eq!(host_port("https://"), None);
        assert_eq!(host_port("https://h:99999"), None);
    }
}
