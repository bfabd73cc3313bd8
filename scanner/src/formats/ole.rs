//! Objects embedded with OLE: OLE1 objects ([MS-OLEDS] §2.2.4, the
//! `\objdata` of RTF), the `Package` object that wraps any file
//! (`\x01Ole10Native` streams of OLE2 documents and of OOXML
//! `oleObject*.bin` parts), the Equation Editor class, and the OLE2
//! compound files that carry them (Word's `ObjectPool`, Excel's `MBD…`
//! storages, Outlook `.msg`, see [`crate::formats::msg`]).
//!
//! Each embedded file is handed back to the walk; what cannot be followed
//! is an [`FindingKind::UnreadableContainer`] finding.
//!
//! An OLE2 file is also checked for the marks of an Office document
//! encrypted or obfuscated with a password ([`encryption`]): an encrypted
//! OOXML package ([MS-OFFCRYPTO] §2.3.4), a Word FIB with `fEncrypted`
//! ([MS-DOC] §2.5.2), an Excel `FilePass` record ([MS-XLS] §2.4.117), a
//! PowerPoint `CryptSession10Container` ([MS-PPT] §2.3.7). Nothing inside
//! such a document can be scanned, so it is an
//! [`FindingKind::EncryptedArchive`] finding, held by default (fail closed).

use crate::decode::{le16, le32};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::{Counted, Sentence, Stage};
use crate::walk::{Object, Walker};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// `ObjectHeader.FormatID` of an embedded object ([MS-OLEDS] §2.2.4).
const FORMAT_EMBEDDED: u32 = 2;
/// `ObjectHeader.FormatID` of a linked object.
const FORMAT_LINKED: u32 = 1;
/// The Equation Editor 3.0 class id, {0002CE02-0000-0000-C000-000000000046}.
const EQUATION_CLSID: &str = "0002ce02-0000-0000-c000-000000000046";

/// A little-endian reader over a byte slice that fails instead of panicking.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn u16(&mut self) -> Option<u16> {
        let b = self.bytes.get(self.pos..self.pos + 2)?;
        self.pos += 2;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.bytes.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }
    /// A NUL-terminated ANSI string (at most 1 KiB).
    fn cstr(&mut self) -> Option<String> {
        let rest = self.bytes.get(self.pos..)?;
        let end = memchr::memchr(0, &rest[..rest.len().min(1024)])?;
        self.pos += end + 1;
        Some(latin1(&rest[..end]))
    }
    /// `LengthPrefixedAnsiString`: a u32 length counting the NUL, then bytes.
    fn prefixed(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        if len > 4096 {
            return None;
        }
        let b = self.take(len)?;
        Some(latin1(b.strip_suffix(&[0]).unwrap_or(b)))
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The file a `Package` object wraps.
pub(crate) struct Package<'a> {
    /// The names a reader could give the file: the label shown under the
    /// icon, then the base names of the source and temporary paths.
    pub names: Vec<String>,
    pub bytes: &'a [u8],
}

/// Parses `Package` native data (the format oletools' `oleobj` documents):
/// u16 signature, label and source path as C strings, u16 unknown, u16
/// type (3 = embedded file), the temporary path with a u32 length, then the
/// file's size and bytes.
pub(crate) fn package(native: &[u8]) -> Option<Package<'_>> {
    let mut c = Cursor {
        bytes: native,
        pos: 0,
    };
    c.u16()?;
    let label = c.cstr()?;
    let source = c.cstr()?;
    c.u16()?;
    let kind = c.u16()?;
    if kind != 3 {
        return None; // 1 = a link to a file outside: no bytes here
    }
    let temp_len = c.u32()? as usize;
    let temp = latin1(c.take(temp_len.min(4096))?);
    let temp = temp.trim_end_matches('\0').to_string();
    let size = c.u32()? as usize;
    let bytes = c.take(size.min(native.len().saturating_sub(c.pos)))?;
    let base = |p: &str| p.rsplit(['\\', '/']).next().unwrap_or(p).to_string();
    let mut names: Vec<String> = Vec::new();
    for n in [label, base(&temp), base(&source)] {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    Some(Package { names, bytes })
}

