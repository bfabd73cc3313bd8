//! `cargo bench -p ecluse-scanner`: the scanner's figures.
//!
//! - Throughput of the full scan over a corpus of realistic messages (text,
//!   PDF invoice, DOCX, ZIP, a 20 MB attachment), in MB/s of decoded bytes,
//!   next to YARA alone over the very same decoded bytes, in the same run.
//!   Target: the full scan at most 1.1 × its floor (MIME parse and
//!   decoding + SHA-256 + YARA alone). Set `ECLUSE_BENCH_RULES=DIR` to
//!   add a directory of rules (a production set) and measure again with it;
//!   `ECLUSE_BENCH_PER_MESSAGE=1` to print the ratio message by message.
//! - Peak heap while scanning a 50 MB message (target ≤ 3 × its size) and a
//!   42.zip-style recursive bomb (target ≤ 64 MB), measured by a counting
//!   allocator.

#[path = "../examples/samples/rule_files.rs"]
mod rule_files;
#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Engine, Limits, scan};
use samples::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now =
                    LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Deterministic incompressible bytes (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A PDF carrying `len` bytes of image data (DCT, not inflated by the scanner).
fn big_pdf(len: usize) -> Vec<u8> {
    let image = noise(len, 7);
    let mut out = pdf("", &[]);
    let trailer = out.windows(7).position(|w| w == b"trailer").unwrap();
    let tail = out.split_off(trailer);
    out.extend_from_slice(format!("5 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length {len} >>\nstream\n").as_bytes());
    out.extend_from_slice(&image);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out.extend_from_slice(&tail);
    out
}

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let text =
        "Bonjour,\r\n\r\nVoici le compte rendu de la séance du conseil municipal. ".repeat(80);
    let docs: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("piece-{i}.pdf"), big_pdf(60_000 + i * 1000)))
        .collect();
    let zip_entries: Vec<(&str, &[u8])> = docs
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    vec![
        (
            "text 5 KB",
            message("Compte rendu", &text_part(&text)).into_bytes(),
        ),
        (
            "PDF invoice 200 KB",
            with_attachment(
                "Facture",
                "application/pdf",
                "facture.pdf",
                &big_pdf(200_000),
            )
            .into_bytes(),
        ),
        (
            "Factur-X PDF",
            with_attachment(
                "Facture",
                "application/pdf",
                "facturx.pdf",
                &pdf_with_embedded("factur-x.xml", FACTURX_XML),
            )
            .into_bytes(),
        ),
        (
            "DOCX 150 KB",
            with_attachment(
                "Rapport",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "rapport.docx",
                &docx(&"Le rapport annuel. ".repeat(8000)),
            )
            .into_bytes(),
        ),
        (
            "ZIP of 6 PDFs",
            with_attachment(
                "Dossier",
                "application/zip",
                "dossier.zip",
                &zip(&zip_entries),
            )
            .into_bytes(),
        ),
        (
            "20 MB attachment",
            with_attachment("Plans", "application/pdf", "plans.pdf", &big_pdf(20 << 20))
                .into_bytes(),
        ),
    ]
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// The shipped rules plus every rule file of `ECLUSE_BENCH_RULES` (a
/// production set such as signature-base), to measure with the rules a town
/// really runs.
fn extra_engine() -> Option<(Engine, String)> {
    let dir = std::path::PathBuf::from(std::env::var_os("ECLUSE_BENCH_RULES")?);
    // `cargo bench` runs in `scanner/`: a relative path is also looked for
    // from the workspace root (`../shared/rules/signature-base`).
    let dir = if dir.is_relative() && !dir.exists() {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(&dir)
    } else {
        dir
    };
    // Public sets carry no `category` meta: their hits count as suspicious.
    let set = rule_files::rule_set(&dir, "bench");
    let engine = Engine::compile_sets(true, &[set], ecluse_scanner::Policy::default()).unwrap();
    let label = format!(
        "shipped + {} ({} rules)",
        std::path::Path::new(&dir).display(),
        engine.rule_count()
    );
    Some((engine, label))
}

