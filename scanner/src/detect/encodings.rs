//! Files written as text: uuencode, xxencode, `uuencode -m`, yEnc, BinHex
//! 4.0 and plain base64 files. WinRAR, StuffIt, newsreaders and old mail
//! readers decode them whatever the file is called or declared as, so an
//! object that opens one is a container ([`crate::formats::encoded`] reads
//! it). Found here by their opening line, checked against the line after
//! it so that prose (« begin 2 weeks ago ») does not count.
//!
//! Sources: POSIX `uuencode` (the historical and the `-m` base64 formats),
//! the xxencode alphabet of Phil Howard's `xxdecode`, yEnc 1.3
//! (`=ybegin`/`=ypart`/`=yend`, yenc.org), BinHex 4.0 (RFC 1741 appendix,
//! Apple's « BinHex 4.0 Definition »), RFC 4648 §4 for base64.

use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// A way of writing a file as text that some reader decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    /// `begin <mode> <name>`, lines of a length character and groups of
    /// four characters of `0x20..=0x60`, `` ` ``, `end`.
    Uuencode,
    /// The same framing with the alphabet `+-0-9A-Za-z`.
    Xxencode,
    /// `begin-base64 <mode> <name>`, base64 lines, `====` (`uuencode -m`).
    UuBase64,
    /// `=ybegin … name=<name>`, bytes shifted by 42, `=yend`.
    Yenc,
    /// `(This file must be converted with BinHex 4.0)`, then `:` six-bit
    /// text with run-length encoding `:`, a header naming the file.
    BinHex,
    /// Nothing but base64 lines: the whole object is one encoded file.
    Base64,
}

impl TextEncoding {
    /// The detected type shown in the report.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            TextEncoding::Uuencode | TextEncoding::UuBase64 => "text/x-uuencode",
            TextEncoding::Xxencode => "text/x-xxencode",
            TextEncoding::Yenc => "text/x-yenc",
            TextEncoding::BinHex => "application/mac-binhex40",
            TextEncoding::Base64 => "application/base64",
        }
    }

    /// The format's name, in the findings' arguments.
    pub(crate) fn label(self) -> &'static str {
        match self {
            TextEncoding::Uuencode => "uuencode",
            TextEncoding::Xxencode => "xxencode",
            TextEncoding::UuBase64 => "uuencode base64",
            TextEncoding::Yenc => "yEnc",
            TextEncoding::BinHex => "BinHex 4.0",
            TextEncoding::Base64 => "base64",
        }
    }
}

/// The lines that open an encoded file.
const OPENERS: &[&str] = &[
    "begin ",
    "begin-base64 ",
    "=ybegin ",
    "(This file must be converted with BinHex",
];

static OPENER: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(OPENERS).expect("fixed patterns build"));

/// The xxencode alphabet: a character's index is its six-bit value.
pub(crate) const XX_ALPHABET: &[u8; 64] =
    b"+-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Spaces and tabs an opening line may start with: uudeview and 7-Zip
/// skip them (a block quoted or pasted with an indent), and so does this
/// reader, up to this many.
pub(crate) const MAX_INDENT: usize = 16;

/// How many spaces and tabs come before `at` on its line, when nothing
/// else does and they are [`MAX_INDENT`] at most.
pub(crate) fn indent_before(bytes: &[u8], at: usize) -> Option<usize> {
    let head = &bytes[..at.min(bytes.len())];
    let n = head
        .iter()
        .rev()
        .take(MAX_INDENT + 1)
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let line_start = at - n;
    (n <= MAX_INDENT && (line_start == 0 || bytes[line_start - 1] == b'\n')).then_some(n)
}

/// A line of an indented block without the indent of its opening line,
/// when it has it.
pub(crate) fn unindent<'a>(line: &'a [u8], indent: &[u8]) -> &'a [u8] {
    line.strip_prefix(indent).unwrap_or(line)
}

/// The line of `bytes` starting at `at`, without its line end.
pub(crate) fn line_at(bytes: &[u8], at: usize) -> (&[u8], usize) {
    let rest = bytes.get(at..).unwrap_or_default();
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let line = &rest[..end];
    let next = at + (end + 1).min(rest.len());
    (line.strip_suffix(b"\r").unwrap_or(line), next)
}

/// The mode and name of a `begin <mode> <name>` line (after `begin` and
/// its separator): one to four octal digits, then a non-empty name.
pub(crate) fn begin_name(rest: &[u8]) -> Option<String> {
    let rest = rest.trim_ascii_start();
    let space = rest.iter().position(|&b| b == b' ' || b == b'\t')?;
    let mode = &rest[..space];
    if mode.is_empty() || mode.len() > 4 || !mode.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let name = String::from_utf8_lossy(rest[space..].trim_ascii()).into_owned();
    (!name.is_empty()).then_some(name)
}

