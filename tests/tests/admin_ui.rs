//! The web UI end to end: the real `ecluse serve` (HTTPS on
//! `sp.localhost`), a real SAML IdP (SimpleSAMLphp on `idp.localhost`),
//! a real browser (headless Chromium through chromedriver), real SMTP in and
//! out. Two `*.localhost` names make the IdP's POST back to us cross-site,
//! as in production. Screenshots of every browser are saved under
//! `target/ui-failures/` when a scenario fails.

use ecluse_tests::browser::{Browser, Driver, doc_shot, failure_dir};
use ecluse_tests::idp::{self, Idp};
use ecluse_tests::{Gateway, Sink, samples, send_one};
use fantoccini::Client;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);
const OTHER_AGENT: &str = "voisin@ville-exemple.fr";

type Shots = Arc<Mutex<Vec<(String, Client)>>>;

/// Everything one scenario runs against.
struct World {
    sink: Sink,
    gw: Gateway,
    idp: Idp,
    driver: Driver,
    /// The UI's address as the browser reaches it.
    public_url: String,
    shots: Shots,
    _proxy: Option<TamperProxy>,
}

#[derive(Default)]
struct Options {
    /// `faketime` offset for the IdP's clock.
    idp_clock: Option<&'static str>,
    /// Put a proxy that can alter the IdP's answer between browser and UI
    /// (plain HTTP, so that the proxy can read it).
    tamper_proxy: bool,
    /// How the IdP names attributes and what it signs.
    idp_style: idp::Style,
}

