//! `ecluse check-config` catches what fails in production, as warnings
//! (issue 29): each mistake below, made for real on loopback (a port with
//! nothing listening, a server that accepts and never greets, a plain-HTTP
//! listener behind an `https://` address, an `sp_entity_id` for another
//! site, a host under `.invalid` (RFC 2606), an IdP that never answers),
//! gets its named warning, exit code 0, and an answer within the probes'
//! budget. A correct configuration gets no probe warning, and
//! `--offline` probes nothing.

use ecluse_tests::{Sink, ecluse_bin, free_addr};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The probes' budget (`ecluse_gateway::cli::probe::BUDGET`).
const BUDGET: Duration = Duration::from_secs(5);
/// The budget plus the process's own start and the rules' load (which
/// runs at the same time as the probes).
const LIMIT: Duration = Duration::from_secs(7);

/// What one `check-config` run gave.
struct Checked {
    code: i32,
    out: String,
    took: Duration,
}

impl Checked {
    /// The `warning [name]: …` lines named `name`.
    fn named(&self, name: &str) -> Vec<&str> {
        let tag = format!("warning [{name}]: ");
        self.out.lines().filter(|l| l.contains(&tag)).collect()
    }

    /// Every probe warning (`warning [name]: …`) and the IdP's.
    fn probe_warnings(&self) -> Vec<&str> {
        self.out
            .lines()
            .filter(|l| l.contains("warning [") || l.contains("[idp-unreachable]"))
            .collect()
    }

    /// Exit code 0, within the budget.
    fn passed_in_time(&self) {
        assert_eq!(self.code, 0, "{}", self.out);
        assert!(
            self.took < LIMIT,
            "took {:?}, the budget is {BUDGET:?}:\n{}",
            self.took,
            self.out
        );
    }
}

/// Writes `config` into a temp directory and runs `check-config` on it.
fn check(config: &str, extra: &[&str]) -> Checked {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecluse.toml");
    std::fs::write(&path, config).unwrap();
    if let Some(xml) = config.contains("idp.xml").then(ecluse_tests::idp::stub_metadata) {
        std::fs::write(dir.path().join("idp.xml"), xml).unwrap();
    }
    let bin = ecluse_bin();
    let started = Instant::now();
    let out = std::process::Command::new(bin)
        .args(["check-config", "--config"])
        .arg(&path)
        .args(extra)
        .output()
        .expect("running ecluse check-config");
    let took = started.elapsed();
    Checked {
        code: out.status.code().unwrap_or(-1),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        took,
    }
}

/// A configuration relaying to `downstream`, the UI on `admin` known as
/// `public_url`; `more` is appended (`[admin.saml]`, tenants …).
fn config(downstream: &str, admin: SocketAddr, public_url: &str, more: &str) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mx.ville-exemple.fr\"\naccepted_domains = [\"ville-exemple.fr\"]\nsender_checks = false\nverify_recipients = \"callout\"\n\n\
         [relay]\ndownstream = \"{downstream}\"\n\n\
         [quarantine]\ndata_dir = \"data\"\n\n\
         [admin]\nlisten = \"{admin}\"\npublic_url = \"{public_url}\"\n{more}"
    )
}

/// A TCP server on loopback that does something with each connection
/// until dropped.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(serve: impl Fn(TcpStream) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        tcp.set_nonblocking(false).unwrap();
                        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                        held.push(tcp.try_clone().unwrap());
                        serve(tcp);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Server {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// Accepts and never says a word (a stuck server, a firewall's tarpit).
    fn silent() -> Server {
        Server::start(|_| {})
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_downstream_with_nothing_listening_is_named() {
    let down = free_addr();
    let c = check(
        &config(&down.to_string(), free_addr(), "http://127.0.0.1:8080", ""),
        &[],
    );
    c.passed_in_time();
    let w = c.named("downstream-unreachable");
    assert_eq!(w.len(), 1, "{}", c.out);
    assert!(
        w[0].contains(&down.to_string())
            && w[0].contains("[relay] downstream")
            && w[0].contains("451")
            && w[0].contains("start that server"),
        "{}",
        c.out
    );
}

#[test]
fn a_downstream_that_accepts_and_never_greets_is_named_within_the_budget() {
    let silent = Server::silent();
    let c = check(
        &config(
            &silent.addr.to_string(),
            free_addr(),
            "http://127.0.0.1:8080",
            "",
        ),
        &[],
    );
    c.passed_in_time();
    let w = c.named("downstream-no-greeting");
    assert_eq!(w.len(), 1, "{}", c.out);
    assert!(
        w[0].contains(&silent.addr.to_string()) && w[0].contains("no SMTP greeting"),
        "{}",
        c.out
    );
    assert!(c.named("downstream-unreachable").is_empty(), "{}", c.out);
}

#[test]
fn many_communes_down_are_summed_up_not_listed_one_by_one() {
    let sink = Sink::start();
    let mut tenants = String::new();
    let mut down = Vec::new();
    for n in 0..40 {
        // Forty distinct ports: a port freed by free_addr can come back on
        // the next call, and two communes on one address are one server.
        let addr = loop {
            let a = free_addr();
            if !down.contains(&a) {
                break a;
            }
        };
        down.push(addr);
        tenants.push_str(&format!(
            "\n[[tenant]]\nid = \"commune-{n:02}\"\nname = \"Mairie {n}\"\ndomains = [\"commune-{n:02}.fr\"]\ndownstream = \"{addr}\"\n"
        ));
    }
    tenants.push_str(&format!(
        "\n[[tenant]]\nid = \"bonne\"\nname = \"Mairie qui répond\"\ndomains = [\"bonne.fr\", \"ville-exemple.fr\"]\ndownstream = \"{}\"\n",
        sink.addr
    ));
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            "http://127.0.0.1:8080",
            &tenants,
        ),
        &[],
    );
    c.passed_in_time();
    let w = c.named("downstream-unreachable");
    assert_eq!(w.len(), 1, "one line for 40 servers:\n{}", c.out);
    assert!(
        w[0].starts_with("  warning [downstream-unreachable]: 40 downstream servers")
            && w[0].contains("and 30 more")
            && w[0].contains("commune commune-00 at ")
            && w[0].contains("commune commune-09 at ")
            && !w[0].contains("commune commune-10 at ")
            && !w[0].contains("commune bonne"),
        "{}",
        c.out
    );
    assert!(c.out.lines().count() < 60, "{}", c.out);
}

