//! A real SAML identity provider for the UI tests: Debian's SimpleSAMLphp,
//! served by `php -S` on 127.0.0.1, configured from scratch in a temp
//! directory with a fresh RSA certificate and two users (an agent and an
//! admin). By default it signs both the response and the assertion; a
//! [`Style`] makes it answer as ADFS or LemonLDAP::NG do, with their
//! attribute names and what each signs, as `docs/deploy.md` configures them.
//!
//! `clock_offset` runs it under `faketime` (e.g. `-5m`), so that what it
//! signs is already stale when it reaches us.
//!
//! It knows the SP's single-logout address (`/saml/slo` beside the ACS,
//! HTTP-Redirect, as Écluse's metadata publishes it) and signs its logout
//! messages (`sign.logout`), as `docs/deploy.md` advises.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The agent's sign-in.
pub const AGENT: (&str, &str) = ("agent", "mot-de-passe-agent");
/// The agent's address.
pub const AGENT_EMAIL: &str = "agent@ville-exemple.fr";
/// The admin's sign-in.
pub const ADMIN: (&str, &str) = ("admin", "mot-de-passe-admin");
/// Someone whose only claim to admin rights is a group named
/// `x;quarantine-admins` (not given by the LemonLDAP::NG style, whose
/// groups are joined with `; ` and configured so).
pub const INTRUDER: (&str, &str) = ("intrus", "mot-de-passe-intrus");
/// The intruder's address.
pub const INTRUDER_EMAIL: &str = "intrus@ville-exemple.fr";
/// The admin's address.
pub const ADMIN_EMAIL: &str = "dsi@ville-exemple.fr";
/// The group that makes an admin.
pub const ADMIN_GROUP: &str = "quarantine-admins";

/// How the IdP names attributes and what it signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Style {
    /// `email`, `displayName`, `groups` (one value per group); the
    /// response and the assertion signed.
    #[default]
    Plain,
    /// ADFS: claim type URIs as names (`uri` name format); only the
    /// assertion signed (ADFS's default).
    Adfs,
    /// LemonLDAP::NG exporting `mail`, `cn`, `groups` with the groups as
    /// one value joined by `; `; only the response signed.
    LemonLdap,
}

impl Style {
    /// The attribute names for the mail address, the display name and the
    /// groups, as `[admin.saml]` must name them.
    pub fn attributes(self) -> [&'static str; 3] {
        match self {
            Style::Plain => ["email", "displayName", "groups"],
            Style::Adfs => [
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                "http://schemas.xmlsoap.org/claims/Group",
            ],
            Style::LemonLdap => ["mail", "cn", "groups"],
        }
    }

    /// (signs the response, signs the assertion).
    fn signs(self) -> (bool, bool) {
        match self {
            Style::Plain => (true, true),
            Style::Adfs => (false, true),
            Style::LemonLdap => (true, false),
        }
    }
}

/// Where SimpleSAMLphp is installed by Debian.
pub const SIMPLESAMLPHP: &str = "/usr/share/simplesamlphp";

/// A running SimpleSAMLphp IdP.
pub struct Idp {
    /// Its configuration and logs.
    pub dir: tempfile::TempDir,
    /// Where `php -S` listens.
    pub addr: SocketAddr,
    /// Its base address as the browser reaches it (`http://idp.localhost:<port>`).
    pub base: String,
    child: Child,
}

