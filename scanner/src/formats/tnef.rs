//! TNEF (`winmail.dat`, [MS-OXTNEF]), the envelope Outlook wraps
//! attachments in. Each attachment's data (`attAttachData`) is scanned like
//! an archive entry, named as Outlook names it: from its MAPI property
//! block (`attAttachment`) `PR_ATTACH_LONG_FILENAME`, then
//! `PR_DISPLAY_NAME`, the 8.3 `attAttachTitle` only as a last resort; its
//! `PR_ATTACH_MIME_TAG` is its declared type. An attached message
//! (`PR_ATTACH_DATA_OBJ`, attach method 5) is a TNEF stream of its own,
//! walked recursively; the message's compressed RTF body
//! (`PR_RTF_COMPRESSED` in `attMsgProps`) is decompressed and walked as
//! RTF. A damaged stream is a finding, never a crash.

use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker};

const SIGNATURE: u32 = 0x223e_9f78;
/// Level of attachment attributes.
const LEVEL_ATTACHMENT: u8 = 2;
/// `attAttachRendData`: starts a new attachment.
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
/// `attAttachTitle`: the 8-bit file name.
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
/// `attAttachData`: the file's bytes.
const ATT_ATTACH_DATA: u32 = 0x0006_800f;
/// `attAttachment`: the attachment's MAPI properties.
const ATT_ATTACHMENT: u32 = 0x0006_9005;
/// `attMsgProps`: the message's MAPI properties.
const ATT_MSG_PROPS: u32 = 0x0006_9003;

#[derive(Default)]
struct Attachment<'a> {
    title: Option<String>,
    data: Option<&'a [u8]>,
    /// `PR_ATTACH_LONG_FILENAME`, then `PR_DISPLAY_NAME`.
    long_name: Option<String>,
    display_name: Option<String>,
    mime_tag: Option<String>,
    /// An attached message: a TNEF stream of its own.
    embedded: Option<&'a [u8]>,
}

/// A MAPI property value of interest.
enum Value<'a> {
    Text(String),
    Bytes(&'a [u8]),
}

