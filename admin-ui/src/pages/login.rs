//! Sign-in (SAML, or the break-glass local admin) and sign-out.
//!
//! The agents' page (`/login`) offers the town hall's sign-in only; the
//! break-glass form has its own address, [`BREAK_GLASS_PATH`], linked from
//! nowhere in the UI (the admin documentation gives it). Without
//! `[admin.saml]` (the demo, a trial with the local admin only) nobody but
//! the admin signs in, and `/login` shows the form itself.
//!
//! « Se déconnecter » ends the IdP's session too where the IdP offers
//! single logout ([`crate::slo`]); where it does not, the page says that
//! the IdP's session is still open on this computer and how to end it.

use super::layout::page;
use crate::signin::{open_session, refused_unread};
use crate::slo::IdpState;
use crate::state::Ui;
use crate::web::{Ctx, NextQuery, Page, cookie, local_path, random_token, same_secret};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use maud::html;
use std::sync::Arc;

/// The break-glass admin's own sign-in page (`GET`) and form target
/// (`POST`): not linked from the agents' page, given by the admin
/// documentation (`docs/operations.md`).
pub const BREAK_GLASS_PATH: &str = "/admin/break-glass";

/// The sign-in page. With SAML only, it still shows a
/// button rather than redirecting, so that a failed sign-in does not loop.
/// With SAML configured it is the agents' page and never shows the
/// break-glass form ([`BREAK_GLASS_PATH`]); without, the local admin is
/// the only way in and the form is here. In the demo
/// ([`crate::config::UiConfig::demo`]) the local admin is the way in, not the
/// emergency account.
pub async fn render(ctx: Ctx, ui: &Arc<Ui>, next: &str, problem: Option<&str>) -> Response {
    let saml = ui.config.saml.is_some();
    // Without SAML the form is here and posts where it always did.
    render_page(ctx, ui, next, problem, saml, !saml, "/login/local")
}

/// The break-glass page: the local admin's form alone.
async fn render_break_glass(ctx: Ctx, ui: &Arc<Ui>, next: &str, problem: Option<&str>) -> Response {
    render_page(ctx, ui, next, problem, false, true, BREAK_GLASS_PATH)
}