/// Which alphabet a data line after `begin` is written in, when its
/// length character agrees with its length: uuencode first (a mailer may
/// strip its trailing spaces, so it may be shorter), then xxencode.
pub(crate) fn data_line_alphabet(line: &[u8]) -> Option<TextEncoding> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (&first, data) = line.split_first()?;
    let groups = |n: usize| n.div_ceil(3) * 4;
    if (0x21..=0x60).contains(&first) && data.iter().all(|b| (0x20..=0x60).contains(b)) {
        let n = ((first - 0x20) & 0x3f) as usize;
        // No lower bound: a mailer may have stripped trailing spaces (zeros).
        if n > 0 && data.len() <= groups(n) + 2 {
            return Some(TextEncoding::Uuencode);
        }
    }
    let index = |b: u8| XX_ALPHABET.iter().position(|&c| c == b);
    if let Some(n) = index(first)
        && n > 0
        && data.iter().all(|&b| index(b).is_some())
        && data.len().abs_diff(groups(n)) <= 1
    {
        return Some(TextEncoding::Xxencode);
    }
    None
}

/// The encoding of a file that opens at line `at`, when the line is an
/// opener and what follows it has the shape its format gives.
fn opener_at(bytes: &[u8], at: usize) -> Option<TextEncoding> {
    let indent = &bytes[at - indent_before(bytes, at)?..at];
    let (line, next) = line_at(bytes, at);
    if let Some(rest) = line.strip_prefix(b"begin-base64 ") {
        begin_name(rest)?;
        let (data, _) = line_at(bytes, next);
        let data = unindent(data, indent).trim_ascii_end();
        let base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        return (!data.is_empty() && data.iter().all(base64)).then_some(TextEncoding::UuBase64);
    }
    if let Some(rest) = line.strip_prefix(b"begin ") {
        begin_name(rest)?;
        let (data, after) = line_at(bytes, next);
        let data = unindent(data, indent);
        // An empty file: the terminator line, then `end`.
        if matches!(data.trim_ascii_end(), b"`" | b"" | b"+")
            && line_at(bytes, after).0.trim_ascii() == b"end"
        {
            return Some(TextEncoding::Uuencode);
        }
        return data_line_alphabet(data);
    }
    if let Some(rest) = line.strip_prefix(b"=ybegin ") {
        let has = |key: &[u8]| memchr::memmem::find(rest, key).is_some();
        return (has(b"name=") && has(b"size=")).then_some(TextEncoding::Yenc);
    }
    if line.starts_with(b"(This file must be converted with BinHex") {
        // The data starts at the next `:` at the start of a line, after
        // blank lines at most.
        let mut at = next;
        for _ in 0..4 {
            let (data, after) = line_at(bytes, at);
            let data = data.trim_ascii_start();
            if data.starts_with(b":") {
                return Some(TextEncoding::BinHex);
            }
            if !data.is_empty() || after == at {
                return None;
            }
            at = after;
        }
    }
    None
}

/// The first encoded file that opens at a line start at or after `from`:
/// its encoding and the offset of its opening line.
pub(crate) fn encoded_block_at(bytes: &[u8], from: usize) -> Option<(TextEncoding, usize)> {
    let hay = bytes.get(from..)?;
    for m in OPENER.find_iter(hay) {
        let at = from + m.start();
        if indent_before(bytes, at).is_some()
            && let Some(enc) = opener_at(bytes, at)
        {
            return Some((enc, at));
        }
    }
    None
}

/// Whether the whole of `bytes` is one base64 file (RFC 4648 §4): only the
/// alphabet and line ends, padding at the end alone, at least 24
/// characters mixing upper case, lower case and digits or symbols (a word
/// or a number is not one), and every line but the last of one length.
pub(crate) fn base64_file(bytes: &[u8]) -> bool {
    let text = bytes.trim_ascii();
    let mut line_len: Option<usize> = None;
    let mut last_short = false;
    let (mut upper, mut lower, mut other, mut count) = (false, false, false, 0usize);
    let mut padding = false;
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii_end();
        if last_short || padding || line.is_empty() {
            return false;
        }
        for &b in line {
            match b {
                b'A'..=b'Z' if !padding => upper = true,
                b'a'..=b'z' if !padding => lower = true,
                b'0'..=b'9' | b'+' | b'/' if !padding => other = true,
                b'=' => padding = true,
                _ => return false,
            }
        }
        count += line.len();
        match line_len {
            None => line_len = Some(line.len()),
            Some(n) if line.len() == n => {}
            Some(n) if line.len() < n => last_short = true,
            Some(_) => return false,
        }
    }
    count >= 24 && upper && lower && other
}

