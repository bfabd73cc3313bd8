//! PDF objects as ISO 32000-1 §7.2 (lexical conventions) and §7.3 (objects)
//! write them: a lexer and a parser of one value at a time, bounded and
//! lenient, that never panics.
//!
//! Names are decoded from their `#xx` escapes (§7.3.5: `/J#61vaScript` is
//! `/JavaScript`), literal strings from their backslash escapes (§7.3.4.2),
//! hexadecimal strings from their digits (§7.3.4.3, an odd last digit
//! followed by 0). `N G R` is a reference (§7.3.10). Comments (`%` to the
//! end of the line) are white space outside strings (§7.2.3).
//!
//! Bounds: arrays and dictionaries nest at most [`MAX_DEPTH`] deep; one
//! parse makes at most [`MAX_VALUES`] values; a string keeps at most
//! [`MAX_KEPT_STRING`] bytes (the rest is read and dropped). Past a bound
//! the parse stops, keeps what it read, and says so in [`Parser::trouble`]:
//! the caller turns it into a finding (fail closed).

/// Arrays and dictionaries inside one another, at most. ISO 32000-1
/// Annex C.2 gives 28 as a conforming reader's limit; a deeper value is no
/// ordinary document (lopdf issue 82: a parser without a bound aborts).
pub(crate) const MAX_DEPTH: usize = 64;

/// Values one parse may make (one indirect object, or one trailer): about
/// 40 MiB of parsed values at most, whatever the object's size.
pub(crate) const MAX_VALUES: usize = 1 << 20;

/// Bytes of a string kept (64 KiB): enough for any target, file name or
/// text the scanner reads; the rest of a longer string is read and dropped.
pub(crate) const MAX_KEPT_STRING: usize = 64 << 10;

/// Bytes of a name kept (ISO 32000-1 Annex C.2 limits names to 127).
const MAX_KEPT_NAME: usize = 256;

/// One PDF value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// The bytes of a literal or hexadecimal string, escapes undone.
    Str(Vec<u8>),
    /// A name without its slash, `#xx` escapes undone.
    Name(Vec<u8>),
    Array(Vec<Value>),
    Dict(Dict),
    /// An indirect reference: object number and generation.
    Ref(u32, u16),
}

/// A dictionary, in the order its entries were written. A key given twice
/// keeps both entries (readers differ on which wins: [`Dict::get`] gives
/// the first, [`Dict::all`] both).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Dict(pub(crate) Vec<(Vec<u8>, Value)>);

impl Dict {
    /// The first value of `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every value of `key`.
    pub(crate) fn all<'a>(&'a self, key: &'a [u8]) -> impl Iterator<Item = &'a Value> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v)
    }

    /// The name `key` holds, if it holds a name.
    pub(crate) fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key)? {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

    /// Whether any value of `key` is the name `name`.
    pub(crate) fn has_name(&self, key: &[u8], name: &[u8]) -> bool {
        self.all(key)
            .any(|v| matches!(v, Value::Name(n) if n == name))
    }

    /// The integer `key` holds directly.
    pub(crate) fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key)? {
            Value::Int(i) => Some(*i),
            Value::Real(r) if r.is_finite() => Some(*r as i64),
            _ => None,
        }
    }

    /// Whether the dictionary has `key`.
    pub(crate) fn has(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }
}

impl Value {
    /// The dictionary, if the value is one.
    pub(crate) fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}

/// Why a parse stopped before the end of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// Arrays or dictionaries nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_VALUES`] values in one parse.
    TooManyValues,
}

/// White space (ISO 32000-1 §7.2.2, Table 1).
pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Delimiters (§7.2.2, Table 2).
pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A byte that ends a regular token.
pub(crate) fn ends_token(b: u8) -> bool {
    is_white(b) || is_delimiter(b)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One token.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Int(i64),
    Real(f64),
    Name(Vec<u8>),
    Str(Vec<u8>),
    DictOpen,
    DictClose,
    ArrayOpen,
    ArrayClose,
    /// Any other run of regular characters (`true`, `R`, `obj`, `stream` …),
    /// or a lone delimiter that starts nothing (`)`, `>`, `{`, `}`).
    Keyword(&'a [u8]),
    Eof,
}

/// A parser over `bytes`, from a position.
pub(crate) struct Parser<'a> {
    bytes: &'a [u8],
    pub(crate) pos: usize,
    values: usize,
    /// Set when a bound stopped the parse.
    pub(crate) trouble: Option<Trouble>,
}

