//! `ecluse-admin-ui`: the web face of Écluse. Agents sign in through the
//! town's SAML identity provider, see the attachments held for them and ask
//! for them back (or take them back, where the policy allows); admins review
//! the scan report and release or deny. Pages are rendered on the server,
//! French first, and every action goes through [`ecluse_quarantine::Store`],
//! which audits it.
//!
//! `ecluse serve` mounts [`router`] on `[admin] listen`, beside `/healthz`
//! and `/metrics`.
//!
//! # Layout
//!
//! From the bottom up: each module imports only modules listed before it,
//! and none imports this file, which keeps the crate's docs, the `pub use`
//! re-exports (the gateway's paths: [`Ui`], [`UiError`], [`check`],
//! [`EngineStatus`] …) and [`router`].
//!
//! - [`error`]: [`UiError`], why the UI could not be set up.
//! - [`config`]: [`UiConfig`], the SAML and break-glass settings, checked at
//!   start-up ([`Ui::new`] refuses IdP metadata without a signing
//!   certificate).
//! - [`xmldsig`]: what a posted SAML answer may ask of the signature
//!   library (same-document references, SAML's transforms), checked before
//!   any signature work; libxml2 and xmlsec kept from opening URLs and files.
//! - [`download`]: the encrypted ZIP an admin downloads.
//! - [`audit_words`]: the audit log's details in the reader's language.
//! - [`local`]: the break-glass local admin's primitives (its form is at
//!   [`pages::login::BREAK_GLASS_PATH`], not on the agents' page): argon2
//!   hashes, attempts counted before the work (per address and per name),
//!   password checks bounded, refusals remembered once per address and
//!   window.
//! - [`sp`]: the SAML service provider without request handling
//!   ([`sp::Sp`], from the IdP's metadata), the attributes it reads, the
//!   limits on sign-ins ([`sp::Starts`]), our single-logout address.
//! - [`state`]: [`Ui`] (the store, the configuration, the service provider,
//!   the sign-in counters), the engines' state for the dashboard, [`check`],
//!   the zone pages give times in.
//! - [`web`]: the visitor ([`web::Ctx`]), sessions, cookies, the CSRF check,
//!   security headers, languages, URLs; the client's address behind trusted
//!   proxies; who may read `/metrics`; text from clients made safe for the
//!   log ([`web::printable`]); the pages without the frame for a store
//!   failure.
//! - [`pages`] (`pages/mod.rs`): the words every page uses (states,
//!   categories, actions, sizes).
//! - [`pages::layout`]: the frame of every page.
//! - [`pages::errors`]: the error pages, as methods of [`web::Ctx`]
//!   (`ctx.error(…)`, `ctx.not_found()` …), and the checks whose refusal is
//!   one of them (`ctx.admin()`, `ctx.check_csrf(…)`).
//! - [`signin`]: what the sign-in handlers share: opening the session, the
//!   `429` for a sign-in refused unread, the service provider or the page
//!   that says why there is none, the bounded work a SAML message is
//!   checked under.
//! - [`saml`]: SAML sign-in: metadata, SP-initiated login, the assertion
//!   consumer with server-side `InResponseTo` and a replay cache.
//! - [`slo`]: single logout (SAML core §3.7, HTTP-Redirect): « Se
//!   déconnecter » ends the IdP's session too, and the IdP's own logout
//!   requests end ours; what the page after sign-out says
//!   ([`slo::IdpState`]).
//! - [`pages::agent`]: an agent's held attachments, asking for them back.
//! - [`pages::rules`]: the admins' exceptions and blocks.
//! - [`pages::admin`]: queue, scan report, decisions, download, audit log,
//!   dashboard.
//! - [`pages::login`]: the sign-in page, the break-glass form, sign-out and
//!   the page after it.
//!
//! What this layout keeps:
//!
//! - `web.rs` and every module before it never import [`pages`], nor call
//!   a method the pages define: a check whose refusal is a page lives with
//!   the error pages, and `web.rs` only says whether it holds.
//! - [`sp`] never sees a request, a cookie or a page; the handlers that do
//!   ([`saml`], [`slo`]) build on it and never import each other: what both
//!   need is in [`signin`].
//! - Only the router names [`pages::login`]: the sign-in handlers hand it
//!   what it shows ([`slo::IdpState`]), never the reverse.

// Handlers answer `Result<Response, Response>`: the error is a whole page.
#![allow(clippy::result_large_err)]

pub mod audit_words;
pub mod config;
pub mod download;
pub mod error;
pub mod local;
pub mod pages;
pub mod saml;
pub mod signin;
pub mod slo;
pub mod sp;
pub mod state;
pub mod web;
pub mod xmldsig;

pub use config::{Cidr, LocalAdmin, Proxies, ProxyHeader, SamlConfig, Secret, UiConfig, UiTenant};
pub use error::UiError;
pub use local::hash_password;
pub use state::{ClamavStatus, EngineStatus, Engines, Ui, check};

use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// Every route of the UI, with the security headers on every answer.
pub fn router(ui: Arc<Ui>) -> Router {
    Router::new()
        .route("/", get(pages::agent::list))
        .route("/q/{id}", get(pages::agent::item))
        .route("/q/{id}/request", post(pages::agent::request))
        .route("/q/{id}/release", post(pages::agent::release))
        .route("/admin", get(pages::admin::queue))
        .route("/admin/items/{id}", get(pages::admin::item))
        .route("/admin/items/{id}/decide", post(pages::admin::decide))
        .route("/admin/items/{id}/download", post(pages::admin::download))
        .route("/admin/items/{id}/rule", post(pages::rules::add))
        .route("/admin/exceptions", get(pages::rules::list))
        .route("/admin/exceptions/{id}/delete", post(pages::rules::remove))
        .route("/admin/audit", get(pages::admin::audit))
        .route("/admin/dashboard", get(pages::admin::dashboard))
        .route("/login", get(pages::login::show))
        .route("/login/local", post(pages::login::local))
        .route(
            pages::login::BREAK_GLASS_PATH,
            get(pages::login::break_glass).post(pages::login::local),
        )
        .route("/logout", post(pages::login::logout))
        .route("/signed-out", get(pages::login::signed_out_page))
        .route("/lang/{lang}", get(web::switch_language))
        .route("/saml/metadata", get(saml::metadata))
        .route("/saml/login", get(saml::login))
        .route("/saml/acs", post(saml::acs))
        .route(sp::SLO_PATH, get(slo::slo))
        .route("/static/style.css", get(web::stylesheet))
        .fallback(pages::errors::not_found)
        .layer(axum::middleware::from_fn(web::security_headers))
        .with_state(ui)
}
