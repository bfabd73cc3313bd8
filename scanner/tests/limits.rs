//! Every limit of `Limits`, checked at its edge: exactly at the limit the
//! object is scanned, one step past it the budget finding appears.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Engine, FindingKind, Limits, Report, scan};
use samples::*;
use std::time::Duration;

fn kinds(report: &Report) -> Vec<FindingKind> {
    report.all_findings().map(|(_, f)| f.kind).collect()
}

fn has(report: &Report, kind: FindingKind) -> bool {
    kinds(report).contains(&kind)
}

/// A message whose whole body is one base64 attachment, so the only bytes
/// decoded before the attachment's entries are the attachment itself.
fn single(ctype: &str, name: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "{}Content-Type: {ctype}; name=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        headers("limite"),
        b64(data)
    )
    .into_bytes()
}

#[test]
fn mime_parts_at_the_edge() {
    // Root multipart + 3 leaves = 4 parts.
    let msg = message(
        "parts",
        &multipart(
            "mixed",
            "b",
            &[text_part("a"), text_part("b"), text_part("c")],
        ),
    );
    let engine = Engine::builtin();
    let at = Limits {
        max_mime_parts: 4,
        ..Limits::default()
    };
    assert!(!has(
        &scan(&engine, &at, msg.as_bytes()),
        FindingKind::MimeLimitExceeded
    ));
    let past = Limits {
        max_mime_parts: 3,
        ..Limits::default()
    };
    let report = scan(&engine, &past, msg.as_bytes());
    assert!(has(&report, FindingKind::MimeLimitExceeded));
    assert_eq!(report.action, ecluse_scanner::Action::Quarantine);
}

#[test]
fn mime_depth_at_the_edge() {
    // Three nested multiparts: leaves sit at depth 3.
    let inner = multipart("mixed", "c", &[text_part("x")]);
    let middle = multipart("mixed", "bb", &[inner]);
    let msg = message("depth", &multipart("mixed", "aaa", &[middle]));
    let engine = Engine::builtin();
    let at = Limits {
        max_mime_depth: 3,
        ..Limits::default()
    };
    assert!(!has(
        &scan(&engine, &at, msg.as_bytes()),
        FindingKind::MimeLimitExceeded
    ));
    let past = Limits {
        max_mime_depth: 2,
        ..Limits::default()
    };
    assert!(has(
        &scan(&engine, &past, msg.as_bytes()),
        FindingKind::MimeLimitExceeded
    ));
}

#[test]
fn archive_depth_at_the_edge() {
    let inner = zip(&[("fond.txt", b"le fond".as_slice())]);
    let outer = zip(&[("inner.zip", inner.as_slice())]);
    let msg = single("application/zip", "outer.zip", &outer);
    let engine = Engine::builtin();
    let at = Limits {
        max_archive_depth: 2,
        ..Limits::default()
    };
    let report = scan(&engine, &at, &msg);
    assert!(
        !has(&report, FindingKind::DepthExceeded),
        "{:?}",
        kinds(&report)
    );
    assert_eq!(
        report.parts[0].children[0].children[0].filename.as_deref(),
        Some("fond.txt")
    );
    let past = Limits {
        max_archive_depth: 1,
        ..Limits::default()
    };
    assert!(has(&scan(&engine, &past, &msg), FindingKind::DepthExceeded));
}

#[test]
fn archive_entries_at_the_edge() {
    let files: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("{i}.txt"), vec![b'a'; 10]))
        .collect();
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let msg = single("application/zip", "five.zip", &zip(&entries));
    let engine = Engine::builtin();
    let at = Limits {
        max_archive_entries: 5,
        ..Limits::default()
    };
    let report = scan(&engine, &at, &msg);
    assert!(!has(&report, FindingKind::EntriesExceeded));
    assert_eq!(report.parts[0].children.len(), 5);
    let past = Limits {
        max_archive_entries: 4,
        ..Limits::default()
    };
    let report = scan(&engine, &past, &msg);
    assert!(has(&report, FindingKind::EntriesExceeded));
    assert_eq!(report.parts[0].children.len(), 4);
}

#[test]
fn object_size_at_the_edge_without_trusting_declared_sizes() {
    // gzip declares no size that we use: only the bytes read count.
    let msg = single(
        "application/gzip",
        "data.gz",
        &gzip("data.txt", &vec![b'x'; 1000]),
    );
    let engine = Engine::builtin();
    let at = Limits {
        max_object_size: 1000,
        ..Limits::default()
    };
    assert!(!has(&scan(&engine, &at, &msg), FindingKind::SizeExceeded));
    let past = Limits {
        max_object_size: 999,
        ..Limits::default()
    };
    assert!(has(&scan(&engine, &past, &msg), FindingKind::SizeExceeded));
}

