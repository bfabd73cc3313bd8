//! The SAML 2.0 service provider (samael, with xmlsec).
//!
//! What samael does not do, we do here: refuse IdP metadata without a
//! signing certificate (samael would accept an unsigned, forged answer),
//! always set our entity id (samael checks the audience only then), keep the
//! ids of the requests we sent on the server (a `SameSite=Lax` cookie would
//! not come back with the IdP's cross-site POST) and take each one once, and
//! remember the ids of the assertions we accepted, so that a captured
//! assertion cannot be played again.

use crate::pages::login::open_session;
use crate::web::{Ctx, NextQuery, Page, local_path, random_token};
use crate::{SamlConfig, Ui, UiError};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use ecluse_quarantine::{AuditAction, SignIn, WebSession};
use samael::crypto::AllowedSignatureAlgorithm as Alg;
use samael::metadata::{EntityDescriptor, HTTP_REDIRECT_BINDING};
use samael::schema::Assertion;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use std::sync::{Arc, Mutex};

/// How long a sign-in started here may take at the IdP.
pub const REQUEST_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(10 * 60);
/// How long the id of an accepted assertion is remembered (longer than any
/// assertion stays valid).
pub const ASSERTION_MEMORY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// The largest `SAMLResponse` accepted, in bytes of base64.
pub const MAX_RESPONSE: usize = 512 * 1024;

/// Our service provider, built once at start-up.
pub struct Sp {
    sp: ServiceProvider,
    sso_url: String,
    config: SamlConfig,
    /// libxml2 and xmlsec are driven from one thread at a time.
    verify_lock: Mutex<()>,
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
            Ok(Some(certs)) if !certs.is_empty() => {}
            _ => return Err(UiError::NoSigningCertificate),
        }
        let sso_url = sp
            .sso_binding_location(HTTP_REDIRECT_BINDING)
            .ok_or(UiError::NoSsoAddress)?;
        Ok(Sp {
            sp,
            sso_url,
            config: config.clone(),
            verify_lock: Mutex::new(()),
        })
    }

    /// Our metadata, for the IdP's administrator: entity id, the ACS
    /// (HTTP-POST), signed assertions wanted. (samael's own metadata insists
    /// on a single-logout address, which Écluse does not have.)
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
                r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>"#,
                r#"</md:SPSSODescriptor></md:EntityDescriptor>"#,
                "\n"
            ),
            entity = esc(&self.config.sp_entity_id),
            acs = esc(self.sp.acs_url.as_deref().unwrap_or_default()),
        )
    }

    /// Checks a response (signature, destination, issuer, time, audience,
    /// recipient, `InResponseTo` = `request_id`) and returns its assertion.
    fn verify(&self, xml: &str, request_id: &str) -> Result<Assertion, String> {
        let _guard = self.verify_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.sp
            .parse_xml_response(xml, Some(&[request_id]))
            .map_err(|e| e.to_string())
    }

    /// The values of attribute `name` (by Name or FriendlyName).
    fn attribute(&self, a: &Assertion, name: &str) -> Vec<String> {
        a.attribute_statements
            .iter()
            .flatten()
            .flat_map(|s| &s.attributes)
            .filter(|at| {
                at.name.as_deref() == Some(name) || at.friendly_name.as_deref() == Some(name)
            })
            .flat_map(|at| &at.values)
            .filter_map(|v| v.value.as_deref())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

fn saml(ui: &Ui, ctx: &Ctx) -> Result<(), Response> {
    if ui.saml.is_some() {
        Ok(())
    } else {
        Err(ctx.not_found())
    }
}

/// `GET /saml/metadata`.
pub async fn metadata(ctx: Ctx, State(ui): State<Arc<Ui>>) -> Page {
    saml(&ui, &ctx)?;
    let sp = ui.saml.as_ref().expect("checked");
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        sp.metadata_xml(),
    )
        .into_response())
}

/// `GET /saml/login?next=`: sends the browser to the IdP with a request whose
/// id we keep for ten minutes.
pub async fn login(ctx: Ctx, State(ui): State<Arc<Ui>>, Query(q): Query<NextQuery>) -> Page {
    saml(&ui, &ctx)?;
    let sp = ui.saml.as_ref().expect("checked");
    let mut request = sp
        .sp
        .make_authentication_request(&sp.sso_url)
        .map_err(|e| crate::web::internal(ctx.lang, &e))?;
    // samael's ids have 32 random bits; ours have 256.
    request.id = format!("_{}", random_token());
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
    Ok(Redirect::to(url.as_str()).into_response())
}

