//! Fixture parity tests: every scorer against the Python RapidFuzz 3.14.6 fixture scores.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    pairs: Vec<serde_json::Map<String, serde_json::Value>>,
}

type Scorer = fn(&str, &str) -> f64;

const SCORERS: [(&str, Scorer); 10] = [
    ("ratio", ratio),
    ("partial_ratio", partial_ratio),
    ("token_sort_ratio", token_sort_ratio),
    ("token_set_ratio", token_set_ratio),
    ("token_ratio", token_ratio),
    ("partial_token_sort_ratio", partial_token_sort_ratio),
    ("partial_token_set_ratio", partial_token_set_ratio),
    ("partial_token_ratio", partial_token_ratio),
    ("WRatio", wratio),
    ("QRatio", qratio),
];

fn load(name: &str) -> Fixture {
    let path = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
    };
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture parses")
}

fn field<'a>(p: &'a serde_json::Map<String, serde_json::Value>, k: &str) -> &'a serde_json::Value {
    p.get(k).unwrap_or_else(|| panic!("missing field {k}"))
}

/// Checks every scorer on every pair (raw and processed); returns the failures.
fn check_fixture(name: &str) -> (usize, Vec<String>) {
    let fx = load(name);
    let mut failures = Vec::new();
    for p in &fx.pairs {
        let a = field(p, "a").as_str().expect("a");
        let b = field(p, "b").as_str().expect("b");
        let (pa, pb) = (default_process(a), default_process(b));
        if pa != field(p, "a_processed").as_str().expect("ap") {
            failures.push(format!("default_process({a:?}) = {pa:?}"));
        }
        if pb != field(p, "b_processed").as_str().expect("bp") {
            failures.push(format!("default_process({b:?}) = {pb:?}"));
        }
        for (key, f) in SCORERS {
            for (suffix, x, y) in [("", a, b), ("_processed", pa.as_str(), pb.as_str())] {
                let want = field(p, &format!("{key}{suffix}")).as_f64().expect("score");
                let got = f(x, y);
                if (got - want).abs() > 1e-6 {
                    failures.push(format!("{key}{suffix}({x:?}, {y:?}) = {got}, want {want}"));
                }
            }
        }
    }
    (fx.pairs.len(), failures)
}

#[test]
fn fixture_pairs_46() {
    let (n, failures) = check_fixture("wratio_pairs.json");
    assert_eq!(n, 46);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_parity_3200() {
    let (n, failures) = check_fixture("wratio_parity_3200.json");
    assert_eq!(n, 3200);
    let shown: Vec<_> = failures.iter().take(30).cloned().collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        shown.join("\n")
    );
}

/// `PreparedQuery::wratio` equals `WRatio_processed` for every fixture pair, at cutoff 0
/// and at cutoffs around the expected score.
fn check_prepared(name: &str) -> Vec<String> {
    let fx = load(name);
    let mut failures = Vec::new();
    for p in &fx.pairs {
        let a = field(p, "a").as_str().expect("a");
        let b = field(p, "b").as_str().expect("b");
        let want = field(p, "WRatio_processed").as_f64().expect("w");
        let q = PreparedQuery::new(a);
        let choice = default_process(b);
        for cutoff in [0.0, want - 1.0, want - 1e-7, want + 1e-3, 50.0, 85.0] {
            let got = q.wratio(&choice, cutoff);
            let ok = if want >= cutoff {
                (got - want).abs() <= 1e-6
            } else {
                got < cutoff
            };
            if !ok {
                failures.push(format!(
                    "prepared({a:?}, {b:?}, {cutoff}) = {got}, want {want}"
                ));
            }
        }
    }
    failures
}

#[test]
fn prepared_matches_fixtures() {
    for name in ["wratio_pairs.json", "wratio_parity_3200.json"] {
        let failures = check_prepared(name);
        let shown: Vec<_> = failures.iter().take(20).cloned().collect();
        assert!(
            failures.is_empty(),
            "{name}: {} failures:\n{}",
            failures.len(),
            shown.join("\n")
        );
    }
}

/// Regression: a query with duplicate tokens reaches partial_token_ratio 100 through its
/// de-duplicated form even when the full sorted form is bounded below the cutoff.
#[test]
fn prepared_dedup_form_with_cutoff() {
    let q = PreparedQuery::new("日 日");
    let choice = default_process("ab,日beb yyb,");
    let want = wratio(q.processed(), &choice);
    assert!((want - 85.5).abs() < 1e-9);
    for cutoff in [0.0, 50.0, 84.5, 85.0, 85.5] {
        assert!(
            (q.wratio(&choice, cutoff) - want).abs() < 1e-9,
            "cutoff {cutoff}"
        );
    }
}

/// Extra parity run against a fixture file named by `SEARCH_EXTRA_FIXTURE` (same format,
/// e.g. generated with Python RapidFuzz); ignored by default.
#[test]
#[ignore]
fn external_fixture() {
    let Ok(path) = std::env::var("SEARCH_EXTRA_FIXTURE") else {
        return;
    };
    let (n, mut failures) = check_fixture(&path);
    failures.extend(check_prepared(&path));
    let shown: Vec<_> = failures.iter().take(30).cloned().collect();
    assert!(
        failures.is_empty(),
        "{n} pairs, {} failures:\n{}",
        failures.len(),
        shown.join("\n")
    );
}
