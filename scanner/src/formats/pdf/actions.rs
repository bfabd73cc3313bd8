//! What a PDF makes its reader do: the actions of ISO 32000-1 §12.6 that
//! run code or reach outside, wherever they sit, and where they are
//! reached from.
//!
//! Every dictionary of every definition (every revision, every object
//! stream, the values nested in them) is looked at; an action dictionary
//! is one whose `/S` names an action of §12.6.4, Table 198, or that holds
//! a `/JS` entry. The ones held:
//!
//! - `/JavaScript` (§12.6.4.16), and `/Rendition` with `/JS` (§12.6.4.13):
//!   code the reader runs;
//! - `/Launch` (§12.6.4.5): a program started or a file opened;
//! - `/GoToR` (§12.6.4.3) and `/GoToE` (§12.6.4.4): another document
//!   opened, local, on the network (a UNC path: the reader's NTLM hash
//!   sent, CVE-2018-4993) or embedded;
//! - `/ImportData` (§12.7.5.4) and `/SubmitForm` (§12.7.5.2): form data
//!   read from a file or sent to an address;
//! - `/URI` (§12.6.4.7) to a network path (`\\host\share`, `//host`), a
//!   `file:` URL, a drive path or any scheme but `http`, `https`,
//!   `mailto`, `tel` and `ftp` (a protocol handler: `ms-msdt:`,
//!   `search-ms:` …); a plain web link is ordinary. A `/Base` of the
//!   catalogue's `/URI` dictionary is judged the same way.
//!
//! Where an action is reached from ([`PdfTrigger`]) follows the
//! references back to the first dictionary that says: the catalogue's
//! `/OpenAction` and `/AA`, the `/JavaScript` tree of `/Names`, a page's
//! `/AA`, a form field's or an annotation's `/A` and `/AA`, a bookmark's
//! `/A`; `/Next` chains and intermediate dictionaries are followed.

use super::document::Document;
use super::syntax::{Dict, Value, text_string};
use crate::decode::url_scheme;
use crate::sentence::{PdfActionKind, PdfTrigger};

/// References followed back from an action, at most.
const MAX_STEPS_BACK: usize = 4096;

/// References recorded for the way back, at most (12 bytes each).
const MAX_EDGES: usize = 1 << 22;

/// Characters of a target kept for a finding.
const MAX_TARGET_CHARS: usize = 300;

/// The kind of dictionary that decides what a reference or an action in
/// it is reached by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Catalog,
    Page,
    Field,
    Annotation,
    Outline,
    /// Anything else: what reaches it decides.
    None,
}

/// What a key path under an owner means for what it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Reached(PdfTrigger),
    /// Follow the references back.
    Neutral,
    /// A key no trigger reads (a page's `/Resources`, a field's `/Parent`).
    Other,
}

/// The keys from the owning dictionary to a value: the first one, and
/// whether a `/JavaScript` key (the document-level scripts of `/Names`)
/// was crossed.
#[derive(Debug, Clone, Copy, Default)]
struct Trail<'k> {
    first: Option<&'k [u8]>,
    javascript: bool,
}

impl<'k> Trail<'k> {
    fn then(self, key: &'k [u8]) -> Trail<'k> {
        Trail {
            first: self.first.or(Some(key)),
            javascript: self.javascript || key == b"JavaScript",
        }
    }
}

fn role(owner: Owner, trail: Trail<'_>) -> Role {
    if trail.javascript {
        return Role::Reached(PdfTrigger::Open);
    }
    let first = trail.first.unwrap_or_default();
    let reached = |trigger, keys: &[&[u8]]| {
        if keys.contains(&first) {
            Role::Reached(trigger)
        } else {
            Role::Other
        }
    };
    match owner {
        Owner::None => Role::Neutral,
        Owner::Catalog => match first {
            b"OpenAction" => Role::Reached(PdfTrigger::Open),
            b"AA" => Role::Reached(PdfTrigger::DocumentEvent),
            _ => Role::Other,
        },
        Owner::Page => reached(PdfTrigger::Page, &[b"AA"]),
        Owner::Field => reached(PdfTrigger::FormField, &[b"A", b"AA"]),
        Owner::Annotation => reached(PdfTrigger::Annotation, &[b"A", b"AA"]),
        Owner::Outline => reached(PdfTrigger::Outline, &[b"A"]),
    }
}

fn classify(d: &Dict, root: bool) -> Owner {
    if root || d.has_name(b"Type", b"Catalog") {
        Owner::Catalog
    } else if d.has_name(b"Type", b"Page") {
        Owner::Page
    } else if d.has_name(b"Subtype", b"Widget") || d.has(b"FT") {
        Owner::Field
    } else if d.has_name(b"Type", b"Annot") || (d.name(b"Subtype").is_some() && d.has(b"Rect")) {
        Owner::Annotation
    } else if d.has(b"Title") && !d.has(b"S") && (d.has(b"Parent") || d.has(b"Dest") || d.has(b"A"))
    {
        Owner::Outline
    } else {
        Owner::None
    }
}

/// An action found.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub action: PdfActionKind,
    pub target: Option<String>,
    /// The object it is in.
    obj: u32,
    role: Role,
}

