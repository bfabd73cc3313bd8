//! What a decoded object really is, from its bytes: magic numbers first,
//! `infer` for common media, our own checks where `infer` is blind (OLE
//! sub-types, OOXML macro variants, disk images, LNK, OneNote, scripts), and
//! the coarse families that compare what a name or a declared type promises
//! with what the bytes are (the name checks themselves: [`super::names`]).

use std::io::{Cursor, Read};

/// The family of a detected object: what the scanner does with it next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// PE, ELF, Mach-O, APK.
    Executable,
    /// Windows Installer package (an OLE file with the MSI class id).
    Msi,
    /// Java archive (a ZIP with a manifest or classes).
    Jar,
    /// Compiled HTML help.
    Chm,
    /// A text file of a type Windows opens with a program that runs code
    /// or connects out (a `.rdp`, `.url`, `.library-ms` …), found by its
    /// signature ([`crate::dangerous`]).
    Descriptor {
        /// The extension its signature stands for (`rdp`, `slk` …).
        ext: &'static str,
        /// Its entry in the table.
        t: &'static crate::dangerous::DangerousType,
    },
    /// A script Windows or a shell runs.
    Script,
    /// Windows shortcut.
    Lnk,
    /// Microsoft Management Console file.
    Msc,
    /// ISO, UDF, raw FAT/NTFS image, VHD, VHDX, DMG, WIM.
    DiskImage,
    /// OneNote section.
    OneNote,
    /// OLE compound file (doc, xls, ppt …); `macros` when it has a VBA project.
    Ole {
        macros: bool,
    },
    /// ActiveMime data (`editdata.mso`, `oledata.mso`): a zlib-compressed
    /// OLE storage that Word and Excel write into MHTML and Word 2003 XML
    /// documents ([`crate::formats::activemime`]).
    ActiveMime,
    /// Office Open XML; `macros` when it has a `vbaProject.bin`.
    Ooxml {
        macros: bool,
    },
    /// OpenDocument.
    Odf,
    /// Plain ZIP.
    Zip,
    Gzip,
    Tar,
    SevenZip,
    /// `winmail.dat`.
    Tnef,
    /// An archive we do not open.
    OtherArchive,
    Pdf,
    /// An RFC 5322 message (an `.eml`, a forwarded message), found by its
    /// header block whatever its name or declared type.
    Message,
    /// A CMS (PKCS #7) structure: S/MIME `smime.p7m`, a `.p7m` file.
    Cms,
    /// OpenPGP encrypted data, armoured or as binary packets.
    Pgp,
    /// An iCalendar object (`BEGIN:VCALENDAR`), which may carry files in
    /// `ATTACH` properties.
    Calendar,
    /// A file written as text (uuencode, xxencode, yEnc, BinHex 4.0, a
    /// base64 file), which archivers and mail readers decode
    /// ([`super::encodings`]).
    Encoded,
    Html,
    Svg,
    Rtf,
    Xml,
    Image,
    Media,
    Text,
    Unknown,
}

/// The detected type of one object.
#[derive(Debug, Clone)]
pub(crate) struct Detected {
    pub mime: String,
    pub kind: Kind,
}

impl Detected {
    fn new(mime: impl Into<String>, kind: Kind) -> Detected {
        Detected {
            mime: mime.into(),
            kind,
        }
    }
}

fn at(bytes: &[u8], offset: usize, magic: &[u8]) -> bool {
    bytes.get(offset..offset + magic.len()) == Some(magic)
}

fn le_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(offset..offset + 4)?.try_into().ok()?,
    ))
}

/// The magic at the start of ActiveMime data (oletools' `olevba`,
/// `MSO_ACTIVEMIME_HEADER`).
pub(crate) const ACTIVEMIME_MAGIC: &[u8] = b"ActiveMime";

