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
//! - [`report`]: `Report`, `Part`, `Finding`, `FindingKind`, `Category`, `Action`.
//! - [`sentence`]: what a finding says, a message key and its arguments,
//!   rendered in French or English.
//! - [`policy`]: the category → action map read from TOML.
//! - [`limits`]: every budget, with its default.
//! - `engine`: compiled YARA rules (the shipped `signatures/` built in).
//! - `mime`: the MIME walk; `ambiguity`: the checks for readings that differ;
//!   `hidden`: files a lenient reader finds in text (encoded runs,
//!   undeclared MIME structure).
//! - `walk`: per-object inspection; `sniff`: real types and name checks;
//!   `dangerous`: the dangerous file types, with their sources;
//!   `content`: HTML smuggling, active SVG; `pdf`: PDF actions and embedded files.
//! - `archive`: ZIP (every reading), gzip (every member), tar, 7z; `tnef`: winmail.dat.
//! - Containers found by content, whatever their name: a message anywhere
//!   (`mime::walk_nested`), `smime`: S/MIME and `.p7m` (CMS); `rtf`: RTF objects;
//! `ole`: OLE1 objects, `Package`, embedded objects of OLE2 files; `msg`:
//! Outlook messages and compressed RTF; `ics`: calendar attachments.
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
mod simd;
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
