//! Sender provenance end to end: the real `ecluse serve` asking a real DNS
//! server (dnsmasq, [`ecluse_tests::dns::Dns`]) for SPF, DKIM and DMARC
//! records; messages signed with real DKIM keys (RSA made by `openssl`,
//! Ed25519 from RFC 8463 §A.2); what the town's server receives, what is
//! held and why, and when a delivery status notification may go back.

use ecluse_tests::dns::Dns;
use ecluse_tests::{Gateway, Sink, samples, send_one};
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";
const WAIT: Duration = Duration::from_secs(20);
/// RFC 8463 §A.2, the Ed25519 test key.
const ED25519_SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const ED25519_PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/// The Cyrillic lookalike of ville-exemple.fr: "ville-еxemple.fr" with
/// U+0435 for the first "e" of "exemple", as an A-label.
const CYRILLIC: &str = "xn--ville-xemple-xck.fr";

struct Rsa {
    pem: String,
    public_b64: String,
}

/// A fresh 2048-bit RSA key from `openssl` (PKCS#8 PEM) and its public
/// key as DKIM's `p=` (SubjectPublicKeyInfo, base64).
fn rsa_key() -> Rsa {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let ok = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .output()
        .expect("openssl");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let public = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(public.status.success());
    use base64::Engine;
    Rsa {
        pem: std::fs::read_to_string(&key).unwrap(),
        public_b64: base64::engine::general_purpose::STANDARD.encode(public.stdout),
    }
}

