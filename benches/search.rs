//! Criterion benchmarks of the fuzzy-search core: WRatio per pair, the prepared query over
//! 1 000 messages and `rank` over 1 000 / 10 000 / 100 000 generated messages.
//!
//! The corpus is deterministic (word list + 64-bit LCG, see `Lcg` and `message`);
//! `benches/rapidfuzz_compare.py` generates the identical corpus for Python RapidFuzz.
//! With `SEARCH_BENCH_CORPUS=/path/file` set, the 10 000-message corpus is also written
//! there (one message per line) so the Python script can check it matches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
// In the server crate this is `shared_context_server::search`.
use shared_context_server::search as fz;

const WORDS: [&str; 40] = [
    "the",
    "server",
    "client",
    "deployment",
    "database",
    "migration",
    "agent",
    "session",
    "context",
    "message",
    "search",
    "index",
    "token",
    "memory",
    "shared",
    "request",
    "response",
    "error",
    "status",
    "update",
    "config",
    "cache",
    "queue",
    "worker",
    "build",
    "release",
    "test",
    "failed",
    "passed",
    "user",
    "team",
    "review",
    "merge",
    "branch",
    "commit",
    "latency",
    "timeout",
    "retry",
    "schema",
    "backup",
];

/// 64-bit LCG (Knuth's MMIX constants); `next` returns the top 31 bits.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// One message of 180..=220+ chars: random words, ", " separators one time in ten,
/// every 7th word capitalised, a final ".".
fn message(rng: &mut Lcg) -> String {
    let target = 180 + (rng.next() % 41) as usize;
    let mut out = String::new();
    let mut k = 0u64;
    while out.len() < target {
        let w = WORDS[(rng.next() % WORDS.len() as u64) as usize];
        if !out.is_empty() {
            out.push_str(if rng.next().is_multiple_of(10) {
                ", "
            } else {
                " "
            });
        }
        if k.is_multiple_of(7) {
            let mut cs = w.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(w);
        }
        k += 1;
    }
    out.push('.');
    out
}

/// The first `n` messages of the corpus (seed 42).
fn corpus(n: usize) -> Vec<String> {
    let mut rng = Lcg(42);
    (0..n).map(|_| message(&mut rng)).collect()
}

fn senders(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("agent-{}", i % 17)).collect()
}

fn prepared(n: usize) -> Vec<fz::PreparedDoc> {
    corpus(n)
        .iter()
        .zip(senders(n))
        .map(|(c, s)| fz::PreparedDoc::new(c, &s, [""; 0]))
        .collect()
}

fn write_corpus_if_requested() {
    if let Ok(path) = std::env::var("SEARCH_BENCH_CORPUS") {
        let text = corpus(10_000).join("\n");
        std::fs::write(&path, text).expect("write corpus");
    }
}

fn bench_pairs(c: &mut Criterion) {
    let short_a = fz::default_process("Deploymnet of server");
    let short_b = fz::default_process("deployment of servers!");
    let long: Vec<String> = corpus(2).iter().map(|m| fz::default_process(m)).collect();
    c.bench_function("wratio/short_pair_20", |b| {
        b.iter(|| fz::wratio(black_box(&short_a), black_box(&short_b)))
    });
    c.bench_function("wratio/long_pair_200", |b| {
        b.iter(|| fz::wratio(black_box(&long[0]), black_box(&long[1])))
    });
}

fn bench_prepared(c: &mut Criterion) {
    let msgs: Vec<String> = corpus(1_000)
        .iter()
        .map(|m| fz::default_process(m))
        .collect();
    for query in ["deployment", "deploymnet", "databse migraton"] {
        let q = fz::PreparedQuery::new(query);
        c.bench_function(&format!("prepared_wratio_1000/{query}"), |b| {
            b.iter(|| msgs.iter().map(|m| q.wratio(m, 0.0)).sum::<f64>())
        });
    }
}

fn bench_rank(c: &mut Criterion) {
    let mut group = c.benchmark_group("rank");
    group.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let docs = prepared(n);
        for query in ["deployment", "deploymnet", "databse migraton"] {
            let q = fz::PreparedQuery::new(query);
            group.bench_with_input(BenchmarkId::new(query, n), &docs, |b, docs| {
                b.iter(|| fz::rank(&q, docs, false, 60.0, 10))
            });
        }
    }
    group.finish();
}

fn setup(c: &mut Criterion) {
    write_corpus_if_requested();
    bench_pairs(c);
    bench_prepared(c);
    bench_rank(c);
}

criterion_group!(benches, setup);
criterion_main!(benches);
