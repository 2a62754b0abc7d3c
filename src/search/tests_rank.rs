//! Tests of the search-unit, ranking, preview and relevance rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const WORDS: [&str; 24] = [
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "server", "client", "request",
    "response", "message", "context", "agent", "session", "token", "memory", "search", "index",
    "value", "update", "status", "result",
];

/// Deterministic filler text of about `len` chars.
fn filler(len: usize, seed: u64) -> String {
    let mut x = seed;
    let mut out = String::new();
    while out.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let w = WORDS[((x >> 33) % WORDS.len() as u64) as usize];
        if !out.is_empty() {
            out.push_str(if (x >> 20).is_multiple_of(7) {
                ", "
            } else {
                " "
            });
        }
        out.push_str(w);
    }
    out
}

/// Filler with `needle` inserted at fraction `at` (0.0 = start, 1.0 = end).
fn with_needle(len: usize, needle: &str, at: f64) -> String {
    let text = filler(len, len as u64 + 17);
    let cut = ((text.len() as f64 * at) as usize).min(text.len());
    let cut = text[..cut].rfind(' ').map_or(0, |i| i + 1);
    format!("{}{} {}", &text[..cut], needle, &text[cut..])
}

fn doc_score(query: &str, content: &str) -> f64 {
    let q = PreparedQuery::new(query);
    score_doc(&q, &PreparedDoc::new(content, "", [""; 0]), false, 0.0)
}

#[test]
fn short_content_is_exact_wratio() {
    let cases = [
        ("deploy", "We deploy the new server tonight"),
        ("Database Migration", "the database migration finished"),
        ("api", "API keys rotated"),
        ("fuzzy search", "search, fuzzy!"),
        ("x", "abcdefg"),
        ("hello world", "hello"),
    ];
    for (q, c) in cases {
        let want = wratio(&default_process(q), &default_process(c));
        let got = doc_score(q, c);
        assert!((got - want).abs() < 1e-9, "{q:?} vs {c:?}: {got} != {want}");
    }
}

#[test]
fn exact_word_or_phrase_scores_high_at_any_length() {
    let needles = [
        "deployment",
        "Database Migration",
        "api",
        "bug",
        "kafka consumer lag",
    ];
    for len in [100, 1_000, 10_000, 100_000] {
        for needle in needles {
            for at in [0.0, 0.37, 1.0] {
                let content = with_needle(len, &needle.to_uppercase(), at);
                let s = doc_score(needle, &content);
                assert!(s >= 80.0, "{needle:?} in {len} chars at {at}: {s}");
            }
        }
    }
}

#[test]
fn typos_score_at_least_70() {
    let cases = [
        ("deploymnet", "deployment"),
        ("databse migraton", "database migration"),
        ("sesion tokne", "session token"),
        ("kubernets", "kubernetes"),
    ];
    for len in [300, 5_000, 100_000] {
        for (q, word) in cases {
            let content = with_needle(len, word, 0.5);
            let s = doc_score(q, &content);
            assert!(s >= 70.0, "{q:?} vs {word:?} in {len} chars: {s}");
        }
    }
}

#[test]
fn unrelated_long_text_scores_low() {
    for q in [
        "kubernetes",
        "postgres replication",
        "zebra",
        "xylophone quartz",
    ] {
        for len in [500, 20_000, 100_000] {
            let s = doc_score(q, &filler(len, 99));
            assert!(s < 60.0, "{q:?} vs {len} chars of filler: {s}");
        }
    }
}

#[test]
fn sender_and_metadata_units() {
    let q = PreparedQuery::new("alice");
    let d = PreparedDoc::new(&filler(2_000, 3), "Alice", ["release-7", "42", "true"]);
    assert!((score_doc(&q, &d, false, 0.0) - 100.0).abs() < 1e-9);
    let q = PreparedQuery::new("release 7");
    let with = score_doc(&q, &d, true, 0.0);
    let without = score_doc(&q, &d, false, 0.0);
    assert!((with - 100.0).abs() < 1e-9, "{with}");
    assert!(without < 80.0, "{without}");
}

#[test]
fn empty_query_or_doc_scores_zero() {
    assert_eq!(doc_score("!!!", "some content"), 0.0);
    assert_eq!(doc_score("query", ""), 0.0);
}

