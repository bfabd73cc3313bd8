//! The SAML 2.0 service provider (samael, with xmlsec).
//!
//! What samael does not do, we do here: refuse IdP metadata without a
//! signing certificate (samael would accept an unsigned, forged answer),
//! always set our entity id (samael checks the audience only then), keep the
//! ids of the requests we sent on the server (a `SameSite=Lax` cookie would
//! not come back with the IdP's cross-site POST) and take each one once, and
//! remember the ids of the assertions we accepted, so that a captured
//! assertion cannot be played again.
//!
//! Anyone can post to `/saml/acs`, so an answer is read as hostile until
//! its signature verifies: [`crate::xmldsig::check`] refuses, before any
//! signature work, what would make xmlsec reach outside the document
//! (references to URLs or files, XSLT and XPath transforms, manifests, a
//! DOCTYPE), libxml2 and xmlsec cannot open URLs or files at all
//! ([`crate::xmldsig::forbid_outside_io`]), a verification runs without a
//! global lock and is given up after [`VERIFY_DEADLINE`], failures count
//! against the address like the local admin's, and a pending request is
//! used up only by an answer whose signature verified.
//!
//! Anyone can also ask `/saml/login`, and each start writes a pending
//! request to the store for [`REQUEST_LIFETIME`]: [`Starts`] lets one
//! address (IPv6: one /64) start at most [`MAX_STARTS_PER_ADDRESS`] in that
//! time (`429` past it) and this process hold at most
//! [`MAX_PENDING_REQUESTS`] from everyone together (`503` past it), counted
//! in memory, before any store work.

use crate::config::SamlConfig;
use crate::error::UiError;
use crate::pages::login::open_session;
use crate::state::Ui;
use crate::web::{Ctx, NextQuery, Page, cookie, local_path, printable, random_token};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use samael::crypto::AllowedSignatureAlgorithm as Alg;
use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};
use samael::schema::Assertion;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use std::sync::Arc;
use std::time::Duration;

/// How long a sign-in started here may take at the IdP.
pub const REQUEST_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(10 * 60);
/// How long the id of an accepted assertion is remembered (longer than any
/// assertion stays valid).
pub const ASSERTION_MEMORY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// The largest `SAMLResponse` accepted, in bytes of base64: about 96 KB of
/// XML, where an answer with hundreds of group values takes 10 to 50. The
/// signature library's work on a hostile answer grows with its size (the
/// heaviest that [`crate::xmldsig::check`] lets through took 45 ms at
/// 256 KiB, 22 at this size, on two cores).
pub const MAX_RESPONSE: usize = 128 * 1024;
/// How long the ACS waits for a signature verification before refusing
/// the answer (an honest one takes milliseconds).
pub const VERIFY_DEADLINE: Duration = Duration::from_millis(800);
/// Verifications running at once; past that, an answer waits for a place
/// until [`VERIFY_DEADLINE`], so a flood cannot take every blocking thread.
pub const MAX_VERIFICATIONS: usize = 4;
/// Sign-ins one address (IPv6: one /64, [`crate::web::rate_key`]) may start
/// in [`REQUEST_LIFETIME`]; past it `GET /saml/login` answers `429` without
/// writing anything. A person signing in, failing at the IdP and trying
/// again a few times in several tabs stays far below it.
pub const MAX_STARTS_PER_ADDRESS: usize = 30;
/// Sign-ins started in [`REQUEST_LIFETIME`] from every address together,
/// in this process (so pending requests it wrote to the store, a few
/// hundred bytes each); past it `GET /saml/login` answers `503` without
/// writing anything. Also bounds [`Starts`]' own memory.
pub const MAX_PENDING_REQUESTS: usize = 10_000;
/// Sign-ins one browser may have started and not finished (its cookie
/// holds their secrets, newest first).
pub const MAX_BINDINGS: usize = 3;

/// Our service provider, built once at start-up.
pub struct Sp {
    sp: ServiceProvider,
    sso_url: String,
    pub(crate) config: SamlConfig,
    /// The IdP's entity id (the `Issuer` of its messages).
    pub(crate) idp_entity_id: String,
    /// The IdP's `SingleLogoutService` with the HTTP-Redirect binding:
    /// (`Location`, `ResponseLocation` if any); `None` when its metadata
    /// offers none, and « Se déconnecter » ends the local session only.
    pub(crate) idp_slo: Option<(String, Option<String>)>,
    /// The IdP's signing certificates, to check its logout messages with.
    pub(crate) idp_certs: Vec<samael::crypto::CertificateDer>,
    /// Our single-logout address, `{public_url}/saml/slo`.
    pub(crate) slo_url: String,
    /// Places for verifications running at once.
    verifying: Arc<tokio::sync::Semaphore>,
}

