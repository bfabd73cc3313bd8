#![allow(clippy::result_large_err)]
//! Every route of the UI through the real router (tower `oneshot`), over a
//! real store in a temp dir: roles, someone else's item, anti-forgery
//! tokens, bad ids, expired sessions, the local admin's rate limit, the
//! security headers, and the SAML endpoints up to the IdP.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use ecluse_admin_ui::{LocalAdmin, SamlConfig, Ui, UiConfig, UiError, router};
use ecluse_quarantine::{
    AuditAction, Delivery, Envelope, HeldItem, HeldPart, Incoming, ItemId, Payload, Purpose,
    QueueId, SignIn, Status, Store, WebSession,
};
use ecluse_scanner::{Category, Engine, Limits};
use jiff::Timestamp;
use std::io::Read;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const PUBLIC: &str = "https://quarantaine.ville-exemple.fr";
const AGENT: &str = "agent@ville-exemple.fr";
const OTHER: &str = "voisin@ville-exemple.fr";
const RAW: &[u8] = b"From: Fournisseur <a@example.org>\r\nTo: agent@ville-exemple.fr\r\nSubject: Facture\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoici.\r\n--b\r\nContent-Type: application/octet-stream; name=\"a.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n";
const PASSWORD: &str = "cheval-agrafe-batterie";

struct World {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    clock: Arc<AtomicI64>,
    app: Router,
}

fn idp_metadata(with_cert: bool) -> String {
    static CERT: OnceLock<String> = OnceLock::new();
    let cert = CERT.get_or_init(|| {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["idp.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(cert.der())
    });
    let key = if with_cert {
        format!(
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/metadata"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{key}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

fn config() -> UiConfig {
    let mut c = UiConfig::new(PUBLIC);
    c.saml = Some(SamlConfig::new(
        idp_metadata(true),
        format!("{PUBLIC}/saml/metadata"),
    ));
    c.local = Some(LocalAdmin {
        username: "secours".into(),
        password_hash: ecluse_admin_ui::hash_password(PASSWORD),
    });
    c
}

fn world() -> World {
    world_with(config())
}

fn world_with(config: UiConfig) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(AtomicI64::new(Timestamp::now().as_second()));
    let c = clock.clone();
    let store = Arc::new(
        Store::open_with_clock(
            dir.path(),
            Arc::new(move || Timestamp::from_second(c.load(Ordering::SeqCst)).unwrap()),
        )
        .unwrap(),
    );
    let ui = Ui::new(store.clone(), config).unwrap();
    World {
        _dir: dir,
        store,
        clock,
        app: router(Arc::new(ui)),
    }
}

impl World {
    /// Holds a program for `rcpt`, as the gateway would.
    fn hold(&self, rcpt: &str, self_release: bool) -> ItemId {
        self.hold_item(rcpt, self_release, false)
    }

    /// Holds the whole message for `rcpt` (no attachment cut out: its
    /// MIME structure is ambiguous), as the gateway would.
    fn hold_whole(&self, rcpt: &str) -> ItemId {
        self.hold_item(rcpt, false, true)
    }

    fn hold_item(&self, rcpt: &str, self_release: bool, whole: bool) -> ItemId {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        let report =
            ecluse_scanner::scan(ENGINE.get_or_init(Engine::builtin), &Limits::default(), RAW);
        let now = self.store.now();
        let queue_id = QueueId::new();
        let item = HeldItem {
            id: ItemId::new(),
            queue_id,
            recipient: rcpt.into(),
            part: (!whole).then(|| HeldPart {
                path: "2".into(),
                filename: Some("a.exe".into()),
                detected_type: "application/x-msdownload".into(),
                size: 64,
                sha256: String::new(),
            }),
            category: if whole {
                Category::MimeAmbiguity
            } else {
                Category::Executable
            },
            categories: vec![if whole {
                Category::MimeAmbiguity
            } else {
                Category::Executable
            }],
            reasons: vec!["2: a Windows program".into()],
            self_release,
            status: Status::Held,
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(24 * 30),
            request: None,
            decision: None,
            info: report.message.clone(),
            mail_from: "a@example.org".into(),
            purged: false,
            tenant: ecluse_quarantine::DEFAULT_TENANT.to_string(),
        };
        let id = item.id;
        let delivery = Delivery::new(
            Purpose::Inbound,
            "a@example.org".into(),
            vec![rcpt.into()],
            Payload::Stored {
                queue_id,
                prepend: Vec::new(),
                cuts: vec![],
            },
            now,
        );
        self.store
            .accept(Incoming {
                id: queue_id,
                envelope: Envelope {
                    client_ip: "192.0.2.1".into(),
                    helo: "mx.example.org".into(),
                    mail_from: "a@example.org".into(),
                    rcpts: vec![rcpt.into()],
                    received_at: now,
                    tls: false,
                },
                message: RAW,
                report: &report,
                items: vec![item],
                deliveries: vec![delivery],
            })
            .unwrap();
        id
    }

    /// A signed-in person: (session cookie, CSRF token).
    fn session(&self, email: &str, admin: bool) -> (String, String) {
        let token = ecluse_admin_ui::web::random_token();
        let csrf = format!("csrf-{email}");
        let now = self.store.now();
        self.store
            .session_put(
                &token,
                &WebSession {
                    user: email.into(),
                    display_name: email.into(),
                    emails: vec![email.into()],
                    admin,
                    admin_of: ecluse_quarantine::AdminScope::Service,
                    via: SignIn::Saml,
                    csrf: csrf.clone(),
                    created_at: now,
                    last_seen: now,
                    idp: None,
                },
            )
            .unwrap();
        (format!("__Host-ecluse={token}"), csrf)
    }

    fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(req).await.unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &str) -> Response<Body> {
        self.post_from(None, path, cookie, form).await
    }

    /// A request as it reaches the router from the TCP peer `peer`
    /// (`ConnectInfo`, which `ecluse serve` gives every request), with
    /// `headers` as the client (or its proxy) sent them.
    async fn send_as(
        &self,
        peer: &str,
        req: axum::http::request::Builder,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response<Body> {
        let peer: std::net::IpAddr = peer.parse().unwrap();
        let mut req = req;
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Body::from(body.to_string())).unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                peer, 40000,
            )));
        self.send(req).await
    }

    /// The local sign-in form posted from `peer` with `headers`.
    async fn local_login_as(
        &self,
        peer: &str,
        headers: &[(&str, &str)],
        user: &str,
        password: &str,
    ) -> Response<Body> {
        let (pre_cookie, token) = self.login_token().await;
        let mut all = vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", pre_cookie.as_str()),
        ];
        all.extend_from_slice(headers);
        self.send_as(
            peer,
            Request::post("/login/local"),
            &all,
            &format!("csrf={token}&next=/admin&username={user}&password={password}"),
        )
        .await
    }

    /// The sign-in page's anti-forgery cookie and token.
    async fn login_token(&self) -> (String, String) {
        let page = self.get("/login", None).await;
        let pre = page.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        let pre_cookie = pre.split(';').next().unwrap().to_string();
        let token = pre_cookie.split_once('=').unwrap().1.to_string();
        (pre_cookie, token)
    }

    fn login_failures_audited(&self) -> Vec<ecluse_quarantine::AuditEntry> {
        self.store
            .audit_entries(None)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == AuditAction::LoginFailed)
            .collect()
    }

    /// A form post whose page was on `origin` (the browser's `Origin` header).
    async fn post_from(
        &self,
        origin: Option<&str>,
        path: &str,
        cookie: Option<&str>,
        form: &str,
    ) -> Response<Body> {
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        self.send(b.body(Body::from(form.to_string())).unwrap())
            .await
    }
}

