//! What a file name says, read as Windows reads it (trailing dots and
//! spaces, invisible controls, NTFS streams), and the findings it gives:
//! a dangerous or double extension, bidi controls, and a real type that
//! contradicts the name or the declared type. The dangerous extensions
//! themselves are the table of [`crate::dangerous`].

use super::sniff::{self, Detected};
use crate::dangerous::{self, NameClass};
use crate::report::{Finding, FindingKind};
use crate::sentence::{FileKind, NameRole, Sentence};

/// Disk images.
const DISK_IMAGE_EXT: &[&str] = &["iso", "img", "udf", "vhd", "vhdx", "dmg", "wim"];
/// Names that look like a document to a reader.
const DOCUMENT_EXT: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "txt", "csv",
    "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "zip", "rar", "7z", "mp3", "mp4", "avi",
    "wav", "htm", "html", "xml", "eml", "msg",
];

/// A name as Windows saves it (Win32 path normalisation, which Explorer,
/// Outlook and browsers go through): invisible format characters
/// (Unicode category Cf: soft hyphen, zero-width and bidi controls, word
/// joiners, BOM) dropped, Unicode white space read as a space, trailing
/// dots and spaces removed. `facture.pdf.js.` is saved as `facture.pdf.js`.
pub(crate) fn windows_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|&c| !is_format_char(c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let kept = s.trim_end_matches(['.', ' ']).len();
    s.truncate(kept);
    s
}

/// The invisible format characters (Unicode general category Cf) that
/// can sit in a file name.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Names under which archivers open a file as text-encoded (uuencode,
/// xxencode, BinHex, yEnc, base64: [`super::encodings`] reads the content).
/// Here, not in `encodings.rs`, so that the content detector that
/// [`sniff`] calls never climbs back to the name reader that calls sniff.
pub(crate) fn encoded_name(name: Option<&str>) -> bool {
    let Some(ext) = name.and_then(extension) else {
        return false;
    };
    matches!(
        ext.as_str(),
        "uue" | "uu" | "xxe" | "hqx" | "yenc" | "ync" | "b64" | "ntx" | "enc" | "mim" | "bhx"
    )
}

/// The lower-case last extension of a name, if any.
pub(crate) fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = base.rsplit_once('.')?;
    if stem.is_empty() && !base.starts_with('.') || ext.is_empty() {
        return None;
    }
    Some(ext.trim_end_matches([' ', '.']).to_ascii_lowercase())
}

pub(crate) fn name_class(name: &str) -> NameClass {
    let Some(ext) = extension(name) else {
        return NameClass::Other;
    };
    let ext = ext.as_str();
    if let Some(t) = dangerous::by_extension(ext) {
        t.class
    } else if DISK_IMAGE_EXT.contains(&ext) {
        NameClass::DiskImage
    } else if ext == "one" || ext == "onepkg" {
        NameClass::OneNote
    } else {
        NameClass::Other
    }
}

/// `facture.pdf.exe`, `photo.jpg     .scr`: a document-looking name with a
/// dangerous last extension. Returns the two extensions.
pub(crate) fn double_extension(name: &str) -> Option<(String, String)> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if name_class(base) == NameClass::Other {
        return None;
    }
    let (stem, last) = base.rsplit_once('.')?;
    let padded = stem.ends_with("   ") || stem.contains("\u{2000}") || stem.contains('\u{3000}');
    let stem = stem.trim_end();
    let (_, inner) = stem.rsplit_once('.')?;
    let inner = inner.to_ascii_lowercase();
    (DOCUMENT_EXT.contains(&inner.as_str()) || padded).then(|| (inner, last.to_ascii_lowercase()))
}

/// Bidirectional controls that reorder how a name is displayed
/// (`facture\u{202E}fdp.exe` shows as `factureexe.pdf`).
pub(crate) fn bidi_controls(name: &str) -> Vec<char> {
    name.chars()
        .filter(|c| {
            matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        })
        .collect()
}

/// Whether the name is that of plain text (`.txt`, `.csv`, `.log`,
/// `.md`), which Windows opens in a text editor: a procedure that quotes
/// a PowerShell command is not a script there (its YARA rules still run).
pub(crate) fn plain_text_name(name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    let saved = windows_name(name);
    matches!(
        extension(&saved).as_deref(),
        Some("txt" | "csv" | "log" | "md")
    )
}

