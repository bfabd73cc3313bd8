//! Several `ecluse serve` nodes on one PostgreSQL database: a throwaway
//! server made by `initdb` ([`ecluse_tests::postgres`]), three nodes with
//! `[store] backend = "postgres"`, one downstream sink. Mail sent to every
//! node is delivered once; a node killed with `kill -9` in the middle of a
//! burst loses nothing that got a `250`; PostgreSQL stopped (fast, then
//! immediate) during a burst gives `451` and nothing is lost once it is
//! back; two admins releasing the same item on two nodes give one
//! delivery; an item held on a node that is down is released from another
//! node's web UI.

use ecluse_tests::postgres::Postgres;
use ecluse_tests::{Gateway, Sink};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "une phrase de passe de secours";
const WAIT: Duration = Duration::from_secs(90);

/// A node's configuration: the common one, PostgreSQL, a short lease (a
/// dead node's deliveries are taken over after 3 s) and the break-glass
/// admin for the web UI.
fn node(pg: &Postgres, sink: &Sink) -> Gateway {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| ecluse_tests::hash_password(ADMIN_PASSWORD));
    Gateway::start_with(&format!(
        "{}\n[admin.local]\nusername = \"secours\"\npassword_hash = \"{hash}\"\n\n\
         [store]\nbackend = \"postgres\"\nurl = \"{}\"\ndelivery_lease = \"3s\"\npool_size = 8\n",
        Gateway::config_text(sink.addr, ""),
        pg.url()
    ))
}

fn plain(seq: usize) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: agent@ville-exemple.fr\r\nSubject: lettre {seq}\r\nX-Seq: {seq}\r\nMessage-ID: <{seq}@example.org>\r\n\r\nBonjour, lettre {seq}.\r\n"
    )
    .into_bytes()
}

/// A message whose attachment is held (an executable).
fn with_exe(seq: usize) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: agent@ville-exemple.fr\r\nSubject: facture {seq}\r\nX-Seq: {seq}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoici.\r\n--b\r\nContent-Type: application/octet-stream; name=\"facture.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==\r\n--b--\r\n"
    )
    .into_bytes()
}

/// One SMTP transaction; `Err` when the connection fails (a node killed).
/// Returns the final reply, or the first refusal.
fn send(addr: SocketAddr, message: &[u8]) -> std::io::Result<String> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut w = s.try_clone()?;
    let mut r = BufReader::new(s);
    let mut reply = || -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other(format!(
                    "connection closed after {all:?}"
                )));
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return Ok(all);
            }
        }
    };
    reply()?;
    for (line, want) in [
        ("EHLO client.example.org", "250"),
        ("MAIL FROM:<a@example.org>", "250"),
        ("RCPT TO:<agent@ville-exemple.fr>", "250"),
        ("DATA", "354"),
    ] {
        w.write_all(format!("{line}\r\n").as_bytes())?;
        let got = reply()?;
        if !got.starts_with(want) {
            return Ok(got);
        }
    }
    w.write_all(&ecluse_tests::dot_stuff(message))?;
    let got = reply()?;
    let _ = w.write_all(b"QUIT\r\n");
    Ok(got)
}

/// How many times the sink received each `X-Seq`.
fn seqs(sink: &Sink) -> HashMap<usize, usize> {
    let mut out = HashMap::new();
    for m in sink.messages() {
        let text = m.text();
        if let Some(n) = text
            .lines()
            .find_map(|l| l.strip_prefix("X-Seq: "))
            .and_then(|n| n.trim().parse().ok())
        {
            *out.entry(n).or_default() += 1;
        }
    }
    out
}

