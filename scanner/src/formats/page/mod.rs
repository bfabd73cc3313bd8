//! Web pages and SVG images: what a page makes its reader do when a
//! browser opens it from the mail (an `.html`, `.htm`, `.shtml`, `.xhtml`
//! or `.svg` attachment, an archive entry, the attachment of an attached
//! message, an HTML table saved as `.xls`). Not the message's own HTML
//! body: mail clients show it without scripts or forms that post.
//!
//! One reading, three parts: the markup ([`markup`]: html5ever's
//! tokenizer with a bounded stack), the scripts read as data ([`script`]:
//! no JavaScript engine), and where their addresses lead ([`target`]).
//! The judgement, each a finding:
//! - **reaching outside** (`external_content`): a Windows protocol
//!   handler, a `file:` URL or a network share reached by a link, a
//!   refresh, a form, a frame or a script ([`target::reach`]);
//! - **credential pages** (`phishing_page`): a password field whose form
//!   posts to a host that is none of the organisation's domains nor its
//!   partners' ([`Engine::with_own_domains`](crate::Engine::with_own_domains);
//!   never the sender's, which the attacker chooses), or to a script;
//!   a page that writes itself from encoded text is decoded as far as the
//!   text is plain data and the result judged as a page, and held when it
//!   cannot be read;
//! - **SVG that is a page** (`active_content`): `<script>`, an event
//!   attribute, a `javascript:` URL, HTML in a `<foreignObject>`;
//! - **smuggling, judged by what is built** (`html_smuggling`): a file
//!   built with `Blob`, `File`, `msSaveOrOpenBlob` or a `data:` URL is
//!   smuggled when its bytes are an archive, a program, a disk image, an
//!   Office or PDF document, a script, or a file of a dangerous name, or
//!   come decoded from a large embedded string; what the page builds from
//!   its own text (a CSV export of its table) is ordinary. A built file
//!   whose bytes are known is handed back to the walk as a child.
//!
//! Read as the browser reads it: UTF-16 decoded first (with or without
//! a byte order mark), an XML page's internal DTD entities expanded
//! ([`entities`], capped: a "billion laughs" is held as a bomb).
//!
//! Bounded: the markup in time and memory linear in the page (see
//! [`markup`]), the scripts within their budgets (see [`script`]), pages
//! within pages [`MAX_INNER_LEVELS`] deep and [`MAX_PAGES`] in all, the
//! walker's deadline checked between pieces.

mod entities;
mod markup;
pub(crate) mod script;
pub(crate) mod target;

use crate::dangerous::NameClass;
use crate::decode;
use crate::detect::names::name_class;
use crate::detect::sniff::{self, Kind};
use crate::report::{Finding, FindingKind, Part};
use crate::sentence::{Sentence, Stage, Via};
use crate::walk::{Object, Walker};
use std::borrow::Cow;
use std::time::Instant;

/// Pages written by pages, followed this deep.
const MAX_INNER_LEVELS: usize = 3;
/// Pages read for one object, the object itself and the pages it writes.
const MAX_PAGES: usize = 16;
/// Findings of one kind kept for one object.
const MAX_OF_A_KIND: usize = 3;