/// Brute-force reference for `rank`.
fn rank_reference(
    q: &PreparedQuery,
    docs: &[PreparedDoc],
    t: f64,
    limit: usize,
) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (i, score_doc(q, d, true, 0.0)))
        .filter(|&(_, s)| s >= t)
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    all.truncate(limit);
    all
}

fn corpus(n: usize) -> Vec<PreparedDoc> {
    (0..n)
        .map(|i| {
            let len = 20 + (i * 37) % 400;
            let mut text = filler(len, i as u64);
            if i % 13 == 0 {
                text.push_str(" deployment done");
            }
            if i % 17 == 0 {
                text.push_str(" deploymnet");
            }
            PreparedDoc::new(&text, if i % 5 == 0 { "deploy-bot" } else { "bob" }, ["x"])
        })
        .collect()
}

#[test]
fn rank_matches_brute_force_sequential_and_parallel() {
    for n in [50, 600, 2_500] {
        let docs = corpus(n);
        for query in ["deployment", "deploy", "server status", "zzz"] {
            let q = PreparedQuery::new(query);
            for (t, limit) in [
                (0.0, 10),
                (60.0, 10),
                (60.0, 1_000_000),
                (80.0, 3),
                (0.0, 1),
            ] {
                let got = rank(&q, &docs, true, t, limit);
                let want = rank_reference(&q, &docs, t, limit);
                assert_eq!(got.len(), want.len(), "{query} n={n} t={t} limit={limit}");
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.0, w.0, "{query} n={n} t={t} limit={limit}");
                    assert!((g.1 - w.1).abs() < 1e-9);
                }
            }
        }
    }
}

#[test]
fn rank_ties_newest_first_limit_threshold_and_once() {
    let docs: Vec<PreparedDoc> = ["deploy now", "deploy now", "nothing", "deploy now"]
        .iter()
        .map(|c| PreparedDoc::new(c, "", [""; 0]))
        .collect();
    let q = PreparedQuery::new("deploy now");
    let r = rank(&q, &docs, false, 50.0, 10);
    let idx: Vec<usize> = r.iter().map(|h| h.0).collect();
    assert_eq!(idx, vec![3, 1, 0]);
    assert_eq!(rank(&q, &docs, false, 50.0, 2).len(), 2);
    assert_eq!(rank(&q, &docs, false, 50.0, 2)[0].0, 3);
    assert_eq!(rank(&q, &docs, false, 0.0, 10).len(), 4);
    assert_eq!(rank(&q, &docs, false, 100.0, 10).len(), 3);
    assert!(rank(&q, &docs, false, 0.0, 0).is_empty());
    let big = corpus(3_000);
    let r = rank(&q, &big, false, 0.0, 5_000);
    assert_eq!(r.len(), 3_000);
    let mut seen: Vec<usize> = r.iter().map(|h| h.0).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 3_000);
}

#[test]
fn preview_is_short_char_safe_and_centered() {
    let content = format!(
        "{} Ünïcødé deployment réussi {}",
        filler(3_000, 5),
        filler(3_000, 6)
    );
    let p = match_preview(&content, "deploymnet");
    assert!(p.chars().count() <= 200, "{}", p.chars().count());
    assert!(p.contains("deployment"), "{p}");
    assert!(p.starts_with('…') && p.ends_with('…'));
    let p = match_preview(&content, "qqqqqqqq");
    assert!(!p.starts_with('…') && p.ends_with('…'));
    assert!(content.starts_with(p.trim_end_matches('…')));
    assert_eq!(match_preview("short text", "text"), "short text");
    let emoji = "😀".repeat(500);
    assert!(match_preview(&emoji, "x").chars().count() <= 200);
}

#[test]
fn relevance_labels() {
    assert_eq!(relevance(80.0), "high");
    assert_eq!(relevance(79.99), "medium");
    assert_eq!(relevance(60.0), "medium");
    assert_eq!(relevance(59.9), "low");
}

