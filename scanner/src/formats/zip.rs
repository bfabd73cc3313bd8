//! ZIP and the formats built on it (OOXML, OpenDocument, JAR): every
//! reading of the archive (the central directory, then the local headers
//! walked from the start, issue 14), and the encryption marks of an
//! OpenDocument manifest.

use super::archive::{Counting, Stop, duplicate_names, encrypted_entry, push_entry, read_capped};
use crate::decode::{le16, le32, le64};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::{LocalEntry as Listed, Sentence};
use crate::walk::{Object, Walker, out_of_time, take_entry};
use std::cell::Cell;
use std::io::{Cursor, Read};
use std::rc::Rc;

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
            let seen = other_readings(w, obj, None, findings, children);
            end_record_readings(w, obj, seen, findings, children);
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
                children.push(unsupported_entry(
                    w,
                    obj,
                    name,
                    method.to_string(),
                    Some(reason.to_string()),
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
    let mut seen = other_readings(w, obj, Some(&listed), findings, children);
    seen.extend(listed);
    end_record_readings(w, obj, seen, findings, children);
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
    let u16_at = |i: usize| le16(bytes, i);
    let u32_at = |i: usize| le32(bytes, i);
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
/// directory and directory entries no local header carries. Returns the
/// entries it scanned (name, CRC-32, packed size).
fn other_readings(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    directory: Option<&[(String, u32, u64)]>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) -> Vec<(String, u32, u64)> {
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
    let scanned = only_local
        .iter()
        .map(|e| (e.name.clone(), e.crc, e.packed))
        .collect();
    if only_local.is_empty() {
        return scanned;
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
        if !read_local_entry(w, obj, entry, findings, children) {
            break;
        }
    }
    scanned
}

/// Reads one entry at its local header (a reading other than the `zip`
/// crate's: the local walk, another central directory) and hands it to
/// the walk; false when the entries or time budget stops the walk.
fn read_local_entry(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    entry: LocalEntry,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) -> bool {
    if out_of_time(w, findings) || !take_entry(w, findings) {
        return false;
    }
    let name = entry.name.clone();
    if entry.flags & 1 != 0 {
        children.push(encrypted_entry(w, obj, name));
        return true;
    }
    let Some(data) = obj.bytes.get(entry.data.clone()) else {
        return true; // the readings keep ranges inside the bytes
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
            children.push(unsupported_entry(w, obj, name, m.to_string(), None));
            return true;
        }
    };
    push_entry(w, obj, name, read, children);
    true
}

/// An entry packed with a method that cannot be decompressed here
/// (`method` as the archive names it; `reason`, what the `zip` crate said
/// when it was the one that refused).
fn unsupported_entry(
    w: &Walker<'_>,
    obj: &Object<'_>,
    name: String,
    method: String,
    reason: Option<String>,
) -> Part {
    w.unread_child(
        obj,
        name,
        Finding::new(
            FindingKind::UnscannableArchive,
            Sentence::EntryUnsupported { method, reason },
        ),
    )
}

/// One field of an end record that says « see the ZIP64 record »
/// (APPNOTE.TXT §4.4.1.4): all its bits set.
fn saturated(value: u64, width: u32) -> bool {
    value == (1u64 << width) - 1
}

/// What an end record says about the central directory: entries, size
/// and offset (from the archive's start), and where the record itself
/// is in the bytes.
#[derive(Debug, Clone, Copy)]
struct EndRecord {
    entries: u64,
    size: u64,
    offset: u64,
    at: usize,
}

/// A central directory one reading of the end records points at: where
/// it is in the bytes, the entries it is said to hold, and where the
/// archive starts (what the offsets it holds count from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    at: usize,
    entries: u64,
    base: usize,
}

const CENTRAL_HEADER: &[u8] = b"PK\x01\x02";

