//! The objects kept for a second engine (ClamAV) that reads the message
//! itself: only what that engine would not reach on its own.

#[path = "../examples/samples/mod.rs"]
mod samples;

use base64::Engine as _;
use ecluse_scanner::{Engine, Limits, scan_keeping_objects};

fn kept(message: &[u8]) -> Vec<String> {
    let (_, objects) =
        scan_keeping_objects(&Engine::builtin(), &Limits::default(), message, 64 << 20);
    objects.into_iter().map(|(path, _)| path).collect()
}

#[test]
fn what_clamav_unpacks_itself_is_not_kept_and_our_readings_are() {
    let payload = b"Rapport trimestriel, colonnes a;b;c\r\n".repeat(40);
    // In a ZIP attachment: ClamAV unpacks MIME and ZIP itself.
    let zip = samples::zip(&[("rapport.csv", payload.as_slice())]);
    let message = samples::with_attachment("Rapport", "application/zip", "rapport.zip", &zip);
    assert_eq!(kept(message.as_bytes()), Vec::<String>::new());
    // A base64 run in the text of the mail, which no header declares:
    // ClamAV's MIME reading leaves it encoded; ours decodes it.
    let encoded = base64::engine::general_purpose::STANDARD.encode(&zip);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let text = format!(
        "Bonjour,\r\n\r\nle rapport :\r\n\r\n{}\r\n\r\nCordialement\r\n",
        lines.join("\r\n")
    );
    let message = samples::message("Rapport", &samples::text_part(&text));
    let paths = kept(message.as_bytes());
    assert!(
        !paths.is_empty(),
        "the decoded run and what it holds are kept"
    );
}
