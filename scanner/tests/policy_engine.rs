//! The policy file and the rule engine: defaults, overrides, and errors that
//! name the key, the file and the line.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Action, BUILTIN_RULES, Category, Engine, Error, Limits, Policy, scan};

#[test]
fn default_policy_matches_the_issue() {
    let p = Policy::default();
    assert_eq!(p.action(Category::Malware), Action::Reject);
    for c in Category::ALL.iter().filter(|c| **c != Category::Malware) {
        assert_eq!(p.action(*c), Action::Quarantine, "{c}");
        assert!(!p.self_release(*c));
    }
}

#[test]
fn policy_overrides_and_self_release() {
    let p = Policy::from_toml(
        "macro = \"deliver\"\nmalware = \"quarantine\"\nself_release = [\"type_mismatch\"]\n",
        "test",
    )
    .unwrap();
    assert_eq!(p.action(Category::Macro), Action::Deliver);
    assert_eq!(p.action(Category::Malware), Action::Quarantine);
    assert!(p.self_release(Category::TypeMismatch));
    // The policy changes the verdict of a real scan.
    let engine = Engine::builtin().with_policy(p);
    let docm = samples::with_attachment(
        "m",
        "application/vnd.ms-word.document.macroEnabled.12",
        "f.docm",
        &samples::docm("x"),
    );
    assert_eq!(
        scan(&engine, &Limits::default(), docm.as_bytes()).action,
        Action::Deliver
    );
}

#[test]
fn policy_errors_name_the_key() {
    let err = Policy::from_toml("macros = \"deliver\"", "policy.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("policy.toml") && err.contains("unknown key `macros`"),
        "{err}"
    );
    let err = Policy::from_toml("macro = \"allow\"", "policy.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`macro` must be"), "{err}");
    let err = Policy::from_toml("self_release = [\"nope\"]", "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown category `nope`"), "{err}");
    let err = Policy::from_toml("malware = \"reject\"\nself_release = [\"malware\"]", "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not \"quarantine\""), "{err}");
    let err = Policy::from_toml("self_release = [\"external_content\"]", "p")
        .unwrap_err()
        .to_string();
    assert!(err.contains("released by an admin only"), "{err}");
    let err = Policy::from_toml("macro = ", "p").unwrap_err();
    assert!(matches!(err, Error::Policy { .. }));
}

#[test]
fn rule_compile_errors_name_file_and_line() {
    let bad = "rule ok { meta: category = \"malware\" condition: true }\n\nrule broken {\n  condition: $missing\n}\n";
    let err = Engine::compile(&[("rules/bad.yar", bad)], Policy::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("rules/bad.yar:4"), "{err}");
}

#[test]
fn rule_without_category_is_refused() {
    let src = "rule nameless { condition: true }";
    let err = Engine::compile(&[("a.yar", src)], Policy::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nameless") && err.contains("a.yar") && err.contains("category"),
        "{err}"
    );
    let src = "rule odd { meta: category = \"spam\" condition: true }";
    let err = Engine::compile(&[("b.yar", src)], Policy::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("`category = \"spam\"`"), "{err}");
    assert!(matches!(
        Engine::compile::<&str, &str>(&[], Policy::default()),
        Err(Error::NoRules)
    ));
}

#[test]
fn a_public_rule_set_without_categories_gets_the_default() {
    let src = "rule public_hunt { strings: $a = \"hunt-me-please\" condition: $a }\n\
               rule ours { meta: category = \"MALWARE\" strings: $b = \"ours-ours\" condition: $b }\n\
               rule theirs { meta: category = \"INFO\" strings: $c = \"their-words\" condition: $c }";
    let engine = Engine::compile_with_default(
        &[("public.yar", src)],
        Policy::default(),
        Some(Category::Suspicious),
    )
    .unwrap();
    let msg = |body: &str| format!("Subject: t\r\n\r\n{body}\r\n");
    let hit = scan(
        &engine,
        &Limits::default(),
        msg("hunt-me-please").as_bytes(),
    );
    assert_eq!(hit.categories, vec![Category::Suspicious], "{hit:?}");
    // A category the rule names itself still wins over the default.
    let ours = scan(&engine, &Limits::default(), msg("ours-ours").as_bytes());
    assert_eq!(ours.categories, vec![Category::Malware], "{ours:?}");
    let theirs = scan(&engine, &Limits::default(), msg("their-words").as_bytes());
    assert_eq!(theirs.categories, vec![Category::Suspicious], "{theirs:?}");
    // Without a default, the same set is refused as before.
    assert!(Engine::compile_with_default(&[("public.yar", src)], Policy::default(), None).is_err());
}

#[test]
fn every_signature_file_is_built_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../signatures");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| format!("signatures/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".yar"))
        .collect();
    on_disk.sort();
    let mut built_in: Vec<String> = BUILTIN_RULES.iter().map(|(n, _)| n.to_string()).collect();
    built_in.sort();
    assert_eq!(on_disk, built_in);
    for (name, text) in BUILTIN_RULES {
        assert!(
            text.trim_start().starts_with("//"),
            "{name} must open with a comment saying what it catches"
        );
    }
    let engine = Engine::builtin();
    assert!(engine.rule_count() >= BUILTIN_RULES.len());
    // A slow pattern would slow every scan: the shipped rules have none.
    assert!(engine.warnings().is_empty(), "{:#?}", engine.warnings());
}
