//! Archive recursion: ZIP (and OOXML, OpenDocument, JAR), gzip, tar and 7z.
//!
//! Declared sizes are never trusted to be small: every entry is read through
//! a cap (`Limits::max_object_size` and what is left of
//! `max_expanded_bytes`), and the compression ratio is measured on the bytes
//! actually consumed while reading, so a bomb stops after at most
//! `ratio_floor` bytes past the point where it gives itself away.

use crate::report::{Finding, FindingKind, NameRole, Part};
use crate::sentence::{Counted, LocalEntry as Listed, Sentence, Stage};
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

/// The largest `META-INF/manifest.xml` read for encryption marks.
const MAX_MANIFEST: u64 = 4 << 20;

/// The entries an OpenDocument file's manifest says are encrypted with a
/// password: each `manifest:file-entry` holding a `manifest:encryption-data`
/// element (OpenDocument 1.2 Part 3 §3.8, 1.3 Part 2 §4.8; LibreOffice
/// writes one for every entry but `mimetype` and the manifest itself).
/// Empty for a ZIP without a manifest, or a manifest past
/// [`MAX_MANIFEST`] bytes (read that far).
pub(crate) fn odf_encrypted_entries(bytes: &[u8]) -> Vec<String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let Ok(file) = zip.by_name("META-INF/manifest.xml") else {
        return Vec::new();
    };
    let mut xml = Vec::new();
    if file.take(MAX_MANIFEST).read_to_end(&mut xml).is_err() && xml.is_empty() {
        return Vec::new();
    }
    let xml = String::from_utf8_lossy(&xml);
    let mut out = Vec::new();
    let mut entry: Option<String> = None;
    let mut rest = &xml[..];
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end.min(rest.len())..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        match (local, closing) {
            ("file-entry", false) => {
                entry = Some(attribute(tag, "full-path").unwrap_or_default());
                if tag.trim_end().ends_with('/') {
                    entry = None;
                }
            }
            ("file-entry", true) => entry = None,
            ("encryption-data", false) => {
                let path = entry.clone().unwrap_or_default();
                if !out.contains(&path) {
                    out.push(path);
                }
            }
            _ => {}
        }
    }
    out
}