#[test]
fn mime_part_size_at_the_edge() {
    // A MIME part, not an archive entry: judged by the same budgets.
    let msg = single("application/octet-stream", "data.bin", &vec![b'x'; 1000]);
    let engine = Engine::builtin();
    let at = Limits {
        max_object_size: 1000,
        ..Limits::default()
    };
    assert!(!has(&scan(&engine, &at, &msg), FindingKind::SizeExceeded));
    let past = Limits {
        max_object_size: 999,
        ..Limits::default()
    };
    let report = scan(&engine, &past, &msg);
    assert!(has(&report, FindingKind::SizeExceeded));
    assert_eq!(report.action, ecluse_scanner::Action::Quarantine);
    let total = Limits {
        max_expanded_bytes: 999,
        ..Limits::default()
    };
    assert!(has(&scan(&engine, &total, &msg), FindingKind::SizeExceeded));
}

#[test]
fn expanded_bytes_at_the_edge() {
    let gz = gzip("data.txt", &vec![b'x'; 1000]);
    let msg = single("application/gzip", "data.gz", &gz);
    let engine = Engine::builtin();
    let total = gz.len() as u64 + 1000;
    let at = Limits {
        max_expanded_bytes: total,
        ..Limits::default()
    };
    let report = scan(&engine, &at, &msg);
    assert!(!has(&report, FindingKind::SizeExceeded));
    assert_eq!(report.scanned_bytes, total);
    let past = Limits {
        max_expanded_bytes: total - 1,
        ..Limits::default()
    };
    assert!(has(&scan(&engine, &past, &msg), FindingKind::SizeExceeded));
}

#[test]
fn entry_ratio_and_floor_at_the_edge() {
    // 2 MiB of zeros deflate about 1000:1.
    let zeros = vec![0u8; 2 << 20];
    let msg = single(
        "application/zip",
        "zeros.zip",
        &zip(&[("zeros.bin", zeros.as_slice())]),
    );
    let engine = Engine::builtin();
    let lenient = Limits {
        max_entry_ratio: 5000,
        ..Limits::default()
    };
    assert!(!has(
        &scan(&engine, &lenient, &msg),
        FindingKind::RatioExceeded
    ));
    let strict = Limits {
        max_entry_ratio: 200,
        ..Limits::default()
    };
    assert!(has(
        &scan(&engine, &strict, &msg),
        FindingKind::RatioExceeded
    ));
    // Below the floor the ratio is not judged.
    let floor = Limits {
        max_entry_ratio: 200,
        ratio_floor: 2 << 20,
        ..Limits::default()
    };
    assert!(!has(
        &scan(&engine, &floor, &msg),
        FindingKind::RatioExceeded
    ));
}

#[test]
fn scan_time_at_the_edge() {
    let msg = with_attachment("t", "application/pdf", "a.pdf", &pdf("", &[]));
    let engine = Engine::builtin();
    let none = Limits {
        max_scan_time: Duration::ZERO,
        ..Limits::default()
    };
    let report = scan(&engine, &none, msg.as_bytes());
    assert!(has(&report, FindingKind::TimeExceeded));
    assert_eq!(report.action, ecluse_scanner::Action::Quarantine);
    let enough = Limits {
        max_scan_time: Duration::from_secs(60),
        ..Limits::default()
    };
    assert!(!has(
        &scan(&engine, &enough, msg.as_bytes()),
        FindingKind::TimeExceeded
    ));
}

#[test]
fn defaults_are_documented_values() {
    let l = Limits::default();
    assert_eq!(l.max_mime_depth, 20);
    assert_eq!(l.max_mime_parts, 1_000);
    assert_eq!(l.max_archive_depth, 6);
    assert_eq!(l.max_archive_entries, 10_000);
    assert_eq!(l.max_expanded_bytes, 512 << 20);
    assert_eq!(l.max_object_size, 100 << 20);
    assert_eq!(l.max_entry_ratio, 200);
    assert_eq!(l.ratio_floor, 1 << 20);
    assert_eq!(l.max_scan_time, Duration::from_secs(60));
}

#[test]
fn encoded_file_size_at_the_edge() {
    // BinHex 4.0 run-length encodes: 1,000 bytes of 'x' take a few
    // characters, so the part is small and the decoded file is judged
    // against the budget as an archive entry is (issue 32).
    let msg = single(
        "application/mac-binhex40",
        "data.hqx",
        binhex("data.txt", &vec![b'x'; 1000]).as_bytes(),
    );
    let engine = Engine::builtin();
    let at = Limits {
        max_object_size: 1000,
        ..Limits::default()
    };
    let report = scan(&engine, &at, &msg);
    assert!(
        !has(&report, FindingKind::SizeExceeded),
        "{:?}",
        kinds(&report)
    );
    assert_eq!(report.action, ecluse_scanner::Action::Deliver);
    let past = Limits {
        max_object_size: 999,
        ..Limits::default()
    };
    let report = scan(&engine, &past, &msg);
    assert!(has(&report, FindingKind::SizeExceeded));
    assert_eq!(report.action, ecluse_scanner::Action::Quarantine);
}