/// The short upper-case type of the LOKI/THOR `filetype` external
/// (`EXE`, `ELF`, `ZIP`, `PDF`, `DOC` …; empty when none fits), as public
/// rule sets test it.
pub(crate) fn short_type(d: &Detected) -> &'static str {
    match d.kind {
        Kind::Executable => match d.mime.as_str() {
            "application/x-executable" => "ELF",
            "application/x-mach-binary" => "MACHO",
            "application/vnd.android.package-archive" => "APK",
            _ => "EXE",
        },
        Kind::Msi => "MSI",
        Kind::Jar => "JAR",
        Kind::Chm => "CHM",
        Kind::Lnk => "LNK",
        Kind::Zip => "ZIP",
        Kind::Gzip => "GZIP",
        Kind::Tar => "TAR",
        Kind::SevenZip => "7Z",
        Kind::OtherArchive if d.mime == "application/vnd.rar" => "RAR",
        Kind::OtherArchive => "ARCHIVE",
        Kind::Pdf => "PDF",
        Kind::Rtf => "RTF",
        Kind::Ole { .. } => match d.mime.as_str() {
            "application/msword" => "DOC",
            "application/vnd.ms-excel" => "XLS",
            "application/vnd.ms-powerpoint" => "PPT",
            "application/vnd.ms-outlook" => "MSG",
            _ => "OLE",
        },
        Kind::Ooxml { .. } => match d.mime.as_str() {
            m if m.contains("wordprocessingml") || m.contains("ms-word") => "DOCX",
            m if m.contains("spreadsheetml") || m.contains("ms-excel") => "XLSX",
            m if m.contains("presentationml") || m.contains("ms-powerpoint") => "PPTX",
            _ => "OOXML",
        },
        Kind::Odf => "ODF",
        Kind::Html => "HTML",
        Kind::Svg => "SVG",
        Kind::Xml => "XML",
        Kind::Script => "SCRIPT",
        Kind::Message => "EML",
        Kind::Image => "IMAGE",
        Kind::Text => "TXT",
        _ => "",
    }
}

/// Whether an `MZ` file's DOS header parses as the loader reads it
/// (`IMAGE_DOS_HEADER`, Microsoft PE format documentation, "MS-DOS Stub"):
/// `e_cblp` (bytes in the last 512-byte page) below 512, `e_cp` (pages)
/// at least 1, and `e_cparhdr` (header size in 16-byte paragraphs) at
/// least the 28 bytes of the fixed fields and within the file. Text cannot
/// meet the first: its bytes 2 and 3 are printable, so `e_cblp` ≥ 0x2020.
pub(crate) fn dos_header(bytes: &[u8]) -> bool {
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let (Some(cblp), Some(cp), Some(cparhdr)) = (u16_at(2), u16_at(4), u16_at(8)) else {
        return false;
    };
    cblp < 512 && cp >= 1 && cparhdr >= 2 && (cparhdr as usize) * 16 <= bytes.len()
}

