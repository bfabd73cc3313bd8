//! iCalendar (RFC 5545) as a container: `ATTACH` properties with
//! `ENCODING=BASE64;VALUE=BINARY` (§3.8.1.1) carry whole files inside an
//! invitation (`text/calendar` parts, `.ics` files), which Outlook and
//! Thunderbird show as attachments of the event. Lines are unfolded
//! (§3.1), each binary attachment is decoded and walked as a file, named
//! by `X-FILENAME` (or `FILENAME`, `X-APPLE-FILENAME`) and typed by
//! `FMTTYPE`. `ATTACH` by URI carries no bytes and is left to the text
//! checks.

use crate::report::{Finding, Part};
use crate::walk::{Object, Walker};

/// One binary `ATTACH` property.
struct Attach {
    name: Option<String>,
    fmttype: Option<String>,
    bytes: Vec<u8>,
}

/// Unfolds the content lines of `ics` (a line starting with a space or a
/// tab continues the previous one) and returns its binary attachments.
fn attachments(ics: &[u8], max: usize) -> Vec<Attach> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for raw in ics.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match raw.first() {
            Some(b' ' | b'\t') if !lines.is_empty() => lines
                .last_mut()
                .expect("checked")
                .extend_from_slice(&raw[1..]),
            _ => lines.push(raw.to_vec()),
        }
    }
    let mut out = Vec::new();
    for line in lines {
        if out.len() >= max {
            break;
        }
        let upper = line.get(..7).map(|h| h.to_ascii_uppercase());
        if !matches!(upper.as_deref(), Some(b"ATTACH;" | b"ATTACH:")) {
            continue;
        }
        // Parameters run to the first `:` outside double quotes (§3.1).
        let mut quoted = false;
        let Some(colon) = line.iter().position(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == b':' && !quoted
        }) else {
            continue;
        };
        let params = String::from_utf8_lossy(&line[6..colon]).into_owned();
        let value = &line[colon + 1..];
        let mut encoding_base64 = false;
        let (mut name, mut fmttype) = (None, None);
        // `;` separates parameters, except inside a quoted value (§3.1:
        // `X-FILENAME="ordre;du jour.js"` is one name).
        let mut quoted = false;
        let split = params.split(|c: char| {
            if c == '"' {
                quoted = !quoted;
            }
            c == ';' && !quoted
        });
        for param in split.filter(|p| !p.is_empty()) {
            let (key, val) = param.split_once('=').unwrap_or((param, ""));
            let val = val.trim_matches('"').to_string();
            match key.to_ascii_uppercase().as_str() {
                "ENCODING" => encoding_base64 = val.eq_ignore_ascii_case("BASE64"),
                "FMTTYPE" => fmttype = Some(val.to_ascii_lowercase()),
                "X-FILENAME" | "FILENAME" | "X-APPLE-FILENAME" | "X-ORACLE-FILENAME" => {
                    name = Some(val)
                }
                _ => {}
            }
        }
        if encoding_base64 {
            out.push(Attach {
                name,
                fmttype,
                bytes: crate::decode::lenient_base64(value),
            });
        }
    }
    out
}

/// Walks the binary attachments of an iCalendar object.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    _findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    for (n, a) in attachments(obj.bytes, w.limits.max_archive_entries)
        .into_iter()
        .enumerate()
    {
        if w.check_time() {
            return;
        }
        w.entries += 1;
        w.expanded += a.bytes.len() as u64;
        let name = a.name.unwrap_or_else(|| format!("attachment-{}", n + 1));
        children.push(w.child(obj, name, a.fmttype, &a.bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::attachments;

    #[test]
    fn binary_attachments_are_unfolded_and_decoded() {
        let ics = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTACH;FMTTYPE=application/x-msdownload;ENCODING=BASE64;VALUE=BINARY;\r\n X-FILENAME=\"ordre du jour.exe\":TVqQAA\r\n AM=\r\nATTACH:https://example.org/agenda.pdf\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let a = attachments(ics, 10);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name.as_deref(), Some("ordre du jour.exe"));
        assert_eq!(a[0].fmttype.as_deref(), Some("application/x-msdownload"));
        assert_eq!(&a[0].bytes[..2], b"MZ");
    }
}
