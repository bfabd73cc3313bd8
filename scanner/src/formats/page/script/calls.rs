//! Calls and `new`, read into values: the global decoders (`atob`,
//! `unescape`, `decodeURIComponent`, `escape`, `String.fromCharCode`), the
//! sinks (`eval` and its kin, `document.write`, `open`, `fetch`, jQuery's
//! `ajax`, `msSaveOrOpenBlob`), the methods of texts and arrays a page
//! decodes with (`split`, `reverse`, `join`, `replace`, `map`, `slice` …),
//! and the constructors that build files or bytes (`Blob`, `File`,
//! `Uint8Array`, `Function`). What a sink records is written by
//! [`super::sinks`].

use super::decode::{code_unit_text, decode_uri, escape, unescape};
use super::lexer::Tok;
use super::{Data, LARGE, Reader, UNKNOWN_FUNCTION, Value, Written};
use crate::decode::lenient_base64;

impl<'s> Reader<'s, '_> {
    /// `new X(…)`.
    pub(super) fn construct(&mut self) -> Value {
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

    /// A call of `name` on `receiver` (reached by `path`), or of the
    /// global function `path.name`: a global decoder or conversion, a sink,
    /// or a method of the value, each family read by a function of its own.
    pub(super) fn call(
        &mut self,
        receiver: &Value,
        path: &[String],
        name: &str,
        mut args: Vec<Value>,
    ) -> Value {
        // A built-in held as a value: `d.call(null, x)`, `f.apply(null, a)`,
        // `atob.bind(window)`.
        if let Data::Native(n) = receiver.data {
            match name {
                "bind" => return receiver.clone(),
                "call" => return self.call_native(n, args.into_iter().skip(1).collect()),
                "apply" => {
                    let rest = match args.get(1).map(|a| a.data.clone()) {
                        Some(Data::Array(items)) => items,
                        Some(_) => vec![args[1].clone()],
                        None => Vec::new(),
                    };
                    return self.call_native(n, rest);
                }
                _ => {}
            }
        }
        let flags = args.iter().fold(receiver.opaque(), |a, v| a.taint(v));
        // The global object's members: `window.atob`, `self.eval` …
        let path = super::without_global(path);
        if let Some(v) = self.decoder_call(&path, name, &args) {
            return v;
        }
        if let Some(v) = self.sink_call(&path, name, &mut args, &flags) {
            return v;
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
        match &receiver.data {
            Data::Text(s) => self.text_method(receiver, s, name, args, flags),
            Data::Array(items) => self.array_method(receiver, items, name, &args, flags),
            // A function the reading does not know, given a large encoded
            // literal: what it returns is as hidden as what a decoder
            // returns on data no reading could follow.
            _ if flags.large && flags.decoder.is_none() => Value {
                decoder: Some(UNKNOWN_FUNCTION),
                ..flags
            },
            _ => flags,
        }
    }

    /// A call of the built-in function `n` (one of [`super::NATIVES`])
    /// held as a value.
    pub(super) fn call_native(&mut self, n: &'static str, args: Vec<Value>) -> Value {
        let (path, name) = match n.rsplit_once('.') {
            Some((base, name)) => (vec![base.to_string()], name),
            None => (Vec::new(), n),
        };
        self.call(&Value::unknown(), &path, name, args)
    }

    /// The global decoders (`atob`, `unescape`, `decodeURIComponent`,
    /// `escape`, `String.fromCharCode` and its `apply`/`call`) and
    /// conversions (`URL.createObjectURL`, `Uint8Array.from`); None for
    /// any other call.
    fn decoder_call(&mut self, path: &[&str], name: &str, args: &[Value]) -> Option<Value> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        Some(match (path, name) {
            ([], "atob") => self.decoded("atob", &arg(0), |s| {
                Some(
                    lenient_base64(s.as_bytes())
                        .into_iter()
                        .map(|b| b as char)
                        .collect(),
                )
            }),
            ([], "unescape") => self.decoded("unescape", &arg(0), |s| Some(unescape(s))),
            ([], "decodeURIComponent" | "decodeURI") => {
                self.decoded("decodeURIComponent", &arg(0), |s| Some(decode_uri(s)))
            }
            ([], "escape") => {
                let a = arg(0);
                match a.as_text() {
                    Some(s) => Value {
                        data: Data::Text(escape(s)),
                        ..a.clone()
                    },
                    None => a.opaque(),
                }
            }
            (["String"], "fromCharCode") => self.from_char_code(args),
            (["String", "fromCharCode"], "apply" | "call") => {
                let rest: Vec<Value> = match arg(1).data {
                    Data::Array(items) if name == "apply" => items,
                    _ => args.iter().skip(1).cloned().collect(),
                };
                self.from_char_code(&rest)
            }
            (["URL" | "webkitURL"], "createObjectURL") => arg(0),
            (["Uint8Array"], "from") => to_bytes(&arg(0)),
            _ => return None,
        })
    }

    /// The sinks: code read through `eval` and its kin, text written into
    /// the page, addresses gone to or sent to, files saved; the value of
    /// the call, or None for any other call. `document.write` takes the
    /// arguments.
    fn sink_call(
        &mut self,
        path: &[&str],
        name: &str,
        args: &mut Vec<Value>,
        flags: &Value,
    ) -> Option<Value> {
        let on_document = path.contains(&"document");
        let on_location = path.contains(&"location");
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match (path, name) {
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
            }
            (_, "write" | "writeln") if on_document || path.is_empty() => {
                let mut args = std::mem::take(args).into_iter();
                let mut all = args.next().unwrap_or_default();
                for a in args {
                    all = self.concat(all, a);
                }
                self.written("document.write", &all);
                return Some(Value::unknown());
            }
            (_, "insertAdjacentHTML") => {
                self.written("insertAdjacentHTML", &arg(1));
                return Some(Value::unknown());
            }
            ([], "open") | (["document"], "open") if !args.is_empty() => {
                self.navigate(&arg(0));
            }
            (_, "open") if args.len() >= 2 => {
                // XMLHttpRequest.open(method, url).
                self.send(&arg(1));
            }
            (_, "replace" | "assign") if on_location => {
                self.navigate(&arg(0));
            }
            ([], "fetch") | (_, "sendBeacon") => {
                self.send(&arg(0));
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
                return Some(Value::unknown());
            }
            _ => return None,
        }
        Some(flags.clone())
    }

    /// A method of a text: `toString`, `trim`, case, `split`, literal
    /// `replace` (a regular expression read as no change, inexactly),
    /// `concat`, `slice`/`substring`/`substr`; `flags` (the arguments'
    /// flags, data unknown) for any other.
    fn text_method(
        &mut self,
        receiver: &Value,
        s: &str,
        name: &str,
        args: Vec<Value>,
        flags: Value,
    ) -> Value {
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match name {
            "toString" | "valueOf" | "trim" | "toLowerCase" | "toUpperCase" => {
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
            "split" => match arg(0).as_text() {
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
            "replace" | "replaceAll" => {
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
            "concat" => {
                let mut v = Value::text(s.to_string());
                v.decoder = receiver.decoder;
                v.large = receiver.large;
                for a in args {
                    v = self.concat(v, a);
                }
                v
            }
            "slice" | "substring" | "substr" => {
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
            _ => flags,
        }
    }

    /// A method of an array: `join`, `reverse`, and `map` with a callback
    /// that calls `String.fromCharCode`; `flags` for any other.
    fn array_method(
        &mut self,
        receiver: &Value,
        items: &[Value],
        name: &str,
        args: &[Value],
        flags: Value,
    ) -> Value {
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match name {
            "join" => {
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
            "reverse" => {
                let mut items = items.to_vec();
                items.reverse();
                Value {
                    data: Data::Array(items),
                    ..receiver.clone()
                }
            }
            "map" => match arg(0).data {
                Data::Function { char_code: true } | Data::Native("String.fromCharCode") => {
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
