//! PowerPoint 97–2003 presentations (`.ppt`, `.pps`, `.pot`): the records
//! of the `PowerPoint Document` stream ([MS-PPT] §2.3.1: an 8-byte
//! `RecordHeader`, `recVer` 0xF for a container whose body is more
//! records). Unlike Word and Excel, PowerPoint keeps its VBA project and
//! its embedded OLE objects inside that stream, not as storages of the
//! compound file: a `VBAInfoContainer` (§2.4.10) in the document's
//! `DocInfoListContainer` holds a `VBAInfoAtom` whose `persistIdRef`
//! names a `VbaProjectStg` record, and each embedded object is an
//! `ExOleObjStg` record; both are records of type
//! `RT_ExternalOleObjectStg` (0x1011) whose body is a compound file,
//! zlib-compressed after a u32 size when `recInstance` is 1 (§2.10.34 and
//! following; oletools' `ppt_parser` reads them the same way).
//!
//! The records are found three ways, and the union is walked: the records
//! one after the other from the start of the stream, containers opened;
//! the persist objects PowerPoint itself loads, by offset, through the
//! `Current User` stream's last edit, the chain of `UserEditAtom`s and
//! their `PersistDirectoryAtom`s (§2.3.2–§2.3.4); and, when the first
//! reading meets a record that runs past its container (junk between
//! records, a damaged file PowerPoint repairs), every place a storage
//! record header could start, kept only when its body really is a
//! compound file. Each storage is handed back to the walk as a file,
//! where the OLE checks find a VBA project (`macro`) or an embedded
//! program; a `VBAInfoAtom` that says its project holds data is a
//! `macro` finding on the presentation itself.

use crate::decode::{le16, le32};
use crate::formats::archive::{Counting, Stop, read_capped};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, out_of_time, take_entry};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::rc::Rc;

/// `RT_VbaInfoAtom` ([MS-PPT] §2.4.10.1).
const RT_VBA_INFO_ATOM: u16 = 0x0400;
/// `RT_ExternalOleObjectStg`: `ExOleObjStg`, `VbaProjectStg`, `ExControlStg`.
const RT_EXTERNAL_OLE_OBJECT_STG: u16 = 0x1011;
/// `RT_UserEditAtom` (§2.3.3) and `RT_PersistDirectoryAtom` (§2.3.4).
const RT_USER_EDIT_ATOM: u16 = 0x0ff5;
const RT_PERSIST_DIRECTORY_ATOM: u16 = 0x1772;
/// `RT_CurrentUserAtom` (§2.3.2).
const RT_CURRENT_USER_ATOM: u16 = 0x0ff6;
/// The magic of a compound file ([MS-CFB] §2.2).
const CFB_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Containers nested deeper than this are not opened (PowerPoint's own
/// nest a few levels).
const MAX_DEPTH: usize = 32;
/// Records looked at in one stream, over every reading.
const MAX_RECORDS: usize = 1 << 22;
/// `UserEditAtom`s followed back from the last edit.
const MAX_EDITS: usize = 4096;
/// Places tried by the header search of a damaged stream.
const MAX_GUESSES: usize = 256;

/// One record header.
#[derive(Debug, Clone, Copy)]
struct Header {
    ver: u8,
    instance: u16,
    kind: u16,
    len: u32,
}

fn header(b: &[u8], at: usize) -> Option<Header> {
    let vi = le16(b, at)?;
    Some(Header {
        ver: (vi & 0x0f) as u8,
        instance: vi >> 4,
        kind: le16(b, at + 2)?,
        len: le32(b, at + 4)?,
    })
}

/// A storage record: where it starts, whether its body is compressed,
/// and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Storage {
    offset: usize,
    compressed: bool,
    body: std::ops::Range<usize>,
}

/// What the record readings found in one `PowerPoint Document` stream.
#[derive(Debug, Default)]
struct Found {
    /// `VBAInfoAtom`s: offset, `persistIdRef`, `fHasMacros`.
    vba: Vec<(usize, u32, u32)>,
    /// Storage records, each once.
    storages: Vec<Storage>,
    /// Offsets of the records already read.
    seen: HashSet<usize>,
    /// Records looked at.
    steps: usize,
    /// Whether a record ran past its container or the stream.
    broken: bool,
}

