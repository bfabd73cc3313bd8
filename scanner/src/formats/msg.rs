//! Outlook `.msg` files ([MS-OXMSG]): an OLE compound file whose streams
//! are MAPI properties (`__substg1.0_<id><type>`). The bodies (plain text,
//! HTML, compressed RTF) and every attachment (`__attach_version1.0_#…`
//! storages: `PR_ATTACH_DATA_BIN` with `PR_ATTACH_LONG_FILENAME`, then
//! `PR_ATTACH_FILENAME`, then `PR_DISPLAY_NAME`, and `PR_ATTACH_MIME_TAG`)
//! are walked; an attached message (`PR_ATTACH_DATA_OBJ` storage,
//! [MS-OXMSG] §2.2.2.1) is walked as a message, to any depth the limits
//! allow. Compressed RTF ([MS-OXRTFCP]) is decompressed here, for TNEF too.

use crate::report::{Finding, FindingKind, Part};
use crate::sentence::{Counted, Nested, Sentence};
use crate::walk::{Object, Walker};
use cfb::CompoundFile;
use std::io::Seek;
use std::path::{Path, PathBuf};

/// `PR_ATTACH_DATA_OBJ` (0x3701, PtypObject): an attached message's storage.
const ATTACH_DATA_OBJ: &str = "__substg1.0_3701000D";
/// `PR_ATTACH_DATA_BIN` (0x3701, PtypBinary): an attached file's bytes.
const ATTACH_DATA_BIN: &str = "__substg1.0_37010102";
/// Attachment names, in the order Outlook prefers them: `PR_ATTACH_LONG_FILENAME`,
/// `PR_ATTACH_FILENAME` (8.3), `PR_DISPLAY_NAME`; Unicode then 8-bit.
const ATTACH_NAMES: [&str; 6] = [
    "__substg1.0_3707001F",
    "__substg1.0_3707001E",
    "__substg1.0_3704001F",
    "__substg1.0_3704001E",
    "__substg1.0_3001001F",
    "__substg1.0_3001001E",
];
/// `PR_ATTACH_MIME_TAG`.
const ATTACH_MIME_TAG: [&str; 2] = ["__substg1.0_370E001F", "__substg1.0_370E001E"];
/// `PR_SUBJECT`, to name an attached message.
const SUBJECT: [&str; 2] = ["__substg1.0_0037001F", "__substg1.0_0037001E"];

/// Whether an OLE compound file is an Outlook message: the property stream
/// and MAPI property streams at its root.
pub(crate) fn is_msg<F: Read + Seek>(file: &CompoundFile<F>) -> bool {
    file.is_stream("/__properties_version1.0")
        && file
            .read_root_storage()
            .any(|e| e.name().starts_with("__substg1.0_"))
}

use std::io::Read;

/// Reads a stream of at most `cap` bytes; `None` when absent, `Err` when
/// unreadable or larger.
fn read_stream<F: Read + Seek>(
    file: &mut CompoundFile<F>,
    path: &Path,
    cap: u64,
) -> Option<Result<Vec<u8>, Sentence>> {
    if !file.is_stream(path) {
        return None;
    }
    let mut out = Vec::new();
    let read = file
        .open_stream(path)
        .and_then(|s| s.take(cap + 1).read_to_end(&mut out));
    Some(match read {
        Err(e) => Err(Sentence::StreamUnreadable {
            stream: path.display().to_string(),
            reason: e.to_string(),
        }),
        Ok(_) if out.len() as u64 > cap => Err(Sentence::StreamPastBudget {
            stream: path.display().to_string(),
        }),
        Ok(_) => Ok(out),
    })
}

/// A MAPI string property: `…001F` is UTF-16LE, `…001E` 8-bit (read as
/// Latin-1, which keeps every byte visible).
fn string_property<F: Read + Seek>(
    file: &mut CompoundFile<F>,
    storage: &Path,
    names: &[&str],
) -> Option<String> {
    for name in names {
        if let Some(Ok(bytes)) = read_stream(file, &storage.join(name), 64 * 1024) {
            let s = if name.ends_with("001F") {
                utf16le(&bytes)
            } else {
                bytes.iter().map(|&b| b as char).collect()
            };
            let s = s.trim_end_matches('\0').trim().to_string();
            if !s.is_empty() {
                return Some(s);
            }
        }
    }
    None
}

