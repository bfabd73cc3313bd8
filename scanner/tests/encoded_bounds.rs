//! Files written as text stay bounded in memory (issue 32): a 50 MB yEnc
//! attachment is decoded into one buffer sized from its text, not grown
//! by doubling nor copied. Alone in its test binary, so that the heap it
//! counts is its own. Run with `--nocapture` to see the figures.

#[path = "../examples/samples/mod.rs"]
#[allow(dead_code)]
mod samples;

use ecluse_scanner::{Action, Engine, Limits, scan, scan_file};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

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

/// Scans `bytes` as an attachment named `name`; returns the peak heap
/// above what was live before (the attachment itself not counted).
fn peak_of(what: &str, name: &str, bytes: &[u8]) -> (usize, Action) {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let part = scan_file(&engine, &limits, Some(name), bytes);
    let peak = PEAK.load(Relaxed).saturating_sub(before);
    println!(
        "{what}: {:.1} MB, peak heap {:.1} MB ({:.2}× the text), {}",
        bytes.len() as f64 / 1e6,
        peak as f64 / 1e6,
        peak as f64 / bytes.len() as f64,
        part.action
    );
    (peak, part.action)
}

/// The same, for a whole message: the walk decodes the attachment's
/// base64 first.
fn message_peak_of(what: &str, eml: &[u8]) -> (usize, Action) {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let report = scan(&engine, &limits, eml);
    let peak = PEAK.load(Relaxed).saturating_sub(before);
    println!(
        "{what}: {:.1} MB message, peak heap {:.1} MB ({:.2}× the message), {}",
        eml.len() as f64 / 1e6,
        peak as f64 / 1e6,
        peak as f64 / eml.len() as f64,
        report.action
    );
    (peak, report.action)
}

#[test]
fn a_50_mb_yenc_file_is_decoded_in_one_buffer() {
    const MB50: usize = 50_000_000;
    // Text-like data: what a yEnc post of a document holds.
    let data: Vec<u8> = b"Compte rendu du conseil municipal, seance du 4 decembre.\r\n"
        .iter()
        .copied()
        .cycle()
        .take(MB50)
        .collect();
    let text = samples::yenc("compte-rendu.txt", &data);
    drop(data);
    // A text of that size: every check but the yEnc reader.
    let plain = vec![b'a'; text.len()];
    let (base, _) = peak_of("  (a text of that size)", "notes.txt", &plain);
    drop(plain);
    let (peak, action) = peak_of("50 MB yEnc", "compte-rendu.ntx", &text);
    assert_eq!(action, Action::Deliver);
    let eml = samples::with_attachment(
        "Compte rendu",
        "application/octet-stream",
        "compte-rendu.ntx",
        &text,
    );
    let plain_eml = samples::with_attachment(
        "Notes",
        "application/octet-stream",
        "notes.txt",
        &vec![b'a'; text.len()],
    );
    let (message_base, _) =
        message_peak_of("  (a text of that size, mailed)", plain_eml.as_bytes());
    drop(plain_eml);
    let (message_peak, action) = message_peak_of("50 MB yEnc, mailed", eml.as_bytes());
    assert_eq!(action, Action::Deliver);
    assert!(
        message_peak < message_base + text.len() + text.len() / 10,
        "{message_peak} bytes, {message_base} as text"
    );
    // The decoded file (about the size of the text) once, and no more
    // than a tenth of the text besides what any text costs.
    assert!(
        peak < base + text.len() + text.len() / 10,
        "{peak} bytes, {base} as text"
    );
}