/// Hands the file of a `Package` object to the walk, named as its label
/// says; each other name a reader could save it under is checked too (a
/// child per distinct name would scan the bytes twice, so the other names
/// are checked by a name-only finding on the same child).
fn walk_package(w: &mut Walker<'_>, obj: &Object<'_>, pkg: Package<'_>, children: &mut Vec<Part>) {
    w.expanded += pkg.bytes.len() as u64;
    let name = pkg
        .names
        .first()
        .cloned()
        .unwrap_or_else(|| "package".into());
    let mut child = w.child(obj, name, None, pkg.bytes);
    for other in pkg.names.iter().skip(1) {
        child
            .findings
            .extend(crate::detect::names::name_only_findings(other));
    }
    child.action = w.recompute(&child);
    children.push(child);
}

/// Walks one OLE1 object (RTF `\objdata`): its header, then by class: a
/// `Package` gives a file, an Equation Editor object is a finding, any
/// other class's native data is walked as a file (an OLE2 compound file
/// goes to the OLE checks).
pub(crate) fn ole1_object(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    data: &[u8],
    label: &str,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let mut c = Cursor {
        bytes: data,
        pos: 0,
    };
    let header = (|| {
        let _version = c.u32()?;
        let format = c.u32()?;
        let class = c.prefixed()?;
        Some((format, class))
    })();
    let Some((format, class)) = header else {
        // Not an OLE1 header: an OLE2 file written straight in, or junk.
        if data.starts_with(b"\xd0\xcf\x11\xe0") {
            w.expanded += data.len() as u64;
            children.push(w.child(obj, format!("{label}.bin"), None, data));
        } else {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::Ole1NoHeader {
                    object: label.to_string(),
                },
            ));
        }
        return;
    };
    if class.to_ascii_lowercase().starts_with("equation") {
        findings.push(Finding::new(
            FindingKind::EquationEditor,
            Sentence::EquationEditor {
                object: format!("{label}, {class}"),
            },
        ));
    }
    if format == FORMAT_LINKED {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            Sentence::LinkedObject {
                object: label.to_string(),
                class: class.to_string(),
            },
        ));
        return;
    }
    let native = (|| {
        if format != FORMAT_EMBEDDED {
            return None;
        }
        c.prefixed()?; // topic
        c.prefixed()?; // item
        let size = c.u32()? as usize;
        c.take(size.min(data.len().saturating_sub(c.pos)))
    })();
    let Some(native) = native else {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            Sentence::ObjectHeaderUnreadable {
                object: label.to_string(),
                class: class.to_string(),
                format,
            },
        ));
        return;
    };
    if class == "Package" {
        match package(native) {
            Some(pkg) => walk_package(w, obj, pkg, children),
            None => findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::PackageUnreadable {
                    object: label.to_string(),
                },
            )),
        }
        return;
    }
    w.expanded += native.len() as u64;
    let name = format!("{label}.{}", class.replace(['/', '\\'], "_"));
    children.push(w.child(obj, name, None, native));
}

