//! Recipient verification at `RCPT`, end to end: the real `ecluse serve`
//! asking a downstream SMTP server (callout) or reading a list.

use ecluse_tests::{Gateway, Sink, free_addr, samples};
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";
const UNKNOWN: &str = "inconnu@ville-exemple.fr";

fn callout(downstream: std::net::SocketAddr) -> Gateway {
    Gateway::start(downstream, "verify_recipients = \"callout\"")
}

/// One transaction for `rcpt`: the `RCPT` reply when it is refused,
/// else the reply to the message.
fn send(g: &Gateway, rcpt: &str) -> String {
    let mut c = g.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    let r = c.cmd(&format!("RCPT TO:<{rcpt}>"));
    if !r.starts_with("250") {
        return r;
    }
    assert!(c.cmd("DATA").starts_with("354"));
    c.send_raw(&ecluse_tests::dot_stuff(&letter()));
    c.reply()
}

fn letter() -> Vec<u8> {
    samples::message("Bonjour", &samples::text_part("Bonjour,\r\nà demain.\r\n")).into_bytes()
}

#[test]
fn an_unknown_recipient_is_refused_at_rcpt_and_nothing_is_queued_for_it() {
    let sink = Sink::start();
    sink.refuse.lock().unwrap().push(UNKNOWN.into());
    let g = callout(sink.addr);
    let mut c = g.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    let known = c.cmd(&format!("RCPT TO:<{AGENT}>"));
    assert!(known.starts_with("250"), "{known}");
    let unknown = c.cmd(&format!("RCPT TO:<{UNKNOWN}>"));
    assert!(unknown.starts_with("550 5.1.1"), "{unknown}");
    assert!(
        unknown.contains("no such user"),
        "the downstream's words: {unknown}"
    );
    // postmaster is never verified (RFC 5321 §4.5.1).
    assert!(
        c.cmd("RCPT TO:<postmaster@ville-exemple.fr>")
            .starts_with("250")
    );
    assert!(c.cmd("DATA").starts_with("354"));
    c.send_raw(&ecluse_tests::dot_stuff(&letter()));
    assert!(c.reply().starts_with("250"));
    let got = sink.wait_for(1, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    assert!(
        !got[0].rcpts.contains(&UNKNOWN.to_string()),
        "{:?}",
        got[0].rcpts
    );
    assert!(
        got[0].rcpts.contains(&AGENT.to_string()),
        "{:?}",
        got[0].rcpts
    );
    // The unknown address is remembered: the town's server is not asked
    // again (a new refusal there would not change the answer).
    sink.refuse.lock().unwrap().clear();
    let again = send(&g, UNKNOWN);
    assert!(again.starts_with("550 5.1.1"), "{again}");
    let (_, check, _) = g.cli(&["check-config"]);
    assert!(
        check.contains("recipients: verified at RCPT by asking"),
        "{check}"
    );
}

#[test]
fn a_downstream_that_is_down_gets_451_and_then_the_answer_counts() {
    let down = free_addr();
    let g = callout(down);
    let reply = send(&g, AGENT);
    assert!(
        reply.starts_with("451 4.4.1"),
        "never accepted unverified: {reply}"
    );
    // Why is in the log, not in the reply (it names the internal server).
    assert!(!reply.contains("127.0.0.1"), "{reply}");
    assert!(g.log().contains("cannot connect"), "{}", g.log());
    // Nothing was cached from the failure: once the server is up, it is asked.
    let sink = Sink::start_on(down);
    let reply = send(&g, AGENT);
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(sink.wait_for(1, Duration::from_secs(30)).len(), 1);
}

#[test]
fn answers_survive_a_restart_of_ecluse() {
    let sink = Sink::start();
    sink.refuse.lock().unwrap().push(UNKNOWN.into());
    let mut g = callout(sink.addr);
    for (rcpt, code) in [(AGENT, "250"), (UNKNOWN, "550")] {
        let r = send(&g, rcpt);
        assert!(r.starts_with(code), "{rcpt}: {r}");
    }
    assert_eq!(sink.wait_for(1, Duration::from_secs(30)).len(), 1);
    drop(sink);
    g.stop();
    g.restart();
    // The town's server is down now: the cached answers still hold, and an
    // address never asked about waits.
    let mut c = g.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    let r = c.cmd(&format!("RCPT TO:<{UNKNOWN}>"));
    assert!(r.starts_with("550 5.1.1"), "{r}");
    let r = c.cmd("RCPT TO:<nouvelle@ville-exemple.fr>");
    assert!(r.starts_with("451 4.4.1"), "{r}");
    let r = c.cmd(&format!("RCPT TO:<{AGENT}>"));
    assert!(r.starts_with("250"), "{r}");
}

#[test]
fn the_list_is_read_again_when_it_changes() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("recipients.txt"),
        format!("# les agents\n{AGENT}\n@annexe.ville-exemple.fr\n"),
    )
    .unwrap();
    let config = Gateway::config_text(
        sink.addr,
        "verify_recipients = \"list\"\nrecipients_file = \"recipients.txt\"\naccepted_domains = [\"ville-exemple.fr\", \"annexe.ville-exemple.fr\"]",
    )
    .replace("accepted_domains = [\"ville-exemple.fr\"]\n", "");
    let g = Gateway::start_in(dir, &config);
    let send = |rcpt: &str| send(&g, rcpt);
    assert!(send(AGENT).starts_with("250"));
    assert!(send("qui.que.ce.soit@annexe.ville-exemple.fr").starts_with("250"));
    let r = send("nouvelle@ville-exemple.fr");
    assert!(
        r.starts_with("550 5.1.1") && r.contains("recipients list"),
        "{r}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        g.dir.path().join("recipients.txt"),
        format!("{AGENT}\nnouvelle@ville-exemple.fr\n"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    assert!(send("nouvelle@ville-exemple.fr").starts_with("250"));
    assert_eq!(sink.wait_for(3, Duration::from_secs(30)).len(), 3);
    // A broken list is reported by check-config, naming the line.
    std::fs::write(g.dir.path().join("recipients.txt"), "pas une adresse\n").unwrap();
    let (code, _, err) = g.cli(&["check-config"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("recipients_file") && err.contains("line 1"),
        "{err}"
    );
    // The running server keeps the list it had.
    std::thread::sleep(Duration::from_millis(2100));
    assert!(send(AGENT).starts_with("250"));
}

#[test]
fn an_address_that_would_add_parameters_or_another_address_is_refused() {
    let sink = Sink::start();
    let g = callout(sink.addr);
    let mut c = g.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    // A quoted local part that, written back unquoted, would close the path
    // and name someone else (found by trying it against Postfix).
    let r = c.cmd("MAIL FROM:<\"x@example.org> RET=FULL\"@example.org>");
    assert!(r.starts_with("553 5.1.7"), "{r}");
    assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    for rcpt in [
        "\"victim@example.net> ORCPT=rfc822;x\"@ville-exemple.fr",
        "\"victim@example.net>\"@ville-exemple.fr",
        "\"a b\"@ville-exemple.fr",
    ] {
        let r = c.cmd(&format!("RCPT TO:<{rcpt}>"));
        assert!(r.starts_with("553 5.1.3"), "{rcpt}: {r}");
    }
    assert!(c.cmd(&format!("RCPT TO:<{AGENT}>")).starts_with("250"));
    assert!(c.cmd("DATA").starts_with("354"));
    c.send_raw(&ecluse_tests::dot_stuff(&letter()));
    assert!(c.reply().starts_with("250"));
    let got = sink.wait_for(1, Duration::from_secs(30));
    assert_eq!(got[0].rcpts, vec![AGENT.to_string()]);
}

/// Directory harvest (red team, issue 28: one client learned about 380
/// addresses a second): in a session, unknown recipients past the third
/// are answered slowly (tarpit), and a client told about
/// `unknown_recipient_limit` unknown addresses gets `450 4.7.1` for every
/// `RCPT` after that, whatever connection it uses, learning nothing more.
#[test]
fn a_client_probing_addresses_is_slowed_then_deferred() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("recipients.txt"), format!("{AGENT}\n")).unwrap();
    let config = Gateway::config_text(
        sink.addr,
        "verify_recipients = \"list\"\nrecipients_file = \"recipients.txt\"\nunknown_recipient_limit = 6",
    );
    let g = Gateway::start_in(dir, &config);
    // One session: the first two unknown answers come at once, the next
    // ones each wait a second.
    let mut c = g.client();
    assert!(c.cmd("EHLO sender.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    let started = std::time::Instant::now();
    for i in 0..2 {
        let r = c.cmd(&format!("RCPT TO:<probe{i}@ville-exemple.fr>"));
        assert!(r.starts_with("550 5.1.1"), "{r}");
    }
    let fast = started.elapsed();
    for i in 2..4 {
        let r = c.cmd(&format!("RCPT TO:<probe{i}@ville-exemple.fr>"));
        assert!(r.starts_with("550 5.1.1"), "{r}");
    }
    assert!(
        started.elapsed() - fast >= Duration::from_secs(2),
        "unknown recipients past the third are not slowed: {:?}",
        started.elapsed()
    );
    drop(c);
    // New connections do not start the count again.
    for i in 4..6 {
        let r = send(&g, &format!("probe{i}@ville-exemple.fr"));
        assert!(r.starts_with("550 5.1.1"), "{r}");
    }
    for rcpt in ["probe6@ville-exemple.fr", AGENT] {
        let r = send(&g, rcpt);
        assert!(
            r.starts_with("450 4.7.1"),
            "past the limit the client learns nothing, known or not: {r}"
        );
    }
    let metrics = ecluse_tests::http(g.admin, "GET", "/metrics", "", None).body;
    assert!(
        metrics.contains("ecluse_smtp_harvest_deferred_total"),
        "{metrics}"
    );
}
