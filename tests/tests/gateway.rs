//! `ecluse serve` end to end: the real binary on 127.0.0.1:0, a temp data
//! directory, a real SMTP sink downstream, a real SMTP client.

use ecluse_quarantine::{ItemFilter, QueueId, Store};
use ecluse_tests::{Gateway, Sink, free_addr, samples, send_one};
use mail_parser::MimeHeaders;
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";
const WAIT: Duration = Duration::from_secs(30);

fn clean_message() -> Vec<u8> {
    samples::with_attachment(
        "Compte rendu du conseil",
        "application/pdf",
        "compte-rendu.pdf",
        &samples::pdf("", &[]),
    )
    .into_bytes()
}

fn queue_id(reply: &str) -> QueueId {
    reply
        .split_whitespace()
        .nth(2)
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no queue id in {reply:?}"))
}

#[test]
fn clean_mail_arrives_byte_identical_after_our_received_line() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let msg = clean_message();
    let reply = send_one(gw.smtp, "mairie@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let data = &got[0].data;
    assert!(data.starts_with(b"Received: from client.example.org ([127.0.0.1])\r\n\tby mx.ville-exemple.fr (Ecluse) with ESMTP id "), "{}", got[0].text());
    assert!(data.ends_with(&msg), "the message body changed on the way");
    let received_len = data.len() - msg.len();
    assert!(
        !data[..received_len].windows(4).any(|w| w == b"\r\n\r\n"),
        "only header lines were added"
    );
    assert_eq!(got[0].rcpts, vec![AGENT.to_string()]);
    assert_eq!(got[0].mail_from, "mairie@example.org");

    // The metrics count it.
    let metrics = http_get(gw.admin, "/metrics");
    assert!(
        metrics.contains("ecluse_messages_total{action=\"delivered\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("ecluse_scan_seconds_bucket"), "{metrics}");
    assert!(
        metrics.contains("ecluse_smtp_connections_total"),
        "{metrics}"
    );
}

#[test]
fn authentication_results_claiming_our_name_are_removed_and_others_kept() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let clean = clean_message();
    let forged_line = b"Authentication-Results: MX.ville-exemple.fr;\r\n\tdkim=pass header.d=prefecture.gouv.fr\r\n";
    let theirs = b"Authentication-Results: mx.exemple.org; spf=pass smtp.mailfrom=exemple.org\r\n";
    let mut msg = forged_line.to_vec();
    msg.extend_from_slice(theirs);
    msg.extend_from_slice(&clean);
    let reply = send_one(gw.smtp, "mairie@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let text = got[0].text();
    assert!(!text.contains("prefecture.gouv.fr"), "{text}");
    // Everything else arrives byte for byte after our Received line.
    let mut kept = theirs.to_vec();
    kept.extend_from_slice(&clean);
    assert!(got[0].data.ends_with(&kept), "{text}");
    assert!(
        gw.log().contains("removed Authentication-Results"),
        "{}",
        gw.log()
    );
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Held mail is private to the service's user whatever the umask `ecluse
/// serve` inherits (red team, issue 28: outside the Debian package the data
/// directory, the store and the spool were 0755/0644).
#[test]
fn held_mail_is_readable_by_the_service_user_only_whatever_the_umask() {
    // SAFETY: sets this test process's file mode mask, which the server
    // started below inherits; a shell's usual value.
    unsafe {
        libc::umask(0o022);
    }
    let sink = Sink::start();
    let mut gw = Gateway::start(sink.addr, "");
    let msg = samples::with_attachment(
        "Facture",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "facture.docx",
        &samples::docm("Facture"),
    )
    .into_bytes();
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250"), "{reply}");
    sink.wait_for(1, WAIT);
    assert_eq!(gw.stop(), Some(0), "{}", gw.log());
    use std::os::unix::fs::PermissionsExt;
    let mut open = Vec::new();
    let mut seen = 0;
    let mut dirs = vec![gw.data_dir()];
    while let Some(dir) = dirs.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open.push(format!("{} {mode:o}", dir.display()));
        }
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                dirs.push(e.path());
            } else {
                seen += 1;
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    open.push(format!("{} {mode:o}", e.path().display()));
                }
            }
        }
    }
    assert!(seen > 3, "the data directory holds the store and the spool");
    assert!(open.is_empty(), "readable by others: {open:?}");
}

