//! A commune joins without a restart (issue 29): `ecluse serve` with one
//! `[[tenant]]`; a second commune is added to the file and `ecluse reload`
//! applies it: mail for its domain is accepted and goes to its own server,
//! while an SMTP session opened before the reload completes. A policy
//! changed in the file (hold → reject) applies at the next reload; a
//! setting that takes a restart is named and left as it was; a broken file
//! makes `ecluse reload` exit 1 with the reason, and SIGHUP log it, while
//! the configuration in force goes on serving.

use ecluse_tests::{Gateway, Sink, samples, send_one};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// The service, Alpha, and Béta when `beta` names its server; Alpha's
/// macro documents as `macro_action` says.
fn config(alpha: &Sink, beta: Option<&Sink>, macro_action: &str, max_connections: u32) -> String {
    let mut text = format!(
        "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mx.syndicat-numerique.fr\"\nmax_message_size = \"2MiB\"\nsender_checks = false\nmax_connections = {max_connections}\n\n\
         [relay]\nretry_min = \"200ms\"\nretry_max = \"1s\"\n\n\
         [quarantine]\ndata_dir = \"data\"\n\n\
         [admin]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://127.0.0.1:8080\"\n\n\
         [[tenant]]\nid = \"alpha\"\nname = \"Mairie d'Alpha\"\ndomains = [\"ville-alpha.fr\"]\ndownstream = \"{a}\"\nnotice_contact = \"Accueil d'Alpha, 04 00 00 00 01\"\n\n\
         [tenant.policy]\nmacro = \"{macro_action}\"\n",
        a = alpha.addr,
    );
    if let Some(b) = beta {
        text.push_str(&format!(
            "\n[[tenant]]\nid = \"beta\"\nname = \"Mairie de Béta\"\ndomains = [\"ville-beta.fr\"]\ndownstream = \"{}\"\nnotice_contact = \"Secrétariat de Béta, 04 00 00 00 02\"\n",
            b.addr
        ));
    }
    text
}

fn plain(subject: &str) -> Vec<u8> {
    samples::message(subject, &samples::text_part("Bonjour")).into_bytes()
}

fn docm(subject: &str) -> Vec<u8> {
    samples::with_attachment(
        subject,
        "application/vnd.ms-word.document.macroEnabled.12",
        "facture.docm",
        &samples::docm("Facture"),
    )
    .into_bytes()
}

