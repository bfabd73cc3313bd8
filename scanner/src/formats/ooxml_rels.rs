//! The relationships of an Office Open XML package that reach outside it.
//!
//! Every part of a package names the other parts and resources it uses in
//! a relationships part (`_rels/.rels`, `word/_rels/document.xml.rels`,
//! `word/_rels/settings.xml.rels`, `xl/worksheets/_rels/sheet1.xml.rels`,
//! `ppt/slides/_rels/slide1.xml.rels`, `customXml/_rels/item1.xml.rels` …;
//! ECMA-376 Part 2, §9.3). A relationship with `TargetMode="External"`
//! (§9.3.2.2) points outside the package, and Word, Excel and PowerPoint
//! fetch some of them by themselves when the document opens. Each one is
//! judged by its type (the last segment of its `Type` URI, so the
//! transitional, strict and Microsoft namespaces read alike) and its
//! target ([`judge`]):
//!
//! - an `oleObject`, `package` or `frame` loaded from anywhere but a local
//!   path or a single-label file server (the Follina family:
//!   CVE-2022-30190's `…html!` URL, CVE-2021-40444's `mhtml:`);
//! - any target by a UNC or WebDAV path (`\\host\…`, `\\host@SSL\DavWWWRoot\…`,
//!   `file://host/…`) to an IP address or a dotted host name: Windows
//!   connects and sends the reader's NTLM hash (MITRE ATT&CK T1187);
//! - an `attachedTemplate`, `subDocument` or `image` fetched over plain
//!   `http`, from an IP address, by any scheme but `https`, or (templates
//!   and subdocuments) a file that can carry macros (T1221, template
//!   injection);
//! - any other type by a scheme no web reader uses (`ms-msdt:`, `search-ms:` …).
//!
//! Ordinary, never a finding: hyperlinks (the reader must click), local
//! paths (`file:///C:/…/Normal.dotm`, which Word writes into countless
//! letters), single-label file servers (`\\serveur\modeles\…`, which the
//! recipient's Word cannot reach from outside the sender's network), a
//! template without macros (`.dotx`, `.xltx`, `.potx`) by `https` on a
//! named host, and anything on the organisation's own or partner domains
//! ([`Engine::with_own_domains`](crate::Engine::with_own_domains)) except
//! a loaded object by URL.
//!
//! A relationships part is parsed with an XML parser (`quick-xml`), never
//! searched as bytes; one that does not parse is a finding (Word repairs
//! such packages and may follow what it recovers). A relationship whose
//! mode says `Internal` but whose target is an absolute URI or a network
//! path is judged as external: no rule may name it, it is still a fetch.

use crate::decode::url_scheme;
use crate::report::{Finding, FindingKind};
use crate::sentence::{Reach, Sentence};
use crate::walk::{Object, Walker};
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// The most bytes read from one relationships part. Word's are a few KiB;
/// a larger one is a finding (not analysed), not a silent skip.
pub(crate) const MAX_RELS_PART: u64 = 4 << 20;

/// The most external-content findings reported for one package: past the
/// first few, more only lengthen the report.
const MAX_FINDINGS: usize = 10;

/// Reads every relationships part of the OOXML package `obj` and adds an
/// [`FindingKind::ExternalContent`] finding for each relationship that
/// reaches outside ([`judge`]). The parts are read through the package's
/// central directory (as Office reads it), each through a cap of
/// [`MAX_RELS_PART`] and all of them within `Limits::max_object_size`; the
/// archive's own findings (damage, encryption, budgets) are the ZIP
/// reader's, not repeated here.
pub(crate) fn walk(w: &mut Walker<'_>, obj: &Object<'_>, findings: &mut Vec<Finding>) {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(obj.bytes)) else {
        return;
    };
    let mut budget = w.object_cap();
    let mut reported = 0;
    for index in 0..zip.len() {
        if w.check_time() {
            return;
        }
        let Ok(file) = zip.by_index(index) else {
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if file.is_dir() || !name.to_ascii_lowercase().ends_with(".rels") {
            continue;
        }
        let cap = MAX_RELS_PART.min(budget);
        let mut bytes = Vec::new();
        if let Err(e) = file.take(cap + 1).read_to_end(&mut bytes) {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::RelationshipsUnreadable {
                    part: name,
                    reason: e.to_string(),
                },
            ));
            continue;
        }
        if bytes.len() as u64 > cap {
            findings.push(Finding::new(
                FindingKind::SizeExceeded,
                Sentence::StreamPastBudget { stream: name },
            ));
            return;
        }
        budget -= bytes.len() as u64;
        judge_part(w, &name, &bytes, &mut reported, findings);
    }
}

