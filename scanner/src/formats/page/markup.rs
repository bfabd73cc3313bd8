//! A page's markup, read with html5ever's tokenizer: the WHATWG HTML
//! tokenizer (HTML §13.2.5) itself, with the parts of tree construction
//! that change how it reads (§13.2.6): the elements whose content is raw
//! text (`script`, `style`, `textarea`, `title`, `iframe`, `noscript` …,
//! §13.2.6.4.7), foreign content (`<svg>`, `<math>`, their integration
//! points and the tags that break out of them, §13.2.6.5, where CDATA
//! sections are read), and the form element pointer (§13.2.4.4, which
//! form an `<input>` belongs to).
//!
//! Why not the whole tree builder: its "has an element in scope" checks
//! walk the stack of open elements for each start tag, which makes a page
//! of 100,000 nested `<div>`s quadratic, and browsers themselves stop
//! nesting at 512 levels (WebKit's `HTMLConstructionSite`,
//! `maximumHTMLParserDOMTreeDepth`). Here the stack is capped at
//! [`MAX_DEPTH`] entries and an end tag looks at most [`END_TAG_REACH`]
//! entries down: time and memory stay linear in the page.
//!
//! An SVG document is XML: read in the same tokenizer with CDATA sections
//! allowed and no raw-text elements, its namespaces followed as far as
//! this reader needs them: which elements inside a `<foreignObject>` are
//! HTML, whether declared as the default namespace, through a prefix on
//! the element or on any ancestor, or not declared at all.

use super::{script, target};
use crate::sentence::Via;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;
use std::time::Instant;

/// Open elements followed at once (WebKit's nesting cap).
pub(crate) const MAX_DEPTH: usize = 512;
/// How far down the stack an end tag looks for its element.
const END_TAG_REACH: usize = 16;
/// The page is fed to the tokenizer in pieces of this many bytes, the
/// deadline checked between them.
const CHUNK: usize = 64 * 1024;
/// Things of one kind kept per page (targets, forms, scripts …).
const MAX_KEPT: usize = 256;

/// The XHTML namespace (HTML §2.1.3).
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// A form, and whether it holds a password field.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form {
    /// Its `action`, then the `formaction` of its buttons.
    pub actions: Vec<String>,
    pub password: bool,
    pub id: Option<String>,
}

/// Why an SVG document is a page rather than a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SvgSign {
    /// A `<script>` element.
    Script,
    /// An event attribute (`onload` …), by name.
    Event(String),
    /// A `javascript:` URL in an attribute.
    JavascriptUrl,
    /// An HTML element inside a `<foreignObject>`, by name.
    ForeignHtml(String),
}

/// What the markup of one page holds, for the judgement.
#[derive(Debug, Default)]
pub(crate) struct Markup {
    /// Whether the document is an SVG (its first element is `<svg>`).
    pub svg: bool,
    pub targets: Vec<(Via, String)>,
    pub forms: Vec<Form>,
    /// A password field outside any form.
    pub loose_password: bool,
    /// Script text: `<script>` elements, event attributes, `javascript:` URLs.
    pub scripts: Vec<String>,
    /// Pages inside the page: `<iframe srcdoc>`, `data:` frames.
    pub inner_pages: Vec<(&'static str, String)>,
    /// `<a download href="data:…">` and `data:` links: (URL, name).
    pub data_links: Vec<(String, Option<String>)>,
    pub base: Option<String>,
    pub svg_signs: Vec<SvgSign>,
    /// The deadline passed before the whole page was read.
    pub out_of_time: bool,
    /// Deepest nesting seen (before the cap).
    pub deepest: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Html,
    Svg,
    Math,
}

struct Frame {
    name: html5ever::LocalName,
    ns: Ns,
    /// An SVG document: the default namespace is XHTML here.
    default_xhtml: bool,
    /// Inside a `<foreignObject>` of an SVG document.
    in_foreign_object: bool,
}

struct State {
    m: Markup,
    svg_doc: Option<bool>,
    stack: Vec<Frame>,
    /// Elements opened past the cap, not followed.
    overflow: usize,
    /// The form element pointer: an index into `m.forms`.
    form: Option<usize>,
    /// Text of the script element being read.
    script: Option<String>,
    /// Inside a raw-text element whose text is not kept.
    raw: bool,
    /// Prefixes some element declared for the XHTML namespace.
    xhtml_prefixes: Vec<String>,
    /// Password fields that name their form by `form="id"`.
    password_for: Vec<String>,
}

struct Sink(RefCell<State>);

/// HTML elements that close a `<p>` or a list item left open, and the
/// ones that do not nest in themselves (a cheap stand-in for implied end
/// tags, §13.2.6.3, that keeps sloppy pages shallow).
const SELF_CLOSING_SIBLINGS: &[&str] = &["p", "li", "option", "tr", "td", "th", "dt", "dd"];

/// Void elements (§13.1.2): never open.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "basefont", "bgsound", "frame",
];

