//! The internal DTD subset of an XML page (an SVG image, an XHTML page):
//! the general entities it declares, expanded where the document uses
//! them, as the browser's XML parser does before anything is shown (XML
//! 1.0 §4.2 "entity declarations", §4.4 "XML processor treatment of
//! entities", §4.5 "construction of entity replacement text"). A
//! `<!ENTITY x "javascript:…">` used in `href="&x;"`, or an entity whose
//! text is `<script>…`, is judged as what it becomes.
//!
//! What is followed: internal general entities (`<!ENTITY name "text">`),
//! their character references expanded when declared, references to
//! other entities expanded when used, in content and attribute values.
//! External entities (`SYSTEM`, `PUBLIC`) are not loaded by browsers and
//! stay as written. Parameter entities (`%name;`) that the subset uses,
//! recursion, and an expansion past [`MAX_REFERENCES`] references or
//! [`GROWTH`] times the document (a "billion laughs") are not followed:
//! the page is held as a bomb (fail closed).
//!
//! An HTML page's doctype is never read this way: the HTML parser ignores
//! an internal subset (HTML §13.2.5.55 and following, the DOCTYPE states).

use std::collections::HashMap;

/// Entities declared by one document, at most.
const MAX_ENTITIES: usize = 1_024;
/// Entity references expanded in one document, nested ones included.
pub(crate) const MAX_REFERENCES: usize = 10_000;
/// The expanded document may be this many times the size of the written
/// one (with at least [`MIN_ROOM`] bytes of room).
pub(crate) const GROWTH: usize = 4;
/// Room for expansion in a small document, in bytes.
const MIN_ROOM: usize = 1 << 20;
/// Entities inside entities, followed this deep.
const MAX_DEPTH: usize = 16;

/// What the internal subset makes of a document.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Expansion {
    /// No internal subset that declares a general entity.
    None,
    /// The document as the XML parser reads it: the subset taken out,
    /// every reference to its entities replaced by their text.
    Expanded(String),
    /// Past the caps, recursive, or built with parameter entities: not
    /// followed. `expanded` bytes were produced before stopping.
    Bomb { expanded: u64 },
}

/// Expands the internal general entities of `text`, an XML document (its
/// first markup is an XML declaration or a doctype whose root is `svg`).
pub(crate) fn expand(text: &str) -> Expansion {
    let Some(subset) = internal_subset(text) else {
        return Expansion::None;
    };
    let decl = &text[subset.start..subset.end];
    let Some(entities) = declarations(decl) else {
        return Expansion::Bomb { expanded: 0 };
    };
    if entities.is_empty() {
        return Expansion::None;
    }
    let room = text.len().saturating_mul(GROWTH).max(MIN_ROOM);
    let mut x = Expander {
        entities: &entities,
        out: String::with_capacity(text.len()),
        room,
        references: 0,
        bomb: false,
    };
    x.out.push_str(&text[..subset.doctype_start]);
    x.out
        .push_str(&text[subset.doctype_start..subset.start].replace('[', ""));
    x.out.push('>');
    x.copy(&text[subset.after..], 0);
    if x.bomb {
        return Expansion::Bomb {
            expanded: x.out.len() as u64,
        };
    }
    Expansion::Expanded(x.out)
}

/// Where a doctype's internal subset sits: `<!DOCTYPE name` up to its
/// `[`, the declarations, and the first byte after `]>`.
struct Subset {
    doctype_start: usize,
    start: usize,
    end: usize,
    after: usize,
}

