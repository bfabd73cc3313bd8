//! Writes seed inputs for the fuzz targets: the golden messages for
//! `mime_walk`, and one sample of each container for `archive_walk`
//! (prefixed with the byte that picks its name).
//!
//! `cargo run -p ecluse-scanner --example fuzz_seeds -- fuzz/seeds`

mod samples;

use samples::*;
use std::path::Path;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/seeds".into());
    let out = Path::new(&out);
    let mime = out.join("mime_walk");
    let archive = out.join("archive_walk");
    std::fs::create_dir_all(&mime).unwrap();
    std::fs::create_dir_all(&archive).unwrap();
    let mut n = 0;
    for path in golden_paths() {
        let raw = std::fs::read(&path).unwrap();
        if raw.len() < 64 * 1024 {
            std::fs::write(mime.join(path.file_name().unwrap()), raw).unwrap();
            n += 1;
        }
    }
    let seeds: Vec<(u8, &str, Vec<u8>)> = vec![
        (
            0,
            "zip",
            zip(&[("a.txt", b"bonjour".as_slice()), ("b.pdf", &pdf("", &[]))]),
        ),
        (
            1,
            "tgz",
            gzip("a.tar", &tar(&[("a.txt", b"bonjour".as_slice())])),
        ),
        (2, "7z", sevenz(&[("a.txt", b"bonjour".as_slice())], None)),
        (
            2,
            "7z-encrypted",
            sevenz(&[("a.txt", b"bonjour".as_slice())], Some("x")),
        ),
        (3, "tnef", tnef(&[("a.pdf", &pdf("", &[]))])),
        (
            4,
            "pdf-embedded",
            pdf_with_embedded("factur-x.xml", FACTURX_XML),
        ),
        (5, "docm", docm("x")),
        (6, "ole-vba", ole_doc_with_macros()),
        (7, "odt-macro", odt(true)),
        (8, "iso", iso()),
        (
            0,
            "zip-encrypted",
            zip_flagged_encrypted(&[("a.txt", b"bonjour".as_slice())]),
        ),
    ];
    for (pick, name, bytes) in &seeds {
        let mut data = vec![*pick];
        data.extend_from_slice(bytes);
        std::fs::write(archive.join(name), data).unwrap();
    }
    println!(
        "wrote {n} MIME seeds and {} archive seeds under {}",
        seeds.len(),
        out.display()
    );
}
