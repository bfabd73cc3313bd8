//! Archive recursion: ZIP (and OOXML, OpenDocument, JAR), gzip, tar and 7z.
//!
//! Declared sizes are never trusted to be small: every entry is read through
//! a cap (`Limits::max_object_size` and what is left of
//! `max_expanded_bytes`), and the compression ratio is measured on the bytes
//! actually consumed while reading, so a bomb stops after at most
//! `ratio_floor` bytes past the point where it gives itself away.

use crate::report::{Finding, FindingKind, Part};
use crate::walk::{Object, Walker};
use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

/// What the central directory of a ZIP says, for type detection.
pub(crate) struct ZipDirectory {
    pub names: Vec<String>,
    /// The `mimetype` entry of an OpenDocument file.
    pub odf_mimetype: Option<String>,
}

/// Reads the directory of a ZIP, and the small entry that names an
/// OpenDocument file's type.
pub(crate) fn zip_directory(bytes: &[u8]) -> Option<ZipDirectory> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok())
        .map(String::from)
        .collect();
    let small = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, max: u64| {
        let file = zip.by_name(name).ok()?;
        let mut out = Vec::new();
        file.take(max).read_to_end(&mut out).ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    };
    let odf_mimetype = if names.iter().any(|n| n == "mimetype") {
        small(&mut zip, "mimetype", 128)
            .map(|m| m.trim().to_string())
            .filter(|m| m.starts_with("application/vnd.oasis.opendocument"))
    } else {
        None
    };
    Some(ZipDirectory {
        names,
        odf_mimetype,
    })
}

/// Why reading an entry stopped before its end.
enum Stop {
    /// It is larger than the bytes the budgets still allow.
    TooLarge { cap: u64 },
    /// It expands more than `max_entry_ratio` times what it consumed.
    Ratio { out: u64, packed: u64 },
    /// The decompressor failed.
    Damaged(String),
}

impl Stop {
    fn finding(self, w: &Walker<'_>) -> Finding {
        match self {
            Stop::TooLarge { cap } => Finding::new(
                FindingKind::SizeExceeded,
                format!("larger than the {cap} bytes the scan budget still allowed; not scanned"),
            ),
            Stop::Ratio { out, packed } => Finding::new(
                FindingKind::RatioExceeded,
                format!(
                    "expanded {out} bytes from {packed} packed bytes, more than {}:1 (archive bomb?)",
                    w.limits.max_entry_ratio
                ),
            ),
            Stop::Damaged(reason) => Finding::new(
                FindingKind::DamagedArchive,
                format!("the entry could not be decompressed: {reason}"),
            ),
        }
    }
}

/// Reads `reader` to its end under the walker's caps. `consumed` tells how
/// many packed bytes the decompressor has pulled so far.
fn read_capped(
    w: &Walker<'_>,
    mut reader: impl Read,
    consumed: impl Fn() -> u64,
) -> Result<Vec<u8>, Stop> {
    let cap = w.object_cap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Damaged(e.to_string())),
        };
        if out.len() as u64 + n as u64 > cap {
            return Err(Stop::TooLarge { cap });
        }
        out.extend_from_slice(&buf[..n]);
        let produced = out.len() as u64;
        let packed = consumed().max(1);
        if produced > w.limits.ratio_floor
            && produced > packed.saturating_mul(w.limits.max_entry_ratio)
        {
            return Err(Stop::Ratio {
                out: produced,
                packed,
            });
        }
    }
    Ok(out)
}

/// Counts the bytes read through a reader (the packed bytes a decompressor
/// pulls); seeking passes through.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Inspects an entry that was read, or records why it could not be.
fn push_entry(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    name: String,
    read: Result<Vec<u8>, Stop>,
    children: &mut Vec<Part>,
) {
    let child = match read {
        Ok(bytes) => {
            w.expanded += bytes.len() as u64;
            w.child(obj, name, None, &bytes)
        }
        Err(stop) => {
            let finding = stop.finding(w);
            w.unread_child(obj, name, finding)
        }
    };
    children.push(child);
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
                format!(
                    "more than {} archive entries in the message; the rest were not scanned",
                    w.limits.max_archive_entries
                ),
            ));
        }
        return false;
    }
    w.entries += 1;
    true
}

