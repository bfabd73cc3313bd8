//! The record walk of a PowerPoint 97–2003 presentation: the fuzzer's
//! bytes are the `PowerPoint Document` stream, after four bytes that give
//! the `Current User` stream's `offsetToCurrentEdit` (where the chain of
//! edits and persist directories starts), in a compound file as
//! PowerPoint writes it.
#![no_main]

#[path = "common.rs"]
mod common;

use std::io::{Cursor, Write};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((edit, stream)) = data.split_first_chunk::<4>() else {
        return;
    };
    // CurrentUserAtom ([MS-PPT] §2.3.2): header, size, headerToken,
    // offsetToCurrentEdit, then a short user name.
    let mut user = vec![0x00, 0x00, 0xf6, 0x0f, 0x19, 0, 0, 0];
    user.extend_from_slice(&0x14u32.to_le_bytes());
    user.extend_from_slice(&0xe391_c05fu32.to_le_bytes());
    user.extend_from_slice(edit);
    user.extend_from_slice(&[1, 0, 0xf4, 0x03, 3, 0, 0, 0, b'a', 8, 0, 0, 0]);
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/PowerPoint Document")
        .unwrap()
        .write_all(stream)
        .unwrap();
    file.create_stream("/Current User")
        .unwrap()
        .write_all(&user)
        .unwrap();
    file.flush().unwrap();
    common::scan_as("presentation.ppt", &file.into_inner().into_inner());
});
