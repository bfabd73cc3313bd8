//! RTF as a container: the OLE objects of `\object` groups, whose
//! `\objdata` holds an OLE1 object ([MS-OLEDS] §2.2.4 `ObjectHeader` then
//! native data) in hexadecimal.
//!
//! Word reads `\objdata` leniently, and exploit builders use every bit of
//! it (oletools' `rtfobj` documents the tricks): white space and any other
//! byte between the hex digits are skipped, `\bin N` inserts N raw bytes,
//! groups nested inside are read through unless they are ignorable
//! destinations (`{\*\…}`), and control words of any length are skipped.
//! Word also opens RTF named `.doc` or `.docx`: the walk finds RTF by its
//! content (`{\rt`), never by its name.
//!
//! Each object becomes a file to walk: an OLE1 `Package` gives its file
//! name and bytes ([`crate::formats::ole::package`]), any other class its native
//! data (an OLE2 compound file goes to the OLE checks). An Equation Editor
//! object is a finding of its own.

use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker};

/// Groups nested deeper than this are counted, not kept (Word itself
/// stops reading far sooner).
const MAX_GROUP_DEPTH: usize = 1024;

/// One `\objdata` decoded to bytes.
struct ObjData {
    bytes: Vec<u8>,
    /// The decoded data reached the size cap and was cut.
    truncated: bool,
}

/// Decodes every `\objdata` destination of `rtf`, each to at most `cap`
/// bytes, at most `max_objects` of them.
fn objdata(rtf: &[u8], cap: u64, max_objects: usize) -> Vec<ObjData> {
    // Per open group: whether it collects object data, whether it is
    // skipped (an ignorable destination inside object data).
    #[derive(Clone, Copy, Default)]
    struct Group {
        collect: bool,
        skip: bool,
        /// Index in `out` of the object this group collects.
        object: usize,
        /// This group opened the object (its end ends the object).
        owner: bool,
    }
    let mut out: Vec<ObjData> = Vec::new();
    let mut stack: Vec<Group> = vec![Group::default()];
    let mut deeper = 0usize;
    let mut nibble: Option<u8> = None;
    let mut group_start = false;
    let mut i = 0;
    let push = |out: &mut Vec<ObjData>, index: usize, byte: u8| {
        if let Some(o) = out.get_mut(index) {
            if (o.bytes.len() as u64) < cap {
                o.bytes.push(byte);
            } else {
                o.truncated = true;
            }
        }
    };
    while i < rtf.len() {
        let b = rtf[i];
        let top = *stack.last().expect("the outer group is never popped");
        match b {
            b'{' => {
                // Past MAX_GROUP_DEPTH, groups are only counted: memory
                // stays bounded whatever the nesting.
                if stack.len() < MAX_GROUP_DEPTH {
                    stack.push(Group {
                        owner: false,
                        ..top
                    });
                } else {
                    deeper += 1;
                }
                group_start = true;
                i += 1;
                continue;
            }
            b'}' => {
                if deeper > 0 {
                    deeper -= 1;
                } else if stack.len() > 1 {
                    stack.pop();
                }
                nibble = None;
                i += 1;
            }
            b'\\' => {
                let start = i + 1;
                let mut j = start;
                while j < rtf.len() && rtf[j].is_ascii_alphabetic() {
                    j += 1;
                }
                if j == start {
                    // A control symbol: `\*` marks an ignorable destination.
                    if rtf.get(start) == Some(&b'*') && group_start && top.collect && deeper == 0 {
                        stack.last_mut().expect("a group").skip = true;
                    }
                    i = start + 1;
                    if rtf.get(start) == Some(&b'\'') {
                        i += 2; // `\'hh` is a text byte, not object data
                    }
                    group_start = group_start && rtf.get(start) == Some(&b'*');
                    continue;
                }
                let word = &rtf[start..j];
                let num_start = j;
                if j < rtf.len() && rtf[j] == b'-' {
                    j += 1;
                }
                while j < rtf.len() && rtf[j].is_ascii_digit() && j - num_start < 10 {
                    j += 1;
                }
                let param: Option<u64> = std::str::from_utf8(&rtf[num_start..j])
                    .ok()
                    .and_then(|s| s.parse().ok());
                if j < rtf.len() && rtf[j] == b' ' {
                    j += 1;
                }
                i = j;
                group_start = false;
                if word == b"objdata" && !top.skip && out.len() < max_objects {
                    out.push(ObjData {
                        bytes: Vec::new(),
                        truncated: false,
                    });
                    let g = stack.last_mut().expect("a group");
                    g.collect = true;
                    g.owner = true;
                    g.object = out.len() - 1;
                    nibble = None;
                } else if word == b"bin" {
                    // `\binN`: N raw bytes follow.
                    let n = param.unwrap_or(0).min((rtf.len() - i) as u64) as usize;
                    if top.collect && !top.skip {
                        for &raw in &rtf[i..i + n] {
                            push(&mut out, top.object, raw);
                        }
                    }
                    i += n;
                }
                continue;
            }
            _ => {
                if top.collect
                    && !top.skip
                    && let Some(v) = (b as char).to_digit(16)
                {
                    match nibble.take() {
                        Some(high) => push(&mut out, top.object, high << 4 | v as u8),
                        None => nibble = Some(v as u8),
                    }
                }
                i += 1;
            }
        }
        group_start = false;
    }
    out
}

/// Walks the OLE objects of an RTF document.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let objects = objdata(obj.bytes, w.object_cap(), w.limits.max_archive_entries);
    for (n, data) in objects.into_iter().enumerate() {
        if w.check_time() {
            return;
        }
        w.entries += 1;
        if data.truncated {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::RtfObjectCut {
                    number: n as u64 + 1,
                },
            ));
        }
        if data.bytes.is_empty() {
            continue;
        }
        crate::formats::ole::ole1_object(
            w,
            obj,
            &data.bytes,
            &format!("object{}", n + 1),
            findings,
            children,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::objdata;

    #[test]
    fn objdata_is_read_as_word_reads_it() {
        let plain = objdata(br"{\rtf1{\object\objemb{\*\objdata 0102 03ff}}}", 100, 10);
        assert_eq!(plain[0].bytes, [1, 2, 3, 0xff]);
        // Junk between digits, an ignorable group inside, a long control word,
        // `\bin`, and the text after the group left alone.
        let tricky = objdata(
            b"{\\rtf1{\\object{\\*\\objdata 01 z0\r\n2{\\*\\junk 9999}\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 03\\bin2 \x04\x05 06}}abcdef}",
            100,
            10,
        );
        assert_eq!(tricky[0].bytes, [1, 2, 3, 4, 5, 6]);
        assert_eq!(tricky.len(), 1);
        let capped = objdata(br"{\*\objdata 010203040506}", 2, 10);
        assert!(capped[0].truncated && capped[0].bytes == [1, 2]);
        assert_eq!(objdata(br"{\*\objdata 01}{\*\objdata 02}", 9, 1).len(), 1);
        // Nesting past the kept depth costs no memory and still closes.
        let deep = [
            &b"{\\*\\objdata 0a"[..],
            &b"{".repeat(100_000),
            &b"}".repeat(100_000),
            b"0b}",
        ]
        .concat();
        assert_eq!(objdata(&deep, 9, 1)[0].bytes, [0x0a, 0x0b]);
    }
}
