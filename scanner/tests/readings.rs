//! Property tests on the readings of names and archives (issue "every
//! reading of a file"): a name check agrees with a reference reading of
//! how Windows saves a name, every entry of concatenated ZIPs (behind
//! a prefix or not) is scanned whichever reading sees it, and so is every
//! entry of a ZIP whose classic and ZIP64 end records point at different
//! central directories (issue 32).

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Action, Engine, FindingKind, Limits, Part, scan_file};
use proptest::prelude::*;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

/// Extensions that must be caught by name, whatever decorates them.
const DANGEROUS: &[&str] = &[
    "exe",
    "scr",
    "js",
    "vbs",
    "hta",
    "ps1",
    "bat",
    "lnk",
    "url",
    "rdp",
    "library-ms",
    "searchconnector-ms",
    "appinstaller",
    "application",
    "xll",
    "iqy",
    "mht",
    "theme",
    "diagcab",
    "inf",
    "reg",
    "settingcontent-ms",
];
/// Extensions of everyday documents.
const ORDINARY: &[&str] = &["pdf", "docx", "xlsx", "odt", "jpg", "png", "txt", "csv"];

/// What Windows drops or ignores when it saves a name (Win32 path
/// normalisation): trailing dots and spaces, invisible format characters
/// anywhere, an NTFS stream suffix (`name:stream`, `::$DATA`), and
/// Unicode white space read as a space.
#[derive(Debug, Clone)]
enum Decoration {
    TrailingDots(usize),
    TrailingSpaces(usize),
    /// A zero-width or bidi format character at a position of the stem.
    Invisible(char, usize),
    /// `::$DATA`, the unnamed data stream.
    DataStream,
    /// U+3000 or U+00A0 after the extension, then a dot.
    UnicodeSpace(char),
}

fn decoration() -> impl Strategy<Value = Decoration> {
    prop_oneof![
        (1usize..4).prop_map(Decoration::TrailingDots),
        (1usize..4).prop_map(Decoration::TrailingSpaces),
        (
            prop::sample::select(vec![
                '\u{200B}', '\u{200D}', '\u{FEFF}', '\u{00AD}', '\u{2060}'
            ]),
            0usize..8
        )
            .prop_map(|(c, at)| Decoration::Invisible(c, at)),
        Just(Decoration::DataStream),
        prop::sample::select(vec!['\u{3000}', '\u{00A0}']).prop_map(Decoration::UnicodeSpace),
    ]
}

/// Applies the decorations to `stem.ext`.
fn decorate(stem: &str, ext: &str, decorations: &[Decoration]) -> String {
    let mut stem: Vec<char> = stem.chars().collect();
    let mut tail = String::new();
    for d in decorations {
        match d {
            Decoration::TrailingDots(n) => tail.push_str(&".".repeat(*n)),
            Decoration::TrailingSpaces(n) => tail.push_str(&" ".repeat(*n)),
            Decoration::Invisible(c, at) => stem.insert((*at).min(stem.len()), *c),
            Decoration::DataStream => tail.push_str("::$DATA"),
            Decoration::UnicodeSpace(c) => {
                tail.push(*c);
                tail.push('.');
            }
        }
    }
    format!("{}.{ext}{tail}", stem.into_iter().collect::<String>())
}

