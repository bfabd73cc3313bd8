//! SMTP never waits for the IdP (issue 29): `ecluse serve` with
//! `idp_metadata = "https://…"` whose server is down at start accepts mail
//! and serves the break-glass sign-in at once, tells agents that sign-in
//! comes back by itself, and picks the metadata up when the IdP answers
//! (a real HTTPS server, its certificate from a CA the server is told to
//! trust through `SSL_CERT_FILE`); `check-config` warns and passes. Then,
//! with the IdP down again, a restart starts SAML from the copy it kept.

use ecluse_tests::{Gateway, Sink, free_addr, http, samples, send_one};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const AGENT: &str = "agent@ville-exemple.fr";
const PASSWORD: &str = "secours-mot-de-passe";

/// An HTTPS server on `addr` answering every GET with `body`, with a
/// certificate for `localhost` signed by a CA of its own (PEM returned).
struct MetadataServer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn ca_and_server_config() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Écluse test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

impl MetadataServer {
    fn start(addr: SocketAddr, config: Arc<rustls::ServerConfig>, body: String) -> MetadataServer {
        let listener = TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((tcp, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.0 200 OK\r\nContent-Type: application/samlmetadata+xml\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        });
        MetadataServer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for MetadataServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn saml_login_status(g: &Gateway) -> (u16, String) {
    let r = http(g.admin, "GET", "/saml/login?next=%2F", "", None);
    (r.status, r.body)
}

#[test]
fn smtp_and_the_break_glass_sign_in_start_without_the_idp_which_is_picked_up_later() {
    let (ca_pem, tls) = ca_and_server_config();
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    // SAFETY: this test's own process (nextest runs each test alone); the
    // server it starts reads its trusted certificates from here.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &ca_file);
    }
    let idp_addr = free_addr();
    let hash = ecluse_tests::hash_password(PASSWORD);
    let config = format!(
        "{}\n[admin.saml]\nidp_metadata = \"https://localhost:{}/metadata\"\n\n[admin.local]\nusername = \"secours\"\npassword_hash = \"{hash}\"\n",
        Gateway::config_text(sink.addr, ""),
        idp_addr.port()
    );
    let g = Gateway::start_in(dir, &config);
    // The IdP is down: check-config warns and passes.
    let (code, out, err) = g.cli(&["check-config"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("warning [idp-unreachable]: the IdP's metadata cannot be fetched")
            && out.contains("no copy"),
        "{out}"
    );
    // Mail is accepted and delivered.
    let msg = samples::message("Bonjour", &samples::text_part("Bonjour")).into_bytes();
    let r = send_one(g.smtp, "a@example.org", &[AGENT], &msg);
    assert!(r.starts_with("250"), "{r}\n{}", g.log());
    assert_eq!(sink.wait_for(1, Duration::from_secs(20)).len(), 1);
    // The break-glass admin signs in; agents are told to wait.
    let admin = ecluse_tests::sign_in_local(g.admin, "secours", PASSWORD);
    let page = http(g.admin, "GET", "/admin", &admin, None);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, body) = saml_login_status(&g);
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("Le service d'authentification de la mairie ne répond pas")
            || body.contains("Le service d&#39;authentification de la mairie ne répond pas"),
        "{body}"
    );
    assert!(g.log().contains("the IdP does not answer and no copy"), "{}", g.log());
    // Our own metadata needs nothing from the IdP: the IdP's admin can
    // register Écluse before the IdP's metadata is read (issue 29).
    let md = http(g.admin, "GET", "/saml/metadata", "", None);
    assert_eq!(md.status, 200, "{}", md.body);
    assert!(
        md.body.contains("<md:EntityDescriptor")
            && md.body.contains("/saml/acs\"")
            && md.body.contains("/saml/slo\""),
        "{}",
        md.body
    );
    // The IdP comes up: within the retries, SAML sign-in works.
    let server = MetadataServer::start(idp_addr, tls.clone(), ecluse_tests::idp::stub_metadata());
    let started = Instant::now();
    loop {
        let (status, body) = saml_login_status(&g);
        if status == 302 || status == 303 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "SAML still not ready: {status} {body}\n{}",
            g.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(g.log().contains("IdP metadata taken"), "{}", g.log());
    assert!(g.data_dir().join("idp-metadata.xml").exists());
    // Down again, and a restart: SAML starts from the copy at once.
    drop(server);
    let mut g = g;
    assert_eq!(g.stop(), Some(0), "{}", g.log());
    g.restart();
    let (status, body) = saml_login_status(&g);
    assert!(status == 302 || status == 303, "{status} {body}\n{}", g.log());
    assert!(
        g.log().contains("starts from the copy of its metadata"),
        "{}",
        g.log()
    );
    let (code, out, err) = g.cli(&["check-config"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("serve starts from the copy"), "{out}");
}