/// Walks an OLE2 compound file for what it embeds: every `\x01Ole10Native`
/// stream (a `Package` or other OLE1 native data), every `Package` and
/// `CONTENTS` stream of an embedded object (an OOXML document or a PDF
/// embedded whole), Equation Editor objects; an Outlook message goes to
/// [`crate::formats::msg`], the records of a `PowerPoint Document` stream to
/// [`crate::formats::ppt`]. The streams of the document itself are judged
/// by the OLE checks of `sniff` (VBA storages, class ids), not here.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let Ok(mut file) = cfb::CompoundFile::open(std::io::Cursor::new(obj.bytes)) else {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            Sentence::OleDirectoryUnreadable,
        ));
        return;
    };
    if crate::formats::msg::is_msg(&file) {
        crate::formats::msg::walk(w, obj, &mut file, findings, children);
        return;
    }
    let before = findings.len();
    encryption(w, &mut file, findings);
    // A presentation keeps its VBA project and embedded objects as records
    // of its `PowerPoint Document` stream: read them, unless the stream is
    // encrypted (then nothing in it can be read, and that is the finding).
    if !findings[before..]
        .iter()
        .any(|f| f.kind == FindingKind::EncryptedDocument)
    {
        crate::formats::ppt::walk(w, obj, &mut file, findings, children);
    }
    let entries: Vec<(std::path::PathBuf, String, bool, String)> = file
        .walk()
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.name().to_string(),
                e.is_stream(),
                e.clsid().to_string().to_ascii_lowercase(),
            )
        })
        .collect();
    let mut equation_reported = false;
    for (path, name, is_stream, clsid) in entries {
        if w.check_time() {
            return;
        }
        if (clsid == EQUATION_CLSID || name == "Equation Native") && !equation_reported {
            equation_reported = true;
            findings.push(Finding::new(
                FindingKind::EquationEditor,
                Sentence::EquationEditor {
                    object: path.display().to_string(),
                },
            ));
        }
        let embedded = name == "\u{1}Ole10Native" || name == "Package" || name == "CONTENTS";
        if !is_stream || !embedded {
            continue;
        }
        w.entries += 1;
        if w.entries > w.limits.max_archive_entries {
            findings.push(Finding::new(
                FindingKind::EntriesExceeded,
                Sentence::TooManyObjects {
                    limit: w.limits.max_archive_entries as u64,
                    of: Counted::EmbeddedObjects,
                },
            ));
            return;
        }
        let cap = w.object_cap();
        let mut bytes = Vec::new();
        let read = file
            .open_stream(&path)
            .and_then(|s| s.take(cap + 1).read_to_end(&mut bytes));
        if let Err(e) = read {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::StreamUnreadable {
                    stream: path.display().to_string(),
                    reason: e.to_string(),
                },
            ));
            continue;
        }
        if bytes.len() as u64 > cap {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::StreamPastBudget {
                    stream: path.display().to_string(),
                },
            ));
            continue;
        }
        let label = path.display().to_string().replace('\u{1}', "");
        if name == "\u{1}Ole10Native" {
            // A u32 size, then the native data of the object's class.
            let native = bytes.get(4..).unwrap_or_default();
            match package(native) {
                Some(pkg) => walk_package(w, obj, pkg, children),
                None => {
                    w.expanded += native.len() as u64;
                    children.push(w.child(
                        obj,
                        label.trim_start_matches('/').to_string(),
                        None,
                        native,
                    ));
                }
            }
        } else {
            w.expanded += bytes.len() as u64;
            children.push(w.child(obj, label.trim_start_matches('/').to_string(), None, &bytes));
        }
    }
}

/// The most bytes read from one stream while looking for the marks of
/// encryption. Each mark sits at a known place: the first bytes of a
/// stream (the FIB, the `CurrentUserAtom`, the `EncryptionInfo` version),
/// the head of the Excel globals substream (`FilePass` comes right after
/// `BOF`, or after a `WriteProtect`), a record a PowerPoint offset points
/// to, or a PowerPoint persist directory.
const ENCRYPTION_PROBE: u64 = 1 << 20;

/// `FibBase.wIdent` of a Word binary file ([MS-DOC] §2.5.2).
const FIB_IDENT: u16 = 0xa5ec;
/// `FibBase.fEncrypted` in the flags word at offset 0x0A: the document is
/// encrypted or obfuscated ([MS-DOC] §2.5.2).
const FIB_ENCRYPTED: u16 = 0x0100;
/// `FibBase.fWhichTblStm`: the table stream is `1Table`, not `0Table`.
const FIB_WHICH_TABLE: u16 = 0x0200;
/// `FibBase.fObfuscated`: with `fEncrypted`, XOR obfuscation rather than
/// RC4 ([MS-DOC] §2.5.2, §2.2.6.1).
const FIB_OBFUSCATED: u16 = 0x8000;
/// BIFF record types: `BOF` ([MS-XLS] §2.4.21), `EOF` (§2.4.103),
/// `FilePass` (§2.4.117).
const BIFF_BOF: u16 = 0x0809;
const BIFF_EOF: u16 = 0x000a;
const BIFF_FILEPASS: u16 = 0x002f;
/// PowerPoint record types (`RecordHeader.recType`): `CurrentUserAtom`
/// ([MS-PPT] §2.3.2), `UserEditAtom` (§2.3.3), `PersistDirectoryAtom`
/// (§2.3.4), `CryptSession10Container` (§2.3.7).
const PPT_CURRENT_USER_ATOM: u16 = 0x0ff6;
const PPT_USER_EDIT_ATOM: u16 = 0x0ff5;
const PPT_PERSIST_DIRECTORY_ATOM: u16 = 0x1772;
const PPT_CRYPT_SESSION: u16 = 0x2f14;
/// `CurrentUserAtom.headerToken` of an encrypted presentation ([MS-PPT]
/// §2.3.2); an unencrypted one has 0xE391C05F.
const PPT_TOKEN_ENCRYPTED: u32 = 0xf3d1_c4df;

