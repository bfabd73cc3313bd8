//! The YARA rules of `[scanner]`: the shipped rules and the sets the admin
//! adds (files or directories, signature-base and the like), compiled once
//! and kept in a cache file so that a start with warm cache takes about a
//! second instead of the seconds a large public set needs to compile.
//!
//! The cache is keyed by [`Engine::cache_key`] (the sources, the
//! externals, yara-x's version) and checked by its checksum: a damaged or
//! stale cache is compiled again and replaced, never used.

use crate::config::RuleSources;
use anyhow::{Context, Result, bail};
use ecluse_scanner::{Engine, Policy, RuleSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How the engine was obtained.
pub struct Loaded {
    /// The compiled rules with the policy.
    pub engine: Engine,
    /// Whether it came from the cache.
    pub from_cache: bool,
    /// Why the cache was not used, when there was one.
    pub cache_note: Option<String>,
    /// Time taken, reading the sources included.
    pub elapsed: Duration,
}

impl Loaded {
    /// One line for the log or the terminal: rules, where from, how long,
    /// and the compiler's warnings counted (not one line per rule).
    pub fn summary(&self) -> String {
        let warnings = self.engine.warnings().len();
        format!(
            "{} YARA rules {} in {:.2} s{}",
            self.engine.rule_count(),
            if self.from_cache {
                "from the cache"
            } else {
                "compiled"
            },
            self.elapsed.as_secs_f64(),
            if warnings > 0 {
                format!(
                    ", {warnings} compiler warnings (slow or redundant patterns; `ecluse check-config --verbose` lists them)"
                )
            } else {
                String::new()
            }
        )
    }
}

/// The rule files under `path`: itself when it is a file, else every
/// `*.yar` and `*.yara` below it, sorted.
fn rule_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the rules at {}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read the rules directory {}", dir.display()))?;
        for entry in entries {
            let p = entry
                .with_context(|| format!("cannot read the rules directory {}", dir.display()))?
                .path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yar" || e == "yara") {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        bail!("no *.yar or *.yara file in {}", path.display());
    }
    Ok(out)
}

/// Reads every set: one per path, named after it (the YARA namespace of
/// its rules).
pub fn read_sets(sources: &RuleSources) -> Result<Vec<RuleSet>> {
    let mut sets: Vec<RuleSet> = Vec::new();
    for path in &sources.paths {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "rules".into());
        let mut name = stem.clone();
        let mut n = 1;
        while name == "ecluse" || sets.iter().any(|s| s.name == name) {
            n += 1;
            name = format!("{stem}_{n}");
        }
        let mut files = Vec::new();
        for file in rule_files(path)? {
            let bytes = std::fs::read(&file)
                .with_context(|| format!("cannot read the rule file {}", file.display()))?;
            // Public sets have a few files in Latin-1: read them as YARA does, bytes as they are.
            let text = String::from_utf8(bytes)
                .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| b as char).collect());
            files.push((file.display().to_string(), text));
        }
        sets.push(RuleSet {
            name,
            sources: files,
            default_category: sources.default_category,
        });
    }
    Ok(sets)
}

/// The cache file in `dir`.
fn cache_file(dir: &Path) -> PathBuf {
    dir.join("compiled-rules.bin")
}

