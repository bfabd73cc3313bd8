//! OLE1 objects (the `\objdata` of an RTF `\object`, [MS-OLEDS] §2.2.4):
//! the fuzzer's bytes are the object, hex-encoded into an RTF as Word
//! would carry it, so the Package, Equation Editor and OLE2 readers get
//! them raw.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut rtf = b"{\\rtf1{\\object\\objemb{\\*\\objdata ".to_vec();
    for b in data {
        rtf.extend_from_slice(format!("{b:02x}").as_bytes());
    }
    rtf.extend_from_slice(b"}}}");
    common::scan_as("lettre.rtf", &rtf);
});
