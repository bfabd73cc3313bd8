//! # ecluse-scanner
//!
//! The pure heart of Écluse: bytes of a message in, a [`Report`] out.
//! [`scan`] walks every MIME part (nested messages, preambles, uuencoded
//! blocks), sniffs each decoded object's real type, recurses into archives
//! under the budgets of [`Limits`], runs the YARA rules of the [`Engine`] over
//! everything, and weighs the findings with the [`Policy`].
//!
//! It does no I/O, spawns nothing and never fails: what cannot be analysed
//! becomes a finding that the default policy holds (fail closed). The gateway
//! calls it inside `spawn_blocking`.
//!
//! ```
//! let engine = ecluse_scanner::Engine::builtin();
//! let limits = ecluse_scanner::Limits::default();
//! let report = ecluse_scanner::scan(&engine, &limits, b"Subject: hi\r\n\r\nhello\r\n");
//! assert_eq!(report.action, ecluse_scanner::Action::Deliver);
//! ```
//!
//! # Layout
//! Floors, lowest first; a file imports only from its own floor's leaves
//! or below (`scripts/import-graph scanner` checks there is no loop).
//! - Data: [`report`] (`Report`, `Part`, `Finding`, `FindingKind`,
//!   `Category`, `Action`); [`sentence`] (what a finding says, a message
//!   key and its arguments: `mod.rs` the keys, `fr.rs` and `en.rs` the
//!   renderings, `tests.rs` a sample of each); `dangerous` (the table of
//!   dangerous file types and `NameClass`, with their sources: a leaf, read
//!   by detection and quoted by the sentences); [`limits`] (every budget,
//!   with its default); `error` (the one error type); [`originator`]
//!   (the one reading of `From:`).
//! - Weighing: [`policy`] (the category → action map read from TOML, and
//!   `Report`'s weighing methods: `add_finding`, `without_categories`,
//!   `weighed`); `engine` (compiled YARA rules, the shipped `signatures/`
//!   built in, and the scanner each thread keeps between scans).
//! - `decode`: the decoders readers share (hex, percent-decoding, lenient
//!   base64, UTF-16LE, compressed RTF, little-endian integers, a URL's
//!   scheme).
//! - `detect/`: what an object is, whatever it claims: `sniff` (real types
//!   from bytes, the ZIP directory that tells OOXML/ODF/JAR apart),
//!   `names` (names as Windows reads them, and their findings), `content`
//!   (which text a browser opens as a page), `encodings` (files written as text:
//!   the opening lines of uuencode, xxencode, yEnc, BinHex 4.0, base64).
//! - `walk`: what a reader is handed: the `Walker` (budgets spent, the YARA
//!   scanner), the `Object`, the `ContainerReader` shape, `take_entry`,
//!   `out_of_time`, `enter`.
//! - `formats/`: one reader per container format: `mime/` (the MIME walk;
//!   `ambiguity`: the checks for readings that differ; `hidden`: files a
//!   lenient reader finds in text), `zip` (every reading, OOXML,
//!   OpenDocument, JAR), `gzip` (every member), `tar`, `sevenz`, `archive`
//!   (what the four share: reading an entry under the caps), `tnef`
//!   (winmail.dat), `encoded` (files written as text, decoded: uuencode,
//!   xxencode, yEnc, BinHex 4.0, base64), `msg` (Outlook messages), `ole` (OLE1 objects,
//!   `Package`, embedded objects of OLE2 files), `rtf` (RTF objects),
//!   `smime` (S/MIME and `.p7m`, CMS), `ics` (calendar attachments), `pdf/`
//!   (`syntax` its own bounded parser, `filters` the stream filters,
//!   `document` every reading of the objects, `actions` the actions and
//!   where they are reached from, `xfa` XFA scripts, `mod.rs` embedded
//!   files) and
//!   `pdf_crypt` (decryption, every revision, with the
//!   empty user password), `ooxml_rels` (what an OOXML package's
//!   relationships fetch from outside), `activemime` (the `.mso` data of
//!   MHTML and Word 2003 XML documents), `officexml` (Word 2003 XML and
//!   flat OPC), `ppt` (the records of a PowerPoint 97–2003 document
//!   stream), `page/` (HTML and SVG pages: what they make the reader do;
//!   `markup` read with html5ever's tokenizer, `target` where addresses
//!   lead, and `script/` their scripts read as data: `literals` and
//!   `lexer` the tokens, `decode` the decoders a page calls, `mod.rs` the
//!   values, budgets and statements, `expressions`, `calls` (decoders,
//!   sinks, string and array methods, each a function) and `sinks` what
//!   is recorded for the page reader).
//! - `inspect`: the dispatch, above the readers: hash, sniff, name and
//!   content checks, the reader of the object's kind, YARA.
//! - `lib.rs`: [`scan`] and its variants.
//!
//! **A reader never imports the dispatcher.** A container reader gets the
//! walker and the object, and hands every object it finds back with
//! `Walker::child`, a method that `inspect` defines: the way back up is a
//! call, not an import (ripgrep's searcher defines its `Sink` and never
//! imports the printer). A reader may use a sibling below it (`rtf` opens
//! OLE1 objects with `ole`), `decode`, `detect` and `walk`; a helper two
//! readers need goes down into `decode` or `formats/archive`, never into
//! one of the readers. Inside the crate, imports name the defining module
//! (`crate::report::Finding`), not the re-exports below.
//!
//! The principle: if some software on the recipient's side would open it,
//! Écluse opens it; what it cannot open is a finding, held by default,
//! never a silent skip.

