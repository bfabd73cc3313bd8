//! The archive walk (ZIP, gzip, tar, 7z, TNEF, PDF, OLE) on arbitrary bytes.
//! The first byte picks the name the object arrives under, so name-driven
//! paths are reached too; the second lays the rest out as a reader of
//! another tool would meet it: as it is, behind a prefix (a self-extractor
//! stub, junk before `PK`), twice end to end (concatenated archives), or
//! cut in two and swapped (an archive after another's tail).
#![no_main]

use ecluse_scanner::{Engine, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);
const NAMES: &[&str] = &["a.zip", "a.tar.gz", "a.7z", "winmail.dat", "a.pdf", "a.docx", "a.doc", "a.odt", "a.tar", "a.gz", "a"];
/// A self-extractor's first bytes.
const STUB: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.\r\r\n$";

fuzz_target!(|data: &[u8]| {
    let [pick, layout, rest @ ..] = data else { return };
    let name = NAMES[*pick as usize % NAMES.len()];
    let bytes: Vec<u8> = match layout % 4 {
        0 => rest.to_vec(),
        1 => [&STUB[..(*layout as usize / 4) % (STUB.len() + 1)], rest].concat(),
        2 => [rest, rest].concat(),
        _ => {
            let cut = (*layout as usize * 7) % (rest.len() + 1);
            [&rest[cut..], &rest[..cut]].concat()
        }
    };
    let limits = Limits { max_object_size: 16 << 20, max_expanded_bytes: 64 << 20, ..Limits::default() };
    let part = ecluse_scanner::scan_file(&ENGINE, &limits, Some(name), &bytes);
    assert_eq!(part.size, bytes.len() as u64);
});
