//! SAML 2.0 single logout: « Se déconnecter » ends the IdP's session too.
//!
//! SAML core §3.7 (`LogoutRequest`, `LogoutResponse`) over the HTTP-Redirect
//! binding (SAML bindings §3.4), as the single logout profile (SAML profiles
//! §4.4) uses it between a browser, the IdP and us:
//!
//! - **We start it** ([`logout_request_url`]): `POST /logout` ends the local
//!   session, keeps the id of a `LogoutRequest` naming the `NameID` and
//!   `SessionIndex` of the assertion the session came from, and sends the
//!   browser to the IdP's `SingleLogoutService`. Écluse has no signing key
//!   of its own (it publishes none in its metadata), so the request goes
//!   unsigned: SimpleSAMLphp takes it by default, Keycloak once « Client
//!   signature required » is off (as for sign-in), LemonLDAP::NG once the
//!   SP's « Check SLO message signature » is off; ADFS refuses unsigned
//!   logout requests (`docs/deploy.md` says so).
//! - **The IdP answers** at [`SLO_PATH`](crate::sp::SLO_PATH) with a `LogoutResponse`
//!   ([`slo`]): its `InResponseTo` must be a request of ours still pending
//!   (taken once), its `Issuer` the IdP, its `Destination` (when given) our
//!   address, its signature (when given, which the profile asks for) the
//!   IdP's; the page then says whether the IdP's session is closed.
//! - **The IdP starts it** (the person signed out at the IdP's portal, or
//!   of another application): a `LogoutRequest` at the same address ends
//!   this browser's session if it names the same person, and is answered
//!   with a `LogoutResponse`.
//!
//! Anyone can ask [`SLO_PATH`](crate::sp::SLO_PATH): a message is bounded before it is inflated
//! ([`MAX_MESSAGE`], [`MAX_INFLATED`]), checked by [`crate::xmldsig::check`]
//! before it is parsed further, and nothing is written to the store for a
//! message that does not check out.

use crate::signin::{bounded, saml};
use crate::sp::{ASSERTION, PROTOCOL, Sp, children, is};
use crate::state::Ui;
use crate::web::{Ctx, Page, printable, random_token};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use ecluse_quarantine::{AuditAction, IdpSession, SignIn};
use std::io::{Read, Write};
use std::sync::Arc;

