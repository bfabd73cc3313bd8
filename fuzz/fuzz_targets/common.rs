//! What the per-reader targets share: one object scanned under a given
//! name, within fuzzing budgets, with the report's invariants checked.

use ecluse_scanner::{Engine, Limits};
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

/// Budgets small enough that libFuzzer's 2 GiB RSS limit catches a reader
/// that keeps more than `Limits` lets it.
static LIMITS: LazyLock<Limits> = LazyLock::new(|| Limits {
    max_object_size: 16 << 20,
    max_expanded_bytes: 64 << 20,
    ..Limits::default()
});

/// Scans `bytes` as a file named `name`: never a panic, and the report
/// accounts for every byte it was given.
pub fn scan_as(name: &str, bytes: &[u8]) {
    let part = ecluse_scanner::scan_file(&ENGINE, &LIMITS, Some(name), bytes);
    assert_eq!(part.size, bytes.len() as u64);
}