/// A MAPI Unicode string (`PtypString`, UTF-16LE); a lone surrogate or an
/// odd last byte becomes U+FFFD or is dropped rather than failing.
pub(crate) fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Walks an Outlook message (the compound file of `obj`).
pub(crate) fn walk<F: Read + Seek>(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    file: &mut CompoundFile<F>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    walk_message(w, obj, file, Path::new("/"), findings, children);
}

/// Walks the message whose properties sit in `storage`; its objects are
/// children of `parent`.
fn walk_message<F: Read + Seek>(
    w: &mut Walker<'_>,
    parent: &Object<'_>,
    file: &mut CompoundFile<F>,
    storage: &Path,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let cap = w.object_cap();
    // The bodies: plain text, HTML, compressed RTF (which may embed objects).
    for (stream, name) in [
        ("__substg1.0_1000001F", "body.txt"),
        ("__substg1.0_1000001E", "body.txt"),
        ("__substg1.0_10130102", "body.html"),
        ("__substg1.0_10090102", "body.rtf"),
    ] {
        let bytes = match read_stream(file, &storage.join(stream), cap) {
            None => continue,
            Some(Err(e)) => {
                findings.push(Finding::new(FindingKind::UnreadableContainer, e));
                continue;
            }
            Some(Ok(b)) => b,
        };
        let bytes = if stream.ends_with("001F") {
            utf16le(&bytes).into_bytes()
        } else if name == "body.rtf" {
            match decompress_rtf(&bytes, cap) {
                Ok(rtf) => rtf,
                Err(e) => {
                    findings.push(Finding::new(
                        FindingKind::UnreadableContainer,
                        Sentence::CompressedRtf {
                            reason: e.to_string(),
                        },
                    ));
                    continue;
                }
            }
        } else {
            bytes
        };
        w.expanded += bytes.len() as u64;
        let part = w.inspect(Object {
            path: format!("{}/{name}", parent.path),
            filename: None,
            declared_type: None,
            bytes: &bytes,
            depth: parent.depth + 1,
            is_file: false,
        });
        children.push(part);
    }
    // The attachments, in storage order.
    let mut attachments: Vec<PathBuf> = file
        .read_storage(storage)
        .map(|entries| {
            entries
                .filter(|e| e.is_storage() && e.name().starts_with("__attach_version1.0_#"))
                .map(|e| e.path().to_path_buf())
                .collect()
        })
        .unwrap_or_default();
    attachments.sort();
    for (n, a) in attachments.iter().enumerate() {
        if w.check_time() {
            return;
        }
        w.entries += 1;
        if w.entries > w.limits.max_archive_entries {
            findings.push(Finding::new(
                FindingKind::EntriesExceeded,
                Sentence::TooManyObjects {
                    limit: w.limits.max_archive_entries as u64,
                    of: Counted::Attachments,
                },
            ));
            return;
        }
        let name = string_property(file, a, &ATTACH_NAMES)
            .unwrap_or_else(|| format!("attachment-{}", n + 1));
        let mime = string_property(file, a, &ATTACH_MIME_TAG).map(|m| m.to_ascii_lowercase());
        let inner = a.join(ATTACH_DATA_OBJ);
        if file.is_storage(&inner) {
            let is_message = file.is_stream(inner.join("__properties_version1.0"));
            if !is_message {
                findings.push(Finding::new(
                    FindingKind::UnreadableContainer,
                    Sentence::OutlookOleAttachment { name: name.clone() },
                ));
                continue;
            }
            let subject = string_property(file, &inner, &SUBJECT);
            let label = if name.starts_with("attachment-") {
                format!("{}.msg", subject.unwrap_or(name))
            } else {
                name
            };
            let holder = Object {
                path: format!("{}/{label}", parent.path),
                filename: Some(label.clone()),
                declared_type: mime,
                bytes: &[],
                depth: parent.depth + 1,
                is_file: true,
            };
            if holder.depth + 1 > w.limits.max_archive_depth {
                findings.push(Finding::new(
                    FindingKind::DepthExceeded,
                    Sentence::NestedTooDeep {
                        limit: w.limits.max_archive_depth as u64,
                        of: Nested::Messages,
                    },
                ));
                continue;
            }
            let (mut inner_findings, mut inner_children) = (Vec::new(), Vec::new());
            walk_message(
                w,
                &holder,
                file,
                &inner,
                &mut inner_findings,
                &mut inner_children,
            );
            let part = w.container_part(
                holder,
                "application/vnd.ms-outlook",
                inner_findings,
                inner_children,
            );
            children.push(part);
            continue;
        }
        match read_stream(file, &a.join(ATTACH_DATA_BIN), cap) {
            None => {} // a link or a reference: no bytes here
            Some(Err(e)) => findings.push(Finding::new(FindingKind::UnreadableContainer, e)),
            Some(Ok(bytes)) => {
                w.expanded += bytes.len() as u64;
                children.push(w.child(parent, name, mime, &bytes));
            }
        }
    }
}

