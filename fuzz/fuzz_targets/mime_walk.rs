//! The MIME walk on arbitrary bytes: it must never panic, hang or fail.
//! An input that starts with byte 1 is the body of a `text/plain` part
//! instead, so the text decoders (base64 and quoted-printable runs,
//! uuencode, undeclared MIME structure) get raw text to chew on.
#![no_main]

use ecluse_scanner::{Engine, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);
const TEXT_HEADER: &[u8] = b"From: a@example.fr\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let message = match data {
        [1, body @ ..] => [TEXT_HEADER, body].concat(),
        _ => data.to_vec(),
    };
    let report = ecluse_scanner::scan_unguarded(&ENGINE, &limits, &message);
    // Every part reported was inside the budgets.
    assert!(report.scanned_bytes <= limits.max_expanded_bytes);
});
