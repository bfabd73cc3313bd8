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
    /// `[[tenant]]`: the communes this Écluse serves; empty for a
    /// configuration without tenants (one implicit tenant, whose admins
    /// administer everything).
    pub tenants: Vec<UiTenant>,
}

/// What the UI knows of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiTenant {
    /// Its id (`chamalieres`).
    pub id: String,
    /// The commune's name (« Mairie de Chamalières »).
    pub name: String,
    /// The SAML group of its admins.
    pub admin_group: Option<String>,
    /// Its mail domains: an agent's sign-ins go to the chain of the
    /// tenant of their address.
    pub domains: Vec<String>,
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
            tenants: Vec::new(),
        }
    }

    /// The name of tenant `id` (its id when it is not configured, such as
    /// `default` for records written before tenants).
    pub fn tenant_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.tenants
            .iter()
            .find(|t| t.id == id)
            .map_or(id, |t| t.name.as_str())
    }

    /// The tenant of a mail address, by its domain.
    pub fn tenant_of(&self, address: &str) -> Option<&UiTenant> {
        let domain = address.rsplit_once('@')?.1.trim_end_matches('.');
        self.tenants
            .iter()
            .find(|t| t.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)))
    }

    /// The tenant whose audit chain records what `session` does outside
    /// any item (its sign-in, its sign-out): a commune admin's first
    /// tenant, an agent's by their address; `None` for a service admin
    /// (the service's chain) and without tenants.
    pub fn session_tenant(&self, session: &ecluse_quarantine::WebSession) -> Option<String> {
        if self.tenants.is_empty() || session.is_service_admin() {
            return None;
        }
        if session.admin {
            return session.admin_tenants().and_then(|t| t.first().cloned());
        }
        session
            .emails
            .iter()
            .find_map(|e| self.tenant_of(e))
            .map(|t| t.id.clone())
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
    /// The group whose members are admins: of everything (without
    /// tenants, or when set beside them); empty for none.
    pub admin_group: String,
    /// `service_admin_group`: the group whose members administer every
    /// tenant (a departmental service's team).
    pub service_admin_group: Option<String>,
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
            service_admin_group: None,
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
