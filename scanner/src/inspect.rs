//! The dispatch, above the readers: one object is hashed, sniffed, its
//! name and content checked, then handed to the reader of its kind
//! ([`crate::formats`]), and run through YARA. The readers hand what they
//! find back with [`Walker::child`], defined here: a reader calls it on the
//! walker it was given and never imports this module (`walk.rs` is the
//! contract, this file the implementation; STYLE.md 16).

use crate::dangerous::NameClass;
use crate::decode::hex;
use crate::detect::content;
use crate::detect::encodings;
use crate::detect::names::{name_findings, plain_text_name};
use crate::detect::sniff::{self, Detected, Kind};
use crate::formats::{
    activemime, encoded, gzip, ics, mime, officexml, ole, ooxml_rels, page, pdf, rtf, sevenz, smime,
    tar, tnef, zip,
};
use crate::report::{Category, Finding, FindingKind, Part};
use crate::sentence::{FileKind, Sentence, Stage};
use crate::walk::{ContainerReader, Object, Walker};
use sha2::{Digest, Sha256};
use std::time::Duration;

impl Walker<'_> {
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
            // A page a browser opens from the mail (not the message's own
            // HTML body): what it makes its reader do.
            Kind::Html | Kind::Svg | Kind::Xml | Kind::Text
                if obj.is_file
                    && content::opens_as_page(
                        detected,
                        obj.filename.as_deref(),
                        obj.declared_type.as_deref(),
                    ) =>
            {
                page::walk(self, obj, findings, children);
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
            zip::walk_zip(self, obj, findings, children);
            self.clamav_reaches = outer;
        }
        // A file written as text (uuencode, yEnc, BinHex) further in a
        // text, or in an object named as one (`.uue`, `.hqx` …): WinRAR,
        // StuffIt and mail readers decode it wherever it starts.
        let textual = matches!(
            detected.kind,
            Kind::Text
                | Kind::Html
                | Kind::Svg
                | Kind::Xml
                | Kind::Script
                | Kind::Descriptor { .. }
                | Kind::Msc
                | Kind::Calendar
                | Kind::Unknown
        );
        if detected.kind != Kind::Encoded
            && (textual || crate::detect::names::encoded_name(obj.filename.as_deref()))
            && encodings::encoded_block_at(bytes, 0).is_some()
            && self.enter(obj, findings)
        {
            encoded::walk(self, obj, findings, children);
        }
        // Containers a recipient's software opens, found by content.
        let reader: Option<ContainerReader> = match detected.kind {
            Kind::Message if obj.is_file => Some(mime::walk_nested),
            Kind::Cms => Some(smime::walk),
            Kind::Rtf => Some(rtf::walk),
            Kind::Calendar => Some(ics::walk),
            Kind::Ole { .. } => Some(ole::walk),
            Kind::Encoded => Some(encoded::walk),
            Kind::ActiveMime => Some(activemime::walk),
            // Word opens these by their processing instruction or root,
            // whatever else the text looks like.
            Kind::Xml | Kind::Html | Kind::Text if officexml::is_office_xml(bytes) => {
                Some(officexml::walk)
            }
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
            Kind::Gzip => gzip::walk_gzip(self, obj, findings, children),
            Kind::Tar => tar::walk_tar(self, obj, findings, children),
            Kind::SevenZip => sevenz::walk_7z(self, obj, findings, children),
            Kind::Tnef => tnef::walk(self, obj, findings, children),
            _ => {
                zip::walk_zip(self, obj, findings, children);
                // What an Office package fetches by itself when it opens.
                if matches!(detected.kind, Kind::Ooxml { .. }) {
                    ooxml_rels::walk(self, obj, findings);
                }
                // A password-protected OpenDocument file: its entries are
                // ciphertext, nothing in them can be read (fail closed).
                let encrypted = zip::odf_encrypted_entries(obj.bytes);
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
            .map(crate::detect::names::windows_name)
            .unwrap_or_default();
        let extension = crate::detect::names::extension(&name)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let engine = self.engine;
        let remaining = self.time_left();
        let yara = self.yara_scanner();
        for (var, value) in [
            ("filename", name.as_str()),
            ("filepath", obj.path.as_str()),
            ("extension", extension.as_str()),
            ("filetype", sniff::short_type(detected)),
        ] {
            // Defined at compile time for every engine: cannot fail.
            let _ = yara.set_global(var, value);
        }
        // YARA's timeout has a resolution of one second; never pass zero.
        yara.set_timeout(remaining.max(Duration::from_secs(1)));
        match yara.scan(bytes) {
            Ok(results) => {
                for rule in results.matching_rules() {
                    let id = rule.identifier();
                    let info = engine.rule_info.get(&format!("{}:{id}", rule.namespace()));
                    let category = info.map_or(Category::Suspicious, |i| i.category);
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
