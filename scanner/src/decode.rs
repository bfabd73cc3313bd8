//! The decoders the readers share: bytes in, bytes or text out, no walk,
//! no findings. A reader that needs one imports it from here, never from a
//! sibling reader (mail-parser keeps its `decoders/` apart from its
//! `parsers/` the same way).

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Percent-decodes an RFC 2231 extended value (after its `charset'lang'` prefix).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Base64 decoding that skips every byte outside the alphabet and stops at
/// the padding.
pub(crate) fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in raw {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A MAPI Unicode string (`PtypString`, UTF-16LE); a lone surrogate or an
/// odd last byte becomes U+FFFD or is dropped rather than failing.
pub(crate) fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Whether a text is written in UTF-16, and in which byte order: a byte
/// order mark (`FF FE` little-endian, `FE FF` big-endian; Unicode §3.10,
/// D98), or without one a start that is ASCII `<` or white space with a
/// zero byte beside each character, as an XML declaration or a tag in
/// UTF-16 is (XML 1.0 appendix F.1, "detection without external encoding
/// information"). Returns `(little_endian, bytes_to_skip)`.
pub(crate) fn utf16_order(bytes: &[u8]) -> Option<(bool, usize)> {
    match bytes {
        [0xff, 0xfe, ..] => Some((true, 2)),
        [0xfe, 0xff, ..] => Some((false, 2)),
        [a, 0, b, 0, ..]
            if starts_markup(*a) && (b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            Some((true, 0))
        }
        [0, a, 0, b, ..]
            if starts_markup(*a) && (b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            Some((false, 0))
        }
        _ => None,
    }
}

/// A first character of markup: `<` or white space before it.
fn starts_markup(b: u8) -> bool {
    b == b'<' || matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// UTF-16 text in the byte order [`utf16_order`] found, after its mark;
/// a lone surrogate becomes U+FFFD and an odd last byte is dropped.
pub(crate) fn utf16_text(bytes: &[u8], little_endian: bool, skip: usize) -> String {
    let body = bytes.get(skip..).unwrap_or_default();
    let units = body.chunks_exact(2).map(|c| {
        if little_endian {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// The little-endian `u16` at byte `at` of `b`; None when the bytes end
/// before it (the integers of ZIP, OLE2 and PowerPoint records).
pub(crate) fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)
        .map(|v| u16::from_le_bytes([v[0], v[1]]))
}

/// The little-endian `u32` at byte `at` of `b`; None when the bytes end
/// before it.
pub(crate) fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
}

/// The little-endian `u64` at byte `at` of `b`; None when the bytes end
/// before it.
pub(crate) fn le64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at.checked_add(8)?)
        .map(|v| u64::from_le_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]]))
}

/// The scheme of a URL or URI, lower case: what comes before the first
/// `:` when it is an ASCII letter, then letters, digits, `+`, `-` or `.`
/// (RFC 3986 §3.1; URL Standard §4.4, scheme state). None when there is
/// no `:` or what is before it is no scheme. A one-letter scheme is
/// returned too: a caller that reads Windows paths takes it as a drive.
pub(crate) fn url_scheme(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let s = &url[..colon];
    let mut chars = s.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| s.to_ascii_lowercase())
}

/// The dictionary every compressed RTF stream starts from ([MS-OXRTFCP]
/// §2.1.2.1), 207 bytes.
const RTF_PRELOAD: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Decompresses a compressed RTF stream ([MS-OXRTFCP] §2.2: a 16-byte
/// header, then LZ77 runs over a 4 KiB dictionary; `MELA` streams are
/// stored uncompressed), to at most `cap` bytes.
pub(crate) fn decompress_rtf(data: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let u32_at = |i: usize| {
        data.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(comp_size), Some(raw_size), Some(kind)) = (u32_at(0), u32_at(4), u32_at(8)) else {
        return Err("shorter than its header".into());
    };
    let body = data
        .get(16..(comp_size as usize).saturating_add(4).min(data.len()))
        .unwrap_or_default();
    match kind {
        0x414c_454d => {
            // "MELA": stored.
            let n = (raw_size as usize).min(body.len()).min(cap as usize);
            return Ok(body[..n].to_vec());
        }
        0x7546_5a4c => {} // "LZFu"
        other => return Err(format!("unknown compression {other:#x}")),
    }
    let mut dict = [0u8; 4096];
    dict[..RTF_PRELOAD.len()].copy_from_slice(RTF_PRELOAD);
    let mut wpos = RTF_PRELOAD.len();
    let limit = (raw_size as u64).min(cap) as usize;
    let mut out = Vec::with_capacity(limit.min(1 << 20));
    let mut i = 0;
    while i < body.len() {
        let control = body[i];
        i += 1;
        for bit in 0..8 {
            if i >= body.len() || out.len() >= limit {
                return Ok(out);
            }
            if control >> bit & 1 == 0 {
                let b = body[i];
                i += 1;
                out.push(b);
                dict[wpos] = b;
                wpos = (wpos + 1) % 4096;
            } else {
                let Some(pair) = body.get(i..i + 2) else {
                    return Ok(out);
                };
                i += 2;
                let word = u16::from_be_bytes([pair[0], pair[1]]) as usize;
                let offset = word >> 4;
                let len = (word & 0xf) + 2;
                if offset == wpos {
                    return Ok(out); // the end marker
                }
                for k in 0..len {
                    if out.len() >= limit {
                        return Ok(out);
                    }
                    let b = dict[(offset + k) % 4096];
                    out.push(b);
                    dict[wpos] = b;
                    wpos = (wpos + 1) % 4096;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preload_dictionary_is_the_spec_s() {
        assert_eq!(RTF_PRELOAD.len(), 207);
    }

    #[test]
    fn compressed_rtf_example_of_the_spec_decompresses() {
        // [MS-OXRTFCP] §3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
        let compressed: &[u8] = &[
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
            0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
            0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
            0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let out = decompress_rtf(compressed, 1 << 20).unwrap();
        assert_eq!(out, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
        assert!(decompress_rtf(&compressed[..8], 1 << 20).is_err());
        assert_eq!(decompress_rtf(compressed, 5).unwrap().len(), 5);
    }
}
