//! Files written as text ([`TextEncoding`]: uuencode, xxencode,
//! `uuencode -m`, yEnc, BinHex 4.0, base64 files), read as containers:
//! each file found is decoded and handed back to the walk as a child
//! named by the name written inside it (`begin 644 facture.pdf.exe`,
//! `name=`, the BinHex header), so that the name is judged too. WinRAR
//! lists and extracts `.uue`/`.xxe` files like archives, StuffIt opens
//! `.hqx`, newsreaders yEnc: what they would save is scanned, whatever
//! the object is called or declared as.
//!
//! The decoders are lenient where readers are (a missing `end`, any
//! character masked to six bits as `uudecode` does) and bounded: no
//! output past the bytes the budgets still allow (`Walker::object_cap`;
//! a file cut there is held as `size_exceeded`), one pass over the text.
//! A checksum that does not match (yEnc CRC-32, BinHex CRC-16) or a file
//! that ends before its declared end is a `damaged_archive` finding; what
//! was decoded is scanned all the same.

use crate::decode::lenient_base64;
use crate::detect::encodings::{
    TextEncoding, XX_ALPHABET, begin_name, data_line_alphabet, encoded_block_at, encoded_start,
    indent_before, line_at, unindent,
};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
use crate::walk::{Object, Walker, out_of_time, take_entry};

/// Encoded files read from one object at most; more are left to the
/// entries budget's finding.
const MAX_FILES: usize = 1_000;

/// One file decoded from text.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// The name written inside it, when the format has one.
    pub name: Option<String>,
    pub bytes: Vec<u8>,
    /// Decoding stopped at the cap: the rest was not decoded.
    pub cut: bool,
    /// Why a strict decoder would refuse it (a checksum, a missing end).
    pub damage: Option<String>,
}

/// The files decoded from the encoded file that opens at `at`, and the
/// offset where the search for the next one goes on. Never more than
/// `cap` bytes of output per file.
pub(crate) fn decode_at(
    bytes: &[u8],
    encoding: TextEncoding,
    at: usize,
    cap: u64,
) -> (Vec<Decoded>, usize) {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    match encoding {
        TextEncoding::Uuencode | TextEncoding::Xxencode => {
            let (file, end) = uudecode(bytes, at, cap);
            (vec![file], end)
        }
        TextEncoding::UuBase64 => {
            let (file, end) = uudecode_base64(bytes, at, cap);
            (vec![file], end)
        }
        TextEncoding::Yenc => {
            let (file, end) = ydecode(bytes, at, cap);
            (vec![file], end)
        }
        TextEncoding::BinHex => binhex_decode(bytes, at, cap),
        TextEncoding::Base64 => {
            let mut out = lenient_base64(bytes);
            let cut = out.len() > cap;
            out.truncate(cap);
            let file = Decoded {
                bytes: out,
                cut,
                ..Decoded::default()
            };
            (vec![file], bytes.len())
        }
    }
}

/// Whether a line ends a uuencoded block: `end`, or the opening line of
/// the next file.
fn closes_block(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    line == b"end" || line.starts_with(b"begin ") || line.starts_with(b"begin-base64 ")
}