/// Parses one relationships part (`bytes`, UTF-8 or UTF-16 by its BOM) and
/// adds a finding for each relationship that reaches outside, up to
/// [`MAX_FINDINGS`] over the package (`reported` counts them); a part that
/// is not well-formed XML is a [`FindingKind::UnreadableContainer`]
/// finding. Also used for the relationships parts of a flat OPC file
/// (`formats/officexml.rs`).
pub(crate) fn judge_part(
    w: &Walker<'_>,
    part: &str,
    bytes: &[u8],
    reported: &mut usize,
    findings: &mut Vec<Finding>,
) {
    let relationships = match relationships(&xml_text(bytes)) {
        Ok(r) => r,
        Err(reason) => {
            findings.push(Finding::new(
                FindingKind::UnreadableContainer,
                Sentence::RelationshipsUnreadable {
                    part: part.to_string(),
                    reason,
                },
            ));
            return;
        }
    };
    for rel in relationships {
        if *reported >= MAX_FINDINGS {
            return;
        }
        let Some(reach) = judge(&rel, w.engine.own_domains()) else {
            continue;
        };
        *reported += 1;
        findings.push(Finding::new(
            FindingKind::ExternalContent,
            Sentence::ExternalRelationship {
                part: part.to_string(),
                relationship: kind_of(&rel.kind).to_string(),
                target: shown(&rel.target),
                reach,
            },
        ));
    }
}

/// The text of an XML document: UTF-16 (either order) by its byte-order
/// mark, else UTF-8 (a BOM dropped; bytes that are not UTF-8 replaced,
/// which cannot turn a target into another one that reaches outside).
pub(crate) fn xml_text(bytes: &[u8]) -> Cow<'_, str> {
    let utf16 = |rest: &[u8], be: bool| {
        let units = rest.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        )
    };
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, true);
    }
    String::from_utf8_lossy(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
}

/// One `Relationship` element (ECMA-376 Part 2, §9.3.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relationship {
    /// The `Type` attribute, a URI.
    pub kind: String,
    /// The `Target` attribute, entities and character references decoded.
    pub target: String,
    /// Whether `TargetMode` is `External` (any case).
    pub external: bool,
}

/// The `Relationship` elements of a relationships part, in document
/// order, whatever their namespace prefix; an error (the parser's reason)
/// when the XML is not well-formed (an unknown entity, a duplicate
/// attribute, unbalanced tags). `quick-xml` does not expand DTD entities:
/// an entity a DTD declares is an error, as OPC forbids DTDs (ECMA-376
/// Part 2, §8.1.4).
pub(crate) fn relationships(text: &str) -> Result<Vec<Relationship>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() == b"Relationship" {
                    out.push(relationship(&e)?);
                }
            }
            Ok(Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => {
                return Err(format!("{e} (at byte {})", reader.error_position()));
            }
        }
    }
}

/// The attributes of one `Relationship` element.
fn relationship(e: &BytesStart<'_>) -> Result<Relationship, String> {
    let mut rel = Relationship {
        kind: String::new(),
        target: String::new(),
        external: false,
    };
    for attr in e.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        match attr.key.local_name().as_ref() {
            b"Type" => rel.kind = value.into_owned(),
            b"Target" => rel.target = value.into_owned(),
            b"TargetMode" => rel.external = value.trim().eq_ignore_ascii_case("external"),
            _ => {}
        }
    }
    Ok(rel)
}

/// The relationship type's last segment (`oleObject` for
/// `http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject`).
fn kind_of(uri: &str) -> &str {
    uri.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// A target as shown in a finding: control characters dropped, at most
/// 300 characters.
fn shown(target: &str) -> String {
    let clean: String = target.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > 300 {
        clean.chars().take(300).chain(['…']).collect()
    } else {
        clean
    }
}

/// Where a target points, as Windows reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A path on the reader's machine: relative, rooted, a drive letter,
    /// `file:///C:/…`, `file://localhost/…`, `\\?\C:\…`.
    Local,
    /// A UNC path, WebDAV included (`\\host\share`, `\\host@SSL@443\DavWWWRoot\…`,
    /// `//host/share`, `file://host/share`, `file:////host/share`): the
    /// host as written, lower case, without the `@SSL`/`@port` suffix.
    Network { host: String },
    /// A URL of a scheme (lower case) and, for a hierarchical one, its host
    /// (lower case, percent-decoded) and path (up to `?` or `#`).
    Url {
        scheme: String,
        host: Option<String>,
        path: String,
    },
}

