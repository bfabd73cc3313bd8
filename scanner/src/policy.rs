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

use crate::error::Error;
use crate::report::{Action, Category, Finding, Part, Report};
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
            // The reader's NTLM hash or a Follina-style fetch leaves with the
            // first opening: an agent cannot judge that from the notice.
            if *category == Category::ExternalContent {
                return Err(err(
                    "`self_release` cannot name `external_content`: a document that reaches \
                     outside when opened is released by an admin only"
                        .into(),
                ));
            }
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

/// Weighing a report under a policy: the action of each part and of the
/// whole, from its findings. Here rather than in `report.rs`, so that the
/// report (data) does not import the policy that weighs it.
impl Report {
    /// Adds a finding of another engine (ClamAV) to the part at `path`, or
    /// to the message when `path` is `None` or names no part, then weighs
    /// the report again under `policy`: the parts' actions up the tree, the
    /// categories, the deciding category and the action.
    pub fn add_finding(&mut self, path: Option<&str>, finding: Finding, policy: &Policy) {
        fn place(parts: &mut [Part], path: &str, finding: &mut Option<Finding>, policy: &Policy) {
            for part in parts {
                if part.path == path {
                    if let Some(f) = finding.take() {
                        part.action = part.action.max(policy.action(f.category));
                        part.findings.push(f);
                    }
                    return;
                }
                if path.starts_with(&part.path) {
                    place(&mut part.children, path, finding, policy);
                    if finding.is_none() {
                        let below = part
                            .children
                            .iter()
                            .map(|c| c.action)
                            .max()
                            .unwrap_or(Action::Deliver);
                        part.action = part.action.max(below);
                        return;
                    }
                }
            }
        }
        let mut finding = Some(finding);
        if let Some(path) = path {
            place(&mut self.parts, path, &mut finding, policy);
        }
        if let Some(f) = finding {
            self.findings.push(f);
        }
        self.reweigh(policy);
    }

    /// The report without the findings of `categories` (a sender
    /// exception), weighed again under `policy`: a part whose subtree lost
    /// findings takes the strictest action of what remains; other parts
    /// keep theirs. `malware` findings are kept whatever `categories` says.
    pub fn without_categories(&self, categories: &[Category], policy: &Policy) -> Report {
        fn strip(part: &mut Part, categories: &[Category], policy: &Policy) -> bool {
            let before = part.findings.len();
            part.findings
                .retain(|f| f.category == Category::Malware || !categories.contains(&f.category));
            let mut changed = part.findings.len() != before;
            for child in &mut part.children {
                changed |= strip(child, categories, policy);
            }
            if changed {
                let own = part.findings.iter().map(|f| policy.action(f.category));
                let below = part.children.iter().map(|c| c.action);
                part.action = own.chain(below).max().unwrap_or(Action::Deliver);
            }
            changed
        }
        let mut out = self.clone();
        out.findings
            .retain(|f| f.category == Category::Malware || !categories.contains(&f.category));
        for part in &mut out.parts {
            strip(part, categories, policy);
        }
        out.reweigh(policy);
        out
    }

    /// The same report weighed under another `policy` (a tenant's): each
    /// part's action from its own findings and its children's, then the
    /// categories, the deciding category and the action.
    pub fn weighed(&self, policy: &Policy) -> Report {
        fn weigh(part: &mut Part, policy: &Policy) {
            for child in &mut part.children {
                weigh(child, policy);
            }
            let own = part.findings.iter().map(|f| policy.action(f.category));
            let below = part.children.iter().map(|c| c.action);
            part.action = own.chain(below).max().unwrap_or(Action::Deliver);
        }
        let mut out = self.clone();
        for part in &mut out.parts {
            weigh(part, policy);
        }
        out.reweigh(policy);
        out
    }

    /// The categories, the deciding category and the action again, from
    /// the findings, under `policy`.
    fn reweigh(&mut self, policy: &Policy) {
        let mut categories: Vec<Category> = self.all_findings().map(|(_, f)| f.category).collect();
        categories.sort();
        categories.dedup();
        self.category = categories
            .iter()
            .copied()
            .filter(|c| policy.action(*c) > Action::Deliver)
            .max_by(|a, b| policy.action(*a).cmp(&policy.action(*b)).then(b.cmp(a)));
        self.action = self.category.map_or(Action::Deliver, |c| policy.action(c));
        self.categories = categories;
    }
}