/// Compiles the rules, or takes them from the cache in `cache_dir` when it
/// holds these very rules; a compilation replaces the cache (written to a
/// temporary file, then renamed). A cache that cannot be written is only a
/// warning: the rules work without it.
pub fn load(sources: &RuleSources, policy: Policy, cache_dir: Option<&Path>) -> Result<Loaded> {
    let started = Instant::now();
    let sets = read_sets(sources)?;
    if !sources.builtin && sets.is_empty() {
        bail!(
            "[scanner] builtin_rules = false and no [scanner] rules: there would be no rules at all"
        );
    }
    let key = Engine::cache_key(sources.builtin, &sets);
    let mut cache_note = None;
    if let Some(dir) = cache_dir {
        match std::fs::read(cache_file(dir)) {
            Ok(bytes) => match Engine::from_bytes(&bytes, &key, policy.clone()) {
                Ok(engine) => {
                    return Ok(Loaded {
                        engine,
                        from_cache: true,
                        cache_note,
                        elapsed: started.elapsed(),
                    });
                }
                Err(e) => cache_note = Some(e.to_string()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => cache_note = Some(format!("cannot read {}: {e}", cache_file(dir).display())),
        }
    }
    let engine = Engine::compile_sets(sources.builtin, &sets, policy)?;
    if let Some(dir) = cache_dir
        && let Err(e) = write_cache(dir, &engine, &key)
    {
        // `{:#}`: the OS's reason too (« Permission denied »), not only the file.
        tracing::warn!(error = %format!("{e:#}"), "the compiled rules could not be cached; the next start compiles them again");
    }
    Ok(Loaded {
        engine,
        from_cache: false,
        cache_note,
        elapsed: started.elapsed(),
    })
}

fn write_cache(dir: &Path, engine: &Engine, key: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bytes = engine.to_bytes(key)?;
    let tmp = dir.join(format!(".compiled-rules.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, cache_file(dir))
        .with_context(|| format!("renaming {}", tmp.display()))?;
    Ok(())
}

/// The cache directory of `ecluse scan`, which has no data directory:
/// `$XDG_CACHE_HOME/ecluse`, else `~/.cache/ecluse`; none without either.
pub fn user_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("ecluse"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecluse_scanner::Category;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    const RULE: &str = "rule added_rule { strings: $a = \"ecluse-added-marker\" condition: $a }";

    #[test]
    fn a_warm_cache_is_used_and_a_stale_or_damaged_one_is_rebuilt() {
        let tmp = tempfile::tempdir().unwrap();
        let (rules, cache) = (tmp.path().join("rules"), tmp.path().join("cache"));
        std::fs::create_dir(&rules).unwrap();
        write(&rules, "a.yar", RULE);
        let sources = RuleSources {
            paths: vec![rules.clone()],
            builtin: true,
            default_category: Some(Category::Suspicious),
        };
        let cold = load(&sources, Policy::default(), Some(&cache)).unwrap();
        assert!(!cold.from_cache);
        let warm = load(&sources, Policy::default(), Some(&cache)).unwrap();
        assert!(warm.from_cache, "{:?}", warm.cache_note);
        assert_eq!(warm.engine.rule_count(), cold.engine.rule_count());
        // The cached engine finds what the compiled one finds.
        let msg = b"Subject: x\r\nContent-Type: text/plain\r\n\r\necluse-added-marker\r\n";
        let report = ecluse_scanner::scan(&warm.engine, &Default::default(), msg);
        assert!(
            report.parts[0]
                .findings
                .iter()
                .any(|f| f.rule.as_deref() == Some("added_rule"))
        );

        // A changed source: stale, compiled again.
        write(&rules, "a.yar", &RULE.replace("added_rule", "changed_rule"));
        let stale = load(&sources, Policy::default(), Some(&cache)).unwrap();
        assert!(!stale.from_cache);
        assert!(stale.cache_note.unwrap().contains("stale"));

        // A damaged file: its checksum fails, compiled again.
        let file = cache_file(&cache);
        let mut bytes = std::fs::read(&file).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&file, &bytes).unwrap();
        let damaged = load(&sources, Policy::default(), Some(&cache)).unwrap();
        assert!(!damaged.from_cache);
        assert!(damaged.cache_note.unwrap().contains("checksum"));
        assert!(
            load(&sources, Policy::default(), Some(&cache))
                .unwrap()
                .from_cache
        );
    }

    #[test]
    fn sets_are_added_to_the_shipped_rules_unless_switched_off() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "one.yar", RULE);
        let path = tmp.path().join("one.yar");
        let with = RuleSources {
            paths: vec![path.clone()],
            builtin: true,
            default_category: Some(Category::Malware),
        };
        let without = RuleSources {
            builtin: false,
            ..with.clone()
        };
        let shipped = Engine::builtin().rule_count();
        assert_eq!(
            load(&with, Policy::default(), None)
                .unwrap()
                .engine
                .rule_count(),
            shipped + 1
        );
        assert_eq!(
            load(&without, Policy::default(), None)
                .unwrap()
                .engine
                .rule_count(),
            1
        );
        let none = RuleSources {
            paths: vec![],
            builtin: false,
            default_category: None,
        };
        assert!(load(&none, Policy::default(), None).is_err());
    }
}