/// The largest `SAMLRequest` or `SAMLResponse` read from the query, in
/// bytes as sent (URL-encoded base64 of deflated XML; an IdP's logout
/// message deflates to well under 2 KB).
pub const MAX_MESSAGE: usize = 16 * 1024;
/// The most XML one message may inflate to (an honest one is 1 to 4 KB);
/// inflation stops there, so a deflate bomb costs no more.
pub const MAX_INFLATED: usize = 64 * 1024;
/// The longest `RelayState` echoed back (SAML bindings §3.4.3: 80 bytes).
pub const MAX_RELAY_STATE: usize = 80;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// The address that sends the browser to the IdP with a `LogoutRequest`
/// (id `id`, unsigned, SAML core §3.7.1) for the IdP session `idp`; `None`
/// when the IdP's metadata offers no HTTP-Redirect `SingleLogoutService`.
pub fn logout_request_url(sp: &Sp, idp: &IdpSession, id: &str) -> Option<String> {
    let (location, _) = sp.idp_slo.as_ref()?;
    let opt = |name: &str, v: &Option<String>| {
        v.as_deref()
            .map(|v| format!(r#" {name}="{}""#, esc(v)))
            .unwrap_or_default()
    };
    let xml = format!(
        concat!(
            r#"<samlp:LogoutRequest xmlns:samlp="{p}" xmlns:saml="{a}" ID="{id}" Version="2.0" IssueInstant="{now}" Destination="{dest}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<saml:NameID{format}{nq}{spnq}>{name}</saml:NameID>"#,
            "{index}",
            r#"</samlp:LogoutRequest>"#
        ),
        p = PROTOCOL,
        a = ASSERTION,
        id = esc(id),
        now = instant(),
        dest = esc(location),
        issuer = esc(&sp.config.sp_entity_id),
        format = opt("Format", &idp.format),
        nq = opt("NameQualifier", &idp.name_qualifier),
        spnq = opt("SPNameQualifier", &idp.sp_name_qualifier),
        name = esc(&idp.name_id),
        index = idp
            .session_index
            .as_deref()
            .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", esc(i)))
            .unwrap_or_default(),
    );
    Some(redirect_url(location, "SAMLRequest", &xml, None))
}

/// A `LogoutResponse` (SAML core §3.7.2) answering the IdP's request
/// `in_response_to`, with `status`, as the address that carries it to the
/// IdP (its `ResponseLocation`, else its `Location`).
fn logout_response_url(
    sp: &Sp,
    in_response_to: &str,
    status: &str,
    relay_state: Option<&str>,
) -> Option<String> {
    let (location, response_location) = sp.idp_slo.as_ref()?;
    let dest = response_location.as_deref().unwrap_or(location);
    let xml = format!(
        concat!(
            r#"<samlp:LogoutResponse xmlns:samlp="{p}" xmlns:saml="{a}" ID="_{id}" Version="2.0" IssueInstant="{now}" Destination="{dest}" InResponseTo="{irt}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>"#,
            r#"</samlp:LogoutResponse>"#
        ),
        p = PROTOCOL,
        a = ASSERTION,
        id = random_token(),
        now = instant(),
        dest = esc(dest),
        irt = esc(in_response_to),
        issuer = esc(&sp.config.sp_entity_id),
        status = esc(status),
    );
    Some(redirect_url(dest, "SAMLResponse", &xml, relay_state))
}

/// `location` with `param` = the deflated, base64 `xml` (SAML bindings
/// §3.4.4.1, DEFLATE encoding) and the relay state, unsigned.
fn redirect_url(location: &str, param: &str, xml: &str, relay_state: Option<&str>) -> String {
    let mut deflated = Vec::new();
    {
        let mut enc =
            flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::default());
        enc.write_all(xml.as_bytes())
            .expect("deflating into memory does not fail");
        enc.finish().expect("deflating into memory does not fail");
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&deflated);
    let sep = if location.contains('?') { '&' } else { '?' };
    let mut url = format!("{location}{sep}{param}={}", query_encode(&encoded));
    if let Some(r) = relay_state {
        url.push_str("&RelayState=");
        url.push_str(&query_encode(r));
    }
    url
}

/// Every byte but the unreserved ones percent-encoded (RFC 3986 §2.3).
fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes a query value (`%XX`, and `+` for a space); `None` for a
/// broken escape or bytes that are not UTF-8.
fn query_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Now, as SAML writes instants (UTC, `xs:dateTime`).
fn instant() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A logout message read from the query of `GET /saml/slo`.
#[derive(Debug, Default)]
struct Query {
    /// `SAMLRequest` (true) or `SAMLResponse` (false).
    request: bool,
    /// The message, base64 of deflated XML, decoded from the query.
    message: String,
    relay_state: Option<String>,
    sig_alg: Option<String>,
    signature: Option<String>,
    /// What the signature covers (SAML bindings §3.4.4.1): the message,
    /// relay state and algorithm parameters exactly as they were sent.
    signed: String,
}

/// Reads the query: one of `SAMLRequest` and `SAMLResponse`, at most once
/// each parameter. The signed string is made of the parameters as sent,
/// not re-encoded, as SAML bindings §3.4.4.1 advises the verifier.
fn read_query(raw: &str) -> Result<Query, String> {
    let mut q = Query::default();
    let (mut message, mut relay, mut alg) = (None, None, None);
    let mut seen = std::collections::HashSet::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !seen.insert(key) {
            return Err(format!(
                "the parameter {} appears twice",
                printable(key, 40)
            ));
        }
        let decoded =
            || query_decode(value).ok_or_else(|| format!("{key} is not URL-encoded UTF-8"));
        match key {
            "SAMLRequest" | "SAMLResponse" => {
                if message.is_some() {
                    return Err("both SAMLRequest and SAMLResponse".into());
                }
                if value.len() > MAX_MESSAGE {
                    return Err(format!("{key} is longer than {MAX_MESSAGE} bytes"));
                }
                q.request = key == "SAMLRequest";
                q.message = decoded()?;
                message = Some(pair);
            }
            "RelayState" => {
                if value.len() > 4 * MAX_RELAY_STATE {
                    return Err("RelayState is longer than SAML allows".into());
                }
                q.relay_state = Some(decoded()?);
                relay = Some(pair);
            }
            "SigAlg" => {
                q.sig_alg = Some(decoded()?);
                alg = Some(pair);
            }
            "Signature" => q.signature = Some(decoded()?),
            _ => {}
        }
    }
    let message = message.ok_or("neither SAMLRequest nor SAMLResponse in the query")?;
    q.signed = [Some(message), relay, alg]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("&");
    Ok(q)
}

