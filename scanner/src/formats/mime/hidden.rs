//! Text that hides a file: what a lenient mail reader, a webmail or a user
//! with a decoder could turn into an attachment although no header
//! declares one. Found here, decoded and scanned by the MIME walk:
//!
//! - base64 runs (RFC 4648 §4) and quoted-printable text (RFC 2045 §6.7)
//!   in a text body, a preamble or an epilogue;
//! - MIME structure in a body that no header declares: a delimiter line
//!   followed by part headers (RFC 2046 §5.1.1), or part headers at the
//!   very start of a body, with or without the blank line that should end
//!   them (RFC 5322 §2.1).
//!
//! Uuencoded, yEnc and BinHex files are found by
//! [`crate::detect::encodings`] and read by `formats::encoded`. A
//! preamble or epilogue that holds more than a human note is named by
//! [`hidden_content`].

use crate::sentence::Hidden;
use memchr::memmem;
use std::ops::Range;

/// A base64 line: at least this many characters of the alphabet.
const MIN_LINE: usize = 20;
/// Lines in a run, unless one line alone is long.
const MIN_LINES: usize = 3;
/// A single line of base64 this long is a run on its own.
const LONG_LINE: usize = 200;
/// Runs taken from one text; more are left to the budgets' finding.
pub(crate) const MAX_RUNS: usize = 32;

/// The lines of `text` with their byte ranges (without the line end).
fn lines(text: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let mut stop = end;
        while stop > start && matches!(text[stop - 1], b'\r' | b' ' | b'\t') {
            stop -= 1;
        }
        let line = start..stop;
        start = end + 1;
        Some(line)
    })
}

/// Whether a line is made of base64: the alphabet only, then at most two `=`.
fn base64_chars(line: &[u8]) -> bool {
    let data = line
        .strip_suffix(b"==")
        .or_else(|| line.strip_suffix(b"="))
        .unwrap_or(line);
    !data.is_empty()
        && data
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// A full base64 line: at least [`MIN_LINE`] characters of it.
fn base64_line(line: &[u8]) -> bool {
    line.len() >= MIN_LINE && base64_chars(line)
}

/// The byte ranges of the base64 runs of a text: at least three
/// consecutive base64 lines (a short last line included), or one line of
/// at least 200 characters, mixing upper case, lower case and digits or
/// symbols. Prose does not qualify (words are short, text has spaces);
/// PEM blocks and signatures do, and are harmless to decode.
pub(crate) fn base64_runs(text: &[u8]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut current: Option<(Range<usize>, usize)> = None;
    // Encoded data mixes the classes of the alphabet; a column of long
    // words does not.
    let mixed = |run: &[u8]| {
        run.iter().any(u8::is_ascii_uppercase)
            && run.iter().any(u8::is_ascii_lowercase)
            && run
                .iter()
                .any(|&b| b.is_ascii_digit() || b == b'+' || b == b'/')
    };
    let close = |run: Option<(Range<usize>, usize)>, runs: &mut Vec<Range<usize>>| {
        if let Some((range, n)) = run
            && (n >= MIN_LINES || range.len() >= LONG_LINE)
            && runs.len() < MAX_RUNS
            && mixed(&text[range.clone()])
        {
            runs.push(range);
        }
    };
    for line in lines(text) {
        let bytes = &text[line.clone()];
        let is_data = base64_line(bytes)
            // The short last line of a run.
            || current.as_ref().is_some_and(|(_, n)| *n >= MIN_LINES - 1)
                && bytes.len() < MIN_LINE
                && base64_chars(bytes);
        if is_data {
            let (range, n) = current.get_or_insert((line.start..line.end, 0));
            range.end = line.end;
            *n += 1;
            if bytes.len() < MIN_LINE {
                close(current.take(), &mut runs);
            }
        } else {
            close(current.take(), &mut runs);
        }
    }
    close(current, &mut runs);
    runs
}

/// Whether a text not declared quoted-printable reads differently once
/// decoded as quoted-printable: soft line breaks, or at least eight `=XX`
/// escapes (a stray `=` in prose or a URL is not enough).
pub(crate) fn looks_quoted_printable(text: &[u8]) -> bool {
    let soft = memchr::memmem::find(text, b"=\n").is_some()
        || memchr::memmem::find(text, b"=\r\n").is_some();
    soft || memchr::memchr_iter(b'=', text)
        .filter(|&i| {
            text.get(i + 1..i + 3).is_some_and(|h| {
                h.iter()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
            })
        })
        .nth(7)
        .is_some()
}

/// MIME structure in a text that no header declares.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Undeclared {
    /// A delimiter line `--boundary` followed by part headers, at `start`:
    /// a lenient reader takes what follows as a multipart body.
    Multipart { boundary: Vec<u8>, start: usize },
    /// Part headers at the start of the text (after blank lines): the text
    /// is a MIME entity whose header block ends at `body` (the blank line,
    /// or the first line that is not a header field when there is none).
    Entity { body: usize },
}

