//! Office documents encrypted or obfuscated with a password are held as
//! `encrypted_archive`, whatever their name: nothing inside them can be
//! scanned (fail closed). Real files from ClamAV's own tests
//! (`../shared/peers/clamav-other/`, read in place, never copied here),
//! files built here to the letter of [MS-OFFCRYPTO], [MS-DOC], [MS-XLS]
//! and [MS-PPT], and ordinary documents that must not be flagged.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{
    Action, Category, Engine, Limits, Part, Report, scan, scan_file,
};
use std::path::PathBuf;

/// `../shared/peers/clamav-other` beside the checkout (see
/// `../shared/peers/README.md`), or `ECLUSE_PEERS/clamav-other`.
fn clamav_other() -> PathBuf {
    let peers = std::env::var_os("ECLUSE_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers"));
    let dir = peers.join("clamav-other");
    assert!(
        dir.is_dir(),
        "ClamAV's test files are not at {} (see ../shared/peers/README.md)",
        dir.display()
    );
    dir
}

/// The encrypted-document findings of a message, with where they are.
fn encrypted(report: &Report) -> Vec<String> {
    report
        .all_findings()
        .filter(|(_, f)| f.category == Category::EncryptedArchive)
        .map(|(path, f)| format!("[{path}] {}", f.detail))
        .collect()
}

/// The same for one file scanned alone.
fn encrypted_in(part: &Part) -> Vec<String> {
    part.walk()
        .into_iter()
        .flat_map(|p| p.findings.iter().map(move |f| (p.path.as_str(), f)))
        .filter(|(_, f)| f.category == Category::EncryptedArchive)
        .map(|(path, f)| format!("[{path}] {}", f.detail))
        .collect()
}