/// What an object that *is* an encoded file is written in: an opener at
/// its start (after white space), or nothing but base64.
pub(crate) fn encoded_start(bytes: &[u8]) -> Option<TextEncoding> {
    let start = bytes.len() - bytes.trim_ascii_start().len();
    // The opener at the start of its line: back to the line start.
    let line_start = bytes[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let head = &bytes[start..];
    if OPENERS.iter().any(|o| head.starts_with(o.as_bytes()))
        && start - line_start <= MAX_INDENT
        && let Some(encoding) = opener_at(bytes, start)
    {
        return Some(encoding);
    }
    base64_file(bytes).then_some(TextEncoding::Base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openers_are_found_at_line_starts_with_their_shape() {
        let uu = b"begin 644 a.exe\r\nM35H`````````````````````````````````````````````````````````\r\n`\r\nend\r\n";
        assert_eq!(encoded_start(uu), Some(TextEncoding::Uuencode));
        let xx = format!("begin 644 a.txt\nh{}\n+\nend\n", "J4vz".repeat(15));
        assert_eq!(encoded_start(xx.as_bytes()), Some(TextEncoding::Xxencode));
        assert_eq!(
            encoded_start(
                b"\r\n=ybegin line=128 size=3 name=a b.exe\r\n\x8b\x8c\x8d\r\n=yend size=3\r\n"
            ),
            Some(TextEncoding::Yenc)
        );
        assert_eq!(
            encoded_start(b"(This file must be converted with BinHex 4.0)\r\n\r\n:!!!!\r\n"),
            Some(TextEncoding::BinHex)
        );
        assert_eq!(
            encoded_start(b"begin-base64 644 a.exe\nTVqQAAMAAAAEAAAA\n====\n"),
            Some(TextEncoding::UuBase64)
        );
        let prose = b"Bonjour,\nbegin 2 weeks ago the mayor said\nend\n";
        assert_eq!(encoded_block_at(prose, 0), None);
        assert_eq!(encoded_start(b"We begin 644 a.exe\nM35H\n"), None);
        // Indented by spaces or tabs, with CRLF line ends (uudeview, 7-Zip).
        let indented = b"  \t begin 644 a.exe\r\nM35H`````````````````````````````````````````````````````````\r\n`\r\nend\r\n";
        assert_eq!(encoded_start(indented), Some(TextEncoding::Uuencode));
        let all = b"\r\n    begin 644 a.exe\r\n    #35H`\r\n    `\r\n    end\r\n";
        assert_eq!(encoded_start(all), Some(TextEncoding::Uuencode));
        assert_eq!(
            encoded_start(b"\t begin-base64 644 a.exe\r\n\t TVqQAAMAAAAEAAAA\r\n\t ====\r\n"),
            Some(TextEncoding::UuBase64)
        );
        let deep = format!(
            "{}begin 644 a.exe\n#35H`\n`\nend\n",
            " ".repeat(MAX_INDENT + 1)
        );
        assert_eq!(encoded_start(deep.as_bytes()), None);
        assert_eq!(encoded_start(b"We begin 644 a.exe\n#35H`\n"), None);
        let later = b"Bonjour,\r\n\r\nbegin 644 a.exe\r\n#35H`\r\n`\r\nend\r\n";
        assert_eq!(encoded_start(later), None);
        assert_eq!(
            encoded_block_at(later, 0),
            Some((TextEncoding::Uuencode, 12))
        );
    }

    #[test]
    fn a_base64_file_is_all_base64_of_one_line_length() {
        assert!(base64_file(
            b"TVqQAAMAAAAEAAAA//8AALgAAAAA\r\nTVqQAAMAAAAEAAAA//8AALgAAAAA\r\nAAAA==\r\n"
        ));
        assert!(!base64_file(b"Bonjour"));
        assert!(
            !base64_file(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            "no lower case, no digit"
        );
        assert!(!base64_file(
            b"TVqQAAMAAAAEAAAA//8AALgAAAAA\nshort\nTVqQAAMAAAAEAAAA//8AALgAAAAA\n"
        ));
        assert!(!base64_file(b"Bonjour Madame, voici 12 pieces"));
    }
}