fn render_page(
    ctx: Ctx,
    ui: &Arc<Ui>,
    next: &str,
    problem: Option<&str>,
    saml: bool,
    local: bool,
    action: &str,
) -> Response {
    let l = ctx.lang;
    let token = random_token();
    let title = l.t("Connexion", "Sign in");
    let mut res = page(
        &ctx,
        title,
        html! {
            h1 { (title) }
            @if let Some(p) = problem { p.notice role="alert" { (p) } }
            @if saml {
                p { (l.t(
                    "Connectez-vous avec votre compte de la mairie pour voir les pièces jointes retenues pour vous.",
                    "Sign in with your town hall account to see the attachments held for you.")) }
                p { a.button href={ "/saml/login?next=" (crate::web::url_encode(next)) } { (l.t("Se connecter avec le compte de la mairie", "Sign in with the town hall account")) } }
            }
            @if local && ui.config.local.is_some() {
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
                    form method="post" action=(action) {
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

/// `GET /admin/break-glass`: the break-glass form; 404 without `[admin.local]`.
pub async fn break_glass(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Query(q): Query<NextQuery>,
) -> Response {
    if ui.config.local.is_none() {
        return ctx.not_found();
    }
    if ctx.session.is_some() {
        return Redirect::to(&local_path(q.next.as_deref().unwrap_or("/admin"))).into_response();
    }
    let next = local_path(q.next.as_deref().unwrap_or("/admin"));
    render_break_glass(ctx, &ui, &next, None).await
}

/// `GET /login`.
pub async fn show(ctx: Ctx, State(ui): State<Arc<Ui>>, Query(q): Query<NextQuery>) -> Response {
    if ctx.session.is_some() {
        return Redirect::to(&local_path(q.next.as_deref().unwrap_or("/"))).into_response();
    }
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    render(ctx, &ui, &next, None).await
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

/// `POST /admin/break-glass` (and its former address `POST /login/local`,
/// kept for scripts): the break-glass admin. The attempt finds a place
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
    use crate::local::{MAX_FAILURES, MAX_NAME_FAILURES};
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
        let problem = Some(l.t(
            "Identifiant ou mot de passe incorrect.",
            "Wrong user name or password.",
        ));
        let mut res = if ui.config.saml.is_some() {
            render_break_glass(ctx, &ui, &next, problem).await
        } else {
            render(ctx, &ui, &next, problem).await
        };
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
        idp: None,
    };
    open_session(&ui, &ctx, session, &form.next).await
}

/// `POST /logout`: ends the session here, then at the IdP.
///
/// A SAML session whose IdP offers single logout goes on to the IdP with a
/// `LogoutRequest` ([`crate::slo`]) and comes back to `/saml/slo`, which
/// says whether the IdP's session ended. Without single logout (or for a
/// session opened before Écluse kept what a `LogoutRequest` names) the
/// page says that the IdP's session is still open on this computer,
/// links to `[admin.saml] idp_logout_url` when set, and tells a shared
/// computer's users to close the browser. The local admin goes back to
/// the sign-in page. Audited as a `Logout` with how it was done.
pub async fn logout(
    mut ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Form(form): Form<super::agent::CsrfForm>,
) -> Page {
    let Some((token, s)) = ctx.session.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    ctx.check_csrf(&ui, &form.csrf)?;
    let mut actor = ctx.actor_of(&s);
    actor.tenant = ui.config.session_tenant(&s);
    let slo = match (s.via, ui.sp(), &s.idp) {
        (SignIn::Saml, Some(sp), Some(idp)) => {
            let id = crate::slo::new_logout_id();
            crate::slo::logout_request_url(&sp, idp, &id).map(|url| (id, url))
        }
        _ => None,
    };
    let detail = match (s.via, &slo) {
        (SignIn::Local, _) => "local account",
        (SignIn::Saml, Some(_)) => {
            "SAML single logout: this service, then the IdP (LogoutRequest sent)"
        }
        (SignIn::Saml, None) => {
            "SAML: this service only (the IdP offers no single logout; its session stays open in the browser)"
        }
    };
    let pending = slo.as_ref().map(|(id, _)| id.clone());
    ui.blocking(move |store| {
        store.session_delete(&token)?;
        if let Some(id) = pending {
            store.saml_request_put(&id, store.now() + crate::sp::REQUEST_LIFETIME)?;
        }
        store.audit(&actor, AuditAction::Logout, None, detail)
    })
    .await
    .map_err(|e| ctx.store_error(&e))?;
    ctx.session = None;
    ctx.path = "/login".into();
    let mut res = match (s.via, slo) {
        (SignIn::Saml, Some((_, url))) => to_the_idp(&ctx, &url),
        (SignIn::Saml, None) => Redirect::to(IdpState::StillOpen.path()).into_response(),
        (SignIn::Local, _) => Redirect::to("/login").into_response(),
    };
    res.headers_mut()
        .append(header::SET_COOKIE, ui.set_cookie(ui.session_cookie(), None));
    Ok(res)
}

/// The page that takes the browser on to the IdP's single-logout address
/// `url`: a refresh (the `Refresh` header, and a `<meta>` for browsers
/// that want one) and a link, not a `303` from the form's `POST`, which
/// the pages' `Content-Security-Policy: form-action 'self'` would stop at
/// the IdP's origin.
fn to_the_idp(ctx: &Ctx, url: &str) -> Response {
    let l = ctx.lang;
    let title = l.t("Déconnexion en cours", "Signing out");
    let mut res = page(
        ctx,
        title,
        html! {
            meta http-equiv="refresh" content={ "0;url=" (url) };
            h1 { (title) }
            p { (l.t(
                "Vous êtes déconnecté d'Écluse ; le service d'authentification de la mairie ferme maintenant votre session.",
                "You are signed out of Écluse; the town hall's sign-in service is now closing your session.")) }
            p { a.button href=(url) { (l.t("Continuer", "Continue")) } }
        },
    );
    if let Ok(v) = header::HeaderValue::from_str(&format!("0;url={url}")) {
        res.headers_mut().insert(header::REFRESH, v);
    }
    res
}

/// The query of `/signed-out`.
#[derive(Debug, serde::Deserialize)]
pub struct SignedOutQuery {
    idp: Option<String>,
}

/// `GET /signed-out?idp=closed|open|unconfirmed`: the page after a
/// sign-out. It carries no secret and changes nothing; someone still (or
/// again) signed in is sent to the home page, and an unknown `idp` reads as
/// the most careful state (`unconfirmed`).
pub async fn signed_out_page(
    ctx: Ctx,
    State(ui): State<Arc<Ui>>,
    Query(q): Query<SignedOutQuery>,
) -> Response {
    if ctx.session.is_some() {
        return Redirect::to("/").into_response();
    }
    let state = match q.idp.as_deref() {
        Some("closed") => IdpState::Closed,
        Some("open") => IdpState::StillOpen,
        _ => IdpState::Unconfirmed,
    };
    signed_out(&ctx, &ui, state)
}

/// The page after sign-out (200): French first, the IdP's session's state,
/// its sign-out page when known (`[admin.saml] idp_logout_url`), and what
/// to do on a shared computer. `ctx` must no longer carry the session.
pub fn signed_out(ctx: &Ctx, ui: &Ui, idp: IdpState) -> Response {
    let l = ctx.lang;
    let logout_url = ui
        .config
        .saml
        .as_ref()
        .and_then(|s| s.idp_logout_url.as_deref());
    let (title, text) = match idp {
        IdpState::Closed => (
            l.t("Vous êtes déconnecté", "You are signed out"),
            l.t(
                "Votre session Écluse et votre session au service d'authentification de la mairie sont fermées. Personne ne peut se reconnecter à votre nom sur cet ordinateur sans votre mot de passe.",
                "Your Écluse session and your session at the town hall's sign-in service are closed. Nobody can sign in again as you on this computer without your password.",
            ),
        ),
        IdpState::StillOpen => (
            l.t("Déconnecté d'Écluse seulement", "Signed out of Écluse only"),
            l.t(
                "Vous êtes déconnecté d'Écluse, mais votre session au service d'authentification de la mairie est toujours ouverte dans ce navigateur : la prochaine personne qui utilise cet ordinateur pourrait se reconnecter à votre nom sans mot de passe.",
                "You are signed out of Écluse, but your session at the town hall's sign-in service is still open in this browser: the next person to use this computer could sign in again as you without a password.",
            ),
        ),
        IdpState::Unconfirmed => (
            l.t("Déconnexion peut-être incomplète", "Sign-out perhaps incomplete"),
            l.t(
                "Vous êtes déconnecté d'Écluse, mais le service d'authentification de la mairie n'a pas confirmé la fin de votre session : elle est peut-être encore ouverte dans ce navigateur.",
                "You are signed out of Écluse, but the town hall's sign-in service did not confirm the end of your session: it may still be open in this browser.",
            ),
        ),
    };
    let body = html! {
        h1 { (title) }
        p { (text) }
        @if idp != IdpState::Closed {
            @if let Some(url) = logout_url {
                p { a.button href=(url) { (l.t("Se déconnecter du service d'authentification de la mairie", "Sign out of the town hall's sign-in service")) } }
            }
            p.notice { (l.t(
                "Sur un poste partagé (accueil, guichet, salle commune), fermez toutes les fenêtres du navigateur avant de quitter l'ordinateur : c'est ce qui ferme la session à coup sûr.",
                "On a shared computer (reception, front desk, common room), close every browser window before leaving the computer: that is what surely closes the session.")) }
        }
        p { a href="/login" { (l.t("Se reconnecter", "Sign in again")) } }
    };
    page(ctx, title, body)
}
