//! The SAML 2.0 service provider without request handling: [`Sp`], built
//! once from the IdP's metadata (refused without a signing certificate),
//! which checks an answer and reads its attributes exactly as sent; the
//! limits every sign-in is held to (the constants below, and [`Starts`],
//! the sign-ins started lately); our single-logout address ([`SLO_PATH`]);
//! and what a `LogoutRequest` needs from a verified answer
//! (`name_id_qualifiers`).
//!
//! This module never sees a request, a cookie or a page: the handlers
//! that do are in [`crate::saml`] (sign-in) and [`crate::slo`] (sign-out),
//! and both build on it.

use crate::config::SamlConfig;
use crate::error::UiError;
use libxml::tree::Node;
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
/// The largest `SAMLResponse` accepted, in bytes of base64: about 96 KB of
/// XML, where an answer with hundreds of group values takes 10 to 50. The
/// signature library's work on a hostile answer grows with its size (the
/// heaviest that [`crate::xmldsig::check`] lets through took 45 ms at
/// 256 KiB, 22 at this size, on two cores).
pub const MAX_RESPONSE: usize = 128 * 1024;
/// How long the ACS waits for a signature verification before refusing
/// the answer (an honest one takes milliseconds).
pub const VERIFY_DEADLINE: Duration = Duration::from_millis(800);
/// Verifications running at once; past that, an answer waits for a place
/// until [`VERIFY_DEADLINE`], so a flood cannot take every blocking thread.
pub const MAX_VERIFICATIONS: usize = 4;
/// Sign-ins one address (IPv6: one /64, [`crate::web::rate_key`]) may start
/// in [`REQUEST_LIFETIME`]; past it `GET /saml/login` answers `429` without
/// writing anything. A person signing in, failing at the IdP and trying
/// again a few times in several tabs stays far below it.
pub const MAX_STARTS_PER_ADDRESS: usize = 30;
/// Sign-ins started in [`REQUEST_LIFETIME`] from every address together,
/// in this process (so pending requests it wrote to the store, a few
/// hundred bytes each); past it `GET /saml/login` answers `503` without
/// writing anything. Also bounds [`Starts`]' own memory.
pub const MAX_PENDING_REQUESTS: usize = 10_000;
/// Sign-ins one browser may have started and not finished (its cookie
/// holds their secrets, newest first).
pub const MAX_BINDINGS: usize = 3;

/// Our single-logout address, under `public_url`.
pub const SLO_PATH: &str = "/saml/slo";

/// Our service provider, built once at start-up.
pub struct Sp {
    /// samael's service provider, over the IdP's metadata.
    pub(crate) sp: ServiceProvider,
    /// The IdP's single sign-on address (HTTP-Redirect binding).
    pub(crate) sso_url: String,
    pub(crate) config: SamlConfig,
    /// The IdP's entity id (the `Issuer` of its messages).
    pub(crate) idp_entity_id: String,
    /// The IdP's `SingleLogoutService` with the HTTP-Redirect binding:
    /// (`Location`, `ResponseLocation` if any); `None` when its metadata
    /// offers none, and « Se déconnecter » ends the local session only.
    pub(crate) idp_slo: Option<(String, Option<String>)>,
    /// The IdP's signing certificates, to check its logout messages with.
    pub(crate) idp_certs: Vec<samael::crypto::CertificateDer>,
    /// Our single-logout address, `{public_url}/saml/slo`.
    pub(crate) slo_url: String,
    /// Places for verifications running at once.
    pub(crate) verifying: Arc<tokio::sync::Semaphore>,
}