/// Reads pieces of the streams of one compound file, within one byte
/// budget over all of them (a crafted file can point many streams at the
/// same sectors).
struct Probe<'f, F> {
    file: &'f mut cfb::CompoundFile<F>,
    budget: u64,
    spent: bool,
}

impl<F: Read + Seek> Probe<'_, F> {
    /// Up to `len` bytes (at most [`ENCRYPTION_PROBE`]) of the stream at
    /// `path` from `offset`, fewer at its end; `None` when the stream
    /// cannot be read or the budget is spent.
    fn read(&mut self, path: &Path, offset: u64, len: u64) -> Option<Vec<u8>> {
        let mut stream = self.file.open_stream(path).ok()?;
        let len = len
            .min(ENCRYPTION_PROBE)
            .min(stream.len().saturating_sub(offset));
        if len > self.budget {
            self.spent = true;
            return None;
        }
        let mut bytes = Vec::new();
        if len > 0 {
            stream.seek(SeekFrom::Start(offset)).ok()?;
            stream.take(len).read_to_end(&mut bytes).ok()?;
        }
        self.budget -= bytes.len() as u64;
        Some(bytes)
    }
}

/// The entries of one storage, by name.
#[derive(Default)]
struct Storage {
    streams: Vec<String>,
    storages: Vec<String>,
    /// The names found anywhere under its `\x06DataSpaces` storage.
    data_spaces: Vec<String>,
}

impl Storage {
    /// The stream of that name (compound file names compare without case).
    fn stream(&self, name: &str) -> Option<&str> {
        self.streams
            .iter()
            .find(|s| s.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }
}

/// Looks in every storage of an OLE2 compound file for the marks of an
/// Office document encrypted or obfuscated with a password (or protected
/// by rights management), whatever the file is called: one
/// [`FindingKind::EncryptedArchive`] finding per storage that has any,
/// naming each mark. Every storage is looked at, not only the root: a
/// document embedded in another keeps its streams in a storage of its own
/// (`ObjectPool/_…` in Word, `MBD…` in Excel). Nothing is decrypted: the
/// content of such a document cannot be scanned, so it is held.
pub(crate) fn encryption<F: Read + Seek>(
    w: &mut Walker<'_>,
    file: &mut cfb::CompoundFile<F>,
    findings: &mut Vec<Finding>,
) {
    let mut storages: HashMap<PathBuf, Storage> = HashMap::new();
    for entry in file.walk() {
        let path = entry.path();
        if entry.is_storage() {
            storages.entry(path.to_path_buf()).or_default();
        }
        let Some(parent) = path.parent() else {
            continue; // the root
        };
        let name = entry.name().to_string();
        let owner = path
            .ancestors()
            .skip(1)
            .find(|a| {
                a.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.eq_ignore_ascii_case("\u{6}DataSpaces"))
            })
            .and_then(Path::parent);
        if let Some(owner) = owner {
            let names = &mut storages.entry(owner.to_path_buf()).or_default().data_spaces;
            names.push(name.clone());
        }
        let storage = storages.entry(parent.to_path_buf()).or_default();
        if entry.is_stream() {
            storage.streams.push(name);
        } else {
            storage.storages.push(name);
        }
    }
    let mut paths: Vec<PathBuf> = storages.keys().cloned().collect();
    paths.sort();
    let mut probe = Probe {
        budget: w.object_cap(),
        file,
        spent: false,
    };
    for dir in paths {
        if w.check_time() {
            findings.push(Finding::new(
                FindingKind::TimeExceeded,
                Sentence::TimeLimit {
                    during: Stage::EncryptionCheck,
                },
            ));
            return;
        }
        let marks = encryption_marks(&mut probe, &dir, &storages[&dir]);
        if probe.spent {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::EncryptionCheckPastBudget,
            ));
            return;
        }
        if marks.is_empty() {
            continue;
        }
        let place: String = dir
            .display()
            .to_string()
            .trim_start_matches('/')
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        findings.push(Finding::new(
            FindingKind::EncryptedDocument,
            Sentence::OfficeEncrypted {
                storage: (!place.is_empty()).then_some(place),
                evidence: marks,
            },
        ));
    }
}

