//! Web pages and SVG images: the markup (html5ever's tokenizer, the
//! bounded stack), the scripts read as data, the pages they write, the
//! files they build. The first byte chooses the name, so that the same
//! bytes are read as an HTML page, an SVG image and a page saved as `.xls`.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (name, page) = match data.split_first() {
        Some((b, rest)) if b % 3 == 0 => ("image.svg", rest),
        Some((b, rest)) if b % 3 == 1 => ("Export.xls", rest),
        Some((_, rest)) => ("document.html", rest),
        None => ("document.html", data),
    };
    common::scan_as(name, page);
});
