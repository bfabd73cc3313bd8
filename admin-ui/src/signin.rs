//! What the sign-in handlers share, whichever way a person signs in (the
//! SAML answer in [`crate::saml`], the break-glass form in
//! [`crate::pages::login`]) or out ([`crate::slo`]): opening the session
//! (`open_session`), the `429` page for a sign-in refused unread
//! (`refused_unread`), the service provider or the page that says why
//! there is none (`saml`), and the bounded blocking work a SAML message
//! is checked under (`bounded`).

use crate::local::WINDOW;
use crate::sp::{Sp, VERIFY_DEADLINE};
use crate::state::Ui;
use crate::web::{Ctx, Page, local_path, random_token};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use std::sync::Arc;

/// Opens a session for `session` and sends the browser to `next`; an
/// admin who came from the home page (`next` is `/`) goes to the queue,
/// where the work is (deployment trial 3: an admin landed on their own,
/// empty, list of held attachments).
pub(crate) async fn open_session(ui: &Arc<Ui>, ctx: &Ctx, session: WebSession, next: &str) -> Page {
    let next = if session.admin && local_path(next) == "/" { "/admin" } else { next };
    let token = random_token();
    let mut actor = ctx.actor_of(&session);
    actor.tenant = ui.config.session_tenant(&session);
    let detail = format!(
        "{} via {}",
        if session.admin { "admin" } else { "agent" },
        match session.via {
            SignIn::Saml => "SAML",
            SignIn::Local => "local account",
        }
    );
    let t = token.clone();
    ui.blocking(move |store| {
        store.session_put(&t, &session)?;
        store.audit(&actor, AuditAction::Login, None, &detail)
    })
    .await
    .map_err(|e| ctx.store_error(&e))?;
    let mut res = Redirect::to(&local_path(next)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        ui.set_cookie(ui.session_cookie(), Some(&token)),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, ui.set_cookie(ui.login_cookie(), None));
    Ok(res)
}

/// Records a sign-in refused unread (too many failures, or no place for
/// a password check) and makes the `429` page. Every refusal counts in
/// `ecluse_signin_refused_total{method, reason}`; the audit gets the first
/// one from this address in the window ([`crate::local::Refusals::first`]), so that a
/// flood of refusals does not become a flood of hash-chained entries.
/// `who` is the actor named in the audit (the user name, or `saml`).
pub(crate) async fn refused_unread(
    ui: &std::sync::Arc<crate::state::Ui>,
    ctx: &crate::web::Ctx,
    who: &str,
    method: &'static str,
    busy: bool,
) -> axum::response::Response {
    let reason = if busy { "busy" } else { "too_many_failures" };
    metrics::counter!("ecluse_signin_refused_total", "method" => method, "reason" => reason)
        .increment(1);
    let now = ui.store.now();
    if ui.refusals.first(method, &ctx.rate_key, now) {
        let actor = ctx.actor(crate::web::printable(who, 64));
        let detail = format!(
            "{}: {}, refused unread; further refusals from this address for {} minutes are counted in ecluse_signin_refused_total, not audited",
            if method == "local" {
                "local account"
            } else {
                "SAML answer"
            },
            if busy {
                "too many password checks at once"
            } else {
                "too many failed sign-ins from this address or for this name"
            },
            WINDOW.as_secs() / 60,
        );
        let _ = ui
            .blocking(move |s| {
                s.audit(
                    &actor,
                    ecluse_quarantine::AuditAction::LoginFailed,
                    None,
                    &detail,
                )
            })
            .await;
    }
    let l = ctx.lang;
    let mut res = if busy {
        ctx.error(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            l.t(
                "Trop de tentatives en même temps",
                "Too many attempts at once",
            ),
            l.t(
                "Trop de connexions sont vérifiées en ce moment. Réessayez dans quelques secondes.",
                "Too many sign-ins are being checked right now. Try again in a few seconds.",
            ),
        )
    } else {
        ctx.error(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            l.t("Trop de tentatives", "Too many attempts"),
            l.t(
                "Trop d'essais de connexion ont échoué. Attendez un quart d'heure avant de réessayer.",
                "Too many sign-in attempts failed. Wait a quarter of an hour before trying again.",
            ),
        )
    };
    let wait = if busy { "5" } else { "900" };
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static(wait),
    );
    res
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

/// Runs `work` (the check of an answer, its verification) on a blocking
/// thread once one of [`crate::sp::MAX_VERIFICATIONS`] places is free, waiting at most
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
