//! `[policy]`: the scanner's category → action table and `self_release`,
//! and what Écluse adds to it: `locked` (what a tenant may only make
//! stricter), `partner_domains`, `[[policy.exception]]` and
//! `[[policy.block]]`.

use super::source::{ConfigError, Source};
use ecluse_scanner::{Category, Policy};

/// `[policy]`, validated.
pub(super) struct PolicySection {
    /// The scanner's policy.
    pub(super) policy: Policy,
    /// `locked` (`malware` always is).
    pub(super) locked: Vec<Category>,
    /// `partner_domains`, lower case.
    pub(super) partner_domains: Vec<String>,
    /// `[[policy.exception]]` and `[[policy.block]]`, in file order.
    pub(super) sender_rules: Vec<ecluse_quarantine::SenderRule>,
}

impl PolicySection {
    /// Validates `[policy]`; `sender_checks`: `[smtp] sender_checks` (an
    /// exception needs an authenticated sender).
    pub(super) fn parse(
        table: toml::Table,
        sender_checks: bool,
        src: &Source,
    ) -> Result<PolicySection, ConfigError> {
        // `partner_domains`, `locked`, the exceptions and blocks are ours;
        // the rest of [policy] is the scanner's.
        let mut policy_table = table;
        let mut locked = vec![Category::Malware];
        if let Some(v) = policy_table.remove("locked") {
            let names = v
                .as_array()
                .and_then(|a| a.iter().map(|x| x.as_str()).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    src.err(
                        "[policy] locked",
                        "must be a list of categories, such as [\"executable\", \"macro\"]".into(),
                    )
                })?;
            for name in names {
                let c = Category::parse_named(name).map_err(|e| src.err("[policy] locked", e))?;
                if !locked.contains(&c) {
                    locked.push(c);
                }
            }
        }
        let partner_domains = match policy_table.remove("partner_domains") {
            None => Vec::new(),
            Some(v) => v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|d| d.as_str().map(|d| d.trim().trim_end_matches('.').to_lowercase()))
                        .collect::<Option<Vec<String>>>()
                })
                .filter(|list| list.iter().all(|d| d.contains('.') && !d.contains('@')))
                .ok_or_else(|| {
                    src.err(
                        "[policy] partner_domains",
                        "must be a list of domain names, such as [\"ain.gouv.fr\", \"dgfip.finances.gouv.fr\"]".into(),
                    )
                })?,
        };
        let mut sender_rules = Vec::new();
        for (key, kind) in [
            ("exception", ecluse_quarantine::RuleKind::Allow),
            ("block", ecluse_quarantine::RuleKind::Block),
        ] {
            let Some(list) = policy_table.remove(key) else {
                continue;
            };
            let where_ = format!("[[policy.{key}]]");
            let list = list.as_array().ok_or_else(|| {
                src.err(
                    &where_,
                    "must be an array of tables: write [[policy.".to_string() + key + "]] blocks",
                )
            })?;
            for (n, entry) in list.iter().enumerate() {
                let here = format!("{where_} #{}", n + 1);
                let table = entry
                    .as_table()
                    .ok_or_else(|| src.err(&here, "must be a table".into()))?;
                let strings = |k: &str| -> Result<Vec<String>, ConfigError> {
                    match table.get(k) {
                        None => Ok(Vec::new()),
                        Some(v) => v
                            .as_array()
                            .and_then(|a| {
                                a.iter()
                                    .map(|x| x.as_str().map(|x| x.trim().to_lowercase()))
                                    .collect::<Option<Vec<String>>>()
                            })
                            .ok_or_else(|| {
                                src.err(&format!("{here} {k}"), "must be a list of strings".into())
                            }),
                    }
                };
                for k in table.keys() {
                    if !["sender", "recipients", "categories", "comment"].contains(&k.as_str()) {
                        return Err(src.err(
                            &format!("{here} {k}"),
                            "unknown key; one of sender, recipients, categories, comment".into(),
                        ));
                    }
                }
                let sender = table
                    .get("sender")
                    .and_then(|v| v.as_str())
                    .map(|v| v.trim().to_lowercase())
                    .ok_or_else(|| {
                        src.err(
                            &format!("{here} sender"),
                            "missing: an address, or a domain written @domain".into(),
                        )
                    })?;
                let categories = strings("categories")?
                    .iter()
                    .map(|c| Category::parse_named(c))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| src.err(&format!("{here} categories"), e))?;
                if kind == ecluse_quarantine::RuleKind::Block && !categories.is_empty() {
                    return Err(src.err(
                        &format!("{here} categories"),
                        "a block refuses the whole message: it takes no categories".into(),
                    ));
                }
                let rule = ecluse_quarantine::SenderRule {
                    id: format!("config-{key}-{}", n + 1),
                    kind,
                    sender,
                    recipients: strings("recipients")?,
                    categories,
                    comment: table
                        .get("comment")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    created_by: "configuration".into(),
                    created_at: jiff::Timestamp::UNIX_EPOCH,
                    tenant: None,
                };
                rule.validate().map_err(|e| src.err(&here, e))?;
                sender_rules.push(rule);
            }
        }
        if !sender_checks
            && sender_rules
                .iter()
                .any(|r| r.kind == ecluse_quarantine::RuleKind::Allow)
        {
            return Err(src.err(
                "[[policy.exception]]",
                "an exception applies only to an authenticated sender, and [smtp] sender_checks = false checks none: remove the exceptions or turn the sender checks on".into(),
            ));
        }
        for name in ["time_zone", "notice_contact", "notice_help"] {
            if policy_table.contains_key(name) {
                return Err(src.err(
                    &format!("[policy] {name}"),
                    format!("`{name}` is a top-level key: move it above the first [section] of the file (a commune's own goes in its [[tenant]] block)"),
                ));
            }
        }
        let policy = Policy::from_table(&policy_table, &format!("{} [policy]", src.origin))
            .map_err(|e| src.err("[policy]", super::source::policy_reason(e)))?;
        Ok(PolicySection {
            policy,
            locked,
            partner_domains,
            sender_rules,
        })
    }
}

/// A tenant's policy must not loosen the service's floor: a locked
/// category (and `malware`) may only get a stricter action, and may be
/// released by agents only where the service lets them.
pub(super) fn check_floor(
    floor: &Policy,
    policy: &Policy,
    locked: &[Category],
) -> Result<(), String> {
    for c in locked {
        if policy.action(*c) < floor.action(*c) {
            return Err(format!(
                "`{c}` is locked by the service at \"{}\" ([policy] locked): a commune may make it stricter, never looser",
                floor.action(*c).as_str()
            ));
        }
        if policy.self_release(*c) && !floor.self_release(*c) {
            return Err(format!(
                "`self_release` names `{c}`, which the service locks ([policy] locked) without letting agents release it"
            ));
        }
    }
    Ok(())
}
