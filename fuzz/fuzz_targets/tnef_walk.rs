//! TNEF (`winmail.dat`): MAPI attribute blocks, attached messages, the compressed RTF body.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::scan_as("winmail.dat", data));
