//! Objects embedded with OLE: OLE1 objects ([MS-OLEDS] §2.2.4, the
//! `\objdata` of RTF), the `Package` object that wraps any file
//! (`\x01Ole10Native` streams of OLE2 documents and of OOXML
//! `oleObject*.bin` parts), the Equation Editor class, and the OLE2
//! compound files that carry them (Word's `ObjectPool`, Excel's `MBD…`
//! storages, Outlook `.msg`, see [`crate::msg`]).
//!
//! Each embedded file is handed back to the walk; what cannot be followed
//! is an [`FindingKind::UnreadableContainer`] finding.

use crate::report::{Finding, FindingKind, Part};
use crate::walk::{Object, Walker};
use std::io::Read as _;

/// `ObjectHeader.FormatID` of an embedded object ([MS-OLEDS] §2.2.4).
const FORMAT_EMBEDDED: u32 = 2;
/// `ObjectHeader.FormatID` of a linked object.
const FORMAT_LINKED: u32 = 1;
/// The Equation Editor 3.0 class id, {0002CE02-0000-0000-C000-000000000046}.
const EQUATION_CLSID: &str = "0002ce02-0000-0000-c000-000000000046";

/// A little-endian reader over a byte slice that fails instead of panicking.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn u16(&mut self) -> Option<u16> {
        let b = self.bytes.get(self.pos..self.pos + 2)?;
        self.pos += 2;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.bytes.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }
    /// A NUL-terminated ANSI string (at most 1 KiB).
    fn cstr(&mut self) -> Option<String> {
        let rest = self.bytes.get(self.pos..)?;
        let end = memchr::memchr(0, &rest[..rest.len().min(1024)])?;
        self.pos += end + 1;
        Some(latin1(&rest[..end]))
    }
    /// `LengthPrefixedAnsiString`: a u32 length counting the NUL, then bytes.
    fn prefixed(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        if len > 4096 {
            return None;
        }
        let b = self.take(len)?;
        Some(latin1(b.strip_suffix(&[0]).unwrap_or(b)))
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The file a `Package` object wraps.
pub(crate) struct Package<'a> {
    /// The names a reader could give the file: the label shown under the
    /// icon, then the base names of the source and temporary paths.
    pub names: Vec<String>,
    pub bytes: &'a [u8],
}

/// Parses `Package` native data (the format oletools' `oleobj` documents):
/// u16 signature, label and source path as C strings, u16 unknown, u16
/// type (3 = embedded file), the temporary path with a u32 length, then the
/// file's size and bytes.
pub(crate) fn package(native: &[u8]) -> Option<Package<'_>> {
    let mut c = Cursor {
        bytes: native,
        pos: 0,
    };
    c.u16()?;
    let label = c.cstr()?;
    let source = c.cstr()?;
    c.u16()?;
    let kind = c.u16()?;
    if kind != 3 {
        return None; // 1 = a link to a file outside: no bytes here
    }
    let temp_len = c.u32()? as usize;
    let temp = latin1(c.take(temp_len.min(4096))?);
    let temp = temp.trim_end_matches('\0').to_string();
    let size = c.u32()? as usize;
    let bytes = c.take(size.min(native.len().saturating_sub(c.pos)))?;
    let base = |p: &str| p.rsplit(['\\', '/']).next().unwrap_or(p).to_string();
    let mut names: Vec<String> = Vec::new();
    for n in [label, base(&temp), base(&source)] {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    Some(Package { names, bytes })
}

/// Hands the file of a `Package` object to the walk, named as its label
/// says; each other name a reader could save it under is checked too (a
/// child per distinct name would scan the bytes twice, so the other names
/// are checked by a name-only finding on the same child).
fn walk_package(w: &mut Walker<'_>, obj: &Object<'_>, pkg: Package<'_>, children: &mut Vec<Part>) {
    w.expanded += pkg.bytes.len() as u64;
    let name = pkg
        .names
        .first()
        .cloned()
        .unwrap_or_else(|| "package".into());
    let mut child = w.child(obj, name, None, pkg.bytes);
    for other in pkg.names.iter().skip(1) {
        child
            .findings
            .extend(crate::walk::name_only_findings(other));
    }
    child.action = w.recompute(&child);
    children.push(child);
}

