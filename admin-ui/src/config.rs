//! What the UI is told by `ecluse.toml` (`[admin]`, `[admin.saml]`,
//! `[admin.local]`); the gateway reads the file, this crate checks the
//! SAML and password parts when [`crate::Ui::new`] builds the UI.

use std::fmt;
use std::time::Duration;

/// The UI's settings.
#[derive(Debug, Clone)]
pub struct UiConfig {
    /// The UI's address as people reach it, without a trailing slash
    /// (`https://quarantaine.ville-exemple.fr`). The SAML addresses are made
    /// from it; an `https://` address makes cookies `Secure` and `__Host-`.
    pub public_url: String,
    /// Sign-in through the town's identity provider.
    pub saml: Option<SamlConfig>,
    /// The break-glass local admin, off unless configured.
    pub local: Option<LocalAdmin>,
    /// A session unused this long ends (default 30 minutes).
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not (default 10 hours).
    pub session_max: Duration,
    /// The UI of `ecluse demo` (default false): the sign-in page presents
    /// the local admin as the demo's way in, with the one-time password the
    /// demo printed, instead of as the emergency account.
    pub demo: bool,
    /// The configuration's `[[policy.exception]]` and `[[policy.block]]`,
    /// listed read-only beside those admins add.
    pub sender_rules: Vec<ecluse_quarantine::SenderRule>,
}

impl UiConfig {
    /// Settings with the default timeouts and no sign-in method yet.
    pub fn new(public_url: &str) -> UiConfig {
        UiConfig {
            public_url: public_url.trim_end_matches('/').to_string(),
            saml: None,
            local: None,
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(10 * 3600),
            demo: false,
            sender_rules: Vec::new(),
        }
    }

    /// Whether the UI is served over HTTPS (cookies are then `Secure`).
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// `[admin.saml]`.
#[derive(Debug, Clone)]
pub struct SamlConfig {
    /// The IdP's metadata XML (read from the file or address in the config).
    pub idp_metadata: String,
    /// Our entity id, which the IdP puts in the audience of its assertions.
    pub sp_entity_id: String,
    /// The attribute with the person's mail address(es).
    pub email_attribute: String,
    /// The attribute with the name to greet them with.
    pub name_attribute: String,
    /// The attribute with their groups.
    pub groups_attribute: String,
    /// The group whose members are admins.
    pub admin_group: String,
    /// The separator with which the IdP joins several groups into one
    /// value (LemonLDAP::NG's `multiValuesSeparator`, `; `, trimmed to
    /// `;`). `None` (the default): each value is one group, taken whole,
    /// so a group named `x;quarantine-admins` is not `quarantine-admins`.
    pub groups_separator: Option<String>,
    /// Whether an attribute also matches by its `FriendlyName` (default
    /// false: by `Name` only, the attribute's authoritative identifier,
    /// SAML 2.0 core §2.7.3.1; a friendly name is for display).
    pub match_friendly_name: bool,
    /// How far the IdP's clock may be from ours.
    pub clock_skew: Duration,
    /// How old an answer from the IdP may be when it reaches us.
    pub max_age: Duration,
}

impl SamlConfig {
    /// Settings with the usual attribute names, 60 s of clock skew and
    /// answers at most 90 s old.
    pub fn new(idp_metadata: String, sp_entity_id: String) -> SamlConfig {
        SamlConfig {
            idp_metadata,
            sp_entity_id,
            email_attribute: "email".into(),
            name_attribute: "displayName".into(),
            groups_attribute: "groups".into(),
            admin_group: "quarantine-admins".into(),
            groups_separator: None,
            match_friendly_name: false,
            clock_skew: Duration::from_secs(60),
            max_age: Duration::from_secs(90),
        }
    }
}

/// `[admin.local]`: one admin account that works when the IdP does not.
#[derive(Clone)]
pub struct LocalAdmin {
    /// The user name.
    pub username: String,
    /// Its argon2 hash (PHC string), from `ecluse admin hash-password`.
    pub password_hash: String,
}

impl fmt::Debug for LocalAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalAdmin")
            .field("username", &self.username)
            .field("password_hash", &"<argon2 hash>")
            .finish()
    }
}
