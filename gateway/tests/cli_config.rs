//! `ecluse check-config` on the shipped example and on broken files.

use std::process::Command;

fn check(path: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ecluse"))
        .args(["check-config", "--config"])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_example_config_checks_out() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ecluse.example.toml");
    let (code, out, err) = check(&example);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("configuration OK"), "{out}");
    assert!(
        out.contains("mail for ville-exemple.fr") && out.contains("relaying to 10.0.0.5:25"),
        "{out}"
    );
}

#[test]
fn a_broken_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[smtp]\naccepted_domains = [\"ville-exemple.fr\"]\nmax_message_size = \"big\"\n[relay]\ndownstream = \"10.0.0.5:25\"\n").unwrap();
    let (code, _, err) = check(&path);
    assert_eq!(code, 1);
    assert!(
        err.contains("[smtp] max_message_size") && err.contains("`big` is not a size"),
        "{err}"
    );
    let (code, _, err) = check(&dir.path().join("missing.toml"));
    assert_eq!(code, 1);
    assert!(err.contains("cannot read it"), "{err}");
}