/// Reads the records between `pos` and `end`, opening containers.
fn records(s: &[u8], mut pos: usize, end: usize, depth: usize, found: &mut Found) {
    while pos.saturating_add(8) <= end {
        if found.steps >= MAX_RECORDS {
            return;
        }
        found.steps += 1;
        let Some(h) = header(s, pos) else {
            return;
        };
        let body = pos + 8;
        let Some(body_end) = body.checked_add(h.len as usize).filter(|&e| e <= end) else {
            found.broken = true;
            return;
        };
        if found.seen.insert(pos) {
            match h.kind {
                RT_VBA_INFO_ATOM => {
                    if let (Some(persist), Some(has)) = (le32(s, body), le32(s, body + 4)) {
                        found.vba.push((pos, persist, has));
                    }
                }
                RT_EXTERNAL_OLE_OBJECT_STG => found.storages.push(Storage {
                    offset: pos,
                    compressed: h.instance == 1,
                    body: body..body_end,
                }),
                _ if h.ver == 0x0f && depth < MAX_DEPTH => {
                    records(s, body, body_end, depth + 1, found);
                }
                _ => {}
            }
        }
        pos = body_end;
    }
}

/// The offsets of the persist objects PowerPoint loads, by persist id: the
/// persist directories of the last edit and of each edit before it (the
/// newest entry of an id wins), from `offsetToCurrentEdit` (§2.3.2).
fn persist_directory(s: &[u8], current_edit: u32) -> HashMap<u32, usize> {
    let mut map = HashMap::new();
    let mut visited = HashSet::new();
    let mut edit = current_edit as usize;
    while visited.len() < MAX_EDITS && visited.insert(edit) {
        if header(s, edit).is_none_or(|h| h.kind != RT_USER_EDIT_ATOM) {
            break;
        }
        let (Some(last), Some(dir)) = (le32(s, edit + 16), le32(s, edit + 20)) else {
            break;
        };
        let dir = dir as usize;
        if let Some(d) = header(s, dir).filter(|d| d.kind == RT_PERSIST_DIRECTORY_ATOM) {
            let end = (dir + 8).saturating_add(d.len as usize).min(s.len());
            let mut i = dir + 8;
            // PersistDirectoryEntry: persistId (20 bits), cPersist (12
            // bits), then cPersist offsets.
            while let Some(head) = le32(s, i).filter(|_| i + 4 <= end) {
                let (first, count) = (head & 0xf_ffff, head >> 20);
                for k in 0..count {
                    let at = i + 4 + 4 * k as usize;
                    if at + 4 > end {
                        break;
                    }
                    if let Some(offset) = le32(s, at) {
                        map.entry(first + k).or_insert(offset as usize);
                    }
                }
                i += 4 + 4 * count as usize;
            }
        }
        if last == 0 {
            break;
        }
        edit = last as usize;
    }
    map
}

/// `offsetToCurrentEdit` of a `Current User` stream's `CurrentUserAtom`.
fn current_edit(current_user: &[u8]) -> Option<u32> {
    let h = header(current_user, 0)?;
    (h.kind == RT_CURRENT_USER_ATOM).then(|| le32(current_user, 16))?
}

/// Every record reading of one `PowerPoint Document` stream `s`
/// (`current_edit`: from its `Current User` stream, when there is one),
/// and the persist directory.
fn read_stream(s: &[u8], current_edit: Option<u32>) -> (Found, HashMap<u32, usize>) {
    let mut found = Found::default();
    records(s, 0, s.len(), 0, &mut found);
    let persist = current_edit
        .map(|e| persist_directory(s, e))
        .unwrap_or_default();
    let mut offsets: Vec<usize> = persist.values().copied().collect();
    offsets.sort_unstable();
    for at in offsets {
        if let Some(h) = header(s, at)
            && let Some(end) = (at + 8)
                .checked_add(h.len as usize)
                .filter(|&e| e <= s.len())
        {
            records(s, at, end, 0, &mut found);
        }
    }
    (found, persist)
}