/// HTML start tags that end foreign content (§13.2.6.5).
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

/// Names that are HTML elements and not SVG ones: such an element inside
/// a `<foreignObject>` is HTML, whatever its namespace says.
const HTML_NAMES: &[&str] = &[
    "html", "head", "body", "form", "input", "iframe", "frame", "button", "textarea", "select",
    "div", "p", "span", "table", "img", "meta", "object", "embed", "h1", "h2", "h3", "h4", "h5",
    "h6", "ul", "ol", "li", "br", "b", "i", "u", "font", "center", "label", "em", "strong", "pre",
    "video", "audio", "canvas", "section", "article", "header", "footer", "nav", "main",
];

/// URL attributes and how the page reaches them.
fn via(element: &str, attr: &str) -> Option<Via> {
    Some(match (element, attr) {
        ("a" | "area", "href") | (_, "xlink:href") => Via::Link,
        ("a", "ping") => Via::Resource,
        ("form", "action") | (_, "formaction") => Via::Form,
        ("iframe" | "frame", "src") | ("object", "data") | ("embed", "src") => Via::Frame,
        (_, "href" | "src" | "data" | "background" | "poster" | "codebase" | "action") => {
            Via::Resource
        }
        _ => return None,
    })
}

impl State {
    fn top_foreign(&self) -> bool {
        self.stack.last().is_some_and(|f| f.ns != Ns::Html)
    }

    /// An HTML integration point (§13.2.6.1): SVG `foreignObject`,
    /// `desc`, `title`.
    fn at_integration_point(&self) -> bool {
        self.stack.last().is_some_and(|f| {
            f.ns == Ns::Svg && matches!(&*f.name, "foreignobject" | "desc" | "title")
        })
    }

    fn push(&mut self, frame: Frame) {
        let depth = self.stack.len() + self.overflow + 1;
        self.m.deepest = self.m.deepest.max(depth);
        if self.stack.len() >= MAX_DEPTH {
            self.overflow += 1;
        } else {
            self.stack.push(frame);
        }
    }

    fn pop_to(&mut self, name: &str) {
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        let n = self.stack.len();
        let lowest = n.saturating_sub(END_TAG_REACH);
        if let Some(i) = (lowest..n).rev().find(|&i| &*self.stack[i].name == name) {
            self.stack.truncate(i);
        }
    }

    fn keep<T>(list: &mut Vec<T>, item: T) {
        if list.len() < MAX_KEPT {
            list.push(item);
        }
    }