/// Reads a MAPI property list ([MS-OXTNEF] §2.1.3.4: a u32 count, then
/// per property its type and id, a name for named properties, and its
/// values, each variable-size value padded to 4 bytes) and calls `f` with
/// the id and value of each string, binary or object property.
fn mapi_props<'a>(data: &'a [u8], mut f: impl FnMut(u16, Value<'a>)) -> Result<(), String> {
    let u32_at = |i: usize| {
        data.get(i..i + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
            .ok_or("truncated MAPI property list".to_string())
    };
    let count = u32_at(0)?;
    let mut i = 4;
    for _ in 0..count.min(4096) {
        let ptype = u32_at(i)? & 0xffff;
        let id = (u32_at(i)? >> 16) as u16;
        i += 4;
        if id >= 0x8000 {
            // A named property: GUID, kind, then an id or a name.
            let kind = u32_at(i + 16)?;
            i += 20;
            if kind == 1 {
                let len = u32_at(i)? as usize;
                i = i
                    .checked_add(4 + len.div_ceil(4) * 4)
                    .ok_or("bad name length")?;
            } else {
                i += 4;
            }
        }
        let multi = ptype & 0x1000 != 0;
        let base = ptype & 0x0fff;
        let fixed = match base {
            0x0002 | 0x000b => Some(4), // PT_SHORT, PT_BOOLEAN (padded to 4)
            0x0003 | 0x0004 | 0x000a => Some(4),
            0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => Some(8),
            0x0048 => Some(16), // PT_CLSID
            0x001e | 0x001f | 0x0102 | 0x000d => None,
            other => return Err(format!("unknown MAPI property type {other:#06x}")),
        };
        let values = if multi || fixed.is_none() {
            let n = u32_at(i)?;
            i += 4;
            n
        } else {
            1
        };
        for _ in 0..values.min(4096) {
            match fixed {
                Some(size) => i += size,
                None => {
                    let len = u32_at(i)? as usize;
                    let v = data
                        .get(i + 4..(i + 4).checked_add(len).ok_or("bad length")?)
                        .ok_or("a MAPI value runs past the end")?;
                    i += 4 + len.div_ceil(4) * 4;
                    match base {
                        0x001e => {
                            let t = v.split(|&b| b == 0).next().unwrap_or_default();
                            f(id, Value::Text(t.iter().map(|&b| b as char).collect()));
                        }
                        0x001f => {
                            let t = crate::decode::utf16le(v);
                            f(id, Value::Text(t.trim_end_matches('\0').to_string()));
                        }
                        _ => f(id, Value::Bytes(v)),
                    }
                }
            }
        }
    }
    Ok(())
}

/// Splits a TNEF stream into its attachments; the message's compressed RTF
/// body goes to `rtf`.
fn attachments<'a>(
    bytes: &'a [u8],
    rtf: &mut Option<&'a [u8]>,
) -> Result<Vec<Attachment<'a>>, String> {
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
    };
    if u32_at(0) != Some(SIGNATURE) {
        return Err("bad signature".into());
    }
    let mut out: Vec<Attachment<'_>> = Vec::new();
    let mut i = 6; // signature and legacy key
    while i < bytes.len() {
        let level = bytes[i];
        let (Some(id), Some(len)) = (u32_at(i + 1), u32_at(i + 5)) else {
            return Err(format!("truncated attribute header at offset {i}"));
        };
        let start = i + 9;
        let end = start
            .checked_add(len as usize)
            .filter(|&e| e + 2 <= bytes.len())
            .ok_or_else(|| format!("attribute at offset {i} claims {len} bytes past the end"))?;
        let data = &bytes[start..end];
        if level == LEVEL_ATTACHMENT {
            match id {
                ATT_ATTACH_REND_DATA => out.push(Attachment::default()),
                ATT_ATTACH_TITLE => {
                    if out.is_empty() {
                        out.push(Attachment::default());
                    }
                    let name = data.split(|&b| b == 0).next().unwrap_or_default();
                    out.last_mut().unwrap().title = Some(name.iter().map(|&b| b as char).collect());
                }
                ATT_ATTACH_DATA => {
                    if out.is_empty() {
                        out.push(Attachment::default());
                    }
                    out.last_mut().unwrap().data = Some(data);
                }
                ATT_ATTACHMENT => {
                    if out.is_empty() {
                        out.push(Attachment::default());
                    }
                    let att = out.last_mut().unwrap();
                    mapi_props(data, |id, v| match (id, v) {
                        (0x3707, Value::Text(t)) if !t.is_empty() => att.long_name = Some(t),
                        (0x3001, Value::Text(t)) if !t.is_empty() => att.display_name = Some(t),
                        (0x370e, Value::Text(t)) if !t.is_empty() => {
                            att.mime_tag = Some(t.to_ascii_lowercase())
                        }
                        // PR_ATTACH_DATA_OBJ: a 16-byte interface id, then the
                        // attached message as TNEF.
                        (0x3701, Value::Bytes(b)) if b.len() > 16 => att.embedded = Some(&b[16..]),
                        _ => {}
                    })?;
                }
                _ => {}
            }
        } else if id == ATT_MSG_PROPS {
            mapi_props(data, |id, v| {
                if let (0x1009, Value::Bytes(b)) = (id, v) {
                    *rtf = Some(b);
                }
            })?;
        }
        i = end + 2; // checksum
    }
    Ok(out)
}

/// Scans the attachments of a TNEF stream.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let mut rtf = None;
    let list = match attachments(obj.bytes, &mut rtf) {
        Ok(list) => list,
        Err(reason) => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "TNEF (winmail.dat)".into(),
                    reason: Some(reason.to_string()),
                },
            ));
            return;
        }
    };
    if let Some(compressed) = rtf {
        match crate::decode::decompress_rtf(compressed, w.object_cap()) {
            Ok(body) => {
                w.expanded += body.len() as u64;
                let part = w.inspect(Object {
                    path: format!("{}/body.rtf", obj.path),
                    filename: None,
                    declared_type: None,
                    bytes: &body,
                    depth: obj.depth + 1,
                    is_file: false,
                });
                children.push(part);
            }
            Err(e) => findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::CompressedRtf {
                    reason: e.to_string(),
                },
            )),
        }
    }
    for (n, att) in list.into_iter().enumerate() {
        let name = att
            .long_name
            .or(att.display_name)
            .or(att.title)
            .unwrap_or_else(|| format!("attachment-{}", n + 1));
        // An attachment may carry both its data and an attached message:
        // Outlook shows whichever its method says, so both are walked.
        for data in [att.data, att.embedded].into_iter().flatten() {
            if !crate::walk::take_entry(w, findings) {
                return;
            }
            if data.len() as u64 > w.object_cap() {
                let finding = Finding::new(
                    FindingKind::SizeExceeded,
                    Sentence::PastBudget { cap: None },
                );
                children.push(w.unread_child(obj, name.clone(), finding));
                continue;
            }
            w.expanded += data.len() as u64;
            let child = w.child(obj, name.clone(), att.mime_tag.clone(), data);
            children.push(child);
        }
    }
}