/// The marks of encryption in one storage, each as a short sentence
/// naming the structure and the section of the specification.
fn encryption_marks<F: Read + Seek>(
    probe: &mut Probe<'_, F>,
    dir: &Path,
    storage: &Storage,
) -> Vec<String> {
    let mut marks = Vec::new();
    let at = |name: &str| storage.stream(name).map(|n| dir.join(n));
    // Encrypted OOXML: the package is the EncryptedPackage stream, its
    // keys described by EncryptionInfo ([MS-OFFCRYPTO] §2.3.4).
    if at("EncryptedPackage").is_some() {
        let scheme = match at("EncryptionInfo") {
            None => "and no EncryptionInfo stream".to_string(),
            Some(info) => match probe.read(&info, 0, 4) {
                Some(v) if v.len() == 4 => {
                    ooxml_scheme(le16(&v, 0).unwrap_or(0), le16(&v, 2).unwrap_or(0))
                }
                _ => "with an EncryptionInfo stream that cannot be read".to_string(),
            },
        };
        marks.push(format!(
            "the Office document is encrypted: its package is an EncryptedPackage stream ([MS-OFFCRYPTO] §2.3.4.4) {scheme}"
        ));
    }
    if !storage.data_spaces.is_empty()
        || storage
            .storages
            .iter()
            .any(|s| s.eq_ignore_ascii_case("\u{6}DataSpaces"))
    {
        let has = |part: &str| {
            storage
                .data_spaces
                .iter()
                .any(|n| n.to_ascii_lowercase().contains(part))
        };
        marks.push(
            if has("strongencryption") {
                "a \\x06DataSpaces storage with the StrongEncryptionDataSpace, password encryption ([MS-OFFCRYPTO] §2.3.4.1)"
            } else if has("drm") {
                "a \\x06DataSpaces storage with a DRM data space: the content is protected by rights management ([MS-OFFCRYPTO] §2.2)"
            } else {
                "a \\x06DataSpaces storage: the content is transformed by encryption or rights management ([MS-OFFCRYPTO] §2.1)"
            }
            .to_string(),
        );
    }
    if let Some(word) = at("WordDocument")
        && let Some(fib) = probe.read(&word, 0, 32)
        && le16(&fib, 0) == Some(FIB_IDENT)
        && let Some(flags) = le16(&fib, 0x0a)
        && flags & FIB_ENCRYPTED != 0
    {
        marks.push(if flags & FIB_OBFUSCATED != 0 {
            "the Word document is obfuscated with a password (FIB fEncrypted and fObfuscated, XOR obfuscation, [MS-DOC] §2.5.2, §2.2.6.1)".to_string()
        } else {
            // The EncryptionHeader's version, in clear at the start of the
            // table stream that fWhichTblStm names ([MS-OFFCRYPTO] §2.3.6.1,
            // §2.3.5.1).
            let table = if flags & FIB_WHICH_TABLE != 0 { "1Table" } else { "0Table" };
            let version = at(table)
                .and_then(|t| probe.read(&t, 0, 4))
                .and_then(|v| Some((le16(&v, 0)?, le16(&v, 2)?)));
            let method = match version {
                Some((1, 1)) => "RC4 encryption, [MS-DOC] §2.5.2, §2.2.6.2",
                Some((2..=4, 2)) => "RC4 CryptoAPI encryption, [MS-DOC] §2.5.2, §2.2.6.3",
                _ => "[MS-DOC] §2.5.2",
            };
            format!("the Word document is encrypted (FIB fEncrypted, {method})")
        });
    }
    for name in ["Workbook", "Book"] {
        if let Some(book) = at(name)
            && let Some(head) = probe.read(&book, 0, ENCRYPTION_PROBE)
            && let Some(method) = biff_file_pass(&head)
        {
            marks.push(format!(
                "the Excel workbook is encrypted (a FilePass record in the globals substream of its {name} stream, {method}, [MS-XLS] §2.4.117)"
            ));
        }
    }
    if let Some(current_user) = at("Current User")
        && let Some(atom) = probe.read(&current_user, 0, 20)
        && le16(&atom, 2) == Some(PPT_CURRENT_USER_ATOM)
    {
        if le32(&atom, 12) == Some(PPT_TOKEN_ENCRYPTED) {
            marks.push(
                "the presentation is encrypted (the Current User stream's headerToken is 0xF3D1C4DF, [MS-PPT] §2.3.2)"
                    .to_string(),
            );
        }
        if let Some(document) = at("PowerPoint Document")
            && let Some(edit) = le32(&atom, 16)
            && let Some(mark) = ppt_crypt_session(probe, &document, edit.into())
        {
            marks.push(mark);
        }
    }
    if at("EncryptedSummary").is_some() {
        marks.push(
            "an EncryptedSummary stream: the document's properties are encrypted ([MS-OFFCRYPTO] §2.3.5.4, [MS-PPT] §2.3.7)"
                .to_string(),
        );
    }
    marks
}