/// Our metadata, for the IdP's administrator: entity id, the single
/// logout address (HTTP-Redirect, SAML bindings §3.4), the ACS
/// (HTTP-POST), signed assertions wanted. The `SingleLogoutService`
/// comes before the ACS, as the metadata schema orders them. It needs
/// nothing from the IdP: `/saml/metadata` serves it while the IdP's own
/// metadata is not read yet, so that the IdP can be told about us first
/// (a deployment from the docs met a 503 there; issue 29).
pub fn metadata_xml(entity_id: &str, acs_url: &str, slo_url: &str) -> String {
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
            r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{slo}"/>"#,
            r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>"#,
            r#"</md:SPSSODescriptor></md:EntityDescriptor>"#,
            "\n"
        ),
        entity = esc(entity_id),
        slo = esc(slo_url),
        acs = esc(acs_url),
    )
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
        let idp_slo = sp
            .idp_metadata
            .idp_sso_descriptors
            .iter()
            .flatten()
            .flat_map(|d| &d.single_logout_services)
            .find(|e| e.binding == HTTP_REDIRECT_BINDING && config.single_logout)
            .map(|e| (e.location.clone(), e.response_location.clone()));
        Ok(Sp {
            idp_entity_id: sp.idp_metadata.entity_id.clone().unwrap_or_default(),
            idp_certs: sp.idp_signing_certs().ok().flatten().unwrap_or_default(),
            idp_slo,
            slo_url: format!("{public_url}{}", SLO_PATH),
            sp,
            sso_url,
            config: config.clone(),
            verifying: Arc::new(tokio::sync::Semaphore::new(MAX_VERIFICATIONS)),
        })
    }

    /// Our metadata, for the IdP's administrator: see [`metadata_xml`].
    pub fn metadata_xml(&self) -> String {
        metadata_xml(
            &self.config.sp_entity_id,
            self.sp.acs_url.as_deref().unwrap_or_default(),
            &self.slo_url,
        )
    }

    /// Checks a response (signature, destination, issuer, time, audience,
    /// recipient, `InResponseTo` = `request_id`) and returns its assertion.
    /// Blocking; [`crate::xmldsig::check`] must have passed first. libxml2
    /// and xmlsec are thread-safe once initialised (samael initialises them
    /// once, under its own lock), so verifications run side by side.
    pub(crate) fn verify(&self, xml: &str, request_id: &str) -> Result<Assertion, String> {
        self.sp
            .parse_xml_response(xml, Some(&[request_id]))
            .map_err(|e| e.to_string())
    }

    /// The values of attribute `name` in the assertion, see [`values_of`].
    pub(crate) fn attribute(&self, a: &Assertion, name: &str) -> Vec<String> {
        let attributes = a
            .attribute_statements
            .iter()
            .flatten()
            .flat_map(|s| &s.attributes);
        values_of(attributes, name, self.config.match_friendly_name)
    }
}

/// The non-empty values of the attributes named `name`, exactly as the
/// IdP sent them (not trimmed: a group `" admins-b"` is not `admins-b`, an
/// address `" dsi@…"` is nobody's): matched by `Name`, and by
/// `FriendlyName` too only when `friendly` (`[admin.saml]
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
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `group` is among the values of the groups attribute. Most IdPs
/// send one value per group, taken whole; with `separator` set (`[admin.saml]
/// groups_separator`, for LemonLDAP::NG, which may join a session's groups
/// as one value with its `multiValuesSeparator`, `; `), each value is also
/// split on it, one space after a separator belonging to the separator.
/// Names match exactly, case and spaces included: nothing is trimmed, so a
/// group `" admins-b"` (or `"x;  admins-b"`) is not `admins-b`.
pub(crate) fn in_group(values: &[String], group: &str, separator: Option<&str>) -> bool {
    values.iter().any(|v| match separator {
        Some(sep) => v.split(sep).enumerate().any(|(i, g)| {
            let g = if i > 0 {
                g.strip_prefix(' ').unwrap_or(g)
            } else {
                g
            };
            g == group
        }),
        None => v == group,
    })
}

/// Why a sign-in was not started ([`Starts::start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    /// This address started [`MAX_STARTS_PER_ADDRESS`] already.
    TooManyFromAddress,
    /// [`MAX_PENDING_REQUESTS`] are pending from everyone together.
    TooManyPending,
}