/// The value of the attribute whose local name is `local` in a start tag's
/// text (`manifest:full-path="content.xml"`), entities left as written.
fn attribute(tag: &str, local: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim_end();
        let name = name
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or(name);
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value_end = after[1..].find(quote)? + 1;
        if name.rsplit(':').next() == Some(local) {
            return Some(after[1..value_end].to_string());
        }
        rest = &after[value_end + 1..];
    }
    None
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
                Sentence::PastBudget { cap: Some(cap) },
            ),
            Stop::Ratio { out, packed } => Finding::new(
                FindingKind::RatioExceeded,
                Sentence::RatioExceeded {
                    expanded: out,
                    packed,
                    limit: w.limits.max_entry_ratio as u64,
                },
            ),
            Stop::Damaged(reason) => Finding::new(
                FindingKind::DamagedArchive,
                Sentence::EntryUndecompressable {
                    reason,
                    method: None,
                },
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

/// An entry that cannot be read without its password.
fn encrypted_entry(w: &Walker<'_>, obj: &Object<'_>, name: String) -> Part {
    w.unread_child(
        obj,
        name,
        Finding::new(FindingKind::EncryptedArchive, Sentence::EntryEncrypted),
    )
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
fn out_of_time(w: &mut Walker<'_>, findings: &mut Vec<Finding>) -> bool {
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
                Sentence::ArchiveDamaged {
                    format: "ZIP directory".into(),
                    reason: Some(e.to_string()),
                },
            ));
            // 7-Zip still opens what the local headers hold: scan it.
            other_readings(w, obj, None, findings, children);
            return;
        }
    };
    let mut listed: Vec<(String, u32, u64)> = Vec::new();
    for index in 0..zip.len() {
        if out_of_time(w, findings) || !take_entry(w, findings) {
            return;
        }
        let (name, encrypted, is_dir, declared_size, method) = match zip.by_index_raw(index) {
            Ok(f) => {
                listed.push((
                    String::from_utf8_lossy(f.name_raw()).into_owned(),
                    f.crc32(),
                    f.compressed_size(),
                ));
                (
                    String::from_utf8_lossy(f.name_raw()).into_owned(),
                    f.encrypted(),
                    f.is_dir(),
                    f.size(),
                    f.compression(),
                )
            }
            Err(e) => {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::EntryUnreadable {
                        entry: index.to_string(),
                        reason: e.to_string(),
                    },
                ));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if encrypted {
            children.push(encrypted_entry(w, obj, name));
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
                        Sentence::EntryUnsupported {
                            method: method.to_string(),
                            reason: Some(reason.to_string()),
                        },
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
                        Sentence::EntryUndecompressable {
                            reason: e.to_string(),
                            method: Some(method.to_string()),
                        },
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
    drop(zip);
    other_readings(w, obj, Some(&listed), findings, children);
}

/// One entry as its local file header gives it (APPNOTE.TXT §4.3.7).
struct LocalEntry {
    offset: usize,
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    packed: u64,
    /// The packed data, or for a deflated entry with a data descriptor the
    /// whole rest of the file (the decoder stops at the stream's end).
    data: std::ops::Range<usize>,
}

const LOCAL_HEADER: &[u8] = b"PK\x03\x04";

/// Walks the local file headers from the start of `bytes`, as 7-Zip and
/// streaming readers do: each header, its data, the next header; past a
/// central directory or junk, the next local header (a second archive
/// glued on, or an archive after a prefix). Stops at a header it cannot
/// follow (ZIP64 sizes, a stored entry with a data descriptor) or after
/// `max` entries. A deflated entry with a data descriptor is inflated to
/// find its end, at most `cap` bytes of output (past that the directory
/// reading judges it as too large).
fn local_entries(bytes: &[u8], max: usize, cap: u64) -> Vec<LocalEntry> {
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut out = Vec::new();
    let mut pos = match memchr::memmem::find(bytes, LOCAL_HEADER) {
        Some(p) => p,
        None => return out,
    };
    while out.len() < max {
        if bytes.get(pos..pos + 4) != Some(LOCAL_HEADER) {
            // A central directory, an end record or junk: look for a
            // further archive.
            match memchr::memmem::find(bytes.get(pos + 1..).unwrap_or_default(), LOCAL_HEADER) {
                Some(p) => {
                    pos = pos + 1 + p;
                    continue;
                }
                None => break,
            }
        }
        let (Some(flags), Some(method), Some(crc), Some(csize), Some(nlen), Some(xlen)) = (
            u16_at(pos + 6),
            u16_at(pos + 8),
            u32_at(pos + 14),
            u32_at(pos + 18),
            u16_at(pos + 26),
            u16_at(pos + 28),
        ) else {
            break;
        };
        let name_start = pos + 30;
        let data_start = name_start + nlen as usize + xlen as usize;
        let Some(name) = bytes.get(name_start..name_start + nlen as usize) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if data_start > bytes.len() {
            break; // the extra field runs past the end: no data to read
        }
        if csize == u32::MAX {
            break; // ZIP64: the central directory reading has it
        }
        let descriptor = flags & 8 != 0;
        let (data, next) = if descriptor {
            if method != 8 {
                break;
            }
            // The deflate stream's end gives the packed size.
            let mut inflater = flate2::Decompress::new(false);
            let mut sink = vec![0u8; 64 * 1024];
            let rest = bytes.get(data_start..).unwrap_or_default();
            loop {
                let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
                let input = &rest[in_before as usize..];
                match inflater.decompress(input, &mut sink, flate2::FlushDecompress::None) {
                    Ok(flate2::Status::StreamEnd) | Err(_) => break,
                    Ok(_) => {}
                }
                let stuck = inflater.total_in() == in_before && inflater.total_out() == out_before;
                // A bomb is the directory reading's to judge: stop counting.
                if stuck || input.is_empty() || inflater.total_out() > cap {
                    break;
                }
            }
            let packed = inflater.total_in() as usize;
            let end = data_start + packed;
            let after = if bytes.get(end..end + 4) == Some(b"PK\x07\x08") {
                16
            } else {
                12
            };
            (data_start..end, end + after)
        } else {
            let end = data_start + csize as usize;
            if end > bytes.len() {
                break;
            }
            (data_start..end, end)
        };
        let crc = if descriptor {
            // CRC-32 of the descriptor, after the data.
            let at = if bytes.get(data.end..data.end + 4) == Some(b"PK\x07\x08") {
                data.end + 4
            } else {
                data.end
            };
            u32_at(at).unwrap_or(crc)
        } else {
            crc
        };
        out.push(LocalEntry {
            offset: pos,
            name,
            flags,
            method,
            crc,
            packed: (data.end - data.start) as u64,
            data,
        });
        pos = next;
    }
    out
}

/// The second reading of a ZIP (issue 14: every reading is scanned): the
/// local headers walked from the start, matched against what the central
/// directory reading gave (`listed`: name, CRC-32, packed size). An entry
/// only the local walk sees is scanned too, and the disagreement is an
/// [`FindingKind::ArchiveAmbiguity`] finding; so are duplicate names in the
/// directory and directory entries no local header carries.
fn other_readings(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    directory: Option<&[(String, u32, u64)]>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    // No directory could be read (already a damaged-archive finding): what
    // the local headers hold is scanned, with nothing to disagree with.
    let listed = directory.unwrap_or_default();
    let mut unmatched: Vec<Option<&(String, u32, u64)>> = listed.iter().map(Some).collect();
    let mut only_local: Vec<LocalEntry> = Vec::new();
    for entry in local_entries(obj.bytes, w.limits.max_archive_entries, w.object_cap()) {
        let key =
            |l: &&(String, u32, u64)| l.0 == entry.name && l.1 == entry.crc && l.2 == entry.packed;
        match unmatched
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(key))
        {
            Some(slot) => *slot = None,
            None if entry.name.ends_with('/') && entry.packed == 0 => {}
            None => only_local.push(entry),
        }
    }
    duplicate_names(listed.iter().map(|l| l.0.as_str()), findings);
    let missing: Vec<&str> = unmatched.iter().flatten().map(|l| l.0.as_str()).collect();
    if !missing.is_empty() && !only_local.is_empty() {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::ZipDirectoryDisagrees {
                directory_only: missing.iter().take(5).map(|m| m.to_string()).collect(),
            },
        ));
    }
    if only_local.is_empty() {
        return;
    }
    if directory.is_some() {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::ZipLocalOnly {
                count: only_local.len() as u64,
                entries: only_local
                    .iter()
                    .take(5)
                    .map(|e| Listed {
                        name: e.name.clone(),
                        offset: e.offset as u64,
                    })
                    .collect(),
            },
        ));
    }
    for entry in only_local {
        if out_of_time(w, findings) || !take_entry(w, findings) {
            return;
        }
        let name = entry.name.clone();
        if entry.flags & 1 != 0 {
            children.push(encrypted_entry(w, obj, name));
            continue;
        }
        let Some(data) = obj.bytes.get(entry.data.clone()) else {
            continue; // `local_entries` keeps ranges inside the bytes
        };
        let read = match entry.method {
            0 => {
                let cap = w.object_cap();
                if data.len() as u64 > cap {
                    Err(Stop::TooLarge { cap })
                } else {
                    Ok(data.to_vec())
                }
            }
            8 => {
                let counter = Rc::new(Cell::new(0u64));
                let reader = Counting {
                    inner: data,
                    read: counter.clone(),
                };
                read_capped(w, flate2::read::DeflateDecoder::new(reader), move || {
                    counter.get()
                })
            }
            m => {
                children.push(w.unread_child(
                    obj,
                    name,
                    Finding::new(
                        FindingKind::UnscannableArchive,
                        Sentence::EntryUnsupported {
                            method: m.to_string(),
                            reason: None,
                        },
                    ),
                ));
                continue;
            }
        };
        push_entry(w, obj, name, read, children);
    }
}