/// Checks the signature of a redirect-bound message with the IdP's
/// certificates (any of them: an IdP rolling its key lists two).
/// RSA and ECDSA with SHA-256, -384 or -512; SHA-1 is refused.
fn verify_signature(sp: &Sp, q: &Query) -> Result<(), String> {
    use openssl::hash::MessageDigest;
    let (Some(alg), Some(signature)) = (&q.sig_alg, &q.signature) else {
        return Err("a Signature without a SigAlg, or the reverse".into());
    };
    let (digest, ecdsa) = match alg.as_str() {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => (MessageDigest::sha256(), false),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => (MessageDigest::sha384(), false),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => (MessageDigest::sha512(), false),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => (MessageDigest::sha256(), true),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => (MessageDigest::sha384(), true),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => (MessageDigest::sha512(), true),
        other => {
            return Err(format!(
                "the signature algorithm {} is not accepted (RSA or ECDSA with SHA-256 or stronger)",
                printable(other, 80)
            ));
        }
    };
    let compact: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
    let mut sig = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "the Signature is not base64".to_string())?;
    if ecdsa {
        sig = ecdsa_der(&sig);
    }
    for cert in &sp.idp_certs {
        let Ok(key) = openssl::x509::X509::from_der(cert.der_data()).and_then(|c| c.public_key())
        else {
            continue;
        };
        let Ok(mut verifier) = openssl::sign::Verifier::new(digest, &key) else {
            continue;
        };
        if verifier.update(q.signed.as_bytes()).is_ok() && verifier.verify(&sig).unwrap_or(false) {
            return Ok(());
        }
    }
    Err("the signature does not verify with the IdP's certificate".into())
}

/// An ECDSA signature as OpenSSL verifies it (DER): XML-DSig writes it as
/// r and s side by side (RFC 4050); DER is kept as it is.
fn ecdsa_der(sig: &[u8]) -> Vec<u8> {
    if sig.first() == Some(&0x30) || sig.is_empty() || !sig.len().is_multiple_of(2) {
        return sig.to_vec();
    }
    let (r, s) = sig.split_at(sig.len() / 2);
    let der = openssl::bn::BigNum::from_slice(r)
        .and_then(|r| Ok((r, openssl::bn::BigNum::from_slice(s)?)))
        .and_then(|(r, s)| openssl::ecdsa::EcdsaSig::from_private_components(r, s))
        .and_then(|e| e.to_der());
    der.unwrap_or_else(|_| sig.to_vec())
}

/// What a checked logout message says.
#[derive(Debug)]
enum Message {
    /// The IdP asks to end the session of `name_id` (its session
    /// `indexes`, none for all of them).
    Request {
        id: String,
        name_id: String,
        indexes: Vec<String>,
    },
    /// The IdP answers our request `in_response_to` with `status` (the
    /// top-level status code) and, under it, `sub` if any.
    Response {
        in_response_to: String,
        status: String,
        sub: Option<String>,
    },
}

