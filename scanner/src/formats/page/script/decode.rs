//! The decoders a page calls on plain data, applied when what they are
//! given is known text: `unescape` and `escape` (ECMA-262 Annex B.2.1),
//! `decodeURIComponent` (§19.2.6.2), the UTF-16 code units of
//! `String.fromCharCode`; and the readers of `data:` URLs (RFC 2397) and
//! percent escapes, which the markup reader uses too. `atob` is the
//! crate's [`lenient_base64`].

use crate::decode::lenient_base64;
use crate::formats::page::target;

/// UTF-16 code units to text, surrogate pairs joined, lone ones replaced.
pub(super) fn code_unit_text(codes: &[f64]) -> String {
    let units: Vec<u16> = codes
        .iter()
        .map(|&n| (n as i64 as u32 & 0xffff) as u16)
        .collect();
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// `unescape` (ECMA-262 B.2.1.2): `%XX` and `%uXXXX` to characters.
pub(super) fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let hex = |x: &[u8]| -> Option<u16> {
        let t = std::str::from_utf8(x).ok()?;
        u16::from_str_radix(t, 16).ok()
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if b.get(i + 1) == Some(&b'u')
                && let Some(u) = b.get(i + 2..i + 6).and_then(hex)
            {
                units.push(u);
                i += 6;
                continue;
            }
            if let Some(u) = b.get(i + 1..i + 3).and_then(hex) {
                units.push(u);
                i += 3;
                continue;
            }
        }
        let c = s[i..].chars().next().unwrap_or('\u{fffd}');
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
        i += c.len_utf8();
    }
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// `escape` (ECMA-262 B.2.1.1).
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            u if u < 128
                && ((u as u8).is_ascii_alphanumeric() || b"@*_+-./".contains(&(u as u8))) =>
            {
                out.push(u as u8 as char)
            }
            u if u < 256 => out.push_str(&format!("%{u:02X}")),
            u => out.push_str(&format!("%u{u:04X}")),
        }
    }
    out
}

/// `decodeURIComponent` (ECMA-262 §19.2.6.2): `%XX` sequences as UTF-8,
/// read leniently (an invalid sequence becomes U+FFFD where a browser would
/// throw).
pub(super) fn decode_uri(s: &str) -> String {
    String::from_utf8_lossy(&percent_bytes(s)).into_owned()
}

/// A `data:` URL's type, bytes and whether they were base64 (RFC 2397;
/// Fetch Standard §4.6, "data: URL processor"): percent-decoded, then
/// base64-decoded when it says so.
pub(crate) fn data_url(url: &str) -> (String, Vec<u8>, bool) {
    let u = target::clean(url);
    let rest = u.get(5..).unwrap_or("");
    let (head, body) = rest.split_once(',').unwrap_or((rest, ""));
    let head_l = head.to_ascii_lowercase();
    let base64 = head_l.trim_end().ends_with(";base64");
    let mime = head_l.split(';').next().unwrap_or("").trim().to_string();
    let mime = if mime.is_empty() {
        "text/plain".to_string()
    } else {
        mime
    };
    let raw = percent_bytes(body);
    let bytes = if base64 {
        let clean: Vec<u8> = raw
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        lenient_base64(&clean)
    } else {
        raw
    };
    (mime, bytes, base64)
}

/// `%XX` sequences to bytes, everything else as it is.
pub(crate) fn percent_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b
                .get(i + 1..i + 3)
                .and_then(|x| std::str::from_utf8(x).ok())
                .and_then(|x| u8::from_str_radix(x, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}