/// A file specification with embedded files (`/EF`, §7.11.4).
#[derive(Debug, Clone)]
pub(crate) struct FileSpec {
    /// Its `/UF`, or else its `/F`.
    pub name: Option<String>,
    /// The objects its `/EF` dictionary refers to.
    pub targets: Vec<u32>,
}

/// What one pass over every definition found.
#[derive(Default)]
pub(crate) struct Visit {
    sites: Vec<Site>,
    /// (to, from, role), sorted by `to` once the pass is done.
    edges: Vec<(u32, u32, Role)>,
    pub filespecs: Vec<FileSpec>,
    /// Definitions of streams of `/Type /EmbeddedFile`.
    pub embedded_streams: Vec<usize>,
    /// Every `/XFA` value, with the definition it is in.
    pub xfa: Vec<(Value, usize)>,
    /// Streams of the file, cross-reference streams left out.
    pub streams: u64,
}

/// Where a value being walked is.
struct Place<'v> {
    def: usize,
    num: u32,
    top: &'v Value,
}

/// A text for a finding: control characters shown as spaces, cut to
/// [`MAX_TARGET_CHARS`].
fn shown(raw: &[u8]) -> String {
    let text = text_string(raw);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_TARGET_CHARS)
        .collect();
    if text.chars().count() > MAX_TARGET_CHARS {
        out.push('…');
    }
    out
}

/// Whether a URI makes the reader leave the web: a network path
/// (`\\host\share`, `//host/share`), a drive path (`C:\…`), `file:`, or
/// any scheme but `http`, `https`, `mailto`, `tel` and `ftp` (a protocol
/// handler). Tabs and line ends inside are dropped first, as the WHATWG
/// URL parser does; a relative URI is ordinary.
pub(crate) fn uri_reaches_outside(uri: &str) -> bool {
    let cleaned: String = uri
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let t = cleaned.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    let lead: String = t.chars().take(2).collect();
    if matches!(lead.as_str(), "\\\\" | "//" | "\\/" | "/\\") {
        return true;
    }
    let Some(scheme) = url_scheme(t) else {
        return false;
    };
    !matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel" | "ftp")
}

impl Visit {
    /// Looks at every definition of `doc`.
    pub(crate) fn of(doc: &Document<'_>) -> Visit {
        let roots: Vec<u32> = doc
            .trailers
            .iter()
            .filter_map(|t| match t.get(b"Root") {
                Some(Value::Ref(n, _)) => Some(*n),
                _ => None,
            })
            .collect();
        let mut visit = Visit::default();
        for (i, def) in doc.defs.iter().enumerate() {
            let Some(top) = doc.value(def) else { continue };
            if def.data.is_some()
                && let Some(d) = top.as_dict()
            {
                if !d.has_name(b"Type", b"XRef") {
                    visit.streams += 1;
                }
                if d.has_name(b"Type", b"EmbeddedFile") {
                    visit.embedded_streams.push(i);
                }
            }
            let place = Place {
                def: i,
                num: def.num,
                top: &top,
            };
            let owner = match &top {
                Value::Dict(d) => classify(d, roots.contains(&def.num)),
                _ => Owner::None,
            };
            visit.walk(doc, &place, &top, owner, Trail::default(), true);
        }
        visit.edges.sort_unstable_by_key(|e| e.0);
        visit
    }

