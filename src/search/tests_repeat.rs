//! Brute-force tests of long units made of few distinct, heavily repeated words (some of
//! them prefixes / suffixes of query words): windows whose de-duplicated form is not
//! longer than the query's must keep their exact score at every cutoff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::*;

/// Words for the generated contents: query words, their prefixes / suffixes and a few
/// unrelated ones.
const POOL: [&str; 16] = [
    "server",
    "servers",
    "serve",
    "ver",
    "deploy",
    "dep",
    "ploy",
    "s",
    "a",
    "log",
    "in",
    "login",
    "ment",
    "test",
    "deployment",
    "xyz",
];

const QUERIES: [&str; 14] = [
    "servers deploy",
    "deploy servers",
    "servers",
    "server",
    "deploy",
    "ser",
    "deployment",
    "log in",
    "a",
    "aa b",
    "test test",
    "rvers",
    "depl oy",
    "serve ver s",
];

/// Deterministic content of at least `min_len` chars from `k` (1..=4) pool words, each
/// word repeated in runs.
fn repeated(min_len: usize, seed: u64, k: usize) -> String {
    let mut x = seed
        .wrapping_mul(2862933555777941757)
        .wrapping_add(3037000493);
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let vocab: Vec<&str> = (0..k)
        .map(|_| POOL[(next() % POOL.len() as u64) as usize])
        .collect();
    let mut out = String::new();
    while out.chars().count() < min_len {
        let w = vocab[(next() % k as u64) as usize];
        for _ in 0..=next() % 4 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

/// Exact best window WRatio of a long content (plain WRatio when shorter than 8x).
fn exact(q: &PreparedQuery, content: &str) -> f64 {
    let processed = default_process(content);
    if processed.chars().count() < 8 * q.char_len() {
        wratio(q.processed(), &processed)
    } else {
        long::reference_long(q, content)
    }
}

/// `score_doc` is exact at every cutoff the exact score reaches, and below it otherwise.
fn check(q: &PreparedQuery, content: &str) -> usize {
    let want = exact(q, content);
    let d = PreparedDoc::new(content, "", [""; 0]);
    let cutoffs = [
        0.0,
        30.0,
        50.0,
        60.0,
        70.0,
        75.0,
        80.0,
        85.0,
        85.5,
        86.0,
        want - 1e-9,
        want,
        want + 1e-9,
    ];
    for cutoff in cutoffs {
        let got = score_doc(q, &d, false, cutoff);
        if want >= cutoff {
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{:?} / {content:?} @ {cutoff}: {got} != {want}",
                q.processed()
            );
        } else {
            assert!(got < cutoff, "{content:?} @ {cutoff}: {got} (exact {want})");
        }
    }
    cutoffs.len()
}

#[test]
fn few_repeated_words_score_like_brute_force() {
    let mut checked = 0;
    for (n, query) in QUERIES.iter().enumerate() {
        let q = PreparedQuery::new(query);
        let lq = q.char_len();
        for i in 0..60u64 {
            let len = 8 * lq + (i as usize * 7) % (20 * lq + 5);
            let content = repeated(len, i * 31 + n as u64, 1 + (i as usize % 4));
            checked += check(&q, &content);
        }
        // One word repeated, for every pool word.
        for w in POOL {
            let content = format!("{w} ").repeat(8 * lq / w.len() + 3);
            checked += check(&q, &content);
        }
    }
    assert!(checked > 10_000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn repeated_word_contents_are_exact(
        query in prop_oneof![
            prop::sample::select(QUERIES.to_vec()).prop_map(str::to_owned),
            "[a-z]{1,8}( [a-z]{1,6}){0,2}",
        ],
        vocab in prop::collection::vec("[a-z]{1,7}", 1..4),
        picks in prop::collection::vec((0usize..16, 1usize..6), 1..6),
    ) {
        let q = PreparedQuery::new(&query);
        let mut words: Vec<String> = vocab;
        // Mix in the query's words and their halves.
        for t in query.split(' ').filter(|t| !t.is_empty()) {
            words.push(t.to_owned());
            words.push(t[..t.len().div_ceil(2)].to_owned());
        }
        let mut content = String::new();
        let mut p = 0;
        while content.len() < 8 * q.char_len() || p < picks.len() {
            let (w, reps) = picks[p % picks.len()];
            let w = &words[w % words.len()];
            for _ in 0..reps {
                content.push_str(w);
                content.push(' ');
            }
            p += 1;
        }
        check(&q, &content);
    }
}