/// The DNS of the tests:
/// - ville-exemple.fr, ours: SPF for its real outbound server only, no
///   DMARC record (like many towns);
/// - prefecture-exemple.fr, a partner: SPF elsewhere, DMARC `p=reject`;
/// - newsletter-exemple.fr: DKIM (RSA, selector `s2026`), DMARC `p=none`;
/// - notaire-exemple.fr: SPF for 127.0.0.0/8 and DKIM (Ed25519) — an
///   honest sender;
/// - attaquant-exemple.net: SPF pass from here, no DMARC record — an
///   attacker who authenticates only their own, unremarkable domain;
/// - vi11e-exemple.fr and the Cyrillic lookalike: SPF pass from here and
///   DMARC `p=reject` — an attacker authenticates their own domain.
fn dns(rsa: &Rsa) -> Dns {
    Dns::start(
        &[
            "ville-exemple.fr",
            "prefecture-exemple.fr",
            "newsletter-exemple.fr",
            "esp-exemple.fr",
            "notaire-exemple.fr",
            "vi11e-exemple.fr",
            "banque-exemple.fr",
            "attaquant-exemple.net",
            CYRILLIC,
        ],
        &[
            ("_dmarc.banque-exemple.fr", "v=DMARC1; p=reject; sp=none"),
            ("ville-exemple.fr", "v=spf1 ip4:192.0.2.10 -all"),
            ("prefecture-exemple.fr", "v=spf1 ip4:192.0.2.20 -all"),
            ("_dmarc.prefecture-exemple.fr", "v=DMARC1; p=reject"),
            (
                "s2026._domainkey.newsletter-exemple.fr",
                &format!("v=DKIM1; k=rsa; p={}", rsa.public_b64),
            ),
            ("_dmarc.newsletter-exemple.fr", "v=DMARC1; p=none"),
            ("notaire-exemple.fr", "v=spf1 ip4:127.0.0.0/8 -all"),
            (
                "brisbane._domainkey.notaire-exemple.fr",
                &format!("v=DKIM1; k=ed25519; p={ED25519_PUBLIC}"),
            ),
            ("_dmarc.notaire-exemple.fr", "v=DMARC1; p=quarantine"),
            ("vi11e-exemple.fr", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("attaquant-exemple.net", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("_dmarc.vi11e-exemple.fr", "v=DMARC1; p=reject"),
            (CYRILLIC, "v=spf1 ip4:127.0.0.0/8 -all"),
            (&format!("_dmarc.{CYRILLIC}"), "v=DMARC1; p=reject"),
        ],
    )
}

fn gateway(dns: &Dns, sink: &Sink) -> Gateway {
    Gateway::start_with(&format!(
        "{}\n[policy]\npartner_domains = [\"prefecture-exemple.fr\"]\n",
        Gateway::config_text(
            sink.addr,
            &format!(
                "dns_resolvers = [\"{}\"]\nsender_check_timeout = \"5s\"",
                dns.addr
            )
        )
    ))
}

/// `samples`' message with another `From:` line.
fn from(from: &str, message: String) -> Vec<u8> {
    let (first, rest) = message.split_once("\r\n").unwrap();
    assert!(first.starts_with("From: "));
    format!("From: {from}\r\n{rest}").into_bytes()
}

fn with_pdf(sender: &str) -> Vec<u8> {
    from(
        sender,
        samples::with_attachment(
            "Convocation",
            "application/pdf",
            "convocation.pdf",
            &samples::pdf("", &[]),
        ),
    )
}

/// The held items as JSON lines.
fn held(g: &Gateway) -> Vec<serde_json::Value> {
    let (code, list, err) = g.cli(&["quarantine", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    list.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The text of the notice that took a held attachment's place.
fn notice_of(raw: &[u8]) -> String {
    let m = mail_parser::MessageParser::default().parse(raw).unwrap();
    m.parts
        .iter()
        .find(|p| p.headers.iter().any(|h| h.name.as_str() == "X-Ecluse-Held"))
        .and_then(|p| p.text_contents())
        .unwrap_or_else(|| panic!("no notice part in {}", String::from_utf8_lossy(raw)))
        .to_string()
}

fn ar_of(text: &str) -> String {
    let start = text
        .find("Authentication-Results: mx.ville-exemple.fr")
        .unwrap_or_else(|| panic!("no Authentication-Results of ours:\n{text}"));
    let rest = &text[start..];
    // the field and its folded lines
    let mut end = rest.find("\r\n").unwrap();
    while rest[end + 2..].starts_with(['\t', ' ']) {
        end += 2 + rest[end + 2..].find("\r\n").unwrap();
    }
    rest[..end].to_string()
}

#[test]
fn a_dmarc_reject_spoof_of_a_partner_with_a_pdf_is_held_as_spoofed_sender() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    let r = send_one(
        g.smtp,
        "courrier@prefecture-exemple.fr",
        &[AGENT],
        &with_pdf("Préfecture <courrier@prefecture-exemple.fr>"),
    );
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", g.log());
    let text = got[0].text();
    let ar = ar_of(&text);
    assert!(ar.contains("spf=fail") && ar.contains("dmarc=fail"), "{ar}");
    // the notice in place of the PDF says why, in French
    assert!(!text.contains("%PDF"), "{text}");
    let notice = notice_of(&got[0].data);
    assert!(
        notice.contains("Raison : expéditeur usurpé") && notice.contains("ne vient pas de"),
        "{notice}"
    );
    let items = held(&g);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["category"], "spoofed_sender", "{items:?}");
    let id = items[0]["id"].as_str().unwrap();
    let shown = g.cli(&["quarantine", "show", id, "--json"]).1;
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let auth = &shown["item"]["info"]["sender_auth"];
    assert_eq!(auth["dmarc"], "fail", "{shown}");
    assert_eq!(auth["dmarc_policy"], "reject", "{shown}");
    assert_eq!(auth["spf"], "fail", "{shown}");
    assert_eq!(auth["from_authenticated"], false, "{shown}");
    assert!(g.log().contains("dmarc=fail (p=reject)"), "{}", g.log());
    // The text `show` gives SPF, DKIM and DMARC one by one (operations.md),
    // and the finding in French, then English (issue 29).
    let (code, text, err) = g.cli(&["quarantine", "show", id]);
    assert_eq!(code, 0, "{err}");
    for (start, has) in [
        ("sender     expéditeur non vérifié", "DMARC"),
        ("spf        fail", "prefecture-exemple.fr"),
        ("dkim       ", ""),
        ("dmarc      fail (p=reject)", "prefecture-exemple.fr"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(start) && l.contains(has)),
            "no {start:?} line:\n{text}"
        );
    }
    assert!(
        text.contains("a échoué à DMARC")
            && text.contains("demande de refuser ces messages")
            && text.contains("failed DMARC"),
        "the spoofed-sender finding in French then English:\n{text}"
    );
}

#[test]
fn the_towns_own_domain_forged_from_outside_is_held() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    // ville-exemple.fr publishes no DMARC record: the rule is ours.
    let r = send_one(
        g.smtp,
        "maire@ville-exemple.fr",
        &[AGENT],
        &with_pdf("Le maire <maire@ville-exemple.fr>"),
    );
    assert!(r.starts_with("250"), "{r}");
    assert_eq!(sink.wait_for(1, WAIT).len(), 1);
    let items = held(&g);
    assert_eq!(items.len(), 1, "{items:?}\n{}", g.log());
    assert_eq!(items[0]["category"], "spoofed_sender");
    let shown = g
        .cli(&[
            "quarantine",
            "show",
            items[0]["id"].as_str().unwrap(),
            "--json",
        ])
        .1;
    assert!(shown.contains("is one of ours"), "{shown}");
    // The same message with only text is delivered as it is: we are not
    // a spam filter; the town's server reads our Authentication-Results.
    let text = from(
        "Le maire <maire@ville-exemple.fr>",
        samples::message("Réunion", &samples::text_part("À demain.")),
    );
    let r = send_one(g.smtp, "maire@ville-exemple.fr", &[AGENT], &text);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(2, WAIT);
    assert!(got[1].data.ends_with(&text));
    assert!(ar_of(&got[1].text()).contains("spf=fail"));
    assert_eq!(held(&g).len(), 1);
}

#[test]
fn lookalike_domains_are_held_even_when_they_authenticate() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    for domain in ["vi11e-exemple.fr", CYRILLIC] {
        let sender = format!("mairie@{domain}");
        let r = send_one(
            g.smtp,
            &sender,
            &[AGENT],
            &with_pdf(&format!("Mairie <{sender}>")),
        );
        assert!(r.starts_with("250"), "{r}");
    }
    let got = sink.wait_for(2, WAIT);
    assert_eq!(got.len(), 2);
    for m in &got {
        // SPF passes for the attacker's own domain, and so does DMARC
        assert!(ar_of(&m.text()).contains("dmarc=pass"), "{}", m.text());
    }
    let items = held(&g);
    assert_eq!(items.len(), 2, "{items:?}\n{}", g.log());
    for it in &items {
        assert_eq!(it["category"], "lookalike_sender", "{items:?}");
    }
    let notice = notice_of(&got[0].data);
    assert!(
        notice.contains("imite celui d'un correspondant connu"),
        "{notice}"
    );
    let shown = g
        .cli(&[
            "quarantine",
            "show",
            items[0]["id"].as_str().unwrap(),
            "--json",
        ])
        .1;
    assert!(shown.contains("ville-exemple.fr"), "{shown}");
}