/// The decoded text parts of a message.
fn texts(data: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default().parse(data).unwrap();
    (0..parsed.text_body_count() + 3)
        .filter_map(|i| parsed.body_text(i).map(|t| t.into_owned()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until `sink` holds `n` messages; fails with the server's log.
fn wait_for(sink: &Sink, n: usize, g: &Gateway) -> Vec<ecluse_tests::Received> {
    let got = sink.wait_for(n, WAIT);
    assert!(
        got.len() >= n,
        "{} of {n} messages:\n{}",
        got.len(),
        g.log()
    );
    got
}

#[test]
fn a_commune_joins_a_policy_changes_and_a_broken_file_keeps_the_old_configuration() {
    let alpha = Sink::start();
    let beta = Sink::start();
    let mut g = Gateway::start_with(&config(&alpha, None, "quarantine", 2000));

    // Before: Béta's domain is not ours.
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-beta.fr"],
        &plain("Avant"),
    );
    assert!(r.starts_with("550"), "{r}");

    // A session opens and starts a transaction for Alpha before the reload.
    let mut early = g.client();
    assert!(early.cmd("EHLO early.example.org").starts_with("250"));
    assert!(early.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    assert!(
        early
            .cmd("RCPT TO:<agent@ville-alpha.fr>")
            .starts_with("250")
    );

    // Béta joins.
    std::fs::write(
        g.config_path(),
        config(&alpha, Some(&beta), "quarantine", 2000),
    )
    .unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 0, "{out}{err}\n{}", g.log());
    assert!(out.contains("tenants: added beta"), "{out}");
    assert!(!out.contains("not applied"), "{out}");

    // The session opened before finishes its transaction, then starts
    // another one, which sees Béta.
    assert!(early.cmd("DATA").starts_with("354"));
    early.send_raw(&ecluse_tests::dot_stuff(&plain("Pendant")));
    let r = early.reply();
    assert!(r.starts_with("250"), "{r}\n{}", g.log());
    let r = early.send(
        "a@example.org",
        &["accueil@ville-beta.fr"],
        &plain("Après, même session"),
    );
    assert!(r.starts_with("250"), "{r}\n{}", g.log());
    early.cmd("QUIT");
    let got = wait_for(&alpha, 1, &g);
    assert!(got[0].text().contains("Pendant"), "{}", got[0].text());

    // New sessions: Béta's mail goes to Béta's server, not Alpha's.
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-beta.fr"],
        &plain("Bienvenue"),
    );
    assert!(r.starts_with("250"), "{r}\n{}", g.log());
    let got = wait_for(&beta, 2, &g);
    assert!(
        got.iter()
            .all(|m| m.rcpts.iter().all(|r| r.ends_with("@ville-beta.fr")))
    );
    assert!(got.iter().any(|m| m.text().contains("Bienvenue")));
    assert_eq!(alpha.messages().len(), 1, "nothing of Béta's at Alpha's");
    // Béta's notices carry its own contact line.
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-beta.fr"],
        &docm("Facture Béta"),
    );
    assert!(r.starts_with("250"), "{r}");
    let got = wait_for(&beta, 3, &g);
    let notice = texts(&got.last().unwrap().data);
    assert!(notice.contains("Secrétariat de Béta"), "{notice}");

    // Alpha's macro documents: held now, refused after the file says so.
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-alpha.fr"],
        &docm("Tenue"),
    );
    assert!(r.starts_with("250"), "{r}");
    std::fs::write(g.config_path(), config(&alpha, Some(&beta), "reject", 2000)).unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("tenants: changed alpha"), "{out}");
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-alpha.fr"],
        &docm("Refusée"),
    );
    assert!(
        r.starts_with("550") || r.starts_with("554"),
        "{r}\n{}",
        g.log()
    );
    // Béta's policy did not change.
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-beta.fr"],
        &docm("Tenue chez Béta"),
    );
    assert!(r.starts_with("250"), "{r}");

    // A setting read once at start is named and left as it was.
    std::fs::write(g.config_path(), config(&alpha, Some(&beta), "reject", 10)).unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("[smtp] max_connections: changed in the file, not applied")
            && out.contains("restart"),
        "{out}"
    );

    // A file that is not TOML: exit 1 with the reason; nothing changes.
    std::fs::write(g.config_path(), "[smtp\nlisten = ").unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("configuration error") && err.contains("line"),
        "{err}"
    );
    // A file that is TOML but wrong: the server is asked, says why, keeps
    // what it has; SIGHUP logs it.
    let broken = config(&alpha, Some(&beta), "reject", 2000).replace(
        &format!("downstream = \"{}\"", beta.addr),
        "downstream = \"pas-un-serveur\"",
    );
    std::fs::write(g.config_path(), broken).unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("keeps the configuration in force")
            && err.contains("downstream")
            && err.contains("pas-un-serveur"),
        "{err}"
    );
    let pid = g.pid().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    while !g.log().contains("reload failed") {
        assert!(start.elapsed() < WAIT, "{}", g.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(g.log().contains("pas-un-serveur"), "{}", g.log());
    // The configuration in force serves on: Béta's mail to Béta's server,
    // Alpha's macro documents refused.
    let before = beta.messages().len();
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-beta.fr"],
        &plain("Toujours là"),
    );
    assert!(r.starts_with("250"), "{r}\n{}", g.log());
    let got = wait_for(&beta, before + 1, &g);
    assert!(got.iter().any(|m| m.text().contains("Toujours là")));
    let r = send_one(
        g.smtp,
        "a@example.org",
        &["agent@ville-alpha.fr"],
        &docm("Encore refusée"),
    );
    assert!(r.starts_with("5"), "{r}");
    assert_eq!(g.stop(), Some(0), "{}", g.log());
}
