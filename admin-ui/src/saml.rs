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
use std::sync::Arc;
use std::time::Duration;

/// How long a sign-in started here may take at the IdP.
pub const REQUEST_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(10 * 60);
/// How long the id of an accepted assertion is remembered (longer than any
/// assertion stays valid).
pub const ASSERTION_MEMORY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// The largest `SAMLResponse` accepted, in bytes of base64 (an answer with
/// hundreds of group values stays well under it).
pub const MAX_RESPONSE: usize = 256 * 1024;
/// How long the ACS waits for a signature verification before refusing
/// the answer (an honest one takes milliseconds).
pub const VERIFY_DEADLINE: Duration = Duration::from_millis(800);
/// Verifications running at once; past that, an answer waits for a place
/// until [`VERIFY_DEADLINE`], so a flood cannot take every blocking thread.
pub const MAX_VERIFICATIONS: usize = 4;

/// Our service provider, built once at start-up.
pub struct Sp {
    sp: ServiceProvider,
    sso_url: String,
    config: SamlConfig,
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
        Ok(Sp {
            sp,
            sso_url,
            config: config.clone(),
            verifying: Arc::new(tokio::sync::Semaphore::new(MAX_VERIFICATIONS)),
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

/// The non-blank values, trimmed, of the attributes named `name`: matched
/// by `Name`, and by `FriendlyName` too only when `friendly` (`[admin.saml]
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
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
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

/// `POST /saml/acs`: the IdP's answer. Anyone can post here: failures
/// count against the address as the local admin's do ([`crate::local`]),
/// and past the limit answers are refused unread.
pub async fn acs(ctx: Ctx, State(ui): State<Arc<Ui>>, Form(form): Form<AcsForm>) -> Page {
    saml(&ui, &ctx)?;
    let l = ctx.lang;
    let keys = [ctx.ip.as_str()];
    let allowed = ui
        .acs_guard
        .allowed(&keys)
        .map_err(|e| crate::web::store_failure(l, &e))?;
    if !allowed {
        tracing::warn!(peer = %ctx.ip, "SAML sign-in refused: too many failed answers from this address");
        return Err(crate::local::too_many_attempts(
            &ui,
            &ctx,
            "saml".into(),
            "SAML answer refused unread: too many failed sign-ins from this address",
        )
        .await);
    }
    // Counted before any work, so that answers posted at once from one
    // address cannot all pass the check above; forgiven on success and
    // when the server, not the answer, was the trouble.
    ui.acs_guard.failed(&keys);
    match sign_in(&ui, &form).await {
        Ok(session) => {
            ui.acs_guard.forgive(&keys);
            open_session(&ui, &ctx, session, &form.relay_state).await
        }
        Err(refusal) => {
            if refusal.busy {
                ui.acs_guard.forgive(&keys);
            }
            let reason = refusal.reason;
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
                    "La réponse du service d'authentification de la mairie a été refusée (périmée, déjà utilisée, modifiée ou incomplète). Recommencez la connexion depuis la page d'accueil ; si cela se reproduit, prévenez l'administrateur.",
                    "The town hall's sign-in service's answer was refused (stale, already used, altered or incomplete). Start signing in again from the start page; if it happens again, tell the administrator.",
                ),
            ))
        }
    }
}

/// Why an answer was refused, for the log; `busy` when the server had no
/// place or time to verify it (not held against the address).
struct Refusal {
    reason: String,
    busy: bool,
}

impl From<String> for Refusal {
    fn from(reason: String) -> Refusal {
        Refusal {
            reason,
            busy: false,
        }
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Refusal {
        Refusal::from(reason.to_string())
    }
}

/// Checks the answer and makes the session it grants; the error is for the log.
async fn sign_in(ui: &Arc<Ui>, form: &AcsForm) -> Result<WebSession, Refusal> {
    let sp = ui.saml.as_ref().expect("checked");
    if form.response.len() > MAX_RESPONSE {
        return Err(format!("SAMLResponse larger than {MAX_RESPONSE} bytes").into());
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
    let id = request_id.clone();
    let pending = ui
        .blocking(move |store| store.saml_request_pending(&id))
        .await
        .map_err(|e| e.to_string())?;
    if !pending {
        return Err(format!(
            "InResponseTo {request_id} is not a pending request of ours (unknown, already answered, or older than 10 minutes)"
        ).into());
    }
    let ui2 = ui.clone();
    let rid = request_id.clone();
    let assertion = bounded(ui, move || {
        ui2.saml.as_ref().expect("checked").verify(&xml, &rid)
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
        )
        .into());
    }
    let assertion_id = assertion.id.clone();
    let first = ui
        .blocking(move |store| {
            store.assertion_first_use(&assertion_id, store.now() + ASSERTION_MEMORY)
        })
        .await
        .map_err(|e| e.to_string())?;
    if !first {
        return Err(format!("assertion {} was already used: replay", assertion.id).into());
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
        ).into());
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
        admin_of,
        via: SignIn::Saml,
        csrf: random_token(),
        created_at: now,
        last_seen: now,
    })
}

/// Runs `work` (the check of an answer, its verification) on a blocking
/// thread once one of [`MAX_VERIFICATIONS`] places is free, waiting at most
/// [`VERIFY_DEADLINE`] for the place and the result together. Work given up
/// on finishes in the background, holding its place until then; nothing it
/// returns is used. Running out of places or time is `busy`: the server's
/// trouble, not held against the address.
async fn bounded<T: Send + 'static>(
    ui: &Arc<Ui>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Refusal> {
    let sp = ui.saml.as_ref().expect("checked");
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
        Ok(result) => result.map_err(Refusal::from),
        Err(_) => Err(Refusal {
            reason: format!(
                "the answer could not be checked within {} ms (too many answers at once, or one built to be slow)",
                VERIFY_DEADLINE.as_millis()
            ),
            busy: true,
        }),
    }
}

/// Whether `group` is among the values of the groups attribute. Most IdPs
/// send one value per group, taken whole; with `separator` set (`[admin.saml]
/// groups_separator`, for LemonLDAP::NG, which may join a session's groups
/// as one value with its `multiValuesSeparator`), each value is also split
/// on it and each piece trimmed. Names match exactly, case included.
fn in_group(values: &[String], group: &str, separator: Option<&str>) -> bool {
    values.iter().any(|v| match separator {
        Some(sep) => v.split(sep).any(|g| g.trim() == group),
        None => v == group,
    })
}

#[cfg(test)]
mod tests {
    use super::{in_group, values_of};
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
        assert_eq!(values_of(list.iter(), "displayName", false), ["Alice"]);
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
}