/// Looks at the bytes (and, for ZIP and OLE, inside the container directory).
pub(crate) fn detect(bytes: &[u8]) -> Detected {
    use Kind::*;
    // Native executables.
    if at(bytes, 0, b"MZ") {
        let pe = le_u32(bytes, 0x3c).is_some_and(|off| at(bytes, off as usize, b"PE\0\0"));
        if pe {
            return Detected::new("application/vnd.microsoft.portable-executable", Executable);
        }
        // "MZ" without a PE header is a DOS program only when its DOS
        // header parses; otherwise it is whatever the rest says (a text
        // that starts "MZ, zone artisanale" is text).
        if dos_header(bytes) {
            return Detected::new("application/x-dosexec", Executable);
        }
    }
    if at(bytes, 0, b"\x7fELF") {
        return Detected::new("application/x-executable", Executable);
    }
    for magic in [
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ] {
        if at(bytes, 0, magic) {
            return Detected::new("application/x-mach-binary", Executable);
        }
    }
    // 0xCAFEBABE is a Mach-O fat binary or a Java class; both run code.
    if at(bytes, 0, b"\xca\xfe\xba\xbe") {
        return Detected::new("application/x-mach-binary", Executable);
    }
    if at(bytes, 0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return detect_ole(bytes);
    }
    if at(bytes, 0, ACTIVEMIME_MAGIC) {
        return Detected::new("application/x-mso", Kind::ActiveMime);
    }
    // Shell link header: size 0x4C then CLSID 00021401-0000-0000-C000-000000000046.
    if at(
        bytes,
        0,
        b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46",
    ) {
        return Detected::new("application/x-ms-shortcut", Lnk);
    }
    // OneNote section GUID {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}.
    if at(
        bytes,
        0,
        b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d\xae\xb1\x53\x78\xd0\x29\x96\xd3",
    ) {
        return Detected::new("application/onenote", OneNote);
    }
    if at(bytes, 0, b"ITSF") {
        return Detected::new("application/vnd.ms-htmlhelp", Chm);
    }
    if at(bytes, 0, b"PK\x03\x04") || at(bytes, 0, b"PK\x05\x06") || at(bytes, 0, b"PK\x07\x08") {
        return detect_zip(bytes);
    }
    if at(bytes, 0, b"\x1f\x8b") {
        return Detected::new("application/gzip", Gzip);
    }
    if at(bytes, 0, b"7z\xbc\xaf\x27\x1c") {
        return Detected::new("application/x-7z-compressed", SevenZip);
    }
    if at(bytes, 0, b"\x78\x9f\x3e\x22") {
        return Detected::new("application/vnd.ms-tnef", Tnef);
    }
    if at(bytes, 257, b"ustar") {
        return Detected::new("application/x-tar", Tar);
    }
    for (offset, magic, mime) in [
        (0, &b"Rar!\x1a\x07"[..], "application/vnd.rar"),
        (0, b"MSCF\0\0\0\0", "application/vnd.ms-cab-compressed"),
        (0, b"BZh", "application/x-bzip2"),
        (0, b"\xfd7zXZ\0", "application/x-xz"),
        (0, b"\x28\xb5\x2f\xfd", "application/zstd"),
        (0, b"\x60\xea", "application/x-arj"),
        (2, b"-lh", "application/x-lzh-compressed"),
        (7, b"**ACE**", "application/x-ace-compressed"),
        (0, b"\x1f\x9d", "application/x-compress"),
        (0, b"xar!", "application/x-xar"),
        (0, b"MSWIM\0\0\0", "application/x-ms-wim"),
    ] {
        if at(bytes, offset, magic) {
            let kind = if mime == "application/x-ms-wim" {
                DiskImage
            } else {
                OtherArchive
            };
            return Detected::new(mime, kind);
        }
    }
    if let Some(mime) = disk_image(bytes) {
        return Detected::new(mime, DiskImage);
    }
    // ISO 32000-1 §7.5.2 puts the header first; readers accept it within
    // the first 1,024 bytes. At the start it decides; further in, the
    // other readings of the bytes come first (a message, an RTF, an SVG
    // that merely quote "%PDF-" are opened as what they are, and
    // `walk::kind_findings` reads their PDF side too), and a text that is
    // nothing else is a PDF only when PDF objects follow.
    let pdf_at = memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-");
    if pdf_at == Some(0) {
        return Detected::new("application/pdf", Pdf);
    }
    let rest = detect_after_pdf_header(bytes);
    if pdf_at.is_some() && matches!(rest.kind, Text | Unknown) && pdf_body(bytes) {
        return Detected::new("application/pdf", Pdf);
    }
    rest
}

/// Whether a "%PDF-" marker found past the start has a PDF after it:
/// indirect objects (`obj` … `endobj`, §7.3.10) and a cross-reference
/// section or stream, or the end-of-file marker.
pub(crate) fn pdf_body(bytes: &[u8]) -> bool {
    let has = |n: &[u8]| memchr::memmem::find(bytes, n).is_some();
    has(b"endobj") && (has(b"%%EOF") || has(b"startxref") || has(b"xref"))
}

/// Whether the bytes carry a PDF header within the first 1,024 bytes but
/// not at the start: a second reading of an object detected as something
/// else.
pub(crate) fn pdf_inside(bytes: &[u8]) -> bool {
    memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some_and(|p| p > 0)
}

/// [`detect`] past the PDF header check.
fn detect_after_pdf_header(bytes: &[u8]) -> Detected {
    use Kind::*;
    // Before the readings of binary formats: a yEnc text may hold any
    // byte, an end-of-directory record too.
    if let Some(encoding) = super::encodings::encoded_start(bytes) {
        return Detected::new(encoding.mime(), Encoded);
    }
    if at(bytes, 0, b"{\\rt") {
        return Detected::new("application/rtf", Rtf);
    }
    if is_cms(bytes) {
        return Detected::new("application/pkcs7-mime", Cms);
    }
    // infer also looks for "%PDF" in the first 1,024 bytes: decided above.
    if let Some(t) = infer::get(bytes).filter(|t| t.mime_type() != "application/pdf") {
        let mime = t.mime_type();
        match t.matcher_type() {
            infer::MatcherType::Image => return Detected::new(mime, Image),
            infer::MatcherType::Audio | infer::MatcherType::Video | infer::MatcherType::Font => {
                return Detected::new(mime, Media);
            }
            infer::MatcherType::Archive => return Detected::new(mime, OtherArchive),
            _ => {}
        }
    }
    if is_pgp_packets(bytes) {
        return Detected::new("application/pgp-encrypted", Pgp);
    }
    // A ZIP after a prefix (a self-extractor stub, a polyglot, junk before
    // `PK`): 7-Zip and unzip find its end record and open it.
    if zip_end_record(bytes) {
        return detect_zip(bytes);
    }
    detect_text(bytes)
}

