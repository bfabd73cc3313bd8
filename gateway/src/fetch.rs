//! Fetches the IdP's metadata when `[admin.saml] idp_metadata` is an
//! address: one HTTP/1.0 GET, over TLS checked against the system's
//! certificate authorities for `https://`, at most 4 MiB, 30 seconds.

use anyhow::{Context as _, Result, bail};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest metadata document accepted.
pub const MAX_METADATA: u64 = 4 << 20;

/// How long [`get`] waits for the whole answer.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The body of `url`, which must answer `200` within [`TIMEOUT`].
pub async fn get(url: &str) -> Result<String> {
    get_within(url, TIMEOUT).await
}

/// The body of `url`, which must answer `200` within `limit`
/// (`check-config` gives the rest of its probe budget).
pub async fn get_within(url: &str, limit: Duration) -> Result<String> {
    tokio::time::timeout(limit, fetch(url))
        .await
        .with_context(|| {
            format!(
                "{url}: no answer within {}",
                humantime::format_duration(limit)
            )
        })?
}

async fn fetch(url: &str) -> Result<String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        bail!("{url}: only http:// and https:// addresses can be fetched");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let addr = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{}", if tls { 443 } else { 80 })
    };
    let mut tcp = TcpStream::connect(&addr)
        .await
        .with_context(|| format!("{url}: cannot connect to {addr}"))?;
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nUser-Agent: ecluse\r\nAccept: application/samlmetadata+xml, application/xml, text/xml\r\n\r\n"
    );
    let raw = if tls {
        crate::tls::install_provider();
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls_pki_types::ServerName::try_from(host.to_string())
            .with_context(|| format!("{url}: `{host}` is not a host name"))?;
        let mut s = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .with_context(|| format!("{url}: TLS handshake failed"))?;
        exchange(&mut s, &request).await?
    } else {
        exchange(&mut tcp, &request).await?
    };
    let split = memchr::memmem::find(&raw, b"\r\n\r\n")
        .with_context(|| format!("{url}: the answer is not HTTP"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head.lines().next().unwrap_or("");
    if status.split_whitespace().nth(1) != Some("200") {
        bail!("{url}: answered `{status}`, not 200");
    }
    let body = &raw[split + 4..];
    if body.len() as u64 > MAX_METADATA {
        bail!("{url}: metadata larger than 4 MiB");
    }
    String::from_utf8(body.to_vec()).with_context(|| format!("{url}: metadata is not UTF-8"))
}

/// Sends the request and reads the answer, at most 4 MiB and a head.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, request: &str) -> Result<Vec<u8>> {
    s.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    s.take(MAX_METADATA + 64 * 1024)
        .read_to_end(&mut raw)
        .await?;
    Ok(raw)
}
