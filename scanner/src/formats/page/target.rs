//! Where a URL of a page leads, read as a browser reads it (WHATWG URL
//! Standard §4.4, "basic URL parser": leading and trailing C0 controls and
//! spaces stripped, tabs and newlines removed anywhere, a backslash read as
//! a slash), for a page opened from disk, whose own URL is `file:`.
//!
//! What counts as reaching outside (category `external_content`):
//! - a Windows protocol handler that opens something by itself:
//!   `search-ms:` and `search:` (Windows Search: Explorer shows a remote
//!   folder as search results, `crumb=location:\\host@SSL\DavWWWRoot\…`),
//!   `ms-msdt:` (the support diagnostic tool, CVE-2022-30190, Follina),
//!   `ms-officecmd:` (launches an Office application with a command line),
//!   `ms-appinstaller:` (installs an MSIX package from a URL), and the
//!   Office URI schemes (`ms-word:`, `ms-excel:`, `ms-powerpoint:` …) with
//!   a command (`ofe|`, `ofv|`, `nft|`) or a document address ("Office URI
//!   Schemes", Microsoft, 2023, §2.1);
//! - `file:` URLs;
//! - a network path: `\\host\share`, `\\host@SSL\DavWWWRoot\…`, which a
//!   page from disk resolves to `file://host/…` and Windows opens over SMB
//!   or WebDAV, sending the reader's NTLM hash. A path written with forward
//!   slashes (`//host/…`) counts only when it names WebDAV (`@SSL`, `@port`,
//!   `DavWWWRoot`) or an IP address: old pages saved from the web carry
//!   protocol-relative links to their CDN, which are no attack.

use crate::decode::url_scheme;

/// What a URL reaches, when it reaches outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// A Windows protocol handler (`search-ms`, `ms-msdt` …), lower case.
    Handler(String),
    /// A `file:` URL.
    File,
    /// A UNC or WebDAV path (`\\host\…`).
    Share,
}

/// The protocol handlers that open something by themselves.
const HANDLERS: &[&str] = &[
    "search-ms",
    "search",
    "ms-msdt",
    "ms-officecmd",
    "ms-appinstaller",
];

/// The Office URI schemes ("Office URI Schemes", §2.1), which open a
/// document from an address given after a command.
const OFFICE: &[&str] = &[
    "ms-word",
    "ms-excel",
    "ms-powerpoint",
    "ms-visio",
    "ms-access",
    "ms-project",
    "ms-publisher",
    "ms-spd",
    "ms-infopath",
];