/// What the `EncryptionInfo` version says of an encrypted OOXML package
/// ([MS-OFFCRYPTO] §2.3.4.5, §2.3.4.6, §2.3.4.10).
fn ooxml_scheme(major: u16, minor: u16) -> String {
    match (major, minor) {
        (4, 4) => "with agile encryption (EncryptionInfo 4.4, [MS-OFFCRYPTO] §2.3.4.10)".into(),
        (2..=4, 2) => {
            format!("with standard encryption (EncryptionInfo {major}.2, [MS-OFFCRYPTO] §2.3.4.5)")
        }
        (3 | 4, 3) => format!(
            "with extensible encryption (EncryptionInfo {major}.3, [MS-OFFCRYPTO] §2.3.4.6)"
        ),
        _ => format!("with an EncryptionInfo stream of version {major}.{minor}"),
    }
}

/// The method of the `FilePass` record of a BIFF workbook stream's globals
/// substream, when it has one: the records (2-byte type, 2-byte length,
/// data) from the first `BOF` to its `EOF` ([MS-XLS] §2.1.3), within the
/// bytes given. `FilePass` says the rest of the stream is obfuscated or
/// encrypted ([MS-XLS] §2.4.117: `wEncryptionType` 0 is XOR obfuscation,
/// 1 RC4, whose major version 1 is plain RC4 and 2 to 4 RC4 CryptoAPI).
fn biff_file_pass(stream: &[u8]) -> Option<&'static str> {
    if le16(stream, 0) != Some(BIFF_BOF) {
        return None;
    }
    // BOF.vers: 0x0600 is BIFF8; BIFF5 knows only XOR obfuscation.
    let biff8 = le16(stream, 4) == Some(0x0600);
    let mut i = 0;
    while let (Some(kind), Some(len)) = (le16(stream, i), le16(stream, i + 2)) {
        let data = stream.get(i + 4..i + 4 + len as usize).unwrap_or_default();
        match kind {
            BIFF_FILEPASS if !biff8 => return Some("XOR obfuscation"),
            BIFF_FILEPASS => {
                return Some(match (le16(data, 0), le16(data, 2)) {
                    (Some(0), _) => "XOR obfuscation",
                    (Some(1), Some(2..=4)) => "RC4 CryptoAPI encryption",
                    (Some(1), _) => "RC4 encryption",
                    _ => "an unknown method",
                });
            }
            BIFF_EOF => return None,
            _ => {}
        }
        i += 4 + len as usize;
    }
    None
}

