//! The error pages, in the frame of every page ([`super::layout`]): a
//! form refused ([`Ctx::forgery`]), not found ([`Ctx::not_found`], and
//! [`not_found`] for any path the router does not know), a store failure
//! in the person's words ([`Ctx::store_error`], [`Ctx::item_error`] for
//! one item), any other ([`Ctx::error`], [`Ctx::error_back`]); and the
//! two checks whose refusal is one of them: admins only ([`Ctx::admin`])
//! and the anti-forgery token ([`Ctx::check_csrf`]).
//!
//! They are methods of the visitor ([`Ctx`], defined in [`crate::web`]),
//! so that every handler writes `ctx.error(…)`. `web.rs` calls none of
//! them, and imports nothing from the pages: it stays below them. The
//! pages without the frame, for a failure before the visitor is known
//! ([`crate::web::store_failure`], [`crate::web::internal`]), stay in
//! `web.rs`, whose extractor answers with them.

use super::{layout, of_item, state_conflict, whole};
use crate::state::Ui;
use crate::web::{Ctx, store_failure};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecluse_quarantine::{HeldItem, WebSession};
use maud::html;
use std::sync::Arc;

impl Ctx {
    /// The signed-in admin, or 403 for anyone else.
    pub fn admin(&self) -> Result<&WebSession, Response> {
        let user = self.user()?;
        if user.admin {
            Ok(user)
        } else {
            Err(self.error(
                StatusCode::FORBIDDEN,
                self.lang
                    .t("Accès réservé aux administrateurs", "Admins only"),
                self.lang.t(
                    "Cette page est réservée aux administrateurs de la quarantaine.",
                    "This page is for quarantine admins.",
                ),
            ))
        }
    }

    /// Checks a form's anti-forgery token against the session's, and the
    /// `Origin` header when the browser sends one (the check is `web.rs`'s
    /// `csrf_holds`); the forgery page ([`Ctx::forgery`]) when they do not
    /// hold.
    pub fn check_csrf(&self, ui: &Ui, token: &str) -> Result<(), Response> {
        if self.csrf_holds(ui, token) {
            Ok(())
        } else {
            Err(self.forgery())
        }
    }

    /// 403 for a form that did not come from our page.
    pub fn forgery(&self) -> Response {
        self.error(
            StatusCode::FORBIDDEN,
            self.lang.t("Formulaire refusé", "Form refused"),
            self.lang.t(
                "Ce formulaire n'a pas été envoyé depuis une page d'Écluse, ou votre session a changé. Revenez à la page précédente, rechargez-la et recommencez.",
                "This form was not sent from an Écluse page, or your session changed. Go back, reload the page and try again.",
            ),
        )
    }

    /// 404 for an item that does not exist or is not theirs (the two look
    /// the same, so ids cannot be probed).
    pub fn not_found(&self) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            self.lang.t("Introuvable", "Not found"),
            self.lang.t(
                "Cette pièce jointe n'existe pas, a été supprimée, ou n'a pas été retenue pour vous.",
                "This attachment does not exist, was deleted, or was not held for you.",
            ),
        )
    }

    /// An error page.
    pub fn error(&self, status: StatusCode, title: &str, detail: &str) -> Response {
        self.error_back(
            status,
            title,
            detail,
            "/",
            self.lang.t("Retour à l'accueil", "Back to the start page"),
        )
    }

    /// An error page whose link goes back to `href` (the item's page, to
    /// see its state or fill the form again), named `back`.
    pub fn error_back(
        &self,
        status: StatusCode,
        title: &str,
        detail: &str,
        href: &str,
        back: &str,
    ) -> Response {
        let body = layout::page(
            self,
            title,
            html! {
                h1 { (title) }
                p { (detail) }
                p { a href=(href) { (back) } }
            },
        );
        (status, body).into_response()
    }

    /// [`Ctx::store_error`] for a failure on `item`, whose page is at
    /// `href`: a state conflict says the state in words and in the item's
    /// gender (« la pièce jointe … ; elle est maintenant libérée », « le
    /// message … ; il est maintenant libéré »), with a link back to it.
    pub fn item_error(
        &self,
        e: &ecluse_quarantine::Error,
        item: &HeldItem,
        href: &str,
    ) -> Response {
        match e {
            ecluse_quarantine::Error::IllegalTransition { status, .. } => self.error_back(
                StatusCode::CONFLICT,
                self.lang.t("Action impossible", "Not possible"),
                &state_conflict(self.lang, *status, whole(item)),
                href,
                of_item(
                    self.lang,
                    item,
                    ("Retour à la pièce jointe", "Retour au message"),
                    ("Back to the attachment", "Back to the message"),
                ),
            ),
            other => self.store_error(other),
        }
    }

    /// Maps a store failure to the page the person should see.
    pub fn store_error(&self, e: &ecluse_quarantine::Error) -> Response {
        use ecluse_quarantine::Error as E;
        match e {
            E::NoSuchItem(_) | E::NoSuchMessage(_) => self.not_found(),
            E::Forbidden { .. } => self.not_found(),
            // Said of an attachment: a handler that knows the item (and
            // so whether it is a message held whole) uses `item_error`.
            E::IllegalTransition { status, .. } => self.error(
                StatusCode::CONFLICT,
                self.lang.t("Action impossible", "Not possible"),
                &state_conflict(self.lang, *status, false),
            ),
            other => store_failure(self.lang, other),
        }
    }
}

/// Any other path.
pub async fn not_found(ctx: Ctx, State(_ui): State<Arc<Ui>>) -> Response {
    ctx.error(
        StatusCode::NOT_FOUND,
        ctx.lang.t("Page introuvable", "Page not found"),
        ctx.lang.t(
            "Cette adresse ne mène à aucune page d'Écluse.",
            "No Écluse page has this address.",
        ),
    )
}
