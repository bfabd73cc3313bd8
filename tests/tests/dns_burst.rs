//! A burst of mail from one sender domain costs the DNS one query per
//! name, not one per message (issue 28): the real `ecluse serve` asks
//! its SPF and DMARC questions through [`DroppingResolver`], our loopback
//! proxy in front of dnsmasq, which counts every query it is sent.
//! Concurrent identical lookups wait for one answer, and a name without
//! a record (NXDOMAIN) is not asked again while its negative answer lasts
//! (RFC 2308).

use ecluse_tests::dns::{Dns, DroppingResolver, TXT};
use ecluse_tests::{Client, Gateway, Sink, dot_stuff};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";
const WAIT: Duration = Duration::from_secs(60);
/// How many messages a burst sends at once.
const BURST: usize = 32;

/// - association-exemple.fr: SPF for 127.0.0.0/8 and DMARC `p=none`;
/// - sans-dmarc-exemple.fr: SPF for 127.0.0.0/8, no DMARC record (its
///   `_dmarc` name is NXDOMAIN, as for many small senders).
fn dns() -> Dns {
    Dns::start(
        &["association-exemple.fr", "sans-dmarc-exemple.fr"],
        &[
            ("association-exemple.fr", "v=spf1 ip4:127.0.0.0/8 -all"),
            ("_dmarc.association-exemple.fr", "v=DMARC1; p=none"),
            ("sans-dmarc-exemple.fr", "v=spf1 ip4:127.0.0.0/8 -all"),
        ],
    )
}

fn gateway(resolver: &DroppingResolver, sink: &Sink) -> Gateway {
    Gateway::start(
        sink.addr,
        &format!(
            "dns_resolvers = [\"{}\"]\nsender_check_timeout = \"10s\"",
            resolver.addr
        ),
    )
}

fn letter(sender: &str, n: usize) -> Vec<u8> {
    format!(
        "From: Lettre <{sender}>\r\nTo: <{AGENT}>\r\nSubject: Lettre {n}\r\nMessage-ID: <{n}.burst@test>\r\n\r\nBonjour, lettre {n}.\r\n"
    )
    .into_bytes()
}

/// `BURST` sessions that each reach DATA, then all send their message at
/// the same moment; every reply.
fn burst(g: &Gateway, sender: &str) -> Vec<String> {
    let ready = Arc::new(Barrier::new(BURST));
    let sessions: Vec<_> = (0..BURST)
        .map(|n| {
            let (smtp, sender, ready) = (g.smtp, sender.to_string(), ready.clone());
            std::thread::spawn(move || {
                let mut c = Client::connect(smtp);
                c.cmd("EHLO client.example.org");
                assert!(c.cmd(&format!("MAIL FROM:<{sender}>")).starts_with("250"));
                assert!(c.cmd(&format!("RCPT TO:<{AGENT}>")).starts_with("250"));
                assert!(c.cmd("DATA").starts_with("354"));
                ready.wait();
                c.send_raw(&dot_stuff(&letter(&sender, n)));
                let r = c.reply();
                c.cmd("QUIT");
                r
            })
        })
        .collect();
    sessions.into_iter().map(|s| s.join().unwrap()).collect()
}

fn seen(resolver: &DroppingResolver) -> String {
    format!("{:?}", resolver.counts())
}

#[test]
fn a_burst_from_one_domain_asks_each_name_once() {
    let dns = dns();
    let resolver = DroppingResolver::start(dns.addr, 0);
    let sink = Sink::start();
    let g = gateway(&resolver, &sink);
    let replies = burst(&g, "lettre@association-exemple.fr");
    for r in &replies {
        assert!(r.starts_with("250"), "{r}");
    }
    let got = sink.wait_for(BURST, WAIT);
    assert_eq!(got.len(), BURST, "{}", g.log());
    for m in &got {
        let text = m.text();
        assert!(
            text.contains("spf=pass") && text.contains("dmarc=pass"),
            "every waiter is served the one answer:\n{text}"
        );
    }
    // Today's gateway asks 32 times each.
    for name in ["association-exemple.fr", "_dmarc.association-exemple.fr"] {
        assert!(
            resolver.queries(name, TXT) <= 2,
            "{name} TXT asked {} times for a burst of {BURST}: {}",
            resolver.queries(name, TXT),
            seen(&resolver)
        );
    }
}

#[test]
fn a_domain_without_dmarc_is_asked_once_not_per_message() {
    let dns = dns();
    let resolver = DroppingResolver::start(dns.addr, 0);
    let sink = Sink::start();
    let g = gateway(&resolver, &sink);
    let sender = "lettre@sans-dmarc-exemple.fr";
    let replies = burst(&g, sender);
    for r in &replies {
        assert!(r.starts_with("250"), "{r}");
    }
    assert_eq!(sink.wait_for(BURST, WAIT).len(), BURST, "{}", g.log());
    let nx = "_dmarc.sans-dmarc-exemple.fr";
    assert_eq!(
        resolver.queries(nx, TXT),
        1,
        "NXDOMAIN asked more than once for a burst: {}",
        seen(&resolver)
    );
    assert!(
        resolver.queries("sans-dmarc-exemple.fr", TXT) <= 2,
        "{}",
        seen(&resolver)
    );
    // Later messages, one at a time: the negative answer is still good
    // (RFC 2308 §5), nothing is asked again.
    for n in 0..5 {
        let mut c = Client::connect(g.smtp);
        c.cmd("EHLO client.example.org");
        let r = c.send(sender, &[AGENT], &letter(sender, 100 + n));
        assert!(r.starts_with("250"), "{r}");
        c.cmd("QUIT");
    }
    let got = sink.wait_for(BURST + 5, WAIT);
    assert_eq!(got.len(), BURST + 5);
    assert!(
        got.iter().all(|m| m.text().contains("dmarc=none")),
        "no record, no DMARC result"
    );
    assert_eq!(
        resolver.queries(nx, TXT),
        1,
        "NXDOMAIN asked again for later messages: {}",
        seen(&resolver)
    );
}

#[test]
fn a_lossy_resolver_costs_a_burst_one_retry_not_one_per_message() {
    let dns = dns();
    // every second query lost: of the burst's first two (SPF, DMARC), one
    // goes unanswered until the resolver's retry, 3 s later
    let resolver = DroppingResolver::start(dns.addr, 2);
    let sink = Sink::start();
    let g = gateway(&resolver, &sink);
    let started = std::time::Instant::now();
    let replies = burst(&g, "lettre@association-exemple.fr");
    let took = started.elapsed();
    for r in &replies {
        assert!(r.starts_with("250"), "{r}");
    }
    let got = sink.wait_for(BURST, WAIT);
    assert_eq!(got.len(), BURST, "{}", g.log());
    for m in &got {
        let text = m.text();
        assert!(
            text.contains("spf=pass") && text.contains("dmarc=pass"),
            "the retry's answer serves every waiter:\n{text}\n{}",
            seen(&resolver)
        );
    }
    for name in ["association-exemple.fr", "_dmarc.association-exemple.fr"] {
        assert!(
            resolver.queries(name, TXT) <= 2,
            "{name} TXT asked {} times: {}",
            resolver.queries(name, TXT),
            seen(&resolver)
        );
    }
    assert_eq!(
        resolver.totals().1,
        1,
        "one query lost: {}",
        seen(&resolver)
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}