/// Decodes a `begin <mode> <name>` block at `at` (uuencode or xxencode,
/// told apart by its first data line) up to its `end` line, or the next
/// `begin`, or the end of the text. Each line gives the bytes its length
/// character announces; characters are masked to six bits (uuencode) or
/// looked up (xxencode, unknown ones as zero), as the classic decoders do.
fn uudecode(bytes: &[u8], at: usize, cap: usize) -> (Decoded, usize) {
    // The block's lines may carry the indent of its `begin` line.
    let indent = &bytes[at - indent_before(bytes, at).unwrap_or(0)..at];
    let (begin, mut pos) = line_at(bytes, at);
    let name = begin
        .strip_prefix(b"begin")
        .and_then(begin_name)
        .unwrap_or_default();
    let xx =
        data_line_alphabet(unindent(line_at(bytes, pos).0, indent)) == Some(TextEncoding::Xxencode);
    let value = |b: u8| -> u32 {
        if xx {
            XX_ALPHABET.iter().position(|&c| c == b).unwrap_or(0) as u32
        } else {
            (b.wrapping_sub(b' ') & 0x3f) as u32
        }
    };
    let mut out = Decoded {
        name: Some(name),
        ..Decoded::default()
    };
    while pos < bytes.len() {
        let (line, next) = line_at(bytes, pos);
        let line = unindent(line, indent);
        if closes_block(line) {
            if line.trim_ascii_end() == b"end" {
                pos = next;
            }
            return (out, pos);
        }
        pos = next;
        let Some((&count, data)) = line.split_first() else {
            continue;
        };
        let n = value(count) as usize;
        let mut produced = 0;
        for group in data.chunks(4) {
            let c = |i: usize| group.get(i).map_or(0, |&b| value(b));
            let v = c(0) << 18 | c(1) << 12 | c(2) << 6 | c(3);
            for byte in [(v >> 16) as u8, (v >> 8) as u8, v as u8] {
                if produced < n {
                    out.bytes.push(byte);
                    produced += 1;
                }
            }
            if produced >= n {
                break;
            }
        }
        if out.bytes.len() > cap {
            out.bytes.truncate(cap);
            out.cut = true;
            return (out, pos);
        }
    }
    (out, pos)
}

/// Decodes a `begin-base64 <mode> <name>` block up to its `====` line.
fn uudecode_base64(bytes: &[u8], at: usize, cap: usize) -> (Decoded, usize) {
    let (begin, mut pos) = line_at(bytes, at);
    let name = begin
        .strip_prefix(b"begin-base64")
        .and_then(begin_name)
        .unwrap_or_default();
    let start = pos;
    let mut end = bytes.len();
    while pos < bytes.len() {
        let (line, next) = line_at(bytes, pos);
        // Trimmed at both ends: the block may be indented.
        let line = line.trim_ascii();
        if line == b"====" || line.starts_with(b"begin") {
            end = pos;
            if line == b"====" {
                pos = next;
            }
            break;
        }
        pos = next;
    }
    // `lenient_base64` stops at the first padding: decode line by line.
    let mut out = Decoded {
        name: Some(name),
        ..Decoded::default()
    };
    let mut rest = start;
    while rest < end {
        let (line, next) = line_at(bytes, rest);
        out.bytes.extend_from_slice(&lenient_base64(line));
        if out.bytes.len() > cap {
            out.bytes.truncate(cap);
            out.cut = true;
            break;
        }
        rest = next.max(rest + 1);
    }
    (out, pos)
}

/// The value of `key=` in a yEnc keyword line: up to the next space, or
/// for `name=` (always last) the rest of the line.
fn yenc_value<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&line[from..], key) {
        let at = from + i;
        if at == 0 || line[at - 1] == b' ' {
            let value = &line[at + key.len()..];
            if key == b"name=" {
                return Some(value.trim_ascii());
            }
            let end = value.iter().position(|&b| b == b' ').unwrap_or(value.len());
            return Some(&value[..end]);
        }
        from = at + 1;
    }
    None
}

