//! ActiveMime (`.mso`) data: what Word and Excel write for the parts of a
//! document that a web page cannot hold, when they save a "single file web
//! page" (MHTML, the `editdata.mso` part that `<link rel=Edit-Time-Data>`
//! names) or a Word 2003 XML document (the `w:binData` of
//! `w:docSuppData`), and what Outlook writes in some attachments. Word
//! opens such a document under `.doc` and runs the VBA project the data
//! carries.
//!
//! The layout, as oletools' `olevba` reads it (`mso_file_extract`; no
//! public specification): the magic `ActiveMime` at offset 0, a
//! little-endian u16 at offset 0x1E that gives the start of the
//! zlib-compressed content minus 46 (0x32 in every file Word writes,
//! 0x22A in Excel's), the content's size as a u32 at 0x2E, then the
//! content: an OLE compound file (the VBA project storage, or an embedded
//! object's storage). The content is handed back to the walk, where the
//! OLE checks find the VBA project (`macro`).
//!
//! The zlib stream is tried at the offset the header gives, then at 0x32
//! and 0x22A, then at each of the first [`MAX_GUESSES`] places in the first
//! 4 KiB where a zlib header could start; data none of them decodes is a
//! finding (fail closed), as is content past the scan budget.

use crate::detect::sniff::ACTIVEMIME_MAGIC as MAGIC;
use crate::formats::archive::{Counting, Stop, read_capped};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker};
use std::cell::Cell;
use std::rc::Rc;

/// Where the header gives the compressed content's offset (a u16, plus
/// [`OFFSET_BASE`]).
const OFFSET_FIELD: usize = 0x1e;
const OFFSET_BASE: usize = 46;
/// The offsets Word (0x32) and Excel (0x22A) write.
const KNOWN_OFFSETS: [usize; 2] = [0x32, 0x22a];
/// The most places tried past the known offsets, within the first 4 KiB.
const MAX_GUESSES: usize = 16;

/// Walks ActiveMime data: its decompressed content becomes one child
/// (`activemime.bin`); data that cannot be decompressed is an
/// [`FindingKind::UnreadableContainer`] finding, content past the caps a
/// budget finding.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    match content(w, obj.bytes) {
        Ok(data) => {
            w.expanded += data.len() as u64;
            children.push(w.child(obj, "activemime.bin".into(), None, &data));
        }
        Err(Stop::Damaged(reason)) => findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            Sentence::ActiveMimeUnreadable { reason },
        )),
        Err(stop) => findings.push(stop.finding(w)),
    }
}

/// The decompressed content of ActiveMime data `bytes`, read under the
/// walker's caps (`max_object_size`, what is left of
/// `max_expanded_bytes`, `max_entry_ratio`).
pub(super) fn content(w: &Walker<'_>, bytes: &[u8]) -> Result<Vec<u8>, Stop> {
    if !bytes.starts_with(MAGIC) {
        return Err(Stop::Damaged("no ActiveMime header".into()));
    }
    let mut offsets: Vec<usize> = Vec::new();
    if let Some(v) = bytes.get(OFFSET_FIELD..OFFSET_FIELD + 2) {
        offsets.push(usize::from(u16::from_le_bytes([v[0], v[1]])) + OFFSET_BASE);
    }
    offsets.extend(KNOWN_OFFSETS);
    let head = &bytes[..bytes.len().min(4096)];
    offsets.extend(
        (MAGIC.len()..head.len().saturating_sub(1))
            .filter(|&i| zlib_header(head[i], head[i + 1]))
            .take(MAX_GUESSES),
    );
    let mut tried = Vec::new();
    let mut last = "no zlib stream at the offset its header gives".to_string();
    for at in offsets {
        if tried.contains(&at) {
            continue;
        }
        tried.push(at);
        let Some(data) = bytes.get(at..).filter(|d| d.len() >= 2) else {
            continue;
        };
        if !zlib_header(data[0], data[1]) {
            continue;
        }
        let consumed = Rc::new(Cell::new(0u64));
        let reader = flate2::read::ZlibDecoder::new(Counting {
            inner: data,
            read: consumed.clone(),
        });
        match read_capped(w, reader, move || consumed.get()) {
            Ok(out) if !out.is_empty() => return Ok(out),
            Ok(_) => last = format!("the zlib stream at byte {at} is empty"),
            Err(Stop::Damaged(reason)) => last = format!("at byte {at}: {reason}"),
            Err(stop) => return Err(stop),
        }
    }
    Err(Stop::Damaged(last))
}

/// Whether two bytes start a zlib stream (RFC 1950 §2.2: deflate with a
/// window of at most 32 KiB, no preset dictionary, the check bits right).
fn zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0f == 8
        && cmf >> 4 <= 7
        && flg & 0x20 == 0
        && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

#[cfg(test)]
mod tests {
    use super::zlib_header;

    #[test]
    fn zlib_headers_as_rfc_1950_writes_them() {
        for (cmf, flg) in [
            (0x78, 0x01),
            (0x78, 0x5e),
            (0x78, 0x9c),
            (0x78, 0xda),
            (0x48, 0x89),
        ] {
            assert!(zlib_header(cmf, flg), "{cmf:02x} {flg:02x}");
        }
        for (cmf, flg) in [(0x78, 0x00), (0x79, 0x9c), (0x78, 0xbb), (0x88, 0x98)] {
            assert!(!zlib_header(cmf, flg), "{cmf:02x} {flg:02x}");
        }
    }
}
