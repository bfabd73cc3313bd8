//! The file an admin downloads: the original message and its scan report in
//! an AES-256 ZIP whose password is `infected`, the convention of malware
//! analysts, so that desktop antivirus leaves it alone and nobody opens it
//! by a double click.

use ecluse_quarantine::HeldItem;
use ecluse_scanner::Report;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipWriter};

/// The ZIP's password.
pub const PASSWORD: &str = "infected";

/// The encrypted ZIP for `item`: `<queue id>.eml` (the message as received)
/// and `report.json`.
pub fn encrypted_zip(
    item: &HeldItem,
    raw: &[u8],
    report: &Report,
) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .with_aes_encryption(AesMode::Aes256, PASSWORD);
    zip.start_file(format!("{}.eml", item.queue_id), options)?;
    zip.write_all(raw)?;
    zip.start_file("report.json", options)?;
    zip.write_all(&serde_json::to_vec_pretty(report).expect("reports serialise"))?;
    Ok(zip.finish()?.into_inner())
}
