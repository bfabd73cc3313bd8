//! The tokens of a script and the lexer that cuts them: white space and
//! comments skipped (the HTML-like `<!--` and `-->` of ECMA-262 Annex
//! B.1.1 too), punctuators longest first, and a `/` read as a regular
//! expression only where an operator, not a value, comes before it. The
//! literals themselves are read by [`super::literals`].

use super::literals::{number, regex_end, string_literal, template_literal};

/// A token of the script.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok<'s> {
    Str(String),
    /// A template literal: its text, and whether it has `${…}` parts.
    Template(String, bool),
    Num(f64),
    Ident(&'s str),
    Punct(&'s str),
    Regex,
    End,
}

/// The lexer: a position in the source, and whether a `/` there starts a
/// regular expression (it does after an operator, not after a value).
#[derive(Clone, Copy)]
pub(super) struct Lexer {
    /// The byte offset in the source.
    pub(super) pos: usize,
    /// Whether a `/` here starts a regular expression.
    pub(super) regex_ok: bool,
}

const PUNCTS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<<", ">>", "**",
];

const REGEX_AFTER_WORDS: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "instanceof",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
];

impl Lexer {
    /// Skips white space and comments (`//`, `/* */`, and the HTML-like
    /// `<!--` and `-->` of Annex B.1.1).
    fn skip_space(&mut self, src: &str) {
        let b = src.as_bytes();
        let mut i = self.pos;
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == 0x0b) {
                i += 1;
            }
            if b[i..].starts_with(b"//")
                || b[i..].starts_with(b"<!--")
                || b[i..].starts_with(b"-->")
            {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            if b[i..].starts_with(b"/*") {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
                continue;
            }
            // Non-ASCII spaces (NBSP, U+2028 …) count as white space.
            if i < b.len() && b[i] >= 0x80 {
                let c = src[i..].chars().next().unwrap_or('a');
                if c.is_whitespace() || c == '\u{feff}' {
                    i += c.len_utf8();
                    continue;
                }
            }
            break;
        }
        self.pos = i;
    }

    /// The token at the position, which moves past it.
    pub(super) fn next<'s>(&mut self, src: &'s str) -> Tok<'s> {
        self.skip_space(src);
        let b = src.as_bytes();
        let start = self.pos;
        if start >= b.len() {
            return Tok::End;
        }
        let c = b[start];
        let tok = match c {
            b'"' | b'\'' => {
                let (s, end) = string_literal(src, start);
                self.pos = end;
                Tok::Str(s)
            }
            b'`' => {
                let (s, subst, end) = template_literal(src, start);
                self.pos = end;
                Tok::Template(s, subst)
            }
            b'0'..=b'9' => {
                let (n, end) = number(src, start);
                self.pos = end;
                Tok::Num(n)
            }
            b'.' if b.get(start + 1).is_some_and(u8::is_ascii_digit) => {
                let (n, end) = number(src, start);
                self.pos = end;
                Tok::Num(n)
            }
            b'/' if self.regex_ok => match regex_end(b, start) {
                Some(end) => {
                    self.pos = end;
                    Tok::Regex
                }
                None => {
                    self.pos = start + 1;
                    Tok::Punct("/")
                }
            },
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'\\' || c >= 0x80 => {
                let mut i = start;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'_' | b'$' | b'\\')
                        || b[i] >= 0x80)
                {
                    if b[i] >= 0x80 {
                        let ch = src[i..].chars().next().unwrap_or(' ');
                        if ch.is_whitespace() {
                            break;
                        }
                        i += ch.len_utf8();
                    } else {
                        i += 1;
                    }
                }
                let first = src[start..].chars().next().map_or(1, char::len_utf8);
                self.pos = i.max(start + first);
                Tok::Ident(&src[start..self.pos])
            }
            _ => {
                let rest = &src[start..];
                let len = PUNCTS.iter().find(|p| rest.starts_with(**p)).map_or_else(
                    || rest.chars().next().map_or(1, char::len_utf8),
                    |p| p.len(),
                );
                self.pos = start + len;
                Tok::Punct(&src[start..start + len])
            }
        };
        self.regex_ok = match &tok {
            Tok::Punct(p) => !matches!(*p, ")" | "]" | "}" | "++" | "--"),
            Tok::Ident(w) => REGEX_AFTER_WORDS.contains(w),
            _ => false,
        };
        tok
    }
}