impl Sp {
    /// Checks the IdP metadata and builds the SP for `public_url`.
    pub fn new(config: &SamlConfig, public_url: &str) -> Result<Sp, UiError> {
        let idp: EntityDescriptor = config.idp_metadata.parse().map_err(
            |e: <EntityDescriptor as std::str::FromStr>::Err| {
                UiError::BadIdpMetadata(e.to_string())
            },
        )?;
        let seconds = |d: std::time::Duration| chrono::Duration::seconds(d.as_secs() as i64);
        let sp = ServiceProviderBuilder::default()
            .entity_id(config.sp_entity_id.clone())
            .metadata_url(format!("{public_url}/saml/metadata"))
            .acs_url(format!("{public_url}/saml/acs"))
            .slo_url(None::<String>)
            .idp_metadata(idp)
            .max_issue_delay(seconds(config.max_age))
            .max_clock_skew(seconds(config.clock_skew))
            .allowed_signature_algorithms(vec![
                Alg::RsaSha256,
                Alg::RsaSha384,
                Alg::RsaSha512,
                Alg::EcdsaSha256,
                Alg::EcdsaSha384,
                Alg::EcdsaSha512,
            ])
            .build()
            .map_err(|e| UiError::BadIdpMetadata(e.to_string()))?;
        match sp.idp_signing_certs() {
            Ok(Some(certs)) if !certs.is_empty() => crate::xmldsig::forbid_outside_io(&certs[0]),
            _ => return Err(UiError::NoSigningCertificate),
        }
        let sso_url = sp
            .sso_binding_location(HTTP_REDIRECT_BINDING)
            .ok_or(UiError::NoSsoAddress)?;
        let idp_slo = sp
            .idp_metadata
            .idp_sso_descriptors
            .iter()
            .flatten()
            .flat_map(|d| &d.single_logout_services)
            .find(|e| e.binding == HTTP_REDIRECT_BINDING && config.single_logout)
            .map(|e| (e.location.clone(), e.response_location.clone()));
        Ok(Sp {
            idp_entity_id: sp.idp_metadata.entity_id.clone().unwrap_or_default(),
            idp_certs: sp.idp_signing_certs().ok().flatten().unwrap_or_default(),
            idp_slo,
            slo_url: format!("{public_url}{}", crate::slo::SLO_PATH),
            sp,
            sso_url,
            config: config.clone(),
            verifying: Arc::new(tokio::sync::Semaphore::new(MAX_VERIFICATIONS)),
        })
    }

    /// Our metadata, for the IdP's administrator: entity id, the single
    /// logout address (HTTP-Redirect, SAML bindings §3.4), the ACS
    /// (HTTP-POST), signed assertions wanted. The `SingleLogoutService`
    /// comes before the ACS, as the metadata schema orders them.
    pub fn metadata_xml(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "\n",
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">"#,
                r#"<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
                r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{slo}"/>"#,
                r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>"#,
                r#"</md:SPSSODescriptor></md:EntityDescriptor>"#,
                "\n"
            ),
            entity = esc(&self.config.sp_entity_id),
            slo = esc(&self.slo_url),
            acs = esc(self.sp.acs_url.as_deref().unwrap_or_default()),
        )
    }

    /// Checks a response (signature, destination, issuer, time, audience,
    /// recipient, `InResponseTo` = `request_id`) and returns its assertion.
    /// Blocking; [`crate::xmldsig::check`] must have passed first. libxml2
    /// and xmlsec are thread-safe once initialised (samael initialises them
    /// once, under its own lock), so verifications run side by side.
    fn verify(&self, xml: &str, request_id: &str) -> Result<Assertion, String> {
        self.sp
            .parse_xml_response(xml, Some(&[request_id]))
            .map_err(|e| e.to_string())
    }

    /// The values of attribute `name` in the assertion, see [`values_of`].
    fn attribute(&self, a: &Assertion, name: &str) -> Vec<String> {
        let attributes = a
            .attribute_statements
            .iter()
            .flatten()
            .flat_map(|s| &s.attributes);
        values_of(attributes, name, self.config.match_friendly_name)
    }
}

