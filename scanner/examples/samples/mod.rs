//! Sample files built in code: documents, programs, archives and messages
//! for the golden corpus, the signature tests and the benchmarks. Nothing
//! here is live malware: the "programs" are headers that do nothing, and
//! EICAR is assembled at run time.

#![allow(dead_code)]

use base64::Engine as _;
use std::io::{Cursor, Write};

/// Every `.eml` of the golden corpus, sorted.
pub fn golden_paths() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eml");
    let mut out = Vec::new();
    for class in std::fs::read_dir(&root).expect("the fixtures directory") {
        for file in std::fs::read_dir(class.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "eml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The EICAR test string, assembled so no source file holds it whole.
pub fn eicar() -> Vec<u8> {
    let mut v = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$".to_vec();
    v.extend_from_slice(b"EICAR-STANDARD-ANTIVIRUS-");
    v.extend_from_slice(b"TEST-FILE!$H+H*");
    v
}

/// A PE header that does nothing: DOS stub, "PE" signature, no code.
pub fn pe() -> Vec<u8> {
    let mut v = vec![0u8; 0x200];
    v[0..2].copy_from_slice(b"MZ");
    v[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    let stub = b"This program cannot be run in DOS mode.\r\r\n$";
    v[0x4e..0x4e + stub.len()].copy_from_slice(stub);
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    v[0x84..0x86].copy_from_slice(&0x14cu16.to_le_bytes());
    v
}

/// An ELF header that does nothing.
pub fn elf() -> Vec<u8> {
    let mut v = vec![0u8; 128];
    v[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    v
}

/// Deflated ZIP from (name, bytes) pairs.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Stored ZIP whose entries carry the "encrypted" flag (bytes left clear:
/// the scanner must not need the password to hold it).
pub fn zip_flagged_encrypted(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    let mut bytes = w.finish().unwrap().into_inner();
    for i in 0..bytes.len().saturating_sub(4) {
        if &bytes[i..i + 4] == b"PK\x03\x04" {
            bytes[i + 6] |= 1;
        } else if &bytes[i..i + 4] == b"PK\x01\x02" {
            bytes[i + 8] |= 1;
        }
    }
    bytes
}

/// A ZIP of sixteen copies of `inner` (`0.zip` … `f.zip`): one level of a
/// 42.zip-style bomb.
pub fn sixteen_copies(inner: &[u8]) -> Vec<u8> {
    let names: Vec<String> = (0..16).map(|i| format!("{i:x}.zip")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), inner)).collect();
    zip(&entries)
}

pub fn gzip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .filename(name)
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn sevenz(entries: &[(&str, &[u8])], password: Option<&str>) -> Vec<u8> {
    use sevenz_rust2::{
        ArchiveEntry, ArchiveWriter, EncoderMethod, Password, encoder_options::AesEncoderOptions,
    };
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    if let Some(pw) = password {
        w.set_content_methods(vec![
            {
                // Fixed IV and salt, so the corpus regenerates byte for byte.
                let mut aes = AesEncoderOptions::new(Password::from(pw));
                aes.iv = [7; 16];
                aes.salt = [9; 16];
                aes.into()
            },
            EncoderMethod::LZMA2.into(),
        ]);
    }
    for (name, data) in entries {
        w.push_archive_entry(ArchiveEntry::new_file(name), Some(*data))
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// An OLE compound file with the given root class id and streams.
pub fn ole(clsid: Option<&str>, streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut f = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    if let Some(id) = clsid {
        f.set_storage_clsid("/", id.parse().unwrap()).unwrap();
    }
    for (path, data) in streams {
        if let Some(parent) = std::path::Path::new(path).parent()
            && parent != std::path::Path::new("/")
            && !f.exists(parent)
        {
            f.create_storage_all(parent).unwrap();
        }
        let mut s = f.create_stream(path).unwrap();
        s.write_all(data).unwrap();
    }
    // Fixed timestamps on every storage, so the corpus regenerates byte for byte.
    let storages: Vec<std::path::PathBuf> = f
        .walk()
        .filter(|e| !e.is_stream())
        .map(|e| e.path().to_path_buf())
        .collect();
    for path in storages {
        f.set_created_time(&path, std::time::UNIX_EPOCH).unwrap();
        f.set_modified_time(&path, std::time::UNIX_EPOCH).unwrap();
    }
    f.flush().unwrap();
    f.into_inner().into_inner()
}

/// VBA source that runs on opening and starts a program (inert text).
pub const VBA_AUTOEXEC: &[u8] = b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n  Set s = CreateObject(\"WScript.Shell\")\r\n  s.Run \"calc.exe\"\r\nEnd Sub\r\n";

pub fn ole_doc_with_macros() -> Vec<u8> {
    ole(
        None,
        &[
            ("/WordDocument", b"\xec\xa5 fake word stream"),
            ("/Macros/VBA/_VBA_PROJECT", b"\xcc\x61 _VBA_PROJECT"),
            ("/Macros/VBA/ThisDocument", VBA_AUTOEXEC),
        ],
    )
}

pub fn ole_doc_clean() -> Vec<u8> {
    ole(
        None,
        &[
            ("/WordDocument", b"\xec\xa5 fake word stream"),
            ("/1Table", b"table"),
        ],
    )
}

pub fn msi() -> Vec<u8> {
    ole(
        Some("000C1084-0000-0000-C000-000000000046"),
        &[("/\u{5}SummaryInformation", b"summary")],
    )
}

const CT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#;
const RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

pub fn docx(text: &str) -> Vec<u8> {
    let ct = format!(
        r#"{CT_HEAD}<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
    );
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    );
    zip(&[
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", RELS),
        ("word/document.xml", doc.as_bytes()),
    ])
}

pub fn docm(text: &str) -> Vec<u8> {
    let ct = format!(
        r#"{CT_HEAD}<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#
    );
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    );
    let vba = ole(
        None,
        &[
            ("/VBA/_VBA_PROJECT", b"\xcc\x61 _VBA_PROJECT"),
            ("/VBA/ThisDocument", VBA_AUTOEXEC),
        ],
    );
    zip(&[
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", RELS),
        ("word/document.xml", doc.as_bytes()),
        ("word/vbaProject.bin", &vba),
    ])
}

pub fn xlsx(macros: bool) -> Vec<u8> {
    let main = if macros {
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    };
    let ct =
        format!(r#"{CT_HEAD}<Override PartName="/xl/workbook.xml" ContentType="{main}"/></Types>"#);
    let wb = br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Budget" sheetId="1"/></sheets></workbook>"#;
    let vba = ole(
        None,
        &[
            ("/VBA/_VBA_PROJECT", b"_VBA_PROJECT"),
            ("/VBA/ThisWorkbook", b"Sub Workbook_Open()\r\nEnd Sub"),
        ],
    );
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", wb),
    ];
    if macros {
        entries.push(("xl/vbaProject.bin", &vba));
    }
    zip(&entries)
}

pub fn odt(macros: bool) -> Vec<u8> {
    let manifest = br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>"#;
    let content = br#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><office:body><office:text>Compte rendu du conseil municipal</office:text></office:body></office:document-content>"#;
    let module = br#"<?xml version="1.0" encoding="UTF-8"?><script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">Sub Main
  Shell("cmd.exe /c calc")
End Sub</script:module>"#;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content),
        ("META-INF/manifest.xml", manifest),
    ];
    if macros {
        entries.push(("Basic/script-lc.xml", b"<library:libraries/>"));
        entries.push(("Basic/Standard/script-lb.xml", b"<library:library/>"));
        entries.push(("Basic/Standard/Module1.xml", module));
    }
    zip(&entries)
}

pub fn jar() -> Vec<u8> {
    zip(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nMain-Class: Main\r\n",
        ),
        ("Main.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34 fake class"),
    ])
}

