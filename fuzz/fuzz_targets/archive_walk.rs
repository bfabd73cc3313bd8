//! The archive walk (ZIP, gzip, tar, 7z, TNEF, PDF, OLE) on arbitrary bytes.
//! The first byte picks the name the object arrives under, so name-driven
//! paths are reached too.
#![no_main]

use ecluse_scanner::{Engine, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);
const NAMES: &[&str] = &["a.zip", "a.tar.gz", "a.7z", "winmail.dat", "a.pdf", "a.docx", "a.doc", "a.odt", "a"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let name = NAMES[pick as usize % NAMES.len()];
    let limits = Limits { max_object_size: 16 << 20, max_expanded_bytes: 64 << 20, ..Limits::default() };
    let part = ecluse_scanner::scan_file(&ENGINE, &limits, Some(name), bytes);
    assert_eq!(part.size, bytes.len() as u64);
});
