//! Outlook `.msg` files ([MS-OXMSG]): an OLE compound file whose streams
//! are MAPI properties (`__substg1.0_<id><type>`). The bodies (plain text,
//! HTML, compressed RTF) and every attachment (`__attach_version1.0_#…`
//! storages: `PR_ATTACH_DATA_BIN` with `PR_ATTACH_LONG_FILENAME`, then
//! `PR_ATTACH_FILENAME`, then `PR_DISPLAY_NAME`, and `PR_ATTACH_MIME_TAG`)
//! are walked; an attached message (`PR_ATTACH_DATA_OBJ` storage,
//! [MS-OXMSG] §2.2.2.1) is walked as a message, to any depth the limits
//! allow. Compressed RTF ([MS-OXRTFCP]) is decompressed here, for TNEF too.

use crate::decode::{decompress_rtf, utf16le};
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