/// Whether `head` starts with an RFC 5322 header block (§2.2, §3.6): an
/// optional mbox `From ` line, then only header fields (a name of printable
/// ASCII but `:`, then `:`) and folded lines, ended by an empty line, with
/// at least two fields of which one is a message field a mail reader would
/// know (`From`, `Date`, `Subject`, `Message-ID`, `MIME-Version`,
/// `Received`, `Return-Path`, `Content-Type`, `To`). A text file of
/// `Key: value` lines is not a message.
pub(crate) fn looks_like_message(head: &[u8]) -> bool {
    const MAIL_FIELDS: &[&[u8]] = &[
        b"from",
        b"date",
        b"subject",
        b"message-id",
        b"mime-version",
        b"received",
        b"return-path",
        b"content-type",
        b"to",
        b"delivered-to",
        b"x-mailer",
    ];
    header_fields(head).is_some_and(|names| {
        names.len() >= 2
            && names
                .iter()
                .any(|n| MAIL_FIELDS.iter().any(|f| n.eq_ignore_ascii_case(f)))
    })
}

/// Whether `head` is a MIME entity (RFC 2045 §2.4): a header block as
/// [`looks_like_message`] reads it with a `Content-Type` field, as the
/// content of an S/MIME structure is (RFC 8551 §3.1), often with that one
/// field alone.
pub(crate) fn looks_like_mime_entity(head: &[u8]) -> bool {
    header_fields(head).is_some_and(|names| {
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(b"content-type"))
    })
}

/// The field names of the header block `head` starts with (RFC 5322 §2.2:
/// printable ASCII but `:`, white space allowed before the colon by the
/// obsolete syntax; folded lines continue a field), after an optional
/// mbox `From ` line; `None` unless the block ends with an empty line
/// within 500 lines.
fn header_fields(head: &[u8]) -> Option<Vec<&[u8]>> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let mut lines = head.split(|&b| b == b'\n').peekable();
    if lines.peek().is_some_and(|l| l.starts_with(b"From ")) {
        lines.next();
    }
    let mut names = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return (!names.is_empty()).then_some(names);
        }
        if i > 0 && (line[0] == b' ' || line[0] == b'\t') {
            continue;
        }
        let colon = memchr::memchr(b':', line)?;
        let name = line[..colon].trim_ascii_end();
        if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) || i > 500 {
            return None;
        }
        names.push(name);
    }
    None
}

/// A DER or BER `ContentInfo` (RFC 5652 §3) of a CMS type: SEQUENCE, then
/// the OID 1.2.840.113549.1.7.x (signed, enveloped, encrypted …) or
/// 1.2.840.113549.1.9.16.1.23 (auth-enveloped) within its first bytes.
fn is_cms(bytes: &[u8]) -> bool {
    if bytes.first() != Some(&0x30) {
        return false;
    }
    let head = &bytes[..bytes.len().min(24)];
    let pkcs7 = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07";
    let auth_enveloped = b"\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x17";
    memchr::memmem::find(head, pkcs7).is_some()
        || memchr::memmem::find(head, auth_enveloped).is_some()
}

/// Binary OpenPGP that starts with an encrypted session key packet
/// (RFC 9580 §5.1 tag 1, §5.3 tag 3) in the old or the new packet format,
/// followed by a version the tag allows.
fn is_pgp_packets(bytes: &[u8]) -> bool {
    let Some(&first) = bytes.first() else {
        return false;
    };
    let (tag, header) = match first {
        0x84 | 0x8c => (first >> 2 & 0x0f, 2),
        0x85 | 0x8d => (first >> 2 & 0x0f, 3),
        0x86 | 0x8e => (first >> 2 & 0x0f, 5),
        0xc1 | 0xc3 => {
            let len_bytes = match bytes.get(1) {
                Some(0..=191) => 1,
                Some(192..=223) => 2,
                Some(255) => 5,
                _ => return false,
            };
            (first & 0x3f, 1 + len_bytes)
        }
        _ => return false,
    };
    let version = bytes.get(header).copied();
    match tag {
        1 => matches!(version, Some(3 | 6)),
        3 => matches!(version, Some(4 | 5 | 6)),
        _ => false,
    }
}

