//! The session over an in-memory stream, table-driven, with hostile input:
//! fragmented and pipelined commands, bare line ends, smuggled ends of
//! data, over-long lines, sequence errors, relay attempts.

use super::context::Context;
use super::session::{Next, Session};
use crate::config::Config;
use crate::config::NoticeConfig;
use ecluse_quarantine::Store;
use ecluse_scanner::Engine;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore, watch};

fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::builtin())).clone()
}

fn context(dir: &std::path::Path, extra: &str) -> Arc<Context> {
    let text = format!(
        "[smtp]\nhostname = \"mx.test.fr\"\naccepted_domains = [\"ville-exemple.fr\"]\nmax_message_size = \"64KiB\"\nmax_recipients = 3\n{extra}\n[relay]\ndownstream = \"127.0.0.1:9\"\n"
    );
    let config = Config::parse(&text, "test", dir).unwrap();
    let store = Arc::new(Store::open(&dir.join("data")).unwrap());
    Arc::new(Context {
        engine: std::sync::RwLock::new(engine()),
        recipients: std::sync::RwLock::new(Arc::new(super::recipients::Verifier::new(
            config.smtp.verify_recipients.clone(),
            store.clone(),
            config.relay.clone(),
            "mx.test.fr".into(),
            config.smtp.recipient_cache_positive,
            config.smtp.recipient_cache_negative,
        ))),
        store,
        scans: Arc::new(Semaphore::new(config.smtp.max_scans)),
        tls: std::sync::RwLock::new(None),
        notices: NoticeConfig {
            hostname: "mx.test.fr".into(),
            public_url: "https://q.test.fr".into(),
            ..Default::default()
        },
        relay_wakeup: Arc::new(Notify::new()),
        engines: Default::default(),
        // These tests speak SMTP only: no DNS.
        senders: std::sync::RwLock::new(None),
        harvest: super::harvest::HarvestGuard::new(config.smtp.unknown_recipient_limit),
        config: std::sync::RwLock::new(Arc::new(config)),
    })
}