/// Reads a page (HTML or SVG) and judges what it makes its reader do; a
/// [`ContainerReader`](crate::walk::ContainerReader).
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    // A page written in UTF-16 (with or without a byte order mark) is read
    // as the browser reads it: decoded first.
    let text = match decode::utf16_order(obj.bytes) {
        Some((little, skip)) => Cow::Owned(decode::utf16_text(obj.bytes, little, skip)),
        None => String::from_utf8_lossy(obj.bytes),
    };
    // An XML page's internal DTD subset: its entities expanded as the
    // XML parser expands them, or the page held as a bomb past the caps.
    let mut bomb = None;
    let text = match entities::expand(&text) {
        entities::Expansion::None => text,
        entities::Expansion::Expanded(s) => Cow::Owned(s),
        entities::Expansion::Bomb { expanded } => {
            bomb = Some(expanded);
            text
        }
    };
    let engine = w.engine;
    let mut judge = Judge {
        own: engine.own_domains(),
        deadline: Instant::now() + w.time_left(),
        found: Vec::new(),
        built: Vec::new(),
        pages: 0,
        out_of_time: false,
    };
    judge.page(&text, 0);
    let Judge {
        found,
        built,
        out_of_time,
        ..
    } = judge;
    let mut kept: Vec<Finding> = Vec::new();
    for f in found {
        let same = kept.iter().filter(|k| k.kind == f.kind).count();
        if same < MAX_OF_A_KIND && !kept.iter().any(|k| k.detail == f.detail) {
            kept.push(f);
        }
    }
    findings.extend(kept);
    if let Some(expanded) = bomb {
        findings.push(Finding::new(
            FindingKind::RatioExceeded,
            Sentence::RatioExceeded {
                expanded,
                packed: obj.bytes.len() as u64,
                limit: entities::GROWTH as u64,
            },
        ));
    }
    if out_of_time {
        w.out_of_time = true;
        findings.push(Finding::new(
            FindingKind::TimeExceeded,
            Sentence::TimeLimit {
                during: Stage::Page,
            },
        ));
    }
    // The files the page builds, walked as what they are.
    if !built.is_empty() && w.enter(obj, findings) {
        for (i, (name, bytes)) in built.into_iter().enumerate() {
            if bytes.len() as u64 > w.object_cap() {
                continue;
            }
            let name = name.unwrap_or_else(|| format!("page-file-{}", i + 1));
            w.expanded += bytes.len() as u64;
            let child = w.child(obj, name, None, &bytes);
            children.push(child);
        }
    }
}

struct Judge<'e> {
    own: &'e [String],
    deadline: Instant,
    found: Vec<Finding>,
    /// Files built with known bytes that are not plain text: (name, bytes).
    built: Vec<(Option<String>, Vec<u8>)>,
    pages: usize,
    out_of_time: bool,
}

impl Judge<'_> {
    /// Reads one page, `level` pages deep, and adds what it finds.
    fn page(&mut self, text: &str, level: usize) {
        if self.pages >= MAX_PAGES {
            return;
        }
        self.pages += 1;
        let m = markup::read(text, self.deadline);
        self.out_of_time |= m.out_of_time;
        let mut ctx = script::Context::default();
        for s in &m.scripts {
            if Instant::now() >= self.deadline {
                self.out_of_time = true;
                break;
            }
            ctx.read(s);
        }
        let facts = std::mem::take(&mut ctx.facts);
        let base = m.base.as_deref();

        // SVG that is a page.
        if m.svg {
            for sign in &m.svg_signs {
                let said = match sign {
                    markup::SvgSign::Script => Sentence::SvgActive {
                        marker: "<script>".into(),
                    },
                    markup::SvgSign::Event(name) => Sentence::SvgActive {
                        marker: name.clone(),
                    },
                    markup::SvgSign::JavascriptUrl => Sentence::SvgActive {
                        marker: "javascript:".into(),
                    },
                    markup::SvgSign::ForeignHtml(element) => Sentence::SvgForeignHtml {
                        element: element.clone(),
                    },
                };
                self.found.push(Finding::new(FindingKind::SvgScript, said));
            }
        }

        // Reaching outside.
        let addresses = m
            .targets
            .iter()
            .map(|(v, u)| (*v, u.as_str()))
            .chain(facts.navigations.iter().map(|u| (Via::Script, u.as_str())));
        for (via, url) in addresses {
            let Some(reach) = target::reach(url, base) else {
                continue;
            };
            let scheme = match reach {
                target::Reach::Handler(s) if via != Via::Resource => s,
                target::Reach::Handler(_) => continue,
                target::Reach::File => "file".to_string(),
                target::Reach::Share => String::new(),
            };
            self.found.push(Finding::new(
                FindingKind::ExternalContent,
                Sentence::PageReaches {
                    scheme,
                    target: target::shown(target::resolved(url, base)),
                    via,
                },
            ));
        }

        // Credential pages.
        let has_script = !m.scripts.is_empty();
        let script_hosts: Vec<String> = facts
            .sends
            .iter()
            .filter_map(|u| target::host(u, base))
            .collect();
        let mut password_forms: Vec<Vec<String>> = m
            .forms
            .iter()
            .filter(|f| f.password)
            .map(|f| f.actions.clone())
            .collect();
        if m.loose_password {
            password_forms.push(Vec::new());
        }
        for actions in password_forms {
            let hosts: Vec<String> = actions
                .iter()
                .filter_map(|a| target::host(a, base))
                .collect();
            let away =
                |hosts: &[String]| hosts.iter().find(|h| !target::is_own(h, self.own)).cloned();
            let said = if let Some(host) = away(&hosts) {
                Some(Sentence::PasswordFormTo { host })
            } else if !hosts.is_empty() {
                None
            } else if let Some(host) = away(&script_hosts) {
                Some(Sentence::PasswordFormTo { host })
            } else if has_script && (script_hosts.is_empty() || facts.sends_unknown) {
                Some(Sentence::PasswordToScript)
            } else {
                None
            };
            if let Some(said) = said {
                self.found
                    .push(Finding::new(FindingKind::CredentialForm, said));
            }
        }

        // Pages the page writes, or holds in a frame.
        let mut inner: Vec<(String, String)> = Vec::new();
        for wr in facts.written {
            if wr.decoded && !wr.complete {
                self.found.push(Finding::new(
                    FindingKind::PageWritesItself,
                    Sentence::PageWritesHidden {
                        decoder: wr.through.to_string(),
                    },
                ));
            }
            if !wr.html.trim().is_empty() {
                inner.push((wr.through.to_string(), wr.html));
            }
        }
        inner.extend(
            m.inner_pages
                .iter()
                .map(|(how, html)| (how.to_string(), html.clone())),
        );
        if level < MAX_INNER_LEVELS {
            for (through, html) in inner {
                let before = self.found.len();
                self.page(&html, level + 1);
                for f in &mut self.found[before..] {
                    if let Some(said) = f.sentence.take() {
                        *f = Finding::new(
                            f.kind,
                            Sentence::InWrittenPage {
                                through: through.clone(),
                                inner: Box::new(said),
                            },
                        );
                    }
                }
            }
        }

        // Files the page builds.
        let mut builds = facts.builds;
        for (url, name) in &m.data_links {
            let (mime, bytes, base64) = script::data_url(url);
            builds.push(script::Build {
                sink: "data: URL",
                large: url.len() >= script::LARGE,
                bytes: Some(bytes),
                decoder: base64.then_some("base64"),
                mime: Some(mime),
                name: name.clone(),
            });
        }
        for b in builds {
            if let Some(said) = smuggled(&b) {
                self.found
                    .push(Finding::new(FindingKind::HtmlSmuggling, said));
                if let Some(bytes) = b.bytes
                    && !bytes.is_empty()
                    && self.built.len() < 8
                {
                    self.built.push((b.name, bytes));
                }
            }
        }
    }
}