mod dangerous;
mod decode;
mod detect;
mod engine;
mod error;
mod formats;
mod inspect;
pub mod limits;
pub mod originator;
pub mod policy;
pub mod report;
pub mod sentence;
mod walk;

pub use engine::{BUILTIN_RULES, EXTERNALS, Engine, RuleSet};
pub use error::Error;
pub use limits::Limits;
pub use originator::sole_from;
pub use policy::Policy;
pub use report::{
    Action, Category, DkimCheck, Finding, FindingKind, MessageInfo, Part, Report, SenderAuth,
    document_type,
};
pub use sentence::Sentence;

use std::time::Instant;

/// Scans one raw message (RFC 5322 bytes). Never panics on hostile input and
/// never fails: a part that cannot be analysed is reported with a finding.
pub fn scan(engine: &Engine, limits: &Limits, raw: &[u8]) -> Report {
    scan_with(engine, limits, raw, true, None).0
}

/// [`scan`], keeping the objects that a second engine reading the message
/// itself would not reach, as `(path, bytes)`, in walk order, while their
/// bytes add up to at most `max_bytes`. ClamAV unpacks MIME, ZIP and the
/// documents built on it, gzip, tar, 7z, TNEF, OLE2, RTF and PDF itself:
/// what lies only behind those is not kept (sending it again cost clamd
/// 30 % more time on a ZIP attachment, `bench/smtp-load --engines`). What
/// our own readings found is kept: text decoded from base64 or
/// quoted-printable runs, parts no header declares, the other reading of
/// a polyglot, the content of CMS (S/MIME) structures and calendars.
pub fn scan_keeping_objects(
    engine: &Engine,
    limits: &Limits,
    raw: &[u8],
    max_bytes: u64,
) -> (Report, Vec<(String, Vec<u8>)>) {
    scan_with(engine, limits, raw, true, Some(max_bytes))
}

/// [`scan`] without the guard against panics, for fuzz targets and property
/// tests, which must see a panic to report it.
#[doc(hidden)]
pub fn scan_unguarded(engine: &Engine, limits: &Limits, raw: &[u8]) -> Report {
    scan_with(engine, limits, raw, false, None).0
}