    fn start_tag(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let full = tag.name.to_string();
        let svg_doc = *self
            .svg_doc
            .get_or_insert_with(|| full == "svg" || full.ends_with(":svg"));
        self.m.svg = svg_doc;
        let (prefix, local) = match full.split_once(':') {
            Some((p, l)) if svg_doc => (Some(p.to_string()), l.to_string()),
            _ => (None, full.clone()),
        };
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.to_string())
        };
        // Namespaces, as far as needed.
        let parent_default_xhtml = self.stack.last().is_some_and(|f| f.default_xhtml);
        let parent_in_fo = self.stack.last().is_some_and(|f| f.in_foreign_object);
        let mut default_xhtml = parent_default_xhtml;
        if svg_doc {
            for a in &tag.attrs {
                let n = &*a.name.local;
                let xhtml = a.value.trim() == XHTML_NS;
                if n == "xmlns" {
                    default_xhtml = xhtml;
                } else if let Some(p) = n.strip_prefix("xmlns:")
                    && xhtml
                    && self.xhtml_prefixes.len() < MAX_KEPT
                {
                    self.xhtml_prefixes.push(p.to_string());
                }
            }
        }
        let is_xhtml = match &prefix {
            Some(p) => self.xhtml_prefixes.iter().any(|x| x == p),
            None => default_xhtml,
        };
        if svg_doc
            && parent_in_fo
            && (is_xhtml || prefix.is_none() && HTML_NAMES.contains(&local.as_str()))
            && !self
                .m
                .svg_signs
                .iter()
                .any(|s| matches!(s, SvgSign::ForeignHtml(_)))
        {
            self.m.svg_signs.push(SvgSign::ForeignHtml(full.clone()));
        }
        // Foreign content in an HTML page.
        let mut ns = if svg_doc {
            if is_xhtml { Ns::Html } else { Ns::Svg }
        } else if self.top_foreign() && !self.at_integration_point() {
            if BREAKOUT.contains(&local.as_str())
                || local == "font"
                    && tag
                        .attrs
                        .iter()
                        .any(|a| matches!(&*a.name.local, "color" | "face" | "size"))
            {
                while self.top_foreign() && !self.at_integration_point() {
                    self.stack.pop();
                }
                Ns::Html
            } else {
                self.stack.last().map_or(Ns::Html, |f| f.ns)
            }
        } else {
            Ns::Html
        };
        if !svg_doc && ns == Ns::Html {
            if local == "svg" {
                ns = Ns::Svg;
            } else if local == "math" {
                ns = Ns::Math;
            }
        }
        // Attributes: addresses, scripts.
        for a in &tag.attrs {
            let name = &*a.name.local;
            let value: &str = &a.value;
            // What an attribute starts with says what it is: only its head
            // is cleaned and lowered (a 10 MB data: URL is not copied).
            let lower = target::clean(target::prefix(value, 64)).to_ascii_lowercase();
            if name.len() > 2 && name.starts_with("on") {
                if svg_doc
                    && !self
                        .m
                        .svg_signs
                        .iter()
                        .any(|s| matches!(s, SvgSign::Event(_)))
                {
                    self.m.svg_signs.push(SvgSign::Event(name.to_string()));
                }
                Self::keep(&mut self.m.scripts, value.to_string());
            }
            if lower.starts_with("javascript:") {
                if svg_doc && !self.m.svg_signs.contains(&SvgSign::JavascriptUrl) {
                    self.m.svg_signs.push(SvgSign::JavascriptUrl);
                }
                // The URL's path is the code, percent-decoded (HTML §7.4.3.5).
                let cleaned = target::clean(value);
                let code = script::percent_bytes(&cleaned["javascript:".len()..]);
                Self::keep(
                    &mut self.m.scripts,
                    String::from_utf8_lossy(&code).into_owned(),
                );
                continue;
            }
            let attr_name = name
                .rsplit(':')
                .next()
                .filter(|_| !name.starts_with("xlink:"))
                .unwrap_or(name);
            if let Some(v) = via(&local, attr_name)
                && !lower.starts_with("data:")
            {
                Self::keep(&mut self.m.targets, (v, value.to_string()));
            }
            if lower.starts_with("data:")
                && matches!(attr_name, "href" | "src" | "data" | "xlink:href")
            {
                let downloads = tag.attrs.iter().any(|x| &*x.name.local == "download");
                let frame = matches!(local.as_str(), "iframe" | "frame" | "object" | "embed");
                if frame
                    && (lower.starts_with("data:text/html") || lower.starts_with("data:image/svg"))
                {
                    let (_, bytes, _) = script::data_url(value);
                    Self::keep(
                        &mut self.m.inner_pages,
                        ("data: URL", String::from_utf8_lossy(&bytes).into_owned()),
                    );
                } else if downloads || local == "a" && !lower.starts_with("data:image/") {
                    Self::keep(
                        &mut self.m.data_links,
                        (value.to_string(), attr("download").filter(|d| !d.is_empty())),
                    );
                }
            }
        }
        match local.as_str() {
            "base" if self.m.base.is_none() => self.m.base = attr("href"),
            "meta" => {
                let refresh =
                    attr("http-equiv").is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"));
                if refresh && let Some(url) = attr("content").and_then(|c| refresh_url(&c)) {
                    Self::keep(&mut self.m.targets, (Via::Refresh, url));
                }
            }
            "iframe" | "frame" => {
                if let Some(doc) = attr("srcdoc") {
                    Self::keep(&mut self.m.inner_pages, ("iframe srcdoc", doc));
                }
            }
            "form" if ns == Ns::Html || svg_doc => {
                if self.form.is_none() && self.m.forms.len() < MAX_KEPT {
                    self.m.forms.push(Form {
                        actions: attr("action").into_iter().collect(),
                        password: false,
                        id: attr("id"),
                    });
                    self.form = Some(self.m.forms.len() - 1);
                }
            }
            "input" | "button" => {
                let password = local == "input"
                    && attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("password"));
                let owner = attr("form");
                match (&owner, self.form) {
                    (Some(id), _) => {
                        if password && self.password_for.len() < MAX_KEPT {
                            self.password_for.push(id.clone());
                        }
                    }
                    (None, Some(f)) => {
                        let form = &mut self.m.forms[f];
                        form.password |= password;
                        if let Some(a) = attr("formaction")
                            && form.actions.len() < 16
                        {
                            form.actions.push(a);
                        }
                    }
                    (None, None) => self.m.loose_password |= password,
                }
            }
            _ => {}
        }
        if svg_doc && local == "script" && !self.m.svg_signs.contains(&SvgSign::Script) {
            self.m.svg_signs.push(SvgSign::Script);
        }
        // Opening the element, and how the tokenizer reads its content.
        let self_closing = tag.self_closing && (svg_doc || ns != Ns::Html);
        if ns == Ns::Html && !svg_doc && VOID.contains(&local.as_str()) || self_closing {
            return TokenSinkResult::Continue;
        }
        if ns == Ns::Html && !svg_doc {
            if SELF_CLOSING_SIBLINGS.contains(&local.as_str())
                && self
                    .stack
                    .last()
                    .is_some_and(|f| &*f.name == local.as_str())
            {
                self.stack.pop();
            }
            let raw = match local.as_str() {
                "script" => Some(RawKind::ScriptData),
                "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                    Some(RawKind::Rawtext)
                }
                "title" | "textarea" => Some(RawKind::Rcdata),
                "plaintext" => {
                    self.raw = true;
                    return TokenSinkResult::Plaintext;
                }
                _ => None,
            };
            if let Some(kind) = raw {
                if local == "script" {
                    self.script = Some(String::new());
                } else {
                    self.raw = true;
                }
                return TokenSinkResult::RawData(kind);
            }
        } else if local == "script" {
            self.script = Some(String::new());
        }
        let in_fo = parent_in_fo || svg_doc && local == "foreignobject";
        self.push(Frame {
            name: html5ever::LocalName::from(local.as_str()),
            ns,
            default_xhtml,
            in_foreign_object: in_fo,
        });
        TokenSinkResult::Continue
    }

    fn end_tag(&mut self, tag: Tag) {
        let full = tag.name.to_string();
        let local = match full.split_once(':') {
            Some((_, l)) if self.svg_doc == Some(true) => l.to_string(),
            _ => full.clone(),
        };
        if local == "script"
            && let Some(text) = self.script.take()
        {
            Self::keep(&mut self.m.scripts, text);
            if self.svg_doc == Some(true) {
                self.pop_to("script");
            }
            return;
        }
        if self.raw {
            self.raw = false;
            return;
        }
        if local == "form" {
            self.form = None;
        }
        self.pop_to(&local);
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut s = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return s.start_tag(tag),
                TagKind::EndTag => s.end_tag(tag),
            },
            Token::CharacterTokens(text) => {
                if let Some(script) = s.script.as_mut() {
                    script.push_str(&text);
                }
            }
            Token::EOFToken => {
                if let Some(text) = s.script.take() {
                    State::keep(&mut s.m.scripts, text);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        let s = self.0.borrow();
        s.svg_doc == Some(true) || s.top_foreign()
    }
}

