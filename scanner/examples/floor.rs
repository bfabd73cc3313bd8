//! `cargo run --release -p ecluse-scanner --example floor -- RULES_DIR THREADS SECONDS MESSAGE...`
//!
//! The floor of a scan in messages per second, for `bench/smtp-load
//! --engines`: for each message file, `THREADS` threads repeat for `SECONDS`
//! what no gateway scanning with YARA can skip — MIME parse and transfer
//! decoding (mail-parser), SHA-256 and YARA over every decoded object — with
//! the shipped rules plus every `.yar`/`.yara` file of `RULES_DIR` (as
//! `cargo bench -p ecluse-scanner` defines the floor), then the full scan
//! (`ecluse_scanner::scan`) the same way.
//!
//! Prints one line per message: `PATH FLOOR_MSG_PER_S FULL_MSG_PER_S`.

#[path = "samples/rule_files.rs"]
mod rule_files;

use ecluse_scanner::{Engine, Limits};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

fn engine(dir: &str) -> Engine {
    let set = rule_files::rule_set(std::path::Path::new(dir), "bench");
    Engine::compile_sets(true, &[set], ecluse_scanner::Policy::default()).unwrap()
}

/// Messages per second of `work` run by `threads` threads for `secs`.
fn rate<'r>(
    threads: usize,
    secs: f64,
    work: impl Fn(&mut Option<yara_x::Scanner<'r>>) + Sync,
) -> f64 {
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut scanner = None;
                while !stop.load(Relaxed) {
                    work(&mut scanner);
                    done.fetch_add(1, Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Relaxed);
    });
    done.load(Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, threads, secs, messages @ ..] = args.as_slice() else {
        eprintln!("usage: floor RULES_DIR THREADS SECONDS MESSAGE...");
        std::process::exit(2);
    };
    let threads: usize = threads.parse().expect("THREADS: a number");
    let secs: f64 = secs.parse().expect("SECONDS: a number");
    let engine = engine(dir);
    let limits = Limits::default();
    for path in messages {
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let objects = ecluse_scanner::decoded_objects(&engine, &limits, &raw);
        // Warm-up: page in the rules, build the per-thread scanners.
        std::hint::black_box(ecluse_scanner::scan(&engine, &limits, &raw));
        let floor = rate(threads, secs, |scanner| {
            use sha2::Digest;
            let yara = scanner.get_or_insert_with(|| yara_x::Scanner::new(engine.yara_rules()));
            std::hint::black_box(mail_parser::MessageParser::default().parse(&raw));
            for obj in &objects {
                std::hint::black_box(sha2::Sha256::digest(obj));
                std::hint::black_box(yara.scan(obj).unwrap().matching_rules().count());
            }
        });
        let full = rate(threads, secs, |_| {
            std::hint::black_box(ecluse_scanner::scan(&engine, &limits, &raw));
        });
        println!("{path} {floor:.1} {full:.1}");
    }
}
