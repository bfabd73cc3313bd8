//! The [`Engine`]: YARA rules compiled once, plus the policy. It is `Send +
//! Sync`; share it behind an `Arc` and call [`scan`](crate::scan) from as many
//! threads as you like.

use crate::{Category, Error, Policy};
use std::collections::HashMap;
use std::sync::Arc;

/// The rule files Écluse ships, from `signatures/`, compiled into the binary.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "signatures/eicar.yar",
        include_str!("../../signatures/eicar.yar"),
    ),
    (
        "signatures/office_macros.yar",
        include_str!("../../signatures/office_macros.yar"),
    ),
    (
        "signatures/pe_in_document.yar",
        include_str!("../../signatures/pe_in_document.yar"),
    ),
    (
        "signatures/html_smuggling.yar",
        include_str!("../../signatures/html_smuggling.yar"),
    ),
    (
        "signatures/pdf_active.yar",
        include_str!("../../signatures/pdf_active.yar"),
    ),
    (
        "signatures/lnk.yar",
        include_str!("../../signatures/lnk.yar"),
    ),
    (
        "signatures/scripts.yar",
        include_str!("../../signatures/scripts.yar"),
    ),
    (
        "signatures/office_exploits.yar",
        include_str!("../../signatures/office_exploits.yar"),
    ),
    (
        "signatures/powershell.yar",
        include_str!("../../signatures/powershell.yar"),
    ),
    (
        "signatures/lolbins.yar",
        include_str!("../../signatures/lolbins.yar"),
    ),
    (
        "signatures/javascript.yar",
        include_str!("../../signatures/javascript.yar"),
    ),
    (
        "signatures/onenote_svg.yar",
        include_str!("../../signatures/onenote_svg.yar"),
    ),
    (
        "signatures/hta_vba.yar",
        include_str!("../../signatures/hta_vba.yar"),
    ),
];

/// What the engine knows about one rule besides its code.
#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub category: Category,
    pub description: Option<String>,
}

/// Compiled rules and the policy that weighs their findings.
#[derive(Clone)]
pub struct Engine {
    pub(crate) rules: Arc<yara_x::Rules>,
    pub(crate) rule_info: Arc<HashMap<String, RuleInfo>>,
    pub(crate) policy: Policy,
    warnings: Arc<Vec<String>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rule_info.len())
            .field("policy", &self.policy)
            .finish()
    }
}

impl Engine {
    /// The shipped rules with the default policy.
    pub fn builtin() -> Engine {
        Engine::compile(BUILTIN_RULES, Policy::default())
            .expect("the shipped rules compile; a test checks it")
    }

    /// Compiles rule sources given as `(origin, text)` pairs. Every rule must
    /// carry a `category` meta naming a [`Category`]; errors name the file
    /// and line.
    pub fn compile<O: AsRef<str>, T: AsRef<str>>(
        sources: &[(O, T)],
        policy: Policy,
    ) -> Result<Engine, Error> {
        Engine::compile_with_default(sources, policy, None)
    }

    /// [`Engine::compile`], where a rule without a `category` meta, or with
    /// one that is not ours, gets `default` instead of an error when one is
    /// given: for public rule sets (signature-base, …) that know nothing of
    /// our categories.
    pub fn compile_with_default<O: AsRef<str>, T: AsRef<str>>(
        sources: &[(O, T)],
        policy: Policy,
        default: Option<Category>,
    ) -> Result<Engine, Error> {
        if sources.is_empty() {
            return Err(Error::NoRules);
        }
        let mut compiler = yara_x::Compiler::new();
        // Hex spelling is deliberate where a text literal would make the rule
        // file itself a sample (EICAR); every other warning is kept.
        compiler
            .switch_warning("text_as_hex", false)
            .map_err(|e| Error::RuleCompile(e.to_string()))?;
        let mut origins = Vec::new();
        for (origin, text) in sources {
            let source =
                yara_x::SourceCode::from(text.as_ref()).with_origin(origin.as_ref().to_string());
            compiler
                .add_source(source)
                .map_err(|e| Error::RuleCompile(e.to_string()))?;
            // Remember which identifiers each file brought, to name it in meta errors.
            origins.push(origin.as_ref().to_string());
        }
        let warnings: Vec<String> = compiler.warnings().iter().map(|w| w.to_string()).collect();
        let rules = compiler.build();
        let mut rule_info = HashMap::new();
        for rule in rules.iter() {
            let id = rule.identifier().to_string();
            let origin = origin_of(&id, sources).unwrap_or_else(|| origins.join(", "));
            let meta_err = |reason: String| Error::RuleMeta {
                rule: id.clone(),
                origin: origin.clone(),
                reason,
            };
            let mut category = None;
            let mut description = None;
            for (key, value) in rule.metadata() {
                match (key, value) {
                    ("category", yara_x::MetaValue::String(s)) => {
                        // Public sets use their own words ("MALWARE",
                        // "INFO", …): ours are read whatever their case, and
                        // the others take the default when there is one.
                        let known = Category::parse(&s.to_ascii_lowercase()).or(default);
                        category = Some(known.ok_or_else(|| {
                            meta_err(format!("`category = \"{s}\"` is not a known category"))
                        })?);
                    }
                    ("description", yara_x::MetaValue::String(s)) => {
                        description = Some(s.to_string());
                    }
                    _ => {}
                }
            }
            let category = category
                .or(default)
                .ok_or_else(|| meta_err("has no `category` meta string".into()))?;
            rule_info.insert(
                id,
                RuleInfo {
                    category,
                    description,
                },
            );
        }
        Ok(Engine {
            rules: Arc::new(rules),
            rule_info: Arc::new(rule_info),
            policy,
            warnings: Arc::new(warnings),
        })
    }

    /// The same rules under another policy (cheap: the rules are shared).
    pub fn with_policy(&self, policy: Policy) -> Engine {
        Engine {
            rules: self.rules.clone(),
            rule_info: self.rule_info.clone(),
            policy,
            warnings: self.warnings.clone(),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// What the YARA compiler warned about (slow patterns, …), one line each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many rules are compiled.
    pub fn rule_count(&self) -> usize {
        self.rule_info.len()
    }

    /// The compiled rules, for benchmarks that run YARA alone.
    pub fn yara_rules(&self) -> &yara_x::Rules {
        &self.rules
    }
}

/// The file that declares `rule <id>`, found by looking for the declaration.
fn origin_of<O: AsRef<str>, T: AsRef<str>>(id: &str, sources: &[(O, T)]) -> Option<String> {
    sources.iter().find_map(|(origin, text)| {
        text.as_ref()
            .lines()
            .any(|line| {
                let mut words = line.split_whitespace();
                let mut prev = None;
                for w in words.by_ref() {
                    if prev == Some("rule") && (w == id || w.starts_with(&format!("{id}:"))) {
                        return true;
                    }
                    prev = Some(w);
                }
                false
            })
            .then(|| origin.as_ref().to_string())
    })
}