/// Reads a target as the URL moniker and the Windows path functions do:
/// white space and controls around it dropped and inside it ignored (as
/// URL parsers do), `/` and `\` alike in paths.
pub(crate) fn target(raw: &str) -> Target {
    let t: String = raw
        .trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let slash = |c: char| c == '/' || c == '\\';
    // A UNC or device path.
    let mut chars = t.chars();
    if let (Some(a), Some(b)) = (chars.next(), chars.next())
        && slash(a)
        && slash(b)
    {
        let rest = &t[2..];
        // Device paths: \\?\C:\…, \\.\C:\…, \\?\UNC\host\share.
        if let Some(dev) = rest
            .strip_prefix(['?', '.'])
            .filter(|r| r.starts_with(slash))
        {
            let dev = &dev[1..];
            if dev.get(..3).is_some_and(|u| u.eq_ignore_ascii_case("unc"))
                && let Some(after) = dev.get(3..).and_then(|r| r.strip_prefix(slash))
            {
                return network(after);
            }
            return Target::Local;
        }
        return network(rest);
    }
    let Some(scheme) = url_scheme(&t) else {
        return Target::Local; // relative or rooted, or no scheme at all
    };
    if scheme.len() == 1 {
        return Target::Local; // `C:\…`
    }
    let rest = &t[scheme.len() + 1..];
    if scheme == "file" {
        return file_url(rest);
    }
    let mut rest_chars = rest.chars();
    let hierarchical = matches!((rest_chars.next(), rest_chars.next()), (Some(a), Some(b)) if slash(a) && slash(b));
    if !hierarchical {
        return Target::Url {
            scheme,
            host: None,
            path: rest.to_string(),
        };
    }
    let after = &rest[2..];
    let end = after
        .find(|c: char| slash(c) || c == '?' || c == '#')
        .unwrap_or(after.len());
    let authority = &after[..end];
    let path = after[end..]
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    Target::Url {
        scheme,
        host: Some(url_host(authority)),
        path,
    }
}

/// The rest of a `file:` URL (RFC 8089; Windows' readings of it).
fn file_url(rest: &str) -> Target {
    let slash = |c: char| c == '/' || c == '\\';
    let leading = rest.chars().take_while(|&c| slash(c)).count();
    let body = &rest[leading..];
    match leading {
        // file:C:/x, file:x
        0 | 1 => Target::Local,
        // file://host/share, file://localhost/C:/x, file://C:/x
        2 => {
            let end = body.find(slash).unwrap_or(body.len());
            let host = &body[..end];
            if host.is_empty()
                || host.eq_ignore_ascii_case("localhost")
                || (host.len() == 2 && host.ends_with([':', '|']))
            {
                Target::Local
            } else {
                network(body)
            }
        }
        // file:///C:/x is local; file:////host/share and more slashes are UNC.
        3 => Target::Local,
        _ => network(body),
    }
}

/// A UNC path after its leading `\\`: the host, without a WebDAV
/// `@SSL`/`@port` suffix.
fn network(rest: &str) -> Target {
    let end = rest.find(['/', '\\']).unwrap_or(rest.len());
    let host = rest[..end].split('@').next().unwrap_or_default();
    Target::Network {
        host: normal_host(host),
    }
}

/// The host of a URL authority (`user:pass@host:port`, `[v6]:port`).
fn url_host(authority: &str) -> String {
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    normal_host(host)
}

/// A host name lower case, percent-decoded, without a final dot.
fn normal_host(host: &str) -> String {
    let bytes = host.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out)
        .to_lowercase()
        .trim_end_matches('.')
        .to_string()
}

