//! What a reader is handed: the [`Walker`] (the state of one scan, its
//! budgets spent so far and its YARA scanner), the [`Object`] it reads, the
//! [`ContainerReader`] shape, and the budget checks every reader's loop
//! makes ([`take_entry`], [`out_of_time`], [`Walker::enter`]).
//!
//! The dispatch itself (sniff, checks, then the reader of the object's
//! kind) is [`crate::inspect`], one floor up. A reader hands what it finds
//! back with [`Walker::child`], a method defined there: the way back up is
//! a call, never an import, so no reader imports the dispatcher (ripgrep's
//! searcher defines its `Sink` the same way, and never imports the
//! printer).

use crate::detect::names::name_only_findings;
use crate::engine::{CachedScanner, Engine};
use crate::limits::Limits;
use crate::report::{Action, Finding, FindingKind, Part};
use crate::sentence::{Counted, Nested, Sentence, Stage};
use std::time::{Duration, Instant};

/// A container reader: takes the object and the walker, hands every object
/// it finds back to the walk as `children`, and records what it could not
/// follow in `findings` (STYLE.md 16).
pub(crate) type ContainerReader =
    fn(&mut Walker<'_>, &Object<'_>, &mut Vec<Finding>, &mut Vec<Part>);

/// One decoded object waiting to be inspected.
pub(crate) struct Object<'a> {
    pub path: String,
    pub filename: Option<String>,
    pub declared_type: Option<String>,
    pub bytes: &'a [u8],
    /// Archive levels above this object (0 for a MIME part).
    pub depth: usize,
    /// Whether a reader would offer it as a file to save or open: a named
    /// attachment or an archive entry, as opposed to the text of the mail.
    pub is_file: bool,
}

/// The state of one scan: the budgets spent so far and the YARA scanner.
pub(crate) struct Walker<'e> {
    pub engine: &'e Engine,
    pub limits: &'e Limits,
    /// Always set until the walker is dropped, or a panic is caught
    /// (a scanner that panicked is not reused).
    yara: Option<CachedScanner>,
    deadline: Instant,
    /// Archive entries opened so far, over the whole message.
    pub entries: usize,
    /// Bytes decoded so far, over the whole message.
    pub expanded: u64,
    /// MIME parts seen so far, nested messages included.
    pub mime_parts: usize,
    /// Set once the time budget is spent; later objects are not analysed.
    pub out_of_time: bool,
    /// When set, a copy of every object handed to YARA (for benchmarks).
    pub collected: Option<Vec<Vec<u8>>>,
    /// Objects found inside containers, with their paths, kept for a
    /// second engine (ClamAV) while their bytes fit the budget left.
    pub kept: Option<(u64, Vec<(String, Vec<u8>)>)>,
    /// Whether the object being inspected was reached only through
    /// containers ClamAV unpacks itself (MIME, ZIP and its documents,
    /// gzip, tar, 7z, TNEF, OLE2, RTF, PDF): clamd, scanning the message,
    /// reads it already, so it is not kept for a second pass. Objects of
    /// our own readings (encoded text, undeclared parts, polyglots, CMS,
    /// calendars) are.
    pub(crate) clamav_reaches: bool,
    /// When set, the path of one object whose bytes to keep in `extracted`.
    pub extract: Option<String>,
    /// The bytes of the object at `extract`, once seen.
    pub extracted: Option<Vec<u8>>,
}

