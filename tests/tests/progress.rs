//! Long commands at a terminal: `ecluse scan` over a directory draws a bar
//! (on a pseudo-terminal made by util-linux `script`), then its summary.
//! `audit verify`'s bar, fed by the running server, is in `quarantine.rs`.

use ecluse_tests::{ecluse_bin, on_tty};
use std::path::Path;

#[test]
fn scan_of_a_directory_draws_a_bar_then_the_summary() {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scanner/tests/fixtures/eml/sniff");
    let total = std::fs::read_dir(&fixtures)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count();
    let (code, screen) = on_tty(&[
        ecluse_bin().display().to_string(),
        "scan".into(),
        fixtures.display().to_string(),
    ]);
    assert_eq!(code, 1, "the sniff fixtures hold things: {screen}");
    assert!(screen.contains("Analyse / Scanning"), "{screen}");
    assert!(
        screen.contains(&format!("/{total} ")),
        "the bar counts the {total} files: {screen}"
    );
    let summary = &screen[screen.rfind("Summary:").expect("a summary")..];
    assert!(summary.contains(&format!("{total} messages")), "{summary}");
}
