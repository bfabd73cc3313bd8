//! Every key has a sample, renders in both languages and reads back.

use super::*;

/// One sentence of every key.
fn samples() -> Vec<Sentence> {
    [samples_of_objects(), samples_of_containers()].concat()
}

/// The budgets, what the content is, names and types, encryption.
fn samples_of_objects() -> Vec<Sentence> {
    use Sentence::*;
    let s = |x: &str| x.to_string();
    vec![
        NotAnalysedSize {
            size: 30,
            per_object: 20,
            per_message: 40,
        },
        NotAnalysedTime { seconds: 30 },
        TimeLimit {
            during: Stage::ArchiveEntries,
        },
        PastBudget { cap: Some(10) },
        StreamPastBudget {
            stream: s("Root/Data"),
        },
        RtfObjectCut { number: 2 },
        EncryptionCheckPastBudget,
        RatioExceeded {
            expanded: 1000,
            packed: 1,
            limit: 100,
        },
        TooManyObjects {
            limit: 5,
            of: Counted::Attachments,
        },
        NestedTooDeep {
            limit: 3,
            of: Nested::Messages,
        },
        TooManyMimeParts { limit: 100 },
        MimeTooDeep { limit: 20 },
        SevenZipMemory { mib: 64 },
        ScannerFailed,
        YaraError { reason: s("boom") },
        YaraRule {
            rule: s("r"),
            description: None,
            description_fr: None,
        },
        ContentIs {
            what: FileKind::Program,
            mime: s("application/x-dosexec"),
        },
        DangerousContent {
            ext: s("rdp"),
            mime: s("application/x-rdp"),
        },
        CompiledHelp,
        DiskImageContent {
            mime: s("application/x-iso9660-image"),
        },
        OneNoteContent,
        VbaProject,
        VbaProjectBin {
            mime: s("application/vnd.ms-word.document.macroEnabled.12"),
        },
        OdfMacroModule {
            module: s("Basic/Standard/Module1.xml"),
        },
        HtmlBlobDecoded {
            sink: s("new Blob("),
            decoder: s("atob("),
        },
        HtmlBlobBase64 {
            sink: s("new Blob("),
        },
        HtmlDataUriDownload,
        SvgActive {
            marker: s("<script"),
        },
        SvgForeignHtml { element: s("html") },
        PageReaches {
            scheme: s("search-ms"),
            target: s("search-ms:query=x&crumb=location:\\\\203.0.113.50@SSL\\DavWWWRoot\\p"),
            via: Via::Refresh,
        },
        PasswordFormTo {
            host: s("portail-o365.example.invalid"),
        },
        PasswordToScript,
        PageWritesHidden { decoder: s("atob") },
        InWrittenPage {
            through: s("atob"),
            inner: Box::new(PasswordToScript),
        },
        PageBuildsFile {
            sink: s("new Blob"),
            mime: s("application/zip"),
            name: Some(s("Releve.zip")),
        },
        PdfJavaScript {
            name: s("/JS"),
            on_open: true,
        },
        PdfLaunch,
        PdfAction {
            action: PdfActionKind::GoToRemote,
            trigger: PdfTrigger::Annotation,
            target: Some(s("\\\\203.0.113.5\\partage\\a.pdf")),
        },
        PdfXfaScript {
            content_type: Some(s("application/x-javascript")),
            activity: Some(s("initialize")),
        },
        EquationEditor {
            object: s("Equation.3"),
        },
        ExternalRelationship {
            part: s("word/_rels/settings.xml.rels"),
            relationship: s("attachedTemplate"),
            target: s("\\\\203.0.113.50@SSL\\DavWWWRoot\\m.dotm"),
            reach: Reach::NetworkPath,
        },
        PptVbaProject { offset: 1024 },
        BidiControls {
            codes: vec![s("U+202E")],
        },
        DoubleExtension {
            shown: s("pdf"),
            real: s("exe"),
        },
        DangerousExtension { ext: s("exe") },
        ExtensionOf {
            ext: s("iso"),
            what: FileKind::DiskImage,
        },
        NamedButIs {
            ext: s("pdf"),
            mime: s("application/zip"),
        },
        DeclaredButIs {
            declared: s("image/png"),
            mime: s("application/zip"),
        },
        InName {
            role: NameRole::NtfsStream,
            name: s("a.exe"),
            inner: Box::new(DangerousExtension { ext: s("exe") }),
        },
        EntryEncrypted,
        SevenZipEncrypted,
        OfficeEncrypted {
            storage: None,
            evidence: vec![s("EncryptedPackage")],
        },
        OdfEncrypted {
            entries: 2,
            names: vec![s("content.xml")],
        },
        PdfEncrypted { streams: 1 },
        EncryptedFor {
            format: s("S/MIME enveloped-data"),
        },
    ]
}