/// Feeds `chunks` (each written separately) and returns the reply codes.
async fn converse(ctx: Arc<Context>, chunks: &[&[u8]]) -> Vec<String> {
    let (mut client, server) = tokio::io::duplex(1 << 20);
    let (_tx, rx) = watch::channel(false);
    let mut session = Session::new(ctx, "192.0.2.7:40000".parse().unwrap(), rx);
    session.greet();
    let task = tokio::spawn(async move {
        match session.run(server).await {
            Ok(Next::Close) | Err(_) => {}
            Ok(Next::StartTls(_)) => panic!("no TLS configured"),
        }
    });
    for c in chunks {
        client.write_all(c).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    client.shutdown().await.unwrap();
    let mut out = String::new();
    client.read_to_string(&mut out).await.unwrap();
    task.await.unwrap();
    out.lines()
        .filter(|l| l.len() >= 4 && l.as_bytes()[3] == b' ')
        .map(|l| l[..3].to_string())
        .collect()
}

type SessionTask = tokio::task::JoinHandle<std::io::Result<()>>;

/// A session on an in-memory stream: the client end, the shutdown switch, the task.
fn start(ctx: Arc<Context>) -> (tokio::io::DuplexStream, watch::Sender<bool>, SessionTask) {
    let (client, server) = tokio::io::duplex(1 << 16);
    let (tx, rx) = watch::channel(false);
    let mut session = Session::new(ctx, "192.0.2.7:40000".parse().unwrap(), rx);
    session.greet();
    let task = tokio::spawn(async move { session.run(server).await.map(|_| ()) });
    (client, tx, task)
}

#[tokio::test]
async fn table_of_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), "max_errors = 50");
    // (name, what the client writes, chunk by chunk, the reply codes expected)
    type Case<'a> = (&'a str, &'a [&'a [u8]], &'a [&'a str]);
    let cases: &[Case] = &[
        ("plain transaction", &[b"EHLO c\r\n", b"MAIL FROM:<a@b.org>\r\n", b"RCPT TO:<x@ville-exemple.fr>\r\n", b"DATA\r\n", b"Subject: t\r\n\r\nhi\r\n.\r\n", b"QUIT\r\n"], &["220", "250", "250", "250", "354", "250", "221"]),
        ("pipelined in one write", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\nSubject: t\r\n\r\nhi\r\n.\r\nQUIT\r\n"], &["220", "250", "250", "250", "354", "250", "221"]),
        ("fragmented command", &[b"EH", b"LO c\r", b"\nMAIL FR", b"OM:<a@b.org>\r\n", b"QUIT\r\n"], &["220", "250", "250", "221"]),
        ("MAIL before EHLO", &[b"MAIL FROM:<a@b.org>\r\nQUIT\r\n"], &["220", "503", "221"]),
        ("RCPT before MAIL", &[b"EHLO c\r\nRCPT TO:<x@ville-exemple.fr>\r\nQUIT\r\n"], &["220", "250", "503", "221"]),
        ("DATA without recipients", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nDATA\r\nQUIT\r\n"], &["220", "250", "250", "554", "221"]),
        ("nested MAIL", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nMAIL FROM:<c@b.org>\r\nQUIT\r\n"], &["220", "250", "250", "503", "221"]),
        ("open relay", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@gmail.com>\r\nQUIT\r\n"], &["220", "250", "250", "550", "221"]),
        ("too many recipients", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<a@ville-exemple.fr>\r\nRCPT TO:<b@ville-exemple.fr>\r\nRCPT TO:<c@ville-exemple.fr>\r\nRCPT TO:<d@ville-exemple.fr>\r\nQUIT\r\n"], &["220", "250", "250", "250", "250", "250", "452", "221"]),
        ("postmaster without domain", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<postmaster>\r\nQUIT\r\n"], &["220", "250", "250", "250", "221"]),
        ("unknown command", &[b"EHLO c\r\nFOO bar\r\nQUIT\r\n"], &["220", "250", "500", "221"]),
        ("VRFY, HELP, NOOP, RSET", &[b"EHLO c\r\nVRFY root\r\nHELP\r\nNOOP\r\nRSET\r\nQUIT\r\n"], &["220", "250", "252", "214", "250", "250", "221"]),
        ("STARTTLS without a certificate", &[b"EHLO c\r\nSTARTTLS\r\nQUIT\r\n"], &["220", "250", "454", "221"]),
        ("over-long command line", &[&[b'A'; 5000], b"\r\nQUIT\r\n"], &["220", "500", "221"]),
        ("bare LF in data", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\n", b"Subject: t\n\nhi\r\n.\r\nQUIT\r\n"], &["220", "250", "250", "250", "354", "550", "221"]),
        ("smuggled end, then pipelined DATA", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\n", b"Subject: t\r\n\r\nhi\n.\nMAIL FROM:<e@b.org>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\nevil\r\n.\r\nDATA\r\nQUIT\r\n"], &["220", "250", "250", "250", "354", "550", "503", "221"]),
        ("message over the size limit", &[b"EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\n", &[b'a'; 70_000], b"\r\n.\r\nQUIT\r\n"], &["220", "250", "250", "250", "354", "552", "221"]),
        ("declared size over the limit", &[b"EHLO c\r\nMAIL FROM:<a@b.org> SIZE=100000\r\nQUIT\r\n"], &["220", "250", "552", "221"]),
        ("HELO then transaction", &[b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<x@ville-exemple.fr>\r\nDATA\r\n.\r\nQUIT\r\n"], &["220", "250", "250", "250", "354", "250", "221"]),
    ];
    for (name, chunks, want) in cases {
        let got = converse(ctx.clone(), chunks).await;
        assert_eq!(got, *want, "{name}");
    }
}

#[tokio::test]
async fn ehlo_advertises_the_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), "");
    let (mut client, _tx, task) = start(ctx);
    client.write_all(b"EHLO c\r\nQUIT\r\n").await.unwrap();
    let mut out = String::new();
    client.read_to_string(&mut out).await.unwrap();
    task.await.unwrap().unwrap();
    for ext in [
        "SIZE 65536",
        "8BITMIME",
        "PIPELINING",
        "ENHANCEDSTATUSCODES",
        "SMTPUTF8",
    ] {
        assert!(out.contains(ext), "{ext} missing in {out}");
    }
    assert!(
        !out.contains("STARTTLS"),
        "no certificate, no STARTTLS: {out}"
    );
}

#[tokio::test]
async fn too_many_errors_close_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), "max_errors = 3");
    let got = converse(ctx, &[b"FOO\r\nBAR\r\nBAZ\r\nQUX\r\n"]).await;
    assert_eq!(got, ["220", "500", "500", "500", "421"]);
}

#[tokio::test]
async fn shutdown_answers_421() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), "");
    let (mut client, tx, task) = start(ctx);
    client.write_all(b"EHLO c\r\n").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    tx.send(true).unwrap();
    let mut out = String::new();
    client.read_to_string(&mut out).await.unwrap();
    task.await.unwrap().unwrap();
    assert!(
        out.trim_end().ends_with("shutting down, try again later"),
        "{out}"
    );
    assert!(out.contains("\r\n421 4.3.2 "), "{out}");
}

#[tokio::test]
async fn command_timeout_answers_421() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), "command_timeout = \"200ms\"");
    let (mut client, _tx, task) = start(ctx);
    let mut out = String::new();
    client.read_to_string(&mut out).await.unwrap();
    task.await.unwrap().unwrap();
    assert!(out.contains("421 4.4.2"), "{out}");
}
