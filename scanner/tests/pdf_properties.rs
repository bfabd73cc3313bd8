//! Properties of the PDF reader (issue 31): bytes inside a stream are
//! never taken for an action, whatever they are; an action written in PDF
//! syntax is always found, however it is written — names with `#xx`
//! escapes, inside an object stream (compressed or not), in an
//! incremental update — and wherever it is reached from.

mod pdf_build;

use ecluse_scanner::sentence::PdfActionKind;
use ecluse_scanner::{Engine, FindingKind, Limits, Part, Sentence, scan_file};
use pdf_build::*;
use proptest::prelude::*;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

fn scan(pdf: &[u8]) -> Part {
    scan_file(&ENGINE, &Limits::default(), Some("document.pdf"), pdf)
}

/// The kinds an action gets.
const ACTION_KINDS: [FindingKind; 7] = [
    FindingKind::PdfJavaScript,
    FindingKind::PdfLaunch,
    FindingKind::PdfGoToRemote,
    FindingKind::PdfGoToEmbedded,
    FindingKind::PdfImportData,
    FindingKind::PdfSubmitForm,
    FindingKind::ExternalContent,
];

fn actions(part: &Part) -> Vec<PdfActionKind> {
    part.walk()
        .into_iter()
        .flat_map(|p| p.findings.iter())
        .filter_map(|f| match &f.sentence {
            Some(Sentence::PdfAction { action, .. }) => Some(*action),
            _ => None,
        })
        .collect()
}

/// An action: the value of `/S`, the rest of its dictionary, what it is.
const ACTIONS: [(&str, &str, PdfActionKind); 7] = [
    (
        "JavaScript",
        r"/JS (app.alert\(1\))",
        PdfActionKind::JavaScript,
    ),
    ("Launch", "/F (facture.exe)", PdfActionKind::Launch),
    (
        "GoToR",
        r"/F (\\\\203.0.113.5\\p\\a.pdf) /D [0 /Fit]",
        PdfActionKind::GoToRemote,
    ),
    (
        "GoToE",
        r"/F (\\\\203.0.113.5\\p\\a.pdf) /D [0 /Fit]",
        PdfActionKind::GoToEmbedded,
    ),
    ("ImportData", "/F (donnees.fdf)", PdfActionKind::ImportData),
    (
        "SubmitForm",
        "/F (http://203.0.113.5/c)",
        PdfActionKind::SubmitForm,
    ),
    (
        "URI",
        r"/URI (\\\\203.0.113.5\\partage)",
        PdfActionKind::Uri,
    ),
];

/// How the action object is written into the document.
#[derive(Debug, Clone, Copy)]
enum Written {
    /// A top-level object of the first revision.
    Plain,
    /// Inside an object stream, compressed or not.
    ObjectStream { compressed: bool },
    /// In an incremental update that also adds the reference to it.
    Update,
}

fn written() -> impl Strategy<Value = Written> {
    prop_oneof![
        Just(Written::Plain),
        any::<bool>().prop_map(|compressed| Written::ObjectStream { compressed }),
        Just(Written::Update),
    ]
}

fn place() -> impl Strategy<Value = Place> {
    prop::sample::select(PLACES.to_vec())
}

/// A document whose object 10 is `action`, reached from `place`, written
/// as `how`.
fn document_with(place: Place, action: &str, how: Written) -> Vec<u8> {
    let (c, p, extra) = reach(place);
    match how {
        Written::Plain => with_action(place, action),
        Written::ObjectStream { compressed } => {
            let mut objects = document(&c, &p);
            let extra_text: Vec<(u32, String)> = extra
                .iter()
                .map(|(n, b)| (*n, String::from_utf8_lossy(b).into_owned()))
                .collect();
            let mut members: Vec<(u32, &str)> =
                extra_text.iter().map(|(n, b)| (*n, b.as_str())).collect();
            members.push((10, action));
            objects.push(object_stream(40, &members, compressed));
            write(&objects, "")
        }
        Written::Update => {
            let base = write(&document("", ""), "");
            let mut objects = document(&c, &p);
            objects.truncate(3); // catalogue, pages, page replaced
            objects.extend(extra);
            objects.push(obj(10, action));
            update(base, &objects)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Random bytes inside a stream (an image, a content stream) never
    /// make an action: the bytes are data, not PDF syntax.
    #[test]
    fn random_bytes_inside_a_stream_are_never_an_action(
        data in prop::collection::vec(any::<u8>(), 0..4096),
        names in prop::collection::vec(prop::sample::select(vec![
            &b"/JS"[..], b"/JavaScript", b"/Launch", b"/OpenAction", b"/AA", b"/S",
            b"/GoToR", b"/URI (\\\\\\\\h\\\\s)", b"/XFA", b"<<", b">>", b"(", b")", b"endstream",
            b"1 0 obj", b"endobj", b"stream\n",
        ]), 0..24),
        compressed in any::<bool>(),
    ) {
        let mut bytes = data.clone();
        for (i, n) in names.iter().enumerate() {
            let at = if bytes.is_empty() { 0 } else { (i * 7919) % bytes.len() };
            bytes.splice(at..at, n.iter().copied());
        }
        let mut objects = document("", "/Resources << /XObject << /Im1 5 0 R >> >>");
        let dict = "/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 8";
        if compressed {
            objects.push(stream(5, &format!("{dict} /Filter /FlateDecode"), &deflate(&bytes)));
        } else {
            objects.push(stream(5, &format!("{dict} /Filter /DCTDecode"), &bytes));
        }
        let part = scan(&write(&objects, ""));
        let kinds: Vec<FindingKind> = part.walk().iter().flat_map(|p| p.findings.iter().map(|f| f.kind)).collect();
        prop_assert!(
            !kinds.iter().any(|k| ACTION_KINDS.contains(k)),
            "an action found in stream data: {:?}", kinds
        );
    }

    /// The same action, however it is written and wherever it is reached
    /// from, is always found.
    #[test]
    fn an_action_is_found_however_it_is_written(
        which in 0..ACTIONS.len(),
        mask_s in prop::collection::vec(any::<bool>(), 1..12),
        mask_value in prop::collection::vec(any::<bool>(), 1..12),
        place in place(),
        how in written(),
    ) {
        let (value, rest, kind) = ACTIONS[which];
        let action = format!(
            "<< {} {} {rest} >>",
            escaped("S", &mask_s),
            escaped(value, &mask_value)
        );
        let pdf = document_with(place, &action, how);
        let part = scan(&pdf);
        prop_assert!(
            actions(&part).contains(&kind),
            "{kind:?} written {action} ({how:?}, from {place:?}) not found: {:?}",
            part.walk().iter().flat_map(|p| p.findings.iter().map(|f| f.detail.clone())).collect::<Vec<_>>()
        );
    }
}