/// Storage records found by their header alone, in a stream whose records
/// do not chain (junk between records): `recType` 0x1011 with `recVer` 0
/// and `recInstance` 0 or 1, a length within the stream; judged later by
/// their content, and kept only when it is a compound file.
fn guessed_storages(s: &[u8], found: &Found) -> Vec<Storage> {
    let mut out = Vec::new();
    let needle = RT_EXTERNAL_OLE_OBJECT_STG.to_le_bytes();
    for at in memchr::memmem::find_iter(s, &needle) {
        if out.len() >= MAX_GUESSES {
            break;
        }
        let Some(pos) = at.checked_sub(2) else {
            continue;
        };
        let Some(h) = header(s, pos) else { continue };
        if h.ver != 0 || h.instance > 1 || found.seen.contains(&pos) {
            continue;
        }
        if let Some(end) = (pos + 8)
            .checked_add(h.len as usize)
            .filter(|&e| e <= s.len())
        {
            out.push(Storage {
                offset: pos,
                compressed: h.instance == 1,
                body: pos + 8..end,
            });
        }
    }
    out
}

/// The compound file a storage record holds, read under the walker's caps.
fn storage_bytes(w: &Walker<'_>, s: &[u8], st: &Storage) -> Result<Vec<u8>, Stop> {
    let body = &s[st.body.clone()];
    if !st.compressed {
        let cap = w.object_cap();
        if body.len() as u64 > cap {
            return Err(Stop::TooLarge { cap });
        }
        return Ok(body.to_vec());
    }
    // A u32 decompressed size (not trusted), then a zlib stream.
    let data = body
        .get(4..)
        .ok_or_else(|| Stop::Damaged("the record is shorter than its size field".into()))?;
    let consumed = Rc::new(Cell::new(0u64));
    let reader = flate2::read::ZlibDecoder::new(Counting {
        inner: data,
        read: consumed.clone(),
    });
    read_capped(w, reader, move || consumed.get())
}

/// Walks the `PowerPoint Document` streams of a compound file (the
/// presentation's own, and those of presentations embedded in its
/// storages): a `macro` finding for a `VBAInfoAtom` whose project holds
/// data, and every storage record handed back to the walk as a file
/// (`VbaProjectStg-<offset>` for the project a `VBAInfoAtom` names,
/// `ExOleObjStg-<offset>` for the others). A storage that cannot be
/// decompressed is an [`FindingKind::UnreadableContainer`] finding; one
/// past the caps, a budget finding; the budgets of entries and time are
/// the walk's.
pub(crate) fn walk<F: Read + Seek>(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    file: &mut cfb::CompoundFile<F>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let streams: Vec<PathBuf> = file
        .walk()
        .filter(|e| e.is_stream() && e.name() == "PowerPoint Document")
        .map(|e| e.path().to_path_buf())
        .collect();
    for path in streams {
        if out_of_time(w, findings) {
            return;
        }
        let cap = w.object_cap();
        let mut stream = Vec::new();
        let read = file
            .open_stream(&path)
            .and_then(|s| s.take(cap + 1).read_to_end(&mut stream));
        let label = path.display().to_string();
        if let Err(e) = read {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::StreamUnreadable {
                    stream: label,
                    reason: e.to_string(),
                },
            ));
            continue;
        }
        if stream.len() as u64 > cap {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::StreamPastBudget { stream: label },
            ));
            continue;
        }
        let user_path = path.with_file_name("Current User");
        let mut user = Vec::new();
        let edit = file
            .open_stream(&user_path)
            .and_then(|s| s.take(4096).read_to_end(&mut user))
            .ok()
            .and_then(|_| current_edit(&user));
        walk_stream(w, obj, &stream, edit, findings, children);
    }
}

