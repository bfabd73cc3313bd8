//! TNEF (`winmail.dat`), the envelope Outlook wraps attachments in. Each
//! attachment's title and data are pulled out and scanned like archive
//! entries; a damaged stream is a finding, never a crash.

use crate::report::{Finding, FindingKind, Part};
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

#[derive(Default)]
struct Attachment<'a> {
    title: Option<String>,
    data: Option<&'a [u8]>,
}

/// Splits a TNEF stream into its attachments.
fn attachments(bytes: &[u8]) -> Result<Vec<Attachment<'_>>, String> {
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
                _ => {}
            }
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
    let list = match attachments(obj.bytes) {
        Ok(list) => list,
        Err(reason) => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                format!("the TNEF (winmail.dat) stream is damaged: {reason}"),
            ));
            return;
        }
    };
    for (n, att) in list.into_iter().enumerate() {
        let Some(data) = att.data else { continue };
        if !crate::archive::take_entry(w, findings) {
            return;
        }
        let name = att.title.unwrap_or_else(|| format!("attachment-{}", n + 1));
        if data.len() as u64 > w.object_cap() {
            let finding = Finding::new(
                FindingKind::SizeExceeded,
                "the attachment is larger than the scan budget allows",
            );
            children.push(w.unread_child(obj, name, finding));
            continue;
        }
        w.expanded += data.len() as u64;
        let child = w.child(obj, name, None, data);
        children.push(child);
    }
}