/// Whether an end-of-central-directory record (APPNOTE.TXT §4.3.16) sits
/// where readers look for it: in the last 64 KiB + 22 bytes, with its
/// comment running exactly to the end of the data.
pub(crate) fn zip_end_record(bytes: &[u8]) -> bool {
    let tail_start = bytes.len().saturating_sub(65_535 + 22);
    let tail = &bytes[tail_start..];
    memchr::memmem::rfind_iter(tail, b"PK\x05\x06").any(|p| {
        let comment = tail
            .get(p + 20..p + 22)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
        comment.is_some_and(|c| p + 22 + c == tail.len())
    })
}

/// ISO 9660 and UDF volume descriptors at sector 16; VHD/VHDX/DMG footers;
/// raw FAT or NTFS boot sectors.
fn disk_image(bytes: &[u8]) -> Option<&'static str> {
    for base in [0x8000usize, 0x8800, 0x9000] {
        if at(bytes, base + 1, b"CD001") {
            return Some("application/x-iso9660-image");
        }
        for udf in [&b"BEA01"[..], b"NSR02", b"NSR03", b"TEA01"] {
            if at(bytes, base + 1, udf) {
                return Some("application/x-udf-image");
            }
        }
    }
    if at(bytes, 0, b"vhdxfile") {
        return Some("application/x-vhdx");
    }
    if at(bytes, 0, b"conectix") {
        return Some("application/x-vhd");
    }
    if bytes.len() >= 512 {
        let tail = &bytes[bytes.len() - 512..];
        if at(tail, 0, b"conectix") {
            return Some("application/x-vhd");
        }
        if at(tail, 0, b"koly") {
            return Some("application/x-apple-diskimage");
        }
    }
    let boot_sector = at(bytes, 510, b"\x55\xaa");
    if boot_sector
        && (at(bytes, 0x36, b"FAT1")
            || at(bytes, 0x52, b"FAT32")
            || at(bytes, 3, b"NTFS    ")
            || at(bytes, 3, b"EXFAT   "))
    {
        return Some("application/x-raw-disk-image");
    }
    None
}

/// OLE compound files: MSI by class id, Office sub-types by stream names,
/// macros by the VBA project storages.
fn detect_ole(bytes: &[u8]) -> Detected {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Detected::new("application/x-ole-storage", Kind::Ole { macros: false });
    };
    // {000C1084-0000-0000-C000-000000000046} and its MSP/MST siblings.
    let clsid = file.root_entry().clsid().to_string().to_ascii_lowercase();
    if clsid.starts_with("000c108") && clsid.ends_with("-0000-0000-c000-000000000046") {
        return Detected::new("application/x-msi", Kind::Msi);
    }
    let mut macros = false;
    let mut mime = "application/x-ole-storage";
    for entry in file.walk() {
        let name = entry.name();
        if name.eq_ignore_ascii_case("_VBA_PROJECT")
            || name.eq_ignore_ascii_case("_VBA_PROJECT_CUR")
            || name.eq_ignore_ascii_case("VBA") && entry.is_storage()
            || name.eq_ignore_ascii_case("Macros") && entry.is_storage()
        {
            macros = true;
        }
        match name {
            "WordDocument" => mime = "application/msword",
            "Workbook" | "Book" => mime = "application/vnd.ms-excel",
            "PowerPoint Document" => mime = "application/vnd.ms-powerpoint",
            "__properties_version1.0" if mime == "application/x-ole-storage" => {
                mime = "application/vnd.ms-outlook";
            }
            _ => {}
        }
    }
    if !macros && mime == "application/vnd.ms-excel" {
        let mut file = file;
        for name in ["/Workbook", "/Book"] {
            if let Ok(stream) = file.open_stream(name) {
                let mut head = Vec::new();
                // The globals substream, where the sheets are declared,
                // comes first.
                if std::io::Read::read_to_end(&mut std::io::Read::take(stream, 4 << 20), &mut head)
                    .is_ok()
                {
                    macros |= biff_macro_sheet(&head);
                }
            }
        }
    }
    Detected::new(mime, Kind::Ole { macros })
}

/// Whether a BIFF8 workbook stream declares an Excel 4.0 (XLM) macro
/// sheet: a `BoundSheet8` record (type 0x0085, [MS-XLS] §2.4.28) whose
/// `dt` byte is 1, in the globals substream (up to its `EOF`, 0x000A).
pub(crate) fn biff_macro_sheet(stream: &[u8]) -> bool {
    let mut i = 0;
    while let Some(header) = stream.get(i..i + 4) {
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = u16::from_le_bytes([header[2], header[3]]) as usize;
        let data = stream.get(i + 4..i + 4 + len).unwrap_or_default();
        match kind {
            0x0085 if data.get(5) == Some(&1) => return true,
            0x000a => return false,
            _ => {}
        }
        i += 4 + len;
    }
    false
}