fn php_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Idp {
    /// Starts an IdP for the SP whose entity id and ACS address are given.
    pub fn start(sp_entity_id: &str, acs_url: &str, clock_offset: Option<&str>) -> Idp {
        Idp::start_as(sp_entity_id, acs_url, clock_offset, Style::Plain)
    }

    /// [`Idp::start`], answering in the given [`Style`].
    pub fn start_as(
        sp_entity_id: &str,
        acs_url: &str,
        clock_offset: Option<&str>,
        style: Style,
    ) -> Idp {
        Idp::start_with_users(sp_entity_id, acs_url, clock_offset, style, &[])
    }

    /// [`Idp::start_as`] with more users: (login, password, mail address,
    /// display name, groups) each.
    pub fn start_with_users(
        sp_entity_id: &str,
        acs_url: &str,
        clock_offset: Option<&str>,
        style: Style,
        users: &[(&str, &str, &str, &str, &[&str])],
    ) -> Idp {
        assert!(
            Path::new(SIMPLESAMLPHP).join("www/index.php").exists(),
            "SimpleSAMLphp is not installed: run scripts/test, which installs the Debian packages simplesamlphp php-cli php-xml php-mbstring"
        );
        let dir = tempfile::tempdir().unwrap();
        let addr = crate::free_addr();
        let base = format!("http://idp.localhost:{}", addr.port());
        let d = dir.path();
        for sub in [
            "config", "metadata", "cert", "log", "data", "tmp", "sessions",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        // A fresh RSA key and certificate for signing.
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["idp.localhost".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test IdP");
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(d.join("cert/idp.crt"), cert.pem()).unwrap();
        std::fs::write(d.join("cert/idp.pem"), key.serialize_pem()).unwrap();

        let path = |p: &str| php_quote(&format!("{}/{p}/", d.display()));
        let config = format!(
            r#"<?php
$config = [
    'baseurlpath' => {base},
    'certdir' => {cert},
    'loggingdir' => {log},
    'datadir' => {data},
    'tempdir' => {tmp},
    'metadatadir' => {metadata},
    'technicalcontact_name' => 'Tests',
    'technicalcontact_email' => 'tests@ville-exemple.fr',
    'timezone' => 'UTC',
    'secretsalt' => {salt},
    'auth.adminpassword' => {salt},
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
    'logging.level' => SimpleSAML\Logger::DEBUG,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'session.cookie.secure' => false,
    'session.phpsession.cookiename' => 'IDPSESSION',
    'store.type' => 'phpsession',
    'language.default' => 'fr',
    'debug' => ['saml' => false, 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
];
"#,
            base = php_quote(&format!("{base}/")),
            cert = path("cert"),
            log = path("log"),
            data = path("data"),
            tmp = path("tmp"),
            metadata = path("metadata"),
            salt = php_quote(&format!("{:x}", rand_u128())),
        );
        std::fs::write(d.join("config/config.php"), config).unwrap();
        let [mail_attr, name_attr, groups_attr] = style.attributes();
        let user = |(name, password): (&str, &str), email: &str, display: &str, groups: &[&str]| {
            let groups = if style == Style::LemonLdap {
                php_quote(&groups.join("; "))
            } else {
                groups
                    .iter()
                    .map(|g| php_quote(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "        {} => ['uid' => [{}], {} => [{}], {} => [{}], {} => [{groups}]],\n",
                php_quote(&format!("{name}:{password}")),
                php_quote(name),
                php_quote(mail_attr),
                php_quote(email),
                php_quote(name_attr),
                php_quote(display),
                php_quote(groups_attr),
            )
        };
        let authsources = format!(
            "<?php\n$config = [\n    'admin' => ['core:AdminPassword'],\n    'users' => [\n        'exampleauth:UserPass',\n{}{}    ],\n];\n",
            user(AGENT, AGENT_EMAIL, "Alice Martin", &["agents"]),
            user(ADMIN, ADMIN_EMAIL, "Bruno Dsi", &["agents", ADMIN_GROUP]),
        );
        let authsources = if style == Style::LemonLdap {
            authsources
        } else {
            let intruder = user(
                INTRUDER,
                INTRUDER_EMAIL,
                "Ivan Trus",
                &["agents", &format!("x;{ADMIN_GROUP}")],
            );
            authsources.replacen("    ],\n];", &format!("{intruder}    ],\n];"), 1)
        };
        let more: String = users
            .iter()
            .map(|(login, password, email, display, groups)| {
                user((login, password), email, display, groups)
            })
            .collect();
        let authsources = authsources.replacen("    ],\n];", &format!("{more}    ],\n];"), 1);
        std::fs::write(d.join("config/authsources.php"), authsources).unwrap();
        let (sign_response, sign_assertion) = style.signs();
        let name_format = if style == Style::Adfs {
            "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
        } else {
            "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
        };
        let hosted = format!(
            "<?php\n$metadata['__DYNAMIC:1__'] = [\n    'host' => '__DEFAULT__',\n    'privatekey' => 'idp.pem',\n    'certificate' => 'idp.crt',\n    'auth' => 'users',\n    'saml20.sign.response' => {sign_response},\n    'saml20.sign.assertion' => {sign_assertion},\n    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',\n    'sign.logout' => true,\n    'attributes.NameFormat' => '{name_format}',\n];\n",
        );
        std::fs::write(d.join("metadata/saml20-idp-hosted.php"), hosted).unwrap();
        let remote = format!(
            "<?php\n$metadata[{}] = [\n    'AssertionConsumerService' => {},\n    'SingleLogoutService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'Location' => {}]],\n    'saml20.sign.response' => {sign_response},\n    'saml20.sign.assertion' => {sign_assertion},\n    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',\n    'simplesaml.nameidattribute' => 'uid',\n];\n",
            php_quote(sp_entity_id),
            php_quote(acs_url),
            php_quote(&acs_url.replace("/saml/acs", "/saml/slo")),
        );
        std::fs::write(d.join("metadata/saml20-sp-remote.php"), remote).unwrap();

        let log = std::fs::File::create(d.join("log/php-server.log")).unwrap();
        // A stale clock through libfaketime preloaded into php itself (not
        // the `faketime` wrapper, whose child php outlived a kill of it).
        let mut cmd = Command::new("php");
        if let Some(offset) = clock_offset {
            let lib = libfaketime();
            cmd.env("LD_PRELOAD", lib).env("FAKETIME", offset);
        }
        let child = cmd
            .arg("-d")
            .arg(format!(
                "session.save_path={}",
                d.join("sessions").display()
            ))
            .args(["-d", "display_errors=stderr", "-S"])
            .arg(addr.to_string())
            .arg("-t")
            .arg(format!("{SIMPLESAMLPHP}/www"))
            .env("SIMPLESAMLPHP_CONFIG_DIR", d.join("config"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("starting php -S (Debian package php-cli)");
        let idp = Idp {
            dir,
            addr,
            base,
            child,
        };
        idp.wait_ready();
        idp
    }

    /// Follows the sign-in button of the page `b` shows to this IdP and
    /// signs in there as `(user, password)`; SimpleSAMLphp posts the answer
    /// back with a script, whose button is pressed if the script has not
    /// done it within a second.
    pub async fn sign_in(&self, b: &crate::browser::Browser, (user, password): (&str, &str)) {
        b.click("a.button[href^='/saml/login']").await;
        b.wait_text("password").await;
        assert!(b.url().await.starts_with(&self.base), "{}", b.url().await);
        b.fill("#username", user).await;
        b.fill("#password", password).await;
        b.click("#submit_button").await;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if !b.url().await.starts_with(&self.base) {
                return;
            }
            if start.elapsed() > Duration::from_secs(1)
                && b.html().await.contains("postLoginSubmitButton")
            {
                b.click("#postLoginSubmitButton").await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The IdP's metadata address as our server fetches it (by IP: the
    /// server does not resolve `*.localhost` names).
    pub fn metadata_url(&self) -> String {
        format!("http://{}/saml2/idp/metadata.php", self.addr)
    }

    /// Its metadata without any `SingleLogoutService`: an IdP that offers
    /// no single logout, for the SP's configuration.
    pub fn metadata_without_slo(&self) -> String {
        let xml = http_get(self.addr, "/saml2/idp/metadata.php").expect("the IdP's metadata");
        let mut out = String::new();
        let mut rest = xml.as_str();
        while let Some(i) = rest.find("<md:SingleLogoutService") {
            out.push_str(&rest[..i]);
            let end = rest[i..]
                .find("/>")
                .expect("a self-closed SingleLogoutService");
            rest = &rest[i + end + 2..];
        }
        out.push_str(rest);
        assert!(!out.contains("SingleLogoutService") && out.contains("SingleSignOnService"));
        out
    }

    /// SimpleSAMLphp's page that ends its session (IdP-initiated logout
    /// towards every SP it signed the browser in to).
    pub fn logout_url(&self) -> String {
        format!(
            "{}/saml2/idp/SingleLogoutService.php?ReturnTo={}/module.php/core/welcome",
            self.base, self.base
        )
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        loop {
            if let Some(body) = http_get(self.addr, "/saml2/idp/metadata.php")
                && body.contains("IDPSSODescriptor")
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "SimpleSAMLphp did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The php server's and SimpleSAMLphp's logs.
    pub fn log(&self) -> String {
        let mut out = String::new();
        for f in ["log/php-server.log", "log/simplesamlphp.log"] {
            out.push_str(&std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default());
        }
        out
    }

    /// The directory of its files.
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// libfaketime's preload library, as Debian's `faketime` package installs it.
fn libfaketime() -> PathBuf {
    let found = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists());
    found.expect("libfaketime is not installed: run scripts/test, which installs the Debian package faketime")
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_u128() -> u128 {
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .unwrap();
    u128::from_le_bytes(b)
}

/// A plain HTTP/1.0 GET; the body, or `None` when nothing answered 200.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| body.to_string())
        .or_else(|| head.starts_with("HTTP/1.0 200").then(|| body.to_string()))
}

/// IdP metadata with a fresh signing certificate and a sign-on address
/// at `https://idp.localhost/sso`, for tests where no IdP answers.
pub fn stub_metadata() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["idp.localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD.encode(cert.der());
    format!(
        r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.localhost/metadata"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.localhost/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}