#[test]
fn a_dkim_signed_newsletter_is_delivered_byte_for_byte_after_our_fields() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    let body = from(
        "La lettre <lettre@newsletter-exemple.fr>",
        samples::with_attachment(
            "Lettre de novembre",
            "application/pdf",
            "lettre.pdf",
            &samples::pdf("", &[]),
        ),
    );
    use rustls_pki_types::pem::PemObject;
    let der = rustls_pki_types::PrivateKeyDer::from_pem_slice(rsa.pem.as_bytes()).unwrap();
    let key = RsaKey::<Sha256>::from_key_der(der).unwrap();
    let signature = DkimSigner::from_key(key)
        .domain("newsletter-exemple.fr")
        .selector("s2026")
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(&body)
        .unwrap();
    let mut signed = signature.to_header().into_bytes();
    signed.extend_from_slice(&body);
    // The envelope sender is the mailing service's: SPF says nothing for
    // it (no record), DKIM aligned with From is what passes DMARC.
    let r = send_one(g.smtp, "bounce-123@esp-exemple.fr", &[AGENT], &signed);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1);
    let data = &got[0].data;
    assert!(
        data.ends_with(&signed),
        "the signed message must arrive unchanged"
    );
    let head = String::from_utf8_lossy(&data[..data.len() - signed.len()]).to_string();
    assert!(head.starts_with("Received: from "), "{head}");
    let ar = ar_of(&head);
    assert!(
        ar.contains("dkim=pass") && ar.contains("header.d=newsletter-exemple.fr"),
        "{ar}"
    );
    assert!(ar.contains("dmarc=pass"), "{ar}");
    assert!(
        head.ends_with(&format!("{ar}\r\n")),
        "Received, then our Authentication-Results, then the message:\n{head}"
    );
    assert!(held(&g).is_empty(), "{}", g.log());
}

