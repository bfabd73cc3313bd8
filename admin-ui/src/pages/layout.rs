//! The frame of every page: skip link, header with the navigation, the
//! language switch and sign-out, then the content.

use crate::web::{Ctx, url_encode};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// A whole page around `content`.
pub fn page(ctx: &Ctx, title: &str, content: Markup) -> Response {
    let l = ctx.lang;
    let user = ctx.session.as_ref().map(|(_, s)| s);
    let other = match l {
        crate::web::Lang::Fr => ("en", "English"),
        crate::web::Lang::En => ("fr", "Français"),
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Écluse" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#contenu" { (l.t("Aller au contenu", "Skip to content")) }
                header {
                    p.brand { a href="/" { "Écluse" } " · " (l.t("quarantaine des pièces jointes", "attachment quarantine")) }
                    @if let Some(u) = user {
                        nav aria-label=(l.t("Menu principal", "Main menu")) {
                            ul {
                                li { a href="/" { (l.t("Mes pièces jointes retenues", "My held attachments")) } }
                                @if u.admin {
                                    li { a href="/admin" { (l.t("File d'attente", "Queue")) } }
                                    li { a href="/admin/dashboard" { (l.t("Tableau de bord", "Dashboard")) } }
                                    li { a href="/admin/exceptions" { (l.t("Exceptions", "Exceptions")) } }
                                    li { a href="/admin/audit" { (l.t("Journal d'audit", "Audit log")) } }
                                }
                            }
                        }
                    }
                    div.account {
                        a href={ "/lang/" (other.0) "?next=" (url_encode(&ctx.path)) } lang=(other.0) { (other.1) }
                        @if let Some(u) = user {
                            span { (u.display_name) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(u.csrf);
                                button type="submit" { (l.t("Se déconnecter", "Sign out")) }
                            }
                        }
                    }
                }
                main id="contenu" tabindex="-1" { (content) }
            }
        }
    };
    Html(markup.into_string()).into_response()
}