impl<'e> Walker<'e> {
    pub fn new(engine: &'e Engine, limits: &'e Limits) -> Walker<'e> {
        let yara = Some(CachedScanner::take_for(engine));
        Walker {
            engine,
            limits,
            yara,
            deadline: Instant::now() + limits.max_scan_time,
            entries: 0,
            expanded: 0,
            mime_parts: 0,
            out_of_time: false,
            collected: None,
            kept: None,
            clamav_reaches: true,
            extract: None,
            extracted: None,
        }
    }

    /// Drops the YARA scanner instead of keeping it for the next scan: after
    /// a panic was caught, its state is not trusted.
    pub fn discard_scanner(&mut self) {
        self.yara = None;
    }

    /// The YARA scanner of this walk (a new one if the last was discarded).
    pub(crate) fn yara_scanner(&mut self) -> &mut yara_x::Scanner<'static> {
        let engine = self.engine;
        self.yara
            .get_or_insert_with(|| CachedScanner::new(&engine.rules))
            .scanner()
    }

    /// What is left of the time budget.
    pub(crate) fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Bytes one more object may still take, under both size budgets.
    pub fn object_cap(&self) -> u64 {
        self.limits
            .max_object_size
            .min(self.limits.max_expanded_bytes.saturating_sub(self.expanded))
    }

    /// Whether the time budget is spent (remembered, so the finding is given once per object).
    pub fn check_time(&mut self) -> bool {
        if !self.out_of_time && Instant::now() >= self.deadline {
            self.out_of_time = true;
        }
        self.out_of_time
    }

    /// The part for `obj` once inspected: its findings and children, with
    /// the strictest action over them under the engine's policy.
    pub(crate) fn finish(
        &self,
        obj: Object<'_>,
        detected_type: String,
        sha256: String,
        findings: Vec<Finding>,
        children: Vec<Part>,
    ) -> Part {
        let policy = &self.engine.policy;
        let own = findings.iter().map(|f| policy.action(f.category));
        let below = children.iter().map(|c| c.action);
        let action = own.chain(below).max().unwrap_or(Action::Deliver);
        Part {
            path: obj.path,
            filename: obj.filename,
            declared_type: obj.declared_type,
            detected_type,
            size: obj.bytes.len() as u64,
            sha256,
            findings,
            action,
            children,
            span: None,
        }
    }

    /// Whether a container inside `obj` may be opened: one more level
    /// within `max_archive_depth`; a `DepthExceeded` finding otherwise.
    pub(crate) fn enter(&self, obj: &Object<'_>, findings: &mut Vec<Finding>) -> bool {
        if obj.depth + 1 > self.limits.max_archive_depth {
            findings.push(Finding::new(
                FindingKind::DepthExceeded,
                Sentence::NestedTooDeep {
                    limit: self.limits.max_archive_depth as u64,
                    of: Nested::Archives,
                },
            ));
            return false;
        }
        true
    }

    /// A part for a container that has no bytes of its own to scan (an
    /// attached message inside a `.msg`): its findings and the parts found
    /// in it, with the strictest action over them.
    pub fn container_part(
        &self,
        holder: Object<'_>,
        detected_type: &str,
        findings: Vec<Finding>,
        children: Vec<Part>,
    ) -> Part {
        let mut findings = findings;
        if let Some(name) = &holder.filename {
            findings.extend(name_only_findings(name));
        }
        self.finish(
            holder,
            detected_type.into(),
            String::new(),
            findings,
            children,
        )
    }

    /// The strictest action over a part's own findings and its children,
    /// after findings were added to it.
    pub fn recompute(&self, part: &Part) -> Action {
        let policy = &self.engine.policy;
        let own = part.findings.iter().map(|f| policy.action(f.category));
        let below = part.children.iter().map(|c| c.action);
        own.chain(below).max().unwrap_or(Action::Deliver)
    }

    /// A child that could not be read, with the reason as its finding.
    pub fn unread_child(&self, parent: &Object<'_>, name: String, finding: Finding) -> Part {
        let action = self.engine.policy.action(finding.category);
        Part {
            path: format!("{}/{}", parent.path, name),
            filename: Some(name),
            declared_type: None,
            detected_type: "application/octet-stream".into(),
            size: 0,
            sha256: String::new(),
            findings: vec![finding],
            action,
            children: Vec::new(),
            span: None,
        }
    }
}

impl Drop for Walker<'_> {
    /// Keeps the scanner for this thread's next scan, unless a panic is
    /// unwinding through the walk (its state is then not trusted).
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some(scanner) = self.yara.take() {
            scanner.keep();
        }
    }
}

/// Takes one entry from the budget of entries; false (with a finding) when spent.
pub(crate) fn take_entry(w: &mut Walker<'_>, findings: &mut Vec<Finding>) -> bool {
    if w.entries >= w.limits.max_archive_entries {
        if !findings
            .iter()
            .any(|f| f.kind == FindingKind::EntriesExceeded)
        {
            findings.push(Finding::new(
                FindingKind::EntriesExceeded,
                Sentence::TooManyObjects {
                    limit: w.limits.max_archive_entries as u64,
                    of: Counted::ArchiveEntries,
                },
            ));
        }
        return false;
    }
    w.entries += 1;
    true
}

/// Whether the time budget stops the walk (with a finding on the container).
pub(crate) fn out_of_time(w: &mut Walker<'_>, findings: &mut Vec<Finding>) -> bool {
    if w.check_time() {
        findings.push(Finding::new(
            FindingKind::TimeExceeded,
            Sentence::TimeLimit {
                during: Stage::ArchiveEntries,
            },
        ));
        return true;
    }
    false
}