    fn walk<'v>(
        &mut self,
        doc: &Document<'_>,
        place: &Place<'v>,
        value: &'v Value,
        owner: Owner,
        trail: Trail<'v>,
        top: bool,
    ) {
        match value {
            Value::Dict(d) => {
                let own = if top { owner } else { classify(d, false) };
                let (owner, trail) = match own {
                    Owner::None => (owner, trail),
                    own => (own, Trail::default()),
                };
                if let Some((action, target)) = action_of(doc, place, d) {
                    self.sites.push(Site {
                        action,
                        target,
                        obj: place.num,
                        role: role(owner, trail),
                    });
                }
                self.look_at(doc, place, d, trail);
                for (key, v) in &d.0 {
                    self.walk(doc, place, v, owner, trail.then(key), false);
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.walk(doc, place, v, owner, trail, false);
                }
            }
            Value::Ref(n, _) => {
                let role = role(owner, trail);
                if role != Role::Other && *n != place.num && self.edges.len() < MAX_EDGES {
                    self.edges.push((*n, place.num, role));
                }
            }
            _ => {}
        }
    }

    /// File specifications, XFA forms and the `/Base` of URIs.
    fn look_at(&mut self, doc: &Document<'_>, place: &Place<'_>, d: &Dict, trail: Trail<'_>) {
        if let Some(Value::Dict(ef)) = d.get(b"EF") {
            let name = [&b"UF"[..], b"F"].iter().find_map(|k| match d.get(k) {
                Some(Value::Str(raw)) => doc
                    .string(Some(place.def), place.top, raw)
                    .map(|s| text_string(&s))
                    .filter(|s| !s.is_empty()),
                _ => None,
            });
            let targets =
                ef.0.iter()
                    .filter_map(|(_, v)| match v {
                        Value::Ref(n, _) => Some(*n),
                        _ => None,
                    })
                    .collect();
            self.filespecs.push(FileSpec { name, targets });
        }
        for v in d.all(b"XFA") {
            self.xfa.push((v.clone(), place.def));
        }
        if trail.first == Some(&b"URI"[..])
            && let Some(Value::Str(raw)) = d.get(b"Base")
            && let Some(base) = doc.string(Some(place.def), place.top, raw)
            && uri_reaches_outside(&text_string(&base))
        {
            self.sites.push(Site {
                action: PdfActionKind::Uri,
                target: Some(shown(&base)),
                obj: place.num,
                role: Role::Reached(PdfTrigger::Annotation),
            });
        }
    }

    /// Where a site is reached from: its own place, or the references
    /// back to it; the earliest [`PdfTrigger`] of all (the opening first).
    fn trigger(&self, site: &Site) -> PdfTrigger {
        match site.role {
            Role::Reached(t) => return t,
            Role::Other => return PdfTrigger::Unreferenced,
            Role::Neutral => {}
        }
        let mut best = PdfTrigger::Unreferenced;
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![site.obj];
        let mut steps = 0;
        while let Some(obj) = todo.pop() {
            if !seen.insert(obj) {
                continue;
            }
            let from = self.edges.partition_point(|e| e.0 < obj);
            for &(_, source, role) in self.edges[from..].iter().take_while(|e| e.0 == obj) {
                steps += 1;
                if steps > MAX_STEPS_BACK {
                    return best;
                }
                match role {
                    Role::Reached(t) => best = best.min(t),
                    Role::Neutral => todo.push(source),
                    Role::Other => {}
                }
            }
        }
        best
    }

    /// Each action found, once per kind and target, with the earliest
    /// trigger that reaches it, in the order first seen.
    pub(crate) fn actions(&self) -> Vec<(PdfActionKind, PdfTrigger, Option<String>)> {
        let mut out: Vec<(PdfActionKind, PdfTrigger, Option<String>)> = Vec::new();
        for site in &self.sites {
            let trigger = self.trigger(site);
            match out
                .iter_mut()
                .find(|(a, _, t)| *a == site.action && *t == site.target)
            {
                Some(seen) => seen.1 = seen.1.min(trigger),
                None => out.push((site.action, trigger, site.target.clone())),
            }
        }
        out
    }
}

