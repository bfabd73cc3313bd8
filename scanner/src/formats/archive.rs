//! What the archive readers ([`zip`](super::zip), [`gzip`](super::gzip),
//! [`tar`](super::tar), [`sevenz`](super::sevenz)) share: reading an entry
//! under the caps, and the findings for an entry that could not be read.
//!
//! Declared sizes are never trusted to be small: every entry is read through
//! a cap (`Limits::max_object_size` and what is left of
//! `max_expanded_bytes`), and the compression ratio is measured on the bytes
//! actually consumed while reading, so a bomb stops after at most
//! `ratio_floor` bytes past the point where it gives itself away. The
//! budget of entries and of time is the walk's
//! ([`take_entry`](crate::walk::take_entry), [`out_of_time`](crate::walk::out_of_time)).

use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker};
use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// Why reading an entry stopped before its end.
pub(super) enum Stop {
    /// It is larger than the bytes the budgets still allow.
    TooLarge { cap: u64 },
    /// It expands more than `max_entry_ratio` times what it consumed.
    Ratio { out: u64, packed: u64 },
    /// The decompressor failed.
    Damaged(String),
}

impl Stop {
    pub(super) fn finding(self, w: &Walker<'_>) -> Finding {
        match self {
            Stop::TooLarge { cap } => Finding::new(
                FindingKind::SizeExceeded,
                Sentence::PastBudget { cap: Some(cap) },
            ),
            Stop::Ratio { out, packed } => Finding::new(
                FindingKind::RatioExceeded,
                Sentence::RatioExceeded {
                    expanded: out,
                    packed,
                    limit: w.limits.max_entry_ratio as u64,
                },
            ),
            Stop::Damaged(reason) => Finding::new(
                FindingKind::DamagedArchive,
                Sentence::EntryUndecompressable {
                    reason,
                    method: None,
                },
            ),
        }
    }
}

/// Reads `reader` to its end under the walker's caps. `consumed` tells how
/// many packed bytes the decompressor has pulled so far.
pub(super) fn read_capped(
    w: &Walker<'_>,
    mut reader: impl Read,
    consumed: impl Fn() -> u64,
) -> Result<Vec<u8>, Stop> {
    let cap = w.object_cap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Damaged(e.to_string())),
        };
        if out.len() as u64 + n as u64 > cap {
            return Err(Stop::TooLarge { cap });
        }
        out.extend_from_slice(&buf[..n]);
        let produced = out.len() as u64;
        let packed = consumed().max(1);
        if produced > w.limits.ratio_floor
            && produced > packed.saturating_mul(w.limits.max_entry_ratio)
        {
            return Err(Stop::Ratio {
                out: produced,
                packed,
            });
        }
    }
    Ok(out)
}

/// Counts the bytes read through a reader (the packed bytes a decompressor
/// pulls); seeking passes through.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Inspects an entry that was read, or records why it could not be.
pub(super) fn push_entry(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    name: String,
    read: Result<Vec<u8>, Stop>,
    children: &mut Vec<Part>,
) {
    let child = match read {
        Ok(bytes) => {
            w.expanded += bytes.len() as u64;
            w.child(obj, name, None, &bytes)
        }
        Err(stop) => {
            let finding = stop.finding(w);
            w.unread_child(obj, name, finding)
        }
    };
    children.push(child);
}

/// An entry that cannot be read without its password.
pub(super) fn encrypted_entry(w: &Walker<'_>, obj: &Object<'_>, name: String) -> Part {
    w.unread_child(
        obj,
        name,
        Finding::new(FindingKind::EncryptedArchive, Sentence::EntryEncrypted),
    )
}

/// Two entries of one name: a reader that keys entries by name (or
/// extracts them one over the other) keeps one, a listing shows both.
pub(super) fn duplicate_names<'a>(
    names: impl Iterator<Item = &'a str>,
    findings: &mut Vec<Finding>,
) {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    if let Some(dup) = names.windows(2).find(|p| p[0] == p[1]) {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::DuplicateEntry {
                name: dup[0].to_string(),
            },
        ));
    }
}