/// The MIME header fields that make an entity (RFC 2045 §3, RFC 2183).
fn mime_field(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    let name_end = lower.iter().position(|&b| b == b':');
    name_end.is_some_and(|end| {
        let name = lower[..end].trim_ascii_end();
        matches!(
            name,
            b"content-type" | b"content-disposition" | b"content-transfer-encoding"
        )
    })
}

/// Any header field line: `name:` with a printable name and no space in it
/// (RFC 5322 §2.2), or a folded continuation.
fn field_or_continuation(line: &[u8]) -> bool {
    line.first().is_some_and(|&b| b == b' ' || b == b'\t')
        || line.iter().position(|&b| b == b':').is_some_and(|end| {
            end > 0
                && line[..end]
                    .trim_ascii_end()
                    .iter()
                    .all(|&b| b.is_ascii_graphic())
        })
}

/// Finds undeclared MIME structure in a text body: first part headers at
/// its start, then a delimiter line directly followed by a MIME field.
pub(crate) fn undeclared_mime(text: &[u8]) -> Option<Undeclared> {
    let mut all = lines(text).peekable();
    while all.peek().is_some_and(|l| l.is_empty()) {
        all.next();
    }
    if all.peek().is_some_and(|l| mime_field(&text[l.clone()])) {
        for line in all {
            let bytes = &text[line.clone()];
            if bytes.is_empty() {
                return Some(Undeclared::Entity { body: line.end });
            }
            if !field_or_continuation(bytes) {
                return Some(Undeclared::Entity { body: line.start });
            }
        }
        return None;
    }
    let mut previous: Option<Range<usize>> = None;
    for line in lines(text) {
        if let Some(delimiter) = previous.take() {
            let token = &text[delimiter.start + 2..delimiter.end];
            if mime_field(&text[line.clone()]) {
                let boundary = token.strip_suffix(b"--").unwrap_or(token).to_vec();
                return Some(Undeclared::Multipart {
                    boundary,
                    start: delimiter.start,
                });
            }
        }
        let bytes = &text[line.clone()];
        // RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
        if bytes.starts_with(b"--") && (3..=72).contains(&bytes.len()) && !bytes.contains(&b' ') {
            previous = Some(line);
        }
    }
    None
}

/// A header block that runs into its body: no blank line, but a line that
/// is neither a header field nor a folded continuation, after at least
/// one MIME field. Parsers differ here (RFC 5322 §2.1 wants the blank
/// line): some read the rest as more headers and lose the body, others
/// start the body at that line. Returns where that line starts.
pub(crate) fn unterminated_headers(entity: &[u8]) -> Option<usize> {
    let mut mime = false;
    for line in lines(entity) {
        let bytes = &entity[line.clone()];
        if bytes.is_empty() {
            return None;
        }
        if !field_or_continuation(bytes) {
            return mime.then_some(line.start);
        }
        mime |= mime_field(bytes);
    }
    None
}

/// The bodies between the delimiter lines of a multipart body (RFC 2046
/// §5.1.1: `--boundary` at the start of a line), without the delimiters.
/// `delimiters` are the offsets of those lines, in order, as
/// [`crate::formats::mime::ambiguity::check_multipart`] found them.
pub(crate) fn multipart_segments<'a>(body: &'a [u8], delimiters: &[usize]) -> Vec<&'a [u8]> {
    delimiters
        .windows(2)
        .map(|pair| {
            let next_line = memchr::memchr(b'\n', &body[pair[0]..]).map(|i| pair[0] + i + 1);
            let from = next_line.unwrap_or(pair[1]).min(pair[1]);
            &body[from..pair[1]]
        })
        .collect()
}