/// The classic end record (APPNOTE.TXT §4.3.16), the last `PK\5\6` of
/// the last 64 KiB whose comment ends within the bytes, and the ZIP64 end
/// record (§4.3.14) its locator (§4.3.15, the 20 bytes before it) points
/// at, at its offset or, behind a prefix, ending at the locator.
fn end_records(bytes: &[u8]) -> Option<(EndRecord, Option<EndRecord>)> {
    let u16_at = |i: usize| le16(bytes, i).map(u64::from);
    let u32_at = |i: usize| le32(bytes, i).map(u64::from);
    let u64_at = |i: usize| le64(bytes, i);
    let tail_start = bytes.len().saturating_sub(65_535 + 22);
    let at = memchr::memmem::rfind_iter(&bytes[tail_start..], b"PK\x05\x06")
        .map(|p| tail_start + p)
        .find(|&p| u16_at(p + 20).is_some_and(|c| p + 22 + c as usize <= bytes.len()))?;
    let classic = EndRecord {
        entries: u16_at(at + 10)?,
        size: u32_at(at + 12)?,
        offset: u32_at(at + 16)?,
        at,
    };
    let zip64 = zip64_record(bytes, at).and_then(|record| {
        Some(EndRecord {
            entries: u64_at(record + 32)?,
            size: u64_at(record + 40)?,
            offset: u64_at(record + 48)?,
            at: record,
        })
    });
    Some((classic, zip64))
}

/// Where the ZIP64 end record of a classic end record at `eocd` is: the
/// offset its locator gives, or the 56 bytes right before the locator.
fn zip64_record(bytes: &[u8], eocd: usize) -> Option<usize> {
    let locator = eocd.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != b"PK\x06\x07" {
        return None;
    }
    let declared = bytes
        .get(locator + 8..locator + 16)
        .and_then(|b| usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok());
    [declared, locator.checked_sub(56)]
        .into_iter()
        .flatten()
        .find(|&r| r < locator && bytes.get(r..r + 4) == Some(&b"PK\x06\x06"[..]))
}

/// Where a directory said to be `size` bytes at `offset` is: at that
/// offset, or (behind a prefix) right before the record that names it.
fn locate(bytes: &[u8], entries: u64, size: u64, offset: u64, record: usize) -> Option<Directory> {
    let offset = usize::try_from(offset).ok()?;
    if entries == 0 {
        // Nothing to read, wherever it is.
        return Some(Directory {
            at: 0,
            entries,
            base: 0,
        });
    }
    if bytes.get(offset..offset.checked_add(4)?) == Some(CENTRAL_HEADER) {
        return Some(Directory {
            at: offset,
            entries,
            base: 0,
        });
    }
    let abutting = record.checked_sub(usize::try_from(size).ok()?)?;
    let base = abutting.checked_sub(offset)?;
    (bytes.get(abutting..abutting + 4) == Some(CENTRAL_HEADER)).then_some(Directory {
        at: abutting,
        entries,
        base,
    })
}

/// The two readings of a ZIP's end, when they point at different central
/// directories (or give one directory different counts): the classic
/// record read field by field as APPNOTE.TXT §4.4.1.4 says (a saturated
/// field is taken from the ZIP64 record), and the ZIP64 record alone, as
/// readers that prefer it whenever its locator is there do. The `zip`
/// crate follows the ZIP64 record only when a classic field is saturated;
/// 7-Zip, Windows and Info-ZIP differ among themselves: every directory
/// is walked.
fn disagreeing_ends(bytes: &[u8]) -> Option<(Directory, Directory)> {
    let (classic, zip64) = end_records(bytes)?;
    let zip64 = zip64?;
    let pick = |value: u64, width: u32, wide: u64| {
        if saturated(value, width) { wide } else { value }
    };
    let entries = pick(classic.entries, 16, zip64.entries);
    let size = pick(classic.size, 32, zip64.size);
    let offset = pick(classic.offset, 32, zip64.offset);
    let first = locate(bytes, entries, size, offset, classic.at)?;
    let second = locate(bytes, zip64.entries, zip64.size, zip64.offset, zip64.at)?;
    (first != second).then_some((first, second))
}

