//! Content checks on text formats: HTML smuggling and active SVG.

use crate::sentence::Sentence;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Case-sensitive JavaScript markers of HTML smuggling, by role.
const SINKS: &[&str] = &[
    "new Blob(",
    "Blob([",
    "msSaveOrOpenBlob",
    "msSaveBlob",
    "createObjectURL",
];
const DECODERS: &[&str] = &[
    "atob(",
    "fromCharCode",
    "charCodeAt",
    "Uint8Array",
    "base64ToArrayBuffer",
    "decodeURIComponent(escape(",
];
const SAVERS: &[&str] = &[
    ".download",
    "download=",
    "download =",
    "msSaveOrOpenBlob",
    "msSaveBlob",
    ".click()",
];

static SINK: LazyLock<AhoCorasick> = LazyLock::new(|| AhoCorasick::new(SINKS).unwrap());
static DECODER: LazyLock<AhoCorasick> = LazyLock::new(|| AhoCorasick::new(DECODERS).unwrap());
static SAVER: LazyLock<AhoCorasick> = LazyLock::new(|| AhoCorasick::new(SAVERS).unwrap());
/// `download` attribute on a link whose href is a data: URI of a non-image.
static DATA_URI: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "data:application/",
            "data:text/javascript",
            "data:text/vbscript",
        ])
        .unwrap()
});

/// The longest run of base64 alphabet characters, capped at `enough`.
fn base64_run(bytes: &[u8], enough: usize) -> usize {
    let mut best = 0;
    let mut run = 0;
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            run += 1;
            if run > best {
                best = run;
                if best >= enough {
                    return best;
                }
            }
        } else {
            run = 0;
        }
    }
    best
}

/// A page that assembles a file in the browser: a Blob sink fed by decoded
/// data and saved through a download, or a `download` link to a data: URI
/// of a program or archive.
pub(crate) fn html_smuggling(bytes: &[u8]) -> Option<Sentence> {
    let sink = SINK.find(bytes);
    let saver = SAVER.find(bytes);
    if let (Some(sink), Some(_)) = (sink, saver) {
        let sink_name = SINKS[sink.pattern().as_usize()];
        if let Some(decoder) = DECODER.find(bytes) {
            return Some(Sentence::HtmlBlobDecoded {
                sink: sink_name.into(),
                decoder: DECODERS[decoder.pattern().as_usize()].into(),
            });
        }
        if base64_run(bytes, 1024) >= 1024 {
            return Some(Sentence::HtmlBlobBase64 {
                sink: sink_name.into(),
            });
        }
    }
    if memchr::memmem::find(bytes, b"download").is_some()
        && let Some(m) = DATA_URI.find(bytes)
    {
        let after = &bytes[m.end()..bytes.len().min(m.end() + 4096)];
        if memchr::memmem::find(after, b";base64,").is_some() {
            return Some(Sentence::HtmlDataUriDownload);
        }
    }
    None
}

static SVG_ACTIVE: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "<script",
            "<foreignobject",
            "javascript:",
            " onload=",
            " onclick=",
            " onmouseover=",
            " onerror=",
            " onbegin=",
            " onend=",
            " onfocus=",
            " onactivate=",
        ])
        .unwrap()
});

/// An SVG image that runs script or embeds HTML when opened in a browser.
pub(crate) fn svg_script(bytes: &[u8]) -> Option<Sentence> {
    let m = SVG_ACTIVE.find(bytes)?;
    let what = String::from_utf8_lossy(&bytes[m.start()..m.end()])
        .trim()
        .to_string();
    Some(Sentence::SvgActive { marker: what })
}
