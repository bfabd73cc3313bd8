//! ClamAV as a second engine: clamd spoken to over its socket (`unix:` path
//! or `host:port`) with the `INSTREAM` command (clamd(8), "INSTREAM": the
//! data in chunks, each a 4-byte big-endian length then its bytes, ended by
//! a zero length; the answer `stream: OK`, `stream: <name> FOUND` or
//! `… ERROR`, each ended by NUL with the `z` command prefix).
//!
//! It sees the message as received (ClamAV's own reading of MIME and
//! archives) and the objects our walk took out that it would not reach.
//! What clamd cannot answer is never taken as clean: the caller answers
//! `451` or holds the message (`on_error`).

use crate::config::{ClamavConfig, ClamdAddress, OnError};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Why clamd gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum ClamdError {
    /// It could not be reached or the exchange broke.
    #[error("clamd at {address}: {reason}")]
    Unreachable {
        /// Where.
        address: String,
        /// What the system said.
        reason: String,
    },
    /// It answered an error (a size limit, a damaged database …).
    #[error("clamd answered an error: {0}")]
    Answered(String),
    /// The time budget of the message ran out.
    #[error("clamd did not answer within {0:?}")]
    Timeout(Duration),
}

/// A connection to clamd, either kind.
enum Stream {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Stream {
    fn connect(address: &ClamdAddress, timeout: Duration) -> std::io::Result<Stream> {
        let s = match address {
            ClamdAddress::Unix(path) => {
                let s = std::os::unix::net::UnixStream::connect(path)?;
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                Stream::Unix(s)
            }
            ClamdAddress::Tcp(addr) => {
                let sock = std::net::ToSocketAddrs::to_socket_addrs(addr.as_str())?
                    .next()
                    .ok_or_else(|| std::io::Error::other("the name has no address"))?;
                let s = std::net::TcpStream::connect_timeout(&sock, timeout)?;
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                Stream::Tcp(s)
            }
        };
        Ok(s)
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

/// Sends one `z`-prefixed command, with `body` as INSTREAM chunks when
/// given, and reads the NUL-ended answer.
fn exchange(
    config: &ClamavConfig,
    command: &str,
    body: Option<&[u8]>,
    timeout: Duration,
) -> Result<String, ClamdError> {
    let unreachable = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            ClamdError::Timeout(timeout)
        } else {
            ClamdError::Unreachable {
                address: config.address.to_string(),
                reason: e.to_string(),
            }
        }
    };
    let mut s = Stream::connect(&config.address, timeout).map_err(unreachable)?;
    s.write_all(format!("z{command}\0").as_bytes())
        .map_err(unreachable)?;
    if let Some(body) = body {
        for chunk in body.chunks(64 * 1024) {
            s.write_all(&(chunk.len() as u32).to_be_bytes())
                .map_err(unreachable)?;
            s.write_all(chunk).map_err(unreachable)?;
        }
        s.write_all(&0u32.to_be_bytes()).map_err(unreachable)?;
    }
    s.flush().map_err(unreachable)?;
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match s.read(&mut byte).map_err(unreachable)? {
            0 => break,
            _ if byte[0] == 0 => break,
            _ if answer.len() < 4096 => answer.push(byte[0]),
            _ => {}
        }
    }
    if answer.is_empty() {
        return Err(ClamdError::Unreachable {
            address: config.address.to_string(),
            reason: "it closed the connection without an answer".into(),
        });
    }
    Ok(String::from_utf8_lossy(&answer).trim().to_string())
}

/// `PING`, then `VERSION`: the version line when clamd answers `PONG`.
pub fn ping(config: &ClamavConfig) -> Result<String, ClamdError> {
    let t = config.timeout.min(Duration::from_secs(5));
    let pong = exchange(config, "PING", None, t)?;
    if pong != "PONG" {
        return Err(ClamdError::Answered(pong));
    }
    exchange(config, "VERSION", None, t)
}

