//! A DNS resolver of our own on loopback that loses queries: a UDP proxy
//! in front of a real DNS server (the tests' dnsmasq, [`super::Dns`]) that
//! forwards every query and its answer unchanged, except one in every `n`,
//! which it drops as a congested resolver or a lossy path does (the client
//! then waits for its timeout). It counts the queries it was sent per
//! (name, type), dropped ones included: what a burst of mail costs the
//! resolver.
//!
//! Only the standard library, so that `bench/smtp-load` compiles this very
//! file alone (`rustc -O tests/src/dns_drop.rs`, see [`main`]) and measures
//! with the resolver the end-to-end tests use.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The DNS type code of TXT (RFC 1035 §3.2.2).
pub const TXT: u16 = 16;

/// What the proxy saw.
#[derive(Default)]
struct Seen {
    /// Queries per (name in lower case without the root dot, type).
    queries: Mutex<HashMap<(String, u16), u64>>,
    total: AtomicU64,
    dropped: AtomicU64,
}

/// A running proxy; stopped when dropped.
pub struct DroppingResolver {
    /// `127.0.0.1:port`, for `[smtp] dns_resolvers`.
    pub addr: SocketAddr,
    seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl DroppingResolver {
    /// Forwards the queries sent to a fresh loopback port to `upstream`,
    /// dropping one in every `one_in` (the `one_in`-th, the `2 × one_in`-th
    /// …; 0 drops none).
    pub fn start(upstream: SocketAddr, one_in: u64) -> DroppingResolver {
        DroppingResolver::start_on("127.0.0.1:0".parse().unwrap(), upstream, one_in)
    }

    /// [`DroppingResolver::start`] on `listen`.
    pub fn start_on(listen: SocketAddr, upstream: SocketAddr, one_in: u64) -> DroppingResolver {
        let front = UdpSocket::bind(listen).expect("binding the dropping resolver");
        let addr = front.local_addr().unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(upstream).unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
        }
        let seen = Arc::new(Seen::default());
        let stop = Arc::new(AtomicBool::new(false));
        // Our own query ids towards upstream → (client, the client's id).
        let pending: Arc<Mutex<HashMap<u16, (SocketAddr, [u8; 2], Instant)>>> = Arc::default();
        let front = Arc::new(front);
        let back = Arc::new(back);
        let queries = {
            let (front, back, seen, stop, pending) = (
                front.clone(),
                back.clone(),
                seen.clone(),
                stop.clone(),
                pending.clone(),
            );
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut next_id: u16 = 0;
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, client)) = front.recv_from(&mut buf) else {
                        continue;
                    };
                    let query = &mut buf[..n];
                    let Some(key) = question(query) else {
                        continue;
                    };
                    let k = seen.total.fetch_add(1, Ordering::Relaxed) + 1;
                    *seen.queries.lock().unwrap().entry(key).or_insert(0) += 1;
                    if one_in > 0 && k % one_in == 0 {
                        seen.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    next_id = next_id.wrapping_add(1);
                    {
                        let mut p = pending.lock().unwrap();
                        // answers that never came: forgotten after a minute
                        if p.len() > 4096 {
                            p.retain(|_, (_, _, at)| at.elapsed() < Duration::from_secs(60));
                        }
                        p.insert(next_id, (client, [query[0], query[1]], Instant::now()));
                    }
                    query[..2].copy_from_slice(&next_id.to_be_bytes());
                    let _ = back.send(query);
                }
            })
        };
        let answers = {
            let (front, back, stop, pending) =
                (front.clone(), back.clone(), stop.clone(), pending.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    let Ok(n) = back.recv(&mut buf) else {
                        continue;
                    };
                    if n < 12 {
                        continue;
                    }
                    let id = u16::from_be_bytes([buf[0], buf[1]]);
                    let Some((client, client_id, _)) = pending.lock().unwrap().remove(&id) else {
                        continue;
                    };
                    buf[..2].copy_from_slice(&client_id);
                    let _ = front.send_to(&buf[..n], client);
                }
            })
        };
        DroppingResolver {
            addr,
            seen,
            stop,
            threads: vec![queries, answers],
        }
    }

    /// How many queries for `name` (any case, with or without the root
    /// dot) of type `qtype` it was sent, dropped ones included.
    pub fn queries(&self, name: &str, qtype: u16) -> u64 {
        let key = (name.trim_end_matches('.').to_ascii_lowercase(), qtype);
        self.seen
            .queries
            .lock()
            .unwrap()
            .get(&key)
            .copied()
            .unwrap_or(0)
    }

    /// Every (name, type) it was asked and how many times, most first.
    pub fn counts(&self) -> Vec<((String, u16), u64)> {
        let mut all: Vec<_> = self
            .seen
            .queries
            .lock()
            .unwrap()
            .iter()
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all
    }

    /// Queries received, and how many of them were dropped.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.seen.total.load(Ordering::Relaxed),
            self.seen.dropped.load(Ordering::Relaxed),
        )
    }
}

impl Drop for DroppingResolver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The question of a query: its name, lower case, without the root dot,
/// and its type; `None` for what is not a one-question query.
fn question(msg: &[u8]) -> Option<(String, u16)> {
    if msg.len() < 12 || msg[2] & 0x80 != 0 || u16::from_be_bytes([msg[4], msg[5]]) != 1 {
        return None;
    }
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *msg.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        // queries carry no compression pointers (RFC 1035 §4.1.4)
        if len > 63 {
            return None;
        }
        labels.push(String::from_utf8_lossy(msg.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?]);
    Some((labels.join("."), qtype))
}

/// `dns_drop --listen ADDR --upstream ADDR --drop-one-in N [--stats FILE]`:
/// the proxy as a program of its own, for `bench/smtp-load`; it runs until
/// killed and writes `queries <total> dropped <dropped> names <distinct>`
/// to FILE every 200 ms. Unused in the test library.
#[allow(dead_code)]
fn main() {
    let mut listen = None;
    let mut upstream = None;
    let mut one_in = 0;
    let mut stats = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value after each option");
        match a.as_str() {
            "--listen" => listen = Some(value().parse().expect("--listen ADDR")),
            "--upstream" => upstream = Some(value().parse().expect("--upstream ADDR")),
            "--drop-one-in" => one_in = value().parse().expect("--drop-one-in N"),
            "--stats" => stats = Some(value()),
            _ => panic!(
                "usage: dns_drop --listen ADDR --upstream ADDR --drop-one-in N [--stats FILE]"
            ),
        }
    }
    let proxy = DroppingResolver::start_on(
        listen.expect("--listen ADDR"),
        upstream.expect("--upstream ADDR"),
        one_in,
    );
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if let Some(path) = &stats {
            let (total, dropped) = proxy.totals();
            let names = proxy.counts().len();
            let _ = std::fs::write(
                path,
                format!("queries {total} dropped {dropped} names {names}\n"),
            );
        }
    }
}