fn everything(report: &Report) -> String {
    report
        .all_findings()
        .map(|(p, f)| format!("    [{p}] {:?}: {}", f.kind, f.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The 14 password-protected documents of ClamAV's `ole2_encryption`
/// tests: legacy .doc/.dot (RC4, FIB fEncrypted), .xls (FilePass), and
/// .docx/.xlsx/.pptx/.ppsx as OLE2 files holding an `EncryptedPackage`,
/// each in a FAT and a mini-stream layout.
#[test]
fn clamav_password_protected_office_files_are_held() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let files = clamav_other().join("files");
    let mut names: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ole2_encryption__password."))
        .collect();
    names.sort();
    assert_eq!(names.len(), 14, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let bytes = std::fs::read(files.join(name)).unwrap();
        let part = scan_file(&engine, &limits, Some(name), &bytes);
        let found = encrypted_in(&part);
        if found.is_empty() || part.action < Action::Quarantine {
            failures.push(format!("{name}: {} {found:?}", part.action));
            continue;
        }
        let which = match name.rsplit('.').next().unwrap() {
            "doc" | "dot" => "FIB fEncrypted",
            "xls" => "FilePass",
            _ => "EncryptedPackage",
        };
        if !found.iter().any(|d| d.contains(which)) {
            failures.push(format!("{name}: no mention of {which} in {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same documents attached to a message (ClamAV's files as
/// `application/octet-stream` attachments): the message is held, for that
/// reason.
#[test]
fn clamav_password_protected_office_messages_are_held() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let own = clamav_other().join("own");
    let mut names: Vec<String> = std::fs::read_dir(&own)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ole2_encryption__password.") && n.ends_with(".eml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 14, "{names:?}");
    for name in &names {
        let report = scan(&engine, &limits, &std::fs::read(own.join(name)).unwrap());
        assert!(
            report.action >= Action::Quarantine
                && report.categories.contains(&Category::EncryptedArchive)
                && !encrypted(&report).is_empty(),
            "{name}: {} {:?}\n{}",
            report.action,
            report.categories,
            everything(&report)
        );
    }
}

/// An ordinary spreadsheet from the same set (BIFF8 with pictures, no
/// FilePass) is not called encrypted, alone or attached.
#[test]
fn clamav_ordinary_spreadsheet_is_not_called_encrypted() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let dir = clamav_other();
    let bytes = std::fs::read(dir.join("files/has_png_and_jpeg.xls")).unwrap();
    let part = scan_file(&engine, &limits, Some("has_png_and_jpeg.xls"), &bytes);
    assert_eq!(encrypted_in(&part), Vec::<String>::new());
    assert_eq!(part.action, Action::Deliver, "{:?}", part.findings);
    let report = scan(
        &engine,
        &limits,
        &std::fs::read(dir.join("own/has_png_and_jpeg.xls.eml")).unwrap(),
    );
    assert_eq!(encrypted(&report), Vec::<String>::new());
    assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
}

// ---- Documents built here --------------------------------------------------

/// Bytes that look like ciphertext (xorshift), the same on every run.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// `EncryptedPackage` ([MS-OFFCRYPTO] §2.3.4.4): the size of the package
/// in clear, then AES blocks.
fn encrypted_package(size: u64, seed: u64) -> Vec<u8> {
    let mut v = size.to_le_bytes().to_vec();
    v.extend(noise((size as usize).div_ceil(16) * 16, seed));
    v
}

/// `EncryptionInfo` for agile encryption ([MS-OFFCRYPTO] §2.3.4.10):
/// version 4.4, reserved 0x40, the XML descriptor (salts and keys as
/// Office writes them: base64 of random bytes).
fn agile_encryption_info() -> Vec<u8> {
    let b64 = |n: usize, seed: u64| samples::b64(&noise(n, seed)).replace("\r\n", "");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n\
         <encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\" \
         xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">\
         <keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" \
         cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"{}\"/>\
         <dataIntegrity encryptedHmacKey=\"{}\" encryptedHmacValue=\"{}\"/>\
         <keyEncryptors><keyEncryptor uri=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">\
         <p:encryptedKey spinCount=\"100000\" saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" \
         cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"{}\" \
         encryptedVerifierHashInput=\"{}\" encryptedVerifierHashValue=\"{}\" encryptedKeyValue=\"{}\"/>\
         </keyEncryptor></keyEncryptors></encryption>",
        b64(16, 1),
        b64(64, 2),
        b64(64, 3),
        b64(16, 4),
        b64(16, 5),
        b64(64, 6),
        b64(32, 7),
    );
    let mut v = Vec::new();
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&0x40u32.to_le_bytes());
    v.extend_from_slice(xml.as_bytes());
    v
}

/// `EncryptionInfo` for standard encryption ([MS-OFFCRYPTO] §2.3.4.5):
/// version 3.2, flags fCryptoAPI|fAES, an `EncryptionHeader` for AES-128
/// with SHA-1 and the AES provider, then the `EncryptionVerifier`.
fn standard_encryption_info() -> Vec<u8> {
    let flags = 0x24u32;
    let mut header = Vec::new();
    for x in [flags, 0, 0x660e, 0x8004, 128, 0x18, 0, 0] {
        header.extend_from_slice(&x.to_le_bytes());
    }
    header.extend(utf16(
        "Microsoft Enhanced RSA and AES Cryptographic Provider\0",
    ));
    let mut v = Vec::new();
    v.extend_from_slice(&3u16.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&(header.len() as u32).to_le_bytes());
    v.extend(header);
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend(noise(16 + 16 + 4 + 32, 9));
    v
}

/// The `\x06DataSpaces` storage of an encrypted OOXML file ([MS-OFFCRYPTO]
/// §2.3.4.1), as streams for `samples::ole`.
fn data_spaces() -> Vec<(String, Vec<u8>)> {
    let root = "/\u{6}DataSpaces";
    let prefixed = |s: &str| {
        let mut v = ((s.len() * 2) as u32).to_le_bytes().to_vec();
        v.extend(utf16(s));
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    };
    let mut version = prefixed("Microsoft.Container.DataSpaces");
    version.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    let mut map = vec![8, 0, 0, 0, 1, 0, 0, 0];
    let mut entry = vec![1, 0, 0, 0, 0, 0, 0, 0];
    entry.extend(prefixed("EncryptedPackage"));
    entry.extend(prefixed("StrongEncryptionDataSpace"));
    map.extend(((entry.len() + 4) as u32).to_le_bytes());
    map.extend(entry);
    let mut definition = vec![8, 0, 0, 0, 1, 0, 0, 0];
    definition.extend(prefixed("StrongEncryptionTransform"));
    let mut primary = vec![0x58, 0, 0, 0, 1, 0, 0, 0];
    primary.extend(prefixed("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}"));
    primary.extend(prefixed("Microsoft.Container.EncryptionTransform"));
    primary.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0]);
    vec![
        (format!("{root}/Version"), version),
        (format!("{root}/DataSpaceMap"), map),
        (
            format!("{root}/DataSpaceInfo/StrongEncryptionDataSpace"),
            definition,
        ),
        (
            format!("{root}/TransformInfo/StrongEncryptionTransform/\u{6}Primary"),
            primary,
        ),
    ]
}

