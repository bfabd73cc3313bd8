//! What every page shares: the visitor ([`Ctx`]: language, session, address),
//! cookies, the anti-forgery check, security headers, URLs, and the pages
//! without the frame for a store failure ([`store_failure`], [`internal`]).
//! The error pages in the frame are [`crate::pages::errors`]'; this module
//! imports nothing from the pages and calls none of their methods.

use crate::state::{Ui, local_zone};
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use ecluse_quarantine::{Store, WebSession};
use jiff::Timestamp;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The gateway sets the zone pages give times in here (`ecluse serve`,
/// on reload); it lives with the UI's state ([`crate::state::set_time_zone`]).
pub use crate::state::set_time_zone;

/// A page handler's answer: the page, or an error page / redirect.
pub type Page = Result<Response, Response>;

/// The language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Français, the default.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// `fr` or `en`, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The French or the English text.
    pub fn t<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A date and time as people of this language write it, in the
    /// configured time zone ([`crate::state::time_zone`]), without its label: for table
    /// cells whose column header carries [`Lang::zone_label`].
    pub fn datetime(self, at: Timestamp) -> String {
        let zone = local_zone();
        match self {
            Lang::Fr => zone.datetime_fr(at),
            Lang::En => zone.datetime_en(at),
        }
    }

    /// The same with the zone named: « 07/12/2026 14:15 (heure de Paris) »,
    /// "2026-12-07 14:15 (Paris time)".
    pub fn datetime_labelled(self, at: Timestamp) -> String {
        let zone = local_zone();
        match self {
            Lang::Fr => zone.labelled_fr(at),
            Lang::En => zone.labelled_en(at),
        }
    }

    /// The zone in words: « heure de Paris », "Paris time".
    pub fn zone_label(self) -> String {
        let zone = local_zone();
        match self {
            Lang::Fr => zone.label_fr(),
            Lang::En => zone.label_en(),
        }
    }

    /// From the `lang` cookie, else the browser's `Accept-Language`, else French.
    fn choose(headers: &HeaderMap) -> Lang {
        if let Some(v) = cookie(headers, LANG_COOKIE) {
            return if v == "en" { Lang::En } else { Lang::Fr };
        }
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        for range in accept.split(',') {
            let tag = range
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("fr") {
                return Lang::Fr;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Fr
    }
}

const LANG_COOKIE: &str = "ecluse_lang";

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// 256 random bits, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    hex(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality that takes the same time wherever the strings differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `text` as it may go into a log line or an audit entry when a client
/// wrote it (an `InResponseTo`, a user name, a reference from a SAML
/// answer): control characters, line and paragraph separators and bidi
/// overrides are written as escapes (`\n`, `\u{1b}`), so that it cannot
/// start a forged line or drive the terminal of whoever reads the log;
/// longer than `max` characters, it is cut and ends with `…`.
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 2));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        let hostile = c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
            )
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        if hostile {
            let escaped = c.escape_debug().to_string();
            if escaped.starts_with('\\') {
                out.push_str(&escaped);
            } else {
                out.extend(c.escape_unicode());
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The client's address. The TCP peer, unless it is one of `[admin]
/// trusted_proxies`: then the proxies' header ([`crate::config::ProxyHeader`])
/// is read from the right, past every hop that is itself a trusted proxy,
/// and the first one that is not is the client (a client can put what it
/// likes on the left of the list, never on the right of what its proxy
/// added). A hop that cannot be read (`unknown`, an obfuscated name)
/// stops the walk at the last trusted hop; a list of trusted hops only
/// gives its leftmost.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, proxies: &crate::config::Proxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !proxies.trusts(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_hops(headers, proxies.header).iter().rev() {
        match hop {
            Some(ip) if proxies.trusts(*ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

/// The hops a forwarding header lists, left (the farthest) to right, each
/// `None` where it is not an address.
fn forwarded_hops(headers: &HeaderMap, which: crate::config::ProxyHeader) -> Vec<Option<IpAddr>> {
    use crate::config::ProxyHeader;
    let name = match which {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    let mut hops = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            hops.push(None);
            continue;
        };
        for element in split_unquoted(value, ',') {
            let element = element.trim();
            if element.is_empty() {
                continue;
            }
            hops.push(match which {
                ProxyHeader::XForwardedFor => hop_address(element),
                ProxyHeader::Forwarded => split_unquoted(element, ';')
                    .into_iter()
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| hop_address(v.trim())),
            });
        }
    }
    hops
}

/// `text` split on `sep` outside double-quoted strings (RFC 7230
/// `quoted-string`, with its backslash escapes).
fn split_unquoted(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The address of one hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, quoted or not.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = hop.strip_prefix('[') {
        let (inner, _) = rest.split_once(']')?;
        return inner
            .parse::<Ipv6Addr>()
            .ok()
            .map(|ip| IpAddr::V6(ip).to_canonical());
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// What the sign-in limits count a client's failures under: its IPv4
/// address, or the /64 network of its IPv6 address (one subscriber line,
/// which has all of them to rotate through).
pub fn rate_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

/// A path of ours to go back to after sign-in; anything else is `/`.
pub fn local_path(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Ui {
    /// The session cookie's name: `__Host-` prefixed over HTTPS.
    pub(crate) fn session_cookie(&self) -> &'static str {
        if self.config.https() {
            "__Host-ecluse"
        } else {
            "ecluse"
        }
    }

    /// The pre-sign-in anti-forgery cookie's name.
    pub(crate) fn login_cookie(&self) -> &'static str {
        if self.config.https() {
            "__Host-ecluse_login"
        } else {
            "ecluse_login"
        }
    }

    /// The cookie that ties a SAML sign-in to the browser that started it.
    pub(crate) fn saml_cookie(&self) -> &'static str {
        if self.config.https() {
            "__Host-ecluse_saml"
        } else {
            "ecluse_saml"
        }
    }

    /// A `Set-Cookie` value for the SAML sign-in cookie (`None` clears
    /// it): it must come back with the IdP's cross-site POST to
    /// `/saml/acs`, so it is `SameSite=None`, which browsers take only
    /// with `Secure`: over HTTPS, and over plain HTTP on `localhost` names
    /// (which browsers count as secure, as the tests use). Over plain HTTP
    /// elsewhere (a trial, never production) it goes without `SameSite`,
    /// left to the browser's default. Ten minutes, as a pending request.
    pub(crate) fn set_cross_site_cookie(&self, name: &str, value: Option<&str>) -> HeaderValue {
        let site = if self.config.https() || self.config.local_host() {
            "; SameSite=None; Secure"
        } else {
            ""
        };
        let v = match value {
            Some(v) => format!("{name}={v}; Path=/; HttpOnly; Max-Age=600{site}"),
            None => format!("{name}=; Path=/; HttpOnly; Max-Age=0{site}"),
        };
        HeaderValue::from_str(&v).expect("cookie values are hex")
    }

    /// A `Set-Cookie` value for one of our HttpOnly cookies (`None` clears it).
    pub(crate) fn set_cookie(&self, name: &str, value: Option<&str>) -> HeaderValue {
        let secure = if self.config.https() { "; Secure" } else { "" };
        let v = match value {
            Some(v) => format!("{name}={v}; Path=/; HttpOnly; SameSite=Lax{secure}"),
            None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        };
        HeaderValue::from_str(&v).expect("cookie values are hex")
    }

    /// Runs store work off the async threads (sled writes wait for the disk).
    pub(crate) async fn blocking<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> ecluse_quarantine::Result<R> + Send + 'static,
    ) -> ecluse_quarantine::Result<R> {
        let ui = self.clone();
        tokio::task::spawn_blocking(move || f(&ui.store))
            .await
            .expect("store task does not panic")
    }
}

/// The visitor: language, session (if signed in and not expired), address,
/// and the path they asked for.
pub struct Ctx {
    /// The language of the answer.
    pub lang: Lang,
    /// The session token and what it holds.
    pub session: Option<(String, WebSession)>,
    /// The client's IP address, for the audit log: the TCP peer's, or
    /// the one a trusted proxy forwarded ([`client_ip`]).
    pub ip: String,
    /// What the sign-in limits count this client under ([`rate_key`]).
    pub rate_key: String,
    /// The path and query asked for.
    pub path: String,
    /// The `Origin` header, if any.
    origin: Option<String>,
}

impl FromRequestParts<Arc<Ui>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &Arc<Ui>) -> Result<Ctx, Response> {
        let lang = Lang::choose(&parts.headers);
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| client_ip(c.0.ip(), &parts.headers, &ui.config.proxies));
        let ip = client.map_or_else(|| "unknown".into(), |c| c.to_string());
        let rate_key = client.map_or_else(|| "unknown".into(), rate_key);
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut session = None;
        if let Some(token) = cookie(&parts.headers, ui.session_cookie())
            && token.len() == 64
        {
            let token = token.to_string();
            let ui2 = ui.clone();
            let found = ui
                .blocking(move |store| {
                    let Some(mut s) = store.session_get(&token)? else {
                        return Ok(None);
                    };
                    let now = store.now();
                    let idle = now - ui2.config.session_idle;
                    let opened = now - ui2.config.session_max;
                    if s.last_seen < idle || s.created_at < opened {
                        store.session_delete(&token)?;
                        return Ok(None);
                    }
                    if now.duration_since(s.last_seen).as_secs() >= 30 {
                        s.last_seen = now;
                        store.session_put(&token, &s)?;
                    }
                    Ok(Some((token, s)))
                })
                .await;
            session = match found {
                Ok(s) => s,
                Err(e) => return Err(store_failure(lang, &e)),
            };
        }
        Ok(Ctx {
            lang,
            session,
            ip,
            rate_key,
            path,
            origin,
        })
    }
}

