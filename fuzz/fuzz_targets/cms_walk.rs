//! CMS (S/MIME `smime.p7m`): signed, compressed and enveloped content.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::scan_as("smime.p7m", data));