fn ole(streams: &[(String, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = streams
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    samples::ole(None, &refs)
}

/// A .docx encrypted with agile encryption, as Word 2010 and later save it.
fn agile_docx() -> Vec<u8> {
    let mut streams = data_spaces();
    streams.push(("/EncryptionInfo".into(), agile_encryption_info()));
    streams.push(("/EncryptedPackage".into(), encrypted_package(9_000, 11)));
    ole(&streams)
}

/// An .xlsx encrypted with standard encryption (Excel 2007), without the
/// data spaces storage, like ClamAV's samples.
fn standard_xlsx() -> Vec<u8> {
    ole(&[
        ("/EncryptionInfo".into(), standard_encryption_info()),
        ("/EncryptedPackage".into(), encrypted_package(5_000, 12)),
    ])
}

/// A `WordDocument` stream: the FibBase ([MS-DOC] §2.5.2) with the given
/// flags, `lKey`, then the rest (ciphertext or not, the FIB check does not
/// care).
fn word_stream(flags: u16, key: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0xa5ecu16.to_le_bytes()); // wIdent
    v.extend_from_slice(&0x00c1u16.to_le_bytes()); // nFib
    v.extend_from_slice(&0u16.to_le_bytes()); // unused
    v.extend_from_slice(&0x040cu16.to_le_bytes()); // lid: French
    v.extend_from_slice(&0u16.to_le_bytes()); // pnNext
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&0x00bfu16.to_le_bytes()); // nFibBack
    v.extend_from_slice(&key.to_le_bytes()); // lKey
    v.resize(32, 0);
    v.extend(noise(4_000, u64::from(flags)));
    v
}

/// An RC4 CryptoAPI `EncryptionHeader` at the head of the table stream
/// ([MS-OFFCRYPTO] §2.3.5.1): version 4.2, flags fCryptoAPI, RC4 (0x6801)
/// with SHA-1, 128-bit key.
fn cryptoapi_table() -> Vec<u8> {
    let mut header = Vec::new();
    for x in [0x04u32, 0, 0x6801, 0x8004, 128, 1, 0, 0] {
        header.extend_from_slice(&x.to_le_bytes());
    }
    header.extend(utf16("Microsoft Enhanced Cryptographic Provider v1.0\0"));
    let mut v = Vec::new();
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&0x04u32.to_le_bytes());
    v.extend_from_slice(&(header.len() as u32).to_le_bytes());
    v.extend(header);
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend(noise(16 + 16 + 20, 21));
    v.extend(noise(2_000, 22));
    v
}

/// fEncrypted | fWhichTblStm (the table stream is 1Table).
const FIB_RC4: u16 = 0x0100 | 0x0200;
/// fEncrypted | fObfuscated | fWhichTblStm: XOR obfuscation.
const FIB_XOR: u16 = 0x0100 | 0x8000 | 0x0200;
/// fWhichTblStm alone, with the quick-save count and fComplex an
/// ordinary Word 97 document carries.
const FIB_CLEAR: u16 = 0x0200 | 0x00f0 | 0x0004;

fn legacy_doc(flags: u16) -> Vec<u8> {
    let table = cryptoapi_table();
    let key = if flags == FIB_RC4 { 0x9c } else { 0x1234_abcd };
    ole(&[
        ("/WordDocument".into(), word_stream(flags, key)),
        ("/1Table".into(), table),
        ("/\u{5}DocumentSummaryInformation".into(), noise(200, 31)),
    ])
}

/// One BIFF record: type, length, data.
fn record(v: &mut Vec<u8>, kind: u16, data: &[u8]) {
    v.extend_from_slice(&kind.to_le_bytes());
    v.extend_from_slice(&(data.len() as u16).to_le_bytes());
    v.extend_from_slice(data);
}