/// The URL as the URL parser reads it: C0 controls and spaces stripped at
/// both ends, ASCII tabs and newlines removed (URL Standard §4.4, steps 1–3).
pub(crate) fn clean(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// At most the first `n` bytes of `s`, cut at a character boundary: where
/// a URL leads is said by its start.
pub(crate) fn prefix(s: &str, n: usize) -> &str {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

/// Whether `base` (a `<base href>`) is a web address: then a
/// protocol-relative URL goes to the web, not to a share.
fn web_base(base: Option<&str>) -> bool {
    base.and_then(|b| url_scheme(&clean(b)))
        .is_some_and(|s| s == "http" || s == "https")
}

/// What `url` reaches outside, if anything, for a page whose `<base href>`
/// is `base`.
pub(crate) fn reach(url: &str, base: Option<&str>) -> Option<Reach> {
    let u = clean(prefix(url, 2048));
    let mut head = u.chars();
    let (a, b) = (head.next(), head.next());
    let slashes = |c: Option<char>| matches!(c, Some('/' | '\\'));
    if slashes(a) && slashes(b) {
        if web_base(base) {
            return None;
        }
        let backslash = a == Some('\\') || b == Some('\\');
        let rest = &u[2..];
        let host_end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let host = &rest[..host_end];
        // A host as Windows names one: letters, digits, dots, hyphens,
        // then `@SSL`, `@port` or both (WebDAV); a string of escapes in a
        // script (`"\\\\d+"`) is none.
        let mut parts = host.split('@');
        let name = parts.next().unwrap_or("");
        let named = !name.is_empty()
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
            && parts.all(|p| {
                p.eq_ignore_ascii_case("ssl")
                    || !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())
            });
        if !named {
            return None;
        }
        let webdav = host.contains('@') || u.to_ascii_lowercase().contains("davwwwroot");
        return (backslash || webdav || is_ip(host)).then_some(Reach::Share);
    }
    let Some(scheme) = url_scheme(&u) else {
        // Relative (`#`, `page.html`, `?q`, even empty): resolved against
        // the `<base href>` (HTML §2.4.1, "document base URL"), it goes
        // where the base goes.
        return base.and_then(|b| reach(b, None));
    };
    let rest = &u[scheme.len() + 1..];
    if HANDLERS.contains(&scheme.as_str()) {
        return Some(Reach::Handler(scheme));
    }
    if OFFICE.contains(&scheme.as_str()) {
        let r = rest.to_ascii_lowercase();
        let command = ["ofe|", "ofv|", "nft|"].iter().any(|c| r.starts_with(c));
        if command || r.contains("://") || r.contains("\\\\") {
            return Some(Reach::Handler(scheme));
        }
        return None;
    }
    (scheme == "file").then_some(Reach::File)
}

/// The address a URL of the page leads to, as a finding quotes it: a
/// relative one under a `<base href>` is the base (where it goes).
pub(crate) fn resolved<'a>(url: &'a str, base: Option<&'a str>) -> &'a str {
    let u = clean(prefix(url, 2048));
    let slashes = u.starts_with(['/', '\\']) && u[1..].starts_with(['/', '\\']);
    match base {
        Some(b) if !slashes && url_scheme(&u).is_none() => b,
        _ => url,
    }
}

/// Whether a host is an IPv4 address (dotted, as Windows reads a UNC
/// host) or a bracketed IPv6 one; a WebDAV `@SSL`/`@port` suffix aside.
fn is_ip(host: &str) -> bool {
    let host = host.split('@').next().unwrap_or(host);
    if host.starts_with('[') {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The host a form posts to, lower case and without a final dot, when its
/// action leads to a host; `None` when it stays on the reader's machine
/// (an empty or relative action in a page from disk without a web
/// `<base href>`, `#`, `javascript:`), which the caller treats as "a
/// script decides". `mailto:` gives the address's domain.
pub(crate) fn host(url: &str, base: Option<&str>) -> Option<String> {
    let u = clean(prefix(url, 2048));
    let lower = u.to_ascii_lowercase();
    let authority = |rest: &str| -> Option<String> {
        let rest = rest.trim_start_matches(['/', '\\']);
        let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
        let auth = &rest[..end];
        let host = auth.rsplit('@').next().unwrap_or(auth);
        let host = if host.starts_with('[') {
            host.split(']').next().map(|h| format!("{h}]"))?
        } else {
            host.split(':').next().unwrap_or(host).to_string()
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        (!host.is_empty()).then_some(host)
    };
    if lower.starts_with("//") || lower.starts_with("\\\\") || lower.starts_with("/\\") {
        return authority(&u);
    }
    match url_scheme(&u).as_deref() {
        Some("mailto") => {
            let addr = u[7..].split(['?', ',']).next().unwrap_or("");
            let domain = addr.rsplit_once('@').map(|(_, d)| d)?;
            let d = domain.trim_end_matches('.').to_ascii_lowercase();
            (!d.is_empty()).then_some(d)
        }
        Some("javascript" | "data" | "about" | "blob") => None,
        Some(s) => authority(&u[s.len() + 1..]),
        None => {
            // Relative: against a web <base href>, its host; from disk, none.
            if web_base(base) {
                host(base.unwrap_or_default(), None)
            } else {
                None
            }
        }
    }
}

/// Whether `host` is one of `domains` or below one of them.
pub(crate) fn is_own(host: &str, domains: &[String]) -> bool {
    domains.iter().any(|d| {
        host == d
            || host
                .strip_suffix(d.as_str())
                .is_some_and(|p| p.ends_with('.'))
    })
}

/// A URL as it may be quoted in a finding: at most 160 characters.
pub(crate) fn shown(url: &str) -> String {
    let u = clean(prefix(url, 1024));
    if u.chars().count() <= 160 {
        u
    } else {
        let mut s: String = u.chars().take(159).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_shares_and_files() {
        let h = |s: &str| Some(Reach::Handler(s.to_string()));
        assert_eq!(
            reach("search-ms:query=x&crumb=location:\\\\h\\s", None),
            h("search-ms")
        );
        assert_eq!(reach("  SEARCH:query=x", None), h("search"));
        assert_eq!(reach("ms-msdt:/id PCWDiagnostic", None), h("ms-msdt"));
        assert_eq!(
            reach("ms-w\tord:ofe|u|https://h/a.docx", None),
            h("ms-word")
        );
        assert_eq!(reach("ms-excel:ofv|u|\\\\h\\a.xlsx", None), h("ms-excel"));
        assert_eq!(reach("ms-excel:", None), None);
        assert_eq!(
            reach("ms-appinstaller:?source=https://h/a.msix", None),
            h("ms-appinstaller")
        );
        assert_eq!(reach("file:///C:/Windows/x.exe", None), Some(Reach::File));
        assert_eq!(
            reach("\\\\203.0.113.5@SSL\\DavWWWRoot\\x", None),
            Some(Reach::Share)
        );
        assert_eq!(reach("\\\\serveur\\partage", None), Some(Reach::Share));
        assert_eq!(reach("//203.0.113.5/x", None), Some(Reach::Share));
        assert_eq!(reach("//cdn.example.com/jquery.js", None), None);
        assert_eq!(
            reach("//h@SSL/DavWWWRoot/x", Some("https://ville.fr/")),
            None
        );
        assert_eq!(reach("https://ville.fr/", None), None);
        assert_eq!(reach("mailto:a@b.fr", None), None);
    }

    #[test]
    fn relative_urls_go_where_the_base_goes() {
        let h = |s: &str| Some(Reach::Handler(s.to_string()));
        let b = "search-ms:query=Facture&crumb=location:\\\\h\\s";
        let base = Some(b);
        for url in ["#", "", "page.html", "?q=1", " ./a "] {
            assert_eq!(reach(url, base), h("search-ms"), "{url:?}");
            assert_eq!(resolved(url, base), b);
        }
        assert_eq!(reach("https://ville.fr/", base), None);
        assert_eq!(resolved("https://ville.fr/", base), "https://ville.fr/");
        assert_eq!(reach("#", Some("ms-msdt:/id x")), h("ms-msdt"));
        assert_eq!(
            reach("a.pdf", Some("file://203.0.113.5/p/")),
            Some(Reach::File)
        );
        assert_eq!(reach("a.pdf", Some("\\\\serveur\\p\\")), Some(Reach::Share));
        assert_eq!(reach("a.pdf", Some("https://ville.fr/")), None);
        assert_eq!(reach("a.pdf", None), None);
    }

    #[test]
    fn form_hosts() {
        assert_eq!(
            host("https://Portail.Example.:8443/a", None).as_deref(),
            Some("portail.example")
        );
        assert_eq!(host("login.php", None), None);
        assert_eq!(
            host("login.php", Some("https://evil.example/")).as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            host("//evil.example/p", None).as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            host("mailto:x@Evil.example", None).as_deref(),
            Some("evil.example")
        );
        assert_eq!(host("javascript:void(0)", None), None);
        assert_eq!(
            host("https://u:p@h.example/", None).as_deref(),
            Some("h.example")
        );
        let own = vec!["ville-exemple.fr".to_string()];
        assert!(is_own("ville-exemple.fr", &own));
        assert!(is_own("mail.ville-exemple.fr", &own));
        assert!(!is_own("evilville-exemple.fr", &own));
        assert!(!is_own("ville-exemple.fr.evil.example", &own));
    }
}