impl<'a> Parser<'a> {
    /// A parser at `pos` (clamped to the end of `bytes`).
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Parser<'a> {
        Parser {
            bytes,
            pos: pos.min(bytes.len()),
            values: 0,
            trouble: None,
        }
    }

    /// Skips white space and comments.
    pub(crate) fn skip_white(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(&c) = self.bytes.get(self.pos) {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The keyword at the current position (white space skipped), without
    /// moving, if the next token is one.
    pub(crate) fn peek_keyword(&mut self) -> Option<&'a [u8]> {
        let save = self.pos;
        let token = self.token();
        self.pos = save;
        match token {
            Token::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// Moves past the next token.
    pub(crate) fn skip_token(&mut self) {
        let _ = self.token();
    }

    fn token(&mut self) -> Token<'a> {
        self.skip_white();
        let bytes = self.bytes;
        let Some(&b) = bytes.get(self.pos) else {
            return Token::Eof;
        };
        match b {
            b'/' => {
                self.pos += 1;
                Token::Name(self.name_body())
            }
            b'(' => {
                self.pos += 1;
                Token::Str(self.literal_body())
            }
            b'<' if bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Token::DictOpen
            }
            b'<' => {
                self.pos += 1;
                Token::Str(self.hex_body())
            }
            b'>' if bytes.get(self.pos + 1) == Some(&b'>') => {
                self.pos += 2;
                Token::DictClose
            }
            b'[' => {
                self.pos += 1;
                Token::ArrayOpen
            }
            b']' => {
                self.pos += 1;
                Token::ArrayClose
            }
            b')' | b'>' | b'{' | b'}' => {
                self.pos += 1;
                Token::Keyword(&bytes[self.pos - 1..self.pos])
            }
            _ => {
                let start = self.pos;
                while self.pos < bytes.len() && !ends_token(bytes[self.pos]) {
                    self.pos += 1;
                }
                let word = &bytes[start..self.pos];
                number(word).unwrap_or(Token::Keyword(word))
            }
        }
    }

    /// A name's characters after the slash (§7.3.5).
    fn name_body(&mut self) -> Vec<u8> {
        let bytes = self.bytes;
        let mut out = Vec::new();
        while self.pos < bytes.len() && !ends_token(bytes[self.pos]) {
            let mut b = bytes[self.pos];
            self.pos += 1;
            if b == b'#'
                && let (Some(h), Some(l)) = (
                    bytes.get(self.pos).copied().and_then(hex_val),
                    bytes.get(self.pos + 1).copied().and_then(hex_val),
                )
            {
                b = h << 4 | l;
                self.pos += 2;
            }
            if out.len() < MAX_KEPT_NAME {
                out.push(b);
            }
        }
        out
    }

    /// A literal string's bytes after its `(` (§7.3.4.2), up to the
    /// balancing `)` or the end of the bytes.
    fn literal_body(&mut self) -> Vec<u8> {
        let bytes = self.bytes;
        let mut out = Vec::new();
        let mut depth = 0usize;
        let push = |out: &mut Vec<u8>, b: u8| {
            if out.len() < MAX_KEPT_STRING {
                out.push(b);
            }
        };
        while let Some(&b) = bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'\\' => {
                    let Some(&e) = bytes.get(self.pos) else { break };
                    self.pos += 1;
                    match e {
                        b'n' => push(&mut out, b'\n'),
                        b'r' => push(&mut out, b'\r'),
                        b't' => push(&mut out, b'\t'),
                        b'b' => push(&mut out, 8),
                        b'f' => push(&mut out, 12),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match bytes.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            push(&mut out, v as u8);
                        }
                        b'\r' => {
                            if bytes.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        c => push(&mut out, c),
                    }
                }
                b'(' => {
                    depth += 1;
                    push(&mut out, b);
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    push(&mut out, b);
                }
                c => push(&mut out, c),
            }
        }
        out
    }

    /// A hexadecimal string's bytes after its `<` (§7.3.4.3).
    fn hex_body(&mut self) -> Vec<u8> {
        let bytes = self.bytes;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(&b) = bytes.get(self.pos) {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = hex_val(b) else { continue };
            match high.take() {
                Some(h) => {
                    if out.len() < MAX_KEPT_STRING {
                        out.push(h << 4 | v);
                    }
                }
                None => high = Some(v),
            }
        }
        if let Some(h) = high
            && out.len() < MAX_KEPT_STRING
        {
            out.push(h << 4);
        }
        out
    }

    fn count(&mut self) -> bool {
        self.values += 1;
        if self.values > MAX_VALUES {
            self.trouble.get_or_insert(Trouble::TooManyValues);
            return false;
        }
        true
    }

    /// The next value, or `None` at the end of the bytes, at a token that
    /// starts no value (a keyword other than `true`, `false`, `null`; a
    /// closing delimiter), or once a bound is passed. After `None` for a
    /// token that starts no value, the position is just past that token.
    pub(crate) fn value(&mut self) -> Option<Value> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Option<Value> {
        if self.trouble.is_some() || !self.count() {
            return None;
        }
        match self.token() {
            Token::Int(a) => Some(self.maybe_reference(a)),
            Token::Real(r) => Some(Value::Real(r)),
            Token::Name(n) => Some(Value::Name(n)),
            Token::Str(s) => Some(Value::Str(s)),
            Token::Keyword(b"true") => Some(Value::Bool(true)),
            Token::Keyword(b"false") => Some(Value::Bool(false)),
            Token::Keyword(b"null") => Some(Value::Null),
            Token::DictOpen => {
                if depth >= MAX_DEPTH {
                    self.trouble = Some(Trouble::TooDeep);
                    return None;
                }
                Some(Value::Dict(self.dict_body(depth + 1)))
            }
            Token::ArrayOpen => {
                if depth >= MAX_DEPTH {
                    self.trouble = Some(Trouble::TooDeep);
                    return None;
                }
                Some(Value::Array(self.array_body(depth + 1)))
            }
            _ => None,
        }
    }

    /// `a` followed by `G R` is a reference; otherwise the integer alone.
    fn maybe_reference(&mut self, a: i64) -> Value {
        let save = self.pos;
        if let Token::Int(g) = self.token()
            && let Token::Keyword(b"R") = self.token()
            && let (Ok(num), Ok(generation)) = (u32::try_from(a), u16::try_from(g))
        {
            return Value::Ref(num, generation);
        }
        self.pos = save;
        Value::Int(a)
    }

    /// A dictionary's entries after its `<<`, up to `>>` or the end. A key
    /// that is not a name is skipped, with the value that may follow it.
    fn dict_body(&mut self, depth: usize) -> Dict {
        let mut entries = Vec::new();
        loop {
            if self.trouble.is_some() {
                break;
            }
            let token = self.token();
            match token {
                Token::DictClose | Token::Eof => break,
                Token::Name(key) => {
                    let save = self.pos;
                    match self.value_at(depth) {
                        Some(v) => entries.push((key, v)),
                        // A key without a value (`/K >>`): let the loop
                        // read what stopped it.
                        None => {
                            if self.trouble.is_some() {
                                break;
                            }
                            self.pos = save;
                            if !self.keyword_is_next() {
                                continue;
                            }
                            // A keyword that is not a value (`endobj`,
                            // `stream`): the dictionary was never closed.
                            if self.stops_dict() {
                                break;
                            }
                            self.skip_token();
                        }
                    }
                }
                Token::Keyword(k) if matches!(k, b"endobj" | b"stream" | b"obj" | b"endstream") => {
                    // Unclosed: give the keyword back to the caller.
                    self.pos -= k.len();
                    break;
                }
                // Junk where a key should be: skipped (a value that
                // starts here is read and dropped with it, nested within
                // the same bound).
                Token::ArrayOpen | Token::DictOpen if depth >= MAX_DEPTH => {
                    self.trouble = Some(Trouble::TooDeep);
                    break;
                }
                Token::ArrayOpen => {
                    let _ = self.array_body(depth + 1);
                }
                Token::DictOpen => {
                    let _ = self.dict_body(depth + 1);
                }
                _ => {}
            }
        }
        Dict(entries)
    }

    fn keyword_is_next(&mut self) -> bool {
        self.peek_keyword().is_some()
    }

    fn stops_dict(&mut self) -> bool {
        matches!(
            self.peek_keyword(),
            Some(b"endobj" | b"stream" | b"obj" | b"endstream")
        )
    }

    /// An array's values after its `[`, up to `]` or the end.
    fn array_body(&mut self, depth: usize) -> Vec<Value> {
        let mut items = Vec::new();
        loop {
            if self.trouble.is_some() {
                break;
            }
            let save = self.pos;
            match self.value_at(depth) {
                Some(v) => items.push(v),
                None => {
                    if self.trouble.is_some() {
                        break;
                    }
                    self.pos = save;
                    match self.token() {
                        Token::ArrayClose | Token::Eof => break,
                        Token::Keyword(k)
                            if matches!(k, b"endobj" | b"stream" | b"obj" | b"endstream") =>
                        {
                            self.pos -= k.len();
                            break;
                        }
                        // `>>` inside an array: the array was never
                        // closed; the dictionary around it ends here.
                        Token::DictClose => {
                            self.pos -= 2;
                            break;
                        }
                        _ => {}
                    }
                }
            }
        }
        items
    }
}