#[test]
fn a_permanent_refusal_bounces_only_to_an_authenticated_sender() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    sink.refuse
        .lock()
        .unwrap()
        .push("parti@ville-exemple.fr".into());
    let g = gateway(&dns, &sink);
    // The notary passes SPF and DKIM (Ed25519): the DSN goes back to it.
    let body = from(
        "Étude <etude@notaire-exemple.fr>",
        samples::message("Acte", &samples::text_part("Ci-dessous.")),
    );
    let signed = notary_signed(&body);
    let r = send_one(
        g.smtp,
        "etude@notaire-exemple.fr",
        &["parti@ville-exemple.fr", AGENT],
        &signed,
    );
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(2, WAIT);
    assert_eq!(got.len(), 2, "{}", g.log());
    assert_eq!(got[0].rcpts, vec![AGENT.to_string()]);
    let ar = ar_of(&got[0].text());
    assert!(ar.contains("dkim=pass") && ar.contains("spf=pass"), "{ar}");
    let dsn = &got[1];
    assert_eq!(dsn.mail_from, "");
    assert_eq!(dsn.rcpts, vec!["etude@notaire-exemple.fr".to_string()]);
    assert!(
        dsn.text()
            .contains("Final-Recipient: rfc822; parti@ville-exemple.fr"),
        "{}",
        dsn.text()
    );
    assert!(dsn.text().contains("Status: 5.1.1"));

    // A forged sender (SPF fails for the préfecture from here): the same
    // refusal makes no DSN, only a log line and a counter.
    let forged = from(
        "Préfecture <courrier@prefecture-exemple.fr>",
        samples::message("Urgent", &samples::text_part("Voir ci-dessous.")),
    );
    let r = send_one(
        g.smtp,
        "courrier@prefecture-exemple.fr",
        &["parti@ville-exemple.fr", AGENT],
        &forged,
    );
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(3, WAIT);
    std::thread::sleep(Duration::from_secs(2));
    let got_after = sink.messages();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got_after.len(),
        3,
        "no DSN to a forged sender: {:?}",
        got_after.last().map(|m| m.text())
    );
    assert!(g.log().contains("sender_not_authenticated"), "{}", g.log());
    let metrics = ecluse_tests::http(g.admin, "GET", "/metrics", "", None).body;
    assert!(
        metrics.contains("ecluse_dsn_suppressed_total{reason=\"sender_not_authenticated\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_dead_dns_server_delays_nothing_and_blocks_nothing() {
    // Port 9 on loopback: nothing answers. The checks give temperror
    // within sender_check_timeout and the message is delivered.
    let sink = Sink::start();
    let g = Gateway::start(
        sink.addr,
        "dns_resolvers = [\"127.0.0.1:9\"]\nsender_check_timeout = \"2s\"",
    );
    let msg = with_pdf("Fournisseur <compta@fournisseur-exemple.fr>");
    let started = std::time::Instant::now();
    let r = send_one(g.smtp, "compta@fournisseur-exemple.fr", &[AGENT], &msg);
    assert!(r.starts_with("250"), "{r}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1);
    assert!(got[0].data.ends_with(&msg), "delivered whole");
    assert!(
        ar_of(&got[0].text()).contains("temperror"),
        "{}",
        got[0].text()
    );
    assert!(held(&g).is_empty());
}

const ADMIN_PASSWORD: &str = "une phrase de passe de secours";

/// [`gateway`] with the notary's exception and a block entry in the
/// configuration, and the break-glass admin for the web UI.
fn gateway_with_rules(dns: &Dns, sink: &Sink) -> Gateway {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| ecluse_tests::hash_password(ADMIN_PASSWORD));
    Gateway::start_with(&format!(
        "{}\n[admin.local]\nusername = \"secours\"\npassword_hash = \"{hash}\"\n\n\
         [policy]\npartner_domains = [\"prefecture-exemple.fr\"]\n\n\
         [[policy.exception]]\nsender = \"@notaire-exemple.fr\"\nrecipients = [\"compta@ville-exemple.fr\"]\ncategories = [\"encrypted_archive\"]\ncomment = \"actes chiffrés de l'étude\"\n\n\
         [[policy.block]]\nsender = \"@spam-exemple.fr\"\n",
        Gateway::config_text(
            sink.addr,
            &format!(
                "dns_resolvers = [\"{}\"]\nsender_check_timeout = \"5s\"",
                dns.addr
            )
        )
    ))
}

/// The notary's letter with a password-protected ZIP, DKIM-signed
/// (Ed25519, RFC 8463's key) when `sign`.
fn notary_letter(sign: bool) -> Vec<u8> {
    let body = from(
        "Étude <etude@notaire-exemple.fr>",
        samples::with_attachment(
            "Acte de vente",
            "application/zip",
            "acte.zip",
            &samples::zip_flagged_encrypted(&[("acte.pdf", &samples::pdf("", &[]))]),
        ),
    );
    if sign { notary_signed(&body) } else { body }
}

/// `body` with the notary's DKIM signature (Ed25519, RFC 8463's key,
/// selector `brisbane`) on top.
fn notary_signed(body: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = Ed25519Key::from_seed_and_public_key(
        &b64.decode(ED25519_SEED).unwrap(),
        &b64.decode(ED25519_PUBLIC).unwrap(),
    )
    .unwrap();
    let signature = DkimSigner::from_key(key)
        .domain("notaire-exemple.fr")
        .selector("brisbane")
        .headers(["From", "To", "Subject", "Date"])
        .sign(body)
        .unwrap();
    let mut signed = signature.to_header().into_bytes();
    signed.extend_from_slice(body);
    signed
}

#[test]
fn the_notary_exception_delivers_an_encrypted_zip_only_when_dkim_passes() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway_with_rules(&dns, &sink);
    const COMPTA: &str = "compta@ville-exemple.fr";
    // The envelope sender is a relay's with no SPF record: DKIM alone can
    // authenticate the notary.
    let signed = notary_letter(true);
    let r = send_one(g.smtp, "relais@esp-exemple.fr", &[COMPTA, AGENT], &signed);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(2, WAIT);
    assert_eq!(got.len(), 2, "{}", g.log());
    let to_compta = got
        .iter()
        .find(|m| m.rcpts == [COMPTA])
        .expect("a delivery to compta");
    let to_agent = got
        .iter()
        .find(|m| m.rcpts == [AGENT])
        .expect("a delivery to the agent");
    assert!(
        to_compta.data.ends_with(&signed),
        "compta gets the ZIP, byte for byte"
    );
    assert!(ar_of(&to_compta.text()).contains("dkim=pass"));
    assert!(
        !to_agent.data.ends_with(&signed),
        "the agent is not in the exception"
    );
    let items = held(&g);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["recipient"], AGENT);
    assert_eq!(items[0]["category"], "encrypted_archive");
    assert!(g.log().contains("config-exception-1"), "{}", g.log());

    // The same letter unsigned: nothing authenticates the From: address,
    // so the exception does not apply (a forger would write this).
    let unsigned = notary_letter(false);
    let r = send_one(g.smtp, "relais@esp-exemple.fr", &[COMPTA], &unsigned);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(3, WAIT);
    assert!(!got[2].data.ends_with(&unsigned), "held for compta too");
    let items = held(&g);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().any(|i| i["recipient"] == COMPTA));
}

