//! RTF objects: `\objdata` in every obfuscation Word tolerates, OLE1 and OLE2 objects inside.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::scan_as("lettre.rtf", data));
