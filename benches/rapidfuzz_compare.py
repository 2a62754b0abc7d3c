#!/usr/bin/env python3
"""Times Python RapidFuzz on the same corpus as benches/search.rs.

The corpus generator below mirrors `Lcg`, `message` and `corpus` in benches/search.rs
(same word list, same 64-bit LCG, seed 42), so both sides see identical strings. If
SEARCH_BENCH_CORPUS names a file written by the Rust bench
(`SEARCH_BENCH_CORPUS=/tmp/corpus.txt cargo bench --bench search`), the generated corpus
is checked against it first.

Times `process.extract(query, corpus, scorer=fuzz.WRatio,
processor=utils.default_process, limit=10, score_cutoff=60)` over 1 000 and 10 000
messages and prints the median of several runs (also with pre-processed choices).

Requires `pip install rapidfuzz==3.14.6`.
"""
import json
import os
import statistics
import sys
import time

from rapidfuzz import fuzz, process, utils

WORDS = [
    "the", "server", "client", "deployment", "database", "migration", "agent", "session",
    "context", "message", "search", "index", "token", "memory", "shared", "request",
    "response", "error", "status", "update", "config", "cache", "queue", "worker", "build",
    "release", "test", "failed", "passed", "user", "team", "review", "merge", "branch",
    "commit", "latency", "timeout", "retry", "schema", "backup",
]
MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return self.state >> 33


def message(rng):
    target = 180 + rng.next() % 41
    out = ""
    k = 0
    while len(out.encode()) < target:
        w = WORDS[rng.next() % len(WORDS)]
        if out:
            out += ", " if rng.next() % 10 == 0 else " "
        out += w[0].upper() + w[1:] if k % 7 == 0 else w
        k += 1
    return out + "."


def corpus(n):
    rng = Lcg(42)
    return [message(rng) for _ in range(n)]


def median_ms(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def rust_median_ms(query, n):
    """Median of our `rank` bench for the same query and size, if criterion has run."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "target", "criterion", "rank", query, str(n), "new", "estimates.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)["median"]["point_estimate"] / 1e6
    except (OSError, KeyError, ValueError):
        return None


def main():
    full = corpus(10_000)
    path = os.environ.get("SEARCH_BENCH_CORPUS")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rust = f.read().split("\n")
        if rust != full:
            sys.exit("corpus mismatch with " + path)
        print("corpus matches", path)
    for query in ["deployment", "deploymnet", "databse migraton"]:
        for n in [1_000, 10_000]:
            docs = full[:n]
            pre = [utils.default_process(d) for d in docs]
            qp = utils.default_process(query)
            runs = 21 if n == 1_000 else 7
            raw = median_ms(
                lambda: process.extract(query, docs, scorer=fuzz.WRatio,
                                        processor=utils.default_process, limit=10, score_cutoff=60),
                runs,
            )
            prep = median_ms(
                lambda: process.extract(qp, pre, scorer=fuzz.WRatio, limit=10, score_cutoff=60),
                runs,
            )
            ours = rust_median_ms(query, n)
            ratio = (f" | ours (rank) {ours:8.2f} ms: RapidFuzz/ours = {raw / ours:5.2f}x"
                     if ours else " | run `cargo bench --bench search` for the ratio")
            print(f"{query!r:20} n={n:>6}: extract+default_process median {raw:8.2f} ms"
                  f" | pre-processed median {prep:8.2f} ms{ratio}")


if __name__ == "__main__":
    main()
