//! What the web UI keeps between requests: signed-in sessions, the SAML
//! requests it is waiting answers for, and the assertion ids it has already
//! accepted (so that a captured assertion cannot be played again).
//!
//! All three live in the `sessions` tree, apart from the mail records. They
//! are written without a group commit: a crash signs people out, nothing more.
//! Session tokens are never stored as such, only their SHA-256, so a copy of
//! the data directory does not hold live sign-ins.

use crate::codec;
use crate::error::Result;
use crate::model;
use crate::store::Store;
use crate::store::trees::SESSIONS;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a person signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// Through the town's SAML identity provider.
    Saml,
    /// With the break-glass local admin account.
    Local,
}

/// A signed-in person, as the web UI remembers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSession {
    /// Who, as the identity provider names them (or the local user name).
    pub user: String,
    /// The name to greet them with.
    pub display_name: String,
    /// Their mail addresses, lower-case: they see the items held for these.
    pub emails: Vec<String>,
    /// Whether they are an admin (of some tenant, or of the service).
    pub admin: bool,
    /// Which tenants' items they review and decide, when `admin`.
    #[serde(default)]
    pub admin_of: AdminScope,
    /// How they signed in.
    pub via: SignIn,
    /// The anti-forgery token every form of theirs carries.
    pub csrf: String,
    /// When they signed in.
    pub created_at: Timestamp,
    /// Their last request.
    pub last_seen: Timestamp,
    /// The IdP's session this one came from (SAML sign-ins since single
    /// logout), for the `LogoutRequest` that ends it there too; `None` for
    /// the local admin and for sessions saved before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<IdpSession>,
}

/// What a SAML `LogoutRequest` names (SAML 2.0 core §3.7.1): the subject's
/// `NameID` exactly as the assertion gave it, and the IdP's session index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdpSession {
    /// The `NameID` value.
    pub name_id: String,
    /// Its `Format`, if the assertion gave one.
    #[serde(default)]
    pub format: Option<String>,
    /// Its `NameQualifier`, if any.
    #[serde(default)]
    pub name_qualifier: Option<String>,
    /// Its `SPNameQualifier`, if any.
    #[serde(default)]
    pub sp_name_qualifier: Option<String>,
    /// The `SessionIndex` of the assertion's `AuthnStatement`, if any.
    #[serde(default)]
    pub session_index: Option<String>,
}

/// What an admin administers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminScope {
    /// Every tenant: a service admin (`[admin.saml] service_admin_group`),
    /// the admins of a configuration without tenants, the local admin.
    Service,
    /// These tenants only: a commune's admins (`[[tenant]] admin_group`).
    Tenants(Vec<String>),
}

impl Default for AdminScope {
    /// A session saved before tenants: the implicit tenant only.
    fn default() -> AdminScope {
        AdminScope::Tenants(vec![model::DEFAULT_TENANT.to_string()])
    }
}

impl WebSession {
    /// Whether they may see and decide the items of `tenant`.
    pub fn may_administer(&self, tenant: &str) -> bool {
        self.admin
            && match &self.admin_of {
                AdminScope::Service => true,
                AdminScope::Tenants(list) => list.iter().any(|t| t == tenant),
            }
    }

    /// Whether they administer every tenant.
    pub fn is_service_admin(&self) -> bool {
        self.admin && self.admin_of == AdminScope::Service
    }

    /// The tenants they administer; `None` for every tenant.
    pub fn admin_tenants(&self) -> Option<Vec<String>> {
        match (&self.admin_of, self.admin) {
            (_, false) => Some(Vec::new()),
            (AdminScope::Service, true) => None,
            (AdminScope::Tenants(list), true) => Some(list.clone()),
        }
    }
}

fn session_key(token: &str) -> Vec<u8> {
    let mut key = b"s:".to_vec();
    key.extend_from_slice(&Sha256::digest(token.as_bytes()));
    key
}

fn prefixed(prefix: &str, id: &str) -> Vec<u8> {
    let mut key = prefix.as_bytes().to_vec();
    key.extend_from_slice(id.as_bytes());
    key
}

impl Store {
    /// Saves (or refreshes) the session behind `token`.
    pub fn session_put(&self, token: &str, session: &WebSession) -> Result<()> {
        self.db()
            .insert(SESSIONS, &session_key(token), &codec::encode(session))?;
        Ok(())
    }

    /// The session behind `token`, if there is one.
    pub fn session_get(&self, token: &str) -> Result<Option<WebSession>> {
        match self.db().get(SESSIONS, &session_key(token))? {
            Some(v) => Ok(Some(codec::decode("sessions", &v)?)),
            None => Ok(None),
        }
    }

    /// Ends the session behind `token` (sign-out, expiry).
    pub fn session_delete(&self, token: &str) -> Result<()> {
        self.db().remove(SESSIONS, &session_key(token))?;
        Ok(())
    }

    /// Remembers a SAML request id until `until`, so that the answer to it,
    /// and only to it, is accepted.
    pub fn saml_request_put(&self, id: &str, until: Timestamp) -> Result<()> {
        self.db()
            .insert(SESSIONS, &prefixed("r:", id), &codec::encode(&until))?;
        Ok(())
    }