/// A number token (§7.3.3): `12`, `-3`, `+4.5`, `.5`, `4.`; lenient about
/// a second sign or point as readers are (`--3` is read as -3 by some,
/// here as a keyword). `None` for anything else.
fn number(word: &[u8]) -> Option<Token<'static>> {
    let digits = word
        .strip_prefix(b"-")
        .or_else(|| word.strip_prefix(b"+"))
        .unwrap_or(word);
    if digits.is_empty() || !digits.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let text = std::str::from_utf8(word).ok()?;
    if !digits.contains(&b'.') {
        // A long run of digits: a real, as readers do past 2^31.
        return Some(match text.parse::<i64>() {
            Ok(i) => Token::Int(i),
            Err(_) => Token::Real(text.parse::<f64>().unwrap_or(0.0)),
        });
    }
    if digits.iter().filter(|b| **b == b'.').count() > 1 {
        return None;
    }
    let text = if text.ends_with('.') {
        text.trim_end_matches('.')
    } else {
        text
    };
    match text {
        "" | "-" | "+" => Some(Token::Real(0.0)),
        _ => text.parse::<f64>().ok().map(Token::Real),
    }
}

/// A PDF text string (§7.9.2.2): UTF-16BE with a byte order mark, UTF-8
/// with one (PDF 2.0), or PDFDocEncoding (read as Latin-1, which it is for
/// the characters of file names).
pub(crate) fn text_string(raw: &[u8]) -> String {
    if let Some(rest) = raw.strip_prefix(b"\xfe\xff") {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Ok(s) = std::str::from_utf8(raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)) {
        return s.to_string();
    }
    raw.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Option<Value> {
        Parser::new(text, 0).value()
    }

    fn dict(text: &[u8]) -> Dict {
        match parse(text) {
            Some(Value::Dict(d)) => d,
            other => panic!("not a dictionary: {other:?}"),
        }
    }

    #[test]
    fn names_are_decoded_from_their_escapes() {
        let d = dict(b"<< /S /J#61vaScript /J#53 (x) /A#20B 1 >>");
        assert_eq!(d.name(b"S"), Some(&b"JavaScript"[..]));
        assert!(d.has(b"JS"));
        assert!(d.has(b"A B"));
        // `#` without two hex digits stays as it is.
        let d = dict(b"<< /S /Go#T#6fR >>");
        assert_eq!(d.name(b"S"), Some(&b"Go#ToR"[..]));
    }

    #[test]
    fn references_strings_and_nesting() {
        let d = dict(b"<</A 12 0 R/B[1 2 R 3 0 R(a\\)b\\101)<4142 4>]/C<</D true>>%c\n/E null>>");
        assert_eq!(d.get(b"A"), Some(&Value::Ref(12, 0)));
        let Some(Value::Array(items)) = d.get(b"B") else {
            panic!()
        };
        assert_eq!(items.len(), 4);
        assert_eq!(items[0], Value::Ref(1, 2));
        assert_eq!(items[1], Value::Ref(3, 0));
        assert_eq!(items[2], Value::Str(b"a)bA".to_vec()));
        assert_eq!(items[3], Value::Str(b"AB@".to_vec()));
        assert!(d.get(b"C").and_then(Value::as_dict).is_some());
        assert_eq!(d.get(b"E"), Some(&Value::Null));
    }

    #[test]
    fn unbalanced_input_ends_without_panic() {
        for text in [
            &b"<< /A [ 1 2 << /B (unclosed"[..],
            b"[[[[[[",
            b"<< /A >> >> ]",
            b"<< /K endobj",
            b"(\\",
            b"<ab",
            b"/#",
            b"/#4",
            b"-",
            b".",
            b"1.2.3",
            b"99999999999999999999999",
        ] {
            let _ = parse(text);
        }
        let d = dict(b"<< /A 1 /B >>");
        assert_eq!(d.int(b"A"), Some(1));
        let d = dict(b"<< /A 1 /B endobj");
        assert_eq!(d.int(b"A"), Some(1));
    }

    #[test]
    fn nesting_past_the_bound_is_trouble() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        let mut p = Parser::new(deep.as_bytes(), 0);
        let _ = p.value();
        assert_eq!(p.trouble, Some(Trouble::TooDeep));
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        let mut p = Parser::new(fine.as_bytes(), 0);
        assert!(p.value().is_some());
        assert_eq!(p.trouble, None);
    }

    #[test]
    fn junk_nested_where_keys_go_is_bounded_too() {
        let junk = "<<".repeat(100_000);
        let mut p = Parser::new(junk.as_bytes(), 0);
        let _ = p.value();
        assert_eq!(p.trouble, Some(Trouble::TooDeep));
    }

    #[test]
    fn values_past_the_bound_are_trouble() {
        let many = format!("[{}]", "0 ".repeat(MAX_VALUES + 1));
        let mut p = Parser::new(many.as_bytes(), 0);
        let _ = p.value();
        assert_eq!(p.trouble, Some(Trouble::TooManyValues));
    }
}
