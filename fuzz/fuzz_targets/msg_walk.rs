//! Outlook `.msg`: the compound file's MAPI property streams, attachments and attached messages.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::scan_as("message.msg", data));
