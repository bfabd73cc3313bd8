//! Property tests on hostile input: golden messages and archives with bytes
//! flipped, cut or repeated. The scan (without its panic guard) must return a
//! report within the budgets, and anything it could not analyse must not be
//! delivered as clean. The long runs are the fuzz targets in `fuzz/`.

#[path = "../examples/samples/mod.rs"]
mod samples;

use ecluse_scanner::{Action, Category, Engine, Limits, scan_file, scan_unguarded};
use proptest::prelude::*;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::builtin);

fn golden() -> Vec<Vec<u8>> {
    samples::golden_paths()
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .filter(|raw| raw.len() < 32 * 1024)
        .collect()
}

static GOLDEN: LazyLock<Vec<Vec<u8>>> = LazyLock::new(golden);

static CONTAINERS: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
    use samples::*;
    vec![
        (
            "a.zip",
            zip(&[("a.txt", b"bonjour".as_slice()), ("b.pdf", &pdf("", &[]))]),
        ),
        (
            "a.tgz",
            gzip("a.tar", &tar(&[("a.txt", b"bonjour".as_slice())])),
        ),
        (
            "a.7z",
            sevenz(&[("a.txt", b"bonjour tout le monde".as_slice())], None),
        ),
        ("winmail.dat", tnef(&[("a.pdf", &pdf("", &[]))])),
        ("f.pdf", pdf_with_embedded("factur-x.xml", FACTURX_XML)),
        ("f.docm", docm("x")),
        ("c.doc", ole_doc_with_macros()),
    ]
});

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Repeat(usize, usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Mutation::Repeat(i, n)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'\r'),
                    Just(b'\n'),
                    Just(b'-'),
                    Just(b'='),
                    Just(0u8),
                    any::<u8>()
                ],
                1..16
            )
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if data.is_empty() {
            break;
        }
        match m {
            Mutation::Flip(i, b) => {
                let i = i % data.len();
                data[i] ^= b;
            }
            Mutation::Cut(i) => data.truncate(i % data.len()),
            Mutation::Repeat(i, n) => {
                let i = i % data.len();
                let end = (i + n).min(data.len());
                let chunk = data[i..end].to_vec();
                data.splice(i..i, chunk);
            }
            Mutation::Insert(i, v) => {
                let i = i % data.len();
                data.splice(i..i, v.iter().copied());
            }
        }
    }
    data
}

/// A report that says a category the policy holds cannot be delivered.
fn consistent(action: Action, categories: &[Category]) -> bool {
    let policy = ENGINE.policy();
    categories.iter().all(|c| policy.action(*c) <= action)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn mutated_messages_never_panic(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let corpus = &*GOLDEN;
        let raw = apply(corpus[pick % corpus.len()].clone(), &muts);
        let limits = Limits::default();
        let report = scan_unguarded(&ENGINE, &limits, &raw);
        prop_assert!(report.scanned_bytes <= limits.max_expanded_bytes);
        prop_assert!(consistent(report.action, &report.categories));
    }

    #[test]
    fn mutated_containers_never_panic(pick in any::<usize>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let (name, bytes) = &CONTAINERS[pick % CONTAINERS.len()];
        let data = apply(bytes.clone(), &muts);
        let part = scan_file(&ENGINE, &Limits::default(), Some(name), &data);
        prop_assert_eq!(part.size, data.len() as u64);
        let held = part.walk().iter().any(|p| p.findings.iter().any(|f| ENGINE.policy().action(f.category) > Action::Deliver));
        prop_assert_eq!(held, part.action > Action::Deliver);
    }
}