/// The entries a central directory lists (APPNOTE.TXT §4.3.12), as many
/// central headers as follow one another from its start, at most `max`,
/// each with the data its local header (§4.3.7) starts: sizes and
/// the local header's offset from the ZIP64 extra field (§4.5.3) when the
/// directory's fields are saturated. Stops at the first record that is
/// not a central header, or whose data runs past the bytes.
fn central_entries(bytes: &[u8], dir: Directory, max: usize) -> Vec<LocalEntry> {
    let u16_at = |i: usize| le16(bytes, i).map(usize::from);
    let u32_at = |i: usize| le32(bytes, i).map(u64::from);
    let mut out = Vec::new();
    let mut pos = dir.at;
    // Read on while there are central headers, whatever count the end
    // record gives: readers that go by the directory's size or its
    // signatures see them all.
    while out.len() < max && bytes.get(pos..pos + 4) == Some(CENTRAL_HEADER) {
        let (Some(flags), Some(method), Some(crc), Some(csize), Some(usize_), Some(nlen)) = (
            u16_at(pos + 8),
            u16_at(pos + 10),
            u32_at(pos + 16),
            u32_at(pos + 20),
            u32_at(pos + 24),
            u16_at(pos + 28),
        ) else {
            break;
        };
        let (Some(xlen), Some(clen), Some(local)) =
            (u16_at(pos + 30), u16_at(pos + 32), u32_at(pos + 42))
        else {
            break;
        };
        let Some(name) = bytes.get(pos + 46..pos + 46 + nlen) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let extra = bytes
            .get(pos + 46 + nlen..pos + 46 + nlen + xlen)
            .unwrap_or_default();
        pos += 46 + nlen + xlen + clen;
        // The ZIP64 extra field holds, in this order, each of the sizes
        // and the offset that the header saturates.
        let (mut packed, mut local_offset) = (csize, local);
        let mut e = 0;
        while let Some(head) = extra.get(e..e + 4) {
            let id = u16::from_le_bytes([head[0], head[1]]);
            let len = u16::from_le_bytes([head[2], head[3]]) as usize;
            if id == 1 {
                let field = extra.get(e + 4..e + 4 + len).unwrap_or_default();
                let mut f = 0;
                let mut next = || {
                    let v = le64(field, f);
                    f += 8;
                    v
                };
                if saturated(usize_, 32) {
                    next();
                }
                if saturated(csize, 32) {
                    packed = next().unwrap_or(packed);
                }
                if saturated(local, 32) {
                    local_offset = next().unwrap_or(local_offset);
                }
                break;
            }
            e += 4 + len;
        }
        let Some(header) = usize::try_from(local_offset)
            .ok()
            .and_then(|o| o.checked_add(dir.base))
        else {
            continue;
        };
        if bytes.get(header..).and_then(|b| b.get(..4)) != Some(LOCAL_HEADER) {
            continue; // no entry there for any reader to open
        }
        let (Some(lnlen), Some(lxlen)) = (u16_at(header + 26), u16_at(header + 28)) else {
            continue;
        };
        let start = header + 30 + lnlen + lxlen;
        let Some(end) = usize::try_from(packed)
            .ok()
            .and_then(|p| start.checked_add(p))
        else {
            continue;
        };
        if end > bytes.len() {
            continue;
        }
        out.push(LocalEntry {
            offset: header,
            name,
            flags: flags as u16,
            method: method as u16,
            crc: crc as u32,
            packed,
            data: start..end,
        });
    }
    out
}

/// Every reading of the ZIP's end (issue 32): when the classic and the
/// ZIP64 end records point at different central directories, an
/// [`FindingKind::ArchiveAmbiguity`] finding, and every entry either
/// directory names that no reading scanned yet (`seen`: name, CRC-32,
/// packed size) is read at its local header and scanned.
fn end_record_readings(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    seen: Vec<(String, u32, u64)>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let Some((classic, zip64)) = disagreeing_ends(obj.bytes) else {
        return;
    };
    findings.push(Finding::new(
        FindingKind::ArchiveAmbiguity,
        Sentence::ZipEndRecordsDisagree {
            classic_offset: classic.at as u64,
            classic_entries: classic.entries,
            zip64_offset: zip64.at as u64,
            zip64_entries: zip64.entries,
        },
    ));
    let mut seen: std::collections::HashSet<(String, u32, u64)> = seen.into_iter().collect();
    for dir in [classic, zip64] {
        for entry in central_entries(obj.bytes, dir, w.limits.max_archive_entries) {
            let key = (entry.name.clone(), entry.crc, entry.packed);
            if entry.name.ends_with('/') || !seen.insert(key) {
                continue;
            }
            if !read_local_entry(w, obj, entry, findings, children) {
                return;
            }
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