/// Whether any name check fired on the part.
fn caught_by_name(part: &Part) -> bool {
    part.findings.iter().any(|f| {
        matches!(
            f.kind,
            FindingKind::ExecutableName | FindingKind::ScriptName | FindingKind::Shortcut
        )
    })
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    samples::zip(&refs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// The reference reading: the extension Windows saves the name under is
    /// the one chosen, whatever decorations were added; the scanner flags
    /// the name exactly when that extension is a dangerous one.
    #[test]
    fn a_name_check_agrees_with_the_reference_normalisation(
        stem in "[a-z]{1,8}",
        dangerous in any::<bool>(),
        pick in any::<prop::sample::Index>(),
        decorations in prop::collection::vec(decoration(), 0..4),
    ) {
        let ext = if dangerous { pick.get(DANGEROUS) } else { pick.get(ORDINARY) };
        let name = decorate(&stem, ext, &decorations);
        let part = scan_file(&ENGINE, &Limits::default(), Some(&name), b"bonjour");
        prop_assert_eq!(caught_by_name(&part), dangerous, "{:?}: {:?}", name, part.findings);
    }

    /// Entries spread over one to three ZIPs laid end to end, after an
    /// optional prefix: every entry is scanned (it appears in the report),
    /// and an EICAR entry anywhere is found, whichever reading sees it.
    #[test]
    fn every_zip_reading_is_scanned_on_random_concatenations(
        sizes in prop::collection::vec(1usize..4, 1..4),
        eicar_at in any::<prop::sample::Index>(),
        prefix in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let total: usize = sizes.iter().sum();
        let eicar_at = eicar_at.index(total);
        let mut bytes = prefix.iter().map(|b| b & 0x7f).filter(|&b| b != b'P').collect::<Vec<u8>>();
        let mut n = 0;
        let mut names = Vec::new();
        for size in &sizes {
            let mut entries = Vec::new();
            for _ in 0..*size {
                let name = format!("piece-{n}.txt");
                let data = if n == eicar_at { samples::eicar() } else { format!("lettre {n}").into_bytes() };
                names.push(name.clone());
                entries.push((name, data));
                n += 1;
            }
            bytes.extend_from_slice(&zip_of(&entries));
        }
        let part = scan_file(&ENGINE, &Limits::default(), Some("pieces.zip"), &bytes);
        let all = part.walk();
        let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
        for name in &names {
            prop_assert!(paths.iter().any(|p| p.ends_with(&format!("/{name}"))), "{name} not scanned: {paths:?}");
        }
        prop_assert_eq!(part.action, Action::Reject, "EICAR in {:?}", names[eicar_at]);
    }

    /// ZIP64 layouts: end records absent, present and agreeing (classic
    /// fields saturated, or the same values), present and disagreeing
    /// (the classic record, or its offset alone, pointing at another
    /// central directory than the ZIP64 record), with local headers that
    /// give their sizes in ZIP64 fields or not. Every entry either
    /// directory names is scanned and an EICAR anywhere is found; the
    /// disagreement, and only it, is an `archive_ambiguity` finding.
    #[test]
    fn every_reading_of_a_zip_end_is_scanned(
        first in 1usize..4,
        second in 1usize..4,
        layout in 0usize..5,
        zip64_local in any::<bool>(),
        eicar_at in any::<prop::sample::Index>(),
    ) {
        let end = [
            samples::ZipEnd::Classic,
            samples::ZipEnd::Zip64Saturated,
            samples::ZipEnd::Zip64Equal,
            samples::ZipEnd::Zip64Elsewhere { saturate_count: false },
            samples::ZipEnd::Zip64Elsewhere { saturate_count: true },
        ][layout];
        let disagree = matches!(end, samples::ZipEnd::Zip64Elsewhere { .. });
        let eicar_at = eicar_at.index(first + second);
        let entries: Vec<(String, Vec<u8>)> = (0..first + second)
            .map(|n| {
                let data = if n == eicar_at { samples::eicar() } else { format!("lettre {n}").into_bytes() };
                (format!("piece-{n}.txt"), data)
            })
            .collect();
        let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let bytes = samples::zip_with_end(&refs[..first], &refs[first..], end, zip64_local);
        let part = scan_file(&ENGINE, &Limits::default(), Some("pieces.zip"), &bytes);
        let all = part.walk();
        let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
        for (name, _) in &entries {
            prop_assert!(paths.iter().any(|p| p.ends_with(&format!("/{name}"))), "{name} not scanned ({end:?}): {paths:?}");
        }
        prop_assert_eq!(part.action, Action::Reject, "EICAR in {:?} ({:?})", entries[eicar_at].0, end);
        let said = |key: &str| part.findings.iter().any(|f| f.sentence.as_ref().is_some_and(|s| s.key() == key));
        prop_assert_eq!(said("zip_end_records_disagree"), disagree, "{:?}: {:?}", end, part.findings);
        if !disagree {
            prop_assert!(
                !part.findings.iter().any(|f| f.kind == FindingKind::ArchiveAmbiguity),
                "{:?}: {:?}", end, part.findings
            );
        }
    }
}
