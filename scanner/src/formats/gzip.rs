//! gzip, member by member (RFC 1952).

use super::archive::{Stop, push_entry, read_capped};
use crate::report::{Finding, FindingKind, NameRole, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, take_entry};
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// A `BufRead` over a byte slice that tells how far it has been consumed:
/// `flate2`'s `bufread` decoders consume exactly one gzip member, so the
/// next one starts there.
struct SliceReader<'a> {
    bytes: &'a [u8],
    at: Rc<Cell<usize>>,
}

impl Read for SliceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.bytes[self.at.get()..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at.set(self.at.get() + n);
        Ok(n)
    }
}

impl io::BufRead for SliceReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(&self.bytes[self.at.get()..])
    }
    fn consume(&mut self, n: usize) {
        self.at.set((self.at.get() + n).min(self.bytes.len()));
    }
}

/// Members read from one gzip file before the rest is left unread.
const MAX_GZIP_MEMBERS: usize = 64;

/// A gzip file, member by member (RFC 1952 §2.2: "a series of members").
/// `gunzip` writes the members one after the other, so their concatenation
/// is the file and is scanned under the file's name; a tool that reads
/// only the first member sees less, so from the second on each member is
/// also scanned alone, and their number is an `archive_ambiguity`
/// finding. Bytes after the last member (`gunzip` ignores them, other
/// tools open them as what they are) are scanned too, and are a finding.
pub(crate) fn walk_gzip(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    if !take_entry(w, findings) {
        return;
    }
    let default_name = || {
        let parent = obj.filename.as_deref().unwrap_or("data.gz");
        let base = parent.rsplit(['/', '\\']).next().unwrap_or(parent);
        match base.rsplit_once('.') {
            Some((stem, "tgz")) => format!("{stem}.tar"),
            Some((stem, _)) => stem.to_string(),
            None => format!("{base}.out"),
        }
    };
    let at = Rc::new(Cell::new(0usize));
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stored_name: Option<String> = None;
    while obj.bytes[at.get()..].starts_with(&[0x1f, 0x8b]) && members.len() < MAX_GZIP_MEMBERS {
        let start = at.get();
        let decoder = flate2::bufread::GzDecoder::new(SliceReader {
            bytes: obj.bytes,
            at: at.clone(),
        });
        let stored = decoder
            .header()
            .and_then(|h| h.filename())
            .map(|n| String::from_utf8_lossy(n).into_owned());
        // gunzip saves the file under the outer name without `.gz`
        // (`-N` would use the stored one): the first member takes it, and
        // a stored name that differs is checked too (below).
        let name = match (members.len(), &stored) {
            (0, Some(s)) if obj.filename.is_none() => s.clone(),
            (0, _) => default_name(),
            (_, Some(s)) => s.clone(),
            (n, None) => format!("{}.member{}", default_name(), n + 1),
        };
        if members.is_empty()
            && let Some(s) = stored
                .as_deref()
                .filter(|s| obj.filename.is_some() && *s != name)
        {
            stored_name = Some(s.to_string());
        }
        let a = at.clone();
        match read_capped(w, decoder, move || (a.get() - start) as u64) {
            Ok(bytes) => {
                w.expanded += bytes.len() as u64;
                members.push((name, bytes));
            }
            Err(stop) => {
                push_entry(w, obj, name, Err(stop), children);
                return;
            }
        }
        if at.get() == start {
            break;
        }
    }
    let trailing = &obj.bytes[at.get()..];
    let first = children.len();
    match members.len() {
        0 => {
            findings.push(Finding::new(
                FindingKind::DamagedArchive,
                Sentence::ArchiveDamaged {
                    format: "gzip header".into(),
                    reason: None,
                },
            ));
            return;
        }
        1 => {
            let (name, bytes) = members.pop().unwrap();
            let child = w.child(obj, name, None, &bytes);
            children.push(child);
        }
        n => {
            findings.push(Finding::new(
                FindingKind::ArchiveAmbiguity,
                Sentence::GzipMembers { count: n as u64 },
            ));
            let whole: Vec<u8> = members.iter().flat_map(|m| m.1.iter().copied()).collect();
            if whole.len() as u64 > w.object_cap() {
                let finding = Stop::TooLarge {
                    cap: w.object_cap(),
                }
                .finding(w);
                children.push(w.unread_child(obj, default_name(), finding));
            } else {
                w.expanded += whole.len() as u64;
                let child = w.child(obj, default_name(), None, &whole);
                children.push(child);
            }
            for (name, bytes) in members.into_iter().skip(1) {
                if !take_entry(w, findings) {
                    return;
                }
                let child = w.child(obj, name, None, &bytes);
                children.push(child);
            }
        }
    }
    // The name stored in the header, which `gunzip -N`, 7-Zip and file
    // managers use: judged as well, and the disagreement is a finding.
    if let Some(stored) = stored_name
        && let Some(child) = children.get_mut(first)
    {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::GzipStoredName {
                stored: stored.clone(),
                saved: child
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            },
        ));
        for f in crate::detect::names::name_only_findings(&stored) {
            child
                .findings
                .push(f.in_name(NameRole::StoredName, &stored));
        }
        child.action = w.recompute(child);
    }
    if trailing.iter().any(|&b| b != 0) {
        findings.push(Finding::new(
            FindingKind::ArchiveAmbiguity,
            Sentence::GzipTrailing {
                bytes: trailing.len() as u64,
            },
        ));
        if take_entry(w, findings) {
            w.expanded += trailing.len() as u64;
            let child = w.child(obj, format!("{}.trailing", default_name()), None, trailing);
            children.push(child);
        }
    }
}