/// What the IdP posts to `/saml/acs`.
#[derive(serde::Deserialize)]
pub struct AcsForm {
    #[serde(rename = "SAMLResponse", default)]
    response: String,
    #[serde(rename = "RelayState", default)]
    relay_state: String,
}

/// `POST /saml/acs`: the IdP's answer.
pub async fn acs(ctx: Ctx, State(ui): State<Arc<Ui>>, Form(form): Form<AcsForm>) -> Page {
    saml(&ui, &ctx)?;
    match sign_in(&ui, &form).await {
        Ok(session) => open_session(&ui, &ctx, session, &form.relay_state).await,
        Err(reason) => {
            tracing::warn!(peer = %ctx.ip, %reason, "SAML sign-in refused");
            let actor = ctx.actor("saml");
            let detail = format!("SAML answer refused: {reason}");
            let _ = ui
                .blocking(move |s| s.audit(&actor, AuditAction::LoginFailed, None, &detail))
                .await;
            let l = ctx.lang;
            Err(ctx.error(
                StatusCode::FORBIDDEN,
                l.t("La connexion a échoué", "Sign-in failed"),
                l.t(
                    "La réponse du service d'authentification de la mairie a été refusée (périmée, déjà utilisée, modifiée ou incomplète). Recommencez la connexion depuis la page d'accueil ; si cela se reproduit, prévenez l'administrateur.",
                    "The town hall's sign-in service's answer was refused (stale, already used, altered or incomplete). Start signing in again from the start page; if it happens again, tell the administrator.",
                ),
            ))
        }
    }
}

/// Checks the answer and makes the session it grants; the error is for the log.
async fn sign_in(ui: &Arc<Ui>, form: &AcsForm) -> Result<WebSession, String> {
    let sp = ui.saml.as_ref().expect("checked");
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
    // Only to find which of our requests it answers; everything is checked below.
    let unverified: samael::schema::Response = xml
        .parse()
        .map_err(|e| format!("not a SAML response: {e}"))?;
    let request_id = unverified
        .in_response_to
        .ok_or("the response answers no request of ours (IdP-initiated sign-in is not accepted)")?;
    let id = request_id.clone();
    let pending = ui
        .blocking(move |store| store.saml_request_take(&id))
        .await
        .map_err(|e| e.to_string())?;
    if !pending {
        return Err(format!(
            "InResponseTo {request_id} is not a pending request of ours (unknown, already answered, or older than 10 minutes)"
        ));
    }
    let ui2 = ui.clone();
    let assertion = tokio::task::spawn_blocking(move || {
        ui2.saml
            .as_ref()
            .expect("checked")
            .verify(&xml, &request_id)
    })
    .await
    .map_err(|e| e.to_string())??;
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
    let admin = in_group(&groups, &c.admin_group);
    let display_name = sp
        .attribute(&assertion, &c.name_attribute)
        .into_iter()
        .next()
        .unwrap_or_else(|| emails[0].clone());
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
        via: SignIn::Saml,
        csrf: random_token(),
        created_at: now,
        last_seen: now,
    })
}

/// Whether `group` is among the values of the groups attribute. Most IdPs
/// send one value per group; LemonLDAP::NG may send its session's groups
/// as one value joined by `; ` (its `multiValuesSeparator`), so each value
/// is also read as such a list. Names match exactly, case included.
fn in_group(values: &[String], group: &str) -> bool {
    values
        .iter()
        .flat_map(|v| v.split(';'))
        .any(|g| g.trim() == group)
}

#[cfg(test)]
mod tests {
    use super::in_group;

    #[test]
    fn admin_group_one_value_per_group_or_joined() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(in_group(
            &v(&["agents", "quarantine-admins"]),
            "quarantine-admins"
        ));
        assert!(in_group(
            &v(&["agents; quarantine-admins; dsi"]),
            "quarantine-admins"
        ));
        assert!(!in_group(
            &v(&["agents; quarantine-admins-old"]),
            "quarantine-admins"
        ));
        assert!(!in_group(&v(&["Quarantine-Admins"]), "quarantine-admins"));
        assert!(!in_group(&v(&[]), "quarantine-admins"));
    }
}
