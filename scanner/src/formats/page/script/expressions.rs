//! Expressions read into values: the comma, `+` (a concatenation when
//! both sides are text, a sum when both are numbers), the other operators
//! (an unknown value that keeps its operands' flags), unary operators,
//! literals (arrays, objects, functions and arrow functions), members,
//! indexes, calls and assignments. A call goes to [`super::calls`], an
//! assignment to [`super::sinks`]; nesting stops at [`MAX_NESTING`].

use super::lexer::Tok;
use super::{Data, LARGE, MAX_NESTING, Reader, Value, native, num_text, text_len};
use crate::decode::lenient_base64;

impl<'s> Reader<'s, '_> {
    /// An expression, with the comma operator: the last value.
    pub(super) fn expr(&mut self) -> Value {
        let mut v = self.assignment_expr();
        while self.eat(",") {
            v = self.assignment_expr();
        }
        v
    }

    /// One expression without the comma operator: terms joined by `+`
    /// (concatenation when both sides are text), other operators giving
    /// an unknown value that keeps its operands' flags, `? :`.
    pub(super) fn assignment_expr(&mut self) -> Value {
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

    pub(super) fn concat(&mut self, a: Value, b: Value) -> Value {
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
            Tok::Ident("function") => (self.function_rest().1, Vec::new()),
            Tok::Ident("new") => (self.construct(), Vec::new()),
            Tok::Ident("true" | "false" | "null" | "undefined" | "this") => {
                (Value::unknown(), Vec::new())
            }
            Tok::Ident(name) => {
                if self.peek() == Tok::Punct("=>") {
                    self.next();
                    return (self.arrow_body(), Vec::new());
                }
                let path = vec![name.to_string()];
                let v = match self.ctx.vars.get(name) {
                    Some(v) => v.clone(),
                    None => native_value(&path),
                };
                (v, path)
            }
            _ => (Value::unknown(), Vec::new()),
        }
    }

    /// After `=>`: a block or an expression.
    /// After `=>`: a block or an expression. A body that only calls a
    /// built-in on one name (`s => atob(s)`) makes the arrow that built-in.
    fn arrow_body(&mut self) -> Value {
        let seen = self.char_code_seen;
        let block = self.eat("{");
        let wraps = self.wrapped_native(block);
        if block {
            self.block();
        } else {
            self.assignment_expr();
        }
        let data = match wraps {
            Some(n) => Data::Native(n),
            None => Data::Function {
                char_code: self.char_code_seen > seen,
            },
        };
        Value {
            data,
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

    pub(super) fn args(&mut self) -> Vec<Value> {
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
                        cur = match property(&cur, &name).data {
                            Data::Native(n) => self.call_native(n, args),
                            _ => self.call(&cur, &path, &name, args),
                        };
                        path = vec!["()".into()];
                    } else {
                        cur = property(&cur, &name);
                        path.push(name);
                        if !cur.known() && native(&path).is_some() {
                            cur = native_value(&path);
                        }
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
                                if !cur.known() && native(&path).is_some() {
                                    cur = native_value(&path);
                                }
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
                    cur = match cur.data {
                        // A built-in held in a variable: `d(…)` after `var d = atob`.
                        Data::Native(n) => self.call_native(n, args),
                        _ => self.call(&Value::unknown(), &base, &name, args),
                    };
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
}

/// The built-in function `path` names as a value, or an unknown value.
fn native_value(path: &[String]) -> Value {
    match native(path) {
        Some(n) => Value {
            data: Data::Native(n),
            ..Value::default()
        },
        None => Value::unknown(),
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