fn scan_with(
    engine: &Engine,
    limits: &Limits,
    raw: &[u8],
    guarded: bool,
    keep: Option<u64>,
) -> (Report, Vec<(String, Vec<u8>)>) {
    let started = Instant::now();
    let mut walker = walk::Walker::new(engine, limits);
    walker.kept = keep.map(|budget| (budget, Vec::new()));
    let mut findings = Vec::new();
    let mut parts = Vec::new();
    let mut walk = || formats::mime::walk(&mut walker, raw, &mut findings, &mut parts);
    let message = if guarded {
        // A third-party parser that panics on hostile bytes must not take the
        // gateway down: the message is held as not analysable instead.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(walk));
        if caught.is_err() {
            walker.discard_scanner();
        }
        caught.unwrap_or_else(|_| {
            findings.push(Finding::new(
                FindingKind::ScanError,
                Sentence::ScannerFailed,
            ));
            MessageInfo::default()
        })
    } else {
        walk()
    };
    let scanned_bytes = walker.expanded;
    let kept = walker.kept.take().map(|(_, k)| k).unwrap_or_default();
    let report = finish(
        engine,
        findings,
        parts,
        message,
        raw.len() as u64,
        scanned_bytes,
        started,
    );
    (report, kept)
}

/// Inspects one object (an attachment's decoded bytes) as the MIME walk
/// would: for fuzz targets of the archive walk, and for tools that scan a
/// file that did not come by mail.
pub fn scan_file(engine: &Engine, limits: &Limits, filename: Option<&str>, bytes: &[u8]) -> Part {
    let mut walker = walk::Walker::new(engine, limits);
    walker.expanded = bytes.len() as u64;
    walker.inspect(walk::Object {
        path: "1".into(),
        filename: filename.map(str::to_string),
        declared_type: None,
        bytes,
        depth: 0,
        is_file: true,
    })
}

/// Every decoded object the scan hands to YARA, in order: for benchmarks
/// that compare the full scan with YARA alone over the same bytes.
#[doc(hidden)]
pub fn decoded_objects(engine: &Engine, limits: &Limits, raw: &[u8]) -> Vec<Vec<u8>> {
    let mut walker = walk::Walker::new(engine, limits);
    walker.collected = Some(Vec::new());
    let (mut findings, mut parts) = (Vec::new(), Vec::new());
    formats::mime::walk(&mut walker, raw, &mut findings, &mut parts);
    walker.collected.take().unwrap_or_default()
}

/// The decoded bytes of the object at `path` (a [`Part::path`] of the
/// message's report: a MIME part, or an archive entry inside one), as a
/// reader would save them; `None` when the message has no such object.
pub fn extract(engine: &Engine, limits: &Limits, raw: &[u8], path: &str) -> Option<Vec<u8>> {
    let mut walker = walk::Walker::new(engine, limits);
    walker.extract = Some(path.to_string());
    let (mut findings, mut parts) = (Vec::new(), Vec::new());
    formats::mime::walk(&mut walker, raw, &mut findings, &mut parts);
    walker.extracted.take()
}

fn finish(
    engine: &Engine,
    findings: Vec<Finding>,
    parts: Vec<Part>,
    message: MessageInfo,
    size: u64,
    scanned_bytes: u64,
    started: Instant,
) -> Report {
    let policy = engine.policy();
    let mut categories: Vec<Category> = findings
        .iter()
        .map(|f| f.category)
        .chain(
            parts
                .iter()
                .flat_map(|p| p.walk())
                .flat_map(|p| p.findings.iter().map(|f| f.category)),
        )
        .collect();
    categories.sort();
    categories.dedup();
    // The deciding category: the strictest action, then the most severe.
    let category = categories
        .iter()
        .copied()
        .filter(|c| policy.action(*c) > Action::Deliver)
        .max_by(|a, b| policy.action(*a).cmp(&policy.action(*b)).then(b.cmp(a)));
    let action = category.map_or(Action::Deliver, |c| policy.action(c));
    Report {
        action,
        category,
        categories,
        findings,
        parts,
        message,
        size,
        scanned_bytes,
        scan_ms: started.elapsed().as_millis() as u64,
    }
}
