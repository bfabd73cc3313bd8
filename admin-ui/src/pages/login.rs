//! Sign-in (SAML, or the break-glass local admin) and sign-out.

use super::layout::page;
use crate::Ui;
use crate::web::{Ctx, NextQuery, Page, cookie, local_path, random_token, same_secret};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use maud::html;
use std::sync::Arc;

/// The sign-in page. With SAML only, it still shows a
/// button rather than redirecting, so that a failed sign-in does not loop.
/// In the demo ([`crate::UiConfig::demo`]) the local admin is the way in,
/// not the emergency account.
pub async fn render(ctx: Ctx, ui: &Arc<Ui>, next: &str, problem: Option<&str>) -> Response {
    let l = ctx.lang;
    let token = random_token();
    let title = l.t("Connexion", "Sign in");
    let mut res = page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            @if let Some(p) = problem { p.notice role="alert" { (p) } }
            @if ui.config.saml.is_some() {
                p { (l.t(
                    "Connectez-vous avec votre compte de la mairie pour voir les pièces jointes retenues pour vous.",
                    "Sign in with your town hall account to see the attachments held for you.")) }
                p { a.button href={ "/saml/login?next=" (super::url_encode(next)) } { (l.t("Se connecter avec le compte de la mairie", "Sign in with the town hall account")) } }
            }
            @if ui.config.local.is_some() {
                section {
                    @if ui.config.demo {
                        h2 { (l.t("Connexion à la démonstration (administrateur)", "Sign in to the demo (admin)")) }
                        p { (l.t(
                            "Saisissez l'identifiant et le mot de passe à usage unique affichés dans le terminal où la démonstration a été lancée (un nouveau mot de passe à chaque démarrage).",
                            "Enter the user name and the one-time password printed in the terminal where the demo was started (a new password at each start).")) }
                    } @else {
                        h2 { (l.t("Compte de secours (administrateur)", "Emergency account (admin)")) }
                        p { (l.t("À utiliser seulement quand la connexion habituelle ne fonctionne pas.", "Use only when the usual sign-in does not work.")) }
                    }
                    form method="post" action="/login/local" {
                        input type="hidden" name="csrf" value=(token);
                        input type="hidden" name="next" value=(next);
                        label for="username" { (l.t("Identifiant", "User name")) }
                        input id="username" type="text" name="username" autocomplete="username" required;
                        label for="password" { (l.t("Mot de passe", "Password")) }
                        input id="password" type="password" name="password" autocomplete="current-password" required;
                        p { button type="submit" { (l.t("Se connecter", "Sign in")) } }
                    }
                }
            }
        },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        ui.set_cookie(ui.login_cookie(), Some(&token)),
    );
    res
}

/// `GET /login`.
pub async fn show(ctx: Ctx, State(ui): State<Arc<Ui>>, Query(q): Query<NextQuery>) -> Response {
    if ctx.session.is_some() {
        return Redirect::to(&local_path(q.next.as_deref().unwrap_or("/"))).into_response();
    }
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    render(ctx, &ui, &next, None).await
}

/// Opens a session for `session` and sends the browser to `next`.
pub(crate) async fn open_session(ui: &Arc<Ui>, ctx: &Ctx, session: WebSession, next: &str) -> Page {
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

/// The local sign-in form.
#[derive(serde::Deserialize)]
pub struct LocalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /login/local`: the break-glass admin. The attempt finds a place
/// for its password check or is refused at once (`429`), then is counted
/// against the address and the user name before the check
/// ([`crate::local`]); past their limits it is refused unread (`429`).
/// Every wrong password is audited; refusals once per address and window.
pub async fn local(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    headers: HeaderMap,
    Form(form): Form<LocalForm>,
) -> Page {
    use crate::local::{MAX_FAILURES, MAX_NAME_FAILURES, refused_unread};
    let l = ctx.lang;
    let Some(local) = ui.config.local.clone() else {
        return Err(ctx.not_found());
    };
    let expected = cookie(&headers, ui.login_cookie()).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &form.csrf) {
        return Err(ctx.forgery());
    }
    let Some(place) = ui.password_checks.place() else {
        return Err(refused_unread(&ui, &ctx, &form.username, "local", true).await);
    };
    let address = ctx.rate_key.clone();
    // The name as a hash: a key of bounded size whatever was typed.
    let name = {
        use sha2::{Digest, Sha256};
        format!(
            "name:{}",
            crate::web::hex(&Sha256::digest(form.username.as_bytes()))
        )
    };
    let (ui2, a, n) = (ui.clone(), address.clone(), name.clone());
    let counted = tokio::task::spawn_blocking(move || {
        ui2.local
            .attempt(&[(a.as_str(), MAX_FAILURES), (n.as_str(), MAX_NAME_FAILURES)])
    })
    .await
    .expect("the count does not panic")
    .map_err(|e| crate::web::store_failure(l, &e))?;
    if !counted {
        drop(place);
        return Err(refused_unread(&ui, &ctx, &form.username, "local", false).await);
    }
    let ok = ui
        .password_checks
        .verify(place, local.password_hash.clone(), form.password.clone())
        .await
        && same_secret(&local.username, &form.username);
    if !ok {
        let who = crate::web::printable(&form.username, 64);
        tracing::warn!(peer = %ctx.ip, user = %who, "local sign-in refused: wrong user name or password");
        let actor = ctx.actor(who);
        ui.blocking(move |s| {
            s.audit(
                &actor,
                AuditAction::LoginFailed,
                None,
                "local account: wrong user name or password",
            )
        })
        .await
        .map_err(|e| ctx.store_error(&e))?;
        let next = local_path(&form.next);
        let mut res = render(
            ctx,
            &ui,
            &next,
            Some(l.t(
                "Identifiant ou mot de passe incorrect.",
                "Wrong user name or password.",
            )),
        )
        .await;
        *res.status_mut() = StatusCode::UNAUTHORIZED;
        return Err(res);
    }
    // The address starts afresh; the name keeps the others' failures (a
    // success does not reset the ceiling on guessing from elsewhere), less
    // this attempt.
    let ui2 = ui.clone();
    let _ = tokio::task::spawn_blocking(move || {
        ui2.local.succeeded(&address);
        ui2.local.forgive(&[name.as_str()]);
    })
    .await;
    let now = ui.store.now();
    let session = WebSession {
        user: local.username.clone(),
        display_name: local.username.clone(),
        emails: Vec::new(),
        admin: true,
        admin_of: ecluse_quarantine::AdminScope::Service,
        via: SignIn::Local,
        csrf: random_token(),
        created_at: now,
        last_seen: now,
    };
    open_session(&ui, &ctx, session, &form.next).await
}

/// `POST /logout`.
pub async fn logout(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Form(form): Form<super::agent::CsrfForm>,
) -> Page {
    let Some((token, s)) = ctx.session.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    ctx.check_csrf(&ui, &form.csrf)?;
    let mut actor = ctx.actor_of(&s);
    actor.tenant = ui.config.session_tenant(&s);
    ui.blocking(move |store| {
        store.session_delete(&token)?;
        store.audit(&actor, AuditAction::Logout, None, "")
    })
    .await
    .map_err(|e| ctx.store_error(&e))?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, ui.set_cookie(ui.session_cookie(), None));
    Ok(res)
}
