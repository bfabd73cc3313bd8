//! PDFs written object by object for the PDF tests: a cross-reference
//! table with the real offsets, incremental updates, object streams,
//! names written with `#xx` escapes, and the AES-256 encryption of the
//! standard security handler's revision 6 (ISO 32000-2 §7.6.4), computed
//! here with the RustCrypto primitives the scanner uses. No live malware:
//! the actions name programs and addresses that do nothing here
//! (`203.0.113.0/24` is TEST-NET-3, RFC 5737).
#![allow(dead_code)]

use std::io::Write;

/// One indirect object: its number and what goes between `obj` and
/// `endobj`.
pub type Obj = (u32, Vec<u8>);

pub fn obj(num: u32, body: &str) -> Obj {
    (num, body.as_bytes().to_vec())
}

/// A stream object: `dict` (without `/Length`, added here) and its data.
pub fn stream(num: u32, dict: &str, data: &[u8]) -> Obj {
    let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    (num, body)
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// The dictionary entries and the data (not compressed) of an object
/// stream holding `members` (number, value).
pub fn object_stream_parts(members: &[(u32, &str)]) -> (String, Vec<u8>) {
    let mut header = String::new();
    let mut body = String::new();
    for (n, value) in members {
        header.push_str(&format!("{n} {} ", body.len()));
        body.push_str(value);
        body.push('\n');
    }
    let data = format!("{header}\n{body}");
    let first = header.len() + 1;
    (
        format!("/Type /ObjStm /N {} /First {first}", members.len()),
        data.into_bytes(),
    )
}

/// An object stream holding `members` (number, value), compressed or not.
pub fn object_stream(num: u32, members: &[(u32, &str)], compress: bool) -> Obj {
    let (dict, data) = object_stream_parts(members);
    if compress {
        stream(
            num,
            &format!("{dict} /Filter /FlateDecode"),
            &deflate(&data),
        )
    } else {
        stream(num, &dict, &data)
    }
}

/// The objects after `at`: written, with their offsets.
fn body(out: &mut Vec<u8>, objects: &[Obj]) -> Vec<(u32, usize)> {
    let mut offsets = Vec::new();
    for (num, content) in objects {
        offsets.push((*num, out.len()));
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(content);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets
}

/// A cross-reference table for `offsets` (one subsection per object).
fn xref(out: &mut Vec<u8>, offsets: &[(u32, usize)], with_free_head: bool) -> usize {
    let at = out.len();
    out.extend_from_slice(b"xref\n");
    if with_free_head {
        out.extend_from_slice(b"0 1\n0000000000 65535 f\r\n");
    }
    let mut sorted = offsets.to_vec();
    sorted.sort();
    for (num, off) in sorted {
        out.extend_from_slice(format!("{num} 1\n{off:010} 00000 n\r\n").as_bytes());
    }
    at
}

/// A whole PDF 1.7: `objects` (object 1 the catalogue), a cross-reference
/// table, a trailer with `trailer_extra`.
pub fn write(objects: &[Obj], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let offsets = body(&mut out, objects);
    let size = objects.iter().map(|o| o.0).max().unwrap_or(0) + 1;
    let at = xref(&mut out, &offsets, true);
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root 1 0 R {trailer_extra} >>\nstartxref\n{at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// `base` with an incremental update (ISO 32000-1 §7.5.6) that adds or
/// replaces `objects`.
pub fn update(mut base: Vec<u8>, objects: &[Obj]) -> Vec<u8> {
    let text = String::from_utf8_lossy(&base).into_owned();
    let prev = text
        .rfind("startxref")
        .and_then(|p| {
            text[p + 9..]
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        })
        .unwrap();
    let offsets = body(&mut base, objects);
    let size = objects.iter().map(|o| o.0).max().unwrap_or(0) + 100;
    let at = xref(&mut base, &offsets, false);
    base.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{at}\n%%EOF\n")
            .as_bytes(),
    );
    base
}

/// `base` with a cross-reference section of its own (an incremental
/// update without objects) giving `entries` (number, offset).
pub fn xref_update(mut base: Vec<u8>, entries: &[(u32, usize)]) -> Vec<u8> {
    let text = String::from_utf8_lossy(&base).into_owned();
    let prev = text
        .rfind("startxref")
        .and_then(|p| {
            text[p + 9..]
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        })
        .unwrap();
    let at = xref(&mut base, entries, false);
    base.extend_from_slice(
        format!("trailer\n<< /Size 100 /Root 1 0 R /Prev {prev} >>\nstartxref\n{at}\n%%EOF\n")
            .as_bytes(),
    );
    base
}

/// `name` (without its slash) with the characters where `mask` is true
/// written as `#xx` (ISO 32000-1 §7.3.5).
pub fn escaped(name: &str, mask: &[bool]) -> String {
    let mut out = String::from("/");
    for (i, b) in name.bytes().enumerate() {
        if mask.get(i).copied().unwrap_or(false) {
            out.push_str(&format!("#{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The objects of a one-page document: 1 the catalogue (with
/// `catalog_extra`), 2 the page tree, 3 the page (with `page_extra`), 4
/// its content.
pub fn document(catalog_extra: &str, page_extra: &str) -> Vec<Obj> {
    vec![
        obj(
            1,
            &format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>"),
        ),
        obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        obj(
            3,
            &format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R {page_extra} >>"
            ),
        ),
        stream(
            4,
            "",
            b"BT /F1 12 Tf 72 712 Td (Convocation du conseil municipal) Tj ET",
        ),
    ]
}

/// Where an action (object 10) is reached from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The catalogue's `/OpenAction`.
    OpenAction,
    /// The page's `/AA /O` (page opened).
    PageOpen,
    /// A link annotation's `/A`.
    Annotation,
    /// A form field (a widget) `/AA /U` (mouse up).
    FormField,
    /// A bookmark's `/A`.
    Outline,
    /// The document-level scripts of `/Names /JavaScript`.
    NamesTree,
}

pub const PLACES: [Place; 6] = [
    Place::OpenAction,
    Place::PageOpen,
    Place::Annotation,
    Place::FormField,
    Place::Outline,
    Place::NamesTree,
];

/// The catalogue and page entries, and the objects, that reach object 10
/// from `place`.
pub fn reach(place: Place) -> (String, String, Vec<Obj>) {
    let (c, p, objects) = match place {
        Place::OpenAction => ("/OpenAction 10 0 R", "", vec![]),
        Place::PageOpen => ("", "/AA << /O 10 0 R >>", vec![]),
        Place::Annotation => (
            "",
            "/Annots [11 0 R]",
            vec![obj(
                11,
                "<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /Border [0 0 0] /A 10 0 R >>",
            )],
        ),
        Place::FormField => (
            "/AcroForm << /Fields [12 0 R] >>",
            "/Annots [12 0 R]",
            vec![obj(
                12,
                "<< /FT /Btn /Ff 65536 /T (envoyer) /Subtype /Widget /Rect [72 500 200 520] /P 3 0 R /AA << /U 10 0 R >> >>",
            )],
        ),
        Place::Outline => (
            "/Outlines 13 0 R",
            "",
            vec![
                obj(
                    13,
                    "<< /Type /Outlines /First 14 0 R /Last 14 0 R /Count 1 >>",
                ),
                obj(14, "<< /Title (Ordre du jour) /Parent 13 0 R /A 10 0 R >>"),
            ],
        ),
        Place::NamesTree => (
            "/Names 15 0 R",
            "",
            vec![
                obj(15, "<< /JavaScript 16 0 R >>"),
                obj(16, "<< /Names [(init) 10 0 R] >>"),
            ],
        ),
    };
    (c.to_string(), p.to_string(), objects)
}

/// A document whose object 10 is `action`, reached from `place`.
pub fn with_action(place: Place, action: &str) -> Vec<u8> {
    let (c, p, extra) = reach(place);
    let mut objects = document(&c, &p);
    objects.extend(extra);
    objects.push(obj(10, action));
    write(&objects, "")
}

// --- AES-256 (revision 6)

use aes::{Aes128, Aes256};
use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::NoPadding, block_padding::Pkcs7};
use sha2::Digest;

/// Algorithm 2.B of ISO 32000-2 §7.6.4.3.4, written again from the
/// standard (not the scanner's code).
pub fn hash_2b(password: &[u8], salt: &[u8], udata: &[u8]) -> [u8; 32] {
    let mut k: Vec<u8> = sha2::Sha256::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(udata)
        .finalize()
        .to_vec();
    let mut i = 0u32;
    loop {
        let mut k1 = Vec::new();
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let len = k1.len();
        let e = cbc::Encryptor::<Aes128>::new_from_slices(&k[..16], &k[16..32])
            .unwrap()
            .encrypt_padded::<NoPadding>(&mut k1, len)
            .unwrap()
            .to_vec();
        let modulo = u128::from_be_bytes(e[..16].try_into().unwrap()) % 3;
        k = match modulo {
            0 => sha2::Sha256::digest(&e).to_vec(),
            1 => sha2::Sha384::digest(&e).to_vec(),
            _ => sha2::Sha512::digest(&e).to_vec(),
        };
        i += 1;
        if i >= 64 && u32::from(*e.last().unwrap()) <= i - 32 {
            break;
        }
    }
    k[..32].try_into().unwrap()
}

/// AES-256-CBC with `iv` and PKCS #7 padding, the IV first (ISO 32000-1
/// §7.6.2).
pub fn aes256(key: &[u8; 32], iv: [u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let n = buf.len();
    buf.resize(n + 16, 0);
    let enc = cbc::Encryptor::<Aes256>::new_from_slices(key, &iv)
        .unwrap()
        .encrypt_padded::<Pkcs7>(&mut buf, n)
        .unwrap()
        .to_vec();
    let mut out = iv.to_vec();
    out.extend_from_slice(&enc);
    out
}

fn aes256_no_iv(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let n = buf.len();
    cbc::Encryptor::<Aes256>::new_from_slices(key, &[0u8; 16])
        .unwrap()
        .encrypt_padded::<NoPadding>(&mut buf, n)
        .unwrap()
        .to_vec()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The file key of the encrypted test documents.
pub const FILE_KEY: [u8; 32] = *b"ecluse-test-file-key-32-bytes!!!";

/// The encryption dictionary (revision 6, AES-256 for streams and
/// strings) for the user password `user` (empty: the document opens
/// without a question) and the owner password `proprietaire`.
pub fn r6_encrypt_dict(user: &[u8]) -> String {
    let (vsalt, ksalt) = (*b"valsalt1", *b"keysalt1");
    let mut u = hash_2b(user, &vsalt, &[]).to_vec();
    u.extend_from_slice(&vsalt);
    u.extend_from_slice(&ksalt);
    let ue = aes256_no_iv(&hash_2b(user, &ksalt, &[]), &FILE_KEY);
    let owner = b"proprietaire";
    let (ovsalt, oksalt) = (*b"ovsalt12", *b"oksalt12");
    let mut o = hash_2b(owner, &ovsalt, &u).to_vec();
    o.extend_from_slice(&ovsalt);
    o.extend_from_slice(&oksalt);
    let oe = aes256_no_iv(&hash_2b(owner, &oksalt, &u), &FILE_KEY);
    let p: i32 = -1340;
    let mut perms = p.to_le_bytes().to_vec();
    perms.extend_from_slice(&[0xff; 4]);
    perms.extend_from_slice(b"Tadb0000");
    let perms = aes256_no_iv(&FILE_KEY, &perms);
    format!(
        "<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> /StmF /StdCF /StrF /StdCF /P {p} /O <{}> /U <{}> /OE <{}> /UE <{}> /Perms <{}> >>",
        hex(&o),
        hex(&u),
        hex(&oe),
        hex(&ue),
        hex(&perms)
    )
}

/// An AES-256 (revision 6) PDF for the user password `user`: page and
/// catalogue in clear dictionaries, its content stream encrypted, and
/// `objstm_members` in an encrypted, compressed object stream (object 6);
/// `string_object`, when given, is a top-level object (number 9) whose
/// one string, `%S%`, is written encrypted.
pub fn r6_pdf(
    user: &[u8],
    catalog_extra: &str,
    objstm_members: &[(u32, &str)],
    string_object: Option<(&str, &str)>,
) -> Vec<u8> {
    let content = aes256(
        &FILE_KEY,
        [1; 16],
        b"BT /F1 12 Tf 72 712 Td (Attestation de paiement) Tj ET",
    );
    let mut objects = vec![
        obj(
            1,
            &format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>"),
        ),
        obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        obj(
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        ),
        stream(4, "", &content),
    ];
    if !objstm_members.is_empty() {
        let (dict, data) = object_stream_parts(objstm_members);
        let data = aes256(&FILE_KEY, [2; 16], &deflate(&data));
        objects.push(stream(6, &format!("{dict} /Filter /FlateDecode"), &data));
    }
    if let Some((template, plain)) = string_object {
        let cipher = aes256(&FILE_KEY, [3; 16], plain.as_bytes());
        objects.push(obj(
            9,
            &template.replace("%S%", &format!("<{}>", hex(&cipher))),
        ));
    }
    objects.push(obj(7, &r6_encrypt_dict(user)));
    write(
        &objects,
        "/Encrypt 7 0 R /ID [<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]",
    )
}