/// The non-empty values of the attributes named `name`, exactly as the
/// IdP sent them (not trimmed: a group `" admins-b"` is not `admins-b`, an
/// address `" dsi@…"` is nobody's): matched by `Name`, and by
/// `FriendlyName` too only when `friendly` (`[admin.saml]
/// match_friendly_name`); SAML 2.0 core §2.7.3.1 makes the name the
/// identifier and the friendly name a display aid anyone may reuse.
fn values_of<'a>(
    attributes: impl Iterator<Item = &'a samael::attribute::Attribute>,
    name: &str,
    friendly: bool,
) -> Vec<String> {
    attributes
        .filter(|at| {
            at.name.as_deref() == Some(name)
                || (friendly && at.friendly_name.as_deref() == Some(name))
        })
        .flat_map(|at| &at.values)
        .filter_map(|v| v.value.as_deref())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The service provider, or the page that says why there is none: 404
/// without `[admin.saml]`, 503 while the IdP's metadata is not known (the
/// IdP was unreachable at start and no copy was kept; `ecluse serve` keeps
/// asking it).
pub(crate) fn saml(ui: &Ui, ctx: &Ctx) -> Result<Arc<Sp>, Response> {
    match ui.sp() {
        Some(sp) => Ok(sp),
        None if ui.config.saml.is_some() => {
            let l = ctx.lang;
            Err(ctx.error(
                StatusCode::SERVICE_UNAVAILABLE,
                l.t(
                    "Connexion momentanément indisponible",
                    "Sign-in unavailable for now",
                ),
                l.t(
                    "Le service d'authentification de la mairie ne répond pas pour le moment ; la connexion reviendra d'elle-même dès qu'il répondra. Le courrier, lui, continue d'arriver. Réessayez dans quelques minutes ; si cela dure, prévenez le service informatique.",
                    "The town hall's sign-in service is not answering for now; sign-in will come back by itself as soon as it answers. Mail keeps arriving meanwhile. Try again in a few minutes; if it lasts, tell the IT service.",
                ),
            ))
        }
        None => Err(ctx.not_found()),
    }
}

/// Why a sign-in was not started ([`Starts::start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    /// This address started [`MAX_STARTS_PER_ADDRESS`] already.
    TooManyFromAddress,
    /// [`MAX_PENDING_REQUESTS`] are pending from everyone together.
    TooManyPending,
}

/// The sign-ins started in the last [`REQUEST_LIFETIME`] in this process,
/// oldest first, and how many of them each address started. In memory: a
/// start is not a failure, and counting it in the store would be the
/// write it is meant to bound. At most [`MAX_PENDING_REQUESTS`] entries.
#[derive(Default)]
pub struct Starts {
    inner: std::sync::Mutex<StartsInner>,
}

#[derive(Default)]
struct StartsInner {
    recent: std::collections::VecDeque<(jiff::Timestamp, String)>,
    per_address: std::collections::HashMap<String, usize>,
}

impl Starts {
    /// Counts a sign-in started by `key` (a [`crate::web::rate_key`]) at
    /// `now`, unless that address or everyone together is at its limit;
    /// starts older than [`REQUEST_LIFETIME`] are forgotten first.
    pub fn start(&self, key: &str, now: jiff::Timestamp) -> Result<(), StartRefused> {
        let since = now - REQUEST_LIFETIME;
        let mut s = self.inner.lock().expect("sign-in starts lock");
        while s.recent.front().is_some_and(|(at, _)| *at <= since) {
            let (_, old) = s.recent.pop_front().expect("a front entry");
            if let Some(n) = s.per_address.get_mut(&old) {
                *n -= 1;
                if *n == 0 {
                    s.per_address.remove(&old);
                }
            }
        }
        if s.per_address.get(key).copied().unwrap_or(0) >= MAX_STARTS_PER_ADDRESS {
            return Err(StartRefused::TooManyFromAddress);
        }
        if s.recent.len() >= MAX_PENDING_REQUESTS {
            return Err(StartRefused::TooManyPending);
        }
        s.recent.push_back((now, key.to_string()));
        *s.per_address.entry(key.to_string()).or_insert(0) += 1;
        Ok(())
    }
}