/// [`walk`] for one stream's bytes.
fn walk_stream(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    s: &[u8],
    edit: Option<u32>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let (found, persist) = read_stream(s, edit);
    let projects: HashSet<usize> = found
        .vba
        .iter()
        .filter_map(|(_, id, _)| persist.get(id).copied())
        .collect();
    if let Some((offset, _, _)) = found.vba.iter().find(|(_, _, has)| *has == 1) {
        findings.push(Finding::new(
            FindingKind::OleMacros,
            Sentence::PptVbaProject {
                offset: *offset as u64,
            },
        ));
    }
    let guessed = if found.broken {
        guessed_storages(s, &found)
    } else {
        Vec::new()
    };
    let structural = found.storages.iter().map(|st| (st, true));
    for (st, sure) in structural.chain(guessed.iter().map(|st| (st, false))) {
        if out_of_time(w, findings) || !take_entry(w, findings) {
            return;
        }
        let name = if projects.contains(&st.offset) {
            format!("VbaProjectStg-{}", st.offset)
        } else {
            format!("ExOleObjStg-{}", st.offset)
        };
        match storage_bytes(w, s, st) {
            Ok(data) if sure || data.starts_with(CFB_MAGIC) => {
                w.expanded += data.len() as u64;
                children.push(w.child(obj, name, None, &data));
            }
            Ok(_) => {}
            Err(Stop::Damaged(reason)) if sure => findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::PptStorageUnreadable {
                    offset: st.offset as u64,
                    reason,
                },
            )),
            Err(Stop::Damaged(_)) => {}
            Err(stop) => children.push(w.unread_child(obj, name, stop.finding(w))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ver: u8, instance: u16, kind: u16, body: &[u8]) -> Vec<u8> {
        let mut v = (u16::from(ver) | instance << 4).to_le_bytes().to_vec();
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        v
    }

    fn vba_info(persist: u32, has: u32) -> Vec<u8> {
        let atom = rec(
            2,
            0,
            RT_VBA_INFO_ATOM,
            &[persist.to_le_bytes(), has.to_le_bytes(), 2u32.to_le_bytes()].concat(),
        );
        rec(0x0f, 1, 0x03ff, &atom)
    }

    #[test]
    fn records_are_found_inside_containers() {
        let info = rec(0x0f, 0, 0x07d0, &vba_info(2, 1));
        let doc = rec(
            0x0f,
            0,
            0x03e8,
            &[rec(1, 0, 0x03e9, &[0; 40]), info].concat(),
        );
        let stg = rec(0, 0, RT_EXTERNAL_OLE_OBJECT_STG, b"storage");
        let s = [doc.clone(), stg].concat();
        let (found, _) = read_stream(&s, None);
        assert_eq!(found.vba.len(), 1);
        assert_eq!((found.vba[0].1, found.vba[0].2), (2, 1));
        assert_eq!(found.storages.len(), 1);
        assert_eq!(found.storages[0].offset, doc.len());
        assert!(!found.broken);
        // Cut anywhere: never a panic, never a record past the end.
        for cut in 0..s.len() {
            let (found, _) = read_stream(&s[..cut], None);
            assert!(found.storages.iter().all(|st| st.body.end <= cut));
        }
    }

    #[test]
    fn persist_objects_are_found_by_offset_behind_junk() {
        // Junk first: the records do not chain from the start.
        let junk = vec![0xffu8; 13];
        let stg = rec(0, 0, RT_EXTERNAL_OLE_OBJECT_STG, b"project");
        let stg_at = junk.len();
        let mut s = [junk, stg].concat();
        let dir_at = s.len();
        let entry = 1u32 | 1 << 20; // persist id 1, one offset
        s.extend(rec(
            0,
            0,
            RT_PERSIST_DIRECTORY_ATOM,
            &[entry.to_le_bytes(), (stg_at as u32).to_le_bytes()].concat(),
        ));
        let edit_at = s.len();
        let mut edit = vec![0u8; 28];
        edit[12..16].copy_from_slice(&(dir_at as u32).to_le_bytes()); // offsetPersistDirectory at +20 of the record
        s.extend(rec(0, 0, RT_USER_EDIT_ATOM, &edit));
        let (found, persist) = read_stream(&s, Some(edit_at as u32));
        assert_eq!(persist.get(&1), Some(&stg_at));
        assert!(
            found.storages.iter().any(|st| st.offset == stg_at),
            "{found:?}"
        );
        // A loop in the chain of edits ends.
        let mut looped = s.clone();
        looped[edit_at + 8 + 8..edit_at + 8 + 12].copy_from_slice(&(edit_at as u32).to_le_bytes());
        let _ = read_stream(&looped, Some(edit_at as u32));
    }
}