/// The action a dictionary is, when it is one the scanner holds, with its
/// target.
fn action_of(
    doc: &Document<'_>,
    place: &Place<'_>,
    d: &Dict,
) -> Option<(PdfActionKind, Option<String>)> {
    if d.has_name(b"Type", b"StructElem") {
        return None;
    }
    let file = |key: &[u8]| d.get(key).and_then(|v| file_text(doc, place, v, 0));
    let found = match d.name(b"S") {
        Some(b"JavaScript") => (PdfActionKind::JavaScript, None),
        Some(b"Rendition") if d.has(b"JS") => (PdfActionKind::Rendition, None),
        Some(b"Launch") => (PdfActionKind::Launch, launch_target(doc, place, d)),
        Some(b"GoToR") => (PdfActionKind::GoToRemote, file(b"F")),
        Some(b"GoToE") => {
            let embedded = match d.get(b"T") {
                Some(Value::Dict(t)) => match t.get(b"N") {
                    Some(Value::Str(raw)) => doc
                        .string(Some(place.def), place.top, raw)
                        .map(|s| shown(&s)),
                    _ => None,
                },
                _ => None,
            };
            (PdfActionKind::GoToEmbedded, file(b"F").or(embedded))
        }
        Some(b"ImportData") => (PdfActionKind::ImportData, file(b"F")),
        Some(b"SubmitForm") => (PdfActionKind::SubmitForm, file(b"F")),
        Some(b"URI") => {
            let Some(Value::Str(raw)) = d.get(b"URI") else {
                return None;
            };
            let uri = doc.string(Some(place.def), place.top, raw)?;
            if !uri_reaches_outside(&text_string(&uri)) {
                return None;
            }
            (PdfActionKind::Uri, Some(shown(&uri)))
        }
        _ if d.has(b"JS") => (PdfActionKind::JavaScript, None),
        _ => return None,
    };
    Some(found)
}

/// A file specification as text (§7.11): a string, or a dictionary's
/// `/UF`, `/F`, `/DOS`, `/Unix` or `/Mac`; a reference followed.
fn file_text(doc: &Document<'_>, place: &Place<'_>, v: &Value, depth: usize) -> Option<String> {
    match v {
        Value::Str(raw) => doc
            .string(Some(place.def), place.top, raw)
            .map(|s| shown(&s)),
        Value::Dict(d) => [&b"UF"[..], b"F", b"DOS", b"Unix", b"Mac"]
            .iter()
            .find_map(|k| d.get(k).and_then(|v| file_text(doc, place, v, depth + 1))),
        Value::Ref(..) if depth < 2 => doc.resolve(v).into_iter().find_map(|(value, def)| {
            let def = def?;
            let place = Place {
                def,
                num: doc.defs[def].num,
                top: &value,
            };
            file_text(doc, &place, &value, depth + 1)
        }),
        _ => None,
    }
}

/// What a `/Launch` action starts: its `/F`, or its `/Win` program with
/// its parameters (`/P`), or its `/Unix` or `/Mac` entry.
fn launch_target(doc: &Document<'_>, place: &Place<'_>, d: &Dict) -> Option<String> {
    if let Some(Value::Dict(win)) = d.get(b"Win") {
        let text = |k: &[u8]| match win.get(k) {
            Some(Value::Str(raw)) => doc
                .string(Some(place.def), place.top, raw)
                .map(|s| shown(&s)),
            _ => None,
        };
        if let Some(program) = text(b"F") {
            return Some(match text(b"P") {
                Some(p) if !p.is_empty() => format!("{program} {p}"),
                _ => program,
            });
        }
    }
    [&b"F"[..], b"Unix", b"Mac"]
        .iter()
        .find_map(|k| d.get(k).and_then(|v| file_text(doc, place, v, 0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_that_leave_the_web() {
        for outside in [
            "\\\\203.0.113.5\\partage\\a.pdf",
            "//serveur.example/partage",
            "file:///C:/Windows/System32/calc.exe",
            "FILE://host/x",
            "C:\\Windows\\calc.exe",
            "search-ms:query=facture&crumb=location:\\\\203.0.113.5@80\\x",
            "ms-msdt:/id PCWDiagnostic",
            " fi\tle:///x",
            "javascript:app.alert(1)",
        ] {
            assert!(uri_reaches_outside(outside), "{outside}");
        }
        for ordinary in [
            "https://www.service-public.fr/",
            "http://example.org/a:b",
            "mailto:mairie@ville.example",
            "tel:+33123456789",
            "ftp://ftp.example.org/",
            "annexe.html",
            "page.html?a=b:c",
            "#section",
        ] {
            assert!(!uri_reaches_outside(ordinary), "{ordinary}");
        }
    }
}