/// The dictionary every compressed RTF stream starts from ([MS-OXRTFCP]
/// §2.1.2.1), 207 bytes.
const RTF_PRELOAD: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Decompresses a compressed RTF stream ([MS-OXRTFCP] §2.2: a 16-byte
/// header, then LZ77 runs over a 4 KiB dictionary; `MELA` streams are
/// stored uncompressed), to at most `cap` bytes.
pub(crate) fn decompress_rtf(data: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let u32_at = |i: usize| {
        data.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(comp_size), Some(raw_size), Some(kind)) = (u32_at(0), u32_at(4), u32_at(8)) else {
        return Err("shorter than its header".into());
    };
    let body = data
        .get(16..(comp_size as usize).saturating_add(4).min(data.len()))
        .unwrap_or_default();
    match kind {
        0x414c_454d => {
            // "MELA": stored.
            let n = (raw_size as usize).min(body.len()).min(cap as usize);
            return Ok(body[..n].to_vec());
        }
        0x7546_5a4c => {} // "LZFu"
        other => return Err(format!("unknown compression {other:#x}")),
    }
    let mut dict = [0u8; 4096];
    dict[..RTF_PRELOAD.len()].copy_from_slice(RTF_PRELOAD);
    let mut wpos = RTF_PRELOAD.len();
    let limit = (raw_size as u64).min(cap) as usize;
    let mut out = Vec::with_capacity(limit.min(1 << 20));
    let mut i = 0;
    while i < body.len() {
        let control = body[i];
        i += 1;
        for bit in 0..8 {
            if i >= body.len() || out.len() >= limit {
                return Ok(out);
            }
            if control >> bit & 1 == 0 {
                let b = body[i];
                i += 1;
                out.push(b);
                dict[wpos] = b;
                wpos = (wpos + 1) % 4096;
            } else {
                let Some(pair) = body.get(i..i + 2) else {
                    return Ok(out);
                };
                i += 2;
                let word = u16::from_be_bytes([pair[0], pair[1]]) as usize;
                let offset = word >> 4;
                let len = (word & 0xf) + 2;
                if offset == wpos {
                    return Ok(out); // the end marker
                }
                for k in 0..len {
                    if out.len() >= limit {
                        return Ok(out);
                    }
                    let b = dict[(offset + k) % 4096];
                    out.push(b);
                    dict[wpos] = b;
                    wpos = (wpos + 1) % 4096;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preload_dictionary_is_the_spec_s() {
        assert_eq!(RTF_PRELOAD.len(), 207);
    }

    #[test]
    fn compressed_rtf_example_of_the_spec_decompresses() {
        // [MS-OXRTFCP] §3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
        let compressed: &[u8] = &[
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
            0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
            0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
            0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let out = decompress_rtf(compressed, 1 << 20).unwrap();
        assert_eq!(out, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
        assert!(decompress_rtf(&compressed[..8], 1 << 20).is_err());
        assert_eq!(decompress_rtf(compressed, 5).unwrap().len(), 5);
    }
}