/// The page for a sign-in not started ([`StartRefused`]), counted in
/// `ecluse_signin_refused_total{method="saml", reason}` and logged once
/// per address and window; never audited (starting is not failing).
fn start_refused(ui: &Ui, ctx: &Ctx, why: StartRefused) -> Response {
    let reason = match why {
        StartRefused::TooManyFromAddress => "too_many_starts",
        StartRefused::TooManyPending => "too_many_pending",
    };
    metrics::counter!("ecluse_signin_refused_total", "method" => "saml", "reason" => reason)
        .increment(1);
    if ui
        .refusals
        .first("saml_start", &ctx.rate_key, ui.store.now())
    {
        tracing::warn!(peer = %ctx.ip, reason, "SAML sign-in not started; further refusals from this address are counted in ecluse_signin_refused_total, not logged");
    }
    let l = ctx.lang;
    let (status, title, detail, wait) = match why {
        StartRefused::TooManyFromAddress => (
            StatusCode::TOO_MANY_REQUESTS,
            l.t("Trop de connexions commencées", "Too many sign-ins started"),
            l.t(
                "Trop de connexions ont été commencées depuis cette adresse. Attendez dix minutes avant de réessayer ; si cela se reproduit, prévenez le service informatique.",
                "Too many sign-ins were started from this address. Wait ten minutes before trying again; if it happens again, tell the IT service.",
            ),
            "600",
        ),
        StartRefused::TooManyPending => (
            StatusCode::SERVICE_UNAVAILABLE,
            l.t("Connexion momentanément indisponible", "Sign-in unavailable for now"),
            l.t(
                "Trop de connexions en cours, réessayez dans quelques minutes.",
                "Too many sign-ins under way, try again in a few minutes.",
            ),
            "120",
        ),
    };
    let mut res = ctx.error(status, title, detail);
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static(wait));
    res
}

/// `GET /saml/metadata`.
pub async fn metadata(ctx: Ctx, State(ui): State<Arc<Ui>>) -> Page {
    let sp = saml(&ui, &ctx)?;
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        sp.metadata_xml(),
    )
        .into_response())
}

/// `GET /saml/login?next=`: sends the browser to the IdP with a request whose
/// id we keep for ten minutes, and gives the browser the secret that id is
/// made from (a cookie, [`request_id_for`]). Counted first ([`Starts`]):
/// past its limits, nothing is written.
pub async fn login(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Page {
    let sp = saml(&ui, &ctx)?;
    if let Err(why) = ui.saml_starts.start(&ctx.rate_key, ui.store.now()) {
        return Err(start_refused(&ui, &ctx, why));
    }
    let mut request = sp
        .sp
        .make_authentication_request(&sp.sso_url)
        .map_err(|e| crate::web::internal(ctx.lang, &e))?;
    // samael's ids have 32 random bits; ours have 256, and are the hash of
    // a secret only this browser gets (its sign-in cookie): the answer is
    // taken only from the browser that started the request.
    let binding = random_token();
    request.id = request_id_for(&binding);
    let mut next = local_path(q.next.as_deref().unwrap_or("/"));
    if next.len() > 80 {
        next = "/".into();
    }
    let url =
        request.redirect(&next).ok().flatten().ok_or_else(|| {
            crate::web::internal(ctx.lang, &"the SAML request could not be encoded")
        })?;
    let id = request.id.clone();
    ui.blocking(move |store| store.saml_request_put(&id, store.now() + REQUEST_LIFETIME))
        .await
        .map_err(|e| ctx.store_error(&e))?;
    // The browser's latest sign-ins, newest first: a second tab, a double
    // click, still finds its own.
    let mut bindings = vec![binding];
    if let Some(earlier) = cookie(&headers, ui.saml_cookie()) {
        bindings.extend(
            earlier
                .split('.')
                .filter(|b| b.len() == 64 && b.bytes().all(|c| c.is_ascii_hexdigit()))
                .take(MAX_BINDINGS - 1)
                .map(str::to_string),
        );
    }
    let mut res = Redirect::to(url.as_str()).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        ui.set_cross_site_cookie(ui.saml_cookie(), Some(&bindings.join("."))),
    );
    Ok(res)
}

/// The id of the request started with the secret `binding` (the value
/// of the browser's sign-in cookie): `_` and the hex SHA-256 of it. The
/// id travels through the IdP and may be seen; the secret stays in the
/// browser and cannot be found from the id.
fn request_id_for(binding: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("ecluse saml request:{binding}").as_bytes());
    format!("_{}", crate::web::hex(&digest))
}

/// Whether the browser whose sign-in cookie is `cookie` started the
/// request `request_id`.
fn started_here(cookie: Option<&str>, request_id: &str) -> bool {
    cookie.is_some_and(|c| {
        c.split('.')
            .take(MAX_BINDINGS)
            .any(|b| crate::web::same_secret(&request_id_for(b), request_id))
    })
}