/// Findings about a file name: dangerous extension, double extension, bidi
/// controls, and a real type that contradicts the name or declared type.
pub(crate) fn name_findings(
    name: &str,
    detected: &Detected,
    declared: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let ext = name_checks(name, findings);
    type_findings(&ext, detected, declared, findings);
}

/// The findings a name alone gives (dangerous or double extension, bidi
/// controls), for a second name a reader could save the same bytes under.
pub(crate) fn name_only_findings(name: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    name_checks(name, &mut findings);
    findings
}

/// The checks of a name by itself; returns its extension as Windows sees it.
fn name_checks(name: &str, findings: &mut Vec<Finding>) -> String {
    let controls = bidi_controls(name);
    if !controls.is_empty() {
        let codes: Vec<String> = controls
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect();
        findings.push(Finding::new(
            FindingKind::BidiName,
            Sentence::BidiControls { codes },
        ));
    }
    // Judge the name as Windows saves it: without the invisible controls,
    // trailing dots and spaces; a name with an NTFS stream suffix
    // (`a.txt:b.exe`) is also judged by the stream's name.
    let visible = windows_name(name);
    if let Some((file, stream)) = visible.split_once(':') {
        // `outil.exe:Zone.Identifier` lands as `outil.exe` with a stream.
        for (role, part) in [
            (NameRole::NtfsFile, file),
            (
                NameRole::NtfsStream,
                stream.rsplit(':').next().unwrap_or(stream),
            ),
        ] {
            if part.is_empty() {
                continue;
            }
            let mut found = Vec::new();
            name_checks(part, &mut found);
            findings.extend(found.into_iter().map(|f| f.in_name(role, part)));
        }
    }
    if let Some((inner, last)) = double_extension(&visible) {
        findings.push(Finding::new(
            FindingKind::DoubleExtension,
            Sentence::DoubleExtension {
                shown: inner.to_string(),
                real: last.to_string(),
            },
        ));
    }
    let ext = extension(&visible).unwrap_or_default();
    let dangerous = || Sentence::DangerousExtension { ext: ext.clone() };
    match name_class(&visible) {
        NameClass::Executable => {
            findings.push(Finding::new(FindingKind::ExecutableName, dangerous()))
        }
        NameClass::Script => findings.push(Finding::new(FindingKind::ScriptName, dangerous())),
        NameClass::Shortcut => findings.push(Finding::new(FindingKind::Shortcut, dangerous())),
        NameClass::DiskImage => findings.push(Finding::new(
            FindingKind::DiskImage,
            Sentence::ExtensionOf {
                ext: ext.clone(),
                what: FileKind::DiskImage,
            },
        )),
        NameClass::OneNote => findings.push(Finding::new(
            FindingKind::OneNote,
            Sentence::ExtensionOf {
                ext: ext.clone(),
                what: FileKind::OneNote,
            },
        )),
        NameClass::Other => {}
    }
    ext
}

/// A real type that contradicts the extension `ext` or the declared type.
fn type_findings(
    ext: &str,
    detected: &Detected,
    declared: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let Some(actual) = sniff::family_of_detected(detected) else {
        return;
    };
    if let Some(promised) = sniff::family_of_extension(ext)
        && !sniff::compatible(promised, actual)
    {
        findings.push(Finding::new(
            FindingKind::TypeMismatch,
            Sentence::NamedButIs {
                ext: ext.to_string(),
                mime: detected.mime.clone(),
            },
        ));
        return;
    }
    if let Some(declared) = declared
        && let Some(promised) = sniff::family_of_mime(declared)
        && !sniff::compatible(promised, actual)
    {
        findings.push(Finding::new(
            FindingKind::TypeMismatch,
            Sentence::DeclaredButIs {
                declared: declared.to_string(),
                mime: detected.mime.clone(),
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::encoded_name;

    #[test]
    fn encoded_names() {
        assert!(encoded_name(Some("Facture.UUE")));
        assert!(encoded_name(Some("a.hqx")));
        assert!(!encoded_name(Some("a.pdf")));
        assert!(!encoded_name(None));
    }
}