impl Ctx {
    /// `who`, acting from this visitor's address, for the audit log.
    pub fn actor(&self, who: impl Into<String>) -> ecluse_quarantine::Actor {
        ecluse_quarantine::Actor::person(who, format!("web {}", self.ip))
    }

    /// A signed-in person as the audit log names them: their first address,
    /// else their id at the IdP (the local admin's user name).
    pub fn actor_of(&self, session: &WebSession) -> ecluse_quarantine::Actor {
        self.actor(
            session
                .emails
                .first()
                .cloned()
                .unwrap_or_else(|| session.user.clone()),
        )
    }

    /// The signed-in person, or a redirect to the sign-in page that comes
    /// back here.
    pub fn user(&self) -> Result<&WebSession, Response> {
        match &self.session {
            Some((_, s)) => Ok(s),
            None => {
                let next = url_encode(&self.path);
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }

    /// Whether a form's anti-forgery token is the session's, and the
    /// `Origin` header, when the browser sends one, ours. The page for a
    /// form refused is `check_csrf`'s, with the error pages
    /// (`pages/errors.rs`).
    pub(crate) fn csrf_holds(&self, ui: &Ui, token: &str) -> bool {
        let expected = self.session.as_ref().map(|(_, s)| s.csrf.as_str());
        let origin_ok = self
            .origin
            .as_deref()
            .is_none_or(|o| same_origin(o, &ui.config.public_url));
        matches!(expected, Some(e) if same_secret(e, token) && origin_ok)
    }
}

fn same_origin(origin: &str, public_url: &str) -> bool {
    let rest = public_url
        .splitn(4, '/')
        .take(3)
        .collect::<Vec<_>>()
        .join("/");
    origin == rest
}

/// The answer to a store failure: 503 when the database cannot be
/// reached (PostgreSQL down: nothing is lost, it comes back by itself),
/// else [`internal`].
pub fn store_failure(lang: Lang, e: &ecluse_quarantine::Error) -> Response {
    if !matches!(e, ecluse_quarantine::Error::Database(_)) {
        return internal(lang, e);
    }
    tracing::error!(error = %e, "admin UI: the database does not answer");
    let mut res = plain_page(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.t("Base de données injoignable", "Database unreachable"),
        lang.t(
            "La base de données de la quarantaine ne répond pas. Rien n'est perdu : les pièces jointes retenues y sont toujours, et le courrier entrant est mis en attente chez l'expéditeur. Réessayez dans quelques minutes ; si cela continue, prévenez le service informatique.",
            "The quarantine's database does not answer. Nothing is lost: the held attachments are still in it, and incoming mail waits at the sender's server. Try again in a few minutes; if it goes on, tell the IT service.",
        ),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    res
}

/// 500, logged with the reason; the person sees what to do next.
pub fn internal(lang: Lang, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "admin UI: store failure");
    plain_page(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        lang.t("Erreur du serveur", "Server error"),
        lang.t(
            "Écluse n'a pas pu lire ou écrire la quarantaine. Réessayez dans un instant ; si cela continue, prévenez l'administrateur (le détail est dans le journal du serveur).",
            "Écluse could not read or write the quarantine. Try again in a moment; if it goes on, tell the administrator (the details are in the server log).",
        ),
    )
}

/// A page with a title and one paragraph, for failures that happen before
/// the page's own context is known.
fn plain_page(lang: Lang, status: StatusCode, title: &str, text: &str) -> Response {
    let body = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { "Écluse" } link rel="stylesheet" href="/static/style.css"; }
            body { main {
                h1 { (title) }
                p { (text) }
            } }
        }
    };
    (status, body).into_response()
}

