//! The golden corpus: every `fixtures/eml/<class>/<name>.eml` is scanned with
//! the shipped rules and default policy, and its action and set of
//! categories must equal those in `<name>.expect.toml`. Regenerate the
//! corpus with `cargo run -p ecluse-scanner --example make_fixtures`.

use ecluse_scanner::{Engine, Limits, scan};
#[path = "../examples/samples/mod.rs"]
mod samples;

#[derive(serde::Deserialize)]
struct Expect {
    action: String,
    categories: Vec<String>,
}

#[test]
fn golden_corpus() {
    let engine = Engine::builtin();
    let limits = Limits::default();
    let files = samples::golden_paths();
    assert!(
        files.len() >= 60,
        "the corpus has {} messages, fewer than 60",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let raw = std::fs::read(path).unwrap();
        let expect_path = path.with_extension("expect.toml");
        let expect: Expect = toml::from_str(&std::fs::read_to_string(&expect_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
        let report = scan(&engine, &limits, &raw);
        let mut got: Vec<String> = report.categories.iter().map(|c| c.to_string()).collect();
        got.sort();
        let mut want = expect.categories.clone();
        want.sort();
        if report.action.as_str() != expect.action || got != want {
            let details: Vec<String> = report
                .all_findings()
                .map(|(p, f)| format!("    [{p}] {:?}: {}", f.kind, f.detail))
                .collect();
            failures.push(format!(
                "{}: expected {} {:?}, got {} {:?}\n{}",
                path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .display(),
                expect.action,
                want,
                report.action,
                got,
                details.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
