//! ClamAV as a second engine, end to end: the real `ecluse serve` and a
//! real clamd ([`ecluse_tests::clamd`]) whose database the test writes.

use ecluse_tests::clamd::{Clamd, SIGNATURE, sample};
use ecluse_tests::{Gateway, Sink, samples, send_one};
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";

const ADMIN_PASSWORD: &str = "une phrase de passe de secours";

fn gateway(clamd: &Clamd, sink: &Sink, on_error: &str) -> Gateway {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| ecluse_tests::hash_password(ADMIN_PASSWORD));
    let config = format!(
        "{}\n[admin.local]\nusername = \"secours\"\npassword_hash = \"{hash}\"\n\n[scanner.clamav]\naddress = \"{}\"\non_error = \"{on_error}\"\ntimeout = \"10s\"\n",
        Gateway::config_text(sink.addr, ""),
        clamd.address()
    );
    Gateway::start_with(&config)
}

/// The admin's dashboard, signed in as the break-glass admin.
fn dashboard(g: &Gateway, cookie: &str) -> String {
    let page = ecluse_tests::http(g.admin, "GET", "/admin/dashboard", cookie, None);
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

fn letter() -> Vec<u8> {
    samples::with_attachment(
        "Compte rendu",
        "application/pdf",
        "compte-rendu.pdf",
        &samples::pdf("", &[]),
    )
    .into_bytes()
}

#[test]
fn a_clamav_signature_inside_a_zip_is_refused_naming_it() {
    let clamd = Clamd::start();
    let sink = Sink::start();
    let g = gateway(&clamd, &sink, "tempfail");
    let zip = samples::zip(&[
        ("lisez-moi.txt", b"Bonjour".as_slice()),
        ("annexe.txt", &sample()),
    ]);
    let msg =
        samples::with_attachment("Annexes", "application/zip", "annexes.zip", &zip).into_bytes();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &msg);
    assert!(
        reply.starts_with("550 5.7.1") && reply.contains(SIGNATURE),
        "{reply}\n{}",
        clamd.log()
    );
    // The same file as a base64 run in the text of the mail, which no
    // header declares: ClamAV's own MIME reading leaves it encoded, our
    // reading decodes it and hands it to clamd.
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(sample());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let text = format!(
        "Bonjour,\r\n\r\nvoici l'annexe :\r\n\r\n{}\r\n\r\nCordialement\r\n",
        lines.join("\r\n")
    );
    let hidden = samples::message("Annexe", &samples::text_part(&text)).into_bytes();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &hidden);
    assert!(
        reply.starts_with("550 5.7.1") && reply.contains(SIGNATURE),
        "{reply}\n{}",
        clamd.log()
    );
    // Ordinary mail passes through both engines.
    assert!(send_one(g.smtp, "a@example.org", &[AGENT], &letter()).starts_with("250"));
    assert_eq!(sink.wait_for(1, Duration::from_secs(30)).len(), 1);
    let health = g.cli(&["check-config"]);
    assert!(
        health.1.contains("ClamAV at unix:") && health.1.contains("ClamAV 1."),
        "{health:?}"
    );
}

#[test]
fn while_clamd_is_down_mail_gets_451_and_is_delivered_once_it_is_back() {
    let mut clamd = Clamd::start();
    let sink = Sink::start();
    let g = gateway(&clamd, &sink, "tempfail");
    let admin = ecluse_tests::sign_in_local(g.admin, "secours", &ADMIN_PASSWORD.replace(' ', "+"));
    let page = dashboard(&g, &admin);
    assert!(
        page.contains("en service")
            && page.contains("ClamAV 1.")
            && page.contains("règles intégrées"),
        "{page}"
    );
    clamd.stop();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &letter());
    assert!(reply.starts_with("451 4.3.0"), "{reply}");
    assert!(g.log().contains("clamd gave no verdict"), "{}", g.log());
    // The dashboard says so at once, in words, with what happens to mail.
    let page = dashboard(&g, &admin);
    assert!(
        page.contains("injoignable") && page.contains("les expéditeurs réessaient plus tard"),
        "{page}"
    );
    let (code, out, _) = g.cli(&["check-config"]);
    assert_eq!(code, 0);
    assert!(out.contains("NOT ANSWERING"), "{out}");
    // The sender tries again once clamd is back: accepted, delivered once.
    clamd.restart();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &letter());
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(sink.wait_for(1, Duration::from_secs(30)).len(), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.messages().len(), 1);
    let page = dashboard(&g, &admin);
    assert!(
        page.contains("en service") && !page.contains("injoignable"),
        "{page}"
    );
}

#[test]
fn with_on_error_hold_mail_is_held_while_clamd_is_down() {
    let mut clamd = Clamd::start();
    let sink = Sink::start();
    let g = gateway(&clamd, &sink, "hold");
    clamd.stop();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &letter());
    assert!(reply.starts_with("250"), "{reply}");
    let (code, list, err) = g.cli(&["quarantine", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(list.lines().count(), 1, "{list}");
    let id = serde_json::from_str::<serde_json::Value>(list.lines().next().unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = g.cli(&["quarantine", "show", &id, "--json"]).1;
    assert!(shown.contains("antivirus_unavailable"), "{shown}");
    let admin = ecluse_tests::sign_in_local(g.admin, "secours", &ADMIN_PASSWORD.replace(' ', "+"));
    let page = dashboard(&g, &admin);
    assert!(
        page.contains("injoignable") && page.contains("retenu en quarantaine"),
        "{page}"
    );
}