/// Containers that cannot be read or read differently, MIME structure,
/// the gateway's findings.
fn samples_of_containers() -> Vec<Sentence> {
    use Sentence::*;
    let s = |x: &str| x.to_string();
    vec![
        UnopenableArchive {
            mime: s("application/x-rar"),
        },
        ArchiveDamaged {
            format: s("tar"),
            reason: None,
        },
        EntryUnreadable {
            entry: s("3"),
            reason: s("bad"),
        },
        EntryUndecompressable {
            reason: s("bad"),
            method: None,
        },
        EntryUnsupported {
            method: s("99"),
            reason: None,
        },
        ArchiveMethodUnsupported {
            format: s("7z"),
            method: s("PPMD"),
        },
        PdfStreamUndecodable {
            what: PdfStream::ObjectStream,
            filters: vec![s("/FlateDecode")],
            reason: s("bad"),
        },
        PdfEmbeddedUndecodable {
            object: 7,
            reason: s("bad"),
        },
        StreamUnreadable {
            stream: s("__substg1.0_1000001F"),
            reason: s("bad"),
        },
        CompressedRtf { reason: s("bad") },
        OutlookOleAttachment { name: s("x") },
        Ole1NoHeader {
            object: s("Ole10Native"),
        },
        LinkedObject {
            object: s("x"),
            class: s("Word.Document.8"),
        },
        ObjectHeaderUnreadable {
            object: s("x"),
            class: s("Package"),
            format: 2,
        },
        PackageUnreadable { object: s("x") },
        OleDirectoryUnreadable,
        RelationshipsUnreadable {
            part: s("_rels/.rels"),
            reason: s("bad"),
        },
        ActiveMimeUnreadable { reason: s("bad") },
        PptStorageUnreadable {
            offset: 8,
            reason: s("bad"),
        },
        CmsUnreadable { reason: s("bad") },
        ZipPolyglot {
            mime: s("image/png"),
        },
        ZipDirectoryDisagrees {
            directory_only: vec![s("a.txt")],
        },
        ZipLocalOnly {
            count: 1,
            entries: vec![LocalEntry {
                name: s("b.exe"),
                offset: 40,
            }],
        },
        ZipEndRecordsDisagree {
            classic_offset: 120,
            classic_entries: 1,
            zip64_offset: 180,
            zip64_entries: 2,
        },
        DuplicateEntry { name: s("a.txt") },
        GzipMembers { count: 2 },
        GzipStoredName {
            stored: s("a.exe"),
            saved: s("a"),
        },
        GzipTrailing { bytes: 9 },
        TarAfterEnd,
        Unparsable,
        NestedUnparsable { part: s("2") },
        DuplicateParameter {
            part: s("2"),
            header: s("Content-Type"),
            parameter: s("boundary"),
        },
        Rfc2231Continuations {
            part: s("2"),
            header: s("Content-Disposition"),
            parameter: s("filename"),
        },
        Rfc2231BothForms {
            part: s("2"),
            header: s("Content-Disposition"),
            parameter: s("filename"),
        },
        Rfc2231Disagrees {
            part: s("2"),
            header: s("Content-Disposition"),
            parameter: s("filename"),
            plain: s("a.pdf"),
            decoded: s("a.exe"),
        },
        NulInHeaders { part: s("2") },
        NulInBody { part: s("2") },
        DuplicateHeader {
            part: s("2"),
            header: s("Content-Type"),
            count: 2,
        },
        MultipartWithoutBoundary {
            part: s("2"),
            mime: s("multipart/mixed"),
        },
        MessagePartial { part: s("2") },
        UnknownTransferEncoding {
            part: s("2"),
            value: s("x-uue"),
        },
        Base64ByteOutside {
            part: s("2"),
            byte: 0x21,
            offset: 4,
        },
        Base64AfterPadding {
            part: s("2"),
            offset: 8,
        },
        BareCr { offset: 1 },
        BareLf { offset: 1 },
        BoundaryOverlaps {
            part: s("2"),
            boundary: s("ab"),
            outer: s("a"),
        },
        MissingClosingBoundary {
            part: s("2"),
            boundary: s("b"),
        },
        MultipartEncoded {
            part: s("2"),
            encoding: s("base64"),
        },
        HeadersRunIntoBody { part: s("2") },
        HiddenInEdge {
            part: s("0"),
            edge: Edge::Epilogue,
            what: Hidden::EncodedData,
        },
        UndeclaredInText {
            part: s("1"),
            delimiter: Some(s("b")),
        },
        ConflictingFilename {
            part: s("2"),
            name: s("a.pdf"),
            filename: s("a.exe"),
        },
        Clamav {
            signature: s("Eicar-Signature"),
        },
        ClamavNoVerdict {
            reason: s("connection refused"),
        },
        NoSingleFrom { addresses: 2 },
        DmarcFailed {
            domain: s("example.com"),
            policy: s("reject"),
        },
        OwnDomainUnauthenticated {
            domain: s("ville-exemple.fr"),
        },
        DisplayNameShows {
            known: s("ville-exemple.fr"),
            domain: s("evil.test"),
        },
        LookalikeSkeleton {
            domain: s("vi11e-exemple.fr"),
            known: s("ville-exemple.fr"),
        },
        LookalikeEdits {
            domain: s("ville-exemples.fr"),
            known: s("ville-exemple.fr"),
            edits: 1,
        },
        LookalikeInside {
            domain: s("ville-exemple.fr.evil.test"),
            known: s("ville-exemple.fr"),
        },
    ]
}

