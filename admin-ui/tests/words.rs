//! The words on the pages: French pages say actions, verdicts, finding kinds,
//! categories and audit actions in French, English pages in English, and
//! neither shows a Rust variant name (`TypeMismatch`, `Quarantine`) or a
//! snake_case identifier (`type_mismatch`) outside a `<code>` element or an
//! attribute.
//!
//! One item is held for every category (the whole message for an ambiguous
//! MIME structure, an attachment for the others), its report carrying every
//! finding kind of that category; each page an agent or an admin sees about them is
//! read in both languages through the real router, over a real store.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ecluse_admin_ui::pages::{
    action_label, audit_action_label, kind_label, status_label, status_label_for,
};
use ecluse_admin_ui::web::Lang;
use ecluse_admin_ui::{LocalAdmin, Ui, UiConfig, router};
use ecluse_quarantine::{
    Actor, AuditAction, Delivery, Envelope, HeldItem, HeldPart, Incoming, ItemId, Payload, Purpose,
    QueueId, SignIn, Status, Store, WebSession,
};
use ecluse_scanner::{Action, Category, Finding, FindingKind, MessageInfo, Part, Report};
use std::sync::Arc;
use tower::ServiceExt;

const AGENT: &str = "agent@ville-exemple.fr";
const ADMIN: &str = "dsi@ville-exemple.fr";
const RAW: &[u8] = b"From: Fournisseur <a@example.org>\r\nTo: agent@ville-exemple.fr\r\nSubject: Facture\r\n\r\nVoici.\r\n";

/// Every finding kind, read from the enum's source so that a kind added
/// later is covered without touching this test (the enum is
/// `#[non_exhaustive]`, so no match outside the scanner can list them).
fn every_kind() -> Vec<FindingKind> {
    let src = include_str!("../../scanner/src/report.rs");
    let body = src
        .split("pub enum FindingKind {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("scanner/src/report.rs declares `pub enum FindingKind {`");
    let kinds: Vec<FindingKind> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.is_empty())
        .map(|l| {
            let name = l.trim_end_matches(',');
            let kind: FindingKind = serde_json::from_value(serde_json::json!(snake(name)))
                .unwrap_or_else(|e| panic!("`{name}` is not a finding kind: {e}"));
            assert_eq!(format!("{kind:?}"), name);
            assert_eq!(kind.as_str(), snake(name), "the name logs and JSON use");
            kind
        })
        .collect();
    assert!(kinds.len() > 40, "only {} kinds read", kinds.len());
    kinds
}

/// serde's `rename_all = "snake_case"`.
fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The policy actions; the match fails to compile when one is added.
fn every_action() -> Vec<Action> {
    let all = vec![Action::Deliver, Action::Quarantine, Action::Reject];
    for a in &all {
        match a {
            Action::Deliver | Action::Quarantine | Action::Reject => {}
        }
    }
    all
}

/// The audit actions; the match fails to compile when one is added.
fn every_audit_action() -> Vec<AuditAction> {
    use AuditAction::*;
    let all = vec![
        Held,
        Requested,
        Released,
        Denied,
        Expired,
        Purged,
        Downloaded,
        Viewed,
        Login,
        LoginFailed,
        Logout,
        RuleAdded,
        RuleRemoved,
    ];
    for a in &all {
        match a {
            Held | Requested | Released | Denied | Expired | Purged | Downloaded | Viewed
            | Login | LoginFailed | Logout | RuleAdded | RuleRemoved => {}
        }
    }
    all
}

fn every_status() -> Vec<Status> {
    use Status::*;
    let all = vec![Held, Requested, Released, Denied, Expired];
    for s in &all {
        match s {
            Held | Requested | Released | Denied | Expired => {}
        }
    }
    all
}

struct World {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    app: Router,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let mut config = UiConfig::new("https://quarantaine.ville-exemple.fr");
    config.local = Some(LocalAdmin {
        username: "secours".into(),
        password_hash: ecluse_admin_ui::hash_password("cheval-agrafe-batterie"),
    });
    let ui = Ui::new(store.clone(), config).unwrap();
    World {
        _dir: dir,
        store,
        app: router(Arc::new(ui)),
    }
}

/// A finding of every kind of `category`, with a YARA match tagged with it,
/// each with only an English detail, as reports stored before findings had
/// sentences (marked English on the page, so a French page may show it).
fn findings(category: Category, kinds: &[FindingKind]) -> Vec<Finding> {
    let mut out = Vec::new();
    for kind in kinds {
        let mut f = Finding {
            kind: *kind,
            category: kind.category(),
            detail: "named .pdf but the content was held for review at offset 12".into(),
            sentence: None,
            rule: None,
        };
        if *kind == FindingKind::YaraMatch {
            f.category = category;
            f.rule = Some(format!("Test_Rule_{}", category.as_str()));
        }
        if f.category == category {
            out.push(f);
        }
    }
    out
}