#[test]
fn a_block_entry_refuses_at_smtp_time() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway_with_rules(&dns, &sink);
    // the envelope sender: refused at MAIL FROM
    let mut c = g.client();
    assert!(c.cmd("EHLO client.example").starts_with("250"));
    let r = c.cmd("MAIL FROM:<promo@spam-exemple.fr>");
    assert!(r.starts_with("550 5.7.1"), "{r}");
    // the From: address behind another envelope: refused after DATA
    let msg = from(
        "Promo <promo@news.spam-exemple.fr>",
        samples::message("Offre", &samples::text_part("Achetez.")),
    );
    let r = send_one(g.smtp, "bounce@esp-exemple.fr", &[AGENT], &msg);
    assert!(r.starts_with("550 5.7.1"), "{r}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(sink.messages().is_empty());
    assert!(held(&g).is_empty());
}

/// The admin adds an exception from an item page (HTTP, as the browser
/// posts the form), it is listed and audited, and the next letter from
/// the same authenticated sender is delivered; removing it holds again.
#[test]
fn an_admin_adds_an_exception_from_an_item_page() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway_with_rules(&dns, &sink);
    let signed = notary_letter(true);
    let r = send_one(g.smtp, "relais@esp-exemple.fr", &[AGENT], &signed);
    assert!(r.starts_with("250"), "{r}");
    sink.wait_for(1, WAIT);
    let items = held(&g);
    assert_eq!(items.len(), 1, "{items:?}");
    let id = items[0]["id"].as_str().unwrap().to_string();
    let admin = ecluse_tests::sign_in_local(g.admin, "secours", &ADMIN_PASSWORD.replace(' ', "+"));
    let page = ecluse_tests::http(g.admin, "GET", &format!("/admin/items/{id}"), &admin, None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("expéditeur vérifié"), "{}", page.body);
    assert!(page.body.contains("Toujours accepter « "), "{}", page.body);
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let answer = ecluse_tests::http(
        g.admin,
        "POST",
        &format!("/admin/items/{id}/rule"),
        &admin,
        Some(&format!(
            "csrf={csrf}&kind=allow&scope=domain&recipients=recipient&comment=actes"
        )),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let list = ecluse_tests::http(g.admin, "GET", "/admin/exceptions", &admin, None).body;
    assert!(
        list.contains("@notaire-exemple.fr") && list.contains(AGENT),
        "{list}"
    );
    let audit = ecluse_tests::http(g.admin, "GET", "/admin/audit", &admin, None).body;
    assert!(audit.contains("exception ou blocage ajouté"), "{audit}");
    // the next signed letter reaches the agent whole
    let r = send_one(g.smtp, "relais@esp-exemple.fr", &[AGENT], &signed);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(2, WAIT);
    assert!(got[1].data.ends_with(&signed), "{}", g.log());
    assert_eq!(held(&g).len(), 1);
    // removed: held again
    let rule_id = list
        .split("/admin/exceptions/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let answer = ecluse_tests::http(
        g.admin,
        "POST",
        &format!("/admin/exceptions/{rule_id}/delete"),
        &admin,
        Some(&format!("csrf={csrf}")),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let r = send_one(g.smtp, "relais@esp-exemple.fr", &[AGENT], &signed);
    assert!(r.starts_with("250"), "{r}");
    sink.wait_for(3, WAIT);
    assert_eq!(held(&g).len(), 2);
    // an unauthenticated sender's item offers no exception
    let forged = with_pdf("Le maire <maire@ville-exemple.fr>");
    send_one(g.smtp, "maire@ville-exemple.fr", &[AGENT], &forged);
    sink.wait_for(4, WAIT);
    let items = held(&g);
    let forged_item = items
        .iter()
        .find(|i| i["category"] == "spoofed_sender")
        .unwrap();
    let page = ecluse_tests::http(
        g.admin,
        "GET",
        &format!("/admin/items/{}", forged_item["id"].as_str().unwrap()),
        &admin,
        None,
    );
    assert!(
        page.body.contains("Pas d'exception possible"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("expéditeur non vérifié"),
        "{}",
        page.body
    );
}

/// One reading of `From:` for everything (red team, issue 28): a `From:`
/// whose first entry is only a phrase reading like the notary's address,
/// then the attacker's own authenticated address, must not borrow the
/// notary's exception, be shown as a verified sender, nor offer the
/// exception button; the same for the town's own address, a quoted-string
/// phrase and a group.
#[test]
fn a_phrase_in_from_borrows_no_exception_and_shows_no_verified_sender() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway_with_rules(&dns, &sink);
    const COMPTA: &str = "compta@ville-exemple.fr";
    let zip = |from_text: &str| {
        from(
            from_text,
            samples::with_attachment(
                "Acte de vente",
                "application/zip",
                "acte.zip",
                &samples::zip_flagged_encrypted(&[("acte.pdf", &samples::pdf("", &[]))]),
            ),
        )
    };
    let cases = [
        "=?utf-8?q?etude=40notaire-exemple=2Efr?=, attacker@attaquant-exemple.net",
        "\"etude@notaire-exemple.fr\", attacker@attaquant-exemple.net",
        "=?utf-8?q?maire=40ville-exemple=2Efr?=, attacker@attaquant-exemple.net",
        "Notaires: attacker@attaquant-exemple.net;",
        "attacker@attaquant-exemple.net, =?utf-8?q?etude=40notaire-exemple=2Efr?=",
    ];
    for (i, from_text) in cases.iter().enumerate() {
        let msg = zip(from_text);
        let r = send_one(g.smtp, "attacker@attaquant-exemple.net", &[COMPTA], &msg);
        assert!(r.starts_with("250"), "{from_text}: {r}");
        let got = sink.wait_for(i + 1, WAIT);
        assert!(
            !got[i].data.ends_with(&msg),
            "{from_text}: the encrypted ZIP went out under the notary's exception\n{}",
            g.log()
        );
    }
    let items = held(&g);
    assert_eq!(items.len(), cases.len(), "{items:?}");
    let admin = ecluse_tests::sign_in_local(g.admin, "secours", &ADMIN_PASSWORD.replace(' ', "+"));
    for it in &items {
        let cats: Vec<&str> = it["categories"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
            .unwrap_or_default();
        assert!(
            cats.contains(&"spoofed_sender") || it["category"] == "spoofed_sender",
            "no single From is a spoofed sender: {it}"
        );
        let id = it["id"].as_str().unwrap();
        let page = ecluse_tests::http(g.admin, "GET", &format!("/admin/items/{id}"), &admin, None);
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("expéditeur vérifié"),
            "a phrase shown as a verified sender: {}",
            page.body
        );
        assert!(
            page.body.contains("expéditeur non vérifié"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("Toujours accepter"),
            "the exception button offered for no single From: {}",
            page.body
        );
    }
    assert!(!g.log().contains("config-exception-1"), "{}", g.log());
}

/// Tricks from a red-team session: each gets its attachment held, and the
/// Authentication-Results field stays well formed whatever the sender writes.
#[test]
fn from_tricks_are_held_and_our_field_stays_well_formed() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // two From: fields naming the mayor
        (
            "two From fields",
            [
                b"From: maire@ville-exemple.fr\r\n".to_vec(),
                with_pdf("maire@ville-exemple.fr"),
            ]
            .concat(),
        ),
        // the partner's domain with its root dot
        (
            "root dot",
            with_pdf("Préfecture <courrier@prefecture-exemple.fr.>"),
        ),
        // the mayor's address as the display name of another address
        (
            "display name",
            with_pdf("\"maire@ville-exemple.fr\" <a@esp-exemple.fr>"),
        ),
    ];
    for (what, msg) in &cases {
        let r = send_one(g.smtp, "a@esp-exemple.fr", &[AGENT], msg);
        assert!(r.starts_with("250"), "{what}: {r}");
    }
    let got = sink.wait_for(cases.len(), WAIT);
    assert_eq!(got.len(), cases.len());
    let items = held(&g);
    assert_eq!(items.len(), cases.len(), "{items:?}\n{}", g.log());
    for it in &items {
        assert_eq!(it["category"], "spoofed_sender", "{items:?}");
    }
    // A DKIM selector and an EHLO name that would open a comment or escape
    // its end in our field.
    let mut c = g.client();
    assert!(c.cmd("EHLO evil\\(x;dmarc=pass").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<>").starts_with("250"));
    assert!(c.cmd(&format!("RCPT TO:<{AGENT}>")).starts_with("250"));
    assert!(c.cmd("DATA").starts_with("354"));
    let msg = [
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=ville-exemple.fr; s=sel(; h=from; bh=AAAA; b=AAAA\r\n".to_vec(),
        from("maire@ville-exemple.fr", samples::message("x", &samples::text_part("x"))),
    ]
    .concat();
    c.send_raw(&ecluse_tests::dot_stuff(&msg));
    assert!(c.reply().starts_with("250"));
    let got = sink.wait_for(cases.len() + 1, WAIT);
    let text = got.last().unwrap().text();
    let ar = ar_of(&text);
    assert!(!ar.contains('\\') && !ar.contains("sel("), "{ar}");
    assert_eq!(ar.matches('(').count(), ar.matches(')').count(), "{ar}");
    let received = &text[..text.find("Authentication-Results").unwrap()];
    assert!(
        !received.contains('\\') && !received.contains("(x;"),
        "{received}"
    );
}

/// `sp=none` on the organizational domain leaves its subdomains alone
/// (RFC 7489 §6.3, §6.6.3): a forged subdomain is delivered with its
/// `dmarc=fail`, the domain itself held.
#[test]
fn the_subdomain_policy_of_dmarc_is_read() {
    let rsa = rsa_key();
    let dns = dns(&rsa);
    let sink = Sink::start();
    let g = gateway(&dns, &sink);
    let sub = with_pdf("Agence <agence@paris.banque-exemple.fr>");
    let r = send_one(g.smtp, "a@esp-exemple.fr", &[AGENT], &sub);
    assert!(r.starts_with("250"), "{r}");
    let top = with_pdf("Banque <service@banque-exemple.fr>");
    let r = send_one(g.smtp, "a@esp-exemple.fr", &[AGENT], &top);
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(2, WAIT);
    assert_eq!(got.len(), 2);
    let items = held(&g);
    assert_eq!(items.len(), 1, "{items:?}\n{}", g.log());
    let shown = g
        .cli(&[
            "quarantine",
            "show",
            items[0]["id"].as_str().unwrap(),
            "--json",
        ])
        .1;
    assert!(shown.contains("service@banque-exemple.fr"), "{shown}");
    assert!(
        g.log()
            .contains("dmarc=fail (p=none) from_domain=paris.banque-exemple.fr"),
        "{}",
        g.log()
    );
}