/// What the IdP posts to `/saml/acs`.
#[derive(serde::Deserialize)]
pub struct AcsForm {
    #[serde(rename = "SAMLResponse", default)]
    response: String,
    #[serde(rename = "RelayState", default)]
    relay_state: String,
}

/// `POST /saml/acs`: the IdP's answer. Anyone can post here: each answer
/// is counted against the address before any work, as the local admin's
/// attempts are ([`crate::local`]), and taken back only when it signs
/// someone in; past the limit answers are refused unread.
pub async fn acs(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    headers: HeaderMap,
    Form(form): Form<AcsForm>,
) -> Page {
    saml(&ui, &ctx)?;
    let l = ctx.lang;
    let address = ctx.rate_key.clone();
    let (ui2, a) = (ui.clone(), address.clone());
    let counted = tokio::task::spawn_blocking(move || {
        ui2.acs_guard
            .attempt(&[(a.as_str(), crate::local::MAX_FAILURES)])
    })
    .await
    .expect("the count does not panic")
    .map_err(|e| crate::web::store_failure(l, &e))?;
    if !counted {
        tracing::warn!(peer = %ctx.ip, "SAML sign-in refused unread: too many failed answers from this address");
        return Err(crate::local::refused_unread(&ui, &ctx, "saml", "saml", false).await);
    }
    let started = cookie(&headers, ui.saml_cookie()).map(str::to_string);
    match sign_in(&ui, &form, started.as_deref()).await {
        Ok(session) => {
            let ui2 = ui.clone();
            let _ = tokio::task::spawn_blocking(move || ui2.acs_guard.forgive(&[address.as_str()]))
                .await;
            let mut res = open_session(&ui, &ctx, session, &form.relay_state).await?;
            res.headers_mut().append(
                header::SET_COOKIE,
                ui.set_cross_site_cookie(ui.saml_cookie(), None),
            );
            Ok(res)
        }
        Err(reason) => {
            // The reason quotes the answer (its InResponseTo, a reference):
            // escaped, so that it cannot forge lines in the log or audit.
            let reason = printable(&reason, 400);
            tracing::warn!(peer = %ctx.ip, %reason, "SAML sign-in refused");
            let actor = ctx.actor("saml");
            let detail = format!("SAML answer refused: {reason}");
            let _ = ui
                .blocking(move |s| s.audit(&actor, AuditAction::LoginFailed, None, &detail))
                .await;
            Err(ctx.error(
                StatusCode::FORBIDDEN,
                l.t("La connexion a échoué", "Sign-in failed"),
                l.t(
                    "La réponse du service d'authentification de la mairie a été refusée (périmée, déjà utilisée, modifiée, incomplète, ou demandée depuis un autre navigateur). Recommencez la connexion depuis la page d'accueil ; si cela se reproduit, prévenez l'administrateur.",
                    "The town hall's sign-in service's answer was refused (stale, already used, altered, incomplete, or asked for from another browser). Start signing in again from the start page; if it happens again, tell the administrator.",
                ),
            ))
        }
    }
}