/// Walks one OLE1 object (RTF `\objdata`): its header, then by class: a
/// `Package` gives a file, an Equation Editor object is a finding, any
/// other class's native data is walked as a file (an OLE2 compound file
/// goes to the OLE checks).
pub(crate) fn ole1_object(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    data: &[u8],
    label: &str,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let mut c = Cursor {
        bytes: data,
        pos: 0,
    };
    let header = (|| {
        let _version = c.u32()?;
        let format = c.u32()?;
        let class = c.prefixed()?;
        Some((format, class))
    })();
    let Some((format, class)) = header else {
        // Not an OLE1 header: an OLE2 file written straight in, or junk.
        if data.starts_with(b"\xd0\xcf\x11\xe0") {
            w.expanded += data.len() as u64;
            children.push(w.child(obj, format!("{label}.bin"), None, data));
        } else {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                format!("{label}: embedded object data without an OLE1 header"),
            ));
        }
        return;
    };
    if class.to_ascii_lowercase().starts_with("equation") {
        findings.push(Finding::new(
            FindingKind::EquationEditor,
            format!("{label}: an Equation Editor object ({class}), the class of CVE-2017-11882"),
        ));
    }
    if format == FORMAT_LINKED {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            format!("{label}: a linked {class} object, which points outside the document"),
        ));
        return;
    }
    let native = (|| {
        if format != FORMAT_EMBEDDED {
            return None;
        }
        c.prefixed()?; // topic
        c.prefixed()?; // item
        let size = c.u32()? as usize;
        c.take(size.min(data.len().saturating_sub(c.pos)))
    })();
    let Some(native) = native else {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            format!("{label}: a {class} object whose header cannot be read (format {format})"),
        ));
        return;
    };
    if class == "Package" {
        match package(native) {
            Some(pkg) => walk_package(w, obj, pkg, children),
            None => findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                format!("{label}: a Package object whose file cannot be read"),
            )),
        }
        return;
    }
    w.expanded += native.len() as u64;
    let name = format!("{label}.{}", class.replace(['/', '\\'], "_"));
    children.push(w.child(obj, name, None, native));
}

/// Walks an OLE2 compound file for what it embeds: every `\x01Ole10Native`
/// stream (a `Package` or other OLE1 native data), every `Package` and
/// `CONTENTS` stream of an embedded object (an OOXML document or a PDF
/// embedded whole), Equation Editor objects; an Outlook message goes to
/// [`crate::msg`]. The streams of the document itself are judged by the
/// OLE checks of `sniff` (VBA storages, class ids), not here.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let Ok(mut file) = cfb::CompoundFile::open(std::io::Cursor::new(obj.bytes)) else {
        findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            "an OLE compound file whose directory cannot be read",
        ));
        return;
    };
    if crate::msg::is_msg(&file) {
        crate::msg::walk(w, obj, &mut file, findings, children);
        return;
    }
    let entries: Vec<(std::path::PathBuf, String, bool, String)> = file
        .walk()
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.name().to_string(),
                e.is_stream(),
                e.clsid().to_string().to_ascii_lowercase(),
            )
        })
        .collect();
    let mut equation_reported = false;
    for (path, name, is_stream, clsid) in entries {
        if w.check_time() {
            return;
        }
        if (clsid == EQUATION_CLSID || name == "Equation Native") && !equation_reported {
            equation_reported = true;
            findings.push(Finding::new(
                FindingKind::EquationEditor,
                format!(
                    "an Equation Editor object ({}), the class of CVE-2017-11882",
                    path.display()
                ),
            ));
        }
        let embedded = name == "\u{1}Ole10Native" || name == "Package" || name == "CONTENTS";
        if !is_stream || !embedded {
            continue;
        }
        w.entries += 1;
        if w.entries > w.limits.max_archive_entries {
            findings.push(Finding::new(
                FindingKind::EntriesExceeded,
                format!(
                    "more than {} embedded objects; the rest were not scanned",
                    w.limits.max_archive_entries
                ),
            ));
            return;
        }
        let cap = w.object_cap();
        let mut bytes = Vec::new();
        let read = file
            .open_stream(&path)
            .and_then(|s| s.take(cap + 1).read_to_end(&mut bytes));
        if let Err(e) = read {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                format!("{}: the stream cannot be read: {e}", path.display()),
            ));
            continue;
        }
        if bytes.len() as u64 > cap {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                format!("{}: larger than the scan budget", path.display()),
            ));
            continue;
        }
        let label = path.display().to_string().replace('\u{1}', "");
        if name == "\u{1}Ole10Native" {
            // A u32 size, then the native data of the object's class.
            let native = bytes.get(4..).unwrap_or_default();
            match package(native) {
                Some(pkg) => walk_package(w, obj, pkg, children),
                None => {
                    w.expanded += native.len() as u64;
                    children.push(w.child(
                        obj,
                        label.trim_start_matches('/').to_string(),
                        None,
                        native,
                    ));
                }
            }
        } else {
            w.expanded += bytes.len() as u64;
            children.push(w.child(obj, label.trim_start_matches('/').to_string(), None, &bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::package;

    /// A `Package` native stream as Packager writes it.
    pub(crate) fn package_bytes(label: &str, temp: &str, data: &[u8]) -> Vec<u8> {
        let mut v = vec![2, 0];
        v.extend_from_slice(label.as_bytes());
        v.push(0);
        v.extend_from_slice(format!("C:\\src\\{label}").as_bytes());
        v.push(0);
        v.extend_from_slice(&[0, 0, 3, 0]);
        v.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
        v.extend_from_slice(temp.as_bytes());
        v.push(0);
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn a_package_gives_its_names_and_bytes() {
        let native = package_bytes("facture.pdf", "C:\\Temp\\facture.js", b"WScript.Echo(1)");
        let pkg = package(&native).unwrap();
        assert_eq!(pkg.names, ["facture.pdf", "facture.js"]);
        assert_eq!(pkg.bytes, b"WScript.Echo(1)");
        assert!(package(&native[..10]).is_none());
        // A size past the end takes what there is rather than failing.
        let mut cut = native.clone();
        cut.truncate(native.len() - 3);
        assert_eq!(package(&cut).unwrap().bytes, b"WScript.Echo");
    }
}
