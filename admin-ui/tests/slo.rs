//! Single logout and the break-glass address at the router (issue 29,
//! shared reception PCs): what the SP metadata publishes, hostile
//! `/saml/slo` queries refused without a panic or a store write, the
//! break-glass form off the agents' page. The whole round trip through a
//! real IdP and Chromium is in `tests/tests/admin_ui.rs`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use ecluse_admin_ui::{LocalAdmin, SamlConfig, Ui, UiConfig, router};
use ecluse_quarantine::Store;
use std::io::Write;
use std::sync::Arc;
use tower::ServiceExt;

const PUBLIC: &str = "https://quarantaine.ville-exemple.fr";

fn metadata(slo: bool) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["idp.example".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let cert = base64::engine::general_purpose::STANDARD.encode(cert.der());
    let slo = if slo {
        r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/slo"/>"#
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/metadata"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{slo}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

fn app(local: bool) -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let mut c = UiConfig::new(PUBLIC);
    c.saml = Some(SamlConfig::new(
        metadata(true),
        format!("{PUBLIC}/saml/metadata"),
    ));
    if local {
        c.local = Some(LocalAdmin {
            username: "secours".into(),
            password_hash: ecluse_admin_ui::hash_password("une phrase de secours"),
        });
    }
    let ui = Ui::new(store, c).unwrap();
    (dir, router(Arc::new(ui)))
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let req = Request::get(path)
        .header(header::ACCEPT_LANGUAGE, "fr")
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).to_string())
}

fn deflated_b64(xml: &str) -> String {
    let mut out = Vec::new();
    let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::default());
    enc.write_all(xml.as_bytes()).unwrap();
    enc.finish().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&out);
    b64.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[tokio::test]
async fn the_sp_metadata_publishes_its_single_logout_address() {
    let (_d, app) = app(false);
    let (status, xml) = get(&app, "/saml/metadata").await;
    assert_eq!(status, StatusCode::OK);
    let slo = format!(
        r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{PUBLIC}/saml/slo"/>"#
    );
    let at = xml.find(&slo).unwrap_or_else(|| panic!("{xml}"));
    // The schema's order: SingleLogoutService before the ACS.
    assert!(at < xml.find("AssertionConsumerService").unwrap(), "{xml}");
}

#[tokio::test]
async fn the_break_glass_form_is_at_its_own_address_not_on_the_agents_page() {
    let (_d, app) = app(true);
    let (status, login) = get(&app, "/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(login.contains("/saml/login"), "{login}");
    for hidden in [
        "password",
        "Compte de secours",
        "/admin/break-glass",
        "/login/local",
    ] {
        assert!(!login.contains(hidden), "{hidden}: {login}");
    }
    let (status, page) = get(&app, "/admin/break-glass").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"action="/admin/break-glass""#), "{page}");
    assert!(page.contains(r#"name="password""#), "{page}");
    assert!(!page.contains("/saml/login"), "{page}");
    // Without a break-glass account, nothing there.
    let (_d2, no_local) = app_without_local();
    assert_eq!(
        get(&no_local, "/admin/break-glass").await.0,
        StatusCode::NOT_FOUND
    );
}

fn app_without_local() -> (tempfile::TempDir, axum::Router) {
    app(false)
}

#[tokio::test]
async fn hostile_logout_messages_are_refused_without_effect() {
    let (_d, app) = app(false);
    let idp = "https://idp.example/metadata";
    let slo = format!("{PUBLIC}/saml/slo");
    let response = |irt: &str, issuer: &str, dest: &str| {
        format!(
            r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" Destination="{dest}" InResponseTo="{irt}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>"#
        )
    };
    let bomb = {
        // 10 MB of zeros deflates to about 10 KB: inflation stops at 64 KiB.
        let zeros = "0".repeat(10 << 20);
        deflated_b64(&zeros)
    };
    let doctype = deflated_b64(&format!(
        "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        response("_slo-x", idp, &slo)
    ));
    let cases = vec![
        "/saml/slo".to_string(),
        "/saml/slo?SAMLResponse=%%%".to_string(),
        "/saml/slo?SAMLResponse=bm90IGRlZmxhdGVk".to_string(),
        format!("/saml/slo?SAMLResponse={bomb}"),
        format!("/saml/slo?SAMLResponse={doctype}"),
        // Unknown request, a sign-in request's id, another issuer, another
        // destination, a signature that is not the IdP's.
        format!(
            "/saml/slo?SAMLResponse={}",
            deflated_b64(&response("_slo-unknown", idp, &slo))
        ),
        format!(
            "/saml/slo?SAMLResponse={}",
            deflated_b64(&response("_abc", idp, &slo))
        ),
        format!(
            "/saml/slo?SAMLResponse={}",
            deflated_b64(&response("_slo-x", "https://evil.example", &slo))
        ),
        format!(
            "/saml/slo?SAMLResponse={}",
            deflated_b64(&response("_slo-x", idp, "https://evil.example/slo"))
        ),
        format!(
            "/saml/slo?SAMLResponse={}&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=AAAA",
            deflated_b64(&response("_slo-x", idp, &slo))
        ),
        format!(
            "/saml/slo?SAMLResponse={}&SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1&Signature=AAAA",
            deflated_b64(&response("_slo-x", idp, &slo))
        ),
        // A request naming nobody.
        format!(
            "/saml/slo?SAMLRequest={}",
            deflated_b64(&format!(
                r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_q" Version="2.0"><saml:Issuer>{idp}</saml:Issuer></samlp:LogoutRequest>"#
            ))
        ),
    ];
    for path in cases {
        let (status, page) = get(&app, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {page}");
        assert!(
            page.contains("Message de déconnexion refusé"),
            "{path}: {page}"
        );
        assert!(
            page.contains("fermez toutes les fenêtres du navigateur"),
            "{page}"
        );
    }
}
