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

/// What to tell whoever downloads one, in French: AES-256 ZIPs need 7-Zip
/// (or another tool that knows WinZip's AES), Windows' built-in ZIP
/// folders cannot open them.
pub const OPEN_WITH_FR: &str = "Le ZIP est chiffré en AES-256 : l'outil ZIP intégré à Windows ne sait pas l'ouvrir (il dit que le fichier est invalide ou demande un mot de passe sans l'accepter). Ouvrez-le avec 7-Zip (7-zip.org ; sous Linux, 7z du paquet p7zip-full, ou bsdtar) : unzip, même récent, ne sait pas non plus.";

/// The same in English.
pub const OPEN_WITH_EN: &str = "The ZIP is encrypted with AES-256: the ZIP tool built into Windows cannot open it (it says the file is invalid, or asks for a password and refuses it). Open it with 7-Zip (7-zip.org; on Linux, 7z from the p7zip-full package, or bsdtar): unzip, even a recent one, cannot either.";

/// A ZIP of `files` (name, bytes), each deflated and encrypted with
/// AES-256 (WinZip AE-2) under [`PASSWORD`]: what the CLI's `ecluse
/// quarantine download` writes.
pub fn aes_zip(files: &[(&str, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .with_aes_encryption(AesMode::Aes256, PASSWORD);
    for (name, bytes) in files {
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The encrypted ZIP for `item`: `<queue id>.eml` (the message as received)
/// and `report.json`.
pub fn encrypted_zip(
    item: &HeldItem,
    raw: &[u8],
    report: &Report,
) -> zip::result::ZipResult<Vec<u8>> {
    let report = serde_json::to_vec_pretty(report).expect("reports serialise");
    aes_zip(&[
        (&format!("{}.eml", item.queue_id), raw),
        ("report.json", &report),
    ])
}