async fn text(res: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).to_string()
}

fn location(res: &Response<Body>) -> String {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_page_sends_strangers_to_sign_in_and_back() {
    let w = world();
    let id = w.hold(AGENT, false);
    for path in [
        "/".to_string(),
        format!("/q/{id}"),
        "/admin".into(),
        format!("/admin/items/{id}"),
        "/admin/audit".into(),
        "/admin/dashboard".into(),
    ] {
        let res = w.get(&path, None).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res), format!("/login?next={path}"), "{path}");
    }
    for path in [
        format!("/q/{id}/request"),
        format!("/admin/items/{id}/decide"),
    ] {
        let res = w.post(&path, None, "csrf=x&reason=y&action=release").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(w.store.item(id).unwrap().status, Status::Held);
    }
    let login = text(w.get("/login?next=/q/x", None).await).await;
    assert!(login.contains("/saml/login?next=/q/x"), "{login}");
    // The break-glass form has its own address (issue 29), not here.
    assert!(!login.contains("Compte de secours"), "{login}");
}

#[tokio::test]
async fn an_agent_sees_their_items_and_not_anyone_elses() {
    let w = world();
    let mine = w.hold(AGENT, false);
    let theirs = w.hold(OTHER, false);
    let (cookie, _) = w.session(AGENT, false);
    let list = text(w.get("/", Some(&cookie)).await).await;
    assert!(
        list.contains(&format!("/q/{mine}")) && list.contains("a.exe"),
        "{list}"
    );
    assert!(!list.contains(&format!("/q/{theirs}")), "{list}");
    let res = w.get(&format!("/q/{mine}"), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = text(res).await;
    assert!(
        page.contains("programme") && page.contains("Demander la libération"),
        "{page}"
    );
    // Someone else's item looks exactly like one that does not exist.
    let res = w.get(&format!("/q/{theirs}"), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = w.get(&format!("/q/{}", ItemId::new()), Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Nor can they ask for it.
    let (_, csrf) = w.session(AGENT, false);
    let res = w
        .post(
            &format!("/q/{theirs}/request"),
            Some(&cookie),
            &format!("csrf={csrf}&reason=svp"),
        )
        .await;
    assert!(matches!(
        res.status(),
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    assert_eq!(w.store.item(theirs).unwrap().status, Status::Held);
}

#[tokio::test]
async fn agents_get_403_on_every_admin_route() {
    let w = world();
    let id = w.hold(AGENT, false);
    let (cookie, csrf) = w.session(AGENT, false);
    for path in [
        "/admin".to_string(),
        format!("/admin/items/{id}"),
        "/admin/audit".into(),
        "/admin/dashboard".into(),
    ] {
        assert_eq!(
            w.get(&path, Some(&cookie)).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        format!("/admin/items/{id}/decide"),
        format!("/admin/items/{id}/download"),
    ] {
        let res = w
            .post(
                &path,
                Some(&cookie),
                &format!("csrf={csrf}&action=release&comment=x"),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(w.store.item(id).unwrap().status, Status::Held);
}

#[tokio::test]
async fn bad_ids_are_404() {
    let w = world();
    let (agent, _) = w.session(AGENT, false);
    let (admin, _) = w.session("dsi@ville-exemple.fr", true);
    for path in [
        "/q/pas-un-id",
        "/q/../admin",
        "/q/01J00000000000000000000000",
    ] {
        assert_eq!(
            w.get(path, Some(&agent)).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        "/admin/items/zzz",
        "/admin/items/01J00000000000000000000000",
        "/nowhere",
    ] {
        assert_eq!(
            w.get(path, Some(&admin)).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_missing_wrong_or_cross_site_csrf_token_is_403() {
    let w = world();
    let id = w.hold(AGENT, false);
    let (cookie, csrf) = w.session(AGENT, false);
    let path = format!("/q/{id}/request");
    for form in [
        "reason=svp".to_string(),
        "csrf=&reason=svp".into(),
        "csrf=csrf-someone-else&reason=svp".into(),
    ] {
        let res = w.post(&path, Some(&cookie), &form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{form}");
    }
    // The right token from another site's page is refused too.
    let res = w
        .post_from(
            Some("https://evil.example"),
            &path,
            Some(&cookie),
            &format!("csrf={csrf}&reason=svp"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.store.item(id).unwrap().status, Status::Held);
    // With it, from our own page: the request is made.
    let res = w
        .post_from(
            Some(PUBLIC),
            &path,
            Some(&cookie),
            &format!("csrf={csrf}&reason=Facture+attendue"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let item = w.store.item(id).unwrap();
    assert_eq!(item.status, Status::Requested);
    assert_eq!(item.request.unwrap().reason, "Facture attendue");
    // An empty reason is refused with a message.
    let id2 = w.hold(AGENT, false);
    let res = w
        .post(
            &format!("/q/{id2}/request"),
            Some(&cookie),
            &format!("csrf={csrf}&reason=+"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn self_release_only_where_the_policy_allows_it() {
    let w = world();
    let locked = w.hold(AGENT, false);
    let open = w.hold(AGENT, true);
    let (cookie, csrf) = w.session(AGENT, false);
    let page = text(w.get(&format!("/q/{locked}"), Some(&cookie)).await).await;
    assert!(!page.contains("/release"), "{page}");
    let res = w
        .post(
            &format!("/q/{locked}/release"),
            Some(&cookie),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.store.item(locked).unwrap().status, Status::Held);
    let page = text(w.get(&format!("/q/{open}"), Some(&cookie)).await).await;
    assert!(page.contains(&format!("/q/{open}/release")), "{page}");
    let res = w
        .post(
            &format!("/q/{open}/release"),
            Some(&cookie),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.store.item(open).unwrap().status, Status::Released);
}

#[tokio::test]
async fn an_admin_reviews_decides_and_downloads_an_encrypted_zip() {
    let w = world();
    let a = w.hold(AGENT, false);
    let b = w.hold(OTHER, false);
    let (cookie, csrf) = w.session("dsi@ville-exemple.fr", true);
    let queue = text(w.get("/admin", Some(&cookie)).await).await;
    assert!(
        queue.contains(&format!("/admin/items/{a}"))
            && queue.contains(&format!("/admin/items/{b}"))
    );
    let filtered = text(w.get("/admin?recipient=voisin", Some(&cookie)).await).await;
    assert!(
        !filtered.contains(&format!("/admin/items/{a}"))
            && filtered.contains(&format!("/admin/items/{b}"))
    );
    let page = text(w.get(&format!("/admin/items/{a}"), Some(&cookie)).await).await;
    assert!(
        page.contains("Rapport d'analyse")
            && page.contains("SHA-256")
            && page.contains("192.0.2.1"),
        "{page}"
    );

    let res = w
        .post(
            &format!("/admin/items/{a}/download"),
            Some(&cookie),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/zip");
    let bytes = axum::body::to_bytes(res.into_body(), 16 << 20)
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert!(zip.by_index(0).is_err(), "the ZIP must need its password");
    let mut eml = Vec::new();
    zip.by_index_decrypt(0, b"infected")
        .unwrap()
        .read_to_end(&mut eml)
        .unwrap();
    assert_eq!(eml, RAW);

    // Release one, deny the other; deciding twice is a conflict, said in words.
    for (item, action, code, state) in [
        (
            a,
            "release&comment=ok",
            StatusCode::SEE_OTHER,
            Status::Released,
        ),
        (b, "deny&comment=non", StatusCode::SEE_OTHER, Status::Denied),
        (b, "release", StatusCode::CONFLICT, Status::Denied),
    ] {
        let form = format!("csrf={csrf}&action={action}");
        let res = w
            .post(&format!("/admin/items/{item}/decide"), Some(&cookie), &form)
            .await;
        assert_eq!(res.status(), code, "{action}");
        assert_eq!(w.store.item(item).unwrap().status, state, "{action}");
    }

    let audit = text(w.get("/admin/audit?action=downloaded", Some(&cookie)).await).await;
    assert!(
        audit.contains(r#"title="downloaded""#) && audit.contains(&a.to_string()),
        "{audit}"
    );
    // The filter keeps only downloads: no release is listed.
    assert!(!audit.contains(r#"title="released""#), "{audit}");
    let dash = text(w.get("/admin/dashboard", Some(&cookie)).await).await;
    assert!(dash.contains("30 derniers jours"), "{dash}");
}

/// The page at `path` in English.
async fn english(w: &World, path: &str, cookie: &str) -> String {
    text(w.get(path, Some(&format!("{cookie}; ecluse_lang=en"))).await).await
}

/// Issue 29: a refusal without its reason was answered « la pièce jointe a
/// changé d'état entre-temps. (Retenue) »: false, and the cause hidden. The
/// form asks for it, the server says it is missing, and a real conflict
/// says the state in words; the label says what becomes of the reason.
#[tokio::test]
async fn a_refusal_needs_its_reason_and_a_conflict_says_the_state_in_words() {
    let w = world();
    let a = w.hold(AGENT, false);
    let (cookie, csrf) = w.session("dsi@ville-exemple.fr", true);
    let page = text(w.get(&format!("/admin/items/{a}"), Some(&cookie)).await).await;
    assert!(
        page.contains(r#"<textarea id="c-deny" name="comment" required"#),
        "{page}"
    );
    assert!(
        page.contains("Motif du refus (obligatoire ; le destinataire le lira sur la page de la pièce jointe, et le recevra aussi par courriel s'il avait demandé la libération)")
            && !page.contains("(envoyé au destinataire)"),
        "{page}"
    );

    for blank in ["", "+++", "%0D%0A%09"] {
        let form = format!("csrf={csrf}&action=deny&comment={blank}");
        let res = w
            .post(&format!("/admin/items/{a}/decide"), Some(&cookie), &form)
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{blank:?}");
        let body = text(res).await;
        assert!(
            body.contains("Indiquez le motif du refus : le destinataire le lira sur la page de la pièce jointe.")
                && body.contains(&format!(r#"href="/admin/items/{a}""#))
                && !body.contains("changé d'état"),
            "{body}"
        );
        assert_eq!(w.store.item(a).unwrap().status, Status::Held);
    }
    let res = w
        .send(
            Request::post(format!("/admin/items/{a}/decide"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("{cookie}; ecluse_lang=en"))
                .body(Body::from(format!("csrf={csrf}&action=deny&comment=")))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains(
            "Give the reason for refusing: the recipient will read it on the attachment's page."
        ),
        "{body}"
    );

    // Denied without a request: no mail, the reason on the agent's page,
    // as the label says.
    let form = format!("csrf={csrf}&action=deny&comment=programme+inconnu");
    let res = w
        .post(&format!("/admin/items/{a}/decide"), Some(&cookie), &form)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mailed = w
        .store
        .deliveries()
        .unwrap()
        .into_iter()
        .filter(|d| d.purpose == Purpose::Notification && d.rcpts == [AGENT])
        .count();
    assert_eq!(mailed, 0, "nobody asked: no mail");
    let (agent, _) = w.session(AGENT, false);
    let mine = text(w.get(&format!("/q/{a}"), Some(&agent)).await).await;
    assert!(mine.contains("« programme inconnu »"), "{mine}");

    // Deciding again: the state, in words, in the sentence.
    let res = w
        .post(&format!("/admin/items/{a}/decide"), Some(&cookie), &form)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = text(res).await;
    assert!(
        body.contains("Cette action n'est plus possible : la pièce jointe a changé d'état entre-temps ; sa libération a été refusée.")
            && !body.contains("(Refusée)"),
        "{body}"
    );
    let b = w.hold(AGENT, false);
    let release = format!("csrf={csrf}&action=release&comment=vu");
    for code in [StatusCode::SEE_OTHER, StatusCode::CONFLICT] {
        let res = w
            .post(&format!("/admin/items/{b}/decide"), Some(&cookie), &release)
            .await;
        assert_eq!(res.status(), code);
        if code == StatusCode::CONFLICT {
            let body = text(res).await;
            assert!(
                body.contains("a changé d'état entre-temps ; elle est maintenant libérée.")
                    && !body.contains("(Libérée)"),
                "{body}"
            );
        }
    }
}

/// Issue 29: a message held whole was said as an attachment (« Fichier : le
/// message entier », « Pourquoi elle est retenue », « Refusée »), and the
/// list told its recipient the rest of it had been delivered.
#[tokio::test]
async fn a_message_held_whole_is_said_as_a_message() {
    let w = world();
    let (agent, agent_csrf) = w.session(AGENT, false);
    let attachment = w.hold(AGENT, false);
    let list = text(w.get("/", Some(&agent)).await).await;
    assert!(
        list.contains("Le reste de chaque message vous a été remis."),
        "{list}"
    );

    let message = w.hold_whole(AGENT);
    let list = text(w.get("/", Some(&agent)).await).await;
    assert!(
        !list.contains("Le reste de chaque message vous a été remis.")
            && list.contains("Pour une pièce jointe retenue, le reste du message vous a été remis ; un message retenu en entier ne vous a pas été remis"),
        "{list}"
    );
    assert!(list.contains(">Retenu</span>") && list.contains(">Retenue</span>"), "{list}");
    let (other, _) = w.session(OTHER, false);
    w.hold_whole(OTHER);
    let list = text(w.get("/", Some(&other)).await).await;
    assert!(
        !list.contains("le reste du message") && !list.contains("Le reste de chaque message")
            && list.contains("Écluse a retenu ces messages en entier"),
        "{list}"
    );

    let page = text(w.get(&format!("/q/{message}"), Some(&agent)).await).await;
    for said in [
        "<dt>Message</dt><dd>le message entier</dd>",
        "<dt>Pourquoi il est retenu</dt>",
        ">Retenu</span>",
        "Supprimé automatiquement le",
        "Pourquoi avez-vous besoin de ce message ?",
    ] {
        assert!(page.contains(said), "no {said:?}: {page}");
    }
    for not in ["<dt>Fichier</dt>", "Pourquoi elle est retenue", "Retenue<", "cette pièce jointe"] {
        assert!(!page.contains(not), "{not:?}: {page}");
    }
    let page = text(w.get(&format!("/q/{attachment}"), Some(&agent)).await).await;
    assert!(
        page.contains("<dt>Fichier</dt>") && page.contains("<dt>Pourquoi elle est retenue</dt>"),
        "{page}"
    );

    // The admin's page says the same; a refusal and its conflict too.
    let (admin, csrf) = w.session("dsi@ville-exemple.fr", true);
    let page = text(w.get(&format!("/admin/items/{message}"), Some(&admin)).await).await;
    assert!(
        page.contains("<dt>Pourquoi il est retenu</dt>")
            && page.contains("le destinataire le lira sur la page du message"),
        "{page}"
    );
    let res = w
        .post(
            &format!("/admin/items/{message}/decide"),
            Some(&admin),
            &format!("csrf={csrf}&action=deny&comment="),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(res).await.contains("le destinataire le lira sur la page du message.")
    );
    let res = w
        .post(
            &format!("/q/{message}/request"),
            Some(&agent),
            &format!("csrf={agent_csrf}&reason=attendu"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let deny = format!("csrf={csrf}&action=deny&comment=structure+douteuse");
    let res = w
        .post(&format!("/admin/items/{message}/decide"), Some(&admin), &deny)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = text(w.get(&format!("/q/{message}"), Some(&agent)).await).await;
    assert!(
        page.contains(">Refusé</span>")
            && page.contains("Un administrateur a refusé de libérer ce message.")
            && page.contains("<dt>Pourquoi il a été retenu</dt>")
            && !page.contains("Refusée"),
        "{page}"
    );
    let page = english(&w, &format!("/q/{message}"), &agent).await;
    assert!(page.contains("An admin refused to release this message."), "{page}");
    let res = w
        .post(&format!("/admin/items/{message}/decide"), Some(&admin), &deny)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = text(res).await;
    assert!(
        body.contains("le message a changé d'état entre-temps ; sa libération a été refusée.")
            && body.contains("Retour au message"),
        "{body}"
    );
}

/// Issue 29: the scan report's codes (`ooxml_macros`, `yara_match`) read
/// as words glued to the French labels: they are `<code class="ident">`,
/// which the stylesheet sets apart.
#[tokio::test]
async fn the_report_marks_its_codes_as_codes() {
    let w = world();
    let a = w.hold(AGENT, false);
    let (cookie, _) = w.session("dsi@ville-exemple.fr", true);
    let page = text(w.get(&format!("/admin/items/{a}"), Some(&cookie)).await).await;
    let report = page.split("Rapport d'analyse").nth(1).expect("the report");
    assert!(report.contains(r#"<code class="ident">"#), "{report}");
    assert!(!report.contains("<code>"), "a code not marked: {report}");
    let css = text(w.get("/static/style.css", None).await).await;
    let rule = css
        .lines()
        .find(|l| l.starts_with("code.ident"))
        .expect("the stylesheet styles code.ident");
    assert!(rule.contains("color: var(--muted)") && rule.contains("font-size"), "{rule}");
}

/// Issue 29: the dashboard sent admins to `docs/deploy.md`, which a
/// packaged server does not have.
#[tokio::test]
async fn the_dashboard_names_the_guide_where_the_package_puts_it() {
    let w = world();
    let (cookie, _) = w.session("dsi@ville-exemple.fr", true);
    let page = text(w.get("/admin/dashboard", Some(&cookie)).await).await;
    assert!(
        page.contains("<code>/usr/share/doc/ecluse/deploy.md</code>")
            && !page.contains("docs/deploy.md"),
        "{page}"
    );
}

/// Issue 29: the break-glass admin's list said « Adresses : » and nothing.
#[tokio::test]
async fn the_local_admin_is_told_it_has_no_address() {
    let w = world();
    let token = ecluse_admin_ui::web::random_token();
    let now = w.store.now();
    w.store
        .session_put(
            &token,
            &WebSession {
                user: "secours".into(),
                display_name: "secours".into(),
                emails: Vec::new(),
                admin: true,
                admin_of: ecluse_quarantine::AdminScope::Service,
                via: SignIn::Local,
                csrf: "csrf-secours".into(),
                created_at: now,
                last_seen: now,
                idp: None,
            },
        )
        .unwrap();
    let cookie = format!("__Host-ecluse={token}");
    let page = text(w.get("/", Some(&cookie)).await).await;
    assert!(
        page.contains("Adresses : (compte de secours : aucune adresse de messagerie)"),
        "{page}"
    );
    let page = english(&w, "/", &cookie).await;
    assert!(
        page.contains("Addresses: (emergency account: no email address)"),
        "{page}"
    );
}

#[tokio::test]
async fn idle_and_old_sessions_end() {
    let w = world();
    let (cookie, _) = w.session(AGENT, false);
    assert_eq!(w.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    w.advance(31 * 60);
    let res = w.get("/", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "idle for 31 minutes");
    assert!(location(&res).starts_with("/login"));
    // Used every 20 minutes, a session still ends 10 hours after sign-in.
    let (cookie, _) = w.session(AGENT, false);
    for _ in 0..29 {
        w.advance(20 * 60);
        assert_eq!(w.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    }
    w.advance(21 * 60);
    assert_eq!(
        w.get("/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    // A made-up token is nobody.
    let res = w
        .get("/", Some(&format!("__Host-ecluse={}", "0".repeat(64))))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let w = world();
    let (cookie, csrf) = w.session(AGENT, false);
    let res = w.post("/logout", Some(&cookie), "csrf=wrong").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = w
        .post("/logout", Some(&cookie), &format!("csrf={csrf}"))
        .await;
    // A SAML session with nothing to name in a LogoutRequest (and an IdP
    // without single logout here): the page that says its session is
    // still open (issue 29), on a clean address the sign-out sends to.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/signed-out?idp=open");
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let res = w.get("/signed-out?idp=open", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = text(res).await;
    assert!(page.contains("Déconnecté d'Écluse seulement"), "{page}");
    assert_eq!(
        w.get("/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn local_login(w: &World, user: &str, password: &str) -> Response<Body> {
    local_login_to(w, user, password, "/admin").await
}

async fn local_login_to(w: &World, user: &str, password: &str, next: &str) -> Response<Body> {
    let page = w.get("/login", None).await;
    let pre = page.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let pre_cookie = pre.split(';').next().unwrap().to_string();
    let token = pre_cookie.split_once('=').unwrap().1.to_string();
    w.post(
        "/login/local",
        Some(&pre_cookie),
        &format!("csrf={token}&next={next}&username={user}&password={password}"),
    )
    .await
}

#[tokio::test]
async fn the_local_admin_signs_in_and_failures_are_limited_and_audited() {
    let w = world();
    // Without the pre-sign-in token: refused.
    let res = w
        .post(
            "/login/local",
            None,
            &format!("csrf=x&username=secours&password={PASSWORD}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = local_login(&w, "secours", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin");
    // From the home page, an admin goes to the queue, not to their own list.
    let res = local_login_to(&w, "secours", PASSWORD, "/").await;
    assert_eq!(location(&res), "/admin");
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-ecluse="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    assert_eq!(
        w.get("/admin", Some(&cookie)).await.status(),
        StatusCode::OK
    );

    for _ in 0..ecluse_admin_ui::local::MAX_FAILURES {
        let res = local_login(&w, "secours", "mauvais").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked now, even with the right password.
    let res = local_login(&w, "secours", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(text(res).await.contains("Trop de tentatives"));
    let failed = w.login_failures_audited().len();
    assert_eq!(failed, ecluse_admin_ui::local::MAX_FAILURES + 1);
}

/// Issue 28: every refusal was a hash-chained audit entry (one anonymous
/// client wrote 470 a second). Now the wrong passwords are audited (the
/// limits bound them), and the refusals once per address and window.
#[tokio::test]
async fn refused_sign_ins_are_audited_once_per_address_and_window() {
    use ecluse_admin_ui::local::MAX_FAILURES;
    let w = world();
    for _ in 0..MAX_FAILURES {
        let res = w
            .local_login_as("192.0.2.10", &[], "secours", "mauvais")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for _ in 0..40 {
        let res = w
            .local_login_as("192.0.2.10", &[], "secours", "mauvais")
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let entries = w.login_failures_audited();
    assert_eq!(entries.len(), MAX_FAILURES + 1, "{entries:#?}");
    assert!(
        entries.last().unwrap().detail.contains("not audited"),
        "the summary says the rest are only counted: {entries:#?}"
    );
    // The same for garbage posted to the ACS: its failures (bounded by the
    // limit), then one entry for the refusals.
    for _ in 0..40 {
        w.send_as(
            "192.0.2.11",
            Request::post("/saml/acs"),
            &[("content-type", "application/x-www-form-urlencoded")],
            "SAMLResponse=%%%",
        )
        .await;
    }
    let acs = w.login_failures_audited().len() - entries.len();
    assert_eq!(acs, MAX_FAILURES + 1);
    // A new window: one more summary.
    w.advance(16 * 60);
    for _ in 0..(MAX_FAILURES + 5) {
        w.local_login_as("192.0.2.10", &[], "secours", "mauvais")
            .await;
    }
    assert_eq!(
        w.login_failures_audited().len(),
        2 * (MAX_FAILURES + 1) + MAX_FAILURES + 1
    );
}

/// Issue 28: the limit was checked before the password check and counted
/// after it, with nothing bounding the checks running at once: 8 addresses
/// × 40 posts at once ran 290 argon2 checks (limit 40). Now every attempt
/// finds a place (2) or is refused at once, and is counted before the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_run_no_more_checks_than_the_limits() {
    use ecluse_admin_ui::local::{MAX_FAILURES, MAX_NAME_FAILURES};
    let w = Arc::new(world());
    let mut posts = Vec::new();
    for _ in 0..40 {
        for a in 2..10u8 {
            let w = w.clone();
            posts.push(tokio::spawn(async move {
                let peer = format!("127.0.0.{a}");
                let res = w.local_login_as(&peer, &[], "secours", "mauvais").await;
                (a, res.status())
            }));
        }
    }
    let mut wrong = std::collections::HashMap::<u8, usize>::new();
    let mut refused = 0;
    for p in posts {
        let (a, status) = p.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => *wrong.entry(a).or_default() += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("{other}"),
        }
    }
    let total: usize = wrong.values().sum();
    assert!(
        wrong.values().all(|n| *n <= MAX_FAILURES),
        "more wrong-password answers than the limit from one address: {wrong:?}"
    );
    assert!(total <= MAX_NAME_FAILURES, "{total}");
    assert_eq!(total + refused, 320);
    // The account is not locked for a correct password from another address.
    let res = w
        .local_login_as("127.0.0.20", &[], "secours", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Issue 28: anyone could keep the break-glass account locked by failing
/// five times from anywhere. Now one address failing locks that address;
/// the name has a ceiling of its own (50 in the window), from all
/// addresses together.
#[tokio::test]
async fn one_address_failing_does_not_lock_the_account_for_another() {
    use ecluse_admin_ui::local::{MAX_FAILURES, MAX_NAME_FAILURES};
    let w = world();
    for _ in 0..MAX_FAILURES {
        let res = w
            .local_login_as("203.0.113.66", &[], "secours", "mauvais")
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = w
        .local_login_as("203.0.113.66", &[], "secours", PASSWORD)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "that address is locked"
    );
    let res = w
        .local_login_as("192.0.2.1", &[], "secours", PASSWORD)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the admin elsewhere is not"
    );
    // Guessing spread over many addresses stops at the name's ceiling.
    let mut wrong = MAX_FAILURES; // the success took its own attempt back
    let mut a = 0;
    while wrong < MAX_NAME_FAILURES {
        for _ in 0..MAX_FAILURES.min(MAX_NAME_FAILURES - wrong) {
            let peer = format!("198.51.100.{a}");
            let res = w.local_login_as(&peer, &[], "secours", "mauvais").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{wrong}");
            wrong += 1;
        }
        a += 1;
    }
    let res = w
        .local_login_as("192.0.2.200", &[], "secours", PASSWORD)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the name's ceiling"
    );
    // Another name from a fresh address is not held by it.
    let res = w
        .local_login_as("192.0.2.201", &[], "autre", "mauvais")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    w.advance(16 * 60);
    let res = w
        .local_login_as("192.0.2.200", &[], "secours", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a new window");
}

/// Issue 28: behind a reverse proxy every client had the proxy's address,
/// so five garbage posts locked everyone out. A trusted proxy's
/// X-Forwarded-For (or Forwarded) names the client, rightmost untrusted
/// hop first; anyone else's is ignored; IPv6 clients count by /64.
#[tokio::test]
async fn the_client_behind_a_trusted_proxy_is_the_one_it_names() {
    use ecluse_admin_ui::local::MAX_FAILURES;
    let mut c = config();
    c.proxies.trusted = vec!["10.0.0.0/24".parse().unwrap(), "::1".parse().unwrap()];
    let w = world_with(c);
    let wrong = |peer: &'static str, headers: Vec<(&'static str, String)>| {
        let w = &w;
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            w.local_login_as(peer, &h, "secours", "mauvais")
                .await
                .status()
        }
    };
    // An untrusted peer's header is ignored: its own address is counted,
    // whatever it claims.
    for i in 0..MAX_FAILURES {
        let xff = vec![("x-forwarded-for", format!("198.51.100.{i}"))];
        assert_eq!(wrong("192.0.2.50", xff).await, StatusCode::UNAUTHORIZED);
    }
    let xff = vec![("x-forwarded-for", "198.51.100.99".to_string())];
    assert_eq!(
        wrong("192.0.2.50", xff).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Through the proxy: each client counted apart, the client being the
    // rightmost hop the proxy did not write itself.
    for _ in 0..MAX_FAILURES {
        let xff = vec![(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.0.0.2".to_string(),
        )];
        assert_eq!(wrong("10.0.0.1", xff).await, StatusCode::UNAUTHORIZED);
    }
    let xff = vec![("x-forwarded-for", "1.1.1.1, 203.0.113.7".to_string())];
    assert_eq!(wrong("10.0.0.1", xff).await, StatusCode::TOO_MANY_REQUESTS);
    let xff = vec![("x-forwarded-for", "203.0.113.7, 203.0.113.8".to_string())];
    assert_eq!(
        wrong("10.0.0.1", xff).await,
        StatusCode::UNAUTHORIZED,
        "another client"
    );
    // Forwarded (RFC 7239) is read only when configured so.
    let fwd = vec![("forwarded", "for=203.0.113.9".to_string())];
    let no_xff = wrong("10.0.0.1", fwd).await;
    assert_eq!(
        no_xff,
        StatusCode::UNAUTHORIZED,
        "counted as the proxy itself"
    );
    let audit = w.login_failures_audited();
    let origins: Vec<&str> = audit.iter().map(|e| e.origin.as_str()).collect();
    assert!(origins.contains(&"web 203.0.113.7"), "{origins:?}");
    assert!(origins.contains(&"web 192.0.2.50"), "{origins:?}");
    assert!(origins.contains(&"web 10.0.0.1"), "{origins:?}");
    assert!(
        !origins.iter().any(|o| o.contains("198.51.100")),
        "{origins:?}"
    );

    let mut c = config();
    c.proxies.trusted = vec!["10.0.0.1".parse().unwrap()];
    c.proxies.header = ecluse_admin_ui::ProxyHeader::Forwarded;
    let w = world_with(c);
    for _ in 0..MAX_FAILURES {
        let h = [(
            "forwarded",
            r#"for="[2001:db8:1:2::1]:4711";proto=https, for=10.0.0.1"#,
        )];
        let res = w.local_login_as("10.0.0.1", &h, "secours", "mauvais").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The same /64 is the same client; the next /64 another.
    let h = [("forwarded", "for=\"[2001:db8:1:2:ffff::9]\"")];
    let res = w.local_login_as("10.0.0.1", &h, "secours", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let h = [("forwarded", "for=\"[2001:db8:1:3::1]\"")];
    let res = w.local_login_as("10.0.0.1", &h, "secours", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // X-Forwarded-For is not read when Forwarded is the proxies' header.
    let h = [("x-forwarded-for", "2001:db8:9::1")];
    let res = w.local_login_as("10.0.0.1", &h, "secours", "mauvais").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let origins: Vec<String> = w
        .login_failures_audited()
        .into_iter()
        .map(|e| e.origin)
        .collect();
    assert!(
        origins.contains(&"web 2001:db8:1:2::1".to_string()),
        "{origins:?}"
    );
    assert!(origins.contains(&"web 10.0.0.1".to_string()), "{origins:?}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let w = world();
    let (cookie, _) = w.session(AGENT, false);
    for (path, c) in [
        ("/", Some(cookie.as_str())),
        ("/login", None),
        ("/nowhere", None),
        ("/saml/metadata", None),
    ] {
        let res = w.get(path, c).await;
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert!(h.contains_key(header::REFERRER_POLICY), "{path}");
    }
    let html = text(w.get("/", Some(&cookie)).await).await;
    assert!(!html.contains("<script"), "no script at all");
    let css = w.get("/static/style.css", None).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        text(css).await.contains("@media"),
        "the phone layout is in the stylesheet"
    );
}

#[tokio::test]
async fn french_by_default_english_by_choice() {
    let w = world();
    let (cookie, _) = w.session(AGENT, false);
    assert!(
        text(w.get("/", Some(&cookie)).await)
            .await
            .contains("Mes pièces jointes retenues")
    );
    let en = w
        .send(
            Request::get("/")
                .header(header::COOKIE, &cookie)
                .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(text(en).await.contains("My held attachments"));
    let res = w.get("/lang/fr?next=/", None).await;
    assert!(
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("ecluse_lang=fr")
    );
    let forced = w
        .send(
            Request::get("/")
                .header(header::COOKIE, format!("{cookie}; ecluse_lang=fr"))
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(text(forced).await.contains("Mes pièces jointes retenues"));
    // The switch never sends people off-site.
    assert_eq!(
        location(&w.get("/lang/en?next=//evil.example", None).await),
        "/"
    );
}

#[tokio::test]
async fn saml_metadata_login_redirect_and_acs_refusals() {
    let w = world();
    let md = text(w.get("/saml/metadata", None).await).await;
    assert!(
        md.contains(&format!("{PUBLIC}/saml/metadata"))
            && md.contains(&format!("{PUBLIC}/saml/acs")),
        "{md}"
    );
    let res = w.get("/saml/login?next=/q/abc", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(
        to.starts_with("https://idp.example/sso?SAMLRequest="),
        "{to}"
    );
    assert!(to.contains("RelayState=%2Fq%2Fabc"), "{to}");

    // Not base64, not SAML, answering no request of ours: all refused and audited.
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let unknown = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" InResponseTo="_not-ours" Version="2.0" IssueInstant="{}" Destination="{PUBLIC}/saml/acs"><saml:Issuer>https://idp.example/metadata</saml:Issuer></samlp:Response>"#,
        Timestamp::now()
    );
    for body in [
        "SAMLResponse=%%%".to_string(),
        format!("SAMLResponse={}", b64("<a/>")),
        format!(
            "SAMLResponse={}",
            b64(&unknown).replace('+', "%2B").replace('=', "%3D")
        ),
    ] {
        let res = w.post("/saml/acs", None, &body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{body}");
        assert!(res.headers().get(header::SET_COOKIE).is_none());
    }
    let failed = w
        .store
        .audit_entries(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::LoginFailed)
        .count();
    assert_eq!(failed, 3);

    // A forged answer naming someone's pending request does not use it up:
    // only an answer whose signature verified does.
    let to = location(&w.get("/saml/login", None).await);
    let request = to
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("SAMLRequest="))
        .unwrap();
    let request = request
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(request)
        .unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::DeflateDecoder::new(&deflated[..]),
        &mut xml,
    )
    .unwrap();
    let id = xml.split("ID=\"").nth(1).unwrap();
    let id = &id[..id.find('"').unwrap()];
    assert!(w.store.saml_request_pending(id).unwrap());
    let forged = unknown.replace("_not-ours", id);
    let body = format!(
        "SAMLResponse={}",
        b64(&forged).replace('+', "%2B").replace('=', "%3D")
    );
    let res = w.post("/saml/acs", None, &body).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        w.store.saml_request_pending(id).unwrap(),
        "a forged answer used up the request"
    );
}

/// Red team: `GET /saml/login` wrote a pending request to the store on
/// every call, without bound and without sign-in (195,342 in 20 s from one
/// address, the store from 6.8 to 63.6 MB). Now one address starts at most
/// `MAX_STARTS_PER_ADDRESS` in ten minutes, then gets a French-first `429`
/// and nothing is written; another address still starts its sign-in, and
/// the first one can again once the ten minutes are over.
#[tokio::test]
async fn sign_in_starts_from_one_address_are_bounded_and_write_nothing_past_the_limit() {
    use ecluse_admin_ui::sp::{MAX_STARTS_PER_ADDRESS, REQUEST_LIFETIME};
    let w = world();
    let start = |peer: &'static str| w.send_as(peer, Request::get("/saml/login"), &[], "");
    for i in 0..MAX_STARTS_PER_ADDRESS {
        let res = start("198.51.100.7").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "start {i}");
    }
    for _ in 0..3 * MAX_STARTS_PER_ADDRESS {
        let res = start("198.51.100.7").await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().get(header::LOCATION).is_none());
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(res.headers()[header::RETRY_AFTER], "600");
        let page = text(res).await;
        assert!(page.contains("Trop de connexions"), "{page}");
    }
    // The same /64 is the same line.
    let res = w
        .send_as("2001:db8:1:2::1", Request::get("/saml/login"), &[], "")
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for _ in 0..MAX_STARTS_PER_ADDRESS {
        w.send_as("2001:db8:1:2::ffff:9", Request::get("/saml/login"), &[], "")
            .await;
    }
    let res = w
        .send_as("2001:db8:1:2:aaaa::3", Request::get("/saml/login"), &[], "")
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = w
        .send_as(
            "2001:db8:1:2:aaaa::3",
            Request::get("/saml/login"),
            &[("accept-language", "en")],
            "",
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = text(res).await;
    assert!(page.contains("Too many sign-ins started"), "{page}");
    // Another address still starts a sign-in.
    let res = start("198.51.100.8").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("https://idp.example/sso?SAMLRequest="));
    // No audit entry per refusal: starting is not failing.
    assert!(w.login_failures_audited().is_empty());

    // What the store holds: the pending requests of the starts let through,
    // no more (purged once past their time, and counted).
    w.clock.fetch_add(
        REQUEST_LIFETIME.as_secs() + 1,
        std::sync::atomic::Ordering::SeqCst,
    );
    let far = Timestamp::UNIX_EPOCH;
    assert_eq!(
        w.store.sessions_purge(far, far).unwrap(),
        2 * MAX_STARTS_PER_ADDRESS + 1
    );
    // Ten minutes later, the address starts sign-ins again.
    let res = start("198.51.100.7").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[test]
fn idp_metadata_without_a_signing_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let mut c = config();
    c.saml = Some(SamlConfig::new(
        idp_metadata(false),
        format!("{PUBLIC}/saml/metadata"),
    ));
    assert!(matches!(
        Ui::new(store.clone(), c),
        Err(UiError::NoSigningCertificate)
    ));
    let mut c = config();
    c.saml = Some(SamlConfig::new("<pas du xml".into(), "x".into()));
    assert!(matches!(
        Ui::new(store.clone(), c),
        Err(UiError::BadIdpMetadata(_))
    ));
    let mut c = config();
    c.local.as_mut().unwrap().password_hash = "motdepasse".into();
    assert!(matches!(
        Ui::new(store.clone(), c),
        Err(UiError::BadPasswordHash(_))
    ));
    let c = UiConfig::new(PUBLIC);
    assert!(matches!(Ui::new(store, c), Err(UiError::NoSignIn)));
}

/// Issue 28: the IdP's answer was taken from any browser, so an attacker's
/// own fresh answer, posted by the victim's browser, signed the victim in
/// as the attacker (login CSRF). `/saml/login` now gives the browser a
/// secret the request id is the hash of; the ACS takes an answer only
/// from the browser holding it.
#[tokio::test]
async fn the_acs_takes_an_answer_only_from_the_browser_that_started_it() {
    use base64::Engine as _;
    let w = world();
    let res = w.get("/saml/login", None).await;
    let set = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.starts_with("__Host-ecluse_saml="), "{set}");
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Path=/",
        "Max-Age=600",
    ] {
        assert!(set.contains(attr), "{attr}: {set}");
    }
    let mine = set.split(';').next().unwrap().to_string();
    let to = location(&res);
    let request = to
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("SAMLRequest="))
        .unwrap()
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(request)
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    let id = xml.split("ID=\"").nth(1).unwrap();
    let id = id[..id.find('"').unwrap()].to_string();
    assert!(!mine.contains(&id[1..]), "the id is not the secret");
    // A second sign-in in the same browser keeps the first one's secret.
    let second = w.get("/saml/login", Some(&mine)).await;
    let both = second.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(both.contains(mine.split_once('=').unwrap().1), "{both}");

    let answer = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" InResponseTo="{id}" Version="2.0" IssueInstant="{}" Destination="{PUBLIC}/saml/acs"><saml:Issuer>https://idp.example/metadata</saml:Issuer></samlp:Response>"#,
        Timestamp::now()
    );
    let body = format!(
        "SAMLResponse={}",
        base64::engine::general_purpose::STANDARD
            .encode(&answer)
            .replace('+', "%2B")
            .replace('=', "%3D")
    );
    let post = |cookie: Option<String>| {
        let w = &w;
        let body = body.clone();
        async move {
            let mut h = vec![(
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            )];
            if let Some(c) = cookie {
                h.push(("cookie", c));
            }
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            w.send_as("192.0.2.30", Request::post("/saml/acs"), &h, &body)
                .await
        }
    };
    // Another browser (no cookie, or its own sign-in's): refused as such,
    // before any signature work.
    let (other, _) = {
        let r = w.get("/saml/login", None).await;
        let c = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        (c.split(';').next().unwrap().to_string(), ())
    };
    for cookie in [None, Some(other)] {
        let res = post(cookie).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(text(res).await.contains("depuis un autre navigateur"));
    }
    let refusals = w.login_failures_audited();
    assert_eq!(refusals.len(), 2);
    assert!(
        refusals
            .iter()
            .all(|e| e.detail.contains("not started by this browser")),
        "{refusals:#?}"
    );
    // The browser that started it gets as far as the signature (this
    // answer has none).
    let res = post(Some(mine)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let last = w.login_failures_audited().pop().unwrap();
    assert!(
        !last.detail.contains("not started by this browser"),
        "{last:?}"
    );
    assert!(w.store.saml_request_pending(&id).unwrap());
}

/// Issue 28: an `InResponseTo` with `&#10;` wrote forged lines into the log
/// (and the audit). What an answer says is escaped wherever it is written.
#[tokio::test]
async fn text_from_an_answer_cannot_forge_log_or_audit_lines() {
    use base64::Engine as _;
    let w = world();
    let forged = "_x&#10;2026-01-01T00:00:00Z  INFO admin UI: sign-in of dsi@ville-exemple.fr accepted&#13;&#27;[2J";
    let answer = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" InResponseTo="{forged}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"/>"#
    );
    let body = format!(
        "SAMLResponse={}",
        base64::engine::general_purpose::STANDARD
            .encode(&answer)
            .replace('+', "%2B")
            .replace('=', "%3D")
    );
    let res = w.post("/saml/acs", None, &body).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let entry = w.login_failures_audited().pop().unwrap();
    assert!(
        !entry.detail.contains(['\n', '\r', '\u{1b}']),
        "a control character reached the audit: {:?}",
        entry.detail
    );
    assert!(entry.detail.contains("_x\\n2026"), "{:?}", entry.detail);
    // The local form's user name too.
    let res = w
        .local_login_as("192.0.2.31", &[], "root%0Aforged%1B%5B2J", "mauvais")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let entry = w.login_failures_audited().pop().unwrap();
    assert_eq!(entry.actor, "root\\nforged\\u{1b}[2J");
    assert_eq!(
        ecluse_admin_ui::web::printable("a\u{202e}b\u{2028}c\td", 80),
        "a\\u{202e}b\\u{2028}c\\td"
    );
    assert_eq!(
        ecluse_admin_ui::web::printable(&"x".repeat(500), 10),
        format!("{}…", "x".repeat(10))
    );
}

/// Issue 28: `/metrics` answered anyone. Without `[admin] metrics_token`
/// it answers this machine only (and nobody a proxy relays); with one,
/// whoever sends it as a bearer token. Real headers through the same
/// middleware `ecluse serve` puts in front of `/metrics`.
#[tokio::test]
async fn metrics_answer_this_machine_or_the_bearer_of_the_token() {
    use axum::routing::get;
    use ecluse_admin_ui::web::{MetricsAccess, metrics_gate, security_headers};
    let app = |access: MetricsAccess| {
        Router::new()
            .route("/metrics", get(|| async { "ecluse_messages_total 1\n" }))
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::new(access),
                metrics_gate,
            ))
            .layer(axum::middleware::from_fn(security_headers))
    };
    let ask = |app: Router, peer: Option<&str>, headers: &[(&str, &str)]| {
        let mut req = Request::get("/metrics");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Body::empty()).unwrap();
        if let Some(p) = peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                    p.parse().unwrap(),
                    4000,
                )));
        }
        async move { app.oneshot(req).await.unwrap() }
    };
    let proxies = ecluse_admin_ui::Proxies {
        trusted: vec!["127.0.0.20".parse().unwrap()],
        ..Default::default()
    };
    let local_only = MetricsAccess {
        token: None,
        proxies: proxies.clone(),
    };
    for (peer, headers, status) in [
        (Some("127.0.0.1"), vec![], StatusCode::OK),
        (Some("::1"), vec![], StatusCode::OK),
        (Some("::ffff:127.0.0.1"), vec![], StatusCode::OK),
        // Red team: a proxy on this machine that adds no forwarding header
        // (nginx's plain proxy_pass, a TCP tunnel) is loopback too: listed
        // in trusted_proxies, it never reads the metrics without a token.
        (Some("127.0.0.20"), vec![], StatusCode::FORBIDDEN),
        (Some("::ffff:127.0.0.20"), vec![], StatusCode::FORBIDDEN),
        // X-Real-IP is a forwarding header too (nginx's other habit).
        (
            Some("127.0.0.1"),
            vec![("x-real-ip", "203.0.113.5")],
            StatusCode::FORBIDDEN,
        ),
        (
            Some("127.0.0.1"),
            vec![("x-real-ip", "127.0.0.1")],
            StatusCode::FORBIDDEN,
        ),
        (Some("192.0.2.8"), vec![], StatusCode::FORBIDDEN),
        (
            Some("192.0.2.8"),
            vec![("x-forwarded-for", "127.0.0.1")],
            StatusCode::FORBIDDEN,
        ),
        // A proxy on this machine relays someone else.
        (
            Some("127.0.0.1"),
            vec![("x-forwarded-for", "203.0.113.5")],
            StatusCode::FORBIDDEN,
        ),
        (
            Some("127.0.0.1"),
            vec![("forwarded", "for=203.0.113.5")],
            StatusCode::FORBIDDEN,
        ),
        (
            Some("127.0.0.20"),
            vec![("x-forwarded-for", "127.0.0.1")],
            StatusCode::FORBIDDEN,
        ),
        (None, vec![], StatusCode::FORBIDDEN),
    ] {
        let res = ask(app(local_only.clone()), peer, &headers).await;
        assert_eq!(res.status(), status, "{peer:?} {headers:?}");
        assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        if status == StatusCode::FORBIDDEN {
            assert!(text(res).await.starts_with("Réservé à la machine"));
        }
    }
    let token = "0123456789abcdef0123456789abcdef";
    let with_token = MetricsAccess {
        token: Some(ecluse_admin_ui::Secret::new(token)),
        proxies,
    };
    let bearer = format!("Bearer {token}");
    for (peer, auth, status) in [
        ("192.0.2.8", Some(bearer.as_str()), StatusCode::OK),
        (
            "127.0.0.1",
            Some("bearer 0123456789abcdef0123456789abcdef"),
            StatusCode::OK,
        ),
        ("127.0.0.1", None, StatusCode::UNAUTHORIZED),
        ("::1", None, StatusCode::UNAUTHORIZED),
        ("127.0.0.20", None, StatusCode::UNAUTHORIZED),
        ("127.0.0.20", Some(bearer.as_str()), StatusCode::OK),
        (
            "192.0.2.8",
            Some("Bearer 0123456789abcdef0123456789abcdeF"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "192.0.2.8",
            Some("Basic MDEyMzQ1Njc4OWFiY2RlZg=="),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let res = ask(app(with_token.clone()), Some(peer), &headers).await;
        assert_eq!(res.status(), status, "{peer} {auth:?}");
        assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                res.headers()[header::WWW_AUTHENTICATE]
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer")
            );
        } else {
            assert!(text(res).await.contains("ecluse_messages_total"));
        }
    }
}

/// A signature over the whole answer, as an IdP's looks, that verifies
/// nothing (for answers that must reach the signature library).
fn unverifiable_signature(uri: &str) -> String {
    format!(
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="{uri}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>{value}</ds:SignatureValue></ds:Signature>"#,
        digest = "A".repeat(43) + "=",
        value = "A".repeat(344),
    )
}

/// Issue 28: answers that ran out of time were forgiven as the server's
/// trouble, so a flood of slow answers went on from any address. Now every
/// answer is counted before the work and stays counted unless it signs
/// someone in: from one address, at most the limit are read, however many
/// arrive at once and however long they take.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn heavy_answers_at_once_from_one_address_are_read_at_most_to_the_limit() {
    use base64::Engine as _;
    let w = Arc::new(world());
    let res = w.get("/saml/login", None).await;
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let to = location(&res);
    let request = to
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("SAMLRequest="))
        .unwrap()
        .replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=");
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(request)
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    let id = xml.split("ID=\"").nth(1).unwrap();
    let id = id[..id.find('"').unwrap()].to_string();
    // As heavy as the pre-check lets through: ~4,800 elements 22 deep.
    let nest = format!("{}{}", "<d>".repeat(21), "</d>".repeat(21)).repeat(220);
    let answer = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="{now}" InResponseTo="{id}"><saml:Issuer>https://idp.example/metadata</saml:Issuer>{sig}{nest}<saml:Assertion ID="_a" Version="2.0" IssueInstant="{now}"><saml:Issuer>https://idp.example/metadata</saml:Issuer>{asig}</saml:Assertion></samlp:Response>"#,
        now = Timestamp::now(),
        sig = unverifiable_signature(""),
        asig = unverifiable_signature("#_a"),
    );
    let body = format!(
        "SAMLResponse={}",
        base64::engine::general_purpose::STANDARD
            .encode(&answer)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    assert!(body.len() < ecluse_admin_ui::sp::MAX_RESPONSE);
    let mut posts = Vec::new();
    for _ in 0..40 {
        let (w, cookie, body) = (w.clone(), cookie.clone(), body.clone());
        posts.push(tokio::spawn(async move {
            let h = [
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", cookie.as_str()),
            ];
            w.send_as("192.0.2.77", Request::post("/saml/acs"), &h, &body)
                .await
                .status()
        }));
    }
    let mut read = 0;
    for p in posts {
        match p.await.unwrap() {
            StatusCode::FORBIDDEN => read += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert!(
        read <= ecluse_admin_ui::local::MAX_FAILURES,
        "{read} answers from one address were read"
    );
    let reasons: Vec<String> = w
        .login_failures_audited()
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("must be signed") || r.contains("within")),
        "they reached the signature work: {reasons:#?}"
    );
    // The request is still the browser's.
    assert!(w.store.saml_request_pending(&id).unwrap());
}