/// Decodes a yEnc file (yEnc 1.3: `=ybegin`, an optional `=ypart`, data
/// lines where each byte is the original plus 42 and `=` escapes the
/// next one by a further 64, `=yend` with the size and the CRC-32). A
/// part of a multi-part post is the bytes of that part.
fn ydecode(bytes: &[u8], at: usize, cap: usize) -> (Decoded, usize) {
    let (begin, mut pos) = line_at(bytes, at);
    let name = yenc_value(begin, b"name=").map(|n| String::from_utf8_lossy(n).into_owned());
    let mut out = Decoded {
        name,
        ..Decoded::default()
    };
    if line_at(bytes, pos).0.starts_with(b"=ypart ") {
        pos = line_at(bytes, pos).1;
    }
    let mut end_line: Option<&[u8]> = None;
    // One buffer, sized once: no more bytes than the text up to `=yend`
    // (each text byte gives one byte at most), nor past the cap. Grown
    // by doubling, a 50 MB file took 66 MB of heap (tests/encoded_bounds.rs).
    let region = memchr::memmem::find(&bytes[pos.min(bytes.len())..], b"\n=yend")
        .unwrap_or(bytes.len().saturating_sub(pos));
    out.bytes.reserve_exact(region.min(cap.saturating_add(1)));
    while pos < bytes.len() {
        let (line, next) = line_at(bytes, pos);
        if line.starts_with(b"=yend") {
            end_line = Some(line);
            pos = next;
            break;
        }
        if line.starts_with(b"=ybegin ") {
            break;
        }
        pos = next;
        let mut escaped = false;
        for &b in line {
            match b {
                b'\r' | b'\n' => {}
                b'=' if !escaped => {
                    escaped = true;
                    continue;
                }
                _ if escaped => out.bytes.push(b.wrapping_sub(106)),
                _ => out.bytes.push(b.wrapping_sub(42)),
            }
            escaped = false;
        }
        if out.bytes.len() > cap {
            out.bytes.truncate(cap);
            out.cut = true;
            return (out, pos);
        }
    }
    let Some(end) = end_line else {
        out.damage = Some("no =yend line".into());
        return (out, pos);
    };
    let parse_hex = |v: &[u8]| u32::from_str_radix(std::str::from_utf8(v).ok()?.trim(), 16).ok();
    let crc = yenc_value(end, b"pcrc32=")
        .or_else(|| yenc_value(end, b"crc32="))
        .and_then(parse_hex);
    let size = yenc_value(end, b"size=")
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
    let mut actual = flate2::Crc::new();
    actual.update(&out.bytes);
    if let Some(expected) = crc
        && expected != actual.sum()
    {
        out.damage = Some(format!(
            "CRC-32 {:08x} where =yend says {expected:08x}",
            actual.sum()
        ));
    } else if let Some(size) = size
        && size != out.bytes.len() as u64
    {
        out.damage = Some(format!("{} bytes where =yend says {size}", out.bytes.len()));
    }
    (out, pos)
}

/// The BinHex 4.0 alphabet: a character's index is its six-bit value.
const BINHEX_ALPHABET: &[u8; 64] =
    b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/// CRC-16/XMODEM (polynomial 0x1021, initial 0), the CRC BinHex 4.0 puts