/// Inflates, bounds and reads a message, and checks what does not need
/// the store: issuer, destination, validity time, signature when there is
/// one. Blocking (it parses).
fn check_message(sp: &Sp, q: &Query) -> Result<(Message, bool), String> {
    let compact: String = q
        .message
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "the message is not base64".to_string())?;
    let mut xml = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|e| format!("the message does not inflate: {e}"))?;
    if xml.len() > MAX_INFLATED {
        return Err(format!("the message inflates past {MAX_INFLATED} bytes"));
    }
    let xml = String::from_utf8(xml).map_err(|_| "the message is not UTF-8".to_string())?;
    crate::xmldsig::check(&xml)?;
    let signed = match (&q.signature, &q.sig_alg) {
        (None, None) => false,
        _ => {
            verify_signature(sp, q)?;
            true
        }
    };
    let doc = libxml::parser::Parser::default()
        .parse_string(&xml)
        .map_err(|e| format!("the message is not XML: {e}"))?;
    let root = doc
        .get_root_element()
        .ok_or("the message has no root element")?;
    let want = if q.request {
        "LogoutRequest"
    } else {
        "LogoutResponse"
    };
    if !is(&root, PROTOCOL, want) {
        return Err(format!(
            "a {} where a {want} was expected",
            printable(&root.get_name(), 40)
        ));
    }
    let issuer = children(&root, ASSERTION, "Issuer")
        .first()
        .map(|i| i.get_content())
        .unwrap_or_default();
    if issuer.trim() != sp.idp_entity_id {
        return Err(format!(
            "the issuer {:?} is not the IdP ({:?})",
            printable(&issuer, 120),
            sp.idp_entity_id
        ));
    }
    if let Some(dest) = root.get_attribute("Destination")
        && dest != sp.slo_url
    {
        return Err(format!(
            "the destination {:?} is not our single-logout address {}",
            printable(&dest, 120),
            sp.slo_url
        ));
    }
    let skew = jiff::SignedDuration::try_from(sp.config.clock_skew).unwrap_or_default();
    let now = jiff::Timestamp::now();
    if let Some(at) = root.get_attribute("IssueInstant") {
        let at: jiff::Timestamp = at
            .parse()
            .map_err(|_| "the IssueInstant is not a date".to_string())?;
        let max_age = jiff::SignedDuration::try_from(sp.config.max_age).unwrap_or_default();
        // A logout goes through the IdP's other applications first: more
        // time than a sign-in answer, never hours.
        if at > now + skew || at < now - skew - max_age - jiff::SignedDuration::from_mins(10) {
            return Err(format!("the message was issued at {at}, too far from now"));
        }
    }
    if q.request {
        if let Some(until) = root.get_attribute("NotOnOrAfter") {
            let until: jiff::Timestamp = until
                .parse()
                .map_err(|_| "the NotOnOrAfter is not a date".to_string())?;
            if now >= until + skew {
                return Err(format!("the request expired at {until}"));
            }
        }
        let name_id = children(&root, ASSERTION, "NameID")
            .first()
            .map(|n| n.get_content())
            .ok_or("the request names nobody (no NameID; an encrypted one cannot be read)")?;
        let indexes = children(&root, PROTOCOL, "SessionIndex")
            .iter()
            .map(|n| n.get_content())
            .collect();
        let id = root.get_attribute("ID").ok_or("the request has no ID")?;
        Ok((
            Message::Request {
                id,
                name_id,
                indexes,
            },
            signed,
        ))
    } else {
        let in_response_to = root
            .get_attribute("InResponseTo")
            .ok_or("the answer names no request of ours (no InResponseTo)")?;
        let code = children(&root, PROTOCOL, "Status")
            .into_iter()
            .flat_map(|s| children(&s, PROTOCOL, "StatusCode"))
            .next()
            .ok_or("the answer has no status")?;
        let status = code.get_attribute("Value").unwrap_or_default();
        let sub = children(&code, PROTOCOL, "StatusCode")
            .first()
            .and_then(|c| c.get_attribute("Value"));
        Ok((
            Message::Response {
                in_response_to,
                status,
                sub,
            },
            signed,
        ))
    }
}