/// Checks the answer and makes the session it grants. `started` is the
/// browser's sign-in cookie. The error is the refusal's reason, which may
/// quote the answer (escape it before logging).
async fn sign_in(
    ui: &Arc<Ui>,
    form: &AcsForm,
    started: Option<&str>,
) -> Result<WebSession, String> {
    let Some(sp) = ui.sp() else {
        return Err("SAML is not ready: the IdP's metadata is not known".into());
    };
    if form.response.len() > MAX_RESPONSE {
        return Err(format!("SAMLResponse larger than {MAX_RESPONSE} bytes"));
    }
    let compact: String = form
        .response
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| format!("SAMLResponse is not base64: {e}"))?;
    let xml = String::from_utf8(bytes).map_err(|_| "SAMLResponse is not UTF-8".to_string())?;
    // Nothing may leave the document: checked on libxml2, as samael reads it,
    // before any signature work (off the async threads: it parses).
    let (xml, checked) = bounded(ui, move || {
        let checked = crate::xmldsig::check(&xml);
        (xml, checked)
    })
    .await?;
    checked?;
    // Only to find which of our requests it answers; everything is checked below.
    let unverified: samael::schema::Response = xml
        .parse()
        .map_err(|e| format!("not a SAML response: {e}"))?;
    let request_id = unverified
        .in_response_to
        .ok_or("the response answers no request of ours (IdP-initiated sign-in is not accepted)")?;
    // Login CSRF: an answer the IdP gave someone else (the attacker's own,
    // posted by the victim's browser) names a request this browser did not
    // start.
    if !started_here(started, &request_id) {
        return Err(format!(
            "InResponseTo {request_id} was not started by this browser (its sign-in cookie is missing or is another sign-in's): an answer posted from elsewhere"
        ));
    }
    let id = request_id.clone();
    let pending = ui
        .blocking(move |store| store.saml_request_pending(&id))
        .await
        .map_err(|e| e.to_string())?;
    if !pending {
        return Err(format!(
            "InResponseTo {request_id} is not a pending request of ours (unknown, already answered, or older than 10 minutes)"
        ));
    }
    let sp2 = sp.clone();
    let rid = request_id.clone();
    let (assertion, qualifiers) = bounded(ui, move || {
        let assertion = sp2.verify(&xml, &rid)?;
        let qualifiers = crate::slo::name_id_qualifiers(&xml, &assertion.id);
        Ok::<_, String>((assertion, qualifiers))
    })
    .await??;
    // Only now, with the signature verified, is the request used up: a
    // forged answer naming it does not cancel the person's sign-in.
    let id = request_id.clone();
    let taken = ui
        .blocking(move |store| store.saml_request_take(&id))
        .await
        .map_err(|e| e.to_string())?;
    if !taken {
        return Err(format!(
            "InResponseTo {request_id} was answered meanwhile, or expired: a second answer"
        ));
    }
    let assertion_id = assertion.id.clone();
    let first = ui
        .blocking(move |store| {
            store.assertion_first_use(&assertion_id, store.now() + ASSERTION_MEMORY)
        })
        .await
        .map_err(|e| e.to_string())?;
    if !first {
        return Err(format!(
            "assertion {} was already used: replay",
            assertion.id
        ));
    }
    let c = &sp.config;
    let mut emails: Vec<String> = sp
        .attribute(&assertion, &c.email_attribute)
        .into_iter()
        .map(|e| e.to_lowercase())
        .filter(|e| e.contains('@'))
        .collect();
    emails.dedup();
    let name_id = assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.clone())
        .unwrap_or_default();
    if emails.is_empty() {
        return Err(format!(
            "the assertion for {name_id:?} has no mail address in attribute `{}` ([admin.saml] email_attribute)",
            c.email_attribute
        ));
    }
    let groups = sp.attribute(&assertion, &c.groups_attribute);
    let sep = c.groups_separator.as_deref();
    // Service-wide: the service group, and admin_group (which, with
    // tenants configured, counts only when set). Else each commune whose
    // admin group they are in.
    let service = (!c.admin_group.is_empty() && in_group(&groups, &c.admin_group, sep))
        || c.service_admin_group
            .as_deref()
            .is_some_and(|g| in_group(&groups, g, sep));
    let tenants: Vec<String> = ui
        .config
        .tenants
        .iter()
        .filter(|t| {
            t.admin_group
                .as_deref()
                .is_some_and(|g| in_group(&groups, g, sep))
        })
        .map(|t| t.id.clone())
        .collect();
    let admin = service || !tenants.is_empty();
    let admin_of = if service {
        ecluse_quarantine::AdminScope::Service
    } else {
        ecluse_quarantine::AdminScope::Tenants(tenants)
    };
    let display_name = sp
        .attribute(&assertion, &c.name_attribute)
        .into_iter()
        .map(|n| n.trim().to_string())
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| emails[0].clone());
    // What a LogoutRequest must name to end this session at the IdP.
    let idp = (!name_id.is_empty()).then(|| ecluse_quarantine::IdpSession {
        name_id: name_id.clone(),
        format: assertion
            .subject
            .as_ref()
            .and_then(|s| s.name_id.as_ref())
            .and_then(|n| n.format.clone()),
        name_qualifier: qualifiers.0,
        sp_name_qualifier: qualifiers.1,
        session_index: assertion
            .authn_statements
            .iter()
            .flatten()
            .find_map(|a| a.session_index.clone()),
    });
    let now = ui.store.now();
    Ok(WebSession {
        user: if name_id.is_empty() {
            emails[0].clone()
        } else {
            name_id
        },
        display_name,
        emails,
        admin,
        admin_of,
        via: SignIn::Saml,
        csrf: random_token(),
        created_at: now,
        last_seen: now,
        idp,
    })
}