/// A BIFF8 `Workbook` stream: the globals substream (BOF, a WriteProtect
/// when `file_pass` is given then the FilePass, a sheet declared, EOF),
/// then one worksheet substream.
fn workbook(file_pass: Option<&[u8]>) -> Vec<u8> {
    let bof = |dt: u8| {
        let mut b = vec![0x00, 0x06, dt, 0x00, 0xbb, 0x0d, 0xcc, 0x07];
        b.extend_from_slice(&[0; 8]);
        b
    };
    let mut v = Vec::new();
    record(&mut v, 0x0809, &bof(0x05));
    if let Some(fp) = file_pass {
        record(&mut v, 0x0086, &[]); // WriteProtect
        record(&mut v, 0x002f, fp);
    }
    // Records whose data hold the FilePass type as bytes: only headers count.
    record(&mut v, 0x0042, &0x04b0u16.to_le_bytes()); // CodePage
    record(&mut v, 0x005c, &[0x2f, 0x00, 0x36, 0x00, 0x2f, 0x00]); // WriteAccess
    let mut sheet = vec![0, 0, 0, 0, 0, 0, 6, 0];
    sheet.extend_from_slice(b"Feuil1");
    record(&mut v, 0x0085, &sheet);
    record(&mut v, 0x000a, &[]);
    record(&mut v, 0x0809, &bof(0x10));
    record(&mut v, 0x0203, &noise(14, 41)); // Number
    record(&mut v, 0x000a, &[]);
    v
}

/// FilePass for RC4 CryptoAPI ([MS-XLS] §2.4.117, [MS-OFFCRYPTO]
/// §2.3.5.1): wEncryptionType 1, then an EncryptionHeader of version 4.2.
fn file_pass_cryptoapi() -> Vec<u8> {
    let mut v = 1u16.to_le_bytes().to_vec();
    v.extend_from_slice(&cryptoapi_table()[..200]);
    v
}

/// FilePass for XOR obfuscation: wEncryptionType 0, key, verifier.
fn file_pass_xor() -> Vec<u8> {
    vec![0, 0, 0x34, 0x12, 0x78, 0x56]
}

fn legacy_xls(file_pass: Option<&[u8]>) -> Vec<u8> {
    ole(&[
        ("/Workbook".into(), workbook(file_pass)),
        ("/\u{5}SummaryInformation".into(), noise(200, 51)),
    ])
}

/// A PowerPoint record header ([MS-PPT] §2.3.1): version and instance,
/// type, length.
fn rh(v: &mut Vec<u8>, ver_instance: u16, kind: u16, len: u32) {
    v.extend_from_slice(&ver_instance.to_le_bytes());
    v.extend_from_slice(&kind.to_le_bytes());
    v.extend_from_slice(&len.to_le_bytes());
}

/// A presentation's `Current User` and `PowerPoint Document` streams.
/// With `session`, a CryptSession10Container is written as an encrypted
/// presentation has it: everything else is ciphertext, the container's
/// header, the persist directory and the last `UserEditAtom` (with its
/// `encryptSessionPersistIdRef`) are clear. Without, a clear document
/// whose `UserEditAtom` has no such field.
fn ppt(token: u32, session: bool) -> Vec<u8> {
    ole(&ppt_streams(token, session))
}