/// A minimal PDF; `extra` objects are inserted before the trailer.
pub fn pdf(catalog_extra: &str, extra_objects: &[String]) -> Vec<u8> {
    let mut out = String::from("%PDF-1.7\n%\u{e2}\u{e3}\u{cf}\u{d3}\n");
    out.push_str(&format!(
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>\nendobj\n"
    ));
    out.push_str("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    out.push_str("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n");
    out.push_str("4 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 712 Td (Facture 2026-118) Tj ET\nendstream\nendobj\n");
    for obj in extra_objects {
        out.push_str(obj);
    }
    out.push_str("trailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out.into_bytes()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A PDF with one embedded file (FlateDecode), referenced from the catalog.
pub fn pdf_with_embedded(name: &str, data: &[u8]) -> Vec<u8> {
    let packed = deflate(data);
    let head = format!(
        "5 0 obj\n<< /Type /Filespec /F ({name}) /UF ({name}) /AFRelationship /Data /EF << /F 6 0 R >> >>\nendobj\n6 0 obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length {} >>\nstream\n",
        packed.len()
    );
    let mut bytes = pdf(
        "/Names << /EmbeddedFiles << /Names [(factur-x.xml) 5 0 R] >> >> /AF [5 0 R]",
        &[],
    );
    // Insert the objects before the trailer.
    let trailer = bytes.windows(7).position(|w| w == b"trailer").unwrap();
    let tail = bytes.split_off(trailer);
    bytes.extend_from_slice(head.as_bytes());
    bytes.extend_from_slice(&packed);
    bytes.extend_from_slice(b"\nendstream\nendobj\n");
    bytes.extend_from_slice(&tail);
    bytes
}

pub const FACTURX_XML: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
  <rsm:ExchangedDocument><ram:ID xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">F2026-118</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>
"#;

pub fn iso() -> Vec<u8> {
    let mut v = vec![0u8; 0x8800];
    v[0x8000..0x8006].copy_from_slice(b"\x01CD001");
    v
}

pub fn vhdx() -> Vec<u8> {
    let mut v = b"vhdxfile".to_vec();
    v.resize(4096, 0);
    v
}

pub fn onenote() -> Vec<u8> {
    let mut v = b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3".to_vec();
    v.resize(2048, 0);
    v
}

pub fn lnk(target: &str) -> Vec<u8> {
    let mut v = b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
        .to_vec();
    v.resize(0x4c, 0);
    for unit in target.encode_utf16() {
        v.extend_from_slice(&unit.to_le_bytes());
    }
    v.resize(v.len() + 64, 0);
    v
}

pub fn chm() -> Vec<u8> {
    let mut v = b"ITSF\x03\x00\x00\x00".to_vec();
    v.resize(512, 0);
    v
}

pub fn rar() -> Vec<u8> {
    let mut v = b"Rar!\x1a\x07\x01\x00".to_vec();
    v.resize(256, 0x11);
    v
}

pub fn cab() -> Vec<u8> {
    let mut v = b"MSCF\0\0\0\0".to_vec();
    v.resize(256, 0x22);
    v
}

pub fn jpeg() -> Vec<u8> {
    let mut v = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    v.resize(1024, 0x42);
    v.extend_from_slice(b"\xff\xd9");
    v
}

pub fn png() -> Vec<u8> {
    let mut v =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
            .to_vec();
    v.resize(200, 0);
    v
}

/// A TNEF stream with the given attachments.
/// One TNEF attribute: level, id, length, data, checksum ([MS-OXTNEF] §2.1.3.1).
fn attr(out: &mut Vec<u8>, level: u8, id: u32, data: &[u8]) {
    out.push(level);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    let sum: u32 = data.iter().map(|&b| b as u32).sum();
    out.extend_from_slice(&((sum & 0xffff) as u16).to_le_bytes());
}

pub fn tnef(attachments: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = 0x223e_9f78u32.to_le_bytes().to_vec();
    out.extend_from_slice(&0x1234u16.to_le_bytes());
    attr(&mut out, 1, 0x0008_9006, &[0x01, 0x00, 0x01, 0x00]); // attTnefVersion
    for (name, data) in attachments {
        attr(
            &mut out,
            2,
            0x0006_9002,
            &[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
        );
        let mut title = name.as_bytes().to_vec();
        title.push(0);
        attr(&mut out, 2, 0x0001_8010, &title);
        attr(&mut out, 2, 0x0006_800f, data);
    }
    out
}

/// A TNEF stream whose one attachment is an attached message (attach
/// method 5, [MS-OXTNEF] §2.1.3.3.2): `attAttachment` carries
/// `PR_ATTACH_METHOD` = 5, `PR_DISPLAY_NAME` and `PR_ATTACH_DATA_OBJ`
/// (a 16-byte interface id, then the message as a TNEF stream of its own).
pub fn tnef_embedded_message(display_name: &str, inner: &[u8]) -> Vec<u8> {
    fn padded(out: &mut Vec<u8>, data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    let mut props = 3u32.to_le_bytes().to_vec();
    // PR_ATTACH_METHOD (0x3705, PT_LONG) = ATTACH_EMBEDDED_MSG
    props.extend_from_slice(&0x3705_0003u32.to_le_bytes());
    props.extend_from_slice(&5u32.to_le_bytes());
    // PR_DISPLAY_NAME (0x3001, PT_STRING8)
    props.extend_from_slice(&0x3001_001eu32.to_le_bytes());
    props.extend_from_slice(&1u32.to_le_bytes());
    let mut name = display_name.as_bytes().to_vec();
    name.push(0);
    padded(&mut props, &name);
    // PR_ATTACH_DATA_OBJ (0x3701, PT_OBJECT): IID_IMessage, then TNEF
    props.extend_from_slice(&0x3701_000du32.to_le_bytes());
    props.extend_from_slice(&1u32.to_le_bytes());
    let mut object = vec![
        0x07, 0x03, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
    ];
    object.extend_from_slice(inner);
    padded(&mut props, &object);
    let mut out = 0x223e_9f78u32.to_le_bytes().to_vec();
    out.extend_from_slice(&0x1234u16.to_le_bytes());
    attr(&mut out, 1, 0x0008_9006, &[0x01, 0x00, 0x01, 0x00]); // attTnefVersion
    attr(
        &mut out,
        2,
        0x0006_9002,
        &[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
    );
    attr(&mut out, 2, 0x0006_9005, &props); // attAttachment
    out
}

/// Base64 with 76-column CRLF lines.
pub fn b64(data: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(s.len() + s.len() / 38);
    for chunk in s.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push_str("\r\n");
    }
    out
}

/// Uuencodes a file as a `begin 644 name … end` block.
pub fn uuencode(name: &str, data: &[u8]) -> String {
    let enc = |v: u8| if v == 0 { '`' } else { (v + 32) as char };
    let mut out = format!("begin 644 {name}\r\n");
    for line in data.chunks(45) {
        out.push(enc(line.len() as u8));
        for c in line.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            out.push(enc(b[0] >> 2));
            out.push(enc((b[0] & 3) << 4 | b[1] >> 4));
            out.push(enc((b[1] & 15) << 2 | b[2] >> 6));
            out.push(enc(b[2] & 63));
        }
        out.push_str("\r\n");
    }
    out.push_str("`\r\nend\r\n");
    out
}

/// Standard headers of a test message.
pub fn headers(subject: &str) -> String {
    format!(
        "From: =?utf-8?q?Mairie_de_Saint-=C3=89tienne?= <mairie@ville-exemple.fr>\r\nTo: agent@ville-exemple.fr\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 09:30:00 +0100\r\nMessage-ID: <{}@ville-exemple.fr>\r\nMIME-Version: 1.0\r\n",
        subject.len() * 7919 + subject.bytes().map(|b| b as usize).sum::<usize>()
    )
}

/// A text/plain body part.
pub fn text_part(text: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
    )
}

/// A base64 attachment part.
pub fn attachment(ctype: &str, filename: &str, data: &[u8]) -> String {
    format!(
        "Content-Type: {ctype}; name=\"{filename}\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{filename}\"\r\n\r\n{}",
        b64(data)
    )
}

/// multipart/<sub> from parts, with the given boundary.
pub fn multipart(sub: &str, boundary: &str, parts: &[String]) -> String {
    let mut out = format!("Content-Type: multipart/{sub}; boundary=\"{boundary}\"\r\n\r\n");
    for p in parts {
        out.push_str(&format!("--{boundary}\r\n{p}\r\n"));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// A whole message: headers, then a body that starts with its own headers.
pub fn message(subject: &str, body: &str) -> String {
    format!("{}{}", headers(subject), body)
}

/// The usual shape: a text and one attachment.
pub fn with_attachment(subject: &str, ctype: &str, filename: &str, data: &[u8]) -> String {
    message(
        subject,
        &multipart(
            "mixed",
            "=_ecluse_boundary_1",
            &[
                text_part(
                    "Bonjour,\r\n\r\nVeuillez trouver ci-joint le document.\r\n\r\nCordialement",
                ),
                attachment(ctype, filename, data),
            ],
        ),
    )
}

/// Xxencodes a file: the framing of [`uuencode`], the alphabet
/// `+-0-9A-Za-z`.
pub fn xxencode(name: &str, data: &[u8]) -> String {
    const XX: &[u8; 64] = b"+-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let enc = |v: u8| XX[v as usize] as char;
    let mut out = format!("begin 644 {name}\r\n");
    for line in data.chunks(45) {
        out.push(enc(line.len() as u8));
        for c in line.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            out.push(enc(b[0] >> 2));
            out.push(enc((b[0] & 3) << 4 | b[1] >> 4));
            out.push(enc((b[1] & 15) << 2 | b[2] >> 6));
            out.push(enc(b[2] & 63));
        }
        out.push_str("\r\n");
    }
    out.push_str("+\r\nend\r\n");
    out
}

/// yEnc 1.3 of a file, one part: `=ybegin`, lines of 128 bytes each
/// shifted by 42 (NUL, LF, CR and `=` escaped), `=yend` with the CRC-32.
pub fn yenc(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("=ybegin line=128 size={} name={name}\r\n", data.len()).into_bytes();
    for line in data.chunks(128) {
        for &b in line {
            let v = b.wrapping_add(42);
            if matches!(v, 0 | b'\n' | b'\r' | b'=') {
                out.extend_from_slice(&[b'=', v.wrapping_add(64)]);
            } else {
                out.push(v);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(
        format!("=yend size={} crc32={:08x}\r\n", data.len(), crc.sum()).as_bytes(),
    );
    out
}

/// CRC-16/XMODEM, BinHex 4.0's checksum.
fn crc16_xmodem(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                crc << 1 ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// BinHex 4.0 of a file (RFC 1741 appendix): the header naming it, the
/// data fork, an empty resource fork, their CRCs, run-length encoded and
/// written in the BinHex alphabet, 64 characters a line.
pub fn binhex(name: &str, data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] =
        b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    let mut stream = vec![name.len() as u8];
    stream.extend_from_slice(name.as_bytes());
    stream.push(0);
    stream.extend_from_slice(b"????????\0\0");
    stream.extend_from_slice(&(data.len() as u32).to_be_bytes());
    stream.extend_from_slice(&0u32.to_be_bytes());
    let header_crc = crc16_xmodem(&stream);
    stream.extend_from_slice(&header_crc.to_be_bytes());
    stream.extend_from_slice(data);
    stream.extend_from_slice(&crc16_xmodem(data).to_be_bytes());
    stream.extend_from_slice(&0u16.to_be_bytes());
    let mut rle = Vec::new();
    let mut i = 0;
    while i < stream.len() {
        let b = stream[i];
        let run = stream[i..]
            .iter()
            .take(255)
            .take_while(|&&c| c == b)
            .count();
        if b == 0x90 {
            rle.extend_from_slice(&[0x90, 0]);
            i += 1;
        } else if run >= 4 {
            rle.extend_from_slice(&[b, 0x90, run as u8]);
            i += run;
        } else {
            rle.push(b);
            i += 1;
        }
    }
    let mut chars = Vec::new();
    for chunk in rle.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = [
            b[0] >> 2,
            (b[0] & 3) << 4 | b[1] >> 4,
            (b[1] & 15) << 2 | b[2] >> 6,
            b[2] & 63,
        ];
        for s in &v[..chunk.len() + 1] {
            chars.push(ALPHABET[*s as usize]);
        }
    }
    let mut out = String::from("(This file must be converted with BinHex 4.0)\r\n:");
    for (n, c) in chars.iter().enumerate() {
        out.push(*c as char);
        if n % 64 == 62 {
            out.push_str("\r\n");
        }
    }
    out.push_str(":\r\n");
    out
}

/// How the end of a ZIP is written ([`zip_with_end`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipEnd {
    /// The classic end record alone.
    Classic,
    /// A ZIP64 end record and locator, the classic fields all saturated.
    Zip64Saturated,
    /// A ZIP64 end record and locator, the classic fields the same values.
    Zip64Equal,
    /// Two central directories: the classic record points at the first
    /// (the `first` entries), the ZIP64 record at the second (the
    /// `second` ones); with `saturate_count`, the classic count says
    /// « see ZIP64 » while its offset still points at the first.
    Zip64Elsewhere { saturate_count: bool },
}

/// A stored ZIP of `first` then `second`, ended as `end` says. With
/// `zip64_local`, the local headers give their sizes in a ZIP64 extra
/// field (sizes 0xFFFFFFFF), as streaming ZIP64 writers do; readers that
/// walk local headers without ZIP64 support stop at the first one.
pub fn zip_with_end(
    first: &[(&str, &[u8])],
    second: &[(&str, &[u8])],
    end: ZipEnd,
    zip64_local: bool,
) -> Vec<u8> {
    let le16 = |v: usize| (v as u16).to_le_bytes();
    let le32 = |v: u64| (v as u32).to_le_bytes();
    let mut out = Vec::new();
    let mut central = Vec::new(); // (name, crc, size, offset)
    for (name, data) in first.iter().chain(second) {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u64;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&le16(if zip64_local { 45 } else { 20 }));
        out.extend_from_slice(&[0, 0, 0, 0]); // flags, stored
        out.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
        out.extend_from_slice(&crc.sum().to_le_bytes());
        let size = data.len() as u64;
        if zip64_local {
            out.extend_from_slice(&[0xff; 8]);
        } else {
            out.extend_from_slice(&le32(size));
            out.extend_from_slice(&le32(size));
        }
        out.extend_from_slice(&le16(name.len()));
        out.extend_from_slice(&le16(if zip64_local { 20 } else { 0 }));
        out.extend_from_slice(name.as_bytes());
        if zip64_local {
            out.extend_from_slice(&1u16.to_le_bytes());
            out.extend_from_slice(&16u16.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
        }
        out.extend_from_slice(data);
        central.push((name.to_string(), crc.sum(), size, offset));
    }
    let directory = |entries: &[(String, u32, u64, u64)], out: &mut Vec<u8>| {
        let start = out.len() as u64;
        for (name, crc, size, offset) in entries {
            out.extend_from_slice(b"PK\x01\x02");
            out.extend_from_slice(&le16(45));
            out.extend_from_slice(&le16(if zip64_local { 45 } else { 20 }));
            out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x21, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&le32(*size));
            out.extend_from_slice(&le32(*size));
            out.extend_from_slice(&le16(name.len()));
            out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal
            out.extend_from_slice(&[0; 4]); // external attributes
            out.extend_from_slice(&le32(*offset));
            out.extend_from_slice(name.as_bytes());
        }
        (start, out.len() as u64 - start, entries.len() as u64)
    };
    let (classic_dir, zip64_dir) = match end {
        ZipEnd::Zip64Elsewhere { .. } => {
            let one = directory(&central[..first.len()], &mut out);
            let two = directory(&central[first.len()..], &mut out);
            (one, two)
        }
        _ => {
            let one = directory(&central, &mut out);
            (one, one)
        }
    };
    if end != ZipEnd::Classic {
        let record = out.len() as u64;
        let (offset, size, count) = zip64_dir;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&le16(45));
        out.extend_from_slice(&le16(45));
        out.extend_from_slice(&[0; 8]); // disk numbers
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(b"PK\x06\x07");
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&record.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    let (offset, size, count) = classic_dir;
    let (count, size, offset) = match end {
        ZipEnd::Zip64Saturated => (0xffff, 0xffff_ffff, 0xffff_ffff),
        ZipEnd::Zip64Elsewhere {
            saturate_count: true,
        } => (0xffff, size, offset),
        _ => (count, size, offset),
    };
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&le16(count as usize));
    out.extend_from_slice(&le16(count as usize));
    out.extend_from_slice(&le32(size));
    out.extend_from_slice(&le32(offset));
    out.extend_from_slice(&[0, 0]);
    out
}