/// A ZIP is sorted by what its directory holds: OOXML, OpenDocument, Java,
/// Android, or a plain archive.
fn detect_zip(bytes: &[u8]) -> Detected {
    let Some(dir) = zip_directory(bytes) else {
        return Detected::new("application/zip", Kind::Zip);
    };
    let has = |n: &str| dir.names.iter().any(|e| e.eq_ignore_ascii_case(n));
    let has_prefix = |p: &str| dir.names.iter().any(|e| e.starts_with(p));
    if has("[Content_Types].xml") {
        // A macro project really there, not a content-type string: SheetJS
        // and others declare the macro-enabled type as a `Default` for
        // `.bin` in plain workbooks (SheetJS issue 1501).
        // Excel 4.0 macro sheets (`xl/macrosheets/`, international ones
        // in `xl/intlMacrosheets/`, ECMA-376 Part 1 §12.3.19 and
        // [MS-XLSX]) run like VBA and need no project.
        let macros = dir.names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n.ends_with("vbaproject.bin")
                || n.starts_with("xl/macrosheets/")
                || n.starts_with("xl/intlmacrosheets/")
        });
        let mime = match (
            has_prefix("word/"),
            has_prefix("xl/"),
            has_prefix("ppt/"),
            macros,
        ) {
            (true, _, _, false) => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (true, _, _, true) => "application/vnd.ms-word.document.macroEnabled.12",
            (_, true, _, false) => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (_, true, _, true) => "application/vnd.ms-excel.sheet.macroEnabled.12",
            (_, _, true, false) => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            (_, _, true, true) => "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
            _ => "application/vnd.openxmlformats-package",
        };
        return Detected::new(mime, Kind::Ooxml { macros });
    }
    if let Some(mimetype) = &dir.odf_mimetype {
        return Detected::new(mimetype.clone(), Kind::Odf);
    }
    if has("AndroidManifest.xml") && has("classes.dex") {
        return Detected::new("application/vnd.android.package-archive", Kind::Executable);
    }
    if has("META-INF/MANIFEST.MF") || dir.names.iter().any(|n| n.ends_with(".class")) {
        return Detected::new("application/java-archive", Kind::Jar);
    }
    Detected::new("application/zip", Kind::Zip)
}

/// Script markers strong enough to name the content a script on their own.
/// Each is something a plain document never needs.
const SCRIPT_MARKERS: &[(&str, &str)] = &[
    ("<hta:application", "application/hta"),
    ("wscript.shell", "text/vbscript"),
    ("wscript.createobject", "text/vbscript"),
    ("shell.application", "text/vbscript"),
    ("adodb.stream", "text/vbscript"),
    ("msxml2.xmlhttp", "text/vbscript"),
    ("#@~^", "text/x-encoded-script"),
    ("powershell -e", "text/x-powershell"),
    ("-encodedcommand", "text/x-powershell"),
    ("invoke-expression", "text/x-powershell"),
    ("frombase64string(", "text/x-powershell"),
    ("downloadstring(", "text/x-powershell"),
    ("net.webclient", "text/x-powershell"),
    ("windows registry editor version", "text/x-ms-regedit"),
    ("regedit4", "text/x-ms-regedit"),
];