/// The entity an [`Undeclared`] structure stands for, as bytes a MIME
/// parser reads: a multipart gets a header that declares its boundary; an
/// entity whose header block runs into its body gets the blank line.
pub(crate) fn as_entity(text: &[u8], found: &Undeclared) -> Vec<u8> {
    match found {
        Undeclared::Multipart { boundary, start } => {
            let mut out = b"Content-Type: multipart/mixed; boundary=\"".to_vec();
            out.extend_from_slice(boundary);
            out.extend_from_slice(b"\"\r\n\r\n");
            out.extend_from_slice(&text[*start..]);
            out
        }
        Undeclared::Entity { body } => {
            let mut out = text[..*body].to_vec();
            if !text[..*body].ends_with(b"\n\n") && !text[..*body].ends_with(b"\n\r\n") {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(&text[*body..]);
            out
        }
    }
}

/// Whether a preamble or epilogue holds more than a human note: header-like
/// lines, delimiter-like lines, or a long run of encoded data. Some readers
/// (and some rewriting gateways) do show or reparse these regions.
pub(crate) fn hidden_content(region: &[u8]) -> Option<Hidden> {
    let text = region.trim_ascii();
    if text.is_empty() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if memmem::find(&lower, b"content-type:").is_some()
        || memmem::find(&lower, b"content-transfer-encoding:").is_some()
    {
        return Some(Hidden::MimeHeaders);
    }
    if text.starts_with(b"--") || memmem::find(text, b"\n--").is_some() {
        return Some(Hidden::DelimiterLine);
    }
    let mut run = 0usize;
    for &b in text {
        if b.is_ascii_alphanumeric()
            || b == b'+'
            || b == b'/'
            || b == b'='
            || b == b'\r'
            || b == b'\n'
        {
            run += 1;
            if run >= 512 {
                return Some(Hidden::EncodedRun);
            }
        } else {
            run = 0;
        }
    }
    (text.len() > 4096).then_some(Hidden::LongText)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64_block(n: usize) -> String {
        let line = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(line);
            s.push_str("\r\n");
        }
        s.push_str("AAAA==\r\n");
        s
    }

    #[test]
    fn base64_runs_are_found_in_prose_and_prose_is_not_one() {
        let text = format!(
            "Bonjour,\r\n\r\nvoici le fichier :\r\n\r\n{}\r\nCordialement,\r\nla mairie\r\n",
            b64_block(4)
        );
        let runs = base64_runs(text.as_bytes());
        assert_eq!(runs.len(), 1);
        assert!(text[runs[0].clone()].starts_with("TVqQ"));
        assert!(text[runs[0].clone()].ends_with("AAAA=="));
        let prose = "Bonjour,\r\nMerci pour votre message du 12 novembre.\r\nAnticonstitutionnellement\r\nAnticonstitutionnellement\r\nAnticonstitutionnellement\r\n";
        assert_eq!(base64_runs(prose.as_bytes()), Vec::<Range<usize>>::new());
        assert!(
            base64_runs(b64_block(1).as_bytes()).is_empty(),
            "two lines are not a run"
        );
        let long = "QUJD0123abcd".repeat(20);
        assert_eq!(base64_runs(long.as_bytes()).len(), 1);
    }

    #[test]
    fn quoted_printable_markers() {
        assert!(looks_quoted_printable(
            b"caf=C3=A9 et une ligne coup=\r\nee"
        ));
        assert!(looks_quoted_printable(
            "=4D=5A=90=00=03=00=00=00=04".as_bytes()
        ));
        assert!(!looks_quoted_printable(
            b"https://example.fr/?a=1&b=2 et x=y"
        ));
    }

    #[test]
    fn undeclared_structure() {
        let multi = b"Bonjour\r\n--XYZ\r\nContent-Type: application/octet-stream\r\n\r\nTVqQ\r\n--XYZ--\r\n";
        let found = undeclared_mime(multi).unwrap();
        assert_eq!(
            found,
            Undeclared::Multipart {
                boundary: b"XYZ".to_vec(),
                start: 9
            }
        );
        assert!(
            as_entity(multi, &found)
                .starts_with(b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n--XYZ\r\n")
        );

        let run_in = b"Content-Type: application/octet-stream; name=a.exe\r\nContent-Transfer-Encoding: base64\r\nTVqQAAMAAAAE\r\n";
        let found = undeclared_mime(run_in).unwrap();
        let body = run_in.windows(4).position(|w| w == b"TVqQ").unwrap();
        assert_eq!(found, Undeclared::Entity { body });
        assert!(as_entity(run_in, &found).ends_with(b"base64\r\n\r\nTVqQAAMAAAAE\r\n"));

        let with_blank =
            b"\r\nContent-Disposition: attachment; filename=a.js\r\n\r\nWScript.Echo(1)\r\n";
        assert!(matches!(
            undeclared_mime(with_blank),
            Some(Undeclared::Entity { .. })
        ));

        let body = b"pre\r\n--b\r\nContent-Type: text/plain\r\n\r\nBonjour\r\n--b\r\nContent-Type: application/octet-stream\r\nTVqQAAMA\r\n--b--\r\n";
        let mut findings = Vec::new();
        let layout = crate::formats::mime::ambiguity::check_multipart(
            body,
            b"b",
            &[],
            "1",
            &mut findings,
            None,
        );
        assert_eq!(layout.delimiters.len(), 3);
        let segments = multipart_segments(body, &layout.delimiters);
        assert_eq!(segments.len(), 2);
        assert_eq!(unterminated_headers(segments[0]), None);
        assert_eq!(unterminated_headers(segments[1]), Some(40));
        assert_eq!(
            unterminated_headers(
                b"Received: x\r\n\tfolded\r\nContent-Type: text/plain\r\n\r\nbody"
            ),
            None
        );

        for benign in [
            &b"Bonjour,\r\n-- \r\nLa mairie\r\n"[..],
            b"Voici le Content-Type: de la page\r\n",
            b"--------\r\nNotes de la reunion\r\n",
        ] {
            assert_eq!(
                undeclared_mime(benign),
                None,
                "{:?}",
                String::from_utf8_lossy(benign)
            );
        }
    }
}