/// The variants of `Sentence`, counted in this file's source.
fn variants_in_source() -> usize {
    let src = include_str!("mod.rs");
    let start = src.find("pub enum Sentence {").unwrap();
    let body = &src[start..];
    let end = body.find("\n}\n").unwrap();
    body[..end]
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            l.starts_with("    ")
                && !l.starts_with("     ")
                && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        })
        .count()
}

#[test]
fn every_key_has_a_sample() {
    let samples = samples();
    let mut keys: Vec<String> = samples.iter().map(Sentence::key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), samples.len(), "two samples of one key");
    assert_eq!(
        keys.len(),
        variants_in_source(),
        "a key of Sentence has no sample in sentence/tests.rs"
    );
}

#[test]
fn every_key_renders_in_both_languages() {
    for s in samples() {
        let (fr, en) = (s.fr(), s.en());
        assert!(!fr.trim().is_empty(), "{} has no French", s.key());
        assert!(!en.trim().is_empty(), "{} has no English", s.key());
        assert_ne!(fr, en, "{}: the French is the English", s.key());
        assert!(!s.key().is_empty());
    }
}

#[test]
fn serialised_as_key_and_args_and_back() {
    for s in samples() {
        let v = serde_json::to_value(&s).unwrap();
        assert!(v["key"].is_string(), "{v}");
        let back: Sentence = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
    }
    let v = serde_json::to_value(Sentence::VbaProjectBin { mime: "m".into() }).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"key": "vba_project_bin", "args": {"mime": "m"}})
    );
    let v = serde_json::to_value(Sentence::EntryEncrypted).unwrap();
    assert_eq!(v, serde_json::json!({"key": "entry_encrypted"}));
}

#[test]
fn a_finding_stored_with_its_detail_only_still_reads() {
    use crate::report::{Finding, FindingKind};
    // As a report written before sentences sits in sled or PostgreSQL.
    let old = r#"{"kind":"ooxml_macros","category":"macro","detail":"the document has a vbaProject.bin macro project (application/vnd.ms-word.document.macroEnabled.12)"}"#;
    let f: Finding = serde_json::from_str(old).unwrap();
    assert_eq!(f.kind, FindingKind::OoxmlMacros);
    assert_eq!(f.sentence, None);
    assert_eq!(f.fr(), None, "no French invented for a stored English text");
    assert!(f.en().starts_with("the document has a vbaProject.bin"));
    // A key a newer build wrote, unknown here: the stored text is shown.
    let newer = r#"{"kind":"ooxml_macros","category":"macro","detail":"stored text","sentence":{"key":"from_the_future","args":{"x":1}}}"#;
    let f: Finding = serde_json::from_str(newer).unwrap();
    assert_eq!(f.sentence, None);
    assert_eq!(f.en(), "stored text");
    // A new finding keeps both, and reads back the same.
    let new = Finding::new(
        FindingKind::OoxmlMacros,
        Sentence::VbaProjectBin { mime: "m".into() },
    );
    let json = serde_json::to_string(&new).unwrap();
    assert!(
        json.contains(r#""detail":"the document has a vbaProject.bin macro project (m)""#),
        "{json}"
    );
    assert!(
        json.contains(r#""sentence":{"key":"vba_project_bin","args":{"mime":"m"}}"#),
        "{json}"
    );
    let back: Finding = serde_json::from_str(&json).unwrap();
    assert_eq!(back, new);
    assert_eq!(
        back.fr().unwrap(),
        "le document contient un projet de macros vbaProject.bin (m)"
    );
}

#[test]
fn an_encrypted_document_is_no_archive() {
    use crate::report::{Category, Finding, FindingKind};
    let f = Finding::new(
        FindingKind::EncryptedDocument,
        Sentence::PdfEncrypted { streams: 2 },
    );
    assert_eq!(f.category, Category::EncryptedArchive, "policies unchanged");
    assert_eq!(f.label_fr(), "document protégé par mot de passe");
    assert_eq!(f.label_en(), "password-protected document");
    assert!(
        f.fr()
            .unwrap()
            .starts_with("document PDF protégé par mot de passe")
    );
    let entry = Finding::new(FindingKind::EncryptedArchive, Sentence::EntryEncrypted);
    assert_eq!(entry.label_fr(), "archive protégée par mot de passe");
    let c = Category::EncryptedArchive;
    assert_eq!(
        c.label_fr_for("application/pdf"),
        "document protégé par mot de passe"
    );
    assert_eq!(
        c.label_fr_for("application/x-ole-storage"),
        "document protégé par mot de passe"
    );
    assert_eq!(
        c.label_fr_for("application/zip"),
        "archive protégée par mot de passe"
    );
    assert_eq!(
        Category::Macro.label_fr_for("application/pdf"),
        Category::Macro.label_fr()
    );
}

#[test]
fn arguments_are_data_not_translated() {
    let s = Sentence::DuplicateEntry {
        name: "<b>facture</b>.exe".into(),
    };
    assert!(s.fr().contains("<b>facture</b>.exe"));
    assert!(s.en().contains("<b>facture</b>.exe"));
}