/// Two entries of one name: a reader that keys entries by name (or
/// extracts them one over the other) keeps one, a listing shows both.
fn duplicate_names<'a>(names: impl Iterator<Item = &'a str>, findings: &mut Vec<Finding>) {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    if let Some(dup) = names.windows(2).find(|p| p[0] == p[1]) {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::DuplicateEntry {
                name: dup[0].to_string(),
            },
        ));
    }
}

/// A `BufRead` over a byte slice that tells how far it has been consumed:
/// `flate2`'s `bufread` decoders consume exactly one gzip member, so the
/// next one starts there.
struct SliceReader<'a> {
    bytes: &'a [u8],
    at: Rc<Cell<usize>>,
}

impl Read for SliceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.bytes[self.at.get()..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at.set(self.at.get() + n);
        Ok(n)
    }
}

impl io::BufRead for SliceReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(&self.bytes[self.at.get()..])
    }
    fn consume(&mut self, n: usize) {
        self.at.set((self.at.get() + n).min(self.bytes.len()));
    }
}

/// Members read from one gzip file before the rest is left unread.
const MAX_GZIP_MEMBERS: usize = 64;

/// A gzip file, member by member (RFC 1952 §2.2: "a series of members").
/// `gunzip` writes the members one after the other, so their concatenation
/// is the file and is scanned under the file's name; a tool that reads
/// only the first member sees less, so from the second on each member is
/// also scanned alone, and their number is an `archive_ambiguity`
/// finding. Bytes after the last member (`gunzip` ignores them, other
/// tools open them as what they are) are scanned too, and are a finding.
pub(crate) fn walk_gzip(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    if !take_entry(w, findings) {
        return;
    }
    let default_name = || {
        let parent = obj.filename.as_deref().unwrap_or("data.gz");
        let base = parent.rsplit(['/', '\\']).next().unwrap_or(parent);
        match base.rsplit_once('.') {
            Some((stem, "tgz")) => format!("{stem}.tar"),
            Some((stem, _)) => stem.to_string(),
            None => format!("{base}.out"),
        }
    };
    let at = Rc::new(Cell::new(0usize));
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stored_name: Option<String> = None;
    while obj.bytes[at.get()..].starts_with(&[0x1f, 0x8b]) && members.len() < MAX_GZIP_MEMBERS {
        let start = at.get();
        let decoder = flate2::bufread::GzDecoder::new(SliceReader {
            bytes: obj.bytes,
            at: at.clone(),
        });
        let stored = decoder
            .header()
            .and_then(|h| h.filename())
            .map(|n| String::from_utf8_lossy(n).into_owned());
        // gunzip saves the file under the outer name without `.gz`
        // (`-N` would use the stored one): the first member takes it, and
        // a stored name that differs is checked too (below).
        let name = match (members.len(), &stored) {
            (0, Some(s)) if obj.filename.is_none() => s.clone(),
            (0, _) => default_name(),
            (_, Some(s)) => s.clone(),
            (n, None) => format!("{}.member{}", default_name(), n + 1),
        };
        if members.is_empty()
            && let Some(s) = stored
                .as_deref()
                .filter(|s| obj.filename.is_some() && *s != name)
        {
            stored_name = Some(s.to_string());
        }
        let a = at.clone();
        match read_capped(w, decoder, move || (a.get() - start) as u64) {
            Ok(bytes) => {
                w.expanded += bytes.len() as u64;
                members.push((name, bytes));
            }
            Err(stop) => {
                push_entry(w, obj, name, Err(stop), children);
                return;
            }
        }
        if at.get() == start {
            break;
        }
    }
    let trailing = &obj.bytes[at.get()..];
    let first = children.len();
    match members.len() {
        0 => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "gzip header".into(),
                    reason: None,
                },
            ));
            return;
        }
        1 => {
            let (name, bytes) = members.pop().unwrap();
            let child = w.child(obj, name, None, &bytes);
            children.push(child);
        }
        n => {
            findings.push(Finding::new(
                FindingKind::ArchiveAmbiguity,
                Sentence::GzipMembers { count: n as u64 },
            ));
            let whole: Vec<u8> = members.iter().flat_map(|m| m.1.iter().copied()).collect();
            if whole.len() as u64 > w.object_cap() {
                let finding = Stop::TooLarge {
                    cap: w.object_cap(),
                }
                .finding(w);
                children.push(w.unread_child(obj, default_name(), finding));
            } else {
                w.expanded += whole.len() as u64;
                let child = w.child(obj, default_name(), None, &whole);
                children.push(child);
            }
            for (name, bytes) in members.into_iter().skip(1) {
                if !take_entry(w, findings) {
                    return;
                }
                let child = w.child(obj, name, None, &bytes);
                children.push(child);
            }
        }
    }
    // The name stored in the header, which `gunzip -N`, 7-Zip and file
    // managers use: judged as well, and the disagreement is a finding.
    if let Some(stored) = stored_name
        && let Some(child) = children.get_mut(first)
    {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::GzipStoredName {
                stored: stored.clone(),
                saved: child
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            },
        ));
        for f in crate::walk::name_only_findings(&stored) {
            child
                .findings
                .push(f.in_name(NameRole::StoredName, &stored));
        }
        child.action = w.recompute(child);
    }
    if trailing.iter().any(|&b| b != 0) {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::GzipTrailing {
                bytes: trailing.len() as u64,
            },
        ));
        if take_entry(w, findings) {
            w.expanded += trailing.len() as u64;
            let child = w.child(obj, format!("{}.trailing", default_name()), None, trailing);
            children.push(child);
        }
    }
}