/// Scans `bytes`; `Some(signature)` when clamd found something.
pub fn scan(
    config: &ClamavConfig,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Option<String>, ClamdError> {
    let answer = exchange(config, "INSTREAM", Some(bytes), timeout)?;
    let verdict = answer.strip_prefix("stream: ").unwrap_or(&answer);
    if verdict == "OK" {
        Ok(None)
    } else if let Some(name) = verdict.strip_suffix(" FOUND") {
        Ok(Some(name.to_string()))
    } else {
        Err(ClamdError::Answered(answer))
    }
}

/// One hit: where (`None`: the message as received), and the signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The part's path in the report, or `None` for the whole message.
    pub path: Option<String>,
    /// ClamAV's signature name.
    pub signature: String,
}

/// Scans the message as received, then `objects` (path, bytes) until the
/// time budget runs out: every hit, or why clamd could not answer.
pub fn scan_message(
    config: &ClamavConfig,
    raw: &[u8],
    objects: &[(String, Vec<u8>)],
) -> Result<Vec<Hit>, ClamdError> {
    let deadline = Instant::now() + config.timeout;
    let left = || deadline.saturating_duration_since(Instant::now());
    let mut hits = Vec::new();
    if let Some(signature) = scan(config, raw, left())? {
        hits.push(Hit {
            path: None,
            signature,
        });
    }
    for (path, bytes) in objects {
        if bytes.len() as u64 > config.max_object_bytes {
            continue;
        }
        if left().is_zero() {
            return Err(ClamdError::Timeout(config.timeout));
        }
        if let Some(signature) = scan(config, bytes, left())? {
            hits.push(Hit {
                path: Some(path.clone()),
                signature,
            });
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            "unix:/run/clamav/clamd.ctl".parse(),
            Ok(ClamdAddress::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            "127.0.0.1:3310".parse(),
            Ok(ClamdAddress::Tcp("127.0.0.1:3310".into()))
        );
        assert!("unix:clamd.ctl".parse::<ClamdAddress>().is_err());
        assert!("localhost".parse::<ClamdAddress>().is_err());
    }

    #[test]
    fn a_dead_clamd_is_an_error_never_clean() {
        let dir = tempfile::tempdir().unwrap();
        let config = ClamavConfig {
            address: ClamdAddress::Unix(dir.path().join("none.ctl")),
            on_error: OnError::Tempfail,
            timeout: Duration::from_secs(1),
            max_object_bytes: 1 << 20,
        };
        assert!(matches!(
            scan_message(&config, b"Subject: x\r\n\r\nhi", &[]),
            Err(ClamdError::Unreachable { .. })
        ));
        assert!(ping(&config).is_err());
    }
}

/// Records what clamd just did for the dashboard and the
/// `ecluse_clamav_up` gauge: `Ok(Some(version))` for an answered check,
/// `Ok(None)` for a scan it answered, `Err(why)` when it did not answer.
/// Logs when it goes down and when it is back.
pub fn record(
    engines: &ecluse_admin_ui::Engines,
    config: &ClamavConfig,
    state: Result<Option<String>, String>,
) {
    metrics::gauge!("ecluse_clamav_up").set(if state.is_ok() { 1.0 } else { 0.0 });
    let now = jiff::Timestamp::now();
    let Ok(mut e) = engines.write() else { return };
    let before = e.clamav.take();
    let down_since = before.as_ref().and_then(|c| c.down_since);
    let state = match state {
        Ok(version) => {
            if down_since.is_some() {
                tracing::info!(address = %config.address, "clamd answers again");
            }
            Ok(version
                .or_else(|| before.as_ref().and_then(|c| c.state.clone().ok()))
                .unwrap_or_else(|| "clamd".into()))
        }
        Err(why) => {
            if down_since.is_none() {
                tracing::error!(address = %config.address, error = %why, "clamd does not answer");
            }
            Err(why)
        }
    };
    e.clamav = Some(ecluse_admin_ui::ClamavStatus {
        address: config.address.to_string(),
        down_since: if state.is_ok() {
            None
        } else {
            down_since.or(Some(now))
        },
        state,
        checked_at: now,
        hold_when_down: matches!(config.on_error, OnError::Hold),
    });
}