fn ppt_streams(token: u32, session: bool) -> Vec<(String, Vec<u8>)> {
    let mut doc = Vec::new();
    // The DocumentContainer (persist id 1): ciphertext when encrypted.
    if session {
        doc.extend(noise(3_000, 61));
    } else {
        rh(&mut doc, 0x000f, 0x03e8, 2_992);
        doc.extend(std::iter::repeat_n(0u8, 2_992));
    }
    let crypt_at = doc.len() as u32;
    if session {
        rh(&mut doc, 0x000f, 0x2f14, 240);
        doc.extend(noise(240, 62));
    }
    let directory_at = doc.len() as u32;
    let ids: Vec<u32> = if session { vec![0, crypt_at] } else { vec![0] };
    rh(&mut doc, 0, 0x1772, 4 + 4 * ids.len() as u32);
    doc.extend_from_slice(&(1 | (ids.len() as u32) << 20).to_le_bytes());
    for offset in &ids {
        doc.extend_from_slice(&offset.to_le_bytes());
    }
    let edit_at = doc.len() as u32;
    rh(&mut doc, 0, 0x0ff5, if session { 0x20 } else { 0x1c });
    doc.extend_from_slice(&256u32.to_le_bytes()); // lastSlideIdRef
    doc.extend_from_slice(&0u16.to_le_bytes()); // version
    doc.extend_from_slice(&[0, 3]); // minorVersion, majorVersion
    doc.extend_from_slice(&0u32.to_le_bytes()); // offsetLastEdit
    doc.extend_from_slice(&directory_at.to_le_bytes());
    doc.extend_from_slice(&1u32.to_le_bytes()); // docPersistIdRef
    doc.extend_from_slice(&(ids.len() as u32 + 1).to_le_bytes()); // persistIdSeed
    doc.extend_from_slice(&1u16.to_le_bytes()); // lastView
    doc.extend_from_slice(&0u16.to_le_bytes());
    if session {
        doc.extend_from_slice(&2u32.to_le_bytes()); // encryptSessionPersistIdRef
    }
    let mut user = Vec::new();
    rh(&mut user, 0, 0x0ff6, 0x14 + 6);
    user.extend_from_slice(&0x14u32.to_le_bytes()); // size
    user.extend_from_slice(&token.to_le_bytes()); // headerToken
    user.extend_from_slice(&edit_at.to_le_bytes()); // offsetToCurrentEdit
    user.extend_from_slice(&6u16.to_le_bytes()); // lenUserName
    user.extend_from_slice(&0x03f4u16.to_le_bytes()); // docFileVersion
    user.extend_from_slice(&[3, 0]); // majorVersion, minorVersion
    user.extend_from_slice(&0u16.to_le_bytes());
    user.extend_from_slice(b"agent\0");
    vec![
        ("/Current User".into(), user),
        ("/PowerPoint Document".into(), doc),
        ("/Pictures".into(), noise(500, 63)),
    ]
}

const TOKEN_CLEAR: u32 = 0xe391_c05f;
const TOKEN_ENCRYPTED: u32 = 0xf3d1_c4df;

/// Scans `data` attached under `name` and returns the report.
fn attached(engine: &Engine, ctype: &str, name: &str, data: &[u8]) -> Report {
    let message = samples::with_attachment("Document", ctype, name, data);
    scan(engine, &Limits::default(), message.as_bytes())
}

