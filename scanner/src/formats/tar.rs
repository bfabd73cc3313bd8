//! tar, read with the `tar` crate.

use super::archive::{Counting, Stop, duplicate_names, push_entry, read_capped};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, out_of_time, take_entry};
use std::cell::Cell;
use std::rc::Rc;

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
