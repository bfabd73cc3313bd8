//! The page reader stays bounded in time and memory (issue 32): pages of
//! 10 MB and pages nested 100,000 levels deep, in markup and in script.
//! Alone in its test binary, so that the heap it counts is its own. Run
//! with `--nocapture` to see the figures.

use ecluse_scanner::{Action, Engine, Limits, scan_file};
use std::alloc::{GlobalAlloc, Layout, System};
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

/// Scans `page` as an attachment named `name`; prints and returns the
/// wall time and the peak heap above what was live before (the page
/// itself not counted).
fn measure(what: &str, name: &str, page: &[u8]) -> (Duration, usize, Action) {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let started = Instant::now();
    let part = scan_file(&engine, &limits, Some(name), page);
    let took = started.elapsed();
    let peak = PEAK.load(Relaxed).saturating_sub(before);
    println!(
        "{what}: {:.1} MB, {:.2} s, peak heap {:.1} MB ({:.1}× the page), {} ({} findings)",
        page.len() as f64 / 1e6,
        took.as_secs_f64(),
        peak as f64 / 1e6,
        peak as f64 / page.len() as f64,
        part.action,
        part.findings.len()
    );
    (took, peak, part.action)
}

#[test]
fn big_and_deep_pages_stay_bounded() {
    const MB10: usize = 10_000_000;
    let fill = |unit: &str, open: &str, close: &str| {
        let mut s = String::from(open);
        while s.len() + unit.len() + close.len() < MB10 {
            s.push_str(unit);
        }
        s.push_str(close);
        s.into_bytes()
    };
    let pages: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "10 MB table",
            "table.html",
            fill(
                "<tr><td>Martin</td><td>CE2</td><td><a href=\"https://www.ville-exemple.fr/f\">fiche</a></td></tr>\n",
                "<html><body><table>",
                "</table></body></html>",
            ),
        ),
        (
            "10 MB script of concatenations",
            "script.html",
            fill(
                "s += 'abcdefgh' + t[i] + \"\\x41\";\n",
                "<script>var s = '';\n",
                "document.write(s);</script>",
            ),
        ),
        (
            "10 MB of base64 written by atob",
            "atob.html",
            fill(
                "PHA+Qm9uam91cjwvcD4K",
                "<script>document.write(atob('",
                "'));</script>",
            ),
        ),
        ("10 MB of tags", "tags.html", fill("<b><i>", "<html>", "")),
        (
            "10 MB SVG path",
            "chart.svg",
            fill(
                "L 10 20 ",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M 0 0 ",
                "\"/></svg>",
            ),
        ),
        (
            "100,000 nested <div>",
            "deep.html",
            ("<div>".repeat(100_000) + &"</div>".repeat(100_000)).into_bytes(),
        ),
        (
            "100,000 nested SVG <g> in a <foreignObject>",
            "deep.svg",
            format!(
                "<svg><foreignObject>{}</foreignObject></svg>",
                "<g>".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "100,000 nested parentheses, brackets, braces in script",
            "deep-script.html",
            format!(
                "<script>{}{}{}</script>",
                "(".repeat(100_000),
                "[".repeat(100_000),
                "{".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "100,000 nested documents written",
            "deep-write.html",
            format!(
                "<script>{}</script>",
                "document.write(atob(".repeat(100_000)
            )
            .into_bytes(),
        ),
    ];
    for (what, name, page) in pages {
        // A text file of the same size: every check but the page reader
        // (the hash, the sniffing, YARA).
        let text = vec![b'a'; page.len()];
        let (base_took, base_peak, _) = measure("  (a text of that size)", "notes.txt", &text);
        let (took, peak, _) = measure(what, name, &page);
        // Two shared cores: a wide margin, but far below anything
        // quadratic (minutes) or a blow-up (gigabytes).
        assert!(took < base_took + Duration::from_secs(20), "{what}: {took:?}");
        assert!(
            peak < base_peak + 8 * page.len().max(1 << 20),
            "{what}: {peak} bytes, {base_peak} as text"
        );
    }
}
