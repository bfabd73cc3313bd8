//! Office documents saved as one XML file, which Word opens whatever the
//! file is called (`.doc`, `.xml`), by the `<?mso-application
//! progid="Word.Document"?>` processing instruction or the namespace of
//! the root element:
//!
//! - Word 2003 XML ("WordprocessingML 2003", root `w:wordDocument`): the
//!   parts a text cannot hold are base64 in `w:binData` elements, named by
//!   `w:name`; the VBA project of a document with `w:macrosPresent="yes"`
//!   is the ActiveMime data `editdata.mso` in `w:docSuppData`, embedded
//!   objects `oledata.mso` ([`crate::formats::activemime`]).
//! - Flat OPC, Word 2007's XML ("Word XML Document", root `pkg:package`,
//!   namespace `http://schemas.microsoft.com/office/2006/xmlPackage`):
//!   each part of an OOXML package is a `pkg:part` named by `pkg:name`,
//!   binary parts (`/word/vbaProject.bin`, embedded objects) base64 in
//!   `pkg:binaryData`, XML parts inline in `pkg:xmlData`, relationships
//!   parts among them.
//!
//! Each binary part is handed back to the walk as a file under its name
//! (an `editdata.mso` is then found to be ActiveMime, a `vbaProject.bin`
//! an OLE file with a VBA project); each relationships part is judged as
//! an OOXML package's ([`crate::formats::ooxml_rels`]). The file is read
//! with an XML parser (`quick-xml`, streaming: no depth limit to reach);
//! one that does not parse is a finding. Excel 2003 XML spreadsheets
//! (`progid="Excel.Sheet"`) hold no binary parts and no macros: nothing is
//! found in them.

use crate::decode::lenient_base64;
use crate::formats::ooxml_rels::{judge_part, xml_text};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, out_of_time, take_entry};
use quick_xml::events::{BytesStart, Event};

/// How far into a file its Office XML marks are looked for.
const HEAD: usize = 64 * 1024;

/// Marks of an XML file Word (or another Office program) opens as a
/// document: the processing instruction, the Word 2003 namespace, the flat
/// OPC namespace (as Office writes them: a PI target and a namespace URI
/// are case-sensitive, XML 1.0 §2.6, Namespaces in XML §2.3).
const MARKS: &[&str] = &[
    "<?mso-application",
    "schemas.microsoft.com/office/word/2003/wordml",
    "schemas.microsoft.com/office/2006/xmlPackage",
];

/// Whether an XML file is one an Office program opens as a document
/// (a mark of [`MARKS`] in its first 64 KiB, UTF-8, or UTF-16 with its
/// byte-order mark). Every text object is asked: the UTF-8 case is three
/// byte searches, nothing decoded.
pub(crate) fn is_office_xml(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEAD)];
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        let text = xml_text(head);
        return MARKS.iter().any(|m| text.contains(m));
    }
    MARKS
        .iter()
        .any(|m| memchr::memmem::find(head, m.as_bytes()).is_some())
}

/// The value of the attribute of local name `name` (any prefix).
fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A binary part being read: its name and its base64 text so far.
struct Binary {
    name: String,
    text: String,
}

/// Walks a Word 2003 XML or flat OPC document: every `w:binData` and
/// `pkg:binaryData` decoded and handed back as a file (each one archive
/// entry of the budget; a part whose decoded size is past the caps is held
/// unread), every relationships part judged. A file that is not
/// well-formed XML is a [`FindingKind::DamagedArchive`] finding.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let text = xml_text(obj.bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut part: Option<String> = None;
    let mut binary: Option<Binary> = None;
    let mut count = 0usize;
    let mut reported = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::ArchiveDamaged {
                        format: "Office XML".into(),
                        reason: Some(format!("{e} (at byte {})", reader.error_position())),
                    },
                ));
                return;
            }
        };
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"part" => part = attribute(&e, b"name"),
                b"binData" | b"binaryData" => {
                    count += 1;
                    let name = if e.local_name().as_ref() == b"binData" {
                        attribute(&e, b"name")
                    } else {
                        part.clone()
                    };
                    let name = name
                        .map(|n| n.trim_start_matches('/').to_string())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| format!("binData-{count}"));
                    binary = Some(Binary {
                        name,
                        text: String::new(),
                    });
                }
                b"xmlData" => {
                    let rels = part
                        .as_deref()
                        .filter(|p| p.to_ascii_lowercase().ends_with(".rels"))
                        .map(|p| p.trim_start_matches('/').to_string());
                    if let Some(name) = rels {
                        let end = e.name().as_ref().to_vec();
                        match reader.read_to_end(quick_xml::name::QName(&end)) {
                            Ok(span) => {
                                let inner = text
                                    .get(span.start as usize..span.end as usize)
                                    .unwrap_or_default();
                                judge_part(w, &name, inner.as_bytes(), &mut reported, findings);
                            }
                            Err(e) => {
                                findings.push(Finding::new(
                                    FindingKind::DamagedArchive,
                                    Sentence::ArchiveDamaged {
                                        format: "Office XML".into(),
                                        reason: Some(e.to_string()),
                                    },
                                ));
                                return;
                            }
                        }
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(b) = binary.as_mut() {
                    b.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::CData(t) => {
                if let Some(b) = binary.as_mut() {
                    b.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(b) = binary.as_mut()
                    && let Ok(Some(c)) = r.resolve_char_ref()
                {
                    b.text.push(c);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"binData" | b"binaryData" => {
                    if let Some(b) = binary.take() {
                        if out_of_time(w, findings) || !take_entry(w, findings) {
                            return;
                        }
                        hand_back(w, obj, b, children);
                    }
                }
                b"part" => part = None,
                _ => {}
            },
            Event::Eof => return,
            _ => {}
        }
    }
}

/// Decodes one binary part and hands it to the walk, or holds it unread
/// when its decoded size is past the caps.
fn hand_back(w: &mut Walker<'_>, obj: &Object<'_>, b: Binary, children: &mut Vec<Part>) {
    let cap = w.object_cap();
    // The text is part of the object's own bytes: decoding it cannot take
    // more memory than the object did.
    let bytes = lenient_base64(b.text.as_bytes());
    if bytes.len() as u64 > cap {
        children.push(w.unread_child(
            obj,
            b.name,
            Finding::new(
                FindingKind::SizeExceeded,
                Sentence::PastBudget { cap: Some(cap) },
            ),
        ));
        return;
    }
    w.expanded += bytes.len() as u64;
    children.push(w.child(obj, b.name, None, &bytes));
}
