//! 7z, read by `sevenz-rust2`.

use super::archive::{Stop, duplicate_names, read_capped};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, out_of_time, take_entry};
use std::io::Cursor;

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