/// Whether a host is an IP address in any form Windows resolves without
/// DNS: dotted quad, the `inet_aton` forms (one to four parts, each a
/// number in decimal, octal with a leading 0, or hex with `0x`:
/// `3405803781`, `0xcb.0.113.5`, `10.1`), IPv6 (`[::1]`,
/// `fe80--1.ipv6-literal.net`).
pub(crate) fn is_ip(host: &str) -> bool {
    if host.contains(':') || host.ends_with(".ipv6-literal.net") {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() <= 4
        && parts.iter().all(|part| {
            let p = part.to_ascii_lowercase();
            match p.strip_prefix("0x") {
                Some(hex) => hex.chars().all(|c| c.is_ascii_hexdigit()),
                None => !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()),
            }
        })
}

/// Whether `host` is one of `domains` or a name under one of them.
fn owned(host: &str, domains: &[String]) -> bool {
    domains.iter().any(|d| {
        host == d
            || host
                .strip_suffix(d.as_str())
                .is_some_and(|h| h.ends_with('.'))
    })
}

/// A host that is reached from outside the sender's network: an IP
/// address or a dotted name (a single label is an intranet name the
/// recipient's Windows cannot resolve to the sender's server).
fn outside(host: &str) -> bool {
    is_ip(host) || host.contains('.')
}

/// The extension of the last segment of a URL or UNC path, lower case,
/// percent-decoded, trailing dots and spaces dropped (as Windows saves
/// it); `None` without one.
fn extension(path: &str) -> Option<String> {
    let last = path.rsplit(['/', '\\']).next().unwrap_or_default();
    let last = normal_host(last); // percent-decoded, lower case, no final dot
    let last = last.trim_end_matches([' ', '.']);
    let (stem, ext) = last.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_string())
}

/// Templates and documents that cannot carry macros: fetched by `https`
/// from a named host, they are ordinary (a commune's SharePoint, an
/// organisation's template server). Word refuses a macro-enabled package
/// saved under one of these names.
const MACRO_FREE: &[&str] = &["dotx", "xltx", "potx", "docx", "xlsx", "pptx"];

/// Schemes a web or mail reader uses; any other in a relationship Office
/// follows is a protocol handler (`ms-msdt:`, `search-ms:`, `mhtml:` …).
const WEB_SCHEMES: &[&str] = &["http", "https", "ftp", "mailto"];