/// Whether the time budget stops the walk (with a finding on the container).
fn out_of_time(w: &mut Walker<'_>, findings: &mut Vec<Finding>) -> bool {
    if w.check_time() {
        findings.push(Finding::new(
            FindingKind::TimeExceeded,
            "the scan time limit was reached before every entry was scanned",
        ));
        return true;
    }
    false
}

/// ZIP and the formats built on it.
pub(crate) fn walk_zip(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let counter = Rc::new(Cell::new(0u64));
    let reader = Counting {
        inner: Cursor::new(obj.bytes),
        read: counter.clone(),
    };
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(zip) => zip,
        Err(e) => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                format!("the ZIP directory cannot be read: {e}"),
            ));
            return;
        }
    };
    for index in 0..zip.len() {
        if out_of_time(w, findings) || !take_entry(w, findings) {
            return;
        }
        let (name, encrypted, is_dir, declared_size, method) = match zip.by_index_raw(index) {
            Ok(f) => (
                String::from_utf8_lossy(f.name_raw()).into_owned(),
                f.encrypted(),
                f.is_dir(),
                f.size(),
                f.compression(),
            ),
            Err(e) => {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    format!("entry {index} cannot be read: {e}"),
                ));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if encrypted {
            children.push(w.unread_child(
                obj,
                name,
                Finding::new(
                    FindingKind::EncryptedArchive,
                    "the entry is password-protected",
                ),
            ));
            continue;
        }
        let cap = w.object_cap();
        if declared_size > cap {
            children.push(w.unread_child(obj, name, Stop::TooLarge { cap }.finding(w)));
            continue;
        }
        let file = match zip.by_index(index) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(reason)) => {
                children.push(w.unread_child(
                    obj,
                    name,
                    Finding::new(
                        FindingKind::UnscannableArchive,
                        format!("unsupported entry ({reason}, method {method})"),
                    ),
                ));
                continue;
            }
            Err(e) => {
                children.push(w.unread_child(
                    obj,
                    name,
                    Finding::new(
                        FindingKind::DamagedArchive,
                        format!("the entry cannot be opened: {e} (method {method})"),
                    ),
                ));
                continue;
            }
        };
        let start = counter.get();
        let c = counter.clone();
        let read = read_capped(w, file, move || c.get() - start);
        push_entry(w, obj, name, read, children);
    }
}

/// A gzip stream (all its members) holds one file.
pub(crate) fn walk_gzip(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    if !take_entry(w, findings) {
        return;
    }
    let counter = Rc::new(Cell::new(0u64));
    let reader = Counting {
        inner: Cursor::new(obj.bytes),
        read: counter.clone(),
    };
    let decoder = flate2::read::MultiGzDecoder::new(reader);
    let header_name = decoder
        .header()
        .and_then(|h| h.filename())
        .map(|n| String::from_utf8_lossy(n).into_owned());
    let name = header_name.unwrap_or_else(|| {
        let parent = obj.filename.as_deref().unwrap_or("data.gz");
        let base = parent.rsplit(['/', '\\']).next().unwrap_or(parent);
        match base.rsplit_once('.') {
            Some((stem, "tgz")) => format!("{stem}.tar"),
            Some((stem, _)) => stem.to_string(),
            None => format!("{base}.out"),
        }
    });
    let c = counter.clone();
    let read = read_capped(w, decoder, move || c.get());
    push_entry(w, obj, name, read, children);
}

