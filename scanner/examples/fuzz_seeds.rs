//! Writes seed inputs for the fuzz targets: the golden messages for
//! `mime_walk`, and one sample of each container for `archive_walk`
//! (prefixed with the byte that picks its name).
//!
//! `cargo run -p ecluse-scanner --example fuzz_seeds -- fuzz/seeds`

mod samples;

use samples::*;
use std::path::Path;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/seeds".into());
    let out = Path::new(&out);
    let mime = out.join("mime_walk");
    let archive = out.join("archive_walk");
    std::fs::create_dir_all(&mime).unwrap();
    std::fs::create_dir_all(&archive).unwrap();
    let mut n = 0;
    for path in golden_paths() {
        let raw = std::fs::read(&path).unwrap();
        if raw.len() < 64 * 1024 {
            std::fs::write(mime.join(path.file_name().unwrap()), raw).unwrap();
            n += 1;
        }
    }
    let seeds: Vec<(u8, &str, Vec<u8>)> = vec![
        (
            0,
            "zip",
            zip(&[("a.txt", b"bonjour".as_slice()), ("b.pdf", &pdf("", &[]))]),
        ),
        (
            1,
            "tgz",
            gzip("a.tar", &tar(&[("a.txt", b"bonjour".as_slice())])),
        ),
        (2, "7z", sevenz(&[("a.txt", b"bonjour".as_slice())], None)),
        (
            2,
            "7z-encrypted",
            sevenz(&[("a.txt", b"bonjour".as_slice())], Some("x")),
        ),
        (3, "tnef", tnef(&[("a.pdf", &pdf("", &[]))])),
        (
            4,
            "pdf-embedded",
            pdf_with_embedded("factur-x.xml", FACTURX_XML),
        ),
        (5, "docm", docm("x")),
        (6, "ole-vba", ole_doc_with_macros()),
        (7, "odt-macro", odt(true)),
        (8, "iso", iso()),
        (
            0,
            "zip-encrypted",
            zip_flagged_encrypted(&[("a.txt", b"bonjour".as_slice())]),
        ),
    ];
    // The second byte lays the bytes out (see the target): as they are,
    // and twice end to end.
    for (pick, name, bytes) in &seeds {
        for (layout, suffix) in [(0u8, ""), (2, "-twice")] {
            let mut data = vec![*pick, layout];
            data.extend_from_slice(bytes);
            std::fs::write(archive.join(format!("{name}{suffix}")), data).unwrap();
        }
    }
    // Text bodies for the text decoders (a leading 1 says "wrap as text").
    for (name, body) in [
        (
            "text-base64",
            format!("Bonjour\r\n\r\n{}\r\nMerci", b64(&pe())),
        ),
        ("text-uuencode", uuencode("a.exe", &pe())),
        ("text-qp", "caf=C3=A9 et =\r\nsuite =3D fin".to_string()),
        (
            "text-multipart",
            format!(
                "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
                b64(&pe())
            ),
        ),
    ] {
        let mut data = vec![1u8];
        data.extend_from_slice(body.as_bytes());
        std::fs::write(mime.join(name), data).unwrap();
    }
    let readers = reader_seeds(out);
    println!(
        "wrote {n} MIME seeds, {} archive seeds and {readers} reader seeds under {}",
        seeds.len() * 2,
        out.display()
    );
}

/// Seeds for the per-reader targets: every object the golden messages
/// carry, sorted by its format's signature (the builders of those
/// containers live with the fixtures, so the fixtures are the seeds).
/// The OLE1 target takes an RTF object's `\objdata`, hex-decoded.
fn reader_seeds(out: &Path) -> usize {
    let engine = ecluse_scanner::Engine::builtin();
    let limits = ecluse_scanner::Limits::default();
    let mut n = 0;
    let mut put = |target: &str, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let name = format!("{:016x}", fxhash(bytes));
        std::fs::write(dir.join(name), bytes).unwrap();
        n += 1;
    };
    for path in golden_paths() {
        let raw = std::fs::read(&path).unwrap();
        for object in ecluse_scanner::decoded_objects(&engine, &limits, &raw) {
            if object.len() > 256 * 1024 {
                continue;
            }
            if object.starts_with(b"%PDF-") {
                put("pdf_walk", &object);
            }
            let head = &object[..object.len().min(4096)];
            if [&b"<html"[..], b"<svg", b"<script", b"<HTML", b"<!DOCTYPE"].iter().any(|m| contains(head, m)) {
                // The target's first byte picks the name: 2 is `.html`.
                let mut seed = vec![2u8];
                seed.extend_from_slice(&object);
                put("page_read", &seed);
            }
            if object.starts_with(b"ActiveMime") {
                // Layout 0: the bytes after the magic, as they are.
                let mut seed = vec![0u8];
                seed.extend_from_slice(&object[10..]);
                put("activemime", &seed);
            }
            if let Some(stream) = ppt_document(&object) {
                put("ppt_records", &stream);
            }
            if object.starts_with(&[0x78, 0x9f, 0x3e, 0x22]) {
                put("tnef_walk", &object);
            } else if object.starts_with(b"{\\rtf") {
                put("rtf_walk", &object);
                for native in objdata(&object) {
                    put("ole1_package", &native);
                }
            } else if object.first() == Some(&0x30) && contains(&object, PKCS7_OID) {
                put("cms_walk", &object);
            } else if object.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) && contains(&object, SUBSTG) {
                put("msg_walk", &object);
            } else if [&b"begin "[..], b"=ybegin ", b"(This file must be converted"]
                .iter()
                .any(|o| contains(&object, o))
            {
                // The target's first byte picks an opener; 0 is none.
                let mut seed = vec![0u8];
                seed.extend_from_slice(&object);
                put("encoded_walk", &seed);
            }
        }
    }
    put("ppt_records", &ppt_seed());
    // XFA: one stream (the target's first byte: 0), with a script.
    put("xfa_walk", &[&[0u8][..], XFA_SEED].concat());
    n
}

