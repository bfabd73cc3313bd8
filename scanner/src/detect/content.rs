//! Which text a browser opens as a page: HTML and SVG by their content,
//! and text or XML that a page's name (`.html`, `.htm`, `.shtml`,
//! `.xhtml`, `.xht`, `.svg`) or declared type (`text/html`,
//! `application/xhtml+xml`, `image/svg+xml`) sends to the browser. The
//! page itself is read by [`crate::formats::page`].

use super::names::{extension, windows_name};
use super::sniff::{Detected, Kind};

/// Extensions a browser opens on a double click.
const PAGE_EXT: &[&str] = &["html", "htm", "shtml", "xhtml", "xht", "svg"];
/// Declared types a mail client hands to the browser.
const PAGE_TYPES: &[&str] = &["text/html", "application/xhtml+xml", "image/svg+xml"];

/// Whether an object is a page a browser would open: HTML or SVG by its
/// bytes, or text and XML under a page's name or declared type.
pub(crate) fn opens_as_page(
    detected: &Detected,
    name: Option<&str>,
    declared: Option<&str>,
) -> bool {
    match detected.kind {
        Kind::Html | Kind::Svg => true,
        Kind::Text | Kind::Xml => {
            let by_name = name
                .and_then(|n| extension(&windows_name(n)))
                .is_some_and(|e| PAGE_EXT.contains(&e.as_str()));
            let by_type = declared.is_some_and(|d| {
                let d = d
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                PAGE_TYPES.contains(&d.as_str())
            });
            by_name || by_type
        }
        _ => false,
    }
}
