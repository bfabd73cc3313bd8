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
//! default. BER (indefinite lengths, constructed octet strings: NSS and
//! Apple Mail) is re-encoded as DER ([`ber_to_der`]) for the `cms` crate;
//! a structure that still cannot be decoded (damage) is an
//! [`FindingKind::UnreadableContainer`] finding.

use crate::report::{Finding, FindingKind, Part};
use crate::sentence::Sentence;
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

/// Nesting accepted in BER before giving up.
const MAX_BER_DEPTH: usize = 64;

/// Re-encodes BER as DER (X.690 §10): definite lengths in their shortest
/// form, constructed OCTET STRINGs joined into one primitive. Other
/// canonical rules (SET OF ordering, BOOLEAN values) are left as they are:
/// signers write those as DER already. At most `cap` bytes of output.
pub(crate) fn ber_to_der(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len());
    // Trailing bytes (a newline) are ignored, as for DER.
    ber_value(bytes, 0, &mut out, cap)?;
    Ok(out)
}

/// One BER element at the start of `input`, re-encoded into `out`;
/// returns how many input bytes it took.
fn ber_value(input: &[u8], depth: usize, out: &mut Vec<u8>, cap: u64) -> Result<usize, String> {
    if depth > MAX_BER_DEPTH {
        return Err(format!("nested more than {MAX_BER_DEPTH} levels"));
    }
    let byte = |i: usize| input.get(i).copied().ok_or("truncated");
    // Identifier octets (§8.1.2): the high-tag-number form continues
    // while bit 8 is set.
    let mut i = 1;
    if byte(0)? & 0x1f == 0x1f {
        while byte(i)? & 0x80 != 0 {
            i += 1;
        }
        i += 1;
    }
    let tag = &input[..i];
    let constructed = tag[0] & 0x20 != 0;
    // Length octets (§8.1.3).
    let first = byte(i)?;
    i += 1;
    let definite = match first {
        0x80 if constructed => None,
        0x80 => return Err("indefinite length on a primitive".into()),
        n if n < 0x80 => Some(n as usize),
        n => {
            let count = (n & 0x7f) as usize;
            if count > 4 {
                return Err("length too long".into());
            }
            let mut len = 0usize;
            for _ in 0..count {
                len = len << 8 | byte(i)? as usize;
                i += 1;
            }
            Some(len)
        }
    };
    let mut content = Vec::new();
    let end = if !constructed {
        let len = definite.unwrap_or(0);
        let data = input.get(i..i + len).ok_or("a length runs past the end")?;
        content.extend_from_slice(data);
        i + len
    } else {
        let limit = definite.map(|len| i + len);
        if limit.is_some_and(|l| l > input.len()) {
            return Err("a length runs past the end".into());
        }
        let mut at = i;
        loop {
            match limit {
                Some(l) if at >= l => break,
                None if input.get(at..at + 2) == Some(&[0, 0]) => {
                    at += 2;
                    break;
                }
                _ => {}
            }
            let child_input = &input[at..limit.unwrap_or(input.len())];
            at += ber_value(child_input, depth + 1, &mut content, cap)?;
        }
        at
    };
    // A constructed OCTET STRING (universal 4): its segments' contents
    // joined into one primitive.
    let tag: Vec<u8> = if tag == [0x24] {
        content = join_octet_segments(&content)?;
        vec![0x04]
    } else {
        tag.to_vec()
    };
    if (out.len() + content.len()) as u64 > cap {
        return Err("larger than the scan budget allows".into());
    }
    out.extend_from_slice(&tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
    out.extend_from_slice(&content);
    Ok(end)
}

/// The contents of the DER OCTET STRINGs laid one after another in `der`.
fn join_octet_segments(der: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < der.len() {
        let mut reader = SliceReader::new(&der[at..]).map_err(|e| e.to_string())?;
        let segment: der::asn1::OctetStringRef<'_> = reader
            .decode()
            .map_err(|e| format!("a segment of an octet string: {e}"))?;
        out.extend_from_slice(segment.as_bytes());
        at += usize::try_from(reader.position()).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

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
    let decode = |bytes: &[u8]| -> Result<ContentInfo, String> {
        let mut reader = SliceReader::new(bytes).map_err(|e| e.to_string())?;
        reader.decode().map_err(|e| e.to_string())
    };
    // BER (indefinite lengths, segmented octet strings), as Thunderbird's
    // NSS and Apple Mail write signatures, is re-encoded as DER first.
    let info = match decode(bytes) {
        Ok(info) => info,
        Err(as_der) => {
            let der = ber_to_der(bytes, cap)
                .map_err(|e| format!("not DER CMS ({as_der}), nor BER ({e})"))?;
            decode(&der).map_err(|e| format!("not DER CMS, even re-encoded from BER: {e}"))?
        }
    };
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
            if crate::detect::sniff::looks_like_mime_entity(&inner[..inner.len().min(64 * 1024)]) {
                crate::formats::mime::walk_nested_bytes(w, obj, &inner, findings, children);
            } else {
                children.push(w.child(obj, "content".into(), None, &inner));
            }
        }
        Ok(Content::Encrypted(what)) => findings.push(Finding::new(
            FindingKind::EncryptedMessage,
            Sentence::EncryptedFor {
                format: what.to_string(),
            },
        )),
        Err(e) => findings.push(Finding::new(
            FindingKind::UnreadableContainer,
            Sentence::CmsUnreadable {
                reason: e.to_string(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_indefinite_lengths_and_segmented_octet_strings_become_der() {
        // SEQUENCE (indefinite) { INTEGER 1, OCTET STRING (constructed,
        // indefinite) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x01, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0,
            0, 0, 0,
        ];
        let der = ber_to_der(&ber, 1 << 20).unwrap();
        assert_eq!(
            der,
            [0x30, 0x08, 0x02, 0x01, 0x01, 0x04, 0x03, b'a', b'b', b'c']
        );
        // DER is left as it is.
        assert_eq!(ber_to_der(&der, 1 << 20).unwrap(), der);
        // Damage is an error, never a panic.
        for cut in 0..ber.len() - 4 {
            assert!(ber_to_der(&ber[..cut], 1 << 20).is_err(), "cut at {cut}");
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(ber_to_der(&deep, 1 << 20).is_err());
    }
}