/// Adds the security headers to every answer.
pub async fn security_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let https = req.extensions().get::<Https>().is_some();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// Who may read `/metrics` (`[admin] metrics_token`, `trusted_proxies`).
///
/// With a token, the token is required from everywhere, this machine
/// included. Without one, only a loopback peer that is not one of `[admin]
/// trusted_proxies` and carries no forwarding header (`X-Forwarded-For`,
/// `Forwarded`, `X-Real-IP`). A reverse proxy on the same machine is a
/// loopback peer too, and many add no forwarding header at all (nginx's
/// plain `proxy_pass`, `X-Real-IP` only, HAProxy without `forwardfor`, a
/// TCP tunnel): behind one, list it in `trusted_proxies` or set
/// `metrics_token`, or whoever reaches the proxy reads the metrics.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    /// `[admin] metrics_token`: with it, whoever sends `Authorization:
    /// Bearer <token>`, and nobody without it, from anywhere (loopback
    /// too); without it, this machine only, as said above.
    pub token: Option<crate::config::Secret>,
    /// `[admin] trusted_proxies`: a peer listed there relays others, so
    /// without a token it never reads the metrics, loopback or not.
    pub proxies: crate::config::Proxies,
}

/// The headers by which a proxy says whom it relays: a request carrying
/// any of them is not this machine's own, whoever wrote it.
const FORWARDING_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

