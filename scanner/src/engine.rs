//! The [`Engine`]: YARA rules compiled once, plus the policy. It is `Send +
//! Sync`; share it behind an `Arc` and call [`scan`](crate::scan) from as many
//! threads as you like.

use crate::error::Error;
use crate::policy::Policy;
use crate::report::Category;
use std::cell::RefCell;
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RuleInfo {
    pub category: Category,
    pub description: Option<String>,
    /// The rule's `description_fr` meta, shown on French pages.
    #[serde(default)]
    pub description_fr: Option<String>,
}

/// The external variables of the LOKI/THOR convention that public rule
/// sets (signature-base) use, defined for every scanned object:
/// `filename` (its name), `filepath` (its path in the message, e.g.
/// `2/factures.zip/facture.exe`), `extension` (lower case, with the dot),
/// `filetype` (a short upper-case type: `EXE`, `ZIP`, `PDF` …), `owner`
/// (empty for mail). Each is an empty string where it does not apply.
pub const EXTERNALS: &[&str] = &["filename", "filepath", "extension", "filetype", "owner"];

/// The namespace of the shipped rules; each added set gets its own.
const BUILTIN_NAMESPACE: &str = "ecluse";

/// One set of rules to add to the engine: its files as `(origin, text)`
/// pairs, and the category of its rules that name none of ours (`None`:
/// such a rule is an error).
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// A short name, the YARA namespace of the set's rules (several sets
    /// may declare rules of the same name).
    pub name: String,
    /// `(origin, text)` of each rule file.
    pub sources: Vec<(String, String)>,
    /// The category of the set's rules without one of ours.
    pub default_category: Option<Category>,
}

/// Compiled rules and the policy that weighs their findings.
#[derive(Clone)]
pub struct Engine {
    pub(crate) rules: Arc<yara_x::Rules>,
    /// Keyed by `namespace:identifier`.
    pub(crate) rule_info: Arc<HashMap<String, RuleInfo>>,
    pub(crate) policy: Policy,
    warnings: Arc<Vec<String>>,
    /// The organisation's own domains and its partners', lower case
    /// ([`Engine::with_own_domains`]).
    pub(crate) own_domains: Arc<Vec<String>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rule_info.len())
            .field("policy", &self.policy)
            .finish()
    }
}

/// The header of a serialised engine ([`Engine::to_bytes`]).
const CACHE_MAGIC: &[u8] = b"ECLUSE-RULES-1\n";

