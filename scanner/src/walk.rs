//! The per-object inspection shared by MIME parts, archive entries and
//! embedded files: hash, sniff, name checks, content checks, YARA, then the
//! children of containers, all under the budgets of [`Limits`].

use crate::report::{Action, Finding, FindingKind, Part};
use crate::sentence::{FileKind, NameRole, Nested, Sentence, Stage};
use crate::detect::sniff::{self, Detected, Kind, NameClass};
use crate::detect::content;
use crate::formats::{archive, pdf, tnef};
use crate::{Engine, Limits};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A YARA scanner kept with the rules it reads, from one scan to the next
/// on the same thread. Building one (a WebAssembly instance and its
/// memory) took 0.44 ms with the shipped rules: more than the whole scan
/// of a short letter, and 20 times what YARA then spends on it
/// (`ECLUSE_BENCH_PER_MESSAGE=1 cargo bench -p ecluse-scanner`).
pub(crate) struct CachedScanner {
    // Declared before `rules`, so dropped before the rules it borrows.
    scanner: yara_x::Scanner<'static>,
    rules: Arc<yara_x::Rules>,
}

impl CachedScanner {
    fn new(rules: &Arc<yara_x::Rules>) -> CachedScanner {
        let rules = Arc::clone(rules);
        // SAFETY: the rules live in the `Arc`'s allocation, which never
        // moves and which `self.rules` keeps alive for as long as the
        // scanner exists: the scanner is dropped first (field order) and is
        // only ever lent out by `&mut self`, never moved out of `self`.
        let borrowed: &'static yara_x::Rules = unsafe { &*Arc::as_ptr(&rules) };
        let mut scanner = yara_x::Scanner::new(borrowed);
        scanner.max_matches_per_pattern(16);
        CachedScanner { scanner, rules }
    }
}