impl MetricsAccess {
    /// Whether this request may read the metrics: the bearer token when
    /// one is configured, from any peer; else a loopback peer that is not
    /// a trusted proxy and carries no forwarding header.
    pub fn allows(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        if let Some(token) = &self.token {
            let given = headers
                .get_all(header::AUTHORIZATION)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| {
                    let (scheme, rest) = v.trim().split_once(' ')?;
                    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
                });
            return given.is_some_and(|g| token.matches(g));
        }
        let Some(peer) = peer else {
            return false;
        };
        let peer = peer.to_canonical();
        let forwarded = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
        peer.is_loopback() && !self.proxies.trusts(peer) && !forwarded
    }
}

/// The middleware in front of `/metrics`: [`MetricsAccess::allows`], else
/// `401` (a token is configured: `WWW-Authenticate: Bearer`) or `403`
/// (the metrics are for this machine only), said in French then English.
pub async fn metrics_gate(
    State(access): State<Arc<MetricsAccess>>,
    req: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if access.allows(peer, req.headers()) {
        return next.run(req).await;
    }
    if access.token.is_some() {
        let mut res = (
            StatusCode::UNAUTHORIZED,
            "Jeton requis : Authorization: Bearer <[admin] metrics_token>.\nToken required: Authorization: Bearer <[admin] metrics_token>.\n",
        )
            .into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"ecluse-metrics\""),
        );
        res
    } else {
        (
            StatusCode::FORBIDDEN,
            "Réservé à la machine elle-même, sans proxy ; pour lire les métriques d'ailleurs ou à travers un proxy, configurez [admin] metrics_token.\nThis machine only, not through a proxy; to read the metrics from elsewhere or through a proxy, configure [admin] metrics_token.\n",
        )
            .into_response()
    }
}

/// Marker the server puts in a request's extensions when it came over TLS.
#[derive(Debug, Clone, Copy)]
pub struct Https;

/// `GET /lang/{fr|en}?next=`: remembers the language for a year.
pub async fn switch_language(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let code = if lang == "en" { "en" } else { "fr" };
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax"
        ))
        .expect("static cookie"),
    );
    res
}

/// `?next=` of pages that send the visitor somewhere afterwards.
#[derive(Debug, serde::Deserialize)]
pub struct NextQuery {
    /// Where to go.
    pub next: Option<String>,
}

/// `GET /static/style.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}