/// Waits until the sink holds every sequence number in `want`.
fn wait_for_seqs(sink: &Sink, want: &[usize], nodes: &[&Gateway]) -> HashMap<usize, usize> {
    let start = Instant::now();
    loop {
        let got = seqs(sink);
        if want.iter().all(|n| got.contains_key(n)) {
            return got;
        }
        if start.elapsed() > WAIT {
            let missing: Vec<_> = want.iter().filter(|n| !got.contains_key(n)).collect();
            let logs: Vec<String> = nodes.iter().map(|g| g.log()).collect();
            panic!(
                "{} of {} messages that got a 250 never arrived: {missing:?}\n{}",
                missing.len(),
                want.len(),
                logs.join("\n-----\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn held_ids(g: &Gateway) -> Vec<String> {
    let (code, list, err) = g.cli(&["quarantine", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    list.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a csrf field")
        .to_string()
}

/// Mail to each of three nodes is delivered once; two admins on two nodes
/// release the same item at once and one delivery goes out; an item held
/// on node A is released from node B's web UI while A is down.
#[test]
fn three_nodes_one_quarantine() {
    let pg = Postgres::start();
    let sink = Sink::start();
    let mut nodes: Vec<Gateway> = (0..3).map(|_| node(&pg, &sink)).collect();
    let mut sent = Vec::new();
    for seq in 0..60 {
        let r = send(nodes[seq % 3].smtp, &plain(seq)).unwrap();
        assert!(r.starts_with("250"), "node {}: {r}", seq % 3);
        sent.push(seq);
    }
    let refs: Vec<&Gateway> = nodes.iter().collect();
    let got = wait_for_seqs(&sink, &sent, &refs);
    std::thread::sleep(Duration::from_secs(2));
    let got2 = seqs(&sink);
    assert_eq!(got, got2);
    let dups: Vec<_> = got.iter().filter(|(_, n)| **n != 1).collect();
    assert!(dups.is_empty(), "delivered more than once: {dups:?}");

    // Two admins, on nodes B and C, release the same item at once.
    let r = send(nodes[0].smtp, &with_exe(1000)).unwrap();
    assert!(r.starts_with("250"), "{r}");
    wait_for_seqs(&sink, &[1000], &refs);
    let ids = held_ids(&nodes[1]);
    assert_eq!(ids.len(), 1, "every node sees the item held on A");
    let id = ids[0].clone();
    let password = ADMIN_PASSWORD.replace(' ', "+");
    let sessions: Vec<(SocketAddr, String, String)> = [1, 2]
        .iter()
        .map(|&n| {
            let addr = nodes[n].admin;
            let cookie = ecluse_tests::sign_in_local(addr, "secours", &password);
            let page =
                ecluse_tests::http(addr, "GET", &format!("/admin/items/{id}"), &cookie, None);
            assert_eq!(page.status, 200, "{}", page.body);
            let csrf = csrf_of(&page.body);
            (addr, cookie, csrf)
        })
        .collect();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let answers: Vec<u16> = sessions
        .into_iter()
        .map(|(addr, cookie, csrf)| {
            let (barrier, id) = (barrier.clone(), id.clone());
            std::thread::spawn(move || {
                barrier.wait();
                ecluse_tests::http(
                    addr,
                    "POST",
                    &format!("/admin/items/{id}/decide"),
                    &cookie,
                    Some(&format!("csrf={csrf}&action=release&comment=attendu")),
                )
                .status
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [303, 409],
        "one release, one 'changed state': {answers:?}"
    );
    let released = |sink: &Sink| {
        sink.messages()
            .iter()
            .filter(|m| m.text().contains("X-Ecluse-Released:") && m.text().contains("X-Seq: 1000"))
            .count()
    };
    let start = Instant::now();
    while released(&sink) == 0 && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(released(&sink), 1, "one release delivered");

    // An item held on A, released from B's web UI while A is down.
    let r = send(nodes[0].smtp, &with_exe(1001)).unwrap();
    assert!(r.starts_with("250"), "{r}");
    wait_for_seqs(&sink, &[1001], &refs);
    nodes[0].kill9();
    let id = held_ids(&nodes[1])
        .into_iter()
        .find(|i| *i != id)
        .expect("the second item");
    let addr = nodes[1].admin;
    let cookie = ecluse_tests::sign_in_local(addr, "secours", &password);
    let page = ecluse_tests::http(addr, "GET", &format!("/admin/items/{id}"), &cookie, None);
    assert!(page.body.contains("facture.exe"), "{}", page.body);
    let answer = ecluse_tests::http(
        addr,
        "POST",
        &format!("/admin/items/{id}/decide"),
        &cookie,
        Some(&format!(
            "csrf={}&action=release&comment=ok",
            csrf_of(&page.body)
        )),
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let start = Instant::now();
    let from_b = |sink: &Sink| {
        sink.messages()
            .iter()
            .filter(|m| m.text().contains("X-Ecluse-Released:") && m.text().contains("X-Seq: 1001"))
            .count()
    };
    while from_b(&sink) == 0 && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(from_b(&sink), 1, "{}", nodes[1].log());
    // Every node's audit chain is the same one, and it verifies.
    let (code, out, err) = nodes[2].cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    drop(nodes);
}

/// A burst of 300 messages over three nodes; node A is killed with
/// `kill -9` a third of the way in. Every message that got a `250` is
/// delivered; duplicates are possible only for deliveries A had in flight.
#[test]
fn a_node_killed_during_a_burst_loses_nothing() {
    let pg = Postgres::start();
    let sink = Sink::start();
    let mut nodes: Vec<Gateway> = (0..3).map(|_| node(&pg, &sink)).collect();
    let addrs: Vec<SocketAddr> = nodes.iter().map(|g| g.smtp).collect();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let addrs = addrs.clone();
            std::thread::spawn(move || {
                let mut accepted = Vec::new();
                for i in 0..100 {
                    let seq = t * 100 + i;
                    // Each client keeps to its node, then moves on when the
                    // node is gone, as a sending MTA moves to the next MX.
                    for k in 0..3 {
                        match send(addrs[(t + k) % 3], &plain(seq)) {
                            Ok(r) if r.starts_with("250") => {
                                accepted.push(seq);
                                break;
                            }
                            Ok(r) if r.starts_with('4') => continue,
                            Ok(r) => panic!("message {seq}: {r}"),
                            Err(_) => continue,
                        }
                    }
                }
                accepted
            })
        })
        .collect();
    // Kill A once a third of the burst is in.
    let start = Instant::now();
    while sink.messages().len() < 100 && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(5));
    }
    nodes[0].kill9();
    let accepted: Vec<usize> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        accepted.len() >= 290,
        "only {} of 300 accepted",
        accepted.len()
    );
    let refs: Vec<&Gateway> = nodes.iter().collect();
    let got = wait_for_seqs(&sink, &accepted, &refs);
    let dups = got.values().filter(|n| **n > 1).count();
    // At most what A could have had in flight ([relay] concurrency 16).
    assert!(dups <= 16, "{dups} duplicates");
    eprintln!(
        "kill -9 during the burst: {} of 300 accepted, all delivered, {dups} duplicate(s)",
        accepted.len()
    );
}

/// PostgreSQL stopped during a burst (fast, then immediate): SMTP answers
/// `451` while it is down, never `250`; once it is back every node
/// recovers by itself and every `250` is delivered.
#[test]
fn postgres_stopped_during_a_burst_gives_451_and_loses_nothing() {
    let pg = Postgres::start();
    let sink = Sink::start();
    let nodes: Vec<Gateway> = (0..2).map(|_| node(&pg, &sink)).collect();
    let refs: Vec<&Gateway> = nodes.iter().collect();
    let password = ADMIN_PASSWORD.replace(' ', "+");
    let admin = ecluse_tests::sign_in_local(nodes[0].admin, "secours", &password);
    let mut accepted = Vec::new();
    let mut seq = 0;
    for mode in ["fast", "immediate"] {
        for _ in 0..40 {
            let r = send(nodes[seq % 2].smtp, &plain(seq)).unwrap();
            assert!(r.starts_with("250"), "{r}");
            accepted.push(seq);
            seq += 1;
        }
        pg.stop(mode);
        for _ in 0..6 {
            let r = send(nodes[seq % 2].smtp, &plain(seq)).unwrap();
            assert!(
                r.starts_with("451 4.3.0"),
                "with PostgreSQL down ({mode}): {r}"
            );
            seq += 1;
        }
        // The UI says so plainly.
        let page = ecluse_tests::http(nodes[0].admin, "GET", "/admin", &admin, None);
        assert_eq!(page.status, 503, "{}", page.body);
        assert!(
            page.body.contains("Base de données injoignable"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Rien n'est perdu"), "{}", page.body);
        let health = ecluse_tests::http(nodes[0].admin, "GET", "/healthz", "", None);
        assert_eq!(health.status, 503, "{}", health.body);
        assert!(
            health.body.contains("store: postgres down"),
            "{}",
            health.body
        );
        pg.start_again();
        // Each node finds the database again by itself.
        let start = Instant::now();
        let mut up = false;
        while !up && start.elapsed() < WAIT {
            match send(nodes[seq % 2].smtp, &plain(seq)) {
                Ok(r) if r.starts_with("250") => {
                    accepted.push(seq);
                    up = true;
                }
                _ => std::thread::sleep(Duration::from_millis(500)),
            }
            seq += 1;
        }
        assert!(up, "no node recovered:\n{}", nodes[0].log());
        for _ in 0..20 {
            let r = send(nodes[seq % 2].smtp, &plain(seq)).unwrap();
            assert!(r.starts_with("250"), "after the restart ({mode}): {r}");
            accepted.push(seq);
            seq += 1;
        }
    }
    wait_for_seqs(&sink, &accepted, &refs);
    let health = ecluse_tests::http(nodes[1].admin, "GET", "/healthz", "", None);
    assert_eq!(health.status, 200, "{}", health.body);
    // The session made before the outages still holds: it is in the database.
    let page = ecluse_tests::http(nodes[1].admin, "GET", "/admin", &admin, None);
    assert_eq!(page.status, 200, "{}", page.body);
}

fn check_config(config: &std::path::Path) -> std::process::Output {
    std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(["check-config", "--config"])
        .arg(config)
        .output()
        .unwrap()
}

/// `[store]` mistakes are named with the key and what to write; a good
/// PostgreSQL configuration is shown without its password, however the
/// URL gives it; a second `serve` on a data directory in use is refused.
#[test]
fn store_configuration_mistakes_are_named() {
    let sink = Sink::start();
    let running = Gateway::start(sink.addr, "");
    let out = std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(["serve", "--config"])
        .arg(running.config_path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another `ecluse serve` uses this data directory"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let base = Gateway::config_text(sink.addr, "");
    for (store, want) in [
        (
            "backend = \"mysql\"",
            "[store] backend: `mysql` is not a store backend",
        ),
        (
            "backend = \"postgres\"",
            "[store] url: backend = \"postgres\" needs the database's URL",
        ),
        (
            "url = \"postgres://x@y/z\"",
            "[store] url: is for backend = \"postgres\"",
        ),
        (
            "backend = \"postgres\"\nurl = \"::nonsense\"",
            "[store] url: not a PostgreSQL URL",
        ),
        (
            "backend = \"postgres\"\nurl = \"postgres://a@b/c\"\ndelivery_lease = \"1s\"",
            "[store] delivery_lease: must be at least 3s",
        ),
        (
            "backend = \"postgres\"\nurl = \"postgres://a@b/c\"\nhost = \"b\"",
            "unknown key `host`",
        ),
        (
            "backend = \"postgres\"\nurl = \"postgres://a@b/c\"\nca_file = \"/etc/hostname\"",
            "[store] ca_file: /etc/hostname: no PEM certificate in it",
        ),
        (
            "backend = \"postgres\"\nurl = \"postgres://a@b/c\"\npassword_file = \"/nonexistent/pw\"",
            "[store] password_file: cannot read /nonexistent/pw",
        ),
    ] {
        let config = dir.path().join("ecluse.toml");
        std::fs::write(&config, format!("{base}\n[store]\n{store}\n")).unwrap();
        let out = check_config(&config);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{store}: {err}");
        assert!(err.contains(want), "{store}: {err}");
    }
    for (url, shown) in [
        (
            "postgres://ecluse:s3cret@db1:5432,db2:5432/ecluse?target_session_attrs=read-write",
            "quarantine in PostgreSQL postgres://ecluse@db1:5432,db2:5432/ecluse",
        ),
        (
            "postgres://ecluse@db1/ecluse?password=s3cret",
            "quarantine in PostgreSQL postgres://ecluse@db1:5432/ecluse",
        ),
        (
            "host=db1 port=6432 user=ecluse password=s3cret dbname=ecluse",
            "quarantine in PostgreSQL postgres://ecluse@db1:6432/ecluse",
        ),
    ] {
        let config = dir.path().join("ecluse.toml");
        std::fs::write(
            &config,
            format!("{base}\n[store]\nbackend = \"postgres\"\nurl = \"{url}\"\n"),
        )
        .unwrap();
        let out = check_config(&config);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(shown), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    drop(running);
}

/// A town on sled moves to the cluster as `docs/cluster.md` says: stop,
/// add `[store]`, `ecluse store copy --from sled --to postgres`, start.
/// The held item, its bytes and the audit chain are there, and a node on
/// PostgreSQL releases it. `ecluse migrate` says where the schema stands.
#[test]
fn a_sled_town_moves_to_postgres_with_store_copy() {
    let pg = Postgres::start();
    let sink = Sink::start();
    let mut town = Gateway::start(sink.addr, "");
    let r = send(town.smtp, &with_exe(7)).unwrap();
    assert!(r.starts_with("250"), "{r}");
    sink.wait_for(1, WAIT);
    let ids = held_ids(&town);
    assert_eq!(ids.len(), 1);
    assert_eq!(town.stop(), Some(0));
    let config = std::fs::read_to_string(town.config_path()).unwrap();
    std::fs::write(
        town.config_path(),
        format!(
            "{config}\n[store]\nbackend = \"postgres\"\nurl = \"{}\"\n",
            pg.url()
        ),
    )
    .unwrap();
    let (code, out, err) = town.cli(&["migrate"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("schema at version 1"), "{out}");
    let (code, out, err) = town.cli(&["store", "copy", "--from", "sled", "--to", "postgres"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 held items"), "{out}");
    assert!(out.contains("every chain verified"), "{out}");
    // A second copy into the now full database is refused, and says why.
    let (code, _, err) = town.cli(&["store", "copy", "--from", "sled", "--to", "postgres"]);
    assert_eq!(code, 1);
    assert!(err.contains("nothing was copied"), "{err}");
    assert!(err.contains("cannot merge"), "{err}");
    // The sled files go: what follows can only come from PostgreSQL.
    std::fs::remove_dir_all(town.data_dir().join("db")).unwrap();
    std::fs::remove_dir_all(town.data_dir().join("spool")).unwrap();
    town.restart();
    assert_eq!(held_ids(&town), ids);
    let (code, out, err) = town.cli(&["quarantine", "release", &ids[0], "--comment", "attendu"]);
    assert_eq!(code, 0, "{out}{err}");
    let got = sink.wait_for(2, WAIT);
    assert!(
        got[1].text().contains("facture.exe"),
        "the original, released"
    );
    let (code, out, err) = town.cli(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !town.data_dir().join("db").exists(),
        "no sled store was made again"
    );
}
