//! PDF: what a document makes its reader do, judged from its objects, never
//! from bytes that happen to spell a name.
//!
//! The document is read as PDF syntax ([`syntax`]: names decoded from
//! their `#xx` escapes, ISO 32000-1 §7.3.5), every way a reader finds its
//! objects ([`document`]: the linear reading, every cross-reference
//! section, object streams, incremental updates), decrypted when the empty
//! user password opens it (every revision of the standard security
//! handler, [`crate::formats::pdf_crypt`]). Stream data is never read for
//! names: a scanned page whose compressed image happens to hold the bytes
//! `/JS` is an ordinary page.
//!
//! Then:
//! - actions that run code or reach outside, from wherever they are
//!   reached ([`actions`]): `/JavaScript`, `/Rendition` with JavaScript,
//!   `/Launch`, `/GoToR`, `/GoToE`, `/ImportData`, `/SubmitForm`, `/URI`
//!   to a network path, a file or a protocol handler;
//! - the `<script>`s of an XFA form ([`xfa`]);
//! - embedded files, pulled out to be scanned like archive entries. They
//!   are not a finding by themselves: Factur-X invoices carry an XML file
//!   and must pass.
//!
//! What cannot be read is a finding, held by default: a stream the
//! scanner needs behind a filter it does not decode, a document that needs
//! a password, a structure past the bounds of [`syntax`] and [`document`].
//!
//! Why an own parser rather than a crate: `lopdf` (0.47, which the disarm
//! worker uses) aborts on deeply nested input (lopdf issue 82) and holds
//! every object in memory, so DESIGN.md runs it only in a sandboxed child
//! process; the `pdf` crate is neither in the tree nor measured on
//! hostile input. The scanner runs inside the gateway, on hostile bytes: this
//! parser is bounded in nesting, values, objects and work, keeps a few
//! words per object, and never panics (fuzz targets `pdf_walk` and
//! `xfa_walk`).
//!
//! # Layout
//! - `syntax`: the lexer and the bounded parser of one value.
//! - `filters`: the stream filters and predictors.
//! - `document`: the objects, every reading, object streams, encryption.
//! - `actions`: action dictionaries, and where they are reached from.
//! - `xfa`: the scripts of an XFA form (quick-xml).

mod actions;
mod document;
mod filters;
mod syntax;
mod xfa;

use crate::report::{Finding, FindingKind};
use crate::sentence::{Counted, Nested, PdfActionKind, PdfStream, Sentence};
use actions::Visit;
use document::{Document, Stop};
use std::collections::{HashMap, HashSet};
use syntax::Value;

/// Action findings kept for one document, at most (one per kind and
/// target already).
const MAX_ACTION_FINDINGS: usize = 32;

/// XFA script findings kept for one document, at most.
const MAX_XFA_FINDINGS: usize = 8;

/// What the PDF walk found.
pub(crate) struct PdfScan {
    pub findings: Vec<Finding>,
    pub embedded: Vec<EmbeddedFile>,
}

/// A file embedded in the PDF.
pub(crate) struct EmbeddedFile {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// The finding kind of an action.
fn kind_of(action: PdfActionKind) -> FindingKind {
    match action {
        PdfActionKind::JavaScript | PdfActionKind::Rendition => FindingKind::PdfJavaScript,
        PdfActionKind::Launch => FindingKind::PdfLaunch,
        PdfActionKind::GoToRemote => FindingKind::PdfGoToRemote,
        PdfActionKind::GoToEmbedded => FindingKind::PdfGoToEmbedded,
        PdfActionKind::ImportData => FindingKind::PdfImportData,
        PdfActionKind::SubmitForm => FindingKind::PdfSubmitForm,
        _ => FindingKind::ExternalContent,
    }
}

/// Walks the PDF in `bytes`. `cap` bounds the bytes of every decoded
/// stream together.
pub(crate) fn inspect(bytes: &[u8], cap: u64) -> PdfScan {
    let doc = Document::read(bytes, cap);
    let visit = Visit::of(&doc);
    let mut findings = Vec::new();
    for (action, trigger, target) in visit.actions().into_iter().take(MAX_ACTION_FINDINGS) {
        findings.push(Finding::new(
            kind_of(action),
            Sentence::PdfAction {
                action,
                trigger,
                target,
            },
        ));
    }
    xfa_forms(&doc, &visit, &mut findings);
    for u in &doc.undecodable {
        findings.push(Finding::new(
            FindingKind::DamagedArchive,
            Sentence::PdfStreamUndecodable {
                what: PdfStream::ObjectStream,
                filters: u.filters.clone(),
                reason: u.reason.clone(),
            },
        ));
    }
    let embedded = embedded_files(&doc, &visit, &mut findings);
    if doc.locked() {
        // Encrypted with a password the reader will ask for: nothing
        // encrypted was read (fail closed).
        findings.push(Finding::new(
            FindingKind::EncryptedDocument,
            Sentence::PdfEncrypted {
                streams: visit.streams,
            },
        ));
    }
    for stop in doc.troubles() {
        findings.push(match stop {
            Stop::TooManyObjects => Finding::new(
                FindingKind::EntriesExceeded,
                Sentence::TooManyObjects {
                    limit: document::MAX_OBJECTS as u64,
                    of: Counted::PdfObjects,
                },
            ),
            Stop::TooManyValues => Finding::new(
                FindingKind::SizeExceeded,
                Sentence::TooManyObjects {
                    limit: syntax::MAX_VALUES as u64,
                    of: Counted::PdfValues,
                },
            ),
            Stop::TooDeep => Finding::new(
                FindingKind::DepthExceeded,
                Sentence::NestedTooDeep {
                    limit: syntax::MAX_DEPTH as u64,
                    of: Nested::PdfValues,
                },
            ),
            Stop::WorkSpent => Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "PDF".into(),
                    reason: Some(format!(
                        "its structure takes more than {} times its size to read (damaged, or built to exhaust a reader)",
                        document::WORK_FACTOR
                    )),
                },
            ),
        });
    }
    PdfScan { findings, embedded }
}

