//! Files written as text (uuencode, xxencode, `uuencode -m`, yEnc,
//! BinHex 4.0, base64 files): the first byte picks an opening line (or
//! none, for base64 and for openers the input writes itself), the rest
//! follows it, scanned as a `.uue` attachment would be.
#![no_main]

#[path = "common.rs"]
mod common;

/// The opening lines the decoders start from.
const OPENERS: &[&[u8]] = &[
    b"",
    b"begin 644 facture.pdf.exe\r\n",
    b"begin 644 a.txt\nh",
    b"begin-base64 644 a.exe\n",
    b"=ybegin line=128 size=1000 name=outil.exe\r\n",
    b"=ybegin part=1 total=2 line=128 size=1000 name=outil.exe\r\n=ypart begin=1 end=500\r\n",
    b"(This file must be converted with BinHex 4.0)\r\n:",
    b"Bonjour,\r\n\r\nbegin 644 liste.txt\r\n",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = OPENERS[pick as usize % OPENERS.len()].to_vec();
    bytes.extend_from_slice(rest);
    common::scan_as("fichier.uue", &bytes);
});