impl World {
    fn start(opts: Options, shots: Shots) -> World {
        let sink = Sink::start();
        let dir = tempfile::tempdir().unwrap();
        let ui_addr = ecluse_tests::free_addr();
        let proxy = opts.tamper_proxy.then(|| TamperProxy::start(ui_addr));
        let public_url = match &proxy {
            Some(p) => format!("http://sp.localhost:{}", p.addr.port()),
            None => format!("https://sp.localhost:{}", ui_addr.port()),
        };
        let entity_id = format!("{public_url}/saml/metadata");
        let idp = Idp::start_as(
            &entity_id,
            &format!("{public_url}/saml/acs"),
            opts.idp_clock,
            opts.idp_style,
        );
        let tls = if opts.tamper_proxy {
            String::new()
        } else {
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = rcgen::CertificateParams::new(vec!["sp.localhost".into()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            std::fs::write(dir.path().join("ui.crt"), cert.pem()).unwrap();
            std::fs::write(dir.path().join("ui.key"), key.serialize_pem()).unwrap();
            "tls_cert = \"ui.crt\"\ntls_key = \"ui.key\"\n".to_string()
        };
        let [mail, name, groups] = opts.idp_style.attributes();
        let base = Gateway::config_text(sink.addr, "");
        let admin_block = "[admin]\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://quarantaine.ville-exemple.fr\"\n";
        assert!(base.contains(admin_block));
        let config = base.replace(
            admin_block,
            &format!("[admin]\nlisten = \"{ui_addr}\"\npublic_url = \"{public_url}\"\n{tls}"),
        ) + &format!(
            "\n[admin.saml]\nidp_metadata = \"{}\"\nsp_entity_id = \"{entity_id}\"\nemail_attribute = \"{mail}\"\nname_attribute = \"{name}\"\ngroups_attribute = \"{groups}\"\nadmin_group = \"{}\"\n",
            idp.metadata_url(),
            idp::ADMIN_GROUP,
        );
        let gw = Gateway::start_in(dir, &config);
        World {
            sink,
            gw,
            idp,
            driver: Driver::start(),
            public_url,
            shots,
            _proxy: proxy,
        }
    }

    async fn browser(&self, name: &str) -> Browser {
        let b = self.driver.browser(name).await;
        self.shots
            .lock()
            .unwrap()
            .push((name.to_string(), b.client.clone()));
        b
    }

    /// Sends a macro document to `rcpt` and returns the item id from the
    /// notice that reached the sink.
    fn hold_a_docm_for(&self, rcpt: &str, subject: &str) -> String {
        let before = self.sink.messages().len();
        let msg = samples::with_attachment(
            subject,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "facture.docx",
            &samples::docm("Facture"),
        );
        let reply = send_one(
            self.gw.smtp,
            "fournisseur@example.org",
            &[rcpt],
            msg.as_bytes(),
        );
        assert!(reply.starts_with("250"), "{reply}");
        let start = Instant::now();
        loop {
            for m in self.sink.messages().iter().skip(before) {
                if !m.rcpts.iter().any(|r| r == rcpt) {
                    continue;
                }
                let parsed = mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .unwrap();
                let texts = (0..parsed.text_body_count() + 2).filter_map(|i| parsed.body_text(i));
                let prefix = format!("{}/q/", self.public_url);
                for text in texts {
                    if let Some(i) = text.find(&prefix) {
                        let rest = &text[i + prefix.len()..];
                        return rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect();
                    }
                }
            }
            assert!(
                start.elapsed() < WAIT,
                "no notice for {rcpt}:\n{}",
                self.gw.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The admin opens `/admin`, signs in at the IdP and lands on the
    /// queue; returns their browser and the queue's HTML.
    async fn admin_queue(&self) -> (Browser, String) {
        let admin = self.browser("admin").await;
        admin.goto(&format!("{}/admin", self.public_url)).await;
        self.sign_in_at_idp(&admin, idp::ADMIN).await;
        let queue = admin.wait_text("File d'attente").await;
        (admin, queue)
    }

    /// Follows the sign-in button to the IdP and signs in there.
    async fn sign_in_at_idp(&self, b: &Browser, (user, password): (&str, &str)) {
        b.click("a.button[href^='/saml/login']").await;
        b.wait_text("password").await;
        assert!(
            b.url().await.starts_with(&self.idp.base),
            "{}",
            b.url().await
        );
        b.fill("#username", user).await;
        b.fill("#password", password).await;
        b.click("#submit_button").await;
        // SimpleSAMLphp posts the answer back with a script; press its
        // button if the script has not done it within a second.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            let url = b.url().await;
            if !url.starts_with(&self.idp.base) {
                return;
            }
            if start.elapsed() > Duration::from_secs(1)
                && b.html().await.contains("postLoginSubmitButton")
            {
                b.click("#postLoginSubmitButton").await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Runs a scenario; if it panics, saves a screenshot of every browser it
/// opened, then fails with the scenario's panic.
async fn scenario<F, Fut>(name: &str, opts: Options, f: F)
where
    F: FnOnce(Arc<World>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let shots: Shots = Arc::default();
    let world = Arc::new(World::start(opts, shots.clone()));
    let result = tokio::spawn(f(world.clone())).await;
    if let Err(e) = result {
        let clients = shots.lock().unwrap().clone();
        for (who, c) in clients {
            if let Ok(png) = c.screenshot().await {
                let dir = failure_dir();
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("{name}-{who}.png")), png);
            }
        }
        eprintln!(
            "server log:\n{}\nIdP log (tail):\n{}",
            world.gw.log(),
            tail(&world.idp.log(), 4000)
        );
        std::panic::resume_unwind(e.into_panic());
    }
}

fn tail(s: &str, n: usize) -> &str {
    let start = s.len().saturating_sub(n);
    let start = (start..s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    &s[start..]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_asks_admin_approves_and_the_original_arrives() {
    scenario("approve", Options::default(), |w| async move {
        let item = w.hold_a_docm_for(idp::AGENT_EMAIL, "Facture de décembre");

        // The agent follows the notice link, signs in at the IdP, lands on the item.
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/q/{item}", w.public_url)).await;
        assert!(
            agent.url().await.contains("/login?next=/q/"),
            "{}",
            agent.url().await
        );
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        let page = agent.wait_text("Pièce jointe retenue").await;
        assert!(
            agent.url().await.ends_with(&format!("/q/{item}")),
            "{}",
            agent.url().await
        );
        assert!(
            page.contains("facture.docx") && page.contains("Facture de décembre"),
            "{page}"
        );
        assert!(page.contains("macro"), "the reason in plain words: {page}");
        if let Some(p) = doc_shot("agent-item.png") {
            agent.screenshot(&p).await;
        }
        agent
            .fill("#reason", "Facture attendue de notre fournisseur habituel")
            .await;
        agent.click("form[action$='/request'] button").await;
        agent.wait_text("Votre demande a été envoyée").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        let list = agent.wait_text("Mes pièces jointes retenues").await;
        assert!(list.contains("Libération demandée"), "{list}");
        if let Some(p) = doc_shot("agent-list.png") {
            agent.screenshot(&p).await;
        }
        // Agents have no admin pages.
        agent.goto(&format!("{}/admin", w.public_url)).await;
        agent.wait_text("réservée aux administrateurs").await;

        // The admin signs in, finds the request first in the queue, approves.
        let (admin, queue) = w.admin_queue().await;
        assert!(
            queue.contains("Libération demandée") && queue.contains(idp::AGENT_EMAIL),
            "{queue}"
        );
        if let Some(p) = doc_shot("admin-queue.png") {
            admin.screenshot(&p).await;
        }
        admin.click(&format!("a[href='/admin/items/{item}']")).await;
        let report = admin.wait_text("Rapport d'analyse").await;
        assert!(
            report.contains("SHA-256") && report.contains("Facture attendue"),
            "{report}"
        );
        if let Some(p) = doc_shot("admin-item.png") {
            admin.screenshot(&p).await;
        }
        let before = w.sink.messages().len();
        admin
            .fill("#c-release", "Fournisseur vérifié par téléphone")
            .await;
        admin
            .click("form[action$='/decide'] button[type=submit]")
            .await;
        admin.wait_text("Libérée").await;

        // The original, attachment and all, reaches the agent's mailbox.
        let start = Instant::now();
        loop {
            let got = w.sink.messages();
            if got.iter().skip(before).any(|m| {
                m.rcpts.iter().any(|r| r == idp::AGENT_EMAIL)
                    && m.text().contains("X-Ecluse-Released")
                    && m.text().contains("facture.docx")
            }) {
                break;
            }
            assert!(
                start.elapsed() < WAIT,
                "the original never arrived:\n{}",
                w.gw.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The agent sees the decision.
        agent.goto(&format!("{}/q/{item}", w.public_url)).await;
        agent.wait_text("a été libérée").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_cannot_see_another_agents_item() {
    scenario("other-agent", Options::default(), |w| async move {
        let theirs = w.hold_a_docm_for(OTHER_AGENT, "Pour le voisin");
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/q/{theirs}", w.public_url)).await;
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        let page = agent.wait_text("Introuvable").await;
        assert!(!page.contains("Pour le voisin"), "{page}");
        agent.goto(&format!("{}/", w.public_url)).await;
        let list = agent.wait_text("Mes pièces jointes retenues").await;
        assert!(list.contains("Aucune pièce jointe"), "{list}");
        assert!(!list.contains("Pour le voisin"), "{list}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_stays_on_the_idp() {
    scenario("wrong-password", Options::default(), |w| async move {
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        w.sign_in_at_idp(&agent, (idp::AGENT.0, "pas-le-bon")).await;
        agent.wait_text("password").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            agent.url().await.starts_with(&w.idp.base),
            "{}",
            agent.url().await
        );
        // Not signed in at the UI.
        agent.goto(&format!("{}/", w.public_url)).await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        assert!(
            agent.url().await.contains("/login"),
            "{}",
            agent.url().await
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assertion_altered_in_flight_is_refused() {
    let opts = Options {
        tamper_proxy: true,
        ..Options::default()
    };
    scenario("altered", opts, |w| async move {
        let proxy = w._proxy.as_ref().unwrap();
        // Through the proxy, untouched: the sign-in works.
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        agent.wait_text("Mes pièces jointes retenues").await;
        agent.click("form[action='/logout'] button").await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;

        // Now the proxy turns the agent's address into the admin's.
        proxy.tamper.store(true, Ordering::SeqCst);
        let again = w.browser("agent-again").await;
        again.goto(&format!("{}/", w.public_url)).await;
        w.sign_in_at_idp(&again, idp::AGENT).await;
        again.wait_text("La connexion a échoué").await;
        assert!(
            proxy.altered.load(Ordering::SeqCst),
            "the proxy never altered an answer"
        );
        again.goto(&format!("{}/admin", w.public_url)).await;
        again
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        let log = w.gw.log();
        assert!(
            log.contains("SAML sign-in refused") && log.contains("must be signed"),
            "refused for its signature: {log}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assertion_five_minutes_stale_is_refused() {
    let opts = Options {
        idp_clock: Some("-5m"),
        ..Options::default()
    };
    scenario("stale", opts, |w| async move {
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        agent.wait_text("La connexion a échoué").await;
        let log = w.gw.log();
        assert!(
            log.contains("SAML sign-in refused") && log.contains("expired at"),
            "refused for its age: {log}"
        );
        agent.goto(&format!("{}/", w.public_url)).await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
    })
    .await;
}

/// A plain-HTTP proxy in front of the UI that, when told to, rewrites the
/// IdP's signed answer on its way to `/saml/acs` (the agent's address
/// becomes the admin's), as an attacker on the path would.
struct TamperProxy {
    addr: SocketAddr,
    tamper: Arc<AtomicBool>,
    altered: Arc<AtomicBool>,
}

impl TamperProxy {
    fn start(upstream: SocketAddr) -> TamperProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let tamper = Arc::new(AtomicBool::new(false));
        let altered = Arc::new(AtomicBool::new(false));
        let (t, a) = (tamper.clone(), altered.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (t, a) = (t.clone(), a.clone());
                std::thread::spawn(move || {
                    let _ = relay(conn, upstream, &t, &a);
                });
            }
        });
        TamperProxy {
            addr,
            tamper,
            altered,
        }
    }
}

fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    tamper: &AtomicBool,
    altered: &AtomicBool,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if tamper.load(Ordering::SeqCst) && head.starts_with("POST /saml/acs ") {
        body = alter_response(&body);
        altered.store(true, Ordering::SeqCst);
    }
    let mut out = String::new();
    for line in head.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("content-length:") || lower.starts_with("connection:") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(out.as_bytes())?;
    up.write_all(&body)?;
    std::io::copy(&mut up, &mut client)?;
    Ok(())
}

fn alter_response(form: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8_lossy(form).to_string();
    let pairs: Vec<String> = text
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if k != "SAMLResponse" {
                return pair.to_string();
            }
            let xml = String::from_utf8(b64.decode(url_decode(v)).unwrap()).unwrap();
            assert!(xml.contains(idp::AGENT_EMAIL), "the answer names the agent");
            let forged = xml.replace(idp::AGENT_EMAIL, idp::ADMIN_EMAIL);
            format!("SAMLResponse={}", url_encode(&b64.encode(forged)))
        })
        .collect();
    pairs.join("&").into_bytes()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn ecluse(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn hash_password_then_check_config_accepts_the_break_glass_admin() {
    let (code, out, err) = ecluse(
        &["admin", "hash-password"],
        "une phrase de passe assez longue\n",
    );
    assert_eq!(code, 0, "{err}");
    let hash = out.trim();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let (code, _, err) = ecluse(&["admin", "hash-password"], "court\n");
    assert_eq!(code, 1);
    assert!(err.contains("12 characters"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ecluse.toml");
    let base = Gateway::config_text("127.0.0.1:2525".parse().unwrap(), "");
    std::fs::write(
        &config,
        format!("{base}\n[admin.local]\nusername = \"secours\"\npassword_hash = \"{hash}\"\n"),
    )
    .unwrap();
    let (code, out, err) = ecluse(&["check-config", "--config", config.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("local admin account only"), "{out}");

    std::fs::write(
        &config,
        format!("{base}\n[admin.local]\nusername = \"secours\"\npassword_hash = \"motdepasse\"\n"),
    )
    .unwrap();
    let (code, _, err) = ecluse(&["check-config", "--config", config.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(err.contains("hash-password"), "{err}");
}

#[test]
fn check_config_refuses_idp_metadata_without_a_signing_certificate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("idp.xml"),
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/md"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
    )
    .unwrap();
    let config = dir.path().join("ecluse.toml");
    let base = Gateway::config_text("127.0.0.1:2525".parse().unwrap(), "");
    std::fs::write(
        &config,
        format!("{base}\n[admin.saml]\nidp_metadata = \"idp.xml\"\n"),
    )
    .unwrap();
    let (code, _, err) = ecluse(&["check-config", "--config", config.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(err.contains("no signing certificate"), "{err}");
}

/// ADFS's and LemonLDAP::NG's answers, configured as `docs/deploy.md`
/// says: claim type URIs with only the assertion signed (ADFS), `mail`,
/// `cn` and the groups joined in one value with only the response signed
/// (LemonLDAP::NG). The agent's address finds their item, the display name
/// shows, and the admin group makes an admin, and only the admin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adfs_and_lemonldap_answers_sign_in_as_deploy_md_configures_them() {
    for style in [idp::Style::Adfs, idp::Style::LemonLdap] {
        let opts = Options {
            idp_style: style,
            ..Options::default()
        };
        scenario(&format!("{style:?}"), opts, |w| async move {
            w.hold_a_docm_for(idp::AGENT_EMAIL, "Facture de janvier");
            let agent = w.browser("agent").await;
            agent.goto(&format!("{}/", w.public_url)).await;
            w.sign_in_at_idp(&agent, idp::AGENT).await;
            let list = agent.wait_text("Mes pièces jointes retenues").await;
            assert!(
                list.contains("facture.docx") && list.contains("Alice Martin"),
                "{list}"
            );
            agent.goto(&format!("{}/admin", w.public_url)).await;
            agent.wait_text("réservée aux administrateurs").await;

            let (_admin, queue) = w.admin_queue().await;
            assert!(
                queue.contains("Bruno Dsi") && queue.contains(idp::AGENT_EMAIL),
                "{queue}"
            );
        })
        .await;
    }
}
