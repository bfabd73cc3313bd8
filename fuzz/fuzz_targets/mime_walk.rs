//! The MIME walk on arbitrary bytes: it must never panic, hang or fail.
#![no_main]

use ecluse_scanner::{Engine, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let report = ecluse_scanner::scan_unguarded(&ENGINE, &limits, data);
    // Every part reported was inside the budgets.
    assert!(report.scanned_bytes <= limits.max_expanded_bytes);
});