/// tar: entries are stored, so only the size caps apply.
pub(crate) fn walk_tar(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let mut archive = tar::Archive::new(obj.bytes);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                format!("the tar archive cannot be read: {e}"),
            ));
            return;
        }
    };
    for entry in entries {
        if out_of_time(w, findings) {
            return;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    format!("the tar archive is damaged: {e}"),
                ));
                return;
            }
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            continue;
        }
        if !take_entry(w, findings) {
            return;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let declared = entry.header().size().unwrap_or(u64::MAX);
        let cap = w.object_cap();
        if declared > cap {
            children.push(w.unread_child(obj, name, Stop::TooLarge { cap }.finding(w)));
            continue;
        }
        // Stored data: the ratio is 1, so `consumed` is what was produced.
        let produced = Rc::new(Cell::new(0u64));
        let p = produced.clone();
        let reader = Counting {
            inner: entry,
            read: produced,
        };
        let read = read_capped(w, reader, move || p.get());
        push_entry(w, obj, name, read, children);
    }
}

/// Memory the 7z decoder may take for dictionaries and headers, in KiB.
const SEVENZ_MEMORY_KB: usize = 64 * 1024;

/// 7z with `sevenz-rust2`. Solid blocks hide per-entry packed sizes, so the
/// ratio is judged against the whole archive's size.
pub(crate) fn walk_7z(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    use sevenz_rust2::{ArchiveReader, EntryDecision, Error as SzError, Password};
    let classify = |e: &SzError| -> Finding {
        match e {
            SzError::PasswordRequired | SzError::MaybeBadPassword(_) => Finding::new(
                FindingKind::EncryptedArchive,
                "the 7z archive is password-protected",
            ),
            SzError::UnsupportedCompressionMethod(m) => Finding::new(
                FindingKind::UnscannableArchive,
                format!("the 7z archive uses an unsupported method ({m})"),
            ),
            SzError::MaxMemLimited { .. } => Finding::new(
                FindingKind::SizeExceeded,
                format!(
                    "the 7z archive needs more than {} MiB to decode",
                    SEVENZ_MEMORY_KB / 1024
                ),
            ),
            other => Finding::new(
                FindingKind::DamagedArchive,
                format!("the 7z archive cannot be read: {other}"),
            ),
        }
    };
    let mut reader = match ArchiveReader::new_with_memory_limit(
        Cursor::new(obj.bytes),
        Password::empty(),
        SEVENZ_MEMORY_KB,
    ) {
        Ok(r) => r,
        Err(e) => {
            findings.push(classify(&e));
            return;
        }
    };
    // The scanner spawns no threads.
    reader.set_thread_count(1);
    let packed = obj.bytes.len() as u64;
    let mut stopped: Option<Finding> = None;
    let result = reader.for_each_entries_with_decision(|entry, data| {
        if entry.is_directory || !entry.has_stream {
            return Ok(EntryDecision::Continue);
        }
        if out_of_time(w, findings) || !take_entry(w, findings) {
            return Ok(EntryDecision::Stop);
        }
        let name = entry.name.clone();
        match read_capped(w, data, || packed) {
            Ok(bytes) => {
                w.expanded += bytes.len() as u64;
                let child = w.child(obj, name, None, &bytes);
                children.push(child);
                Ok(EntryDecision::Continue)
            }
            Err(Stop::Damaged(reason)) => {
                stopped = Some(Finding::new(
                    FindingKind::DamagedArchive,
                    format!("entry {name}: {reason}"),
                ));
                children.push(w.unread_child(obj, name, Stop::Damaged(reason).finding(w)));
                Ok(EntryDecision::Stop)
            }
            Err(stop) => {
                // Do not let the reader drain a bomb: stop the walk here.
                let finding = stop.finding(w);
                children.push(w.unread_child(obj, name, finding));
                Ok(EntryDecision::Stop)
            }
        }
    });
    if let Err(e) = result {
        let finding = classify(&e);
        // A password error surfaces here for archives whose headers are clear.
        if finding.kind == FindingKind::EncryptedArchive
            || stopped.is_none()
                && !children
                    .iter()
                    .any(|c| c.findings.iter().any(|f| f.kind == finding.kind))
        {
            findings.push(finding);
        }
    }
}