#[test]
fn a_plain_http_ui_behind_an_https_public_url_is_named() {
    let sink = Sink::start();
    // public_url names the UI's own port, which has no TLS.
    let admin = free_addr();
    let c = check(
        &config(
            &sink.addr.to_string(),
            admin,
            &format!("https://localhost:{}", admin.port()),
            "",
        ),
        &[],
    );
    c.passed_in_time();
    let w = c.named("ui-plain-http");
    assert_eq!(w.len(), 1, "{}", c.out);
    assert!(
        w[0].contains("/saml/acs") && w[0].contains("tls_cert") && w[0].contains("proxy"),
        "{}",
        c.out
    );
    // public_url names another port, where a plain HTTP server answers.
    let http = Server::start(|mut tcp| {
        let mut buf = [0u8; 2048];
        let _ = tcp.read(&mut buf);
        let _ = tcp.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            &format!("https://127.0.0.1:{}", http.addr.port()),
            "",
        ),
        &[],
    );
    c.passed_in_time();
    assert_eq!(c.named("ui-plain-http").len(), 1, "{}", c.out);
    assert!(c.out.contains("does not answer TLS"), "{}", c.out);
}

#[test]
fn a_tls_proxy_at_the_https_public_url_is_no_warning() {
    let sink = Sink::start();
    // A TLS server (a reverse proxy's place) whose certificate this
    // machine does not trust: it speaks TLS, which is what is asked.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tls = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap(),
    );
    let proxy = Server::start(move |tcp| {
        let conn = rustls::ServerConnection::new(tls.clone()).unwrap();
        let mut s = rustls::StreamOwned::new(conn, tcp);
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
    });
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            &format!("https://localhost:{}", proxy.addr.port()),
            "",
        ),
        &[],
    );
    c.passed_in_time();
    assert!(c.probe_warnings().is_empty(), "{}", c.out);
}

#[test]
fn an_sp_entity_id_for_another_site_is_named() {
    let sink = Sink::start();
    let saml = "\n[admin.saml]\nidp_metadata = \"idp.xml\"\nsp_entity_id = \"https://quarantaine.autre-ville.fr/saml/metadata\"\n";
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            "http://127.0.0.1:8080",
            saml,
        ),
        &[],
    );
    c.passed_in_time();
    let w = c.named("sp-entity-id-mismatch");
    assert_eq!(w.len(), 1, "{}", c.out);
    assert!(
        w[0].contains("quarantaine.autre-ville.fr") && w[0].contains("remove sp_entity_id"),
        "{}",
        c.out
    );
    // The default, and a URN, are fine.
    for saml in [
        "\n[admin.saml]\nidp_metadata = \"idp.xml\"\n",
        "\n[admin.saml]\nidp_metadata = \"idp.xml\"\nsp_entity_id = \"urn:ville-exemple:ecluse\"\n",
        "\n[admin.saml]\nidp_metadata = \"idp.xml\"\nsp_entity_id = \"http://127.0.0.1:8080/sp\"\n",
    ] {
        let c = check(
            &config(
                &sink.addr.to_string(),
                free_addr(),
                "http://127.0.0.1:8080",
                saml,
            ),
            &[],
        );
        c.passed_in_time();
        assert!(
            c.named("sp-entity-id-mismatch").is_empty(),
            "{saml}\n{}",
            c.out
        );
    }
}