/// Runs `work` (the check of an answer, its verification) on a blocking
/// thread once one of [`MAX_VERIFICATIONS`] places is free, waiting at most
/// [`VERIFY_DEADLINE`] for the place and the result together. Work given up
/// on finishes in the background, holding its place until then; nothing it
/// returns is used. An answer that runs out of time is refused and stays
/// counted against its address: an honest answer takes milliseconds, and
/// forgiving the slow ones let a flood of them go on from any address.
pub(crate) async fn bounded<T: Send + 'static>(
    ui: &Arc<Ui>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let Some(sp) = ui.sp() else {
        return Err("SAML is not ready: the IdP's metadata is not known".into());
    };
    let places = sp.verifying.clone();
    let run = async move {
        let permit = places.acquire_owned().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| e.to_string())
    };
    match tokio::time::timeout(VERIFY_DEADLINE, run).await {
        Ok(result) => result,
        Err(_) => {
            metrics::counter!("ecluse_saml_answers_timed_out_total").increment(1);
            Err(format!(
                "the answer could not be checked within {} ms (too many answers at once, or one built to be slow)",
                VERIFY_DEADLINE.as_millis()
            ))
        }
    }
}

/// Whether `group` is among the values of the groups attribute. Most IdPs
/// send one value per group, taken whole; with `separator` set (`[admin.saml]
/// groups_separator`, for LemonLDAP::NG, which may join a session's groups
/// as one value with its `multiValuesSeparator`, `; `), each value is also
/// split on it, one space after a separator belonging to the separator.
/// Names match exactly, case and spaces included: nothing is trimmed, so a
/// group `" admins-b"` (or `"x;  admins-b"`) is not `admins-b`.
fn in_group(values: &[String], group: &str, separator: Option<&str>) -> bool {
    values.iter().any(|v| match separator {
        Some(sep) => v.split(sep).enumerate().any(|(i, g)| {
            let g = if i > 0 {
                g.strip_prefix(' ').unwrap_or(g)
            } else {
                g
            };
            g == group
        }),
        None => v == group,
    })
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_PENDING_REQUESTS, MAX_STARTS_PER_ADDRESS, REQUEST_LIFETIME, StartRefused, Starts,
        in_group, request_id_for, started_here, values_of,
    };
    use samael::attribute::{Attribute, AttributeValue};

    #[test]
    fn attributes_match_by_name_and_by_friendly_name_only_when_configured() {
        let at = |name: &str, friendly: Option<&str>, value: &str| Attribute {
            friendly_name: friendly.map(str::to_string),
            name: Some(name.to_string()),
            name_format: None,
            values: vec![AttributeValue {
                attribute_type: None,
                value: Some(value.to_string()),
            }],
        };
        // Someone's IdP releases an attribute whose only claim to be the
        // mail address is its friendly name.
        let list = [
            at(
                "urn:oid:0.9.2342.19200300.100.1.3",
                Some("email"),
                "dsi@ville-exemple.fr",
            ),
            at("displayName", None, "  Alice  "),
        ];
        assert!(values_of(list.iter(), "email", false).is_empty());
        assert_eq!(
            values_of(list.iter(), "email", true),
            ["dsi@ville-exemple.fr"]
        );
        assert_eq!(
            values_of(list.iter(), "urn:oid:0.9.2342.19200300.100.1.3", false),
            ["dsi@ville-exemple.fr"]
        );
        assert_eq!(values_of(list.iter(), "displayName", false), ["  Alice  "]);
    }

    #[test]
    fn group_values_are_compared_exactly_never_trimmed() {
        // Issue 28: an IdP value " admins-b" made its holder B's admin.
        let at = |values: &[&str]| Attribute {
            friendly_name: None,
            name: Some("groups".into()),
            name_format: None,
            values: values
                .iter()
                .map(|v| AttributeValue {
                    attribute_type: None,
                    value: Some(v.to_string()),
                })
                .collect(),
        };
        let hostile = [at(&[" admins-b", "admins-b ", "admins-b\n", "\tadmins-b"])];
        let values = values_of(hostile.iter(), "groups", false);
        assert_eq!(values.len(), 4, "{values:?}");
        assert!(!in_group(&values, "admins-b", None), "{values:?}");
        assert!(!in_group(&values, "admins-b", Some(";")), "{values:?}");
        // Joined with LemonLDAP::NG's "; ": one space belongs to the
        // separator, and no more.
        let joined = |v: &str| vec![v.to_string()];
        assert!(in_group(&joined("agents; admins-b"), "admins-b", Some(";")));
        assert!(in_group(&joined("agents;admins-b"), "admins-b", Some(";")));
        assert!(!in_group(
            &joined("agents;  admins-b"),
            "admins-b",
            Some(";")
        ));
        assert!(!in_group(
            &joined("agents; admins-b "),
            "admins-b",
            Some(";")
        ));
        assert!(!in_group(
            &joined(" admins-b; agents"),
            "admins-b",
            Some(";")
        ));
        // An address is taken as sent too: " dsi@…" is nobody's.
        let mail = [Attribute {
            name: Some("email".into()),
            ..at(&[" dsi@ville-exemple.fr"])
        }];
        assert_eq!(
            values_of(mail.iter(), "email", false),
            [" dsi@ville-exemple.fr"]
        );
    }

    #[test]
    fn a_request_id_is_bound_to_the_secret_of_the_browser_that_started_it() {
        let a = crate::web::random_token();
        let b = crate::web::random_token();
        let id = request_id_for(&a);
        assert!(id.starts_with('_') && id.len() == 65 && !id.contains(&a));
        assert!(started_here(Some(&a), &id));
        assert!(
            started_here(Some(&format!("{b}.{a}")), &id),
            "a browser's earlier sign-in"
        );
        assert!(!started_here(Some(&b), &id));
        assert!(!started_here(None, &id));
        assert!(!started_here(Some(""), &id));
        assert!(
            !started_here(Some(&id), &id),
            "the id itself is not the secret"
        );
    }

    #[test]
    fn admin_group_one_value_per_group_or_joined() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let g = "quarantine-admins";
        assert!(in_group(&v(&["agents", g]), g, None));
        assert!(in_group(
            &v(&["agents; quarantine-admins; dsi"]),
            g,
            Some(";")
        ));
        assert!(!in_group(
            &v(&["agents; quarantine-admins-old"]),
            g,
            Some(";")
        ));
        assert!(!in_group(&v(&["Quarantine-Admins"]), g, None));
        assert!(!in_group(&v(&[]), g, None));
        // Without a configured separator, a group merely named so is not ours.
        assert!(!in_group(&v(&["x;quarantine-admins"]), g, None));
        assert!(!in_group(&v(&["agents; quarantine-admins"]), g, None));
    }

    #[test]
    fn sign_in_starts_are_bounded_per_address_and_in_total_over_the_request_lifetime() {
        let t0 = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let starts = Starts::default();
        for _ in 0..MAX_STARTS_PER_ADDRESS {
            assert_eq!(starts.start("192.0.2.1", t0), Ok(()));
        }
        assert_eq!(
            starts.start("192.0.2.1", t0),
            Err(StartRefused::TooManyFromAddress)
        );
        // Everyone together: as many as the cap, then 503 for a newcomer.
        let mut n = MAX_STARTS_PER_ADDRESS;
        let mut i = 0u32;
        while n < MAX_PENDING_REQUESTS {
            let key = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            let later = t0 + jiff::SignedDuration::from_secs(60);
            for _ in 0..MAX_STARTS_PER_ADDRESS.min(MAX_PENDING_REQUESTS - n) {
                assert_eq!(starts.start(&key, later), Ok(()));
                n += 1;
            }
            i += 1;
        }
        let later = t0 + jiff::SignedDuration::from_secs(120);
        assert_eq!(
            starts.start("198.51.100.1", later),
            Err(StartRefused::TooManyPending)
        );
        assert_eq!(
            starts.start("192.0.2.1", later),
            Err(StartRefused::TooManyFromAddress)
        );
        {
            let inner = starts.inner.lock().unwrap();
            assert_eq!(inner.recent.len(), MAX_PENDING_REQUESTS);
            assert_eq!(
                inner.per_address.values().sum::<usize>(),
                MAX_PENDING_REQUESTS
            );
        }
        // Once the first ones are past their lifetime, their places free up,
        // the others' not yet.
        let after_first = t0 + REQUEST_LIFETIME + jiff::SignedDuration::from_secs(1);
        assert_eq!(starts.start("198.51.100.1", after_first), Ok(()));
        assert_eq!(starts.start("192.0.2.1", after_first), Ok(()));
        assert_eq!(
            starts.start("10.0.0.0", after_first),
            Err(StartRefused::TooManyFromAddress)
        );
        // All of them past: the memory is given back.
        let after_all = after_first + REQUEST_LIFETIME;
        assert_eq!(starts.start("192.0.2.9", after_all), Ok(()));
        let inner = starts.inner.lock().unwrap();
        assert_eq!(inner.recent.len(), 1);
        assert_eq!(inner.per_address.len(), 1);
    }
}
