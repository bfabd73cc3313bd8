//! ZIP and the formats built on it (OOXML, OpenDocument, JAR): every
//! reading of the archive (the central directory, then the local headers
//! walked from the start, issue 14), and the encryption marks of an
//! OpenDocument manifest.

use super::archive::{Counting, Stop, duplicate_names, encrypted_entry, push_entry, read_capped};
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
