//! Inbound STARTTLS with a real certificate (made by the test): offered in
//! EHLO, the handshake, EHLO again, a message delivered with `ESMTPS`; and
//! commands pipelined before the handshake are not executed after it
//! (the STARTTLS command injection of CVE-2011-0411).

use ecluse_tests::{Gateway, Sink, dot_stuff};
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

fn reply<R: BufRead>(r: &mut R) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return all;
        }
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return all;
        }
    }
}

fn gateway_with_tls(sink: &Sink) -> (Gateway, CertificateDer<'static>) {
    let cert = rcgen::generate_simple_self_signed(vec!["mx.ville-exemple.fr".to_string()]).unwrap();
    // In the gateway's own temp directory (relative paths are read there),
    // gone with it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let extra = "tls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n";
    let config = Gateway::config_text(sink.addr, extra);
    (Gateway::start_in(dir, &config), cert.cert.der().clone())
}

fn tls_client(
    stream: TcpStream,
    root: CertificateDer<'static>,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root).unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        ServerName::try_from("mx.ville-exemple.fr").unwrap(),
    )
    .unwrap();
    rustls::StreamOwned::new(conn, stream)
}

/// Connects in plain text, reads the greeting, says EHLO; returns the
/// stream, a reader and a writer on it, and the EHLO reply.
fn plain_session(gw: &Gateway) -> (TcpStream, BufReader<TcpStream>, TcpStream, String) {
    let stream = TcpStream::connect(gw.smtp).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut plain = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream.try_clone().unwrap();
    assert!(reply(&mut plain).starts_with("220"));
    w.write_all(b"EHLO client.example.org\r\n").unwrap();
    let ehlo = reply(&mut plain);
    (stream, plain, w, ehlo)
}

#[test]
fn a_message_over_starttls_arrives_and_says_esmtps() {
    let sink = Sink::start();
    let (gw, root) = gateway_with_tls(&sink);
    let (stream, mut plain, mut w, ehlo) = plain_session(&gw);
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    w.write_all(b"STARTTLS\r\n").unwrap();
    assert!(reply(&mut plain).starts_with("220 2.0.0"));
    let mut tls = BufReader::new(tls_client(stream, root));
    tls.get_mut()
        .write_all(b"EHLO client.example.org\r\n")
        .unwrap();
    let ehlo = reply(&mut tls);
    assert!(
        ehlo.starts_with("250") && !ehlo.contains("STARTTLS"),
        "no STARTTLS twice: {ehlo}"
    );
    for cmd in [
        "MAIL FROM:<a@example.org>",
        "RCPT TO:<agent@ville-exemple.fr>",
    ] {
        tls.get_mut()
            .write_all(format!("{cmd}\r\n").as_bytes())
            .unwrap();
        assert!(reply(&mut tls).starts_with("250"));
    }
    tls.get_mut().write_all(b"DATA\r\n").unwrap();
    assert!(reply(&mut tls).starts_with("354"));
    tls.get_mut()
        .write_all(&dot_stuff(b"Subject: chiffre\r\n\r\nbonjour\r\n"))
        .unwrap();
    let r = reply(&mut tls);
    assert!(r.starts_with("250 2.0.0"), "{r}");
    let got = sink.wait_for(1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "{}", gw.log());
    assert!(
        got[0].text().contains("with ESMTPS id"),
        "{}",
        got[0].text()
    );
}

#[test]
fn commands_pipelined_before_the_handshake_are_dropped() {
    let sink = Sink::start();
    let (gw, root) = gateway_with_tls(&sink);
    let (stream, mut plain, mut w, _) = plain_session(&gw);
    // An attacker on the path appends a command to the client's STARTTLS.
    w.write_all(b"STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n")
        .unwrap();
    assert!(reply(&mut plain).starts_with("220 2.0.0"));
    let mut tls = tls_client(stream, root);
    tls.write_all(b"NOOP\r\n").unwrap();
    let mut first = [0u8; 64];
    let n = tls.read(&mut first).unwrap();
    let first = String::from_utf8_lossy(&first[..n]).into_owned();
    assert!(
        first.starts_with("250 2.0.0 OK"),
        "the injected MAIL was answered: {first}"
    );
    // And the transaction did not start: MAIL is still needed.
    tls.write_all(b"EHLO c\r\nRCPT TO:<agent@ville-exemple.fr>\r\n")
        .unwrap();
    let mut rest = BufReader::new(tls);
    reply(&mut rest);
    let r = reply(&mut rest);
    assert!(r.starts_with("503"), "{r}");
}