/// The scripts of every XFA form: the packets of `/XFA` (one stream, or
/// an array of names and streams, ISO 32000-1 §12.7.8) decoded and
/// concatenated in order, as the reader reads them; an earlier definition
/// of a packet (an incremental update) read on its own too.
fn xfa_forms(doc: &Document<'_>, visit: &Visit, findings: &mut Vec<Finding>) {
    let mut done: Vec<u32> = Vec::new();
    let mut scripts: Vec<xfa::XfaScript> = Vec::new();
    for (value, _) in &visit.xfa {
        let packets: Vec<u32> = match value {
            Value::Ref(n, _) => vec![*n],
            Value::Array(items) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Ref(n, _) => Some(*n),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if packets.is_empty() || packets.iter().all(|n| done.contains(n)) {
            continue;
        }
        done.extend(&packets);
        let mut whole = Vec::new();
        let mut earlier: Vec<Vec<u8>> = Vec::new();
        for n in packets {
            let defs = doc.defs_of(n);
            for (k, &i) in defs.iter().enumerate() {
                if doc.defs[i].data.is_none() || doc.locked() {
                    continue;
                }
                match doc.stream(i) {
                    Ok(data) if k + 1 == defs.len() => whole.extend_from_slice(&data),
                    Ok(data) => earlier.push(data),
                    Err(reason) => {
                        let filters = doc
                            .value(&doc.defs[i])
                            .and_then(|v| v.as_dict().map(filters::names))
                            .unwrap_or_default();
                        findings.push(Finding::new(
                            FindingKind::DamagedArchive,
                            Sentence::PdfStreamUndecodable {
                                what: PdfStream::XfaForm,
                                filters,
                                reason,
                            },
                        ));
                    }
                }
            }
        }
        let scan = xfa::scan(&whole);
        scripts.extend(scan.scripts);
        if let Some(error) = scan.error {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::PdfStreamUndecodable {
                    what: PdfStream::XfaForm,
                    filters: Vec::new(),
                    reason: format!("its XML cannot be read: {error}"),
                },
            ));
        }
        for data in earlier {
            scripts.extend(xfa::scan(&data).scripts);
        }
    }
    let mut shown: Vec<&xfa::XfaScript> = Vec::new();
    for s in &scripts {
        if !shown.contains(&s) && shown.len() < MAX_XFA_FINDINGS {
            shown.push(s);
        }
    }
    for s in shown {
        findings.push(Finding::new(
            FindingKind::PdfJavaScript,
            Sentence::PdfXfaScript {
                content_type: s.content_type.clone(),
                activity: s.activity.clone(),
            },
        ));
    }
}

/// The embedded files: every stream of `/Type /EmbeddedFile`, named by the
/// file specification whose `/EF` refers to it (`/UF` before `/F`), else
/// by the names no stream claimed, in order; then every stream an `/EF`
/// refers to that does not call itself an embedded file (its `/Type` is
/// optional, §7.11.4).
fn embedded_files(
    doc: &Document<'_>,
    visit: &Visit,
    findings: &mut Vec<Finding>,
) -> Vec<EmbeddedFile> {
    if doc.locked() {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for spec in &visit.filespecs {
        if let Some(n) = &spec.name
            && names.last() != Some(n)
        {
            names.push(n.clone());
        }
    }
    let mut named: HashMap<u32, Option<String>> = HashMap::new();
    for spec in &visit.filespecs {
        for &num in &spec.targets {
            named.entry(num).or_insert_with(|| spec.name.clone());
        }
    }
    let typed: HashSet<usize> = visit.embedded_streams.iter().copied().collect();
    let mut embedded = Vec::new();
    for &i in &visit.embedded_streams {
        match doc.stream(i) {
            Ok(bytes) => embedded.push(EmbeddedFile {
                name: named.get(&doc.defs[i].num).cloned().flatten(),
                bytes,
            }),
            Err(reason) => {
                let filters = doc
                    .value(&doc.defs[i])
                    .and_then(|v| v.as_dict().map(filters::names))
                    .unwrap_or_default();
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::PdfStreamUndecodable {
                        what: PdfStream::EmbeddedFile,
                        filters,
                        reason,
                    },
                ));
            }
        }
    }
    let claimed: Vec<String> = embedded.iter().filter_map(|f| f.name.clone()).collect();
    let mut unclaimed = names.into_iter().filter(|n| !claimed.contains(n));
    for file in embedded.iter_mut().filter(|f| f.name.is_none()) {
        file.name = unclaimed.next();
    }
    let mut seen: HashSet<u32> = HashSet::new();
    for spec in &visit.filespecs {
        for &num in &spec.targets {
            if !seen.insert(num) {
                continue;
            }
            for &i in doc.defs_of(num) {
                if typed.contains(&i) || doc.defs[i].data.is_none() {
                    continue;
                }
                match doc.stream(i) {
                    Ok(bytes) => embedded.push(EmbeddedFile {
                        name: spec.name.clone(),
                        bytes,
                    }),
                    Err(reason) => findings.push(Finding::new(
                        FindingKind::DamagedArchive,
                        Sentence::PdfEmbeddedUndecodable {
                            object: num as u64,
                            reason,
                        },
                    )),
                }
            }
        }
    }
    embedded
}