/// The URL of a `<meta http-equiv="refresh">` content (HTML §4.2.5.3,
/// "shared declarative refresh steps"): after the time and a `;` or `,`,
/// an optional `url=`, an optional quote.
pub(crate) fn refresh_url(content: &str) -> Option<String> {
    let s = content.trim_start();
    let s = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let s = s.trim_start();
    let s = s.strip_prefix([';', ',']).unwrap_or(s).trim_start();
    // `get`: the third byte may sit inside a character (fuzz target
    // page_read found `u` followed by a multi-byte character).
    let s = if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("url")) {
        let rest = s[3..].trim_start();
        rest.strip_prefix('=').map_or(s, str::trim_start)
    } else {
        s
    };
    let url = match s.chars().next() {
        Some(q @ ('\'' | '"')) => s[1..].split(q).next().unwrap_or(""),
        _ => s,
    };
    let url = url.trim();
    (!url.is_empty()).then(|| url.to_string())
}

/// Reads a page's markup, stopping at `deadline`.
pub(crate) fn read(text: &str, deadline: Instant) -> Markup {
    let sink = Sink(RefCell::new(State {
        m: Markup::default(),
        svg_doc: None,
        stack: Vec::new(),
        overflow: 0,
        form: None,
        script: None,
        raw: false,
        xhtml_prefixes: Vec::new(),
        password_for: Vec::new(),
    }));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    let mut rest = text;
    let mut out_of_time = false;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        queue.push_back(StrTendril::from_slice(piece));
        let _ = tokenizer.feed(&queue);
        if Instant::now() >= deadline {
            out_of_time = !rest.is_empty();
            break;
        }
    }
    if !out_of_time {
        tokenizer.end();
    }
    let mut state = tokenizer.sink.0.into_inner();
    if let Some(text) = state.script.take() {
        State::keep(&mut state.m.scripts, text);
    }
    // Password fields that named their form by id.
    for id in &state.password_for {
        match state
            .m
            .forms
            .iter_mut()
            .find(|f| f.id.as_deref() == Some(id.as_str()))
        {
            Some(f) => f.password = true,
            None => state.m.loose_password = true,
        }
    }
    state.m.out_of_time = out_of_time;
    state.m
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn page(s: &str) -> Markup {
        read(s, Instant::now() + Duration::from_secs(30))
    }

    #[test]
    fn targets_forms_scripts() {
        let m = page(
            "<html><head><meta http-equiv=Refresh content=\"0; URL='search:query=x'\"><base href=https://b.example/></head>\
             <body><a href='ms-msdt:/id x'>x</a><iframe src='\\\\h\\s'></iframe>\
             <form action=https://evil.example/p><input type=password></form>\
             <script>if (a < b) { document.write('<p>') }</script><textarea><script>no</script></textarea>",
        );
        assert!(!m.svg);
        assert!(m.targets.contains(&(Via::Refresh, "search:query=x".into())));
        assert!(m.targets.contains(&(Via::Link, "ms-msdt:/id x".into())));
        assert!(m.targets.contains(&(Via::Frame, "\\\\h\\s".into())));
        assert_eq!(m.base.as_deref(), Some("https://b.example/"));
        assert_eq!(m.forms.len(), 1);
        assert!(m.forms[0].password);
        assert_eq!(m.forms[0].actions, ["https://evil.example/p"]);
        assert_eq!(m.scripts, ["if (a < b) { document.write('<p>') }"]);
    }

    #[test]
    fn svg_namespace_forms() {
        let doc = |inner: &str| {
            page(&format!(
                "<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' xmlns:h='http://www.w3.org/1999/xhtml'><rect/><foreignObject>{inner}</foreignObject></svg>"
            ))
        };
        for inner in [
            "<html xmlns='http://www.w3.org/1999/xhtml'><body>x</body></html>",
            "<xhtml:div xmlns:xhtml='http://www.w3.org/1999/xhtml'>x</xhtml:div>",
            "<h:form action='https://e.example/'><h:input type='password'/></h:form>",
            "<body>x</body>",
        ] {
            let m = doc(inner);
            assert!(m.svg, "{inner}");
            assert!(
                m.svg_signs
                    .iter()
                    .any(|s| matches!(s, SvgSign::ForeignHtml(_))),
                "{inner}: {:?}",
                m.svg_signs
            );
        }
        let m = doc("<h:form action='https://e.example/'><h:input type='password'/></h:form>");
        assert!(m.forms[0].password);
        let chart = page(
            "<svg xmlns='http://www.w3.org/2000/svg'><title>Budget</title><rect width='10'/><text>42 %</text><a href='https://ville.example/'><text>x</text></a></svg>",
        );
        assert!(chart.svg_signs.is_empty(), "{:?}", chart.svg_signs);
        let s = page(
            "<svg><script><![CDATA[ if (a < b) location='x' ]]></script><g onload='f()'/><a xlink:href='javascript:f()'/></svg>",
        );
        assert!(s.svg_signs.contains(&SvgSign::Script));
        assert!(s.svg_signs.contains(&SvgSign::Event("onload".into())));
        assert!(s.svg_signs.contains(&SvgSign::JavascriptUrl));
        assert!(
            s.scripts.iter().any(|x| x.contains("location='x'")),
            "{:?}",
            s.scripts
        );
    }

    #[test]
    fn refresh_urls() {
        assert_eq!(refresh_url("0; url=a").as_deref(), Some("a"));
        assert_eq!(refresh_url("5;URL = 'b c'").as_deref(), Some("b c"));
        assert_eq!(refresh_url("3, \"x\"").as_deref(), Some("x"));
        assert_eq!(refresh_url("10").as_deref(), None);
        // A multi-byte character across the third byte (found by the
        // page_read fuzz target): read as an address, no panic.
        assert_eq!(refresh_url("0;u\u{FFFD}x").as_deref(), Some("u\u{FFFD}x"));
        assert_eq!(refresh_url("ué").as_deref(), Some("ué"));
    }

    #[test]
    fn deep_and_long_pages_stay_linear() {
        let deep = "<div>".repeat(100_000) + &"</div>".repeat(100_000);
        let m = page(&deep);
        assert_eq!(m.deepest, 100_000);
        let ends = "</x>".repeat(100_000);
        page(&ends);
        let svg = format!("<svg>{}</svg>", "<g>".repeat(100_000));
        assert!(page(&svg).svg);
    }
}