/// Text: HTML, SVG, XML, scripts, or plain text.
fn detect_text(bytes: &[u8]) -> Detected {
    let head_len = bytes.len().min(64 * 1024);
    let head = &bytes[..head_len];
    // UTF-16 text (how .reg files are often saved, and SVG or HTML
    // written by some editors), with or without a byte order mark: keep
    // the low bytes.
    let narrowed;
    let head: &[u8] = if let Some((little, skip)) = crate::decode::utf16_order(head) {
        let low = if little { skip } else { skip + 1 };
        narrowed = head[low.min(head.len())..]
            .iter()
            .step_by(2)
            .copied()
            .collect::<Vec<u8>>();
        &narrowed
    } else {
        head
    };
    let binary = head
        .iter()
        .filter(|&&b| b == 0 || (b < 0x09) || (0x0e..0x1b).contains(&b))
        .count();
    if head.is_empty() {
        return Detected::new("application/x-empty", Kind::Text);
    }
    // A message may carry 8-bit parts: judged by its header block alone.
    if looks_like_message(head) {
        return Detected::new("message/rfc822", Kind::Message);
    }
    if binary * 100 > head.len() {
        return Detected::new("application/octet-stream", Kind::Unknown);
    }
    let lower = head.to_ascii_lowercase();
    let trimmed = lower.trim_ascii_start();
    let trimmed = trimmed.strip_prefix(b"\xef\xbb\xbf").unwrap_or(trimmed);
    let find = |needle: &str| memchr::memmem::find(&lower, needle.as_bytes()).is_some();
    if find("-----begin pgp message-----") {
        return Detected::new("application/pgp-encrypted", Kind::Pgp);
    }
    if trimmed.starts_with(b"begin:vcalendar") {
        return Detected::new("text/calendar", Kind::Calendar);
    }
    if trimmed.starts_with(b"#!") {
        return Detected::new("text/x-shellscript", Kind::Script);
    }
    if trimmed.starts_with(b"@echo off") || trimmed.starts_with(b"@echo on") {
        return Detected::new("application/x-bat", Kind::Script);
    }
    if let Some((mime, ext, t)) = crate::dangerous::by_content(&lower, trimmed) {
        return Detected::new(mime, Kind::Descriptor { ext, t });
    }
    if find("<mmc_consolefile") {
        return Detected::new("application/x-msc", Kind::Msc);
    }
    if find("<job") && find("<script") {
        return Detected::new("text/x-wsf", Kind::Script);
    }
    for (marker, mime) in SCRIPT_MARKERS {
        if find(marker) {
            return Detected::new(*mime, Kind::Script);
        }
    }
    // An SVG document, even one whose <foreignObject> holds an <html>.
    if find("<svg") && (!find("<html") || svg_root(trimmed)) {
        return Detected::new("image/svg+xml", Kind::Svg);
    }
    if trimmed.starts_with(b"<!doctype html")
        || find("<html")
        || find("<body")
        || find("<script")
        || find("<iframe")
        || (trimmed.starts_with(b"<") && (find("<div") || find("<a href") || find("<meta")))
    {
        return Detected::new("text/html", Kind::Html);
    }
    if trimmed.starts_with(b"<?xml") || trimmed.starts_with(b"<") && find("xmlns") {
        return Detected::new("application/xml", Kind::Xml);
    }
    Detected::new("text/plain", Kind::Text)
}