/// A report for a message held for `category`: a clean text part, then the
/// held attachment carrying every kind of that category (MIME structure
/// kinds on the message itself), with a clean entry inside it.
fn report(category: Category, kinds: &[FindingKind]) -> Report {
    let mut message_findings = Vec::new();
    let mut part_findings = Vec::new();
    for f in findings(category, kinds) {
        if f.category == Category::MimeAmbiguity {
            message_findings.push(f);
        } else {
            part_findings.push(f);
        }
    }
    assert!(
        !message_findings.is_empty() || !part_findings.is_empty(),
        "no finding kind falls in {category:?}"
    );
    let action = category.default_action();
    let clean = |path: &str, filename: Option<&str>| Part {
        path: path.into(),
        filename: filename.map(Into::into),
        declared_type: Some("text/plain".into()),
        detected_type: "text/plain".into(),
        size: 7,
        sha256: "0".repeat(64),
        findings: Vec::new(),
        action: Action::Deliver,
        children: Vec::new(),
        span: None,
    };
    let mut held = clean("2", Some("piece.bin"));
    held.declared_type = Some("application/pdf".into());
    held.detected_type = "application/octet-stream".into();
    held.findings = part_findings;
    held.action = action;
    held.children = vec![clean("2/lisezmoi.txt", Some("lisezmoi.txt"))];
    Report {
        action,
        category: Some(category),
        categories: vec![category],
        findings: message_findings,
        parts: vec![clean("1", None), held],
        message: MessageInfo {
            from: Some("Fournisseur <a@example.org>".into()),
            subject: Some("Facture".into()),
            date: None,
            message_id: Some("test@example.org".into()),
            sender_auth: None,
            ..Default::default()
        },
        size: RAW.len() as u64,
        scanned_bytes: 1234,
        scan_ms: 2,
    }
}