#[test]
fn a_macro_document_arrives_as_a_notice_and_the_original_is_kept() {
    let sink = Sink::start();
    let mut gw = Gateway::start(sink.addr, "");
    let msg = samples::with_attachment(
        "Facture de décembre",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "facture.docx",
        &samples::docm("Facture"),
    )
    .into_bytes();
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let qid = queue_id(&reply);
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let delivered = mail_parser::MessageParser::default()
        .parse(&got[0].data)
        .unwrap();
    // The text part is still there, byte for byte; the attachment is a notice.
    assert!(
        delivered
            .attachments()
            .all(|a| a.attachment_name() != Some("facture.docx"))
    );
    let notice = (0..delivered.text_body_count() + 2)
        .filter_map(|i| delivered.body_text(i))
        .find(|t| t.contains("Pièce jointe retenue"))
        .unwrap_or_else(|| panic!("no notice in {}", got[0].text()));
    assert!(notice.contains("« facture.docx »"), "{notice}");
    assert!(notice.contains("document avec macros"), "{notice}");
    let link = notice
        .split_whitespace()
        .find(|w| w.starts_with("https://quarantaine.ville-exemple.fr/q/"))
        .expect("a link in the notice");
    let item_id = link
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .expect("an item id in the link");

    // The store, opened once the server is stopped, has the item and the original.
    assert_eq!(gw.stop(), Some(0), "{}", gw.log());
    let store = Store::open(&gw.data_dir()).unwrap();
    let item = store.item(item_id).unwrap();
    assert_eq!(item.queue_id, qid);
    assert_eq!(item.recipient, AGENT);
    assert_eq!(item.category.as_str(), "macro");
    assert_eq!(
        item.part.as_ref().unwrap().filename.as_deref(),
        Some("facture.docx")
    );
    assert_eq!(store.message_bytes(qid).unwrap(), msg);
    assert_eq!(
        store
            .items(&ItemFilter {
                recipient: Some(AGENT.into()),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );
    let report = store.report(qid).unwrap();
    assert!(report.categories.iter().any(|c| c.as_str() == "macro"));
}

#[test]
fn eicar_in_a_zip_is_refused_with_550_and_nothing_is_stored() {
    let sink = Sink::start();
    let mut gw = Gateway::start(sink.addr, "");
    let zip = samples::zip(&[("lisez-moi.com", &samples::eicar())]);
    let msg =
        samples::with_attachment("Document", "application/zip", "documents.zip", &zip).into_bytes();
    let reply = send_one(gw.smtp, "x@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("550 5.7.1 "), "{reply}");
    assert!(reply.contains("known malicious content"), "{reply}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(sink.messages().is_empty());
    gw.stop();
    let store = Store::open(&gw.data_dir()).unwrap();
    assert!(store.items(&ItemFilter::default()).unwrap().is_empty());
    assert_eq!(store.queue_len(), 0);
}

#[test]
fn relaying_to_other_domains_is_refused() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let mut c = gw.client();
    assert!(c.cmd("EHLO spammer.example").starts_with("250"));
    assert!(c.cmd("MAIL FROM:<spam@example.org>").starts_with("250"));
    let r = c.cmd("RCPT TO:<victim@gmail.com>");
    assert!(r.starts_with("550 5.7.1 "), "{r}");
    let r = c.cmd("RCPT TO:<agent@ville-exemple.fr.evil.com>");
    assert!(r.starts_with("550 5.7.1 "), "{r}");
    let r = c.cmd("RCPT TO:<\"agent@ville-exemple.fr\"@evil.com>");
    assert!(
        r.starts_with("550") || r.starts_with("501") || r.starts_with("553"),
        "{r}"
    );
    let r = c.cmd("DATA");
    assert!(r.starts_with("554 5.5.1"), "{r}");
}

/// Each smuggling variant hides a second message behind a fake end of
/// data. The gateway must refuse the message, and nothing smuggled may
/// reach the downstream server.
#[test]
fn smtp_smuggling_variants_deliver_nothing_smuggled() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let variants: [&[u8]; 6] = [
        b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\r", b"\r.\r\n", b"\r\n.\n",
    ];
    for (i, fake_end) in variants.iter().enumerate() {
        let mut c = gw.client();
        c.cmd("EHLO client.example.org");
        assert!(c.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
        assert!(c.cmd(&format!("RCPT TO:<{AGENT}>")).starts_with("250"));
        assert!(c.cmd("DATA").starts_with("354"));
        let mut data = format!("Subject: legit {i}\r\n\r\nhello").into_bytes();
        data.extend_from_slice(fake_end);
        data.extend_from_slice(format!("MAIL FROM:<ceo@ville-exemple.fr>\r\nRCPT TO:<{AGENT}>\r\nDATA\r\nSubject: SMUGGLED {i}\r\n\r\npay now\r\n.\r\n").as_bytes());
        c.send_raw(&data);
        let r = c.reply();
        assert!(r.starts_with("550 5.5.2"), "variant {fake_end:?}: {r}");
        // Whatever the client pipelines next cannot start a message without MAIL.
        let r = c.cmd("DATA");
        assert!(r.starts_with("503"), "variant {fake_end:?}: {r}");
        c.cmd("QUIT");
    }
    // A clean message after them goes through, and only it.
    let r = send_one(
        gw.smtp,
        "a@example.org",
        &[AGENT],
        b"Subject: after\r\n\r\nok\r\n",
    );
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(1, WAIT);
    std::thread::sleep(Duration::from_millis(300));
    let got_all = sink.messages();
    assert_eq!(
        got_all.len(),
        1,
        "{:?}",
        got_all.iter().map(|m| m.text()).collect::<Vec<_>>()
    );
    assert!(got[0].text().contains("Subject: after"));
    assert!(!got_all.iter().any(|m| m.text().contains("SMUGGLED")));
}

#[test]
fn oversize_messages_are_refused_declared_or_not() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let mut c = gw.client();
    let ehlo = c.cmd("EHLO client.example.org");
    assert!(ehlo.contains("250-SIZE 2097152"), "{ehlo}");
    let r = c.cmd("MAIL FROM:<a@example.org> SIZE=3000000");
    assert!(r.starts_with("552 5.3.4"), "{r}");
    let big = format!(
        "Subject: big\r\n\r\n{}",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(40_000)
    );
    let r = c.send("a@example.org", &[AGENT], big.as_bytes());
    assert!(r.starts_with("552 5.3.4"), "{r}");
    // The session goes on.
    let r = c.send("a@example.org", &[AGENT], b"Subject: small\r\n\r\nok\r\n");
    assert!(r.starts_with("250"), "{r}");
    assert_eq!(sink.wait_for(1, WAIT).len(), 1);
}

#[test]
fn mail_waits_while_the_downstream_is_down_and_arrives_when_it_is_up() {
    let downstream = free_addr();
    let gw = Gateway::start(downstream, "");
    let msg = clean_message();
    let r = send_one(gw.smtp, "a@example.org", &[AGENT], &msg);
    assert!(r.starts_with("250"), "{r}");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(gw.log().contains("deferred"), "{}", gw.log());
    let sink = Sink::start_on(downstream);
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    assert!(got[0].data.ends_with(&msg));
}

/// Without sender checks nobody knows whether the envelope sender is
/// forged: a permanent refusal downstream is logged and counted, and no
/// DSN is sent (no backscatter). `senders.rs` shows the DSN going back to
/// an authenticated sender.
#[test]
fn a_permanent_refusal_downstream_makes_no_dsn_without_sender_checks() {
    let sink = Sink::start();
    sink.refuse
        .lock()
        .unwrap()
        .push("parti@ville-exemple.fr".into());
    let gw = Gateway::start(sink.addr, "");
    let r = send_one(
        gw.smtp,
        "alice@example.org",
        &["parti@ville-exemple.fr", AGENT],
        b"Subject: two\r\n\r\nhello\r\n",
    );
    assert!(r.starts_with("250"), "{r}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got[0].rcpts, vec![AGENT.to_string()]);
    let deadline = std::time::Instant::now() + WAIT;
    while !gw.log().contains("no DSN to the sender") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = gw.log();
    assert!(
        log.contains("bounced") && log.contains("parti@ville-exemple.fr"),
        "{log}"
    );
    assert!(
        log.contains("no DSN to the sender") && log.contains("sender_not_authenticated"),
        "{log}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sink.messages().len(), 1, "no DSN");
}

/// `kill -9` while 200 messages are being sent, then a restart: every
/// message that got `250` is delivered. Duplicates are possible only for
/// deliveries in flight at the kill; the test counts them.
#[test]
fn kill_9_during_a_burst_loses_no_accepted_message() {
    let sink = Sink::start();
    let mut gw = Gateway::start(sink.addr, "");
    let addr = gw.smtp;
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let senders: Vec<_> = (0..8)
        .map(|t| {
            let count = count.clone();
            std::thread::spawn(move || {
                let mut accepted = Vec::new();
                for i in 0..25 {
                    let tag = format!("burst-{t}-{i}");
                    let msg = format!(
                        "Subject: {tag}\r\nMessage-ID: <{tag}@example.org>\r\n\r\n{}\r\n",
                        "x".repeat(2000)
                    );
                    if let Some(r) =
                        ecluse_tests::try_send_one(addr, "a@example.org", AGENT, msg.as_bytes())
                        && r.starts_with("250")
                    {
                        accepted.push(tag);
                        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                accepted
            })
        })
        .collect();
    // Kill while the burst is in full swing: a quarter of it accepted.
    let start = std::time::Instant::now();
    while count.load(std::sync::atomic::Ordering::SeqCst) < 50
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    gw.kill9();
    let accepted: Vec<String> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    assert!(
        accepted.len() >= 50,
        "only {} accepted before the kill",
        accepted.len()
    );
    assert!(accepted.len() < 200, "the kill came after the burst");
    gw.restart();
    let start = std::time::Instant::now();
    let missing = loop {
        let got: Vec<String> = sink.messages().iter().map(|m| m.text()).collect();
        let missing: Vec<&String> = accepted
            .iter()
            .filter(|t| !got.iter().any(|m| m.contains(&format!("Subject: {t}\r\n"))))
            .collect();
        if missing.is_empty() || start.elapsed() > Duration::from_secs(60) {
            break missing.into_iter().cloned().collect::<Vec<_>>();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        missing.is_empty(),
        "{} accepted messages lost: {missing:?}\n{}",
        missing.len(),
        gw.log()
    );
    let got = sink.messages();
    let mut subjects: Vec<String> = got
        .iter()
        .map(|m| {
            m.text()
                .lines()
                .find(|l| l.starts_with("Subject: "))
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let total = subjects.len();
    subjects.sort();
    subjects.dedup();
    let duplicates = total - subjects.len();
    eprintln!(
        "kill -9 burst: {} accepted with 250, {} delivered, {} duplicates",
        accepted.len(),
        total,
        duplicates
    );
    // Only deliveries in flight at the kill can be sent twice: at most the relay's concurrency.
    assert!(duplicates <= 16, "{duplicates} duplicates");
}

#[test]
fn sigterm_answers_421_to_open_sessions_and_exits_cleanly() {
    let sink = Sink::start();
    let mut gw = Gateway::start(sink.addr, "");
    let mut c = gw.client();
    assert!(c.cmd("EHLO client.example.org").starts_with("250"));
    let stopper = std::thread::spawn(move || {
        let code = gw.stop();
        (code, gw)
    });
    let r = c.reply();
    assert!(r.starts_with("421 4.3.2"), "{r}");
    let (code, gw) = stopper.join().unwrap();
    assert_eq!(code, Some(0), "{}", gw.log());
}

/// Terminal injection (red team, issue 28): a sender's subject and file
/// name carrying escape sequences, a bell and a right-to-left override
/// reach the admin's terminal through `ecluse quarantine list/show` only
/// as visible `\u{…}` text.
#[test]
fn the_cli_prints_no_control_character_of_a_sender() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let msg = samples::with_attachment(
        "=?utf-8?q?Facture_=1B]0;pwned=07_=1B[2J?=",
        "application/vnd.ms-word.document.macroEnabled.12",
        "=?utf-8?q?fac=1B[31mture=E2=80=AEmcod=E2=80=A8=E2=80=8B.docm?=",
        &samples::docm("Facture"),
    )
    .into_bytes();
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250"), "{reply}");
    sink.wait_for(1, WAIT);
    let (code, list, err) = gw.cli(&["quarantine", "list"]);
    assert_eq!(code, 0, "{err}");
    let id = list
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("one item listed")
        .to_string();
    let (code, show, err) = gw.cli(&["quarantine", "show", &id]);
    assert_eq!(code, 0, "{err}");
    for out in [&list, &show] {
        assert!(
            !out.contains('\u{1b}')
                && !out.contains('\u{7}')
                && !out.contains('\u{202e}')
                && !out.contains('\u{2028}')
                && !out.contains('\u{200b}'),
            "{out:?}"
        );
    }
    assert!(show.contains("\\u{1b}]0;pwned\\u{7}"), "{show}");
    assert!(show.contains("\\u{202e}"), "{show}");
}

/// The notice keys of a single town at the top of the file (issue 29:
/// one key scheme for a town and its communes), and the zone of dates.
const TOWN_NOTICE_KEYS: &str = "time_zone = \"Europe/Paris\"\nnotice_contact = \"Service informatique, 04 73 00 00 00\"\nnotice_help = \"Si vous attendiez ce fichier, appelez-nous.\"\n";

/// « 06/01/2027 » for `days` from now in Paris, for now and a minute
/// later (a test that runs across midnight sees either).
fn paris_days_from_now(days: i64) -> [String; 2] {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let day = |extra: i64| {
        (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days + extra))
            .to_zoned(tz.clone())
            .strftime("%d/%m/%Y")
            .to_string()
    };
    [day(0), day(1)]
}

/// A held macro document in a message whose body is HTML (multipart/
/// alternative, as Outlook and webmails send): the town's server gets the
/// same RFC 2046 tree, the notice at the top of the HTML body (Outlook
/// shows only the body inline) and, in the held file's place, a text
/// notice attached under a name that says which file it stands for, not
/// `ATT00001.txt`; both give the date it is kept until in Paris time, what
/// to do and whom to call.
#[test]
fn an_html_message_gets_its_notice_in_the_body_and_a_named_notice_part() {
    let sink = Sink::start();
    let config = format!("{TOWN_NOTICE_KEYS}{}", Gateway::config_text(sink.addr, ""));
    let gw = Gateway::start_with(&config);
    let docm = samples::docm("Facture");
    use base64::Engine as _;
    let docm_b64 = base64::engine::general_purpose::STANDARD.encode(&docm);
    let msg = format!(
        "From: Fournisseur <fournisseur@example.org>\r\n\
         To: {AGENT}\r\n\
         Subject: Facture de =?utf-8?q?d=C3=A9cembre?=\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mix\"\r\n\
         \r\n\
         --mix\r\n\
         Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
         \r\n\
         --alt\r\n\
         Content-Type: text/plain; charset=windows-1252\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         \r\n\
         Bonjour, voici la facture de d=E9cembre.\r\n\
         --alt\r\n\
         Content-Type: text/html; charset=windows-1252\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         \r\n\
         <html><head><meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3Dwindows-1252\"></head><body lang=3D\"FR\">\r\n\
         <p>Bonjour, voici la facture de d=E9cembre.</p>\r\n\
         </body></html>\r\n\
         --alt--\r\n\
         \r\n\
         --mix\r\n\
         Content-Type: application/vnd.ms-word.document.macroEnabled.12; name=\"facture.docm\"\r\n\
         Content-Disposition: attachment; filename=\"facture.docm\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {docm_b64}\r\n\
         --mix--\r\n"
    );
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], msg.as_bytes());
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].data)
        .unwrap();
    // The tree: mixed { alternative { text/plain, text/html }, text/plain attachment }.
    let ctype = |i: usize| {
        let ct = parsed.parts[i].content_type().unwrap();
        format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
    };
    let mail_parser::PartType::Multipart(top) = &parsed.parts[0].body else {
        panic!("not multipart: {}", got[0].text());
    };
    assert_eq!(ctype(0), "multipart/mixed");
    assert_eq!(top.len(), 2, "{}", got[0].text());
    let (alt, notice) = (top[0] as usize, top[1] as usize);
    assert_eq!(ctype(alt), "multipart/alternative");
    let mail_parser::PartType::Multipart(alts) = &parsed.parts[alt].body else {
        panic!("no alternative");
    };
    assert_eq!(alts.len(), 2);
    assert_eq!(ctype(alts[0] as usize), "text/plain");
    assert_eq!(ctype(alts[1] as usize), "text/html");
    // The plain alternative is untouched.
    assert!(
        got[0].text().contains("Bonjour, voici la facture de d=E9cembre.\r\n--alt"),
        "{}",
        got[0].text()
    );
    // The HTML body: the notice first, in its own charset (kept), then the letter.
    let html_part = &parsed.parts[alts[1] as usize];
    assert_eq!(
        html_part.content_type().unwrap().attribute("charset"),
        Some("windows-1252")
    );
    let html = html_part.text_contents().unwrap();
    let body_at = html.find("<body lang=\"FR\">").expect(html);
    let notice_at = html.find("ecluse-notice").expect(html);
    let letter_at = html.find("<p>Bonjour, voici la facture de décembre.</p>").expect(html);
    assert!(body_at < notice_at && notice_at < letter_at, "{html}");
    let kept = paris_days_from_now(30);
    for needle in [
        "Pi&#xE8;ce jointe retenue par &#xC9;cluse",
        "facture.docm",
        "document avec macros",
        "un administrateur examinera votre demande",
        "https://quarantaine.ville-exemple.fr/q/",
        "(heure de Paris), puis supprim&#xE9;e.",
        "Contactez : Service informatique, 04 73 00 00 00",
        "Si vous attendiez ce fichier, appelez-nous.",
        "Attachment held by &#xC9;cluse",
        "(Paris time), then deleted.",
    ] {
        assert!(html.contains(needle), "{needle:?} not in {html}");
    }
    assert!(
        kept.iter().any(|d| html.contains(&format!("conserv&#xE9;e jusqu&#39;au {d} "))),
        "{kept:?} not in {html}"
    );
    // In the held file's place: a text notice, attached under its own name.
    let part = &parsed.parts[notice];
    assert_eq!(ctype(notice), "text/plain");
    let disposition = part.content_disposition().expect("a disposition");
    assert!(disposition.is_attachment(), "{}", got[0].text());
    assert_eq!(part.attachment_name(), Some("facture.docm (retenue).txt"));
    let text = part.text_contents().unwrap();
    assert!(text.contains("Fichier : « facture.docm »"), "{text}");
    assert!(
        kept.iter().any(|d| text.contains(&format!("La pièce jointe est conservée jusqu'au {d} "))),
        "{kept:?} not in {text}"
    );
    assert!(text.contains(" (heure de Paris), puis supprimée."), "{text}");
    assert!(text.contains("Une question ? Contactez : Service informatique, 04 73 00 00 00"), "{text}");
    assert!(text.contains("Any question? Contact: Service informatique"), "{text}");
    assert!(!text.contains("(s)"), "{text}");
}

/// A plain-text message keeps its notice inline, read below the text, with
/// the same lines (no HTML anywhere: the message had none).
#[test]
fn a_plain_text_message_gets_an_inline_notice_with_the_retention_and_contact() {
    let sink = Sink::start();
    let config = format!("{TOWN_NOTICE_KEYS}{}", Gateway::config_text(sink.addr, ""));
    let gw = Gateway::start_with(&config);
    let msg = samples::with_attachment(
        "Facture",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "facture.docx",
        &samples::docm("Facture"),
    );
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], msg.as_bytes());
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].data)
        .unwrap();
    assert!(
        !got[0].text().to_ascii_lowercase().contains("text/html"),
        "{}",
        got[0].text()
    );
    let part = parsed
        .parts
        .iter()
        .find(|p| p.headers.iter().any(|h| h.name.as_str() == "X-Ecluse-Held"))
        .expect("a notice part");
    assert!(
        part.content_disposition().is_some_and(|d| d.ctype() == "inline"),
        "{}",
        got[0].text()
    );
    let text = part.text_contents().unwrap();
    let kept = paris_days_from_now(30);
    assert!(
        kept.iter().any(|d| text.contains(&format!("conservée jusqu'au {d} "))),
        "{kept:?} not in {text}"
    );
    assert!(text.contains("Contactez : Service informatique, 04 73 00 00 00"), "{text}");
    assert!(text.contains("demandez-le ici"), "{text}");
}