/// Asserts the message is held as encrypted, with a detail that names `mark`.
fn assert_held(report: &Report, what: &str, mark: &str) {
    let found = encrypted(report);
    assert!(
        report.action >= Action::Quarantine
            && report.category == Some(Category::EncryptedArchive)
            && found.iter().any(|d| d.contains(mark)),
        "{what}: {} {:?}, wanted a detail with {mark:?}\n{}",
        report.action,
        report.categories,
        everything(report)
    );
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[test]
fn encrypted_ooxml_is_held_whatever_its_name() {
    let engine = Engine::builtin();
    let docx = agile_docx();
    for (ctype, name) in [
        (DOCX, "rapport.docx"),
        ("application/octet-stream", "rapport.doc"),
        ("application/octet-stream", "rapport.bin"),
        ("application/octet-stream", "rapport"),
    ] {
        let report = attached(&engine, ctype, name, &docx);
        assert_held(&report, name, "agile encryption (EncryptionInfo 4.4");
        assert_held(&report, name, "StrongEncryptionDataSpace");
    }
    let report = attached(&engine, XLSX, "budget.xlsx", &standard_xlsx());
    assert_held(
        &report,
        "budget.xlsx",
        "standard encryption (EncryptionInfo 3.2",
    );
    // Inside a ZIP, the document is found and held all the same.
    let zip = samples::zip(&[("annexes/budget.xlsx", &standard_xlsx())]);
    let report = attached(&engine, "application/zip", "annexes.zip", &zip);
    assert_held(&report, "annexes.zip", "EncryptedPackage");
}

#[test]
fn encrypted_and_obfuscated_word_documents_are_held() {
    let engine = Engine::builtin();
    let report = attached(
        &engine,
        "application/msword",
        "courrier.doc",
        &legacy_doc(FIB_RC4),
    );
    assert_held(
        &report,
        "RC4 CryptoAPI .doc",
        "FIB fEncrypted, RC4 CryptoAPI encryption",
    );
    let report = attached(
        &engine,
        "application/msword",
        "courrier.doc",
        &legacy_doc(FIB_XOR),
    );
    assert_held(&report, "XOR .doc", "fObfuscated, XOR obfuscation");
    // An encrypted document embedded in an ordinary one has its own
    // storage (ObjectPool/_…): it is found there.
    let inner = [
        ("/WordDocument".to_string(), word_stream(FIB_CLEAR, 0)),
        ("/1Table".to_string(), noise(1_000, 71)),
        (
            "/ObjectPool/_1234567890/WordDocument".to_string(),
            word_stream(FIB_RC4, 0x9c),
        ),
        (
            "/ObjectPool/_1234567890/1Table".to_string(),
            cryptoapi_table(),
        ),
    ];
    let report = attached(&engine, "application/msword", "courrier.doc", &ole(&inner));
    assert_held(
        &report,
        "embedded .doc",
        "storage ObjectPool/_1234567890; evidence: the Word document is encrypted",
    );
}

#[test]
fn excel_workbooks_with_a_file_pass_are_held() {
    let engine = Engine::builtin();
    let report = attached(
        &engine,
        "application/vnd.ms-excel",
        "budget.xls",
        &legacy_xls(Some(&file_pass_cryptoapi())),
    );
    assert_held(
        &report,
        "RC4 CryptoAPI .xls",
        "FilePass record in the globals substream of its Workbook stream, RC4 CryptoAPI",
    );
    let report = attached(
        &engine,
        "application/vnd.ms-excel",
        "budget.xls",
        &legacy_xls(Some(&file_pass_xor())),
    );
    assert_held(
        &report,
        "XOR .xls",
        "FilePass record in the globals substream of its Workbook stream, XOR obfuscation",
    );
}

#[test]
fn encrypted_presentations_are_held() {
    let engine = Engine::builtin();
    let ctype = "application/vnd.ms-powerpoint";
    // The session container found through the last edit, even with the
    // token that says "not encrypted".
    let report = attached(&engine, ctype, "conseil.ppt", &ppt(TOKEN_CLEAR, true));
    assert_held(
        &report,
        "CryptSession10Container",
        "a CryptSession10Container record",
    );
    // The token alone.
    let report = attached(&engine, ctype, "conseil.ppt", &ppt(TOKEN_ENCRYPTED, false));
    assert_held(&report, "headerToken", "headerToken is 0xF3D1C4DF");
    // The encrypted summary stream alone.
    let mut streams = vec![("/EncryptedSummary".to_string(), noise(300, 81))];
    streams.push(("/PowerPoint Document".into(), noise(300, 82)));
    let report = attached(&engine, ctype, "conseil.ppt", &ole(&streams));
    assert_held(&report, "EncryptedSummary", "an EncryptedSummary stream");
}

/// Ordinary documents: a clear FIB, a workbook without FilePass (but with
/// its type as data bytes, and a FilePass-looking record after the
/// globals' EOF), a presentation whose last edit names no session and
/// whose token says clear. None is called encrypted.
#[test]
fn ordinary_legacy_documents_are_not_called_encrypted() {
    let engine = Engine::builtin();
    let doc = legacy_doc(FIB_CLEAR);
    let mut late = workbook(None);
    record(&mut late, 0x002f, &file_pass_xor());
    let xls_late = ole(&[("/Workbook".into(), late)]);
    let cases: [(&str, &str, Vec<u8>); 5] = [
        ("application/msword", "courrier.doc", doc),
        ("application/msword", "lettre.doc", samples::ole_doc_clean()),
        ("application/vnd.ms-excel", "budget.xls", legacy_xls(None)),
        ("application/vnd.ms-excel", "budget.xls", xls_late),
        (
            "application/vnd.ms-powerpoint",
            "conseil.ppt",
            ppt(TOKEN_CLEAR, false),
        ),
    ];
    for (ctype, name, data) in cases {
        let report = attached(&engine, ctype, name, &data);
        assert_eq!(encrypted(&report), Vec::<String>::new(), "{name}");
        assert_eq!(
            report.action,
            Action::Deliver,
            "{name}\n{}",
            everything(&report)
        );
    }
}

/// The walks that follow offsets and lengths found in the streams (the
/// BIFF records, the PowerPoint edit, persist directory and session, the
/// FIB, the EncryptionInfo version) never panic and never loop on hostile
/// values: each stream of the encrypted documents above, cut short or
/// with bytes changed, is scanned (`scan_file` runs without the guard
/// against panics that `scan` has).
#[test]
fn hostile_streams_in_encrypted_documents_never_panic() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let documents: Vec<Vec<(String, Vec<u8>)>> = vec![
        ppt_streams(TOKEN_CLEAR, true),
        ppt_streams(TOKEN_ENCRYPTED, false),
        vec![("/Workbook".into(), workbook(Some(&file_pass_cryptoapi())))],
        vec![
            ("/WordDocument".into(), word_stream(FIB_RC4, 0x9c)),
            ("/1Table".into(), cryptoapi_table()),
        ],
        vec![
            ("/EncryptionInfo".into(), standard_encryption_info()),
            ("/EncryptedPackage".into(), encrypted_package(100, 13)),
        ],
    ];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    for round in 0..400 {
        let mut streams = documents[round % documents.len()].clone();
        let which = next(streams.len());
        let data = &mut streams[which].1;
        if round % 5 == 0 {
            data.truncate(next(data.len().min(64) + 1));
        } else {
            // Mostly the clear structures at the head and the tail, where
            // the offsets and lengths are.
            for _ in 0..1 + next(4) {
                let at = if next(2) == 0 {
                    next(data.len().min(48))
                } else {
                    data.len() - 1 - next(data.len().min(80))
                };
                data[at] = match next(4) {
                    0 => 0,
                    1 => 0xff,
                    _ => next(256) as u8,
                };
            }
        }
        let _ = scan_file(&engine, &limits, Some("document.doc"), &ole(&streams));
    }
}

