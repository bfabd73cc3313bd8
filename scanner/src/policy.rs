//! The policy: which [`Action`] each [`Category`] leads to, and which held
//! categories an agent may release without an admin.
//!
//! The file is TOML with one key per category and a `self_release` list:
//!
//! ```toml
//! malware = "reject"
//! macro = "quarantine"
//! type_mismatch = "quarantine"
//! self_release = ["type_mismatch"]
//! ```
//!
//! Categories not named keep their default ([`Category::default_action`]);
//! an unknown key or value is an error naming it.

use crate::{Action, Category, Error};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Category → action, plus the categories an agent may release alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    actions: BTreeMap<Category, Action>,
    self_release: Vec<Category>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            actions: Category::ALL
                .iter()
                .map(|c| (*c, c.default_action()))
                .collect(),
            self_release: Vec::new(),
        }
    }
}

impl Policy {
    /// Parses a policy file; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, Error> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| Error::Policy {
            origin: origin.to_string(),
            reason: e.message().to_string(),
        })?;
        Policy::from_table(&table, origin)
    }

    /// Reads an already parsed table (the `[policy]` section of the gateway
    /// configuration); `origin` names it in errors.
    pub fn from_table(table: &toml::Table, origin: &str) -> Result<Policy, Error> {
        Policy::default().with_table(table, origin)
    }

    /// This policy with the keys of `table` applied on top (a tenant's
    /// `[tenant.policy]` over the service's `[policy]`): named categories
    /// take the table's action, `self_release` (when given) replaces the
    /// list. `origin` names the table in errors.
    pub fn with_table(&self, table: &toml::Table, origin: &str) -> Result<Policy, Error> {
        let mut policy = self.clone();
        if table.contains_key("self_release") {
            policy.self_release.clear();
        }
        let err = |reason: String| Error::Policy {
            origin: origin.to_string(),
            reason,
        };
        for (key, value) in table {
            if key == "self_release" {
                let list = value
                    .as_array()
                    .ok_or_else(|| err("`self_release` must be a list of categories".into()))?;
                for item in list {
                    let name = item.as_str().ok_or_else(|| {
                        err("`self_release` must be a list of category names".into())
                    })?;
                    let category = Category::parse(name).ok_or_else(|| {
                        err(format!(
                            "`self_release` names unknown category `{name}`; {}",
                            known()
                        ))
                    })?;
                    if !policy.self_release.contains(&category) {
                        policy.self_release.push(category);
                    }
                }
                continue;
            }
            let category = Category::parse(key)
                .ok_or_else(|| err(format!("unknown key `{key}`; {}", known())))?;
            let action = value.as_str().and_then(Action::parse).ok_or_else(|| {
                err(format!(
                    "`{key}` must be \"deliver\", \"quarantine\" or \"reject\", not {value}"
                ))
            })?;
            policy.actions.insert(category, action);
        }
        for category in &policy.self_release {
            if policy.action(*category) != Action::Quarantine {
                return Err(err(format!(
                    "`self_release` names `{category}`, whose action is not \"quarantine\""
                )));
            }
        }
        Ok(policy)
    }

    /// The action for a category.
    pub fn action(&self, category: Category) -> Action {
        self.actions
            .get(&category)
            .copied()
            .unwrap_or(category.default_action())
    }

    /// Whether an agent may release an item held for this category without an admin.
    pub fn self_release(&self, category: Category) -> bool {
        self.self_release.contains(&category)
    }

    /// The same policy with every `reject` turned into `quarantine`: for
    /// recipients whose stricter policy refuses what the same message's
    /// other recipients accept (one SMTP answer covers them all).
    pub fn holding_rejects(&self) -> Policy {
        let mut out = self.clone();
        for c in Category::ALL {
            if out.action(*c) == Action::Reject {
                out.actions.insert(*c, Action::Quarantine);
            }
        }
        out
    }

    /// The categories an agent may release alone.
    pub fn self_release_list(&self) -> &[Category] {
        &self.self_release
    }

    /// Changes one category's action (used by tests and the demo).
    pub fn set(&mut self, category: Category, action: Action) {
        self.actions.insert(category, action);
    }
}

fn known() -> String {
    format!("known keys: {}, self_release", Category::names())
}