/// A message held whole: the notice mail gives its dates as « 07/12/2026
/// 14:15 (heure de Paris) », never RFC 3339, the reasons in words (never
/// the category ids), what to do, how long it is kept and whom to call.
#[test]
fn the_held_whole_notice_gives_paris_dates_words_and_whom_to_call() {
    let sink = Sink::start();
    let config = format!("{TOWN_NOTICE_KEYS}{}", Gateway::config_text(sink.addr, ""));
    let gw = Gateway::start_with(&config);
    // Two Content-Type fields on the message: readers may differ on its
    // structure, so the whole message is held.
    let msg = "From: Fournisseur <fournisseur@example.org>\r\n\
               To: agent@ville-exemple.fr\r\n\
               Subject: Conseil municipal\r\n\
               Date: Mon, 7 Dec 2026 12:00:00 +0000\r\n\
               MIME-Version: 1.0\r\n\
               Content-Type: text/plain\r\n\
               Content-Type: multipart/mixed; boundary=b\r\n\
               \r\n\
               --b\r\n\
               Content-Type: text/plain\r\n\
               \r\n\
               Bonjour\r\n\
               --b--\r\n";
    let reply = send_one(gw.smtp, "fournisseur@example.org", &[AGENT], msg.as_bytes());
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let got = sink.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{}", gw.log());
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].data)
        .unwrap();
    assert!(
        parsed.subject().unwrap_or("").starts_with("Message retenu / Message held"),
        "{}",
        got[0].text()
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("Envoyé le : 07/12/2026 13:00 (heure de Paris)"), "{text}");
    assert!(text.contains("Sent: 2026-12-07 13:00 (Paris time)"), "{text}");
    assert!(text.contains("Reçu le : ") && text.contains("Received: "), "{text}");
    assert!(text.contains("Raison : structure du message ambiguë"), "{text}");
    assert!(!text.contains("mime_ambiguity") && !text.contains("+00:00"), "{text}");
    assert!(text.contains("demandez-le ici"), "{text}");
    let kept = paris_days_from_now(30);
    assert!(
        kept.iter().any(|d| text.contains(&format!("Le message est conservé jusqu'au {d} "))),
        "{kept:?} not in {text}"
    );
    assert!(text.contains("Une question ? Contactez : Service informatique, 04 73 00 00 00"), "{text}");
    assert!(text.contains("Si vous attendiez ce fichier, appelez-nous."), "{text}");
}