/// tar: entries are stored, so only the size caps apply.
pub(crate) fn walk_tar(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let mut names = Vec::new();
    let read = tar_entries(w, obj, false, 0, &mut names, findings, children);
    duplicate_names(names.iter().map(String::as_str), findings);
    // After the end-of-archive marker (two zero blocks, POSIX ustar), tar
    // stops; `tar --ignore-zeros` and other tools read on.
    let Some((count, rest)) = read else {
        return;
    };
    if rest.iter().any(|&b| b != 0) {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::TarAfterEnd,
        ));
        let mut more = Vec::new();
        tar_entries(w, obj, true, count, &mut more, findings, children);
    }
}

/// Reads a tar's file entries from the `skip`-th on (zero blocks skipped
/// when `ignore_zeros`); their names go to `names`. Returns how many file
/// entries there were and the bytes left after the end marker, unless the
/// walk stopped early.
fn tar_entries<'a>(
    w: &mut Walker<'_>,
    obj: &Object<'a>,
    ignore_zeros: bool,
    skip: usize,
    names: &mut Vec<String>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) -> Option<(usize, &'a [u8])> {
    let mut archive = tar::Archive::new(obj.bytes);
    archive.set_ignore_zeros(ignore_zeros);
    let mut count = 0;
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "tar".into(),
                    reason: Some(e.to_string()),
                },
            ));
            return None;
        }
    };
    for entry in entries {
        if out_of_time(w, findings) {
            return None;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::ArchiveDamaged {
                        format: "tar".into(),
                        reason: Some(e.to_string()),
                    },
                ));
                return None;
            }
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            continue;
        }
        count += 1;
        if count <= skip {
            continue;
        }
        if !take_entry(w, findings) {
            return None;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        names.push(name.clone());
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
    Some((count, archive.into_inner()))
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
            SzError::PasswordRequired | SzError::MaybeBadPassword(_) => {
                Finding::new(FindingKind::EncryptedArchive, Sentence::SevenZipEncrypted)
            }
            SzError::UnsupportedCompressionMethod(m) => Finding::new(
                FindingKind::UnscannableArchive,
                Sentence::ArchiveMethodUnsupported {
                    format: "7z".into(),
                    method: m.to_string(),
                },
            ),
            SzError::MaxMemLimited { .. } => Finding::new(
                FindingKind::SizeExceeded,
                Sentence::SevenZipMemory {
                    mib: (SEVENZ_MEMORY_KB / 1024) as u64,
                },
            ),
            other => Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "7z".into(),
                    reason: Some(other.to_string()),
                },
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
    duplicate_names(
        reader
            .archive()
            .files
            .iter()
            .filter(|f| !f.is_directory)
            .map(|f| f.name.as_str()),
        findings,
    );
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
                    Sentence::EntryUnreadable {
                        entry: name.clone(),
                        reason: reason.clone(),
                    },
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