/// after its header and after each fork.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                crc << 1 ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Decodes the BinHex 4.0 file at `at` (RFC 1741 appendix): the text
/// between the first `:` after the marker line and the next `:` is six-bit
/// characters (white space ignored), then run-length encoding (`0x90 n`
/// repeats the previous byte to `n` in all; `0x90 0` is a literal 0x90);
/// the stream is a header (name length, name, version, type, creator,
/// flags, data fork length, resource fork length, CRC), the data fork and
/// its CRC, the resource fork and its CRC. The data fork is the file; a
/// resource fork that is not empty is a second file, `<name>.rsrc`.
fn binhex_decode(bytes: &[u8], at: usize, cap: usize) -> (Vec<Decoded>, usize) {
    let (_, after_marker) = line_at(bytes, at);
    let Some(open) = memchr::memchr(b':', bytes.get(after_marker..).unwrap_or_default()) else {
        return (Vec::new(), after_marker);
    };
    let mut pos = after_marker + open + 1;
    // The stream, decoded and expanded, capped at `limit` bytes: the
    // largest header (a 255-byte name), a data fork of `cap` bytes, the
    // CRCs. Past it, what is missing is reported as cut, not decoded.
    let limit = cap.saturating_add(512);
    let mut stream: Vec<u8> = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let (mut marker, mut last) = (false, 0u8);
    let mut closed = false;
    let mut bad_char = None;
    let mut over = false;
    while pos < bytes.len() {
        let b = bytes[pos];
        pos += 1;
        if b == b':' {
            closed = true;
            break;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        let Some(v) = BINHEX_ALPHABET.iter().position(|&c| c == b) else {
            bad_char = Some(b);
            break;
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits < 8 {
            continue;
        }
        bits -= 8;
        let byte = (acc >> bits) as u8;
        acc &= (1 << bits) - 1;
        if marker {
            marker = false;
            if byte == 0 {
                stream.push(0x90);
                last = 0x90;
            } else {
                let run = (byte as usize - 1).min(limit.saturating_sub(stream.len()) + 1);
                stream.extend(std::iter::repeat_n(last, run));
            }
        } else if byte == 0x90 {
            marker = true;
        } else {
            stream.push(byte);
            last = byte;
        }
        if stream.len() > limit {
            over = true;
            break;
        }
    }
    let mut damage = match (bad_char, closed) {
        (Some(b), _) => Some(format!("character {b:#04x} outside the BinHex alphabet")),
        (None, false) if !over => Some("no closing ':'".to_string()),
        _ => None,
    };
    // The header: the name, then 1 + 4 + 4 + 2 + 4 + 4 bytes, then its CRC.
    let Some(&name_len) = stream.first() else {
        let file = Decoded {
            damage: Some(damage.unwrap_or_else(|| "empty".into())),
            ..Decoded::default()
        };
        return (vec![file], pos);
    };
    let name_end = 1 + name_len as usize;
    let header_end = name_end + 1 + 4 + 4 + 2 + 4 + 4;
    let u32_at = |i: usize| {
        stream
            .get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let u16_at = |i: usize| {
        stream
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let (Some(data_len), Some(rsrc_len), Some(header_crc)) = (
        u32_at(name_end + 11),
        u32_at(name_end + 15),
        u16_at(header_end),
    ) else {
        let file = Decoded {
            damage: Some("shorter than its header".into()),
            ..Decoded::default()
        };
        return (vec![file], pos);
    };
    let name = String::from_utf8_lossy(&stream[1..name_end]).into_owned();
    if crc16(&stream[..header_end]) != header_crc {
        damage.get_or_insert_with(|| "header CRC does not match".into());
    }
    let mut files = Vec::new();
    let mut fork_start = header_end + 2;
    for (fork_len, fork_name) in [(data_len, name.clone()), (rsrc_len, format!("{name}.rsrc"))] {
        if fork_len == 0 && !files.is_empty() {
            break;
        }
        let start = fork_start.min(stream.len());
        let end = fork_start.saturating_add(fork_len);
        let available = &stream[start..end.min(stream.len())];
        let cut = fork_len > cap || (over && end > stream.len());
        let mut file = Decoded {
            name: Some(fork_name),
            bytes: available[..available.len().min(cap)].to_vec(),
            cut,
            damage: None,
        };
        if !cut && end > stream.len() {
            file.damage = Some(format!(
                "ends after {} of the {fork_len} bytes of its fork",
                available.len()
            ));
        } else if !cut && u16_at(end) != Some(crc16(available)) {
            file.damage = Some("fork CRC does not match".into());
        }
        if files.is_empty() {
            file.damage = damage.take().or(file.damage);
        }
        files.push(file);
        fork_start = end.saturating_add(2);
    }
    (files, pos)
}

/// Reads every encoded file in `obj`: the one it is (an opener at its
/// start, or nothing but base64) and those that open at a line start
/// further in. Each decoded file is a child; a file cut at the budget is
/// held unread, a damaged one gives the container a `damaged_archive`
/// finding and is scanned as decoded.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    let bytes = obj.bytes;
    let mut next = encoded_block_at(bytes, 0);
    if next.is_none() && encoded_start(bytes) == Some(TextEncoding::Base64) {
        next = Some((TextEncoding::Base64, 0));
    }
    let mut count = 0;
    while let Some((encoding, at)) = next {
        if out_of_time(w, findings) {
            return;
        }
        let (files, end) = decode_at(bytes, encoding, at, w.object_cap());
        for file in files {
            count += 1;
            if count > MAX_FILES || !take_entry(w, findings) {
                return;
            }
            let name = file
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("{}-{count}", encoding.label().replace(' ', "-")));
            if let Some(reason) = file.damage {
                findings.push(Finding::new(
                    FindingKind::DamagedArchive,
                    Sentence::ArchiveDamaged {
                        format: format!("{} file {name}", encoding.label()),
                        reason: Some(reason),
                    },
                ));
            }
            if file.cut {
                let cap = w.object_cap();
                children.push(w.unread_child(
                    obj,
                    name,
                    Finding::new(
                        FindingKind::SizeExceeded,
                        Sentence::PastBudget { cap: Some(cap) },
                    ),
                ));
                continue;
            }
            w.expanded += file.bytes.len() as u64;
            let child = w.child(obj, name, None, &file.bytes);
            children.push(child);
        }
        next = encoded_block_at(bytes, end.max(at + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuencode(name: &str, data: &[u8], alphabet: &[u8; 64]) -> Vec<u8> {
        let mut out = format!("begin 644 {name}\r\n").into_bytes();
        for line in data.chunks(45) {
            out.push(alphabet[line.len()]);
            for c in line.chunks(3) {
                let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
                for v in [
                    b[0] >> 2,
                    (b[0] & 3) << 4 | b[1] >> 4,
                    (b[1] & 15) << 2 | b[2] >> 6,
                    b[2] & 63,
                ] {
                    out.push(alphabet[v as usize]);
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        out.push(alphabet[0]);
        out.extend_from_slice(b"\r\nend\r\n");
        out
    }

    fn uu_alphabet() -> [u8; 64] {
        let mut a = [0u8; 64];
        for (i, c) in a.iter_mut().enumerate() {
            *c = if i == 0 { b'`' } else { b' ' + i as u8 };
        }
        a
    }

    fn first(bytes: &[u8], cap: u64) -> Decoded {
        let (encoding, at) = encoded_block_at(bytes, 0).expect("an encoded file");
        decode_at(bytes, encoding, at, cap).0.remove(0)
    }

    #[test]
    fn uuencode_and_xxencode_round_trip() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for alphabet in [&uu_alphabet(), XX_ALPHABET] {
            let text = uuencode("a b.exe", &data, alphabet);
            let file = first(&text, 1 << 20);
            assert_eq!(file.name.as_deref(), Some("a b.exe"));
            assert_eq!(file.bytes, data);
            assert!(!file.cut && file.damage.is_none());
            let cut = first(&text, 100);
            assert!(cut.cut && cut.bytes.len() == 100);
        }
    }

    #[test]
    fn indented_blocks_decode() {
        let data: Vec<u8> = (0..=255u8).cycle().take(500).collect();
        let uu = uuencode("a.exe", &data, &uu_alphabet());
        let text = String::from_utf8(uu).unwrap();
        let every_line: String = text.lines().map(|l| format!("  \t{l}\r\n")).collect();
        for t in [format!(" \t{text}"), every_line] {
            let file = first(t.as_bytes(), 1 << 20);
            assert_eq!(file.name.as_deref(), Some("a.exe"));
            assert_eq!(file.bytes, data);
        }
        let b64 = "\t begin-base64 644 b.exe\r\n\t TVqQAAMA\r\n\t ====\r\n\t begin 644 c.txt\r\n";
        let (files, end) = decode_at(b64.as_bytes(), TextEncoding::UuBase64, 2, 1 << 20);
        assert_eq!(files[0].bytes, b"MZ\x90\x00\x03\x00");
        assert!(b64[end..].trim_start().starts_with("begin 644"));
    }

    #[test]
    fn yenc_decodes_with_its_checksum() {
        let data: Vec<u8> = (0..=255u8).collect();
        let mut text = b"=ybegin line=128 size=256 name=outil.exe\r\n".to_vec();
        for chunk in data.chunks(100) {
            for &b in chunk {
                let v = b.wrapping_add(42);
                if matches!(v, 0 | b'\n' | b'\r' | b'=') {
                    text.extend_from_slice(&[b'=', v.wrapping_add(64)]);
                } else {
                    text.push(v);
                }
            }
            text.extend_from_slice(b"\r\n");
        }
        let mut crc = flate2::Crc::new();
        crc.update(&data);
        let with_end = |crc: u32| {
            let mut t = text.clone();
            t.extend_from_slice(format!("=yend size=256 crc32={crc:08x}\r\n").as_bytes());
            t
        };
        let file = first(&with_end(crc.sum()), 1 << 20);
        assert_eq!(file.name.as_deref(), Some("outil.exe"));
        assert_eq!(file.bytes, data);
        assert_eq!(file.damage, None);
        let file = first(&with_end(crc.sum() ^ 1), 1 << 20);
        assert_eq!(file.bytes, data, "scanned all the same");
        assert!(file.damage.is_some());
        assert!(first(&text, 1 << 20).damage.is_some(), "no =yend line");
    }

    /// BinHex of `data` named `name`, as `binhex` writes it.
    pub(crate) fn binhex(name: &str, data: &[u8]) -> Vec<u8> {
        let mut stream = vec![name.len() as u8];
        stream.extend_from_slice(name.as_bytes());
        stream.push(0);
        stream.extend_from_slice(b"APPLMSWD\0\0");
        stream.extend_from_slice(&(data.len() as u32).to_be_bytes());
        stream.extend_from_slice(&0u32.to_be_bytes());
        let crc = crc16(&stream);
        stream.extend_from_slice(&crc.to_be_bytes());
        stream.extend_from_slice(data);
        stream.extend_from_slice(&crc16(data).to_be_bytes());
        stream.extend_from_slice(&crc16(&[]).to_be_bytes());
        // Run-length: runs of four or more, and 0x90 itself.
        let mut rle = Vec::new();
        let mut i = 0;
        while i < stream.len() {
            let b = stream[i];
            let run = stream[i..]
                .iter()
                .take(255)
                .take_while(|&&c| c == b)
                .count();
            if b == 0x90 {
                rle.extend_from_slice(&[0x90, 0]);
                i += 1;
            } else if run >= 4 {
                rle.extend_from_slice(&[b, 0x90, run as u8]);
                i += run;
            } else {
                rle.push(b);
                i += 1;
            }
        }
        let mut text = b"(This file must be converted with BinHex 4.0)\r\n:".to_vec();
        for (n, chunk) in rle.chunks(3).enumerate() {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = [
                b[0] >> 2,
                (b[0] & 3) << 4 | b[1] >> 4,
                (b[1] & 15) << 2 | b[2] >> 6,
                b[2] & 63,
            ];
            for s in &v[..chunk.len() + 1] {
                text.push(BINHEX_ALPHABET[*s as usize]);
            }
            if n % 16 == 15 {
                text.extend_from_slice(b"\r\n");
            }
        }
        text.extend_from_slice(b":\r\n");
        text
    }

    #[test]
    fn binhex_decodes_with_runs_and_checksums() {
        let mut data = vec![0u8; 300];
        data.extend_from_slice(b"MZ\x90\x90\x90\x90 plus du texte");
        let text = binhex("facture.pdf.exe", &data);
        let (files, _) = decode_at(&text, TextEncoding::BinHex, 0, 1 << 20);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name.as_deref(), Some("facture.pdf.exe"));
        assert_eq!(files[0].bytes, data);
        assert_eq!(files[0].damage, None);
        // A run that would expand past the cap stops there.
        let (files, _) = decode_at(&text, TextEncoding::BinHex, 0, 50);
        assert!(files[0].cut);
        let mut bad = text.clone();
        let at = bad.len() - 20;
        bad[at] = if bad[at] == b'A' { b'B' } else { b'A' };
        let (files, _) = decode_at(&bad, TextEncoding::BinHex, 0, 1 << 20);
        assert!(files[0].damage.is_some(), "a fork CRC that does not match");
    }

    #[test]
    fn hostile_text_never_panics() {
        for text in [
            &b"(This file must be converted with BinHex 4.0)\n:"[..],
            b"(This file must be converted with BinHex 4.0)\n:!\x90\n",
            b"(This file must be converted with BinHex 4.0)\n:rrrrrrrrrrrrrrrrrrrrrrrrrr:",
            b"=ybegin size=1 name=\n=",
            b"begin 644 a\n\xff\xff\xff",
            b"begin-base64 644 a\n====",
            b"begin 644 a\nM",
        ] {
            for cap in [0, 1, 1 << 20] {
                let mut from = 0;
                while let Some((enc, at)) = encoded_block_at(text, from) {
                    let (_, end) = decode_at(text, enc, at, cap);
                    from = end.max(at + 1);
                }
            }
        }
    }
}
