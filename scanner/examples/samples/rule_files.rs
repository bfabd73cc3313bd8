//! A directory of YARA rule files (`*.yar`, `*.yara`, sorted by name) as
//! one rule set, read as `ecluse` reads them: for the benchmark and the
//! `floor` example, which measure with a production set (signature-base).

use std::path::Path;

/// The set of `dir`'s rule files, named `name`; rules that name none of
/// our categories count as `suspicious`, as public sets' hits do. Bytes
/// that are not UTF-8 (a few public files are Latin-1) are taken one for one.
pub fn rule_set(dir: &Path, name: &str) -> ecluse_scanner::RuleSet {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|e| e == "yar" || e == "yara"))
        .collect();
    files.sort();
    let sources = files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            let text = String::from_utf8(bytes)
                .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| b as char).collect());
            (f.display().to_string(), text)
        })
        .collect();
    ecluse_scanner::RuleSet {
        name: name.into(),
        sources,
        default_category: Some(ecluse_scanner::Category::Suspicious),
    }
}