fn internal_subset(text: &str) -> Option<Subset> {
    let head = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let lower_head = head.get(..head.len().min(5))?.to_ascii_lowercase();
    let bytes = text.as_bytes();
    // The doctype, past the XML declaration, comments and instructions.
    let doctype_start = find_ci(bytes, b"<!doctype")?;
    let prolog = &text[..doctype_start];
    if prolog.contains(['>']) && !lower_head.starts_with("<?xml") && !lower_head.starts_with("<!--")
    {
        return None;
    }
    let after_name = doctype_start + "<!doctype".len();
    let rest = &text[after_name..];
    let name_start = rest.len() - rest.trim_start().len();
    let name_len = rest[name_start..]
        .find(|c: char| c.is_whitespace() || c == '[' || c == '>')
        .unwrap_or(rest.len() - name_start);
    let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
    let xml = lower_head.starts_with("<?xml") || name == "svg" || name.ends_with(":svg");
    if !xml {
        return None;
    }
    // The `[` before the doctype's `>`, outside quoted system identifiers.
    let mut quote = None;
    let mut open = None;
    for (i, c) in rest.char_indices().skip(name_start + name_len) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => {
                open = Some(after_name + i + 1);
                break;
            }
            (None, '>') => return None,
            _ => {}
        }
    }
    let start = open?;
    // The subset ends at a `]` outside quotes and comments; then `>`.
    let mut quote = None;
    let mut i = start;
    while i < bytes.len() {
        let c = bytes[i];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'<') if bytes[i..].starts_with(b"<!--") => {
                i = find(&bytes[i..], b"-->").map_or(bytes.len(), |e| i + e + 3);
                continue;
            }
            (None, b']') => {
                let close = find(&bytes[i..], b">").map_or(bytes.len(), |e| i + e + 1);
                return Some(Subset {
                    doctype_start,
                    start: start - 1,
                    end: i,
                    after: close,
                });
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// `needle` (lower case) in `hay`, ASCII case ignored.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .take(64 * 1024)
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// The internal general entities declared in a subset, by name, their
/// character references expanded (§4.5). None when the subset uses a
/// parameter entity (its declarations could not be read without
/// expanding it) or declares too many.
fn declarations(subset: &str) -> Option<HashMap<String, String>> {
    let mut entities = HashMap::new();
    let b = subset.as_bytes();
    let mut i = 1; // past the `[`
    while i < b.len() {
        match b[i] {
            b'%' => return None,
            b'<' if b[i..].starts_with(b"<!--") => {
                i = find(&b[i..], b"-->").map_or(b.len(), |e| i + e + 3);
            }
            b'<' if b[i..].starts_with(b"<!ENTITY") => {
                let (end, decl) = entity_decl(subset, i + "<!ENTITY".len());
                i = end;
                if let Some((name, value)) = decl {
                    if entities.len() >= MAX_ENTITIES {
                        return None;
                    }
                    // The first declaration binds (§4.2).
                    entities.entry(name).or_insert(value);
                }
            }
            b'<' => {
                // Another declaration: to its `>`, quotes followed.
                i = skip_decl(b, i + 1);
            }
            _ => i += 1,
        }
    }
    Some(entities)
}

/// Past a declaration's closing `>`, quoted text skipped.
fn skip_decl(b: &[u8], mut i: usize) -> usize {
    let mut quote = None;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c @ (b'"' | b'\'')) => quote = Some(c),
            (None, b'>') => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// One `<!ENTITY …>` after its keyword: the end of the declaration, and
/// the name and text of an internal general entity (None for a parameter
/// entity or an external one).
fn entity_decl(s: &str, from: usize) -> (usize, Option<(String, String)>) {
    let b = s.as_bytes();
    let end = skip_decl(b, from);
    let body = s[from..end].trim_end_matches('>').trim_start();
    if body.starts_with('%') {
        return (end, None);
    }
    let name_len = body
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(body.len());
    let name = &body[..name_len];
    let rest = body[name_len..].trim_start();
    let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
        return (end, None); // SYSTEM or PUBLIC: external.
    };
    let value = rest[1..].split(q).next().unwrap_or("");
    if name.is_empty() {
        return (end, None);
    }
    (end, Some((name.to_string(), char_refs(value))))
}

