//! CMS (PKCS #7, RFC 5652): opaque-signed S/MIME (`smime.p7m`,
//! `application/pkcs7-mime; smime-type=signed-data`), `.p7m` files
//! (CAdES-signed PDFs and the like) and RFC 3274 compressed data.
//!
//! Outlook and Thunderbird unwrap a signed message and show what it
//! carries whether or not the signature verifies, so the encapsulated
//! content is taken out and walked: as a message when it is a MIME entity
//! (RFC 8551 §3.5.2), as a file otherwise. No signature is verified: it is
//! not needed to scan. Enveloped (encrypted) data cannot be read without the
//! recipient's key: an [`FindingKind::EncryptedMessage`] finding, held by
//! default. A structure the `cms` crate cannot decode (BER with indefinite
//! lengths, damage) is an [`FindingKind::UnreadableContainer`] finding.

use crate::report::{Finding, FindingKind, Part};
use crate::walk::{Object, Walker};
use cms::compressed_data::CompressedData;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Reader as _, SliceReader};
use std::io::Read as _;

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
const SIGNED_AND_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.4";
const DIGESTED_DATA: &str = "1.2.840.113549.1.7.5";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const AUTH_ENVELOPED_DATA: &str = "1.2.840.113549.1.9.16.1.23";
const COMPRESSED_DATA: &str = "1.2.840.113549.1.9.16.1.9";

/// What one CMS structure holds.
enum Content {
    /// The encapsulated content (none in a detached signature).
    Inner(Option<Vec<u8>>),
    /// Encrypted for its recipient; the string names the type.
    Encrypted(&'static str),
}

/// Reads the outer `ContentInfo` of `bytes` (trailing bytes after it, such
/// as a newline, are ignored) and takes out what it carries, within `cap`
/// bytes.
fn read(bytes: &[u8], cap: u64) -> Result<Content, String> {
    let mut reader = SliceReader::new(bytes).map_err(|e| e.to_string())?;
    let info: ContentInfo = reader.decode().map_err(|e| format!("not DER CMS: {e}"))?;
    match info.content_type.to_string().as_str() {
        SIGNED_DATA => {
            let signed: SignedData = info
                .content
                .decode_as()
                .map_err(|e| format!("damaged signed-data: {e}"))?;
            Ok(Content::Inner(
                signed
                    .encap_content_info
                    .econtent
                    .map(|any| any.value().to_vec()),
            ))
        }
        COMPRESSED_DATA => {
            let compressed: CompressedData = info
                .content
                .decode_as()
                .map_err(|e| format!("damaged compressed-data: {e}"))?;
            let Some(packed) = compressed.encap_content_info.econtent else {
                return Ok(Content::Inner(None));
            };
            // RFC 3274: zlib (RFC 1950) is the one algorithm defined.
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(packed.value())
                .take(cap + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("compressed-data does not inflate: {e}"))?;
            if out.len() as u64 > cap {
                return Err(format!("compressed-data expands past {cap} bytes"));
            }
            Ok(Content::Inner(Some(out)))
        }
        ENVELOPED_DATA => Ok(Content::Encrypted("S/MIME enveloped-data")),
        AUTH_ENVELOPED_DATA => Ok(Content::Encrypted("S/MIME auth-enveloped-data")),
        ENCRYPTED_DATA => Ok(Content::Encrypted("CMS encrypted-data")),
        SIGNED_AND_ENVELOPED_DATA => Ok(Content::Encrypted("PKCS #7 signed-and-enveloped-data")),
        DIGESTED_DATA => Err("PKCS #7 digested-data is not opened".into()),
        other => Err(format!("CMS content type {other} is not one Écluse opens")),
    }
}

/// Walks a CMS object: its content becomes a nested message or a child file.
pub(crate) fn walk(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    findings: &mut Vec<Finding>,
    children: &mut Vec<Part>,
) {
    match read(obj.bytes, w.object_cap()) {
        Ok(Content::Inner(None)) => {} // a detached signature: nothing inside
        Ok(Content::Inner(Some(inner))) => {
            w.expanded += inner.len() as u64;
            if crate::sniff::looks_like_mime_entity(&inner[..inner.len().min(64 * 1024)]) {
                crate::mime::walk_nested_bytes(w, obj, &inner, findings, children);
            } else {
                children.push(w.child(obj, "content".into(), None, &inner));
            }
        }
        Ok(Content::Encrypted(what)) => findings.push(Finding::new(
            FindingKind::EncryptedMessage,
            format!("{what}: encrypted for its recipient, the filter cannot read what it carries"),
        )),
        Err(e) => findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            format!("a CMS (S/MIME, .p7m) structure that cannot be read: {e}"),
        )),
    }
}