impl World {
    fn hold(&self, category: Category, kinds: &[FindingKind], self_release: bool) -> ItemId {
        let report = report(category, kinds);
        let now = self.store.now();
        let queue_id = QueueId::new();
        let item = HeldItem {
            id: ItemId::new(),
            queue_id,
            recipient: AGENT.into(),
            // An ambiguous MIME structure holds the whole message: its
            // pages say « ce message », « Retenu ».
            part: (category != Category::MimeAmbiguity).then(|| HeldPart {
                path: "2".into(),
                filename: Some("piece.bin".into()),
                detected_type: "application/octet-stream".into(),
                size: 7,
                sha256: String::new(),
            }),
            category,
            categories: vec![category],
            reasons: vec!["2: test".into()],
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
            vec![AGENT.into()],
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
                    rcpts: vec![AGENT.into()],
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

    /// The page at `path` in `lang`.
    async fn page(&self, path: &str, cookie: &str, lang: &str) -> String {
        let req = Request::get(path)
            .header(header::COOKIE, format!("{cookie}; ecluse_lang={lang}"))
            .body(Body::empty())
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path} ({lang})");
        let bytes = axum::body::to_bytes(res.into_body(), 16 << 20)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    async fn post(&self, path: &str, cookie: &str, form: String) {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(form))
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    }
}

/// The text a reader sees, a line per run of text between two tags: no
/// tags, no attributes, entities decoded; the content of `<code>` (identifiers kept for searching logs) and of elements
/// marked as written in another language than `lang` (`lang="en"` around
/// the scanner's English details on a French page, the language switch) is
/// left out.
fn visible_text(html: &str, lang: &str) -> String {
    const VOID: [&str; 6] = ["meta", "link", "input", "br", "hr", "img"];
    let mut out = String::new();
    // For each open element: whether its content is left out.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if !open.last().is_some_and(|(_, skip)| *skip) {
            out.push_str(&rest[..lt]);
        }
        out.push('\n');
        let gt = rest[lt..].find('>').expect("tags close") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            let at = open
                .iter()
                .rposition(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            open.truncate(at);
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if VOID.contains(&name.as_str()) || tag.ends_with('/') {
            continue;
        }
        let other_lang = tag
            .split_whitespace()
            .skip(1)
            .filter_map(|a| a.strip_prefix("lang=\""))
            .any(|v| !v.starts_with(lang));
        let parent_skip = open.last().is_some_and(|(_, s)| *s);
        let skip = parent_skip || name == "code" || other_lang;
        open.push((name, skip));
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The words of `text`: runs of letters, digits and `_`.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `phrase` occurs in one line of `text` as whole words, ignoring
/// case and spacing (two labels side by side in a list do not make one).
fn has_phrase(text: &str, phrase: &str) -> bool {
    let phrase: Vec<String> = words(phrase).iter().map(|w| w.to_lowercase()).collect();
    !phrase.is_empty()
        && text.lines().any(|line| {
            let line: Vec<String> = words(line).iter().map(|w| w.to_lowercase()).collect();
            line.windows(phrase.len()).any(|w| w == phrase.as_slice())
        })
}

/// Rust variant names that would show a `{:?}` leaking onto a page.
fn debug_names() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    names.extend(every_kind().iter().map(|k| format!("{k:?}")));
    names.extend(Category::ALL.iter().map(|c| format!("{c:?}")));
    names.extend(every_action().iter().map(|a| format!("{a:?}")));
    // `Held`, `Released` are also plain English (the English status
    // labels): of these two enums only names of two words or more
    // (`LoginFailed`) are surely a leak.
    let audit = every_audit_action().into_iter().map(|a| format!("{a:?}"));
    let status = every_status().into_iter().map(|s| format!("{s:?}"));
    names.extend(
        audit
            .chain(status)
            .filter(|n| n.chars().filter(char::is_ascii_uppercase).count() > 1),
    );
    // A product's own name, which both languages write this way.
    names.retain(|n| n != "OneNote");
    names.sort();
    names.dedup();
    names
}

/// English words for actions, verdicts and who acted, which a French page
/// must not show.
const ENGLISH: &[&str] = &[
    "quarantine",
    "quarantined",
    "deliver",
    "delivered",
    "delivery",
    "reject",
    "rejected",
    "held",
    "release",
    "released",
    "requested",
    "denied",
    "deny",
    "expired",
    "purged",
    "downloaded",
    "viewed",
    "login",
    "logout",
    "sign in",
    "gateway",
    "retention",
    "internal",
    "finding",
    "findings",
    "macros in",
    "scan report",
];

/// French words for the same, which an English page must not show.
const FRENCH: &[&str] = &[
    "quarantaine",
    "mise en quarantaine",
    "remise",
    "destinataire",
    "refus",
    "refusé",
    "refusée",
    "retenue",
    "retenues",
    "libération",
    "libérée",
    "libérées",
    "expirée",
    "consultation",
    "connexion",
    "déconnexion",
    "téléchargement",
    "passerelle",
    "macros dans",
    "constats",
    "rapport",
];

/// Every label the pages use, in `lang`, for the words that differ between
/// the two languages.
fn labels(lang: Lang) -> Vec<&'static str> {
    let other = match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    let category = |l: Lang, c: Category| match l {
        Lang::Fr => c.label_fr(),
        Lang::En => c.label_en(),
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    pairs.extend(
        Category::ALL
            .iter()
            .map(|c| (category(lang, *c), category(other, *c))),
    );
    pairs.extend(
        every_kind()
            .into_iter()
            .map(|k| (kind_label(lang, k), kind_label(other, k))),
    );
    pairs.extend(
        every_action()
            .into_iter()
            .map(|a| (action_label(lang, a), action_label(other, a))),
    );
    pairs.extend(
        every_audit_action()
            .into_iter()
            .map(|a| (audit_action_label(lang, a), audit_action_label(other, a))),
    );
    pairs.extend(
        every_status()
            .into_iter()
            .map(|s| (status_label(lang, s), status_label(other, s))),
    );
    // A message held whole: « Retenu », « Refusé ».
    pairs.extend(every_status().into_iter().map(|s| {
        (
            status_label_for(lang, s, true),
            status_label_for(other, s, true),
        )
    }));
    pairs
        .into_iter()
        .filter(|(mine, theirs)| mine.to_lowercase() != theirs.to_lowercase())
        .map(|(mine, _)| mine)
        .collect()
}

/// What is wrong with the words of one page; empty when nothing is.
fn problems(html: &str, lang: &str, debug: &[String]) -> Vec<String> {
    let text = visible_text(html, lang);
    let mut found = Vec::new();
    let ws = words(&text);
    for name in debug {
        if ws.contains(&name.as_str()) {
            found.push(format!("Rust variant name `{name}`"));
        }
    }
    for w in &ws {
        let snake_case = w.contains('_')
            && w.split('_').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if snake_case {
            found.push(format!("identifier `{w}`"));
        }
    }
    let (foreign, labels) = match lang {
        "fr" => (ENGLISH, labels(Lang::En)),
        _ => (FRENCH, labels(Lang::Fr)),
    };
    for phrase in foreign.iter().chain(labels.iter()) {
        if has_phrase(&text, phrase) {
            found.push(format!("« {phrase} »"));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[tokio::test]
async fn every_page_speaks_its_language_for_every_category_and_finding_kind() {
    let w = world();
    let kinds = every_kind();
    let (agent, agent_csrf) = w.session(AGENT, false);
    let (admin, admin_csrf) = w.session(ADMIN, true);
    // Held, requested, released by an admin, denied, released by the
    // recipient: every state and decision shows somewhere.
    let mut items = Vec::new();
    for (n, c) in Category::ALL.iter().enumerate() {
        let own = n % 4 == 0 && n > 0;
        let id = w.hold(*c, &kinds, own);
        items.push((*c, id));
        if own {
            w.post(
                &format!("/q/{id}/release"),
                &agent,
                format!("csrf={agent_csrf}"),
            )
            .await;
            continue;
        }
        if n % 4 != 0 {
            w.post(
                &format!("/q/{id}/request"),
                &agent,
                format!("csrf={agent_csrf}&reason=facture+attendue"),
            )
            .await;
        }
        let decision = match n % 4 {
            2 => "release&comment=vu",
            3 => "deny&comment=non",
            _ => continue,
        };
        w.post(
            &format!("/admin/items/{id}/decide"),
            &admin,
            format!("csrf={admin_csrf}&action={decision}"),
        )
        .await;
    }
    // Every audit action in the log.
    let first = items[0].1;
    for a in every_audit_action() {
        w.store
            .audit(&Actor::person(ADMIN, "web 192.0.2.9"), a, Some(first), "")
            .unwrap();
    }

    let debug = debug_names();
    let mut bad = Vec::new();
    for lang in ["fr", "en"] {
        let mut pages = vec![
            ("/".to_string(), &agent),
            ("/admin".to_string(), &admin),
            ("/admin/audit".to_string(), &admin),
            ("/admin/dashboard".to_string(), &admin),
        ];
        for (c, id) in &items {
            pages.push((format!("/q/{id}"), &agent));
            pages.push((format!("/admin/items/{id}"), &admin));
            pages.push((format!("/admin?category={}", c.as_str()), &admin));
        }
        for (path, cookie) in pages {
            let html = w.page(&path, cookie, lang).await;
            for p in problems(&html, lang, &debug) {
                bad.push(format!("{path} ({lang}): {p}"));
            }
            if let Some(rest) = path.strip_prefix("/admin/items/") {
                let l = if lang == "fr" { Lang::Fr } else { Lang::En };
                let (c, _) = items.iter().find(|(_, id)| id.to_string() == rest).unwrap();
                let text = visible_text(&html, lang);
                // The report says its action in words, names every kind it
                // holds in words and keeps each kind's name where an admin
                // can copy it to search the logs.
                if !has_phrase(&text, action_label(l, c.default_action())) {
                    bad.push(format!("{path} ({lang}): the action is not in words"));
                }
                for f in findings(*c, &kinds) {
                    let (name, label) = (f.kind.as_str(), kind_label(l, f.kind));
                    if !has_phrase(&text, label) {
                        bad.push(format!("{path} ({lang}): no « {label} »"));
                    }
                    if !html.contains(&format!("<code class=\"ident\">{name}</code>")) {
                        bad.push(format!(
                            "{path} ({lang}): no `{name}` to search the logs with"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} problem(s):\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_are_meant_to() {
    let debug = debug_names();
    let page = |body: &str, lang: &str| {
        format!("<html lang=\"{lang}\"><body><main>{body}</main></body></html>")
    };
    for (body, lang) in [
        ("<dd>Quarantine</dd>", "fr"),
        ("<dd>TypeMismatch</dd>", "fr"),
        ("<dd>type_mismatch</dd>", "fr"),
        ("<td>held</td>", "fr"),
        ("<dd>mise en quarantaine</dd>", "en"),
        ("<dd>OoxmlMacros</dd>", "en"),
    ] {
        assert!(
            !problems(&page(body, lang), lang, &debug).is_empty(),
            "{body} passes in {lang}"
        );
    }
    for (body, lang) in [
        ("<dd title=\"quarantine\">mise en quarantaine</dd>", "fr"),
        (
            "<dd>macros dans un document Office <code>ooxml_macros</code></dd>",
            "fr",
        ),
        (
            "<span lang=\"en\">the document has a vbaProject.bin</span>",
            "fr",
        ),
        ("<dd>held in quarantine</dd>", "en"),
        ("<a lang=\"fr\">Français</a>", "en"),
    ] {
        assert_eq!(
            problems(&page(body, lang), lang, &debug),
            Vec::<String>::new(),
            "{body}"
        );
    }
}