/// The sign-ins started in the last [`REQUEST_LIFETIME`] in this process,
/// oldest first, and how many of them each address started. In memory: a
/// start is not a failure, and counting it in the store would be the
/// write it is meant to bound. At most [`MAX_PENDING_REQUESTS`] entries.
#[derive(Default)]
pub struct Starts {
    inner: std::sync::Mutex<StartsInner>,
}

#[derive(Default)]
struct StartsInner {
    recent: std::collections::VecDeque<(jiff::Timestamp, String)>,
    per_address: std::collections::HashMap<String, usize>,
}

impl Starts {
    /// Counts a sign-in started by `key` (a [`crate::web::rate_key`]) at
    /// `now`, unless that address or everyone together is at its limit;
    /// starts older than [`REQUEST_LIFETIME`] are forgotten first.
    pub fn start(&self, key: &str, now: jiff::Timestamp) -> Result<(), StartRefused> {
        let since = now - REQUEST_LIFETIME;
        let mut s = self.inner.lock().expect("sign-in starts lock");
        while s.recent.front().is_some_and(|(at, _)| *at <= since) {
            let (_, old) = s.recent.pop_front().expect("a front entry");
            if let Some(n) = s.per_address.get_mut(&old) {
                *n -= 1;
                if *n == 0 {
                    s.per_address.remove(&old);
                }
            }
        }
        if s.per_address.get(key).copied().unwrap_or(0) >= MAX_STARTS_PER_ADDRESS {
            return Err(StartRefused::TooManyFromAddress);
        }
        if s.recent.len() >= MAX_PENDING_REQUESTS {
            return Err(StartRefused::TooManyPending);
        }
        s.recent.push_back((now, key.to_string()));
        *s.per_address.entry(key.to_string()).or_insert(0) += 1;
        Ok(())
    }
}

/// SAML's protocol namespace (`samlp:`, SAML core §3).
pub(crate) const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML's assertion namespace (`saml:`, SAML core §2).
pub(crate) const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// The `NameQualifier` and `SPNameQualifier` of the `NameID` in the
/// subject of the assertion `assertion_id` of a verified answer (samael
/// keeps only the value and the format); a `LogoutRequest` names the
/// subject with all of them (SAML core §3.7.1).
pub(crate) fn name_id_qualifiers(
    xml: &str,
    assertion_id: &str,
) -> (Option<String>, Option<String>) {
    let Ok(doc) = libxml::parser::Parser::default().parse_string(xml) else {
        return (None, None);
    };
    let Some(root) = doc.get_root_element() else {
        return (None, None);
    };
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if is(&node, ASSERTION, "Assertion")
            && node.get_attribute("ID").as_deref() == Some(assertion_id)
        {
            let name_id = children(&node, ASSERTION, "Subject")
                .into_iter()
                .flat_map(|s| children(&s, ASSERTION, "NameID"))
                .next();
            return match name_id {
                Some(n) => (
                    n.get_attribute("NameQualifier"),
                    n.get_attribute("SPNameQualifier"),
                ),
                None => (None, None),
            };
        }
        stack.extend(node.get_child_elements());
    }
    (None, None)
}

/// Whether `node` is the element `name` of the namespace `ns`.
pub(crate) fn is(node: &Node, ns: &str, name: &str) -> bool {
    node.get_name() == name && node.get_namespace().is_some_and(|n| n.get_href() == ns)
}

