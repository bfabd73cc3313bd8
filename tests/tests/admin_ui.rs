//! The web UI end to end: the real `ecluse serve` (HTTPS on
//! `sp.localhost`), a real SAML IdP (SimpleSAMLphp on `idp.localhost`),
//! a real browser (headless Chromium through chromedriver), real SMTP in and
//! out. Two `*.localhost` names make the IdP's POST back to us cross-site,
//! as in production. Screenshots of every browser are saved under
//! `target/ui-failures/` when a scenario fails.

use ecluse_tests::browser::{Browser, Driver, doc_shot, failure_dir};
use ecluse_tests::idp::{self, Idp};
use ecluse_tests::{Gateway, Sink, samples, send_one, words};
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
    /// Where the UI listens.
    ui_addr: SocketAddr,
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
    /// Serve the UI over plain HTTP (the test posts raw answers to it).
    plain_http: bool,
    /// Give the UI the IdP's metadata without its `SingleLogoutService`
    /// (an IdP without single logout), and `idp_logout_url`.
    idp_without_slo: bool,
    /// Add the break-glass account (`BREAK_GLASS`).
    break_glass: bool,
}

impl World {
    fn start(opts: Options, shots: Shots) -> World {
        let sink = Sink::start();
        let dir = tempfile::tempdir().unwrap();
        let ui_addr = ecluse_tests::free_addr();
        let proxy = opts.tamper_proxy.then(|| TamperProxy::start(ui_addr));
        let public_url = match &proxy {
            Some(p) => format!("http://sp.localhost:{}", p.addr.port()),
            None if opts.plain_http => format!("http://sp.localhost:{}", ui_addr.port()),
            None => format!("https://sp.localhost:{}", ui_addr.port()),
        };
        let entity_id = format!("{public_url}/saml/metadata");
        let idp = Idp::start_as(
            &entity_id,
            &format!("{public_url}/saml/acs"),
            opts.idp_clock,
            opts.idp_style,
        );
        let tls = if opts.tamper_proxy || opts.plain_http {
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
        let metadata = if opts.idp_without_slo {
            let path = dir.path().join("idp-without-slo.xml");
            std::fs::write(&path, idp.metadata_without_slo()).unwrap();
            path.display().to_string()
        } else {
            idp.metadata_url()
        };
        let config = base.replace(
            admin_block,
            &format!("[admin]\nlisten = \"{ui_addr}\"\npublic_url = \"{public_url}\"\n{tls}"),
        ) + &format!(
            "\n[admin.saml]\nidp_metadata = \"{metadata}\"\nsp_entity_id = \"{entity_id}\"\nemail_attribute = \"{mail}\"\nname_attribute = \"{name}\"\ngroups_attribute = \"{groups}\"\nadmin_group = \"{}\"\n",
            idp::ADMIN_GROUP,
        ) + if opts.idp_style == idp::Style::LemonLdap {
            "groups_separator = \";\"\n"
        } else {
            ""
        } + &if opts.idp_without_slo {
            format!("idp_logout_url = \"{}\"\n", idp.logout_url())
        } else {
            String::new()
        } + &if opts.break_glass {
            format!(
                "\n[admin.local]\nusername = \"{}\"\npassword_hash = \"{}\"\n",
                BREAK_GLASS.0,
                ecluse_tests::hash_password(BREAK_GLASS.1)
            )
        } else {
            String::new()
        };
        let gw = Gateway::start_in(dir, &config);
        World {
            sink,
            gw,
            idp,
            driver: Driver::start(),
            public_url,
            ui_addr,
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
    async fn sign_in_at_idp(&self, b: &Browser, creds: (&str, &str)) {
        self.idp.sign_in(b, creds).await;
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
    if result.is_err() {
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
    }
    // End every WebDriver session (the browser quits), then the driver.
    let clients = std::mem::take(&mut *shots.lock().unwrap());
    for (_, c) in clients {
        let _ = c.close().await;
    }
    if let Err(e) = result {
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

// ---------------------------------------------------------------------------
// Shared reception PCs (issue 29): « Se déconnecter » ends the IdP's session
// too (SAML single logout), or says that it is still open; the break-glass
// form has its own address.
// ---------------------------------------------------------------------------

/// Signs `b` in as the agent from the start page and waits for the list.
async fn agent_signed_in(w: &World, b: &Browser) {
    b.goto(&format!("{}/", w.public_url)).await;
    w.sign_in_at_idp(b, idp::AGENT).await;
    b.wait_text("Mes pièces jointes retenues").await;
}

/// Clicks « Se déconnecter » in the page's header.
async fn click_sign_out(b: &Browser) {
    b.click("form[action='/logout'] button[type=submit]").await;
}

/// The audit page as the admin sees it (signed in through the IdP in a
/// browser of their own).
async fn audit_page(w: &World) -> String {
    let (admin, _) = w.admin_queue().await;
    admin.goto(&format!("{}/admin/audit", w.public_url)).await;
    admin.wait_text("Journal d'audit").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_idp_session_too() {
    scenario("single-logout", Options::default(), |w| async move {
        let agent = w.browser("agent").await;
        agent_signed_in(&w, &agent).await;
        click_sign_out(&agent).await;
        // Through the IdP and back: its LogoutResponse (signed, as the
        // test IdP signs its logout messages) confirmed the end.
        let page = agent.wait_text("Vous êtes déconnecté").await;
        assert!(
            page.contains("service d'authentification de la mairie sont fermées"),
            "{page}"
        );
        // On a clean address: no SAMLResponse left in the address bar,
        // nothing a reload would replay.
        assert_eq!(
            agent.url().await,
            format!("{}/signed-out?idp=closed", w.public_url)
        );
        let log = w.gw.log();
        assert!(
            log.lines()
                .any(|l| l.contains("SAML single logout confirmed by the IdP")
                    && l.contains("signed=true")),
            "{log}"
        );
        // The local session is gone.
        agent.goto(&format!("{}/", w.public_url)).await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        assert!(agent.url().await.contains("/login"), "{}", agent.url().await);
        // The IdP's too: signing in again asks for the password.
        agent.click("a.button[href^='/saml/login']").await;
        agent.wait_text("password").await;
        assert!(
            agent.url().await.starts_with(&w.idp.base),
            "{}",
            agent.url().await
        );
        agent.fill("#username", idp::AGENT.0).await;
        agent.fill("#password", idp::AGENT.1).await;
        agent.click("#submit_button").await;
        agent.wait_text("Mes pièces jointes retenues").await;
        // Audited as a sign-out, with how.
        let audit = audit_page(&w).await;
        assert!(audit.contains("SAML single logout: this service, then the IdP"), "{audit}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_at_the_idp_ends_the_session_here() {
    scenario("idp-initiated-logout", Options::default(), |w| async move {
        let agent = w.browser("agent").await;
        agent_signed_in(&w, &agent).await;
        // The person signs out at the IdP: it sends its (signed)
        // LogoutRequest to our /saml/slo through the browser, we answer,
        // it carries on to its ReturnTo page.
        agent.goto(&w.idp.logout_url()).await;
        let start = Instant::now();
        while !agent.url().await.contains("/module.php/core/welcome") {
            assert!(start.elapsed() < WAIT, "{}", agent.url().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        agent.goto(&format!("{}/", w.public_url)).await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        assert!(
            agent.url().await.contains("/login"),
            "{}",
            agent.url().await
        );
        let log = w.gw.log();
        assert!(log.contains("SAML single logout asked by the IdP"), "{log}");
        let audit = audit_page(&w).await;
        assert!(
            audit.contains("SAML single logout started by the IdP (signed request)"),
            "{audit}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_single_logout_the_page_says_the_idp_session_is_still_open() {
    let opts = Options {
        idp_without_slo: true,
        ..Options::default()
    };
    scenario("no-single-logout", opts, |w| async move {
        let agent = w.browser("agent").await;
        agent_signed_in(&w, &agent).await;
        click_sign_out(&agent).await;
        let page = agent.wait_text("Déconnecté d'Écluse seulement").await;
        let text = page_text(&agent).await;
        let fr = text
            .find("toujours ouverte dans ce navigateur")
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            text.contains("fermez toutes les fenêtres du navigateur"),
            "{text}"
        );
        // French first, English second.
        let en = text.find("still open in this browser");
        assert!(en.is_none_or(|en| en > fr), "{text}");
        // The link to the IdP's sign-out page ([admin.saml] idp_logout_url).
        let href = format!("href=\"{}\"", w.idp.logout_url().replace('&', "&amp;"));
        assert!(page.contains(&href), "{page}");
        // The local session is gone, and the page told the truth: the
        // IdP signs the browser in again without a password.
        agent.goto(&format!("{}/", w.public_url)).await;
        agent
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        agent.click("a.button[href^='/saml/login']").await;
        let back = agent.wait_text("Mes pièces jointes retenues").await;
        assert!(!back.contains("id=\"password\""), "{back}");
        let audit = audit_page(&w).await;
        assert!(audit.contains("SAML: this service only"), "{audit}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_break_glass_form_has_its_own_address_not_the_agents_page() {
    let opts = Options {
        break_glass: true,
        ..Options::default()
    };
    scenario("break-glass-address", opts, |w| async move {
        let b = w.browser("secours").await;
        b.goto(&format!("{}/login", w.public_url)).await;
        let login = b
            .wait_text("Se connecter avec le compte de la mairie")
            .await;
        for hidden in [
            "password",
            "Compte de secours",
            BREAK_GLASS_PATH,
            "login/local",
        ] {
            assert!(!login.contains(hidden), "{hidden}: {login}");
        }
        b.goto(&format!("{}{BREAK_GLASS_PATH}", w.public_url)).await;
        let page = b.wait_text("Compte de secours").await;
        assert!(!page.contains("/saml/login"), "{page}");
        // A wrong password stays on this page, with the form.
        b.fill("#username", BREAK_GLASS.0).await;
        b.fill("#password", "pas la bonne phrase").await;
        b.click("form button[type=submit]").await;
        b.wait_text("Identifiant ou mot de passe incorrect").await;
        assert!(
            b.url().await.ends_with(BREAK_GLASS_PATH),
            "{}",
            b.url().await
        );
        b.fill("#username", BREAK_GLASS.0).await;
        b.fill("#password", BREAK_GLASS.1).await;
        b.click("form button[type=submit]").await;
        b.wait_text("File d'attente").await;
        // Signing the local admin out goes back to the sign-in page.
        click_sign_out(&b).await;
        b.wait_text("Se connecter avec le compte de la mairie")
            .await;
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
        // Single logout: the IdP's session ends too, and the page says so.
        agent.wait_text("Vous êtes déconnecté").await;

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
    assert!(
        out.contains("break-glass admin: local account « secours » at ")
            && out.contains("/admin/break-glass"),
        "{out}"
    );
    assert!(out.contains("agents cannot sign in"), "{out}");

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

// ---------------------------------------------------------------------------
// Hostile answers posted to /saml/acs by someone with no IdP account
// (issue 20): nothing may leave the document, nothing may stall a sign-in.
// ---------------------------------------------------------------------------

/// A TCP listener that counts the connections it gets; it answers each
/// with a small body, or holds it open without a word (`silent`).
struct Listener {
    addr: SocketAddr,
    hits: Arc<std::sync::atomic::AtomicUsize>,
}

impl Listener {
    fn start(silent: bool) -> Listener {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let h = hits.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in l.incoming().flatten() {
                h.fetch_add(1, Ordering::SeqCst);
                if silent {
                    held.push(conn);
                } else {
                    let mut c = conn;
                    let _ = c.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nleak!");
                }
            }
        });
        Listener { addr, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// One HTTP/1.1 exchange with the UI from the loopback address `from`
/// (each attacker its own address, as the UI counts failures per
/// address): (status, headers and body, time to the whole answer).
async fn http_from(
    ui: SocketAddr,
    from: std::net::Ipv4Addr,
    request: String,
) -> (u16, String, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let start = Instant::now();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(SocketAddr::from((from, 0))).unwrap();
    let mut stream = sock.connect(ui).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out))
        .await
        .expect("the UI answered within 30 s")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text, start.elapsed())
}

/// Starts a sign-in as anyone can (`GET /saml/login`) and returns the id of
/// the request the UI now waits an answer for.
async fn pending_request_id(ui: SocketAddr, host: &str, from: std::net::Ipv4Addr) -> String {
    pending_request(ui, host, from).await.0
}

/// [`pending_request_id`], and the sign-in cookie (`name=value`) that the
/// UI gave the one who started it.
async fn pending_request(ui: SocketAddr, host: &str, from: std::net::Ipv4Addr) -> (String, String) {
    use std::io::Read as _;
    let (status, text, _) = http_from(
        ui,
        from,
        format!("GET /saml/login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 303, "{text}");
    let location = text
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .expect("a redirection to the IdP");
    let encoded = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("SAMLRequest="))
        .unwrap();
    let deflated = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        url_decode(encoded),
    )
    .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    let id = xml.split("ID=\"").nth(1).unwrap();
    let cookie = text
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("a sign-in cookie")
        .to_string();
    (id[..id.find('"').unwrap()].to_string(), cookie)
}

/// A hand-written, unsigned answer to `request_id` granting admin rights,
/// with one `ds:Signature` whose reference is `uri` through `transforms`;
/// `prolog` goes before the root, `object` inside the signature.
fn forged_answer(
    request_id: &str,
    uri: &str,
    transforms: &str,
    prolog: &str,
    object: &str,
) -> String {
    format!(
        r##"{prolog}<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_forged" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="{request_id}"><saml:Issuer>attacker</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="{uri}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue>{object}</ds:Signature><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_fa" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>attacker</saml:Issuer><saml:Subject><saml:NameID>admin</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>{}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups"><saml:AttributeValue>{}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>{}</samlp:Response>"##,
        idp::ADMIN_EMAIL,
        idp::ADMIN_GROUP,
        // A few thousand empty elements for the XPath transform to walk.
        if transforms.contains("xpath") {
            "<e/>".repeat(3000)
        } else {
            String::new()
        },
    )
}

/// Every hostile answer of the probe, by name: references to a listener
/// that answers, to one that never does, to a local file; an XSLT
/// transform whose templates double at every level; an XPath transform
/// over thousands of elements; a manifest; a DOCTYPE with external
/// entities.
fn hostile_answers(
    request_id: &str,
    listener: SocketAddr,
    silent: SocketAddr,
) -> Vec<(&'static str, String)> {
    let enveloped = r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;
    let xslt = r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"><xsl:template match="/"><xsl:call-template name="t"><xsl:with-param name="n" select="40"/></xsl:call-template></xsl:template><xsl:template name="t"><xsl:param name="n"/><xsl:if test="$n &gt; 0"><xsl:call-template name="t"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template><xsl:call-template name="t"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template></xsl:if></xsl:template></xsl:stylesheet></ds:Transform>"#;
    let xpath = r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>count(//e[count(preceding::e) &gt;= count(following::e)]) &gt;= 0</ds:XPath></ds:Transform>"#;
    let manifest = format!(
        r#"<ds:Object><ds:Manifest><ds:Reference URI="http://{listener}/manifest"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:Manifest></ds:Object>"#
    );
    let doctype = format!(
        r#"<!DOCTYPE samlp:Response [<!ENTITY % remote SYSTEM "http://{listener}/dtd"> %remote; <!ENTITY passwd SYSTEM "file:///etc/passwd">]>"#
    );
    vec![
        (
            "reference to a listener",
            forged_answer(
                request_id,
                &format!("http://{listener}/fetch"),
                enveloped,
                "",
                "",
            ),
        ),
        (
            "reference to a file",
            forged_answer(request_id, "file:///etc/passwd", enveloped, "", ""),
        ),
        (
            "reference to a silent host",
            forged_answer(
                request_id,
                &format!("http://{silent}/hang"),
                enveloped,
                "",
                "",
            ),
        ),
        (
            "XSLT transform",
            forged_answer(request_id, "#_fa", xslt, "", ""),
        ),
        (
            "XPath transform",
            forged_answer(request_id, "#_fa", xpath, "", ""),
        ),
        (
            "manifest",
            forged_answer(request_id, "#_fa", enveloped, "", &manifest),
        ),
        (
            "DOCTYPE",
            forged_answer(request_id, "#_fa", enveloped, &doctype, ""),
        ),
    ]
}

fn acs_post(host: &str, xml: &str) -> String {
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml);
    let body = format!("SAMLResponse={}&RelayState=%2F", url_encode(&b64));
    format!(
        "POST /saml/acs HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_reach_nothing_and_cannot_stall_a_genuine_sign_in() {
    let opts = Options {
        plain_http: true,
        ..Options::default()
    };
    scenario("hostile-acs", opts, |w| async move {
        let ui = w.ui_addr;
        let host = w.public_url.trim_start_matches("http://").to_string();
        let listener = Listener::start(false);
        let silent = Listener::start(true);

        // Each hostile answer, each from its own address, to a request the
        // attacker started: refused within a second, reaching nothing.
        for (i, (what, xml)) in hostile_answers(
            &pending_request_id(ui, &host, [127, 0, 2, 1].into()).await,
            listener.addr,
            silent.addr,
        )
        .into_iter()
        .enumerate()
        {
            let from = std::net::Ipv4Addr::new(127, 0, 3, 1 + i as u8);
            let (status, text, took) = http_from(ui, from, acs_post(&host, &xml)).await;
            assert_eq!(status, 403, "{what}: {text}");
            assert!(
                took < Duration::from_secs(1),
                "{what}: answered in {took:?}"
            );
        }
        assert_eq!(listener.hits(), 0, "the listener was reached");
        assert_eq!(silent.hits(), 0, "the silent host was reached");
        let log = w.gw.log();
        assert!(
            !log.contains("root:x:0:0"),
            "/etc/passwd reached the log:\n{log}"
        );
        assert!(log.contains("SAML sign-in refused"), "{log}");
        for reason in [
            "points outside the answer",
            "SAML signs with enveloped-signature",
            "ds:Object",
            "DOCTYPE",
        ] {
            assert!(
                log.contains(reason),
                "no refusal naming {reason:?} in the log:\n{log}"
            );
        }
        let (_, audit, _) = w.gw.cli(&["audit", "export"]);
        assert!(
            audit.contains("login_failed") && audit.contains("DOCTYPE"),
            "{audit}"
        );

        // Failures count against the address, as the local admin's do.
        let from = std::net::Ipv4Addr::new(127, 0, 4, 1);
        let (_, xml) = hostile_answers("_x", listener.addr, silent.addr).remove(0);
        let mut statuses = Vec::new();
        for _ in 0..7 {
            statuses.push(http_from(ui, from, acs_post(&host, &xml)).await.0);
        }
        assert_eq!(statuses, [403, 403, 403, 403, 403, 429, 429]);

        // A genuine agent signs in while twenty hostile answers arrive.
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        agent.click("a.button[href^='/saml/login']").await;
        agent.wait_text("password").await;
        agent.fill("#username", idp::AGENT.0).await;
        agent.fill("#password", idp::AGENT.1).await;
        let request_id = pending_request_id(ui, &host, [127, 0, 2, 2].into()).await;
        let answers = hostile_answers(&request_id, listener.addr, silent.addr);
        let mut burst = Vec::new();
        for i in 0..20u8 {
            let xml = answers[i as usize % answers.len()].1.clone();
            let host = host.clone();
            burst.push(tokio::spawn(async move {
                let from = std::net::Ipv4Addr::new(127, 0, 5, 1 + i);
                http_from(ui, from, acs_post(&host, &xml)).await
            }));
        }
        let start = Instant::now();
        agent.click("#submit_button").await;
        let page = agent.wait_text("Mes pièces jointes retenues").await;
        let took = start.elapsed();
        assert!(page.contains("Alice Martin"), "{page}");
        for b in burst {
            let (status, text, t) = b.await.unwrap();
            assert_eq!(status, 403, "{text}");
            assert!(t < Duration::from_secs(1), "a hostile answer took {t:?}");
        }
        assert!(
            took < Duration::from_secs(2),
            "the genuine sign-in took {took:?}"
        );
        assert_eq!(listener.hits() + silent.hits(), 0);

        // A group merely named `x;quarantine-admins`, with no separator
        // configured, gives no admin rights.
        let intruder = w.browser("intruder").await;
        intruder.goto(&format!("{}/admin", w.public_url)).await;
        w.sign_in_at_idp(&intruder, idp::INTRUDER).await;
        intruder.wait_text("réservée aux administrateurs").await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// Sign-in under load and behind a proxy (issue 28): the break-glass form and
// the metrics, over real HTTP from several loopback addresses.
// ---------------------------------------------------------------------------

const BREAK_GLASS: (&str, &str) = ("secours", "une phrase de secours assez longue");
/// The break-glass form's own address (not on the agents' page).
const BREAK_GLASS_PATH: &str = "/admin/break-glass";
/// `ecluse_admin_ui::local::MAX_FAILURES`: wrong passwords per address.
const MAX_FAILURES: usize = 5;
/// `ecluse_admin_ui::local::MAX_NAME_FAILURES`: per user name.
const MAX_NAME_FAILURES: usize = 50;

/// A gateway with the break-glass account, `127.0.0.20` as its trusted
/// proxy, and `admin_extra` in `[admin]`.
fn break_glass_gateway(admin_extra: &str) -> (Sink, Gateway) {
    let sink = Sink::start();
    let base = Gateway::config_text(sink.addr, "");
    let admin_block = "[admin]\nlisten = \"127.0.0.1:0\"\n";
    assert!(base.contains(admin_block));
    let config = base.replace(
        admin_block,
        &format!(
            "[admin]\nlisten = \"127.0.0.1:0\"\ntrusted_proxies = [\"127.0.0.20\"]\n{admin_extra}"
        ),
    ) + &format!(
        "\n[admin.local]\nusername = \"{}\"\npassword_hash = \"{}\"\n",
        BREAK_GLASS.0,
        ecluse_tests::hash_password(BREAK_GLASS.1)
    );
    let gw = Gateway::start_with(&config);
    (sink, gw)
}

/// The break-glass page's anti-forgery cookie (`name=value`) and token.
fn login_form_token(ui: SocketAddr) -> (String, String) {
    let page = ecluse_tests::http(ui, "GET", BREAK_GLASS_PATH, "", None);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"password\""), "{}", page.body);
    let cookie = page
        .cookies
        .iter()
        .find(|c| c.contains("ecluse_login="))
        .expect("a sign-in cookie")
        .clone();
    let token = cookie.split_once('=').unwrap().1.to_string();
    (cookie, token)
}

/// `POST /admin/break-glass` from `from`, with `headers` (each `Name: value`).
async fn local_post(
    ui: SocketAddr,
    from: std::net::Ipv4Addr,
    (cookie, token): &(String, String),
    (user, password): (&str, &str),
    headers: &str,
) -> u16 {
    let body = format!(
        "csrf={token}&next=%2Fadmin&username={}&password={}",
        url_encode(user),
        url_encode(password)
    );
    let request = format!(
        "POST {BREAK_GLASS_PATH} HTTP/1.1\r\nHost: quarantaine.ville-exemple.fr\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    );
    http_from(ui, from, request).await.0
}

/// Issue 28: 8 addresses × 40 concurrent wrong passwords ran 290 argon2
/// checks (limit 40) and took the server from 960 MiB to 4.2 GB, for good.
/// Now no address gets more wrong-password answers than the limit (the
/// rest are 429 at once), the checks run are counted and bounded, the
/// server's memory barely moves, SMTP answers throughout, the refusals
/// make one audit entry per address, and the admin still signs in from
/// elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_break_glass_sign_ins_stay_within_the_limits() {
    let (_sink, gw) = break_glass_gateway("");
    let ui = gw.admin;
    let form = Arc::new(login_form_token(ui));
    let pid = gw.pid().unwrap();
    let before = ecluse_tests::rss_bytes(pid).unwrap();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(before));
    let flooding = Arc::new(AtomicBool::new(true));
    // Memory sampled and SMTP asked (banner, EHLO) all through the flood.
    let watcher = {
        let (peak, flooding, smtp) = (peak.clone(), flooding.clone(), gw.smtp);
        std::thread::spawn(move || {
            let mut answered = 0;
            while flooding.load(Ordering::SeqCst) {
                if let Some(rss) = ecluse_tests::rss_bytes(pid) {
                    peak.fetch_max(rss, Ordering::SeqCst);
                }
                let mut c = ecluse_tests::Client::connect(smtp);
                assert!(c.greeting.starts_with("220"), "{}", c.greeting);
                let ehlo = c.cmd("EHLO flood.example.org");
                assert!(ehlo.starts_with("250"), "{ehlo}");
                c.cmd("QUIT");
                answered += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            answered
        })
    };
    let mut posts = Vec::new();
    for _ in 0..40 {
        for a in 2..10u8 {
            let form = form.clone();
            posts.push(tokio::spawn(async move {
                let from = std::net::Ipv4Addr::new(127, 0, 0, a);
                let status = local_post(ui, from, &form, (BREAK_GLASS.0, "mauvais"), "").await;
                (a, status)
            }));
        }
    }
    let mut wrong = std::collections::HashMap::<u8, usize>::new();
    let mut refused = 0;
    for p in posts {
        let (a, status) = p.await.unwrap();
        match status {
            401 => *wrong.entry(a).or_default() += 1,
            429 => refused += 1,
            other => panic!("{other} from 127.0.0.{a}"),
        }
    }
    flooding.store(false, Ordering::SeqCst);
    let smtp_answers = watcher.join().unwrap();
    assert!(smtp_answers > 0);
    let total: usize = wrong.values().sum();
    assert!(
        wrong.values().all(|n| *n <= MAX_FAILURES),
        "more wrong-password answers than the limit from one address: {wrong:?}"
    );
    assert!(total <= 8 * MAX_FAILURES);
    assert_eq!(total + refused, 320);
    let metrics = ecluse_tests::http(ui, "GET", "/metrics", "", None).body;
    let checks = ecluse_tests::metric_total(&metrics, "ecluse_password_checks_total");
    assert!(
        checks as usize <= total,
        "{checks} checks for {total} answers:\n{metrics}"
    );
    assert_eq!(
        ecluse_tests::metric_total(&metrics, "ecluse_signin_refused_total") as usize,
        refused
    );
    let grown = peak.load(Ordering::SeqCst).saturating_sub(before);
    eprintln!(
        "wrong-password answers per address {wrong:?}, 429 {refused}, argon2 checks {checks}, RSS {} MiB before, {} MiB at peak, {smtp_answers} SMTP sessions answered",
        before >> 20,
        peak.load(Ordering::SeqCst) >> 20
    );
    assert!(grown < 300 << 20, "the server grew by {} MiB", grown >> 20);
    // Then each address in turn, one post after another, 8 at once (on a
    // name of their own, whose ceiling is not the account's): each is read
    // up to the limit, never past it.
    let mut lanes = Vec::new();
    for a in 2..10u8 {
        let form = form.clone();
        lanes.push(tokio::spawn(async move {
            let from = std::net::Ipv4Addr::new(127, 0, 1, a);
            let mut wrong = 0;
            for _ in 0..12 {
                match local_post(ui, from, &form, ("personne", "mauvais"), "").await {
                    401 => wrong += 1,
                    429 => tokio::time::sleep(Duration::from_millis(30)).await,
                    other => panic!("{other}"),
                }
            }
            wrong
        }));
    }
    let mut lane_total = 0;
    for lane in lanes {
        let wrong = lane.await.unwrap();
        assert!(
            wrong <= MAX_FAILURES,
            "{wrong} wrong-password answers from one address"
        );
        lane_total += wrong;
    }
    assert!(lane_total > 8, "the limits were reached: {lane_total}");
    // The refusals are one audit entry per address, not one each.
    let (_, audit, _) = gw.cli(&["audit", "export"]);
    let failed = audit.lines().filter(|l| l.contains("login_failed")).count();
    assert!(
        failed <= total + lane_total + 16,
        "{failed} audit entries:\n{audit}"
    );
    // The account is not locked for the admin at another address (the
    // name's ceiling is not reached).
    assert!(total < MAX_NAME_FAILURES);
    let status = local_post(ui, [127, 0, 0, 10].into(), &form, BREAK_GLASS, "").await;
    assert_eq!(status, 303);

    // Behind the trusted proxy (127.0.0.20), each forwarded client is
    // counted apart; another peer's X-Forwarded-For is not believed.
    let proxy = std::net::Ipv4Addr::new(127, 0, 0, 20);
    let other = ("autre", "mauvais");
    for _ in 0..MAX_FAILURES {
        let xff = "X-Forwarded-For: 203.0.113.50, 198.51.100.7\r\n";
        assert_eq!(local_post(ui, proxy, &form, other, xff).await, 401);
    }
    let xff = "X-Forwarded-For: 198.51.100.7\r\n";
    assert_eq!(local_post(ui, proxy, &form, other, xff).await, 429);
    let xff = "X-Forwarded-For: 198.51.100.8\r\n";
    assert_eq!(local_post(ui, proxy, &form, other, xff).await, 401);
    let xff = "X-Forwarded-For: 198.51.100.9\r\n";
    assert_eq!(
        local_post(ui, [127, 0, 0, 21].into(), &form, other, xff).await,
        401
    );
    let (_, audit, _) = gw.cli(&["audit", "export"]);
    for (origin, seen) in [
        ("web 198.51.100.7", true),
        ("web 198.51.100.8", true),
        ("web 127.0.0.21", true),
        ("web 198.51.100.9", false),
        ("web 203.0.113.50", false),
    ] {
        assert_eq!(audit.contains(origin), seen, "{origin}:\n{audit}");
    }
}

/// Issue 28: `/metrics` (per-commune volumes) answered anyone who reached
/// the admin listener. Now: this machine only, and not through a proxy
/// (no forwarding header, not a trusted proxy: red team, a proxy adding
/// no header); or, with `[admin] metrics_token`, whoever sends it, and
/// nobody without it. `/metrics` and
/// `/healthz` carry the UI's security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_this_machine_or_the_token_over_real_http() {
    let get = |ui: SocketAddr, from: [u8; 4], path: &str, headers: &str| {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: quarantaine.ville-exemple.fr\r\nConnection: close\r\n{headers}\r\n"
        );
        async move { http_from(ui, from.into(), request).await }
    };
    let (_sink, gw) = break_glass_gateway("");
    let (status, text, _) = get(gw.admin, [127, 0, 0, 1], "/metrics", "").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("content-security-policy: default-src 'none'"),
        "{text}"
    );
    assert!(text.contains("x-content-type-options: nosniff"), "{text}");
    // Through the proxy, for someone else: refused.
    let xff = "X-Forwarded-For: 203.0.113.5\r\n";
    let (status, text, _) = get(gw.admin, [127, 0, 0, 20], "/metrics", xff).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("Réservé à la machine"), "{text}");
    // Red team: a proxy on this machine that adds no forwarding header
    // (nginx's plain proxy_pass, HAProxy without forwardfor, a tunnel)
    // relays strangers all the same. Listed in trusted_proxies
    // (127.0.0.20 here), it is refused with no header at all …
    let (status, text, _) = get(gw.admin, [127, 0, 0, 20], "/metrics", "").await;
    assert_eq!(status, 403, "{text}");
    // … and X-Real-IP, nginx's other habit, is a forwarding header too.
    for real_ip in ["X-Real-IP: 203.0.113.5\r\n", "X-Real-IP: 127.0.0.1\r\n"] {
        let (status, text, _) = get(gw.admin, [127, 0, 0, 1], "/metrics", real_ip).await;
        assert_eq!(status, 403, "{real_ip}: {text}");
    }
    let (status, text, _) = get(gw.admin, [127, 0, 0, 1], "/healthz", "").await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("content-security-policy: default-src 'none'"),
        "{text}"
    );
    assert!(text.contains("x-frame-options: DENY"), "{text}");
    drop(gw);

    let token = "5f0c2b7e9a4d41c8b3e6f1a2d7c9e0b4";
    let (_sink, gw) = break_glass_gateway(&format!("metrics_token = \"{token}\"\n"));
    let (status, text, _) = get(gw.admin, [127, 0, 0, 1], "/metrics", "").await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("www-authenticate: Bearer"), "{text}");
    let wrong = "Authorization: Bearer 5f0c2b7e9a4d41c8b3e6f1a2d7c9e0b5\r\n";
    let (status, _, _) = get(gw.admin, [127, 0, 0, 1], "/metrics", wrong).await;
    assert_eq!(status, 401);
    // With a token, the token is required from everywhere.
    let (status, text, _) = get(gw.admin, [127, 0, 0, 20], "/metrics", "").await;
    assert_eq!(status, 401, "{text}");
    let right = format!("Authorization: Bearer {token}\r\nX-Forwarded-For: 203.0.113.5\r\n");
    let (status, text, _) = get(gw.admin, [127, 0, 0, 20], "/metrics", &right).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("ecluse_"), "{text}");
    assert!(!gw.log().contains(token), "the token reached the log");
}

// ---------------------------------------------------------------------------
// Login CSRF, heavy answers, log injection (issue 28).
// ---------------------------------------------------------------------------

/// In the page of the IdP's sign-in form that `b` shows, signs in as
/// `creds` with a script's `fetch` instead of the form, and returns what the
/// IdP answers without letting it be posted: (the ACS address,
/// `SAMLResponse`, `RelayState`). What an attacker does with their own
/// account to get a fresh answer of their own.
async fn capture_answer(b: &Browser, (user, password): (&str, &str)) -> (String, String, String) {
    b.fill("#username", user).await;
    b.fill("#password", password).await;
    let got = b
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const form = document.querySelector('#username').form;
            fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin'})
              .then(r => r.text())
              .then(html => {
                const doc = new DOMParser().parseFromString(html, 'text/html');
                const value = n => { const i = doc.querySelector('input[name="' + n + '"]'); return i ? i.value : ''; };
                const f = doc.querySelector('input[name="SAMLResponse"]');
                done([f ? f.form.action : '', value('SAMLResponse'), value('RelayState')]);
              })
              .catch(e => done(['', String(e), '']));"#,
            vec![],
        )
        .await
        .unwrap();
    let got: Vec<String> = serde_json::from_value(got).unwrap();
    assert!(
        !got[1].is_empty() && got[0].ends_with("/saml/acs"),
        "{got:?}"
    );
    (got[0].clone(), got[1].clone(), got[2].clone())
}

/// Has `b` post `answer` to the ACS from a page of no site of ours (as an
/// attacker's page would, cross-site, with a script).
async fn post_answer_from_elsewhere(
    b: &Browser,
    (acs, response, relay): &(String, String, String),
) {
    b.goto("about:blank").await;
    b.client
        .execute(
            r#"const [action, response, relay] = arguments;
            const f = document.createElement('form');
            f.method = 'POST';
            f.action = action;
            for (const [n, v] of [['SAMLResponse', response], ['RelayState', relay]]) {
              const i = document.createElement('input');
              i.type = 'hidden'; i.name = n; i.value = v;
              f.appendChild(i);
            }
            document.body.appendChild(f);
            f.submit();"#,
            vec![
                acs.clone().into(),
                response.clone().into(),
                relay.clone().into(),
            ],
        )
        .await
        .unwrap();
}

/// Issue 28: an attacker's own fresh answer, posted by the victim's
/// browser, signed the victim in as the attacker (login CSRF). The answer
/// is now taken only from the browser that started the request: the
/// victim's browser (with a sign-in of its own under way, and without)
/// gets « La connexion a échoué »; the attacker's own browser could still
/// use it, and the victim's normal sign-in works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_the_idp_gave_someone_else_does_not_sign_this_browser_in() {
    scenario("login-csrf", Options::default(), |w| async move {
        let attacker = w.browser("attacker").await;
        attacker.goto(&format!("{}/", w.public_url)).await;
        attacker.click("a.button[href^='/saml/login']").await;
        attacker.wait_text("password").await;
        let answer = capture_answer(&attacker, idp::INTRUDER).await;

        // A victim in the middle of their own sign-in, and one who is not.
        let victim = w.browser("victim").await;
        victim.goto(&format!("{}/", w.public_url)).await;
        victim.click("a.button[href^='/saml/login']").await;
        victim.wait_text("password").await;
        let fresh = w.browser("fresh").await;
        for b in [&victim, &fresh] {
            post_answer_from_elsewhere(b, &answer).await;
            b.wait_text("La connexion a échoué").await;
            b.goto(&format!("{}/", w.public_url)).await;
            let page = b
                .wait_text("Se connecter avec le compte de la mairie")
                .await;
            assert!(!page.contains("Ivan Trus"), "{page}");
        }
        let log = w.gw.log();
        assert_eq!(
            log.matches("was not started by this browser").count(),
            2,
            "{log}"
        );
        // The answer itself was good: in the attacker's own browser, it
        // signs the attacker in.
        post_answer_from_elsewhere(&attacker, &answer).await;
        attacker.wait_text("Ivan Trus").await;

        // The victim signs in as themselves, as usual.
        victim.goto(&format!("{}/", w.public_url)).await;
        w.sign_in_at_idp(&victim, idp::AGENT).await;
        let page = victim.wait_text("Mes pièces jointes retenues").await;
        assert!(
            page.contains("Alice Martin") && !page.contains("Ivan Trus"),
            "{page}"
        );
    })
    .await;
}

/// An unsigned answer to `request_id` that passes every check before the
/// signature library and makes it work as hard as this version allows
/// (`nest` elements `depth` deep under the response, two signatures).
fn heavy_answer(request_id: &str, depth: usize, repeat: usize) -> String {
    let signature = |uri: &str| {
        format!(
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="{uri}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{}=</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>{}</ds:SignatureValue></ds:Signature>"#,
            "A".repeat(43),
            "A".repeat(344)
        )
    };
    let now = "2026-01-01T00:00:00Z";
    let nest = format!("{}{}", "<d>".repeat(depth), "</d>".repeat(depth)).repeat(repeat);
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="{now}" InResponseTo="{request_id}"><saml:Issuer>attacker</saml:Issuer>{}{nest}<saml:Assertion ID="_a" Version="2.0" IssueInstant="{now}"><saml:Issuer>attacker</saml:Issuer>{}</saml:Assertion></samlp:Response>"#,
        signature(""),
        signature("#_a"),
    )
}

/// [`acs_post`] with the sign-in cookie of whoever started the request.
fn acs_post_with(host: &str, cookie: &str, xml: &str) -> String {
    acs_post(host, xml).replacen(
        "Content-Type:",
        &format!("Cookie: {cookie}\r\nContent-Type:"),
        1,
    )
}

/// Issue 28: answers built to be heavy cost the ACS 0.3–0.5 s each, and
/// those that ran out of time were forgiven: from rotating addresses, half
/// the genuine sign-ins of a flood were refused. Now the pre-check bounds
/// what reaches the signature library (depth, elements, size), every
/// answer is counted, and a genuine sign-in goes through a flood of the
/// heaviest answers (this version's and the last one's) from ever new
/// addresses. Also: an `InResponseTo` with `&#10;` forges no log line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_sign_in_goes_through_a_flood_of_heavy_answers() {
    let opts = Options {
        plain_http: true,
        ..Options::default()
    };
    scenario("heavy-flood", opts, |w| async move {
        let ui = w.ui_addr;
        let host = w.public_url.trim_start_matches("http://").to_string();
        // The attacker starts a sign-in of their own, for a request id and
        // the cookie that goes with it.
        let (request_id, cookie) = pending_request(ui, &host, [127, 0, 2, 9].into()).await;
        let answers = Arc::new([
            // The heaviest the pre-check lets through now: ~4,800 elements 22 deep.
            heavy_answer(&request_id, 21, 220),
            // The heaviest it let through before: 9,750 elements 250 deep.
            heavy_answer(&request_id, 250, 39),
        ]);
        // Log injection: forged lines in InResponseTo.
        let forged = heavy_answer("_x&#10;FORGED-LINE admin signed in&#13;&#10;", 1, 1);
        let (status, text, _) = http_from(
            ui,
            [127, 0, 2, 10].into(),
            acs_post_with(&host, &cookie, &forged),
        )
        .await;
        assert_eq!(status, 403, "{text}");

        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/", w.public_url)).await;
        agent.click("a.button[href^='/saml/login']").await;
        agent.wait_text("password").await;
        agent.fill("#username", idp::AGENT.0).await;
        agent.fill("#password", idp::AGENT.1).await;

        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut flood = Vec::new();
        for lane in 0..16u8 {
            let (stop, sent, answers, host, cookie) = (
                stop.clone(),
                sent.clone(),
                answers.clone(),
                host.clone(),
                cookie.clone(),
            );
            flood.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                let mut n = 0u8;
                while !stop.load(Ordering::SeqCst) {
                    // Never the same address twice.
                    let from = std::net::Ipv4Addr::new(127, 10 + lane, n / 250, 1 + n % 250);
                    let xml = &answers[usize::from(n) % answers.len()];
                    statuses.push(
                        http_from(ui, from, acs_post_with(&host, &cookie, xml))
                            .await
                            .0,
                    );
                    sent.fetch_add(1, Ordering::SeqCst);
                    n = n.wrapping_add(1);
                }
                statuses
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let start = Instant::now();
        agent.click("#submit_button").await;
        let page = agent.wait_text("Mes pièces jointes retenues").await;
        let took = start.elapsed();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
        let mut statuses = Vec::new();
        for f in flood {
            statuses.extend(f.await.unwrap());
        }
        assert!(page.contains("Alice Martin"), "{page}");
        assert!(
            took < Duration::from_secs(3),
            "the genuine sign-in took {took:?} under the flood"
        );
        assert!(
            statuses.len() >= 32,
            "the flood was {} answers",
            statuses.len()
        );
        assert!(
            statuses.iter().all(|s| *s == 403),
            "every heavy answer refused: {statuses:?}"
        );
        eprintln!(
            "genuine sign-in in {took:?} under a flood of {} heavy answers",
            statuses.len()
        );
        let log = w.gw.log();
        assert!(
            !log.lines().any(|l| l.starts_with("FORGED-LINE")),
            "a forged line in the log:\n{log}"
        );
        assert!(log.contains("_x\\nFORGED-LINE"), "{log}");
        assert!(log.contains("nests elements more than"), "{log}");
    })
    .await;
}

/// The visible text of `b`'s page (`document.body.innerText`).
async fn page_text(b: &Browser) -> String {
    b.client
        .execute("return document.body.innerText", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Opens `path` in French and in English in `b` (through the language
/// switch, as a person does), and checks each against the other language's
/// word list; `wait` is a French text and an English text the page shows.
async fn both_languages(
    w: &World,
    b: &Browser,
    what: &str,
    path: &str,
    wait: (&str, &str),
    data: &[&str],
) {
    let next = url_encode(path);
    b.goto(&format!("{}/lang/fr?next={next}", w.public_url)).await;
    b.wait_text(wait.0).await;
    words::assert_french(&format!("{what} (fr)"), &page_text(b).await, data);
    b.goto(&format!("{}/lang/en?next={next}", w.public_url)).await;
    b.wait_text(wait.1).await;
    words::assert_english(&format!("{what} (en)"), &page_text(b).await, data);
    b.goto(&format!("{}/lang/fr?next={next}", w.public_url)).await;
    b.wait_text(wait.0).await;
}

/// Each mail `rcpt` got after `before` whose text holds `marker`: its French
/// half has no English word and its English half no French one.
fn mails_in_both_languages(w: &World, rcpt: &str, before: usize, marker: &str, data: &[&str]) -> usize {
    let mut seen = 0;
    for m in w.sink.messages().iter().skip(before) {
        if !m.rcpts.iter().any(|r| r == rcpt) {
            continue;
        }
        let parsed = mail_parser::MessageParser::default().parse(&m.data).unwrap();
        for i in 0..parsed.text_body_count() + 4 {
            let Some(text) = parsed.body_text(i) else { continue };
            if !text.contains(marker) {
                continue;
            }
            let (fr, en) = words::halves(&text)
                .unwrap_or_else(|| panic!("a mail to {rcpt} without its two halves:\n{text}"));
            words::assert_french(&format!("mail to {rcpt} (fr)"), &fr, data);
            words::assert_english(&format!("mail to {rcpt} (en)"), &en, data);
            seen += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_and_mail_speaks_one_language_at_a_time() {
    scenario("language", Options::default(), |w| async move {
        let subject = "Facture de décembre";
        let reason = "Facture attendue de notre fournisseur habituel";
        let comment = "Fournisseur vérifié par téléphone";
        let data = [subject, reason, comment, "facture.docx", "Facture", "Mairie de Saint-Étienne", idp::AGENT_EMAIL];
        let before = w.sink.messages().len();
        let item = w.hold_a_docm_for(idp::AGENT_EMAIL, subject);
        assert_eq!(
            mails_in_both_languages(&w, idp::AGENT_EMAIL, before, "Pièce jointe retenue", &data),
            1,
            "the notice in place of the attachment"
        );

        // Signed out: the sign-in page.
        let visitor = w.browser("visitor").await;
        both_languages(&w, &visitor, "sign-in page", "/login", ("Connexion", "Sign in"), &data).await;

        // The agent's pages, before and after asking.
        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/q/{item}", w.public_url)).await;
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        agent.wait_text("Pièce jointe retenue").await;
        let item_path = format!("/q/{item}");
        both_languages(&w, &agent, "agent's item", &item_path, ("Pièce jointe retenue", "Held attachment"), &data).await;
        both_languages(&w, &agent, "agent's list", "/", ("Mes pièces jointes retenues", "My held attachments"), &data).await;
        agent.goto(&format!("{}{item_path}", w.public_url)).await;
        agent.fill("#reason", reason).await;
        let admin_mails = w.sink.messages().len();
        agent.click("form[action$='/request'] button").await;
        agent.wait_text("Votre demande a été envoyée").await;
        words::assert_french("agent's item after the request", &page_text(&agent).await, &data);
        both_languages(&w, &agent, "agent's item, requested", &item_path, ("Libération demandée", "Release requested"), &data).await;
        both_languages(&w, &agent, "a page that does not exist", "/q/nexistepas", ("Introuvable", "Not found"), &data).await;

        // The admin's pages.
        let (admin, _) = w.admin_queue().await;
        let report_path = format!("/admin/items/{item}");
        both_languages(&w, &admin, "queue", "/admin", ("File d'attente", "Queue"), &data).await;
        both_languages(&w, &admin, "scan report", &report_path, ("Rapport d'analyse", "Scan report"), &data).await;
        admin.goto(&format!("{}{report_path}", w.public_url)).await;
        admin.wait_text("Rapport d'analyse").await;
        let report = page_text(&admin).await;
        assert!(
            report.contains("macro"),
            "the finding reads in French on the report:\n{report}"
        );
        if let Some(p) = doc_shot("admin-report-fr.png") {
            admin.screenshot(&p).await;
        }
        both_languages(&w, &admin, "dashboard", "/admin/dashboard", ("Tableau de bord", "Dashboard"), &data).await;
        both_languages(&w, &admin, "exceptions", "/admin/exceptions", ("Exceptions", "Exceptions"), &data).await;
        assert!(
            mails_in_both_languages(&w, idp::ADMIN_EMAIL, admin_mails, reason, &data) >= 1,
            "the admin is told of the request in both languages"
        );

        // The decision, the mail it sends, and the audit log that records it all.
        let decided = w.sink.messages().len();
        admin.goto(&format!("{}{report_path}", w.public_url)).await;
        admin.fill("#c-release", comment).await;
        admin.click("form[action$='/decide'] button[type=submit]").await;
        admin.wait_text("Libérée").await;
        words::assert_french("report after release", &page_text(&admin).await, &data);
        both_languages(&w, &admin, "audit log", "/admin/audit", ("Journal d'audit", "Audit log"), &data).await;
        both_languages(&w, &agent, "agent's item, released", &item_path, ("Pièce jointe libérée", "Released attachment"), &data).await;
        let start = Instant::now();
        while mails_in_both_languages(&w, idp::AGENT_EMAIL, decided, comment, &data) == 0 {
            assert!(start.elapsed() < WAIT, "no decision mail:\n{}", w.gw.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// Issue 29: a held macro document's scan report reads in French on a
/// French page — the finding's sentence, not the scanner's English — the
/// download says Windows needs 7-Zip for the AES ZIP, and the audit log
/// says Écluse's own details in French (the view of the report, the hold
/// with the category's label rather than its id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_report_and_the_audit_log_speak_french_on_french_pages() {
    scenario("findings-fr", Options::default(), |w| async move {
        let item = w.hold_a_docm_for(idp::AGENT_EMAIL, "Devis signé");
        let (admin, _) = w.admin_queue().await;
        admin
            .goto(&format!("{}/admin/items/{item}", w.public_url))
            .await;
        admin.wait_text("Rapport d'analyse").await;
        let report = visible_text(&admin).await;
        assert!(
            report.contains("le document contient un projet de macros vbaProject.bin"),
            "the finding in French:\n{report}"
        );
        assert!(
            !report.contains("the document has a vbaProject.bin macro project")
                && !report.contains("macro project"),
            "no English sentence on the French report:\n{report}"
        );
        assert!(
            report.contains("7-Zip") && report.contains("l'outil ZIP intégré à Windows"),
            "the download says Windows needs 7-Zip:\n{report}"
        );
        admin.goto(&format!("{}/admin/audit", w.public_url)).await;
        admin.wait_text("Journal d'audit").await;
        let audit = visible_text(&admin).await;
        assert!(
            audit.contains("rapport d'analyse") && audit.contains("(document avec macros)"),
            "Écluse's details in French:\n{audit}"
        );
        assert!(
            !audit.contains("scan report") && !audit.contains("(macro)"),
            "no English detail nor raw category id:\n{audit}"
        );
    })
    .await;
}

/// The `<h1>` of the page the browser shows.
async fn heading_of(b: &Browser) -> String {
    let html = b.html().await;
    let start = html.find("<h1>").map(|i| i + 4).unwrap_or(0);
    let end = html[start..].find("</h1>").map_or(html.len(), |i| start + i);
    html[start..end].to_string()
}

/// Issue 29: a held attachment whose message names no single sender (two
/// `From:` addresses) tells the agent, on the item page and before the
/// request box, to check with the sender by telephone; the heading says
/// « Pièce jointe retenue » while it is held and « Pièce jointe libérée »
/// once an admin released it, on the agent's page and the admin's; times
/// are labelled with the zone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_item_page_warns_of_a_doubtful_sender_and_its_heading_follows_the_release() {
    scenario("doubtful-sender", Options::default(), |w| async move {
        let before = w.sink.messages().len();
        let msg = samples::with_attachment(
            "Facture urgente",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "facture.docx",
            &samples::docm("Facture"),
        );
        let from = "From: =?utf-8?q?Mairie_de_Saint-=C3=89tienne?= <mairie@ville-exemple.fr>";
        assert!(msg.contains(from));
        let msg = msg.replace(from, "From: fournisseur@example.org, comptable@example.org");
        let reply = send_one(w.gw.smtp, "fournisseur@example.org", &[idp::AGENT_EMAIL], msg.as_bytes());
        assert!(reply.starts_with("250"), "{reply}");
        let prefix = format!("{}/q/", w.public_url);
        let start = Instant::now();
        let item = loop {
            let found = w.sink.messages().iter().skip(before).find_map(|m| {
                let parsed = mail_parser::MessageParser::default().parse(&m.data)?;
                (0..parsed.text_body_count() + 2)
                    .filter_map(|i| parsed.body_text(i))
                    .find_map(|t| {
                        let i = t.find(&prefix)?;
                        Some(
                            t[i + prefix.len()..]
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric())
                                .collect::<String>(),
                        )
                    })
            });
            if let Some(id) = found {
                break id;
            }
            assert!(start.elapsed() < WAIT, "no notice:\n{}", w.gw.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        };

        let agent = w.browser("agent").await;
        agent.goto(&format!("{}/q/{item}", w.public_url)).await;
        w.sign_in_at_idp(&agent, idp::AGENT).await;
        agent.wait_text("Demander la libération").await;
        let html = agent.html().await;
        assert!(
            heading_of(&agent).await.starts_with("Pièce jointe retenue"),
            "{html}"
        );
        let warning = html
            .find("Vérifiez l'expéditeur d'abord")
            .or_else(|| html.find("Vérifiez l&#39;expéditeur d&#39;abord"))
            .unwrap_or_else(|| panic!("no warning: {html}"));
        let request = html.find("Demander la libération").unwrap();
        assert!(warning < request, "the warning comes before the request box: {html}");
        assert!(html.contains("par téléphone"), "{html}");
        assert!(html.contains("(heure de Paris)"), "times labelled: {html}");
        if let Some(p) = doc_shot("agent-item-doubtful-sender.png") {
            agent.screenshot(&p).await;
        }
        agent.fill("#reason", "Facture attendue, fournisseur appelé").await;
        agent.click("form[action$='/request'] button").await;
        agent.wait_text("Votre demande a été envoyée").await;

        let (admin, _queue) = w.admin_queue().await;
        admin.goto(&format!("{}/admin/items/{item}", w.public_url)).await;
        admin.wait_text("Rapport d'analyse").await;
        assert!(heading_of(&admin).await.starts_with("Pièce jointe retenue"));
        admin.fill("#c-release", "Fournisseur vérifié par téléphone").await;
        admin
            .click("form[action$='/decide'] button[type=submit]")
            .await;
        admin.wait_text("Pièce jointe libérée").await;
        assert!(
            heading_of(&admin).await.starts_with("Pièce jointe libérée"),
            "{}",
            admin.html().await
        );

        agent.goto(&format!("{}/q/{item}", w.public_url)).await;
        agent.wait_text("a été libérée").await;
        let html = agent.html().await;
        assert!(
            heading_of(&agent).await.starts_with("Pièce jointe libérée"),
            "{html}"
        );
        assert!(!html.contains("Demander la libération"), "{html}");
    })
    .await;
}

/// What `b`'s page shows (`innerText`): no attribute, no hidden markup.
async fn visible_text(b: &Browser) -> String {
    b.client
        .execute("return document.body.innerText", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}
