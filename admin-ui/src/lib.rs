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
//! - [`config`]: [`UiConfig`], the SAML and break-glass settings, checked at
//!   start-up ([`Ui::new`] refuses IdP metadata without a signing
//!   certificate).
//! - [`saml`]: the service provider: metadata, SP-initiated login, the
//!   assertion consumer with server-side `InResponseTo` and a replay cache;
//!   sign-in starts bounded per address and in total ([`sp::Starts`]).
//! - [`slo`]: single logout (SAML core §3.7, HTTP-Redirect): « Se
//!   déconnecter » ends the IdP's session too, and the IdP's own logout
//!   requests end ours.
//! - [`xmldsig`]: what a posted SAML answer may ask of the signature
//!   library (same-document references, SAML's transforms), checked before
//!   any signature work; libxml2 and xmlsec kept from opening URLs and files.
//! - [`local`]: the break-glass local admin (its form at
//!   [`pages::login::BREAK_GLASS_PATH`], not on the agents' page): argon2 hashes, attempts
//!   counted before the work (per address and per name), password checks
//!   bounded, refusals audited once per address and window.
//! - [`web`]: sessions, cookies, CSRF, security headers, languages, errors;
//!   the client's address behind trusted proxies; who may read `/metrics`;
//!   text from clients made safe for the log ([`web::printable`]).
//! - [`pages`]: the pages themselves (maud templates).
//! - [`download`]: the encrypted ZIP an admin downloads.
//! - [`audit_words`]: the audit log's details in the reader's language.

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
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn(web::security_headers))
        .with_state(ui)
}
