//! The PDF reader (scanner/src/formats/pdf/): its lexer and object parser,
//! the linear and cross-reference readings, object streams, filters,
//! decryption, actions. The fuzzer's bytes are the file; without a
//! `%PDF-` header one is put before them, so that every input reaches the
//! reader.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"%PDF-") {
        common::scan_as("document.pdf", data);
    } else {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend_from_slice(data);
        common::scan_as("document.pdf", &pdf);
    }
});
