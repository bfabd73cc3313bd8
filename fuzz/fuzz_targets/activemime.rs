//! ActiveMime data (the `editdata.mso` of an MHTML or Word 2003 XML
//! document): the first byte picks the layout. 0: the fuzzer's bytes
//! follow the `ActiveMime` magic as they are (the header, the offsets and
//! the zlib stream all its own). 1: Word's header, then the bytes
//! zlib-compressed, so that what the stream holds (an OLE file, a VBA
//! project) is reached. 2: the same at Excel's offset (0x22A).
#![no_main]

#[path = "common.rs"]
mod common;

use std::io::Write;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = b"ActiveMime".to_vec();
    match pick % 3 {
        0 => bytes.extend_from_slice(rest),
        layout => {
            let start: usize = if layout == 1 { 0x32 } else { 0x22a };
            bytes.resize(start, 0);
            bytes[0x1e..0x20].copy_from_slice(&((start - 46) as u16).to_le_bytes());
            bytes[0x2e..0x32].copy_from_slice(&(rest.len() as u32).to_le_bytes());
            let mut z = flate2::write::ZlibEncoder::new(bytes, flate2::Compression::fast());
            z.write_all(rest).unwrap();
            bytes = z.finish().unwrap();
        }
    }
    common::scan_as("editdata.mso", &bytes);
});