/// `shipped`: the engine holds only the shipped rules, under which the
/// corpus must be clean.
fn throughput(engine: &Engine, limits: &Limits, shipped: bool) -> f64 {
    let corpus = corpus();
    let objects: Vec<Vec<Vec<u8>>> = corpus
        .iter()
        .map(|(_, m)| ecluse_scanner::decoded_objects(engine, limits, m))
        .collect();
    let decoded: usize = objects.iter().flatten().map(|o| o.len()).sum();
    let raw: usize = corpus.iter().map(|(_, m)| m.len()).sum();
    println!(
        "corpus: {} messages, {:.1} MB raw, {:.1} MB decoded and scanned",
        corpus.len(),
        raw as f64 / 1e6,
        decoded as f64 / 1e6
    );
    for (name, m) in &corpus {
        let r = scan(engine, limits, m);
        if shipped {
            assert_eq!(
                r.action,
                ecluse_scanner::Action::Deliver,
                "{name} must be clean: {:?}",
                r.categories
            );
        } else if r.action != ecluse_scanner::Action::Deliver {
            // Public sets hold hunting rules that fire on clean files.
            let rules: Vec<&str> = r
                .parts
                .iter()
                .flat_map(|p| p.walk())
                .flat_map(|p| p.findings.iter().filter_map(|f| f.rule.as_deref()))
                .collect();
            println!("  {name}: {} by {rules:?}", r.action);
        }
    }
    // The four measures take turns, round after round, and each keeps its
    // best time: a slow spell of this shared machine then hits them all
    // alike instead of one whole measure.
    let runs = 11;
    let mut yara = yara_x::Scanner::new(engine.yara_rules());
    let mut best = [Duration::MAX; 4];
    for _ in 0..runs {
        let times = [
            time(|| {
                for (_, m) in &corpus {
                    std::hint::black_box(scan(engine, limits, m));
                }
            }),
            time(|| {
                for obj in objects.iter().flatten() {
                    std::hint::black_box(yara.scan(obj).unwrap().matching_rules().count());
                }
            }),
            time(|| {
                for (_, m) in &corpus {
                    std::hint::black_box(mail_parser::MessageParser::default().parse(m));
                }
            }),
            time(|| {
                for obj in objects.iter().flatten() {
                    use sha2::Digest;
                    std::hint::black_box(sha2::Sha256::digest(obj));
                }
            }),
        ];
        for (b, t) in best.iter_mut().zip(times) {
            *b = (*b).min(t);
        }
    }
    // Message by message: where the cost above the floor comes from.
    if std::env::var_os("ECLUSE_BENCH_PER_MESSAGE").is_some() {
        for ((name, m), objs) in corpus.iter().zip(&objects) {
            let mut b = [Duration::MAX; 2];
            for _ in 0..runs {
                let t = [
                    time(|| {
                        std::hint::black_box(scan(engine, limits, m));
                    }),
                    time(|| {
                        use sha2::Digest;
                        std::hint::black_box(mail_parser::MessageParser::default().parse(m));
                        for obj in objs {
                            std::hint::black_box(sha2::Sha256::digest(obj));
                            std::hint::black_box(yara.scan(obj).unwrap().matching_rules().count());
                        }
                    }),
                ];
                for (b, t) in b.iter_mut().zip(t) {
                    *b = (*b).min(t);
                }
            }
            println!(
                "  {name:20} full {:8.2} ms, floor {:8.2} ms, ratio {:.2}",
                b[0].as_secs_f64() * 1e3,
                b[1].as_secs_f64() * 1e3,
                b[0].as_secs_f64() / b[1].as_secs_f64()
            );
        }
    }
    let [full, yara_alone, parse, sha] = best;
    let mbs = |d: Duration| decoded as f64 / 1e6 / d.as_secs_f64();
    let ratio = yara_alone.as_secs_f64() / full.as_secs_f64();
    println!(
        "full scan : {:8.1} MB/s of decoded bytes ({:.1} ms per corpus pass, best of {runs})",
        mbs(full),
        full.as_secs_f64() * 1e3
    );
    println!(
        "YARA alone: {:8.1} MB/s over the same decoded bytes ({:.1} ms)",
        mbs(yara_alone),
        yara_alone.as_secs_f64() * 1e3
    );
    println!(
        "  of which: MIME parse and transfer decoding {:.1} ms, SHA-256 {:.1} ms",
        parse.as_secs_f64() * 1e3,
        sha.as_secs_f64() * 1e3
    );
    // What no change to our own code can go below: a scan must parse with
    // mail-parser (which transfer-decodes every part), hash every object and
    // run YARA over it. Its best ratio, with every check of ours free.
    let floor = parse + sha + yara_alone;
    println!(
        "  floor (mail-parser + SHA-256 + YARA, our checks free): {:.1} ms, best possible ratio {:.2}",
        floor.as_secs_f64() * 1e3,
        yara_alone.as_secs_f64() / floor.as_secs_f64()
    );
    // The target of the engines issue, which replaced full/YARA-alone >=
    // 0.75 (the floor itself made that impossible): everything of ours
    // costs at most 10 % on top of what cannot be avoided.
    let over_floor = full.as_secs_f64() / floor.as_secs_f64();
    println!(
        "full scan / floor: {over_floor:.2} (target <= 1.10) {}; full/YARA-alone {ratio:.2}",
        if over_floor <= 1.10 {
            "OK"
        } else {
            "ABOVE TARGET"
        }
    );
    ratio
}

fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed))
}

fn memory_50mb(engine: &Engine, limits: &Limits) {
    // A 36 MB attachment base64-encodes to about 50 MB of message.
    let msg = with_attachment(
        "Plans",
        "application/octet-stream",
        "plans.bin",
        &noise(37 << 20, 3),
    )
    .into_bytes();
    let size = msg.len();
    let before = LIVE.load(Relaxed);
    let (report, peak) = peak_during(|| scan(engine, limits, &msg));
    let during = peak - before;
    let total = during + size;
    println!(
        "50 MB message ({:.1} MB): peak heap {:.1} MB with the message itself = {:.2}x its size (target <= 3x) {}; verdict {}",
        size as f64 / 1e6,
        total as f64 / 1e6,
        total as f64 / size as f64,
        if total <= 3 * size {
            "OK"
        } else {
            "ABOVE TARGET"
        },
        report.action
    );
}

/// 42.zip in spirit: five levels of sixteen. Each leaf holds 16 MiB of
/// zeros, whose deflate stream (16 KiB) fits deflate's 32 KiB window, so
/// every level's sixteen identical copies compress into about one: the
/// whole bomb stays a few hundred KiB for 16^5 x 16 MiB = 16 TiB expanded.
fn bomb() -> (Vec<u8>, Vec<usize>) {
    let leaf = zip(&[("0.bin", &vec![0u8; 16 << 20])]);
    let mut src = zip::ZipArchive::new(Cursor::new(leaf)).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..16 {
        let f = src.by_index_raw(0).unwrap();
        w.raw_copy_file_rename(f, format!("{i:x}.bin")).unwrap();
    }
    let mut level = w.finish().unwrap().into_inner();
    let mut sizes = vec![level.len()];
    for _ in 0..4 {
        level = sixteen_copies(&level);
        sizes.push(level.len());
    }
    (level, sizes)
}

fn memory_bomb(engine: &Engine, limits: &Limits) {
    let (bomb, sizes) = bomb();
    println!("42.zip-style bomb: level sizes {sizes:?} bytes");
    let msg = with_attachment("42", "application/zip", "42.zip", &bomb).into_bytes();
    let before = LIVE.load(Relaxed);
    let t = Instant::now();
    let (report, peak) = peak_during(|| scan(engine, limits, &msg));
    let elapsed = t.elapsed();
    let during = peak - before + msg.len();
    println!(
        "42.zip-style bomb ({} KB zip, 16^5 x 16 MiB leaves): peak heap {:.1} MB (target <= 64 MB) {}; verdict {} ({}) in {} ms",
        bomb.len() / 1024,
        during as f64 / 1e6,
        if during <= 64 << 20 {
            "OK"
        } else {
            "ABOVE TARGET"
        },
        report.action,
        report.category.map(|c| c.to_string()).unwrap_or_default(),
        elapsed.as_millis()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs us too: keep that quick.
    if std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench") {
        println!("scan bench: run with `cargo bench -p ecluse-scanner` for the figures");
        return;
    }
    let engine = Engine::builtin();
    let limits = Limits::default();
    if let Some(passes) = std::env::var_os("ECLUSE_BENCH_PROFILE") {
        // ECLUSE_BENCH_PROFILE=N: N passes over the corpus (1 when N is not a
        // number) and nothing else, for `perf record` or `valgrind --tool=callgrind`.
        let passes: usize = passes.to_str().and_then(|p| p.parse().ok()).unwrap_or(1);
        let corpus = corpus();
        for _ in 0..passes {
            for (_, m) in &corpus {
                std::hint::black_box(scan(&engine, &limits, m));
            }
        }
        return;
    }
    println!(
        "ecluse-scanner benchmark, shipped rules ({} YARA rules)",
        engine.rule_count()
    );
    throughput(&engine, &limits, true);
    // ECLUSE_BENCH_THROUGHPUT_ONLY=1: the throughput and nothing else, for
    // bench/scan-compare, which runs this bench at two revisions.
    if std::env::var_os("ECLUSE_BENCH_THROUGHPUT_ONLY").is_some() {
        return;
    }
    if let Some((extra, label)) = extra_engine() {
        println!("\nsame corpus, {label}:");
        throughput(&extra, &limits, false);
    }
    println!();
    memory_50mb(&engine, &limits);
    memory_bomb(&engine, &limits);
}