thread_local! {
    /// The scanner of this thread's last scan, for the next one with the
    /// same rules (a reload brings new rules, and so a new scanner).
    static CACHED_SCANNER: RefCell<Option<CachedScanner>> = const { RefCell::new(None) };
}

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
        let cached = CACHED_SCANNER
            .try_with(|c| c.borrow_mut().take())
            .ok()
            .flatten()
            .filter(|c| Arc::ptr_eq(&c.rules, &engine.rules));
        let yara = Some(cached.unwrap_or_else(|| CachedScanner::new(&engine.rules)));
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

    /// Inspects one object and everything inside it.
    pub fn inspect(&mut self, obj: Object<'_>) -> Part {
        let bytes = obj.bytes;
        if self.extract.as_deref() == Some(obj.path.as_str()) {
            self.extracted = Some(bytes.to_vec());
        }
        let sha256 = hex(&Sha256::digest(bytes));
        let mut findings = Vec::new();
        let mut children = Vec::new();
        // Archive entries are capped while they are read; a MIME part is
        // judged here, so `max_object_size` and `max_expanded_bytes` hold for
        // both. Too large to analyse means held, not passed.
        if bytes.len() as u64 > self.limits.max_object_size
            || self.expanded > self.limits.max_expanded_bytes
        {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::NotAnalysedSize {
                    size: bytes.len() as u64,
                    per_object: self.limits.max_object_size,
                    per_message: self.limits.max_expanded_bytes,
                },
            ));
            return self.finish(
                obj,
                "application/octet-stream".into(),
                sha256,
                findings,
                children,
            );
        }
        if self.check_time() {
            findings.push(Finding::new(
                FindingKind::TimeExceeded,
                Sentence::NotAnalysedTime {
                    seconds: self.limits.max_scan_time.as_secs(),
                },
            ));
            return self.finish(
                obj,
                "application/octet-stream".into(),
                sha256,
                findings,
                children,
            );
        }
        let detected = sniff::detect(bytes);
        if let Some(name) = &obj.filename {
            name_findings(name, &detected, obj.declared_type.as_deref(), &mut findings);
        }
        // Its children are reached by ClamAV when it is, and when ClamAV
        // unpacks this kind of container itself.
        let outer = self.clamav_reaches;
        self.clamav_reaches = outer
            && matches!(
                detected.kind,
                Kind::Message
                    | Kind::Zip
                    | Kind::Ooxml { .. }
                    | Kind::Odf
                    | Kind::Jar
                    | Kind::Gzip
                    | Kind::Tar
                    | Kind::SevenZip
                    | Kind::Tnef
                    | Kind::Ole { .. }
                    | Kind::Rtf
                    | Kind::Pdf
            );
        self.kind_findings(&obj, &detected, &mut findings, &mut children);
        self.clamav_reaches = outer;
        self.yara_findings(&obj, &detected, &mut findings);
        self.finish(obj, detected.mime, sha256, findings, children)
    }

    fn finish(
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

    /// Findings that follow from what the object is, and its children when it
    /// is a container.
    fn kind_findings(
        &mut self,
        obj: &Object<'_>,
        detected: &Detected,
        findings: &mut Vec<Finding>,
        children: &mut Vec<Part>,
    ) {
        let bytes = obj.bytes;
        let mime = &detected.mime;
        match detected.kind {
            Kind::Executable | Kind::Msi | Kind::Jar => findings.push(Finding::new(
                FindingKind::ExecutableContent,
                Sentence::ContentIs {
                    what: FileKind::Program,
                    mime: mime.clone(),
                },
            )),
            Kind::Chm => findings.push(Finding::new(
                FindingKind::CompiledHelp,
                Sentence::CompiledHelp,
            )),
            Kind::Script if obj.is_file && !plain_text_name(obj.filename.as_deref()) => findings
                .push(Finding::new(
                    FindingKind::ScriptContent,
                    Sentence::ContentIs {
                        what: FileKind::Script,
                        mime: mime.clone(),
                    },
                )),
            Kind::Descriptor { ext, t } if obj.is_file => {
                let kind = match t.class {
                    NameClass::Executable => FindingKind::ExecutableContent,
                    NameClass::Script => FindingKind::ScriptContent,
                    _ => FindingKind::Shortcut,
                };
                findings.push(Finding::new(
                    kind,
                    Sentence::DangerousContent {
                        ext: ext.to_string(),
                        mime: mime.clone(),
                    },
                ));
            }
            Kind::Lnk | Kind::Msc => findings.push(Finding::new(
                FindingKind::Shortcut,
                Sentence::ContentIs {
                    what: FileKind::Shortcut,
                    mime: mime.clone(),
                },
            )),
            Kind::DiskImage => findings.push(Finding::new(
                FindingKind::DiskImage,
                Sentence::DiskImageContent { mime: mime.clone() },
            )),
            Kind::OneNote => {
                findings.push(Finding::new(FindingKind::OneNote, Sentence::OneNoteContent))
            }
            Kind::Ole { macros: true } => {
                findings.push(Finding::new(FindingKind::OleMacros, Sentence::VbaProject))
            }
            Kind::OtherArchive => findings.push(Finding::new(
                FindingKind::UnscannableArchive,
                Sentence::UnopenableArchive { mime: mime.clone() },
            )),
            Kind::Pgp => findings.push(Finding::new(
                FindingKind::EncryptedMessage,
                Sentence::EncryptedFor {
                    format: "OpenPGP data".into(),
                },
            )),
            Kind::Html | Kind::Svg | Kind::Xml | Kind::Text | Kind::Message | Kind::Calendar => {
                if let Some(said) = content::html_smuggling(bytes) {
                    findings.push(Finding::new(FindingKind::HtmlSmuggling, said));
                }
                if detected.kind == Kind::Svg
                    && let Some(said) = content::svg_script(bytes)
                {
                    findings.push(Finding::new(FindingKind::SvgScript, said));
                }
            }
            _ => {}
        }
        if let Kind::Ooxml { macros: true } = detected.kind {
            findings.push(Finding::new(
                FindingKind::OoxmlMacros,
                Sentence::VbaProjectBin { mime: mime.clone() },
            ));
        }
        // A PDF header past the start of something else (a message, an
        // RTF, an SVG): a PDF reader opens its PDF side, read here too.
        if detected.kind != Kind::Pdf && sniff::pdf_inside(bytes) && sniff::pdf_body(bytes) {
            let scan = pdf::inspect(bytes, self.object_cap());
            findings.extend(scan.findings);
        }
        // A ZIP behind something else (an image, a PDF, a text: a
        // polyglot): 7-Zip and unzip find its end record and open it.
        if !matches!(
            detected.kind,
            Kind::Zip | Kind::Ooxml { .. } | Kind::Odf | Kind::Jar
        ) && sniff::zip_end_record(bytes)
            && self.enter(obj, findings)
        {
            findings.push(Finding::new(
                FindingKind::ArchiveAmbiguity,
                Sentence::ZipPolyglot { mime: mime.clone() },
            ));
            let outer = std::mem::replace(&mut self.clamav_reaches, false);
            archive::walk_zip(self, obj, findings, children);
            self.clamav_reaches = outer;
        }
        // Containers a recipient's software opens, found by content.
        let reader: Option<ContainerReader> = match detected.kind {
            Kind::Message if obj.is_file => Some(crate::formats::mime::walk_nested),
            Kind::Cms => Some(crate::formats::smime::walk),
            Kind::Rtf => Some(crate::formats::rtf::walk),
            Kind::Calendar => Some(crate::formats::ics::walk),
            Kind::Ole { .. } => Some(crate::formats::ole::walk),
            _ => None,
        };
        if let Some(read) = reader {
            if self.enter(obj, findings) {
                read(self, obj, findings, children);
            }
            return;
        }
        let container = matches!(
            detected.kind,
            Kind::Zip
                | Kind::Ooxml { .. }
                | Kind::Odf
                | Kind::Jar
                | Kind::Gzip
                | Kind::Tar
                | Kind::SevenZip
                | Kind::Tnef
                | Kind::Pdf
        );
        if !container {
            return;
        }
        if detected.kind == Kind::Pdf {
            let scan = pdf::inspect(bytes, self.object_cap());
            findings.extend(scan.findings);
            if !scan.embedded.is_empty() && self.enter(obj, findings) {
                for (i, file) in scan.embedded.into_iter().enumerate() {
                    let name = file.name.unwrap_or_else(|| format!("embedded-{}", i + 1));
                    self.expanded += file.bytes.len() as u64;
                    let child = self.child(obj, name, None, &file.bytes);
                    children.push(child);
                }
            }
            return;
        }
        if !self.enter(obj, findings) {
            return;
        }
        match detected.kind {
            Kind::Gzip => archive::walk_gzip(self, obj, findings, children),
            Kind::Tar => archive::walk_tar(self, obj, findings, children),
            Kind::SevenZip => archive::walk_7z(self, obj, findings, children),
            Kind::Tnef => tnef::walk(self, obj, findings, children),
            _ => {
                archive::walk_zip(self, obj, findings, children);
                // A password-protected OpenDocument file: its entries are
                // ciphertext, nothing in them can be read (fail closed).
                let encrypted = archive::odf_encrypted_entries(obj.bytes);
                if !encrypted.is_empty() {
                    findings.push(Finding::new(
                        FindingKind::EncryptedDocument,
                        Sentence::OdfEncrypted {
                            entries: encrypted.len() as u64,
                            names: encrypted.iter().take(3).cloned().collect(),
                        },
                    ));
                }
                if detected.kind == Kind::Odf
                    && let Some(module) = children.iter().find_map(odf_macro_module)
                {
                    findings.push(Finding::new(
                        FindingKind::OdfMacros,
                        Sentence::OdfMacroModule { module },
                    ));
                }
            }
        }
    }

    /// Whether a container at `obj.depth` may be opened; records why not.
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

    /// Inspects an entry of the container `parent`.
    pub fn child(
        &mut self,
        parent: &Object<'_>,
        name: String,
        declared_type: Option<String>,
        bytes: &[u8],
    ) -> Part {
        self.inspect(Object {
            path: format!("{}/{}", parent.path, name),
            filename: Some(name),
            declared_type,
            bytes,
            depth: parent.depth + 1,
            is_file: true,
        })
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

    /// Runs the rules over one object, with the LOKI/THOR externals
    /// ([`crate::engine::EXTERNALS`]) set for it.
    fn yara_findings(
        &mut self,
        obj: &Object<'_>,
        detected: &Detected,
        findings: &mut Vec<Finding>,
    ) {
        let bytes = obj.bytes;
        if let Some(collected) = self.collected.as_mut() {
            collected.push(bytes.to_vec());
        }
        if let Some((left, kept)) = self.kept.as_mut()
            && obj.depth >= 1
            && !self.clamav_reaches
            && bytes.len() as u64 <= *left
        {
            *left -= bytes.len() as u64;
            kept.push((obj.path.clone(), bytes.to_vec()));
        }
        let name = obj
            .filename
            .as_deref()
            .map(sniff::windows_name)
            .unwrap_or_default();
        let extension = sniff::extension(&name)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let engine = self.engine;
        let yara = &mut self
            .yara
            .get_or_insert_with(|| CachedScanner::new(&engine.rules))
            .scanner;
        for (var, value) in [
            ("filename", name.as_str()),
            ("filepath", obj.path.as_str()),
            ("extension", extension.as_str()),
            ("filetype", sniff::short_type(detected)),
        ] {
            // Defined at compile time for every engine: cannot fail.
            let _ = yara.set_global(var, value);
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        // YARA's timeout has a resolution of one second; never pass zero.
        yara.set_timeout(remaining.max(Duration::from_secs(1)));
        match yara.scan(bytes) {
            Ok(results) => {
                for rule in results.matching_rules() {
                    let id = rule.identifier();
                    let info = self
                        .engine
                        .rule_info
                        .get(&format!("{}:{id}", rule.namespace()));
                    let category = info.map_or(crate::Category::Suspicious, |i| i.category);
                    let sentence = Sentence::YaraRule {
                        rule: id.to_string(),
                        description: info.and_then(|i| i.description.clone()),
                        description_fr: info.and_then(|i| i.description_fr.clone()),
                    };
                    findings.push(Finding {
                        kind: FindingKind::YaraMatch,
                        category,
                        detail: sentence.en(),
                        sentence: Some(sentence),
                        rule: Some(id.to_string()),
                    });
                }
            }
            Err(yara_x::ScanError::Timeout) => {
                self.out_of_time = true;
                findings.push(Finding::new(
                    FindingKind::TimeExceeded,
                    Sentence::TimeLimit {
                        during: Stage::Yara,
                    },
                ));
            }
            Err(e) => findings.push(Finding::new(
                FindingKind::ScanError,
                Sentence::YaraError {
                    reason: e.to_string(),
                },
            )),
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
            let _ = CACHED_SCANNER.try_with(|c| *c.borrow_mut() = Some(scanner));
        }
    }
}

/// Whether the name is that of plain text (`.txt`, `.csv`, `.log`,
/// `.md`), which Windows opens in a text editor: a procedure that quotes
/// a PowerShell command is not a script there (its YARA rules still run).
fn plain_text_name(name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let saved = sniff::windows_name(name);
    matches!(
        sniff::extension(&saved).as_deref(),
        Some("txt" | "csv" | "log" | "md")
    )
}

/// Findings about a file name: dangerous extension, double extension, bidi
/// controls, and a real type that contradicts the name or declared type.
fn name_findings(
    name: &str,
    detected: &Detected,
    declared: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let ext = name_checks(name, findings);
    type_findings(&ext, detected, declared, findings);
}

/// The findings a name alone gives (dangerous or double extension, bidi
/// controls), for a second name a reader could save the same bytes under.
pub(crate) fn name_only_findings(name: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    name_checks(name, &mut findings);
    findings
}

/// The checks of a name by itself; returns its extension as Windows sees it.
fn name_checks(name: &str, findings: &mut Vec<Finding>) -> String {
    let controls = sniff::bidi_controls(name);
    if !controls.is_empty() {
        let codes: Vec<String> = controls
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect();
        findings.push(Finding::new(
            FindingKind::BidiName,
            Sentence::BidiControls { codes },
        ));
    }
    // Judge the name as Windows saves it: without the invisible controls,
    // trailing dots and spaces; a name with an NTFS stream suffix
    // (`a.txt:b.exe`) is also judged by the stream's name.
    let visible = sniff::windows_name(name);
    if let Some((file, stream)) = visible.split_once(':') {
        // `outil.exe:Zone.Identifier` lands as `outil.exe` with a stream.
        for (role, part) in [
            (NameRole::NtfsFile, file),
            (
                NameRole::NtfsStream,
                stream.rsplit(':').next().unwrap_or(stream),
            ),
        ] {
            if part.is_empty() {
                continue;
            }
            let mut found = Vec::new();
            name_checks(part, &mut found);
            findings.extend(found.into_iter().map(|f| f.in_name(role, part)));
        }
    }
    if let Some((inner, last)) = sniff::double_extension(&visible) {
        findings.push(Finding::new(
            FindingKind::DoubleExtension,
            Sentence::DoubleExtension {
                shown: inner.to_string(),
                real: last.to_string(),
            },
        ));
    }
    let ext = sniff::extension(&visible).unwrap_or_default();
    let dangerous = || Sentence::DangerousExtension { ext: ext.clone() };
    match sniff::name_class(&visible) {
        NameClass::Executable => {
            findings.push(Finding::new(FindingKind::ExecutableName, dangerous()))
        }
        NameClass::Script => findings.push(Finding::new(FindingKind::ScriptName, dangerous())),
        NameClass::Shortcut => findings.push(Finding::new(FindingKind::Shortcut, dangerous())),
        NameClass::DiskImage => findings.push(Finding::new(
            FindingKind::DiskImage,
            Sentence::ExtensionOf {
                ext: ext.clone(),
                what: FileKind::DiskImage,
            },
        )),
        NameClass::OneNote => findings.push(Finding::new(
            FindingKind::OneNote,
            Sentence::ExtensionOf {
                ext: ext.clone(),
                what: FileKind::OneNote,
            },
        )),
        NameClass::Other => {}
    }
    ext
}

/// A real type that contradicts the extension `ext` or the declared type.
fn type_findings(
    ext: &str,
    detected: &Detected,
    declared: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let Some(actual) = sniff::family_of_detected(detected) else {
        return;
    };
    if let Some(promised) = sniff::family_of_extension(ext)
        && !sniff::compatible(promised, actual)
    {
        findings.push(Finding::new(
            FindingKind::TypeMismatch,
            Sentence::NamedButIs {
                ext: ext.to_string(),
                mime: detected.mime.clone(),
            },
        ));
        return;
    }
    if let Some(declared) = declared
        && let Some(promised) = sniff::family_of_mime(declared)
        && !sniff::compatible(promised, actual)
    {
        findings.push(Finding::new(
            FindingKind::TypeMismatch,
            Sentence::DeclaredButIs {
                declared: declared.to_string(),
                mime: detected.mime.clone(),
            },
        ));
    }
}

/// An OpenDocument entry that holds a macro module: `Basic/<lib>/<module>.xml`
/// (library index files aside) or anything under `Scripts/`.
fn odf_macro_module(entry: &Part) -> Option<String> {
    let name = entry.filename.as_deref()?;
    let is_module = name.starts_with("Basic/")
        && name.ends_with(".xml")
        && name.matches('/').count() >= 2
        && !name.ends_with("/script-lb.xml")
        && !name.ends_with("/dialog-lb.xml");
    let is_script = name.starts_with("Scripts/") && !name.ends_with('/');
    (is_module || is_script).then(|| name.to_string())
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