    /// Whether the SAML request `id` is pending and not past its time,
    /// without using it up (a forged answer naming it must not cancel the
    /// person's sign-in: it is taken only once an answer has verified).
    pub fn saml_request_pending(&self, id: &str) -> Result<bool> {
        match self.db().get(SESSIONS, &prefixed("r:", id))? {
            Some(v) => {
                let until: Timestamp = codec::decode("sessions", &v)?;
                Ok(self.now() < until)
            }
            None => Ok(false),
        }
    }

    /// Takes a SAML request id back: true if it was pending and not past its
    /// time. An id is taken once; a second answer to it is refused.
    pub fn saml_request_take(&self, id: &str) -> Result<bool> {
        match self.db().remove(SESSIONS, &prefixed("r:", id))? {
            Some(v) => {
                let until: Timestamp = codec::decode("sessions", &v)?;
                Ok(self.now() < until)
            }
            None => Ok(false),
        }
    }

    /// Records that the assertion `id` was used, keeping the record until
    /// `until`. False when it had been used already: a replay.
    pub fn assertion_first_use(&self, id: &str, until: Timestamp) -> Result<bool> {
        self.db()
            .insert_new(SESSIONS, &prefixed("a:", id), &codec::encode(&until))
    }

    /// Failed sign-ins counted against `key` (an address or a user name,
    /// with the caller's prefix) since `since`. Kept in the store so that
    /// every node of a cluster counts the same failures.
    pub fn login_failures(&self, key: &str, since: Timestamp) -> Result<usize> {
        match self.db().get(SESSIONS, &prefixed("l:", key))? {
            Some(v) => Ok(codec::decode::<Vec<Timestamp>>("sessions", &v)?
                .iter()
                .filter(|t| **t >= since)
                .count()),
            None => Ok(0),
        }
    }

    /// Counts one failed sign-in against `key` now, forgetting those
    /// before `since`.
    pub fn login_failure_add(&self, key: &str, since: Timestamp) -> Result<()> {
        let k = prefixed("l:", key);
        self.write_unsynced(|tx| {
            let mut list: Vec<Timestamp> = tx.get(SESSIONS, &k)?.unwrap_or_default();
            list.retain(|t| *t >= since);
            list.push(tx.now());
            tx.put(SESSIONS, &k, &list)
        })
    }

    /// Counts one sign-in attempt against each of `keys` (a key and the
    /// most attempts it may have since `since`), in one transaction, when
    /// none of them is at its limit; returns whether it did. Counting
    /// before the work and checking in the same transaction means that
    /// attempts made at once cannot all pass a check that has not yet
    /// seen the others (a caller takes the attempt back with
    /// [`Store::login_failure_forgive`] when it succeeds).
    pub fn login_attempt(&self, keys: &[(&str, usize)], since: Timestamp) -> Result<bool> {
        let keys: Vec<(Vec<u8>, usize)> = keys
            .iter()
            .map(|(k, max)| (prefixed("l:", k), *max))
            .collect();
        self.write_unsynced(|tx| {
            let mut lists = Vec::with_capacity(keys.len());
            for (k, max) in &keys {
                let mut list: Vec<Timestamp> = tx.get(SESSIONS, k)?.unwrap_or_default();
                list.retain(|t| *t >= since);
                if list.len() >= *max {
                    return Ok(false);
                }
                list.push(tx.now());
                lists.push(list);
            }
            for ((k, _), list) in keys.iter().zip(&lists) {
                tx.put(SESSIONS, k, list)?;
            }
            Ok(true)
        })
    }

    /// Takes back the latest failure counted against `key`.
    pub fn login_failure_forgive(&self, key: &str) -> Result<()> {
        let k = prefixed("l:", key);
        self.write_unsynced(|tx| {
            let Some(mut list): Option<Vec<Timestamp>> = tx.get(SESSIONS, &k)? else {
                return Ok(());
            };
            list.pop();
            tx.put(SESSIONS, &k, &list)
        })
    }

    /// Forgets the failures counted against `key` (after a success).
    pub fn login_failures_clear(&self, key: &str) -> Result<()> {
        self.db().remove(SESSIONS, &prefixed("l:", key))?;
        Ok(())
    }

    /// Forgets sessions idle since before `idle_before` or opened before
    /// `opened_before`, and request and assertion records past their time.
    /// Returns how many records went.
    pub fn sessions_purge(
        &self,
        idle_before: Timestamp,
        opened_before: Timestamp,
    ) -> Result<usize> {
        let now = self.now();
        let db = self.db();
        let mut gone = 0;
        for (k, v) in db.all(SESSIONS, false)? {
            let stale = match k.first() {
                Some(b's') => match codec::decode::<WebSession>("sessions", &v) {
                    Ok(s) => s.last_seen < idle_before || s.created_at < opened_before,
                    Err(_) => true,
                },
                // Failed sign-ins: counted over a quarter of an hour.
                Some(b'l') => match codec::decode::<Vec<Timestamp>>("sessions", &v) {
                    Ok(list) => list
                        .last()
                        .is_none_or(|t| *t < now - jiff::SignedDuration::from_hours(1)),
                    Err(_) => true,
                },
                _ => match codec::decode::<Timestamp>("sessions", &v) {
                    Ok(until) => until <= now,
                    Err(_) => true,
                },
            };
            if stale {
                db.remove(SESSIONS, &k)?;
                gone += 1;
            }
        }
        Ok(gone)
    }
}