/// Whether the first element of a lower-cased text is `<svg>` (or a
/// prefixed `<x:svg>`), past an XML declaration, processing instructions,
/// comments, a doctype and white space: the document is an SVG image.
fn svg_root(lower: &[u8]) -> bool {
    let mut rest = lower;
    loop {
        rest = rest.trim_ascii_start();
        let skip_to = |r: &[u8], end: &[u8]| memchr::memmem::find(r, end).map(|e| e + end.len());
        let next = if rest.starts_with(b"<?") {
            skip_to(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_to(rest, b"-->")
        } else if rest.starts_with(b"<!") {
            skip_to(rest, b">")
        } else {
            break;
        };
        match next {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
    let Some(tag) = rest.strip_prefix(b"<") else {
        return false;
    };
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(tag.len());
    let name = &tag[..end];
    name == b"svg" || name.ends_with(b":svg")
}

/// A coarse family for comparing what a name or a declared type promises
/// with what the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Pdf,
    WordOoxml,
    ExcelOoxml,
    PowerPointOoxml,
    MacroOoxml,
    Odf,
    OleOffice,
    Zip,
    Gzip,
    SevenZip,
    Rar,
    Image,
    Html,
    Text,
    Rtf,
    Executable,
}

/// The family a file extension promises, when it promises one we can check.
pub(crate) fn family_of_extension(ext: &str) -> Option<Family> {
    use Family::*;
    Some(match ext {
        "pdf" => Pdf,
        "docx" | "dotx" => WordOoxml,
        "xlsx" | "xltx" => ExcelOoxml,
        "pptx" | "potx" | "ppsx" => PowerPointOoxml,
        "docm" | "dotm" | "xlsm" | "xltm" | "xlam" | "pptm" | "potm" | "ppsm" => MacroOoxml,
        "odt" | "ods" | "odp" | "odg" | "ott" | "ots" => Odf,
        "doc" | "dot" | "xls" | "xlt" | "ppt" | "pps" | "msg" => OleOffice,
        "zip" => Zip,
        "gz" | "tgz" => Gzip,
        "7z" => SevenZip,
        "rar" => Rar,
        "jpg" | "jpeg" | "png" | "gif" | "bmp" | "tif" | "tiff" | "webp" | "heic" => Image,
        "htm" | "html" => Html,
        "txt" | "csv" => Text,
        "rtf" => Rtf,
        // .com is left out: DOS .com programs have no magic number.
        "exe" | "dll" | "scr" | "cpl" | "msi" => Executable,
        _ => return None,
    })
}

/// The family a declared MIME type promises (generic types promise nothing).
pub(crate) fn family_of_mime(mime: &str) -> Option<Family> {
    use Family::*;
    let mime = mime.to_ascii_lowercase();
    Some(match mime.as_str() {
        "application/pdf" => Pdf,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => WordOoxml,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => ExcelOoxml,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            PowerPointOoxml
        }
        m if m.contains("macroenabled") => MacroOoxml,
        m if m.starts_with("application/vnd.oasis.opendocument") => Odf,
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => {
            OleOffice
        }
        "application/zip" | "application/x-zip-compressed" => Zip,
        "application/gzip" | "application/x-gzip" => Gzip,
        "application/x-7z-compressed" => SevenZip,
        "application/vnd.rar" | "application/x-rar-compressed" => Rar,
        m if m.starts_with("image/") && m != "image/svg+xml" => Image,
        _ => return None,
    })
}

/// The family of what the bytes turned out to be.
pub(crate) fn family_of_detected(d: &Detected) -> Option<Family> {
    use Family::*;
    Some(match d.kind {
        Kind::Pdf => Pdf,
        Kind::Ooxml { macros: true } => MacroOoxml,
        Kind::Ooxml { macros: false } => match d.mime.as_str() {
            m if m.contains("wordprocessingml") => WordOoxml,
            m if m.contains("spreadsheetml") => ExcelOoxml,
            m if m.contains("presentationml") => PowerPointOoxml,
            _ => return None,
        },
        Kind::Odf => Odf,
        Kind::Ole { .. } if d.mime != "application/x-ole-storage" => OleOffice,
        Kind::Zip => Zip,
        Kind::Gzip => Gzip,
        Kind::SevenZip => SevenZip,
        Kind::OtherArchive if d.mime == "application/vnd.rar" => Rar,
        Kind::Image => Image,
        Kind::Html => Html,
        // A file written as text is text to a reader that does not decode it.
        Kind::Text | Kind::Encoded => Text,
        Kind::Rtf => Rtf,
        Kind::Executable | Kind::Msi => Executable,
        _ => return None,
    })
}

/// Whether content of family `actual` is what a name or type promising
/// `promised` may honestly hold.
pub(crate) fn compatible(promised: Family, actual: Family) -> bool {
    use Family::*;
    promised == actual
        // A .txt or .csv may hold anything textual; HTML saved as .txt is harmless.
        || promised == Text && matches!(actual, Html)
        // Old converters save RTF under .doc; Word and Excel open HTML
        // saved as .doc or .xls (a web page "saved as Word", a portal's
        // "Export Excel"), as they open MHTML and Office XML (whose
        // families are none: no mismatch either).
        || promised == OleOffice && matches!(actual, Rtf | Html)
        // A macro-enabled name or type (.xlsm, .xlsb's
        // `sheet.binary.macroEnabled`) over a document with no macros: what
        // it promises is only that it may have some.
        || promised == MacroOoxml && matches!(actual, WordOoxml | ExcelOoxml | PowerPointOoxml)
}

/// What the central directory of a ZIP says, for type detection.
struct ZipDirectory {
    pub names: Vec<String>,
    /// The `mimetype` entry of an OpenDocument file.
    pub odf_mimetype: Option<String>,
}

/// Reads the directory of a ZIP, and the small entry that names an
/// OpenDocument file's type.
fn zip_directory(bytes: &[u8]) -> Option<ZipDirectory> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok())
        .map(String::from)
        .collect();
    let small = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, max: u64| {
        let file = zip.by_name(name).ok()?;
        let mut out = Vec::new();
        file.take(max).read_to_end(&mut out).ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    };
    let odf_mimetype = if names.iter().any(|n| n == "mimetype") {
        small(&mut zip, "mimetype", 128)
            .map(|m| m.trim().to_string())
            .filter(|m| m.starts_with("application/vnd.oasis.opendocument"))
    } else {
        None
    };
    Some(ZipDirectory {
        names,
        odf_mimetype,
    })
}
