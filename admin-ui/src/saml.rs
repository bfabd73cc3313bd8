//! SAML 2.0 sign-in (samael, with xmlsec): `/saml/metadata`, `/saml/login`
//! and the assertion consumer `/saml/acs`, over the service provider of
//! [`crate::sp`].
//!
//! What samael does not do, we do, in [`crate::sp::Sp::new`]: refuse IdP
//! metadata without a signing certificate (samael would accept an
//! unsigned, forged answer), always set our entity id (samael checks the
//! audience only then); and here: keep the ids of the requests we sent on
//! the server (a `SameSite=Lax` cookie would not come back with the IdP's
//! cross-site POST) and take each one once, and remember the ids of the
//! assertions we accepted, so that a captured assertion cannot be played
//! again.
//!
//! Anyone can post to `/saml/acs`, so an answer is read as hostile until
//! its signature verifies: [`crate::xmldsig::check`] refuses, before any
//! signature work, what would make xmlsec reach outside the document
//! (references to URLs or files, XSLT and XPath transforms, manifests, a
//! DOCTYPE), libxml2 and xmlsec cannot open URLs or files at all
//! ([`crate::xmldsig::forbid_outside_io`]), a verification runs without a
//! global lock and is given up after [`crate::sp::VERIFY_DEADLINE`], failures count
//! against the address like the local admin's, and a pending request is
//! used up only by an answer whose signature verified.
//!
//! Anyone can also ask `/saml/login`, and each start writes a pending
//! request to the store for [`REQUEST_LIFETIME`]: [`crate::sp::Starts`] lets one
//! address (IPv6: one /64) start at most [`crate::sp::MAX_STARTS_PER_ADDRESS`] in that
//! time (`429` past it) and this process hold at most
//! [`crate::sp::MAX_PENDING_REQUESTS`] from everyone together (`503` past it), counted
//! in memory, before any store work.

use crate::signin::{bounded, open_session, saml};
use crate::sp::{
    ASSERTION_MEMORY, MAX_BINDINGS, MAX_RESPONSE, REQUEST_LIFETIME, StartRefused, in_group,
    name_id_qualifiers,
};
use crate::state::Ui;
use crate::web::{Ctx, NextQuery, Page, cookie, local_path, printable, random_token};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use std::sync::Arc;

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
    let xml = match (ui.sp(), &ui.config.saml) {
        (Some(sp), _) => sp.metadata_xml(),
        // The IdP's metadata is not read yet: ours needs none of it.
        (None, Some(config)) => {
            let base = &ui.config.public_url;
            crate::sp::metadata_xml(
                &config.sp_entity_id,
                &format!("{base}/saml/acs"),
                &format!("{base}{}", crate::sp::SLO_PATH),
            )
        }
        (None, None) => return Err(ctx.not_found()),
    };
    Ok(([(header::CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response())
}

/// `GET /saml/login?next=`: sends the browser to the IdP with a request whose
/// id we keep for ten minutes, and gives the browser the secret that id is
/// made from (a cookie, [`request_id_for`]). Counted first ([`crate::sp::Starts`]):
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
        return Err(crate::signin::refused_unread(&ui, &ctx, "saml", "saml", false).await);
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
        let qualifiers = name_id_qualifiers(&xml, &assertion.id);
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

#[cfg(test)]
mod tests {
    use super::{request_id_for, started_here};

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
}