/// A `.docx` encrypted with a password by a real tool, `msoffcrypto-tool`
/// (Python, [MS-OFFCRYPTO] agile encryption, as Office writes it;
/// `./scripts/test` installs it from PyPI): held, under its own name and
/// renamed.
#[test]
fn a_docx_encrypted_by_msoffcrypto_tool_is_held() {
    let dir = std::env::temp_dir().join(format!("ecluse-msoffcrypto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("plain.docx");
    let locked = dir.join("locked.docx");
    std::fs::write(&plain, samples::docx("Acte de vente")).unwrap();
    let script = "import sys, msoffcrypto\n\
with open(sys.argv[1], 'rb') as i, open(sys.argv[2], 'wb') as o:\n    \
msoffcrypto.OfficeFile(i).encrypt('motdepasse', o)\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&plain)
        .arg(&locked)
        .output()
        .expect("python3 runs (./scripts/test installs msoffcrypto-tool)");
    assert!(
        out.status.success(),
        "msoffcrypto-tool could not encrypt (python3 -m pip install msoffcrypto-tool): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&locked).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]), "an OLE2 file");
    let engine = Engine::builtin();
    for name in ["acte.docx", "acte.pdf", "acte"] {
        assert_held(
            &attached(&engine, DOCX, name, &bytes),
            name,
            "EncryptedPackage",
        );
    }
}

/// An OpenDocument file saved with a password (LibreOffice's « Enregistrer
/// avec mot de passe »): every entry but `mimetype` and the manifest is
/// ciphertext, and the manifest gives each one a `manifest:encryption-data`
/// (OpenDocument 1.2 Part 3 §3.8). Held as encrypted, under any name; an
/// ordinary OpenDocument file is not.
#[test]
fn a_password_protected_opendocument_is_held_and_an_ordinary_one_is_not() {
    let engine = Engine::builtin();
    let manifest = br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3254">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>
   <manifest:start-key-generation manifest:start-key-generation-name="http://www.w3.org/2000/09/xmldsig#sha256" manifest:key-size="32"/>
   <manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="AAAA"/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"#;
    let odt = samples::zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", &noise(3254, 7)),
    ]);
    let renamed = attached(&engine, "application/zip", "rapport.zip", &odt);
    assert!(
        renamed.action >= Action::Quarantine
            && renamed.categories.contains(&Category::EncryptedArchive),
        "{}",
        everything(&renamed)
    );
    for name in ["rapport.odt", "rapport"] {
        assert_held(
            &attached(
                &engine,
                "application/vnd.oasis.opendocument.text",
                name,
                &odt,
            ),
            name,
            "encryption data for one entry (content.xml)",
        );
    }
    let plain = attached(
        &engine,
        "application/vnd.oasis.opendocument.text",
        "compte-rendu.odt",
        &samples::odt(false),
    );
    assert!(encrypted(&plain).is_empty(), "{}", everything(&plain));
    assert_eq!(plain.action, Action::Deliver, "{}", everything(&plain));
}
