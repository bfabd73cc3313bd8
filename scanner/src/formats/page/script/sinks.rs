//! What a script does that the page reader judges, recorded in the
//! [`Facts`](super::Facts): text written into the page (`innerHTML`,
//! `srcdoc`, `document.write`), addresses gone to (`location`, `href`,
//! `src`, a `data:` URL, a literal that names a protocol handler or a
//! share) or sent to (`fetch`, a form's `action`), files built (`Blob`,
//! `File`, `data:` URLs) with the name they are saved under, and code read
//! through `eval` and its kin, [`MAX_EVAL_DEPTH`] levels deep. Each list
//! keeps 64 entries at most.

use super::decode::data_url;
use super::{Build, Data, LARGE, MAX_EVAL_DEPTH, Reader, Value, Written};
use crate::formats::page::target;

impl<'s> Reader<'s, '_> {
    /// A string literal that names a protocol handler or a share is an
    /// address the script may go to, wherever it sits.
    pub(super) fn literal_reaches(&mut self, s: &str) {
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

    /// Records a built file; the value stands for it.
    pub(super) fn build(
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

    pub(super) fn assign(&mut self, path: &[String], v: Value, append: bool) {
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

    pub(super) fn written(&mut self, sink: &'static str, v: &Value) {
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

    pub(super) fn navigate(&mut self, v: &Value) {
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

    pub(super) fn send(&mut self, v: &Value) {
        match v.as_text() {
            Some(s) if self.ctx.facts.sends.len() < 64 => self.ctx.facts.sends.push(s.to_string()),
            Some(_) => {}
            None => self.ctx.facts.sends_unknown = true,
        }
    }

    pub(super) fn nested_script(&mut self, code: &str) {
        if self.depth + 1 > MAX_EVAL_DEPTH {
            return;
        }
        self.ctx.read_at(code, self.depth + 1);
    }
}
