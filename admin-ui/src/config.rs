//! What the UI is told by `ecluse.toml` (`[admin]`, `[admin.saml]`,
//! `[admin.local]`); the gateway reads the file, this crate checks the
//! SAML and password parts when [`crate::state::Ui::new`] builds the UI.

use std::fmt;
use std::net::IpAddr;
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
    /// `[admin] trusted_proxies` and `proxy_header`: whose word on the
    /// client's address is taken (none by default: the TCP peer is the
    /// client).
    pub proxies: Proxies,
    /// The top-level `time_zone`: pages give times in it, labelled
    /// (`Europe/Paris` by default).
    pub time_zone: ecluse_quarantine::mail::LocalZone,
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
            proxies: Proxies::default(),
            time_zone: ecluse_quarantine::mail::LocalZone::default(),
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

    /// Whether the UI's host is `localhost`, a `*.localhost` name or a
    /// loopback address: browsers count plain HTTP there as secure, and
    /// take `Secure` cookies from it.
    pub fn local_host(&self) -> bool {
        let rest = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == "localhost"
            || host.ends_with(".localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
    /// `idp_logout_url`: the page of the IdP where a person signs out
    /// there, linked from the page « Se déconnecter » shows when the IdP's
    /// metadata offers no `SingleLogoutService` (the IdP session stays open
    /// on that computer otherwise). `None`: no link.
    pub idp_logout_url: Option<String>,
    /// `single_logout` (default true): « Se déconnecter » sends the IdP a
    /// `LogoutRequest` when its metadata offers a `SingleLogoutService`.
    /// False for an IdP that refuses unsigned logout requests (ADFS):
    /// the page with `idp_logout_url` instead.
    pub single_logout: bool,
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
            idp_logout_url: None,
            single_logout: true,
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

/// The reverse proxies in front of the admin listener (`[admin]
/// trusted_proxies`, `proxy_header`): only a request whose TCP peer is one
/// of them has its forwarding header read, and in it the rightmost address
/// that is not one of them is the client's (see [`crate::web::client_ip`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    /// Their networks; empty: no proxy is believed.
    pub trusted: Vec<Cidr>,
    /// The one header they write the client's address in.
    pub header: ProxyHeader,
}

impl Proxies {
    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|c| c.contains(ip))
    }
}

/// Which header the trusted proxies write the client's address in. Only
/// that one is read: a proxy passes the other through as the client sent
/// it, so reading both would let the client choose its address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, HAProxy, Apache, Caddy,
    /// Traefik); the default.
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    Forwarded,
}

impl std::str::FromStr for ProxyHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<ProxyHeader, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ProxyHeader::XForwardedFor),
            "forwarded" => Ok(ProxyHeader::Forwarded),
            _ => Err(format!(
                "`{s}` is neither \"X-Forwarded-For\" nor \"Forwarded\""
            )),
        }
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare
/// address is the network of that one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| {
            format!("`{s}` is not an address or a network (10.0.0.0/8, 2001:db8::/32)")
        })?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(p) if p <= max => p,
                _ => {
                    return Err(format!(
                        "`{s}`: the prefix length must be a number from 0 to {max}"
                    ));
                }
            },
        };
        let cidr = Cidr { network, prefix };
        if cidr.masked() != network {
            return Err(format!(
                "`{s}` has bits set past its /{prefix} (did you mean {}/{prefix}?)",
                cidr.masked()
            ));
        }
        Ok(cidr)
    }
}

impl Cidr {
    fn masked(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(n) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4((u32::from(n) & mask).into())
            }
            IpAddr::V6(n) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(n) & mask).into())
            }
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// A secret from the configuration (`[admin] metrics_token`): it never
/// prints (`Debug` shows `<secret>`), and is compared in constant time.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Whether `given` is the secret, in a time that depends on neither
    /// (both are hashed first, then compared byte by byte without an early
    /// exit).
    pub fn matches(&self, given: &str) -> bool {
        use sha2::{Digest, Sha256};
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(given.as_bytes());
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }

    /// How many characters it has (for the configuration's check).
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

#[cfg(test)]
mod tests {
    use super::{Cidr, Proxies, ProxyHeader, Secret};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_contain_and_refuse_what_is_not_one() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.200.1.2")) && !c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        assert!(!c.contains(ip("2001:db8::1")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "2001:db8:1::/48".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1:ffff::9")) && !v6.contains(ip("2001:db8:2::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        assert_eq!(v6.to_string(), "2001:db8:1::/48");
        for bad in [
            "10.0.0.0/33",
            "10.0.0.1/8",
            "proxy.lan",
            "10.0.0.0/",
            "::1/129",
            "10.0.0.0/-1",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        let p = Proxies {
            trusted: vec![c, v6],
            header: ProxyHeader::XForwardedFor,
        };
        assert!(p.trusts(ip("10.0.0.1")) && !p.trusts(ip("127.0.0.1")));
        assert_eq!(
            "forwarded".parse::<ProxyHeader>(),
            Ok(ProxyHeader::Forwarded)
        );
        assert_eq!(
            "X-Forwarded-For".parse::<ProxyHeader>(),
            Ok(ProxyHeader::XForwardedFor)
        );
        assert!("X-Real-IP".parse::<ProxyHeader>().is_err());
    }

    #[test]
    fn a_secret_does_not_print_and_matches_only_itself() {
        let s = Secret::new("jeton-tres-secret-0123456789");
        assert_eq!(format!("{s:?}"), "<secret>");
        assert!(s.matches("jeton-tres-secret-0123456789"));
        assert!(!s.matches("jeton-tres-secret-012345678"));
        assert!(!s.matches(""));
    }
}