#[test]
fn a_public_url_host_that_does_not_resolve_is_named() {
    let sink = Sink::start();
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            "https://quarantaine.ecluse-test.invalid",
            "",
        ),
        &[],
    );
    c.passed_in_time();
    let w = c.named("public-url-unresolved");
    assert_eq!(w.len(), 1, "{}", c.out);
    assert!(
        w[0].contains("quarantaine.ecluse-test.invalid") && w[0].contains("DNS record"),
        "{}",
        c.out
    );
}

#[test]
fn a_silent_idp_is_waited_for_within_the_budget_only() {
    let sink = Sink::start();
    let idp = Server::silent();
    let saml = format!(
        "\n[admin.saml]\nidp_metadata = \"http://127.0.0.1:{}/metadata\"\n",
        idp.addr.port()
    );
    let c = check(
        &config(
            &sink.addr.to_string(),
            free_addr(),
            "http://127.0.0.1:8080",
            &saml,
        ),
        &[],
    );
    c.passed_in_time();
    assert!(
        c.out.contains("[idp-unreachable]") && c.out.contains("no answer within 5s"),
        "{}",
        c.out
    );
}

#[test]
fn a_correct_configuration_gets_no_probe_warning_and_offline_probes_nothing() {
    let sink = Sink::start();
    let other = Sink::start();
    let tenants = format!(
        "\n[[tenant]]\nid = \"alpha\"\nname = \"Mairie d'Alpha\"\ndomains = [\"ville-alpha.fr\", \"ville-exemple.fr\"]\ndownstream = \"{}\"\n\n[[tenant]]\nid = \"beta\"\nname = \"Mairie de Béta\"\ndomains = [\"ville-beta.fr\"]\ndownstream = \"{}\"\n",
        sink.addr, other.addr
    );
    let admin = free_addr();
    let good = config(
        &sink.addr.to_string(),
        admin,
        &format!("http://localhost:{}", admin.port()),
        &format!("{tenants}\n[admin.saml]\nidp_metadata = \"idp.xml\"\n"),
    );
    let c = check(&good, &[]);
    c.passed_in_time();
    assert!(c.out.contains("configuration OK"), "{}", c.out);
    assert!(c.probe_warnings().is_empty(), "{}", c.out);
    // --offline: the same mistakes go unprobed, fast.
    let down = free_addr();
    let c = check(
        &config(
            &down.to_string(),
            free_addr(),
            "https://quarantaine.ecluse-test.invalid",
            "",
        ),
        &["--offline"],
    );
    c.passed_in_time();
    assert!(c.probe_warnings().is_empty(), "{}", c.out);
    assert!(
        c.out.contains("network probes skipped (--offline)"),
        "{}",
        c.out
    );
    assert!(c.took < BUDGET, "{:?}", c.took);
}

/// The uid this test runs as (the owner of a file it creates).
fn own_uid(dir: &std::path::Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".uid");
    std::fs::write(&probe, b"").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(probe).unwrap();
    uid
}

/// A data directory the server cannot write is an error that names the
/// fix; and run as root (the packaged host's admin; CI runs as root),
/// check-config acts as the data directory's owner, so that what it
/// writes there (the compiled rules' cache) stays the service's — a
/// command typed as root while the server was stopped once left root's
/// files behind and the service could not start (deployment trial 2).
#[test]
fn a_data_directory_the_server_cannot_write_is_named_and_root_acts_as_its_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.path().join("ecluse.toml");
    let sink = Sink::start();
    let text = config(&sink.addr.to_string(), free_addr(), "http://127.0.0.1:8080", "");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let run = || {
        let out = std::process::Command::new(ecluse_bin())
            .args(["check-config", "--offline", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let stray = data.join("conf");
    if own_uid(dir.path()) == 0 {
        // The service's user: nobody (65534) stands for `ecluse`.
        std::os::unix::fs::chown(&data, Some(65534), Some(65534)).unwrap();
        // The package's README, root's and read-only, as dpkg installs it:
        // nothing writes it, and a fresh install passes.
        let readme = data.join("README");
        std::fs::write(&readme, b"Ecluse\n").unwrap();
        std::fs::set_permissions(&readme, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (code, out) = run();
        assert_eq!(code, 0, "{out}");
        let cache = data.join("rules-cache");
        assert_eq!(std::fs::metadata(&cache).unwrap().uid(), 65534, "{out}");
        for e in std::fs::read_dir(&cache).unwrap() {
            assert_eq!(e.unwrap().metadata().unwrap().uid(), 65534);
        }
        // A file root left there before this change: named, with the fix.
        std::fs::write(&stray, b"").unwrap();
        std::fs::set_permissions(&stray, std::fs::Permissions::from_mode(0o600)).unwrap();
    } else {
        std::fs::write(&stray, b"").unwrap();
        std::fs::set_permissions(&stray, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let (code, out) = run();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("are not writable by this user")
            && out.contains(&stray.display().to_string())
            && out.contains("chown -R ecluse:ecluse"),
        "{out}"
    );
}