#[test]
fn long_units_equal_max_over_window_wratio() {
    let queries = [
        "deploymnet",
        "database migration",
        "api",
        "tok",
        "x",
        "session token status",
        "zebra",
    ];
    for (k, q) in queries.iter().enumerate() {
        let pq = PreparedQuery::new(q);
        for len in [120, 400, 3_000] {
            for seed in 0..6u64 {
                let mut content = filler(len, seed * 31 + k as u64);
                if seed % 2 == 0 {
                    content = with_needle(len, "deployment", 0.3);
                }
                if seed == 3 {
                    content
                        .push_str(" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa tok");
                }
                let want = super::long::reference_long(&pq, &content);
                let got = score_doc(&pq, &PreparedDoc::new(&content, "", [""; 0]), false, 0.0);
                let long = default_process(&content).chars().count() >= 8 * pq.char_len();
                if long {
                    assert!(
                        (got - want).abs() < 1e-9,
                        "{q:?} len {len} seed {seed}: {got} != {want}"
                    );
                }
            }
        }
    }
}

/// Every pruning bound is safe: with any cutoff, `score_doc` is exact whenever the exact
/// score reaches the cutoff, and below the cutoff otherwise.
#[test]
fn cutoffs_never_change_scores_that_reach_them() {
    let queries = [
        "deploymnet",
        "databse migraton",
        "api",
        "tok",
        "x",
        "session tokne",
        "status server",
        "the quick brown",
        "serch indx",
        "res",
        "token token",
        "quikc brwn fox jumsp",
    ];
    let mut checked = 0;
    for (k, query) in queries.iter().enumerate() {
        let q = PreparedQuery::new(query);
        for i in 0..40u64 {
            let len = 30 + ((i * 53 + k as u64 * 7) % 700) as usize;
            let mut text = filler(len, i * 11 + k as u64);
            if i % 3 == 0 {
                text = with_needle(len, &query.replace('o', "0"), 0.5);
            }
            if i % 5 == 0 {
                text = with_needle(len, query, 0.8);
            }
            let d = PreparedDoc::new(&text, "agent-7", ["meta value"]);
            let exact = score_doc(&q, &d, true, 0.0);
            for cutoff in [
                30.0,
                50.0,
                60.0,
                exact - 1e-9,
                exact,
                exact + 1e-9,
                75.0,
                81.0,
                86.0,
            ] {
                let got = score_doc(&q, &d, true, cutoff);
                if exact >= cutoff {
                    assert!(
                        (got - exact).abs() < 1e-9,
                        "{query:?} / {text:?} @ {cutoff}: {got} != {exact}"
                    );
                } else {
                    assert!(
                        got < cutoff,
                        "{query:?} @ {cutoff}: {got} >= cutoff (exact {exact})"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 4000);
}

#[test]
fn repeated_and_colliding_short_units_rank_like_brute_force() {
    // 150 distinct senders (more than the memo's slots) repeating in a varied order.
    let docs: Vec<PreparedDoc> = (0..1_500usize)
        .map(|i| {
            let sender = format!("agent deploy {}", (i * 7919) % 150);
            let content = filler(10 + i % 30, i as u64);
            PreparedDoc::new(&content, &sender, [sender.as_str()])
        })
        .collect();
    for query in ["agent deploy 7", "deploy", "agnet 12"] {
        let q = PreparedQuery::new(query);
        for (t, limit) in [(0.0, 10), (60.0, 50), (0.0, 1_000_000)] {
            let got = rank(&q, &docs, true, t, limit);
            let want = rank_reference(&q, &docs, t, limit);
            assert_eq!(got.len(), want.len(), "{query} t={t} limit={limit}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.0, w.0, "{query} t={t} limit={limit}");
                assert_eq!(g.1.to_bits(), w.1.to_bits(), "{query}");
            }
        }
    }
}

/// Regression: the token-term bounds of long units (`sig` quick bound,
/// `runs::any_order_partial_bound`, `tighten_edit`'s one-token branch,
/// `long::sorted_bound`'s de-duplicated branch) assume the window's sorted tokens are
/// longer than the query's. A window of repeated words has a *shorter* de-duplicated form,
/// which then becomes partial_ratio's needle: "server" inside "deploy servers" scores 100,
/// so the window's token term is 85.5; such windows are now scored outright
/// (`long::short_forms`) instead of being pruned under a cutoff of 80.
#[test]
fn repeated_word_windows_keep_their_token_term() {
    let content = "server ".repeat(30);
    for query in ["servers deploy", "deploy servers", "servers"] {
        let q = PreparedQuery::new(query);
        let want = long::reference_long(&q, &content);
        let got = score_doc(&q, &PreparedDoc::new(&content, "", [""; 0]), false, 80.0);
        assert!(want >= 80.0);
        assert_eq!(got.to_bits(), want.to_bits(), "{query}");
    }
}
