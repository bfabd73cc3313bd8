//! The rule engines end to end: `ecluse serve` with rule sets added to the
//! shipped ones, reloaded by SIGHUP and `ecluse reload` while sessions go
//! on, and the public signature-base set (`../shared/rules/`, see its
//! README; `ECLUSE_SIGNATURE_BASE` points elsewhere) with a rule of its
//! `pe` module and one of its LOKI/THOR externals firing.

use ecluse_tests::{Gateway, Sink, samples, send_one};
use std::path::PathBuf;
use std::time::Duration;

const AGENT: &str = "agent@ville-exemple.fr";

/// A message whose text attachment carries `marker`.
fn with_marker(marker: &str) -> Vec<u8> {
    samples::with_attachment(
        "Compte rendu",
        "text/plain",
        "compte-rendu.txt",
        format!("Compte rendu du conseil municipal\r\n{marker}\r\n").as_bytes(),
    )
    .into_bytes()
}

/// A rule of the town's own, in no category of ours (it takes the set's).
fn town_rule(marker: &str) -> String {
    format!("rule Town_Marker {{ strings: $a = \"{marker}\" condition: $a }}\n")
}

fn gateway_with_rules(rules: &[(&str, String)], scanner: &str) -> (Gateway, Sink) {
    let sink = Sink::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    for (name, text) in rules {
        std::fs::write(dir.path().join("rules").join(name), text).unwrap();
    }
    let config = format!(
        "{}\n[scanner]\n{scanner}\n",
        Gateway::config_text(sink.addr, "")
    );
    (Gateway::start_in(dir, &config), sink)
}

fn pid(g: &Gateway) -> String {
    let running: serde_json::Value =
        serde_json::from_slice(&std::fs::read(g.data_dir().join("serve.json")).unwrap()).unwrap();
    running["pid"].to_string()
}

/// Waits until the server log has `needle` `n` times.
fn wait_log(g: &Gateway, needle: &str, n: usize) {
    let start = std::time::Instant::now();
    while g.log().matches(needle).count() < n {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {needle:?} in the log:\n{}",
            g.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn reloads_keep_the_rules_in_force_when_the_new_ones_are_broken_and_sessions_go_on() {
    let (g, _sink) = gateway_with_rules(
        &[("town.yar", town_rule("marqueur-alpha"))],
        "rules = [\"rules\"]\nrules_category = \"malware\"",
    );
    // Added to the shipped rules: the town's marker and EICAR are refused.
    assert!(
        send_one(
            g.smtp,
            "a@example.org",
            &[AGENT],
            &with_marker("marqueur-alpha")
        )
        .starts_with("550")
    );
    let eicar =
        samples::with_attachment("x", "text/plain", "e.txt", &samples::eicar()).into_bytes();
    assert!(send_one(g.smtp, "a@example.org", &[AGENT], &eicar).starts_with("550"));

    // A session opened before the reload, finished after it.
    let mut early = g.client();
    early.cmd("EHLO client.example.org");
    assert!(early.cmd("MAIL FROM:<a@example.org>").starts_with("250"));
    assert!(early.cmd(&format!("RCPT TO:<{AGENT}>")).starts_with("250"));

    // A broken rule file: SIGHUP and `ecluse reload` both keep the old rules.
    let rules = g.dir.path().join("rules");
    std::fs::write(
        rules.join("broken.yar"),
        "rule Broken { condition: nope }\n",
    )
    .unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid(&g)])
        .status()
        .unwrap();
    assert!(status.success());
    wait_log(&g, "reload failed", 1);
    assert!(g.log().contains("broken.yar"), "{}", g.log());
    let (code, _, err) = g.cli(&["reload"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("broken.yar") && err.contains("keeps"), "{err}");
    assert!(
        send_one(
            g.smtp,
            "a@example.org",
            &[AGENT],
            &with_marker("marqueur-alpha")
        )
        .starts_with("550")
    );
    assert!(early.cmd("DATA").starts_with("354"));
    early.send_raw(&ecluse_tests::dot_stuff(&with_marker("marqueur-alpha")));
    assert!(
        early.reply().starts_with("550"),
        "the early session goes on"
    );

    // Good rules: taken at once, without a restart.
    std::fs::remove_file(rules.join("broken.yar")).unwrap();
    std::fs::write(rules.join("town.yar"), town_rule("marqueur-beta")).unwrap();
    let (code, out, err) = g.cli(&["reload"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("YARA rules compiled"), "{out}");
    assert!(
        send_one(
            g.smtp,
            "a@example.org",
            &[AGENT],
            &with_marker("marqueur-beta")
        )
        .starts_with("550")
    );
    assert!(
        send_one(
            g.smtp,
            "a@example.org",
            &[AGENT],
            &with_marker("marqueur-alpha")
        )
        .starts_with("250")
    );

    // The next start takes the compiled rules from the cache.
    let mut g = g;
    g.stop();
    g.restart();
    assert!(g.log().contains("from the cache"), "{}", g.log());
    assert!(
        send_one(
            g.smtp,
            "a@example.org",
            &[AGENT],
            &with_marker("marqueur-beta")
        )
        .starts_with("550")
    );
}

/// The public signature-base rule set.
fn signature_base() -> PathBuf {
    std::env::var_os("ECLUSE_SIGNATURE_BASE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/rules/signature-base")
        })
}