/// The greeting and the EHLO answer are plain ASCII lines that name us
/// and the extensions, nothing else (RFC 5321 §4.1.1.1, §4.2).
#[test]
fn the_greeting_and_the_ehlo_answer_are_plain() {
    let sink = Sink::start();
    let gw = Gateway::start(sink.addr, "");
    let mut c = ecluse_tests::Client::connect(gw.smtp);
    assert_eq!(c.greeting, "220 mx.ville-exemple.fr ESMTP Ecluse\r\n");
    let ehlo = c.cmd("EHLO client.example.org");
    assert_eq!(
        ehlo,
        "250-mx.ville-exemple.fr greets client.example.org\r\n\
         250-SIZE 2097152\r\n\
         250-8BITMIME\r\n\
         250-PIPELINING\r\n\
         250-ENHANCEDSTATUSCODES\r\n\
         250 SMTPUTF8\r\n"
    );
    assert!(ehlo.is_ascii());
    assert!(c.cmd("QUIT").starts_with("221"));
}

/// An unknown `time_zone` stops check-config with the key and what to write.
#[test]
fn check_config_names_an_unknown_time_zone() {
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecluse.toml");
    let text = format!("time_zone = \"Europe/Pariss\"\n{}", Gateway::config_text(sink.addr, ""));
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("time_zone: `Europe/Pariss` is not a time zone this machine knows")
            && err.contains("\"Europe/Paris\""),
        "{err}"
    );
    // The same file with a known zone passes.
    let text = format!("time_zone = \"Indian/Reunion\"\n{}", Gateway::config_text(sink.addr, ""));
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