#[cfg(test)]
mod tests {
    use super::local_entries;

    /// A local header whose extra field runs past the end of the file
    /// (found by `hostile::mutated_messages_never_panic`): no entry, and
    /// above all no range outside the bytes.
    #[test]
    fn a_local_header_whose_extra_field_runs_past_the_end_gives_no_entry() {
        for flags in [0u16, 8] {
            let mut zip = b"PK\x03\x04".to_vec();
            zip.extend_from_slice(&20u16.to_le_bytes()); // version
            zip.extend_from_slice(&flags.to_le_bytes());
            zip.extend_from_slice(&8u16.to_le_bytes()); // deflate
            zip.extend_from_slice(&[0; 4]); // time, date
            zip.extend_from_slice(&[0; 4]); // CRC-32
            zip.extend_from_slice(&0u32.to_le_bytes()); // packed size
            zip.extend_from_slice(&0u32.to_le_bytes()); // size
            zip.extend_from_slice(&1u16.to_le_bytes()); // name length
            zip.extend_from_slice(&6000u16.to_le_bytes()); // extra length
            zip.extend_from_slice(b"a");
            zip.extend_from_slice(&[0x03, 0x00]);
            for e in local_entries(&zip, 100, 1 << 20) {
                assert!(e.data.end <= zip.len() && e.data.start <= e.data.end);
            }
            assert!(
                local_entries(&zip, 100, 1 << 20).is_empty(),
                "flags {flags}"
            );
        }
    }
}