/// Whether a built file is smuggled, and what to say: its known bytes
/// are not plain text, or its name is one Windows runs, or it comes
/// decoded from a large embedded string (or from data no reading could
/// follow through a decoder).
fn smuggled(b: &script::Build) -> Option<Sentence> {
    let sink = b.sink.to_string();
    let dangerous_name = b
        .name
        .as_deref()
        .is_some_and(|n| name_class(n) != NameClass::Other);
    match &b.bytes {
        Some(bytes) if !bytes.is_empty() => {
            let detected = sniff::detect(bytes);
            let plain = matches!(
                detected.kind,
                Kind::Text
                    | Kind::Html
                    | Kind::Xml
                    | Kind::Svg
                    | Kind::Calendar
                    | Kind::Image
                    | Kind::Media
            );
            if !plain || dangerous_name {
                return Some(Sentence::PageBuildsFile {
                    sink,
                    mime: detected.mime,
                    name: b.name.clone(),
                });
            }
            if b.decoder.is_some() && (bytes.len() >= script::LARGE || b.large) {
                return Some(Sentence::HtmlBlobDecoded {
                    sink,
                    decoder: b.decoder.unwrap_or_default().to_string(),
                });
            }
            None
        }
        Some(_) => None,
        None => {
            if let Some(decoder) = b.decoder {
                Some(Sentence::HtmlBlobDecoded {
                    sink,
                    decoder: decoder.to_string(),
                })
            } else if dangerous_name {
                Some(Sentence::PageBuildsFile {
                    sink,
                    mime: b
                        .mime
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    name: b.name.clone(),
                })
            } else if b.large {
                Some(Sentence::HtmlBlobBase64 { sink })
            } else {
                None
            }
        }
    }
}
