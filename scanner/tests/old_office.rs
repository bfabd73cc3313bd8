//! Older Office formats that still run macros (issue 31): a "single file
//! web page" (MHTML) and a Word 2003 XML document saved as `.doc`, whose
//! VBA project is ActiveMime data; flat OPC (Word 2007 XML); PowerPoint
//! 97–2003, whose VBA project and embedded objects are records of its
//! `PowerPoint Document` stream. Each hostile file has an ordinary twin;
//! every file is built here (no live macro: the VBA is inert text), to the
//! layouts oletools reads (`olevba`'s ActiveMime, `ppt_parser`) and
//! [MS-PPT] gives.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Action, Category, Engine, Limits, Report, scan};
use std::io::Write;

fn engine() -> Engine {
    Engine::builtin()
}

fn everything(report: &Report) -> String {
    report
        .all_findings()
        .map(|(p, f)| format!("    [{p}] {:?}: {}", f.kind, f.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn scan_attached(ctype: &str, name: &str, data: &[u8]) -> Report {
    let raw = samples::with_attachment("Bon de commande", ctype, name, data);
    scan(&engine(), &Limits::default(), raw.as_bytes())
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn b64(data: &[u8]) -> String {
    samples::b64(data)
}

/// A VBA project storage as Word writes it (inert source).
fn vba_project() -> Vec<u8> {
    samples::ole(
        None,
        &[
            ("/PROJECT", b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nModule=Module1\r\nName=\"Project\"\r\n"),
            ("/PROJECTwm", b"Module1\0M\0o\0d\0u\0l\0e\0\x31\0\0\0\0\0"),
            ("/VBA/_VBA_PROJECT", b"\xcc\x61\xff\xff\x00\x00\x00"),
            ("/VBA/dir", b"\x01\x00\x00 compressed dir stream"),
            ("/VBA/Module1", samples::VBA_AUTOEXEC),
        ],
    )
}

/// An embedded object's storage with no macro (an Excel chart's workbook).
fn chart_object() -> Vec<u8> {
    // BOF (BIFF8, worksheet), then EOF.
    let workbook = [
        &[0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x10, 0x00][..],
        &[0; 12],
        &[0x0a, 0x00, 0x00, 0x00],
    ]
    .concat();
    samples::ole(None, &[("/Workbook", &workbook)])
}

/// ActiveMime data holding `content`, laid out as Word writes it: the
/// magic, the header whose u16 at 0x1E gives the compressed data's
/// offset minus 46, the content's size at 0x2E, the zlib stream at 0x32.
fn activemime(content: &[u8]) -> Vec<u8> {
    let mut v = b"ActiveMime".to_vec();
    v.extend_from_slice(&[
        0, 0, 0x01, 0xf0, 0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x07, 0xf0,
    ]);
    v.extend_from_slice(&(content.len() as u32).to_le_bytes()); // 0x1A
    v.extend_from_slice(&4u16.to_le_bytes()); // 0x1E: 0x32 - 46
    v.extend_from_slice(&[0; 14]); // to 0x2E
    v.extend_from_slice(&(content.len() as u32).to_le_bytes());
    assert_eq!(v.len(), 0x32);
    v.extend_from_slice(&zlib(content));
    v
}

/// A Word "single file web page" (MHTML): the page, an image, and when
/// given the `editdata.mso` part (`mso`).
fn mhtml(mso: Option<&[u8]>) -> Vec<u8> {
    let b = "----=_NextPart_01DD6A2F.4C3B2A10";
    let link = if mso.is_some() {
        "<link rel=3DEdit-Time-Data href=3D\"Bon_fichiers/editdata.mso\">\r\n"
    } else {
        ""
    };
    let mut out = format!(
        "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"{b}\"\r\n\r\nCe document est une page Web =E0 fichier unique.\r\n\r\n--{b}\r\nContent-Location: file:///C:/4C3B2A10/Bon.htm\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=\"windows-1252\"\r\n\r\n<html xmlns:o=3D\"urn:schemas-microsoft-com:office:office\" xmlns:w=3D\"urn:schemas-microsoft-com:office:word\">\r\n<head><meta name=3DProgId content=3DWord.Document>\r\n{link}<title>Bon de commande</title></head>\r\n<body><p class=3DMsoNormal>Bon de commande n=B0 2026-118</p><img src=3D\"Bon_fichiers/image001.png\"></body></html>\r\n\r\n--{b}\r\nContent-Location: file:///C:/4C3B2A10/Bon_fichiers/image001.png\r\nContent-Transfer-Encoding: base64\r\nContent-Type: image/png\r\n\r\n{}\r\n",
        b64(&samples::png())
    );
    if let Some(mso) = mso {
        out.push_str(&format!(
            "--{b}\r\nContent-Location: file:///C:/4C3B2A10/Bon_fichiers/editdata.mso\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/x-mso\r\n\r\n{}\r\n",
            b64(mso)
        ));
    }
    out.push_str(&format!("--{b}--\r\n"));
    out.into_bytes()
}

/// A Word 2003 XML document; `bin` adds `w:binData` parts (name, bytes).
fn word2003(macros: bool, bin: &[(&str, &[u8])]) -> Vec<u8> {
    let mut parts = String::new();
    for (name, data) in bin {
        parts.push_str(&format!(
            "<w:binData w:name=\"{name}\">{}</w:binData>",
            b64(data)
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<?mso-application progid="Word.Document"?>
<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml" w:macrosPresent="{}" xml:space="preserve"><w:docSuppData>{parts}</w:docSuppData><w:body><w:p><w:r><w:t>Bon de commande n° 2026-118</w:t></w:r></w:p></w:body></w:wordDocument>
"#,
        if macros { "yes" } else { "no" }
    )
    .into_bytes()
}

/// A flat OPC document (Word 2007 XML): its relationships and, when given,
/// a binary part.
fn flat_opc(document_rels: &str, binary: Option<(&str, &[u8])>) -> Vec<u8> {
    let bin = binary.map_or(String::new(), |(name, data)| {
        format!(
            "<pkg:part pkg:name=\"{name}\" pkg:contentType=\"application/vnd.ms-office.vbaProject\"><pkg:binaryData>{}</pkg:binaryData></pkg:part>",
            b64(data)
        )
    });
    format!(
        r#"<?xml version="1.0" standalone="yes"?>
<?mso-application progid="Word.Document"?>
<pkg:package xmlns:pkg="http://schemas.microsoft.com/office/2006/xmlPackage"><pkg:part pkg:name="/_rels/.rels" pkg:contentType="application/vnd.openxmlformats-package.relationships+xml"><pkg:xmlData><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships></pkg:xmlData></pkg:part><pkg:part pkg:name="/word/_rels/document.xml.rels" pkg:contentType="application/vnd.openxmlformats-package.relationships+xml"><pkg:xmlData>{document_rels}</pkg:xmlData></pkg:part><pkg:part pkg:name="/word/document.xml" pkg:contentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"><pkg:xmlData><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Bon</w:t></w:r></w:p></w:body></w:document></pkg:xmlData></pkg:part>{bin}</pkg:package>
"#
    )
    .into_bytes()
}

const RELS_OLE_URL: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="http://203.0.113.80/releve.htm!x" TargetMode="External"/></Relationships>"#;
const RELS_PLAIN: &str = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// One record of a `PowerPoint Document` stream ([MS-PPT] §2.3.1).
fn rec(ver: u16, instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
    let mut v = (ver | instance << 4).to_le_bytes().to_vec();
    v.extend_from_slice(&kind.to_le_bytes());
    v.extend_from_slice(&(body.len() as u32).to_le_bytes());
    v.extend_from_slice(body);
    v
}

/// A storage record (`RT_ExternalOleObjectStg`), compressed.
fn storage_record(storage: &[u8]) -> Vec<u8> {
    let body = [&(storage.len() as u32).to_le_bytes()[..], &zlib(storage)].concat();
    rec(0, 1, 0x1011, &body)
}

/// A presentation: its document container (with a `VBAInfoContainer`
/// naming persist id 2 when `vba` is given), the storages `vba` and
/// `objects` as persist objects, the persist directory, the last edit, and
/// the `Current User` stream pointing at it.
fn ppt(vba: Option<&[u8]>, objects: &[&[u8]]) -> Vec<u8> {
    let mut info = Vec::new();
    if vba.is_some() {
        let atom = rec(
            2,
            0,
            0x0400,
            &[2u32.to_le_bytes(), 1u32.to_le_bytes(), 2u32.to_le_bytes()].concat(),
        );
        info = rec(0xf, 0, 0x07d0, &rec(0xf, 1, 0x03ff, &atom));
    }
    let document = rec(
        0xf,
        0,
        0x03e8,
        &[rec(1, 0, 0x03e9, &[0; 40]), info, rec(0, 0, 0x03ea, &[])].concat(),
    );
    let mut stream = Vec::new();
    let mut offsets = vec![0u32]; // persist id 1: the document
    stream.extend(document);
    for storage in vba.into_iter().chain(objects.iter().copied()) {
        offsets.push(stream.len() as u32);
        stream.extend(storage_record(storage));
    }
    let directory_at = stream.len() as u32;
    let head = 1u32 | (offsets.len() as u32) << 20;
    let mut entries = head.to_le_bytes().to_vec();
    for o in &offsets {
        entries.extend_from_slice(&o.to_le_bytes());
    }
    stream.extend(rec(0, 0, 0x1772, &entries));
    let edit_at = stream.len() as u32;
    let mut edit = Vec::new();
    edit.extend_from_slice(&0u32.to_le_bytes()); // lastSlideIdRef
    edit.extend_from_slice(&[0, 0, 0, 3]); // version, minor, major
    edit.extend_from_slice(&0u32.to_le_bytes()); // offsetLastEdit
    edit.extend_from_slice(&directory_at.to_le_bytes());
    edit.extend_from_slice(&1u32.to_le_bytes()); // docPersistIdRef
    edit.extend_from_slice(&(offsets.len() as u32 + 1).to_le_bytes()); // persistIdSeed
    edit.extend_from_slice(&[1, 0, 0, 0]); // lastView, unused
    stream.extend(rec(0, 0, 0x0ff5, &edit));
    let mut user = Vec::new();
    user.extend_from_slice(&0x14u32.to_le_bytes());
    user.extend_from_slice(&0xe391_c05fu32.to_le_bytes());
    user.extend_from_slice(&edit_at.to_le_bytes());
    user.extend_from_slice(&5u16.to_le_bytes());
    user.extend_from_slice(&0x03f4u16.to_le_bytes());
    user.extend_from_slice(&[3, 0, 0, 0]);
    user.extend_from_slice(b"agent");
    user.extend_from_slice(&8u32.to_le_bytes());
    samples::ole(
        None,
        &[
            ("/PowerPoint Document", &stream),
            ("/Current User", &rec(0, 0, 0x0ff6, &user)),
        ],
    )
}

/// `Package` native data wrapping a file, in an OLE object storage.
fn package_object(label: &str, data: &[u8]) -> Vec<u8> {
    let mut v = vec![2, 0];
    v.extend_from_slice(label.as_bytes());
    v.push(0);
    v.extend_from_slice(format!("C:\\Users\\x\\{label}").as_bytes());
    v.push(0);
    v.extend_from_slice(&[0, 0, 3, 0]);
    let temp = format!("C:\\Temp\\{label}");
    v.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(temp.as_bytes());
    v.push(0);
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    let native = [&(v.len() as u32).to_le_bytes()[..], &v].concat();
    samples::ole(None, &[("/\u{1}Ole10Native", &native)])
}

fn held_for(report: &Report, category: Category) -> bool {
    report.action >= Action::Quarantine && report.categories.contains(&category)
}

#[test]
fn mhtml_saved_as_doc_with_vba_is_a_macro() {
    let hostile = scan_attached(
        "application/msword",
        "Bon_de_commande.doc",
        &mhtml(Some(&activemime(&vba_project()))),
    );
    assert!(
        held_for(&hostile, Category::Macro),
        "{}",
        everything(&hostile)
    );
    // The twin without editdata.mso: delivered, and no type mismatch
    // (Word opens MHTML under .doc).
    let ordinary = scan_attached("application/msword", "Bon_de_commande.doc", &mhtml(None));
    assert_eq!(
        ordinary.action,
        Action::Deliver,
        "{}",
        everything(&ordinary)
    );
    // ActiveMime that holds an embedded object without macros: delivered.
    let object = scan_attached(
        "application/msword",
        "Bon_de_commande.doc",
        &mhtml(Some(&activemime(&chart_object()))),
    );
    assert_eq!(object.action, Action::Deliver, "{}", everything(&object));
    // Named .mht, or as an attached message: the same.
    let as_mht = scan_attached(
        "message/rfc822",
        "Bon.mht",
        &mhtml(Some(&activemime(&vba_project()))),
    );
    assert!(
        held_for(&as_mht, Category::Macro),
        "{}",
        everything(&as_mht)
    );
}

#[test]
fn activemime_is_read_whatever_its_offset_and_held_when_it_cannot_be() {
    let project = vba_project();
    // The offset field pointing elsewhere: the known offset still reads.
    let mut wrong = activemime(&project);
    wrong[0x1e] = 0x40;
    let report = scan_attached("application/msword", "a.doc", &mhtml(Some(&wrong)));
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
    // Excel's layout: the stream at 0x22A, the field saying so.
    let mut excel = activemime(&project)[..0x32].to_vec();
    excel.resize(0x22a, 0);
    excel[0x1e..0x20].copy_from_slice(&((0x22a - 46) as u16).to_le_bytes());
    excel.extend_from_slice(&zlib(&project));
    let report = scan_attached("application/msword", "a.doc", &mhtml(Some(&excel)));
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
    // Damaged: held, not passed.
    let mut damaged = activemime(&project);
    damaged.truncate(0x40);
    let report = scan_attached("application/msword", "a.doc", &mhtml(Some(&damaged)));
    assert!(
        report.action >= Action::Quarantine,
        "{}",
        everything(&report)
    );
    assert!(!report.categories.contains(&Category::Macro));
    // A standalone .mso file, in a ZIP: found by its magic.
    let zipped = samples::zip(&[("editdata.mso", &activemime(&project))]);
    let report = scan_attached("application/zip", "doc.zip", &zipped);
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
}

#[test]
fn word_2003_xml_saved_as_doc_with_vba_is_a_macro() {
    let hostile = word2003(true, &[("editdata.mso", &activemime(&vba_project()))]);
    let report = scan_attached("application/msword", "Bon_de_commande.doc", &hostile);
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
    // The twin: no binData, or an image only; no type mismatch either.
    for ordinary in [
        word2003(false, &[]),
        word2003(false, &[("wordml://02000001.png", &samples::png())]),
    ] {
        let report = scan_attached("application/msword", "Bon_de_commande.doc", &ordinary);
        assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
    }
    // In UTF-16 (with its byte-order mark), as Word can save it.
    let text = String::from_utf8(hostile)
        .unwrap()
        .replace("UTF-8", "UTF-16");
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let report = scan_attached("application/msword", "Bon_de_commande.doc", &utf16);
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
}

#[test]
fn flat_opc_is_read_as_a_package() {
    let with_vba = flat_opc(RELS_PLAIN, Some(("/word/vbaProject.bin", &vba_project())));
    let report = scan_attached("application/msword", "Bon.doc", &with_vba);
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
    let reaching = flat_opc(RELS_OLE_URL, None);
    let report = scan_attached("text/xml", "Bon.xml", &reaching);
    assert!(
        held_for(&report, Category::ExternalContent),
        "{}",
        everything(&report)
    );
    let ordinary = flat_opc(RELS_PLAIN, None);
    let report = scan_attached("text/xml", "Bon.xml", &ordinary);
    assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
}

#[test]
fn a_presentation_with_vba_in_its_document_stream_is_a_macro() {
    let project = vba_project();
    for name in ["Conseil.ppt", "Diaporama.pps"] {
        let hostile = scan_attached(
            "application/vnd.ms-powerpoint",
            name,
            &ppt(Some(&project), &[]),
        );
        assert!(
            held_for(&hostile, Category::Macro),
            "{name}\n{}",
            everything(&hostile)
        );
        assert!(
            hostile
                .all_findings()
                .any(|(_, f)| f.detail.contains("VBAInfoContainer")),
            "{name}: the presentation itself names its VBA project\n{}",
            everything(&hostile)
        );
        let ordinary = scan_attached(
            "application/vnd.ms-powerpoint",
            name,
            &ppt(None, &[&chart_object()]),
        );
        assert_eq!(
            ordinary.action,
            Action::Deliver,
            "{name}\n{}",
            everything(&ordinary)
        );
    }
}

#[test]
fn objects_embedded_in_a_presentation_are_walked_as_files() {
    let program = package_object("facture.exe", &samples::pe());
    let report = scan_attached(
        "application/vnd.ms-powerpoint",
        "Conseil.ppt",
        &ppt(None, &[&program]),
    );
    assert!(
        held_for(&report, Category::Executable),
        "{}",
        everything(&report)
    );
    // A presentation embedded in a Word document's object pool: its
    // records are read too.
    let inner = ppt(Some(&vba_project()), &[]);
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(&inner)).unwrap();
    let mut streams = Vec::new();
    for path in ["/PowerPoint Document", "/Current User"] {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file.open_stream(path).unwrap(), &mut bytes).unwrap();
        streams.push((format!("/ObjectPool/_1234{path}"), bytes));
    }
    let mut all: Vec<(&str, &[u8])> = vec![
        ("/WordDocument", b"\xec\xa5 fake word stream"),
        ("/1Table", b"table"),
    ];
    all.extend(streams.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    let doc = samples::ole(None, &all);
    let report = scan_attached("application/msword", "Courrier.doc", &doc);
    assert!(
        held_for(&report, Category::Macro),
        "{}",
        everything(&report)
    );
}

#[test]
fn a_damaged_presentation_stays_bounded() {
    let good = ppt(Some(&vba_project()), &[&chart_object()]);
    // Every byte of the document stream flipped in turn would take long;
    // a stream of junk, a record whose length runs past the end, and a
    // storage whose zlib stream is cut: never a panic.
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for stream in [
        junk.clone(),
        rec(0xf, 0, 0x03e8, &[0xff; 64])[..40].to_vec(),
        [rec(0, 1, 0x1011, &[16, 0, 0, 0, 0x78, 0x9c, 1, 2, 3])].concat(),
    ] {
        let file = samples::ole(None, &[("/PowerPoint Document", &stream)]);
        let report = scan_attached("application/vnd.ms-powerpoint", "a.ppt", &file);
        let _ = report.action;
    }
    let report = scan_attached("application/vnd.ms-powerpoint", "a.ppt", &good);
    assert!(held_for(&report, Category::Macro));
}

#[test]
fn what_word_opens_under_doc_is_no_type_mismatch() {
    // A web page saved as .doc: Word opens it.
    let page = b"<html><head><meta name=ProgId content=Word.Document></head><body><p>Compte rendu</p></body></html>";
    let report = scan_attached("application/msword", "compte-rendu.doc", page);
    assert!(
        !report.categories.contains(&Category::TypeMismatch),
        "{}",
        everything(&report)
    );
    assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
    // A portal's "Export Excel", an HTML table named .xls: Excel opens it.
    let table = b"<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta name=ProgId content=Excel.Sheet></head><body><table><tr><td>Budget</td><td>1200</td></tr></table></body></html>";
    let report = scan_attached("application/vnd.ms-excel", "export.xls", table);
    assert!(
        !report.categories.contains(&Category::TypeMismatch),
        "{}",
        everything(&report)
    );
    // An image named .doc: Word does not open it as a document.
    let report = scan_attached("application/msword", "compte-rendu.doc", &samples::png());
    assert!(
        report.categories.contains(&Category::TypeMismatch),
        "{}",
        everything(&report)
    );
}

/// A record of one of the types the presentation walk reads, or another.
fn any_record() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let kinds = prop::sample::select(vec![
        0x03e8u16, 0x07d0, 0x03ff, 0x0400, 0x1011, 0x1772, 0x0ff5, 0x0fc9,
    ]);
    (
        prop::sample::select(vec![0u16, 2, 0xf]),
        0u16..3,
        kinds,
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(ver, instance, kind, body)| rec(ver, instance, kind, &body))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, .. proptest::prelude::ProptestConfig::default() })]

    /// What the fuzz targets `activemime` and `ppt_records` feed, in small:
    /// random ActiveMime data (raw after the magic, or a random content
    /// compressed), and random record sequences whose last edit points
    /// anywhere, never make the walk panic, and the part accounts for its
    /// bytes.
    #[test]
    fn random_activemime_and_records_never_panic(
        raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
        records in proptest::collection::vec(any_record(), 0..12),
        nested in proptest::collection::vec(any_record(), 0..4),
        edit in proptest::prelude::any::<u16>(),
    ) {
        let limits = Limits::default();
        let engine = engine();
        let mut mso = b"ActiveMime".to_vec();
        mso.extend_from_slice(&raw);
        for data in [mso, activemime(&raw)] {
            let part = ecluse_scanner::scan_file(&engine, &limits, Some("editdata.mso"), &data);
            proptest::prop_assert_eq!(part.size, data.len() as u64);
        }
        // Records, some inside a container, one storage record compressed.
        let mut stream = rec(0xf, 0, 0x03e8, &nested.concat());
        stream.extend(records.concat());
        stream.extend(storage_record(&raw));
        let mut user = 0x14u32.to_le_bytes().to_vec();
        user.extend_from_slice(&0xe391_c05fu32.to_le_bytes());
        user.extend_from_slice(&u32::from(edit).to_le_bytes());
        let file = samples::ole(
            None,
            &[("/PowerPoint Document", &stream), ("/Current User", &rec(0, 0, 0x0ff6, &user))],
        );
        let part = ecluse_scanner::scan_file(&engine, &limits, Some("a.ppt"), &file);
        proptest::prop_assert_eq!(part.size, file.len() as u64);
    }
}
