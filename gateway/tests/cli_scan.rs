//! `ecluse scan` as a user runs it: the real binary on the golden fixtures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scanner/tests/fixtures/eml")
        .join(rel)
}

/// Runs `ecluse` with a compiled-rules cache of its own, removed after.
fn ecluse(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ecluse"))
        .env("XDG_CACHE_HOME", cache.path())
        .args(args)
        .output()
        .unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn eicar_in_zip_in_zip_exits_2() {
    let out = ecluse(&["scan", path(&fixture("malware/101-eicar-zip-in-zip.eml"))]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("REJECT") && text.contains("EICAR_Test_File"),
        "{text}"
    );
    assert!(
        text.contains("2/inner.zip/eicar.txt"),
        "the tree shows the path into the archives: {text}"
    );
}

#[test]
fn docm_renamed_docx_exits_1() {
    let out = ecluse(&["scan", path(&fixture("sniff/065-docm-renamed-docx.eml"))]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("QUARANTINE") && text.contains("type_mismatch") && text.contains("macro"),
        "{text}"
    );
}

#[test]
fn plain_pdf_invoice_exits_0() {
    let out = ecluse(&["scan", path(&fixture("clean/004-pdf-invoice.eml"))]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("DELIVER"));
}

#[test]
fn worst_message_decides_the_exit_code() {
    let out = ecluse(&[
        "scan",
        path(&fixture("clean/004-pdf-invoice.eml")),
        path(&fixture("sniff/050-exe.eml")),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_has_the_documented_fields() {
    let out = ecluse(&[
        "scan",
        "--json",
        path(&fixture("archive/090-zip-in-zip-docm.eml")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["action"], "quarantine");
    assert_eq!(v["category"], "macro");
    assert!(
        v["file"]
            .as_str()
            .unwrap()
            .ends_with("090-zip-in-zip-docm.eml")
    );
    let zip = &v["parts"][1];
    for key in [
        "path",
        "filename",
        "declared_type",
        "detected_type",
        "size",
        "sha256",
        "findings",
        "children",
    ] {
        assert!(zip.get(key).is_some(), "missing {key} in {zip}");
    }
    let docm = &zip["children"][0]["children"][0];
    assert_eq!(docm["filename"], "formulaire.docm");
    assert_eq!(
        docm["detected_type"],
        "application/vnd.ms-word.document.macroEnabled.12"
    );
    assert_eq!(docm["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn json_is_one_line_per_message_and_directories_recurse() {
    let out = ecluse(&["scan", "--json", path(&fixture("budget"))]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 3, "three budget fixtures");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["category"], "budget_exceeded");
    }
}

#[test]
fn many_messages_end_with_a_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rel) in [
        ("a-clean.eml", "clean/004-pdf-invoice.eml"),
        ("b-docm.eml", "sniff/065-docm-renamed-docx.eml"),
        ("c-eicar.eml", "malware/101-eicar-zip-in-zip.eml"),
        ("d-exe.eml", "sniff/050-exe.eml"),
    ] {
        std::fs::copy(fixture(rel), dir.path().join(name)).unwrap();
    }
    let missing = dir.path().join("gone.eml");
    let out = ecluse(&["scan", path(dir.path()), path(&missing)]);
    assert_eq!(out.status.code(), Some(3), "an unreadable file wins");
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = &text[text.find("Summary:").expect("a summary")..];
    assert!(summary.contains("5 messages"), "{summary}");
    let count = |label: &str| -> u32 {
        let line = summary
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap();
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    assert_eq!(count("DELIVER ("), 1, "{summary}");
    assert_eq!(count("QUARANTINE ("), 2, "{summary}");
    assert_eq!(count("REJECT ("), 1, "{summary}");
    assert_eq!(count("ERROR ("), 1, "{summary}");
    // Every message not delivered untouched is named, with its category.
    let flagged: Vec<&str> = summary.lines().filter(|l| l.contains(".eml")).collect();
    assert_eq!(flagged.len(), 3, "{summary}");
    assert!(
        flagged
            .iter()
            .any(|l| l.contains("REJECT") && l.contains("c-eicar.eml"))
    );
    assert!(
        flagged
            .iter()
            .any(|l| l.contains("macro") && l.contains("b-docm.eml"))
    );
    assert!(!summary.contains("a-clean.eml"), "{summary}");
    // Piped, there is no bar on standard error, only the one error line.
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("gone.eml") && !err.contains("Scanning"),
        "{err}"
    );
}

#[test]
fn one_message_and_json_have_no_summary() {
    let out = ecluse(&["scan", path(&fixture("clean/004-pdf-invoice.eml"))]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Summary"));
    let out = ecluse(&["scan", "--json", path(&fixture("budget"))]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Summary"));
}

#[test]
fn stdin_is_read_with_dash() {
    let raw = std::fs::read(fixture("malware/100-eicar.eml")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecluse"))
        .args(["scan", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn errors_exit_3_with_one_line() {
    let out = ecluse(&["scan", "/nonexistent/message.eml"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read /nonexistent/message.eml"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "macros = \"deliver\"\n").unwrap();
    let out = ecluse(&[
        "scan",
        "--policy",
        path(&policy),
        path(&fixture("clean/001-plain-text.eml")),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown key `macros`") && err.lines().count() == 1,
        "{err}"
    );

    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("bad.yar"), "rule x {\n condition: nope\n}\n").unwrap();
    let out = ecluse(&[
        "scan",
        "--rules",
        path(&rules),
        path(&fixture("clean/001-plain-text.eml")),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.yar"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn policy_file_changes_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "executable = \"reject\"\n").unwrap();
    let out = ecluse(&[
        "scan",
        "--policy",
        path(&policy),
        path(&fixture("sniff/050-exe.eml")),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn custom_rules_are_added_to_the_shipped_rules_or_replace_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("town.yar"),
        "rule Town_Word { meta: category = \"suspicious\" strings: $a = \"conseil municipal\" condition: $a }\n",
    )
    .unwrap();
    let out = ecluse(&[
        "scan",
        "--rules",
        path(dir.path()),
        path(&fixture("clean/014-odt.eml")),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Added: the shipped rules still know EICAR.
    let eicar = fixture("malware/100-eicar.eml");
    let out = ecluse(&["scan", "--rules", path(dir.path()), path(&eicar)]);
    assert_eq!(out.status.code(), Some(2));
    // Without the shipped rules, EICAR alone is no longer known malware.
    let out = ecluse(&[
        "scan",
        "--no-builtin-rules",
        "--rules",
        path(dir.path()),
        path(&eicar),
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn public_rules_without_our_categories_need_rules_category() {
    let dir = tempfile::tempdir().unwrap();
    // The shape of a public set's rule: its own meta, none of our categories.
    std::fs::write(
        dir.path().join("public.yar"),
        "rule Public_Hunt { meta: author = \"someone\" category = \"INFO\" strings: $a = \"conseil municipal\" condition: $a }\n",
    )
    .unwrap();
    let msg = fixture("clean/014-odt.eml");
    let out = ecluse(&["scan", "--rules", path(dir.path()), path(&msg)]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Public_Hunt") && err.contains("public.yar"),
        "{err}"
    );
    let out = ecluse(&[
        "scan",
        "--json",
        "--rules",
        path(dir.path()),
        "--rules-category",
        "suspicious",
        path(&msg),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["category"], "suspicious");
    let out = ecluse(&[
        "scan",
        "--rules",
        path(dir.path()),
        "--rules-category",
        "spam",
        path(&msg),
    ]);
    // A usage error is an error (3), never a verdict (2 is "rejected").
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a category"));
    let out = ecluse(&["scan", "--no-such-option", path(&msg)]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(ecluse(&["scan", "--help"]).status.code(), Some(0));
}