/// The child elements of `node` that are `name` of the namespace `ns`.
pub(crate) fn children(node: &Node, ns: &str, name: &str) -> Vec<Node> {
    node.get_child_elements()
        .into_iter()
        .filter(|c| is(c, ns, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_PENDING_REQUESTS, MAX_STARTS_PER_ADDRESS, REQUEST_LIFETIME, StartRefused, Starts,
        in_group, values_of,
    };
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
        assert_eq!(values_of(list.iter(), "displayName", false), ["  Alice  "]);
    }

    #[test]
    fn group_values_are_compared_exactly_never_trimmed() {
        // Issue 28: an IdP value " admins-b" made its holder B's admin.
        let at = |values: &[&str]| Attribute {
            friendly_name: None,
            name: Some("groups".into()),
            name_format: None,
            values: values
                .iter()
                .map(|v| AttributeValue {
                    attribute_type: None,
                    value: Some(v.to_string()),
                })
                .collect(),
        };
        let hostile = [at(&[" admins-b", "admins-b ", "admins-b\n", "\tadmins-b"])];
        let values = values_of(hostile.iter(), "groups", false);
        assert_eq!(values.len(), 4, "{values:?}");
        assert!(!in_group(&values, "admins-b", None), "{values:?}");
        assert!(!in_group(&values, "admins-b", Some(";")), "{values:?}");
        // Joined with LemonLDAP::NG's "; ": one space belongs to the
        // separator, and no more.
        let joined = |v: &str| vec![v.to_string()];
        assert!(in_group(&joined("agents; admins-b"), "admins-b", Some(";")));
        assert!(in_group(&joined("agents;admins-b"), "admins-b", Some(";")));
        assert!(!in_group(
            &joined("agents;  admins-b"),
            "admins-b",
            Some(";")
        ));
        assert!(!in_group(
            &joined("agents; admins-b "),
            "admins-b",
            Some(";")
        ));
        assert!(!in_group(
            &joined(" admins-b; agents"),
            "admins-b",
            Some(";")
        ));
        // An address is taken as sent too: " dsi@…" is nobody's.
        let mail = [Attribute {
            name: Some("email".into()),
            ..at(&[" dsi@ville-exemple.fr"])
        }];
        assert_eq!(
            values_of(mail.iter(), "email", false),
            [" dsi@ville-exemple.fr"]
        );
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

    #[test]
    fn sign_in_starts_are_bounded_per_address_and_in_total_over_the_request_lifetime() {
        let t0 = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let starts = Starts::default();
        for _ in 0..MAX_STARTS_PER_ADDRESS {
            assert_eq!(starts.start("192.0.2.1", t0), Ok(()));
        }
        assert_eq!(
            starts.start("192.0.2.1", t0),
            Err(StartRefused::TooManyFromAddress)
        );
        // Everyone together: as many as the cap, then 503 for a newcomer.
        let mut n = MAX_STARTS_PER_ADDRESS;
        let mut i = 0u32;
        while n < MAX_PENDING_REQUESTS {
            let key = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255);
            let later = t0 + jiff::SignedDuration::from_secs(60);
            for _ in 0..MAX_STARTS_PER_ADDRESS.min(MAX_PENDING_REQUESTS - n) {
                assert_eq!(starts.start(&key, later), Ok(()));
                n += 1;
            }
            i += 1;
        }
        let later = t0 + jiff::SignedDuration::from_secs(120);
        assert_eq!(
            starts.start("198.51.100.1", later),
            Err(StartRefused::TooManyPending)
        );
        assert_eq!(
            starts.start("192.0.2.1", later),
            Err(StartRefused::TooManyFromAddress)
        );
        {
            let inner = starts.inner.lock().unwrap();
            assert_eq!(inner.recent.len(), MAX_PENDING_REQUESTS);
            assert_eq!(
                inner.per_address.values().sum::<usize>(),
                MAX_PENDING_REQUESTS
            );
        }
        // Once the first ones are past their lifetime, their places free up,
        // the others' not yet.
        let after_first = t0 + REQUEST_LIFETIME + jiff::SignedDuration::from_secs(1);
        assert_eq!(starts.start("198.51.100.1", after_first), Ok(()));
        assert_eq!(starts.start("192.0.2.1", after_first), Ok(()));
        assert_eq!(
            starts.start("10.0.0.0", after_first),
            Err(StartRefused::TooManyFromAddress)
        );
        // All of them past: the memory is given back.
        let after_all = after_first + REQUEST_LIFETIME;
        assert_eq!(starts.start("192.0.2.9", after_all), Ok(()));
        let inner = starts.inner.lock().unwrap();
        assert_eq!(inner.recent.len(), 1);
        assert_eq!(inner.per_address.len(), 1);
    }
}