/// `GET /saml/slo`: the IdP's answer to our `LogoutRequest`, or its own
/// `LogoutRequest` (HTTP-Redirect binding).
pub async fn slo(mut ctx: Ctx, State(ui): State<Arc<Ui>>, RawQuery(raw): RawQuery) -> Page {
    let sp = saml(&ui, &ctx)?;
    // The page's language link must not replay the message.
    ctx.path = "/login".into();
    let q = read_query(raw.as_deref().unwrap_or("")).map_err(|why| refused(&ctx, &why))?;
    let (sp2, q) = (sp.clone(), Arc::new(q));
    let q2 = q.clone();
    let (message, signed) = bounded(&ui, move || check_message(&sp2, &q2))
        .await
        .and_then(|r| r)
        .map_err(|why| refused(&ctx, &why))?;
    match message {
        Message::Response {
            in_response_to,
            status,
            sub,
        } => {
            let taken = if in_response_to.starts_with(LOGOUT_ID_PREFIX) {
                let id = in_response_to.clone();
                ui.blocking(move |store| store.saml_request_take(&id))
                    .await
                    .map_err(|e| ctx.store_error(&e))?
            } else {
                false
            };
            if !taken {
                return Err(refused(
                    &ctx,
                    &format!(
                        "InResponseTo {} is not a sign-out of ours still pending (unknown, already answered, or older than 10 minutes)",
                        printable(&in_response_to, 80)
                    ),
                ));
            }
            ctx.session = None;
            if status == SUCCESS && sub.is_none() {
                tracing::info!(peer = %ctx.ip, signed, "SAML single logout confirmed by the IdP");
                Ok(Redirect::to(IdpState::Closed.path()).into_response())
            } else {
                tracing::warn!(peer = %ctx.ip, status = %printable(&status, 120), sub = %printable(sub.as_deref().unwrap_or(""), 120), "SAML single logout: the IdP did not confirm the end of its session");
                Ok(Redirect::to(IdpState::Unconfirmed.path()).into_response())
            }
        }
        Message::Request {
            id,
            name_id,
            indexes,
        } => {
            // This browser's session ends if it is the person named, in one
            // of the IdP sessions named (all of them when none is).
            let mut ended = false;
            if let Some((token, s)) = ctx.session.clone() {
                let same = s.via == SignIn::Saml
                    && s.idp.as_ref().is_some_and(|idp| {
                        idp.name_id == name_id
                            && (indexes.is_empty()
                                || idp
                                    .session_index
                                    .as_ref()
                                    .is_none_or(|i| indexes.contains(i)))
                    });
                if same {
                    let mut actor = ctx.actor_of(&s);
                    actor.tenant = ui.config.session_tenant(&s);
                    let detail = if signed {
                        "SAML single logout started by the IdP (signed request)"
                    } else {
                        "SAML single logout started by the IdP (unsigned request)"
                    };
                    ui.blocking(move |store| {
                        store.session_delete(&token)?;
                        store.audit(&actor, AuditAction::Logout, None, detail)
                    })
                    .await
                    .map_err(|e| ctx.store_error(&e))?;
                    ended = true;
                }
            }
            tracing::info!(peer = %ctx.ip, signed, ended, "SAML single logout asked by the IdP");
            ctx.session = None;
            let relay = q
                .relay_state
                .as_deref()
                .filter(|r| r.len() <= MAX_RELAY_STATE);
            let mut res = match logout_response_url(&sp, &id, SUCCESS, relay) {
                Some(url) => Redirect::to(&url).into_response(),
                None => Redirect::to(IdpState::Closed.path()).into_response(),
            };
            res.headers_mut().append(
                axum::http::header::SET_COOKIE,
                ui.set_cookie(ui.session_cookie(), None),
            );
            Ok(res)
        }
    }
}