/// Follows a presentation's last edit to its `CryptSession10Container`
/// ([MS-PPT] §2.3.7): the `CurrentUserAtom`'s `offsetToCurrentEdit` leads
/// to the `UserEditAtom` (§2.3.3), whose optional
/// `encryptSessionPersistIdRef` names a persist object; the
/// `PersistDirectoryAtom` (§2.3.4) at `offsetPersistDirectory` gives its
/// offset. These records stay in clear in an encrypted presentation; the
/// rest of the stream does not, so it cannot be walked record by record.
fn ppt_crypt_session<F: Read + Seek>(
    probe: &mut Probe<'_, F>,
    document: &Path,
    edit: u64,
) -> Option<String> {
    let atom = probe.read(document, edit, 40)?;
    if le16(&atom, 2) != Some(PPT_USER_EDIT_ATOM) || le32(&atom, 4)? < 0x20 {
        return None; // no encryptSessionPersistIdRef: not encrypted
    }
    let session = le32(&atom, 36)?;
    let unresolved = || {
        Some(format!(
            "the presentation's last edit names an encryption session (UserEditAtom encryptSessionPersistIdRef {session}, [MS-PPT] §2.3.3) that its persist directory does not lead to"
        ))
    };
    let directory_at = u64::from(le32(&atom, 20)?);
    let Some(header) = probe.read(document, directory_at, 8) else {
        return unresolved();
    };
    let Some(len) =
        le32(&header, 4).filter(|_| le16(&header, 2) == Some(PPT_PERSIST_DIRECTORY_ATOM))
    else {
        return unresolved();
    };
    let Some(entries) = probe.read(document, directory_at + 8, len.into()) else {
        return unresolved();
    };
    // PersistDirectoryEntry: persistId (20 bits) and cPersist (12 bits),
    // then cPersist offsets, one per persist id from persistId on.
    let mut i = 0;
    let mut offset = None;
    while let Some(head) = le32(&entries, i) {
        let (first, count) = (head & 0xf_ffff, head >> 20);
        if (first..first + count).contains(&session) {
            offset = le32(&entries, i + 4 + 4 * (session - first) as usize);
            break;
        }
        i += 4 + 4 * count as usize;
    }
    match offset.and_then(|at| probe.read(document, at.into(), 8)) {
        Some(record) if le16(&record, 2) == Some(PPT_CRYPT_SESSION) => Some(
            "the presentation is encrypted (a CryptSession10Container record, named by its last edit's encryptSessionPersistIdRef, [MS-PPT] §2.3.7)"
                .to_string(),
        ),
        _ => unresolved(),
    }
}

#[cfg(test)]
mod tests {
    use super::{biff_file_pass, package};

    /// A `Package` native stream as Packager writes it.
    pub(crate) fn package_bytes(label: &str, temp: &str, data: &[u8]) -> Vec<u8> {
        let mut v = vec![2, 0];
        v.extend_from_slice(label.as_bytes());
        v.push(0);
        v.extend_from_slice(format!("C:\\src\\{label}").as_bytes());
        v.push(0);
        v.extend_from_slice(&[0, 0, 3, 0]);
        v.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
        v.extend_from_slice(temp.as_bytes());
        v.push(0);
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn a_package_gives_its_names_and_bytes() {
        let native = package_bytes("facture.pdf", "C:\\Temp\\facture.js", b"WScript.Echo(1)");
        let pkg = package(&native).unwrap();
        assert_eq!(pkg.names, ["facture.pdf", "facture.js"]);
        assert_eq!(pkg.bytes, b"WScript.Echo(1)");
        assert!(package(&native[..10]).is_none());
        // A size past the end takes what there is rather than failing.
        let mut cut = native.clone();
        cut.truncate(native.len() - 3);
        assert_eq!(package(&cut).unwrap().bytes, b"WScript.Echo");
    }

    /// The BIFF walk reads record headers only, stops at the globals'
    /// `EOF`, and never reads past the bytes it has (cut anywhere).
    #[test]
    fn a_file_pass_is_a_record_of_the_globals_substream() {
        let rec = |kind: u16, data: &[u8]| {
            let mut v = kind.to_le_bytes().to_vec();
            v.extend_from_slice(&(data.len() as u16).to_le_bytes());
            v.extend_from_slice(data);
            v
        };
        let bof = rec(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let rc4 = rec(0x002f, &[1, 0, 1, 0, 1, 0]);
        let eof = rec(0x000a, &[]);
        let encrypted = [bof.clone(), rc4.clone(), eof.clone()].concat();
        assert_eq!(biff_file_pass(&encrypted), Some("RC4 encryption"));
        // The type as data of another record, or after the EOF: not a FilePass.
        let as_data = [bof.clone(), rec(0x005c, &rc4), eof.clone(), rc4.clone()].concat();
        assert_eq!(biff_file_pass(&as_data), None);
        // No BOF first: not a workbook stream.
        assert_eq!(biff_file_pass(&[rc4.clone(), eof].concat()), None);
        for cut in 0..encrypted.len() {
            let _ = biff_file_pass(&encrypted[..cut]);
        }
        // A BIFF5 BOF: FilePass there is XOR obfuscation.
        let biff5 = rec(0x0809, &[0x00, 0x05, 0x05, 0x00]);
        assert_eq!(
            biff_file_pass(&[biff5, rc4].concat()),
            Some("XOR obfuscation")
        );
    }
}