/// Character references (`&#60;`, `&#x3C;`) replaced by their character
/// (§4.5: done when the entity is declared); other references kept.
fn char_refs(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let semi = tail.find(';').filter(|&n| n <= 10);
        let c = semi.and_then(|n| {
            let digits = &tail[..n];
            let code = match digits.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => digits.parse().ok(),
            };
            code.and_then(char::from_u32)
        });
        match (c, semi) {
            (Some(c), Some(n)) => {
                out.push(c);
                rest = &tail[n + 1..];
            }
            _ => {
                out.push_str("&#");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

struct Expander<'e> {
    entities: &'e HashMap<String, String>,
    out: String,
    room: usize,
    references: usize,
    bomb: bool,
}

impl Expander<'_> {
    /// Copies `text` to the output, references to declared entities
    /// replaced by their text, itself expanded, `depth` entities deep.
    fn copy(&mut self, text: &str, depth: usize) {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            self.push(&rest[..i]);
            let tail = &rest[i + 1..];
            let name_len = tail
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
                .unwrap_or(tail.len());
            let value = (tail[name_len..].starts_with(';'))
                .then(|| self.entities.get(&tail[..name_len]))
                .flatten();
            match value {
                Some(v) => {
                    self.references += 1;
                    if depth >= MAX_DEPTH || self.references > MAX_REFERENCES {
                        self.bomb = true;
                    }
                    if self.bomb {
                        return;
                    }
                    self.copy(v, depth + 1);
                    rest = &tail[name_len + 1..];
                }
                None => {
                    self.push("&");
                    rest = tail;
                }
            }
            if self.bomb {
                return;
            }
        }
        self.push(rest);
    }

    fn push(&mut self, s: &str) {
        if self.out.len() + s.len() > self.room {
            self.bomb = true;
            return;
        }
        self.out.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(text: &str) -> String {
        match expand(text) {
            Expansion::Expanded(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn entities_are_expanded_in_attributes_and_content() {
        let doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY u \"java&#115;cript:alert(1)\">\n<!ENTITY s '&#60;script>x()&#60;/script>'>\n<!ENTITY both \"&u;|&s;\">\n]>\n<svg><a href=\"&u;\">&s;</a>&both;&lt;&amp;</svg>";
        let x = expanded(doc);
        assert!(x.contains("href=\"javascript:alert(1)\""), "{x}");
        assert!(x.contains("<script>x()</script></a>"), "{x}");
        assert!(x.contains("javascript:alert(1)|<script>"), "{x}");
        assert!(x.contains("&lt;&amp;"), "{x}");
        assert!(!x.contains("ENTITY"), "{x}");
        // Illustrator's namespaces as entities.
        let ai = "<?xml version=\"1.0\"?><!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [\n\t<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n]><svg xmlns=\"&ns_svg;\"><rect/></svg>";
        assert!(expanded(ai).contains("<svg xmlns=\"http://www.w3.org/2000/svg\">"));
    }

    #[test]
    fn html_and_plain_doctypes_are_left_alone() {
        assert_eq!(
            expand("<!DOCTYPE html><html><body>&x;</body></html>"),
            Expansion::None
        );
        assert_eq!(
            expand("<!DOCTYPE html [<!ENTITY x \"javascript:\">]><a href=\"&x;\">"),
            Expansion::None
        );
        assert_eq!(
            expand("<?xml version=\"1.0\"?><!DOCTYPE svg><svg/>"),
            Expansion::None
        );
        assert_eq!(
            expand("<!DOCTYPE svg [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><svg>&e;</svg>"),
            Expansion::None
        );
    }

    #[test]
    fn bombs_stop_at_the_caps() {
        let mut laughs = String::from("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY l0 \"ha\">");
        for i in 1..10 {
            let p = i - 1;
            laughs.push_str(&format!(
                "<!ENTITY l{i} \"&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};\">"
            ));
        }
        laughs.push_str("]><svg>&l9;</svg>");
        assert!(matches!(expand(&laughs), Expansion::Bomb { .. }));
        let quadratic = format!(
            "<!DOCTYPE svg [<!ENTITY a \"{}\">]><svg>{}</svg>",
            "x".repeat(100_000),
            "&a;".repeat(5_000)
        );
        assert!(matches!(expand(&quadratic), Expansion::Bomb { .. }));
        let recursive = "<!DOCTYPE svg [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><svg>&a;</svg>";
        assert!(matches!(expand(recursive), Expansion::Bomb { .. }));
        let parameter = "<!DOCTYPE svg [<!ENTITY % p \"<!ENTITY x 'javascript:a()'>\"> %p;]><svg><a href=\"&x;\"/></svg>";
        assert!(matches!(expand(parameter), Expansion::Bomb { .. }));
        for cut in [
            "<!DOCTYPE svg [",
            "<!DOCTYPE svg [<!ENTITY",
            "<!DOCTYPE svg [<!ENTITY x \"",
            "<!DOCTYPE svg [<!ENTITY x \"a\">]",
            "<!DOCTYPE svg [<!ENTITY x \"a\">]><svg>&x",
        ] {
            let _ = expand(cut);
        }
    }
}