/// A small PE32 that yara-x's `pe` module parses (headers, one section,
/// no signature), with `text` (UTF-16LE) in its section.
fn pe_with(texts: &[&str]) -> Vec<u8> {
    let mut v = vec![0u8; 0x400];
    v[0..2].copy_from_slice(b"MZ");
    v[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    let put16 =
        |v: &mut Vec<u8>, at: usize, x: u16| v[at..at + 2].copy_from_slice(&x.to_le_bytes());
    let put32 =
        |v: &mut Vec<u8>, at: usize, x: u32| v[at..at + 4].copy_from_slice(&x.to_le_bytes());
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    let coff = 0x84;
    put16(&mut v, coff, 0x14c); // i386
    put16(&mut v, coff + 2, 1); // one section
    put16(&mut v, coff + 16, 0xe0); // SizeOfOptionalHeader
    put16(&mut v, coff + 18, 0x0102); // executable, 32-bit
    let opt = coff + 20;
    put16(&mut v, opt, 0x10b); // PE32
    put32(&mut v, opt + 16, 0x1000); // AddressOfEntryPoint
    put32(&mut v, opt + 28, 0x0040_0000); // ImageBase
    put32(&mut v, opt + 32, 0x1000); // SectionAlignment
    put32(&mut v, opt + 36, 0x200); // FileAlignment
    put16(&mut v, opt + 40, 4); // MajorOperatingSystemVersion
    put16(&mut v, opt + 48, 4); // MajorSubsystemVersion
    put32(&mut v, opt + 56, 0x2000); // SizeOfImage
    put32(&mut v, opt + 60, 0x200); // SizeOfHeaders
    put16(&mut v, opt + 68, 2); // Windows GUI
    put32(&mut v, opt + 92, 16); // NumberOfRvaAndSizes
    let sect = opt + 0xe0;
    v[sect..sect + 5].copy_from_slice(b".text");
    put32(&mut v, sect + 8, 0x1000); // VirtualSize
    put32(&mut v, sect + 12, 0x1000); // VirtualAddress
    put32(&mut v, sect + 16, 0x200); // SizeOfRawData
    put32(&mut v, sect + 20, 0x200); // PointerToRawData
    put32(&mut v, sect + 36, 0x6000_0020); // code, execute, read
    let mut at = 0x200;
    for text in texts {
        for u in text.encode_utf16() {
            put16(&mut v, at, u);
            at += 2;
        }
        at += 4;
    }
    v
}

/// Every held item's scan report, as `ecluse quarantine show --json` prints it.
fn reports(g: &Gateway) -> String {
    shown(g).concat()
}

/// `ecluse quarantine show --json` of each held item.
fn shown(g: &Gateway) -> Vec<String> {
    let (code, list, err) = g.cli(&["quarantine", "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    list.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|item| {
            g.cli(&["quarantine", "show", item["id"].as_str().unwrap(), "--json"])
                .1
        })
        .collect()
}

/// How many held items have `rule` among their report's findings.
fn items_naming(g: &Gateway, rule: &str) -> usize {
    shown(g)
        .iter()
        .filter(|report| report.contains(&format!("\"{rule}\"")))
        .count()
}

#[test]
fn signature_base_loads_and_its_pe_and_filename_rules_fire() {
    let base = signature_base();
    assert!(
        base.is_dir(),
        "the signature-base rule set is not at {} (see ../shared/rules/README.md)",
        base.display()
    );
    let sink = Sink::start();
    let config = format!(
        "{}\n[scanner]\nrules = [\"{}\"]\nrules_category = \"suspicious\"\n",
        Gateway::config_text(sink.addr, ""),
        base.display()
    );
    // Compiled once and cached by check-config, as the packaged unit's
    // ExecStartPre does (the whole set takes over a minute to compile on
    // two cores); the server then starts from the cache.
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("ecluse.toml");
    std::fs::write(&config_path, &config).unwrap();
    let checked = std::process::Command::new(ecluse_tests::ecluse_bin())
        .args(["check-config", "--config"])
        .arg(&config_path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // Loaded whole, warnings counted on one line, none printed per rule.
    assert!(out.contains("YARA rules compiled"), "{out}");
    assert!(!out.contains("rule warning"), "{out}");
    let g = Gateway::start_in(dir, &config);
    let log = g.log();
    assert!(log.contains("YARA rules from the cache"), "{log}");
    // APT17_Unsigned_Symantec_Binary_EFA: two UTF-16 strings, and the `pe`
    // module's pe.number_of_signatures == 0.
    let pe = pe_with(&[
        "Copyright (c) 2007 - 2011 Symantec Corporation",
        "\\\\.\\SYMEFA",
    ]);
    let msg = samples::with_attachment("Outil", "application/octet-stream", "outil.bin", &pe)
        .into_bytes();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250"), "{reply}");
    assert!(
        reports(&g).contains("APT17_Unsigned_Symantec_Binary_EFA"),
        "{}",
        reports(&g)
    );
    // VULN_Linux_Sudoers_Commands: the `filename` external is "sudoers".
    let sudoers = b"deploy ALL=(root) NOPASSWD: /usr/bin/less /var/log/syslog\n";
    let msg = samples::with_attachment("Conf", "text/plain", "sudoers", sudoers).into_bytes();
    send_one(g.smtp, "a@example.org", &[AGENT], &msg);
    assert!(
        reports(&g).contains("VULN_Linux_Sudoers_Commands"),
        "{}",
        reports(&g)
    );
    // The same bytes under another name: the rule does not fire.
    let msg = samples::with_attachment("Conf", "text/plain", "notes.txt", sudoers).into_bytes();
    let reply = send_one(g.smtp, "a@example.org", &[AGENT], &msg);
    assert!(reply.starts_with("250"), "{reply}");
    // One held item names the rule: the sudoers file's, not the notes'.
    assert_eq!(items_naming(&g, "VULN_Linux_Sudoers_Commands"), 1, "{}", reports(&g));
}