/// What the page after « Se déconnecter » can say of the IdP's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdpState {
    /// The IdP confirmed its session ended (single logout).
    Closed,
    /// The IdP offers no single logout: its session is still open.
    StillOpen,
    /// The IdP answered without confirming (partial logout, an error).
    Unconfirmed,
}

impl IdpState {
    /// The clean address of the page that says it (`/signed-out?idp=…`):
    /// the sign-out ends with a `303` there, so that the address bar holds
    /// no `SAMLResponse` and a reload neither replays the IdP's answer nor
    /// posts the sign-out form again.
    pub fn path(self) -> &'static str {
        match self {
            IdpState::Closed => "/signed-out?idp=closed",
            IdpState::StillOpen => "/signed-out?idp=open",
            IdpState::Unconfirmed => "/signed-out?idp=unconfirmed",
        }
    }
}

/// How the ids of our `LogoutRequest`s begin (those of sign-in requests
/// are `_` and a hash, [`crate::saml`]): an answer to one cannot be taken
/// for the other.
pub const LOGOUT_ID_PREFIX: &str = "_slo-";

/// A new `LogoutRequest` id.
pub fn new_logout_id() -> String {
    format!("{LOGOUT_ID_PREFIX}{}", random_token())
}

/// 400 for a logout message refused, logged with why (escaped), never
/// audited (anyone can send one). The person may still be signed in at
/// the IdP: the page says what to do.
fn refused(ctx: &Ctx, why: &str) -> Response {
    tracing::warn!(peer = %ctx.ip, reason = %printable(why, 400), "SAML logout message refused");
    let l = ctx.lang;
    ctx.error(
        StatusCode::BAD_REQUEST,
        l.t("Message de déconnexion refusé", "Sign-out message refused"),
        l.t(
            "Le message de déconnexion reçu du service d'authentification de la mairie a été refusé (périmé, déjà traité, modifié ou incomplet). Votre session Écluse est fermée si vous aviez cliqué sur « Se déconnecter », mais celle du service d'authentification est peut-être encore ouverte : sur un poste partagé, fermez toutes les fenêtres du navigateur.",
            "The sign-out message from the town hall's sign-in service was refused (stale, already handled, altered or incomplete). Your Écluse session is closed if you had clicked « Sign out », but the sign-in service's session may still be open: on a shared computer, close every browser window.",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{ecdsa_der, query_decode, read_query};

    #[test]
    fn the_signed_string_is_the_parameters_as_sent_in_the_binding_s_order() {
        let q = read_query(
            "Signature=c2ln&SigAlg=http%3A%2F%2Fx&SAMLResponse=abc%2B%3D&RelayState=r%20s&other=1",
        )
        .unwrap();
        assert!(!q.request);
        assert_eq!(q.message, "abc+=");
        assert_eq!(q.relay_state.as_deref(), Some("r s"));
        assert_eq!(
            q.signed,
            "SAMLResponse=abc%2B%3D&RelayState=r%20s&SigAlg=http%3A%2F%2Fx"
        );
        let q = read_query("SAMLRequest=a").unwrap();
        assert!(q.request && q.signed == "SAMLRequest=a" && q.signature.is_none());
    }

    #[test]
    fn hostile_queries_are_refused_without_panicking() {
        for raw in [
            "",
            "RelayState=x",
            "SAMLRequest=a&SAMLResponse=b",
            "SAMLRequest=a&SAMLRequest=b",
            "SAMLResponse=%zz",
            "SAMLResponse=%e9",
            "SAMLResponse=%",
            "SAMLResponse=a&RelayState=a&RelayState=b",
        ] {
            assert!(read_query(raw).is_err(), "{raw}");
        }
        let long = format!("SAMLResponse={}", "A".repeat(super::MAX_MESSAGE + 1));
        assert!(read_query(&long).is_err());
        assert_eq!(query_decode("%C3%A9+x").as_deref(), Some("é x"));
        // ECDSA signatures of odd shapes are passed through, never panic.
        for sig in [&[][..], &[1, 2, 3][..], &[0x30, 1][..], &[0u8; 64][..]] {
            let _ = ecdsa_der(sig);
        }
    }
}