/// An XFA form with a script, for the `xfa_walk` target.
const XFA_SEED: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="f"><field name="a"/><event activity="initialize"><script contentType="application/x-javascript">app.alert(1);</script></event></subform></template></xdp:xdp>"#;

/// A compound file's `PowerPoint Document` stream, after the four bytes
/// of `offsetToCurrentEdit` from its `Current User` stream (the layout of
/// the `ppt_records` target).
fn ppt_document(object: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    if !object.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return None;
    }
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(object)).ok()?;
    let mut stream = Vec::new();
    file.open_stream("/PowerPoint Document")
        .ok()?
        .read_to_end(&mut stream)
        .ok()?;
    let mut user = Vec::new();
    let _ = file
        .open_stream("/Current User")
        .map(|mut s| s.read_to_end(&mut user));
    let mut seed = user.get(16..20).unwrap_or(&[0; 4]).to_vec();
    seed.extend_from_slice(&stream);
    Some(seed)
}

/// A presentation stream for the `ppt_records` target: a document
/// container whose `VBAInfoContainer` names persist id 2, a compressed
/// storage record (a VBA project), a persist directory and the last edit
/// ([MS-PPT] §2.3, §2.4.10).
fn ppt_seed() -> Vec<u8> {
    use std::io::Write;
    let rec = |ver: u16, instance: u16, kind: u16, body: &[u8]| {
        let mut v = (ver | instance << 4).to_le_bytes().to_vec();
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        v
    };
    let atom = rec(
        2,
        0,
        0x0400,
        &[2u32.to_le_bytes(), 1u32.to_le_bytes(), 2u32.to_le_bytes()].concat(),
    );
    let info = rec(0xf, 0, 0x07d0, &rec(0xf, 1, 0x03ff, &atom));
    let mut stream = rec(
        0xf,
        0,
        0x03e8,
        &[rec(1, 0, 0x03e9, &[0; 40]), info].concat(),
    );
    let storage_at = stream.len() as u32;
    let project = ole_doc_with_macros();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&project).unwrap();
    let body = [
        &(project.len() as u32).to_le_bytes()[..],
        &z.finish().unwrap(),
    ]
    .concat();
    stream.extend(rec(0, 1, 0x1011, &body));
    let directory_at = stream.len() as u32;
    let entries = [
        (1u32 | 2 << 20).to_le_bytes(),
        0u32.to_le_bytes(),
        storage_at.to_le_bytes(),
    ]
    .concat();
    stream.extend(rec(0, 0, 0x1772, &entries));
    let edit_at = stream.len() as u32;
    let edit = [
        0u32.to_le_bytes(),
        [0, 0, 0, 3],
        0u32.to_le_bytes(),
        directory_at.to_le_bytes(),
        1u32.to_le_bytes(),
        3u32.to_le_bytes(),
        [1, 0, 0, 0],
    ]
    .concat();
    stream.extend(rec(0, 0, 0x0ff5, &edit));
    [&edit_at.to_le_bytes()[..], &stream].concat()
}

/// The DER of `1.2.840.113549.1.7` (PKCS #7 content types), without its
/// last arc.
const PKCS7_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07];
/// `__substg1.0_` in UTF-16LE: a `.msg` property stream's name.
const SUBSTG: &[u8] = b"_\0_\0s\0u\0b\0s\0t\0g\0";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The hex-decoded `\objdata` groups of an RTF (plain hex only: seeds).
fn objdata(rtf: &[u8]) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut rest = rtf;
    while let Some(at) = rest.windows(8).position(|w| w == b"\\objdata") {
        rest = &rest[at + 8..];
        let hex: Vec<u8> = rest
            .iter()
            .take_while(|&&b| b != b'}')
            .filter(|b| b.is_ascii_hexdigit())
            .copied()
            .collect();
        let bytes = hex
            .chunks_exact(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect();
        found.push(bytes);
    }
    found
}

/// FNV-1a: a stable file name for a seed.
fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}