/// Why a relationship reaches outside, or `None` when it is ordinary
/// (the rules of the module documentation). `own` is the organisation's
/// own and partner domains, lower case.
pub(crate) fn judge(rel: &Relationship, own: &[String]) -> Option<Reach> {
    let kind = kind_of(&rel.kind).to_ascii_lowercase();
    if kind == "hyperlink" {
        return None;
    }
    let to = target(&rel.target);
    if !rel.external && to == Target::Local {
        return None; // a part of the package
    }
    let host = match &to {
        Target::Local => return None,
        Target::Network { host } => Some(host.as_str()),
        Target::Url { host, .. } => host.as_deref(),
    };
    let own_host = host.is_some_and(|h| owned(h, own));
    match kind.as_str() {
        "oleobject" | "package" | "frame" => match &to {
            Target::Network { host } if !outside(host) || own_host => None,
            _ => Some(Reach::LoadedObject),
        },
        _ if own_host => None,
        "attachedtemplate" | "subdocument" | "image" => match &to {
            Target::Local => None,
            Target::Network { host } => outside(host).then_some(Reach::NetworkPath),
            Target::Url { scheme, host, path } => {
                if scheme == "http" {
                    Some(Reach::PlainHttp)
                } else if scheme != "https" || host.as_deref().is_none_or(str::is_empty) {
                    Some(Reach::OtherScheme)
                } else if host.as_deref().is_some_and(is_ip) {
                    Some(Reach::IpAddress)
                } else if kind != "image"
                    && !extension(path).is_some_and(|e| MACRO_FREE.contains(&e.as_str()))
                {
                    Some(Reach::MacroTemplate)
                } else {
                    None
                }
            }
        },
        _ => match &to {
            Target::Local => None,
            Target::Network { host } => outside(host).then_some(Reach::NetworkPath),
            Target::Url { scheme, .. } => {
                (!WEB_SCHEMES.contains(&scheme.as_str())).then_some(Reach::OtherScheme)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";

    fn rel(kind: &str, target: &str) -> Relationship {
        Relationship {
            kind: format!("{NS}{kind}"),
            target: target.to_string(),
            external: true,
        }
    }

    fn j(kind: &str, target: &str) -> Option<Reach> {
        judge(&rel(kind, target), &["ville-exemple.fr".to_string()])
    }

    #[test]
    fn targets_read_as_windows_reads_them() {
        let net = |h: &str| Target::Network { host: h.into() };
        assert_eq!(target(r"\\203.0.113.5\x\y.dotm"), net("203.0.113.5"));
        assert_eq!(
            target(r"\\host.example@SSL@443\DavWWWRoot\m.dotm"),
            net("host.example")
        );
        assert_eq!(target("//serveur/modeles/a.dotm"), net("serveur"));
        assert_eq!(target(r"\\?\UNC\10.0.0.1\s\a"), net("10.0.0.1"));
        assert_eq!(target(r"\\?\C:\x\a.dotm"), Target::Local);
        assert_eq!(target("file:///C:/Users/a/Normal.dotm"), Target::Local);
        assert_eq!(target("file://localhost/C:/a.dotm"), Target::Local);
        assert_eq!(target("file://host.example/s/a.dotm"), net("host.example"));
        assert_eq!(target("file:////203.0.113.5/s/a"), net("203.0.113.5"));
        assert_eq!(target("FILE://C:/a.dotm"), Target::Local);
        assert_eq!(target(r"C:\modeles\a.dotm"), Target::Local);
        assert_eq!(target("../modeles/a.dotm"), Target::Local);
        assert_eq!(target("media/image1.png"), Target::Local);
        assert_eq!(
            target(" HTTPS://User@Modeles.Example:8443/a/b.dotx?x=1#f "),
            Target::Url {
                scheme: "https".into(),
                host: Some("modeles.example".into()),
                path: "/a/b.dotx".into()
            }
        );
        assert_eq!(
            target("ht\ttp://%32%30%33.0.113.80/x"),
            Target::Url {
                scheme: "http".into(),
                host: Some("203.0.113.80".into()),
                path: "/x".into()
            }
        );
        assert!(matches!(
            target("ms-msdt:/id PCWDiagnostic"),
            Target::Url { host: None, .. }
        ));
    }

    #[test]
    fn hosts_that_are_addresses() {
        for ip in [
            "203.0.113.5",
            "3405803781",
            "0xcb.0.113.5",
            "10.1",
            "[::1]",
            "::1",
            "fe80--1.ipv6-literal.net",
        ] {
            assert!(is_ip(ip), "{ip}");
        }
        for name in [
            "serveur",
            "modeles.example",
            "1password.example",
            "0day.example",
            "4d.be",
            "1.2.3.4.5",
        ] {
            assert!(!is_ip(name), "{name}");
        }
    }

    #[test]
    fn the_rules_of_the_issue() {
        use Reach::*;
        // Loaded objects: always held when they reach out.
        assert_eq!(
            j("oleObject", "http://203.0.113.80/releve.htm!facture"),
            Some(LoadedObject)
        );
        assert_eq!(
            j(
                "oleObject",
                "mhtml:http://a.example/x.htm!x-usc:http://a.example/y"
            ),
            Some(LoadedObject)
        );
        assert_eq!(
            j("frame", "https://portail.ville-exemple.fr/x.htm"),
            Some(LoadedObject)
        );
        assert_eq!(j("package", "https://a.example/x.bin"), Some(LoadedObject));
        assert_eq!(j("oleObject", r"\\serveur\partage\classeur.xlsx"), None);
        assert_eq!(j("oleObject", "file:///C:/Donnees/classeur.xlsx"), None);
        // Network paths that leak the NTLM hash.
        assert_eq!(
            j(
                "attachedTemplate",
                r"\\203.0.113.50@SSL\DavWWWRoot\modeles\C.dotm"
            ),
            Some(NetworkPath)
        );
        assert_eq!(
            j("attachedTemplate", r"\\modeles.example\s\C.dotx"),
            Some(NetworkPath)
        );
        assert_eq!(
            j("externalLinkPath", "file://files.example/s/b.xlsx"),
            Some(NetworkPath)
        );
        assert_eq!(j("image", r"\\198.51.100.7\i\pixel.png"), Some(NetworkPath));
        // Ordinary local and intranet templates.
        assert_eq!(
            j(
                "attachedTemplate",
                "file:///C:/Users/agent/AppData/Roaming/Microsoft/Templates/Normal.dotm"
            ),
            None
        );
        assert_eq!(
            j("attachedTemplate", r"\\serveur\modeles\Courrier.dotm"),
            None
        );
        // Templates by URL.
        assert_eq!(
            j("attachedTemplate", "http://modeles.example/a.dotx"),
            Some(PlainHttp)
        );
        assert_eq!(
            j("attachedTemplate", "https://203.0.113.9/a.dotx"),
            Some(IpAddress)
        );
        assert_eq!(
            j("attachedTemplate", "https://cdn.example/a.dotm"),
            Some(MacroTemplate)
        );
        assert_eq!(
            j("attachedTemplate", "https://cdn.example/a.dot"),
            Some(MacroTemplate)
        );
        assert_eq!(
            j("attachedTemplate", "https://cdn.example/template"),
            Some(MacroTemplate)
        );
        assert_eq!(
            j("subDocument", "https://cdn.example/a.docm"),
            Some(MacroTemplate)
        );
        assert_eq!(
            j("attachedTemplate", "ftp://modeles.example/a.dotx"),
            Some(OtherScheme)
        );
        assert_eq!(
            j(
                "attachedTemplate",
                "https://commune.sharepoint.com/sites/m/Lettre.dotx?web=1"
            ),
            None
        );
        assert_eq!(j("subDocument", "https://docs.example/annexe.docx"), None);
        assert_eq!(j("image", "https://images.example/logo"), None);
        assert_eq!(
            j("image", "http://images.example/logo.png"),
            Some(PlainHttp)
        );
        // The organisation's own and partner domains.
        assert_eq!(
            j(
                "attachedTemplate",
                "http://intranet.ville-exemple.fr/m/a.dotm"
            ),
            None
        );
        assert_eq!(
            j("attachedTemplate", r"\\fs.ville-exemple.fr\m\a.dotm"),
            None
        );
        assert_eq!(
            j(
                "attachedTemplate",
                "https://ville-exemple.fr.evil.example/a.dotm"
            ),
            Some(MacroTemplate)
        );
        assert_eq!(
            j("attachedTemplate", "https://notville-exemple.fr/a.dotm"),
            Some(MacroTemplate)
        );
        // Hyperlinks never; other types by a protocol handler.
        assert_eq!(j("hyperlink", "ms-msdt:/id PCWDiagnostic"), None);
        assert_eq!(j("hyperlink", r"\\203.0.113.5\x"), None);
        assert_eq!(j("video", "https://www.example/v.mp4"), None);
        assert_eq!(j("video", "search-ms:query=facture"), Some(OtherScheme));
        // A target outside the package under an Internal mode is judged too.
        let internal = Relationship {
            external: false,
            ..rel("attachedTemplate", "http://203.0.113.5/t.dotm")
        };
        assert_eq!(judge(&internal, &[]), Some(PlainHttp));
        let part = Relationship {
            external: false,
            ..rel("image", "media/image1.png")
        };
        assert_eq!(judge(&part, &[]), None);
    }

    #[test]
    fn relationships_are_read_by_an_xml_parser() {
        let xml = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x/oleObject" Target="http://a&#46;example/x.htm!&amp;" TargetMode="External"/><r:Relationship xmlns:r="http://schemas.openxmlformats.org/package/2006/relationships" Id="rId2" Type="x/image" Target="media/a.png"></r:Relationship></Relationships>"#;
        let rels = relationships(xml).unwrap();
        assert_eq!(rels.len(), 2);
        assert_eq!(rels[0].target, "http://a.example/x.htm!&");
        assert!(rels[0].external);
        assert!(!rels[1].external);
        // Not well-formed: an error, never a silent pass.
        assert!(
            relationships("<Relationships><Relationship Target=\"&ent;\"/></Relationships>")
                .is_err()
        );
        assert!(
            relationships("<Relationships><Relationship Target='a' Target='b'/></Relationships>")
                .is_err()
        );
        assert!(relationships("<Relationships><Relationship></Relationships>").is_err());
        // A comment or a CDATA section that quotes a relationship is no relationship.
        let quoted = "<Relationships><!-- <Relationship Type=\"x/oleObject\" Target=\"http://a/\" TargetMode=\"External\"/> --></Relationships>";
        assert!(relationships(quoted).unwrap().is_empty());
        // UTF-16 with its byte-order mark.
        let mut utf16 = vec![0xff, 0xfe];
        for u in xml.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(relationships(&xml_text(&utf16)).unwrap(), rels);
    }
}
