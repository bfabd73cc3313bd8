//! The literals of a script, read from the source as the lexer meets
//! them: quoted strings with their escapes (ECMA-262 §12.9.4, and the
//! legacy octal escapes of Annex B.1.2), template literals without their
//! `${…}` parts, numbers in every radix, and the end of a regular
//! expression literal. Each takes the source and a start offset and
//! returns what it read with the offset past it; none reads past the end.

/// A quoted string literal starting at `start`: its value and the end.
pub(super) fn string_literal(src: &str, start: usize) -> (String, usize) {
    let b = src.as_bytes();
    let quote = b[start];
    let mut out = String::new();
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{fffd}')));
    };
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        if c == quote {
            flush(&mut units, &mut out);
            return (out, i + 1);
        }
        if c == b'\n' {
            break;
        }
        if c == b'\\' {
            let (unit, next) = escape_at(src, i);
            match unit {
                Escaped::Unit(u) => units.push(u),
                Escaped::Char(ch) => {
                    flush(&mut units, &mut out);
                    out.push(ch);
                }
                Escaped::Nothing => {}
            }
            i = next;
            continue;
        }
        flush(&mut units, &mut out);
        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    flush(&mut units, &mut out);
    (out, i)
}

enum Escaped {
    Unit(u16),
    Char(char),
    Nothing,
}

/// The escape sequence at `i` (a backslash), ECMA-262 §12.9.4.
fn escape_at(src: &str, i: usize) -> (Escaped, usize) {
    let b = src.as_bytes();
    let Some(&c) = b.get(i + 1) else {
        return (Escaped::Nothing, i + 1);
    };
    let hex = |from: usize, len: usize| -> Option<u32> {
        let t = src.get(from..from + len)?;
        if !t.bytes().all(|x| x.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(t, 16).ok()
    };
    match c {
        b'n' => (Escaped::Char('\n'), i + 2),
        b'r' => (Escaped::Char('\r'), i + 2),
        b't' => (Escaped::Char('\t'), i + 2),
        b'b' => (Escaped::Char('\u{8}'), i + 2),
        b'f' => (Escaped::Char('\u{c}'), i + 2),
        b'v' => (Escaped::Char('\u{b}'), i + 2),
        b'\r' => (
            Escaped::Nothing,
            if b.get(i + 2) == Some(&b'\n') {
                i + 3
            } else {
                i + 2
            },
        ),
        b'\n' => (Escaped::Nothing, i + 2),
        b'x' => match hex(i + 2, 2) {
            Some(v) => (Escaped::Unit(v as u16), i + 4),
            None => (Escaped::Char('x'), i + 2),
        },
        b'u' if b.get(i + 2) == Some(&b'{') => {
            let end = src[i + 3..].find('}').map(|e| i + 3 + e);
            match end.and_then(|e| hex(i + 3, e - (i + 3)).map(|v| (v, e))) {
                Some((v, e)) => (
                    Escaped::Char(char::from_u32(v).unwrap_or('\u{fffd}')),
                    e + 1,
                ),
                None => (Escaped::Char('u'), i + 2),
            }
        }
        b'u' => match hex(i + 2, 4) {
            Some(v) => (Escaped::Unit(v as u16), i + 6),
            None => (Escaped::Char('u'), i + 2),
        },
        b'0'..=b'7' => {
            // Legacy octal escapes (Annex B.1.2), up to \377.
            let mut v = 0u32;
            let mut j = i + 1;
            while j < b.len()
                && j < i + 4
                && (b'0'..=b'7').contains(&b[j])
                && v * 8 + ((b[j] - b'0') as u32) <= 0o377
            {
                v = v * 8 + (b[j] - b'0') as u32;
                j += 1;
            }
            (Escaped::Unit(v as u16), j)
        }
        _ => {
            let ch = src[i + 1..].chars().next().unwrap_or('\u{fffd}');
            (Escaped::Char(ch), i + 1 + ch.len_utf8())
        }
    }
}

/// A template literal: its text (the `${…}` parts left out), whether it
/// had any, and the end.
pub(super) fn template_literal(src: &str, start: usize) -> (String, bool, usize) {
    let b = src.as_bytes();
    let mut out = String::new();
    let mut subst = false;
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'`' => return (out, subst, i + 1),
            b'\\' => {
                let (e, next) = escape_at(src, i);
                match e {
                    Escaped::Unit(u) => out.push(char::from_u32(u as u32).unwrap_or('\u{fffd}')),
                    Escaped::Char(c) => out.push(c),
                    Escaped::Nothing => {}
                }
                i = next;
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                subst = true;
                let mut depth = 0usize;
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    (out, subst, i)
}

/// A numeric literal: its value and the end.
pub(super) fn number(src: &str, start: usize) -> (f64, usize) {
    let b = src.as_bytes();
    let mut i = start;
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
        let radix = match b[i + 1] | 0x20 {
            b'x' => 16,
            b'o' => 8,
            _ => 2,
        };
        i += 2;
        let from = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        let digits: String = src[from..i]
            .chars()
            .filter(|c| *c != '_' && *c != 'n')
            .collect();
        return (
            u64::from_str_radix(&digits, radix).map_or(f64::NAN, |v| v as f64),
            i,
        );
    }
    while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'_')) {
        i += 1;
    }
    if i < b.len() && (b[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < b.len() && matches!(b[j], b'+' | b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
    if i < b.len() && b[i] == b'n' {
        i += 1;
    }
    (text.parse().unwrap_or(f64::NAN), i)
}

/// The end of a regular expression literal starting at `start`, if one
/// ends on its line.
pub(super) fn regex_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut class = false;
    while i < b.len() {
        match b[i] {
            b'\n' | b'\r' => return None,
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                i += 1;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}