/// What [`Engine::to_bytes`] keeps besides yara-x's own serialisation.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedMeta {
    key: String,
    rule_info: HashMap<String, RuleInfo>,
    warnings: Vec<String>,
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
        let set = RuleSet {
            name: BUILTIN_NAMESPACE.into(),
            sources: sources
                .iter()
                .map(|(o, t)| (o.as_ref().to_string(), t.as_ref().to_string()))
                .collect(),
            default_category: default,
        };
        Engine::compile_sets(false, std::slice::from_ref(&set), policy)
    }

    /// Compiles the shipped rules (when `builtin`) and the given sets, each
    /// in its own namespace, with the modules public sets import (`pe`,
    /// `elf`, `macho`, `dotnet`, `lnk`, `math`, `string`, `hash`, `time`,
    /// `console`) and the [`EXTERNALS`] defined. Errors name the file and
    /// line ([`Error::RuleCompile`]) or the rule ([`Error::RuleMeta`]).
    pub fn compile_sets(builtin: bool, sets: &[RuleSet], policy: Policy) -> Result<Engine, Error> {
        let shipped = builtin.then(|| RuleSet {
            name: BUILTIN_NAMESPACE.into(),
            sources: BUILTIN_RULES
                .iter()
                .map(|(o, t)| (o.to_string(), t.to_string()))
                .collect(),
            default_category: None,
        });
        let all: Vec<&RuleSet> = shipped.iter().chain(sets).collect();
        if all.iter().all(|s| s.sources.is_empty()) {
            return Err(Error::NoRules);
        }
        let compile_err = |e: &dyn std::fmt::Display| Error::RuleCompile(e.to_string());
        let mut compiler = yara_x::Compiler::new();
        // Hex spelling is deliberate where a text literal would make the rule
        // file itself a sample (EICAR); every other warning is kept.
        compiler
            .switch_warning("text_as_hex", false)
            .map_err(|e| compile_err(&e))?;
        for name in EXTERNALS {
            compiler
                .define_global(name, "")
                .map_err(|e| compile_err(&e))?;
        }
        for set in &all {
            compiler.new_namespace(&set.name);
            for (origin, text) in &set.sources {
                let source = yara_x::SourceCode::from(text.as_str()).with_origin(origin.clone());
                compiler.add_source(source).map_err(|e| compile_err(&e))?;
            }
        }
        let warnings: Vec<String> = compiler.warnings().iter().map(|w| w.to_string()).collect();
        let rules = compiler.build();
        let mut rule_info = HashMap::new();
        for rule in rules.iter() {
            let id = rule.identifier().to_string();
            let ns = rule.namespace();
            let set = all.iter().find(|s| s.name == ns);
            let default = set.and_then(|s| s.default_category);
            let origin = set
                .and_then(|s| origin_of(&id, &s.sources))
                .unwrap_or_else(|| ns.to_string());
            let meta_err = |reason: String| Error::RuleMeta {
                rule: id.clone(),
                origin: origin.clone(),
                reason,
            };
            let mut category = None;
            let mut description = None;
            let mut description_fr = None;
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
                    ("description_fr", yara_x::MetaValue::String(s)) => {
                        description_fr = Some(s.to_string());
                    }
                    _ => {}
                }
            }
            let category = category
                .or(default)
                .ok_or_else(|| meta_err("has no `category` meta string".into()))?;
            rule_info.insert(
                format!("{ns}:{id}"),
                RuleInfo {
                    category,
                    description,
                    description_fr,
                },
            );
        }
        Ok(Engine {
            rules: Arc::new(rules),
            rule_info: Arc::new(rule_info),
            policy,
            warnings: Arc::new(warnings),
            own_domains: Arc::default(),
        })
    }

    /// What identifies a compilation of these sets: SHA-256 (lower-case
    /// hex) over the yara-x version, the externals, whether the shipped
    /// rules are in, and each set's name, default category, origins and
    /// texts. Two compilations with one key give the same engine.
    pub fn cache_key(builtin: bool, sets: &[RuleSet]) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(b"yara-x 1.22.1");
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(EXTERNALS.join(",").as_bytes());
        field(&[builtin as u8]);
        if builtin {
            for (origin, text) in BUILTIN_RULES {
                field(origin.as_bytes());
                field(text.as_bytes());
            }
        }
        for set in sets {
            field(set.name.as_bytes());
            field(set.default_category.map_or("", |c| c.as_str()).as_bytes());
            for (origin, text) in &set.sources {
                field(origin.as_bytes());
                field(text.as_bytes());
            }
        }
        crate::decode::hex(&h.finalize())
    }

    /// The engine's rules and what we know of them as bytes, for a cache
    /// file: a header, the length-prefixed metadata (JSON, with `key`)
    /// and yara-x's serialisation, then SHA-256 of all that.
    pub fn to_bytes(&self, key: &str) -> Result<Vec<u8>, Error> {
        use sha2::{Digest, Sha256};
        let meta = serde_json::to_vec(&CachedMeta {
            key: key.to_string(),
            rule_info: (*self.rule_info).clone(),
            warnings: (*self.warnings).clone(),
        })
        .map_err(|e| Error::Cache(e.to_string()))?;
        let rules = self
            .rules
            .serialize()
            .map_err(|e| Error::Cache(e.to_string()))?;
        let mut out = CACHE_MAGIC.to_vec();
        out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&rules);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        Ok(out)
    }

    /// An engine back from [`Engine::to_bytes`], when the bytes are whole
    /// (their checksum holds) and were made for `key`; an
    /// [`Error::Cache`] saying why not otherwise (the caller compiles).
    pub fn from_bytes(bytes: &[u8], key: &str, policy: Policy) -> Result<Engine, Error> {
        use sha2::{Digest, Sha256};
        let bad = |why: &str| Error::Cache(why.to_string());
        let (body, sum) = bytes
            .split_at_checked(bytes.len().saturating_sub(32))
            .ok_or_else(|| bad("truncated"))?;
        if sum.len() != 32 || Sha256::digest(body).as_slice() != sum {
            return Err(bad("its checksum does not match (damaged or cut short)"));
        }
        let rest = body
            .strip_prefix(CACHE_MAGIC)
            .ok_or_else(|| bad("not an Écluse rules cache"))?;
        let (len, rest) = rest.split_at_checked(8).ok_or_else(|| bad("truncated"))?;
        let len = u64::from_le_bytes(len.try_into().unwrap()) as usize;
        let (meta, rules) = rest.split_at_checked(len).ok_or_else(|| bad("truncated"))?;
        let meta: CachedMeta =
            serde_json::from_slice(meta).map_err(|e| Error::Cache(format!("metadata: {e}")))?;
        if meta.key != key {
            return Err(bad("made for other rules (stale)"));
        }
        let rules = yara_x::Rules::deserialize(rules).map_err(|e| Error::Cache(e.to_string()))?;
        Ok(Engine {
            rules: Arc::new(rules),
            rule_info: Arc::new(meta.rule_info),
            policy,
            warnings: Arc::new(meta.warnings),
            own_domains: Arc::default(),
        })
    }

    /// The same rules under another policy (cheap: the rules are shared).
    pub fn with_policy(&self, policy: Policy) -> Engine {
        Engine {
            rules: self.rules.clone(),
            rule_info: self.rule_info.clone(),
            policy,
            warnings: self.warnings.clone(),
            own_domains: self.own_domains.clone(),
        }
    }

    /// The same engine knowing the organisation's own domains (the
    /// gateway's `[smtp] accepted_domains`, every tenant's) and its
    /// partners' (`[policy] partner_domains`): a document template fetched
    /// from a host in one of them (the domain itself or a subdomain) is the
    /// organisation's own and is not held for reaching outside
    /// (`formats/ooxml_rels.rs`). Names are compared lower case, without a
    /// final dot; an empty list (the default) trusts no host.
    pub fn with_own_domains<S: AsRef<str>>(mut self, domains: &[S]) -> Engine {
        let list = domains
            .iter()
            .map(|d| d.as_ref().trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        self.own_domains = Arc::new(list);
        self
    }

    /// The domains set by [`Engine::with_own_domains`].
    pub fn own_domains(&self) -> &[String] {
        &self.own_domains
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

/// A YARA scanner kept with the rules it reads, from one scan to the next
/// on the same thread. Building one (a WebAssembly instance and its
/// memory) took 0.44 ms with the shipped rules: more than the whole scan
/// of a short letter, and 20 times what YARA then spends on it
/// (`ECLUSE_BENCH_PER_MESSAGE=1 cargo bench -p ecluse-scanner`).
pub(crate) struct CachedScanner {
    // Declared before `rules`, so dropped before the rules it borrows.
    scanner: yara_x::Scanner<'static>,
    rules: Arc<yara_x::Rules>,
}

impl CachedScanner {
    pub(crate) fn new(rules: &Arc<yara_x::Rules>) -> CachedScanner {
        let rules = Arc::clone(rules);
        // SAFETY: the rules live in the `Arc`'s allocation, which never
        // moves and which `self.rules` keeps alive for as long as the
        // scanner exists: the scanner is dropped first (field order) and is
        // only ever lent out by `&mut self`, never moved out of `self`.
        let borrowed: &'static yara_x::Rules = unsafe { &*Arc::as_ptr(&rules) };
        let mut scanner = yara_x::Scanner::new(borrowed);
        scanner.max_matches_per_pattern(16);
        CachedScanner { scanner, rules }
    }

    /// The scanner this thread kept from its last scan, if it reads the
    /// rules of `engine`; a new one otherwise.
    pub(crate) fn take_for(engine: &Engine) -> CachedScanner {
        CACHED_SCANNER
            .try_with(|c| c.borrow_mut().take())
            .ok()
            .flatten()
            .filter(|c| Arc::ptr_eq(&c.rules, &engine.rules))
            .unwrap_or_else(|| CachedScanner::new(&engine.rules))
    }

    /// Keeps the scanner for this thread's next scan.
    pub(crate) fn keep(self) {
        let _ = CACHED_SCANNER.try_with(|c| *c.borrow_mut() = Some(self));
    }

    /// The scanner, lent for one object.
    pub(crate) fn scanner(&mut self) -> &mut yara_x::Scanner<'static> {
        &mut self.scanner
    }
}

thread_local! {
    /// The scanner of this thread's last scan, for the next one with the
    /// same rules (a reload brings new rules, and so a new scanner).
    static CACHED_SCANNER: RefCell<Option<CachedScanner>> = const { RefCell::new(None) };
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
