//! Real per-process figures for `get_performance_metrics` (§8): tool call counts, errors and
//! latency percentiles, search-cache hits and misses, uptime.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;

/// How many recent latencies each tool keeps for its percentiles.
const WINDOW: usize = 1024;

/// Counters of one tool and a ring of its most recent latencies (microseconds).
#[derive(Debug, Default)]
struct ToolStats {
    calls: u64,
    errors: u64,
    recent: Vec<u32>,
    next: usize,
}

impl ToolStats {
    fn record(&mut self, micros: u32, failed: bool) {
        self.calls += 1;
        self.errors += u64::from(failed);
        if self.recent.len() < WINDOW {
            self.recent.push(micros);
        } else {
            self.recent[self.next] = micros;
        }
        self.next = (self.next + 1) % WINDOW;
    }

    fn summary(&self) -> ToolSummary {
        let mut sorted = self.recent.clone();
        sorted.sort_unstable();
        ToolSummary {
            calls: self.calls,
            errors: self.errors,
            p50_ms: percentile_ms(&sorted, 50),
            p95_ms: percentile_ms(&sorted, 95),
            p99_ms: percentile_ms(&sorted, 99),
        }
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds (3 decimals).
fn percentile_ms(sorted: &[u32], pct: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (pct * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    round3(f64::from(sorted[rank - 1]) / 1000.0)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One tool's figures as `get_performance_metrics` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ToolSummary {
    pub calls: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// Search-cache effectiveness.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CacheSummary {
    pub hits: u64,
    pub misses: u64,
    /// hits / (hits + misses); 0 before the first lookup.
    pub hit_rate: f64,
}

/// The process's metrics; shared by every call through the server state.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    tools: Mutex<HashMap<String, ToolStats>>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            tools: Mutex::new(HashMap::new()),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    /// Records one finished tool call.
    pub fn record_call(&self, tool: &str, elapsed: Duration, failed: bool) {
        let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
        let mut tools = self.tools.lock().unwrap_or_else(|p| p.into_inner());
        match tools.get_mut(tool) {
            Some(stats) => stats.record(micros, failed),
            None => {
                let mut stats = ToolStats::default();
                stats.record(micros, failed);
                tools.insert(tool.to_owned(), stats);
            }
        }
    }

    /// A search answered from the cache.
    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A search that had to be computed.
    pub fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    pub fn uptime_s(&self) -> f64 {
        round3(self.started.elapsed().as_secs_f64())
    }

    /// Per tool name, its counters and latency percentiles.
    pub fn tools(&self) -> std::collections::BTreeMap<String, ToolSummary> {
        let tools = self.tools.lock().unwrap_or_else(|p| p.into_inner());
        tools
            .iter()
            .map(|(name, stats)| (name.clone(), stats.summary()))
            .collect()
    }

    pub fn cache(&self) -> CacheSummary {
        let hits = self.cache_hits.load(Ordering::Relaxed);
        let misses = self.cache_misses.load(Ordering::Relaxed);
        let total = hits + misses;
        let hit_rate = if total == 0 {
            0.0
        } else {
            round3(hits as f64 / total as f64)
        };
        CacheSummary {
            hits,
            misses,
            hit_rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 50), 50.0);
        assert_eq!(percentile_ms(&sorted, 95), 95.0);
        assert_eq!(percentile_ms(&sorted, 99), 99.0);
        assert_eq!(percentile_ms(&[], 50), 0.0);
        assert_eq!(percentile_ms(&[1500], 99), 1.5);
    }

    #[test]
    fn calls_errors_and_the_ring_are_counted() {
        let m = Metrics::default();
        for i in 0..(WINDOW as u64 + 10) {
            m.record_call("x", Duration::from_micros(i), i % 2 == 0);
        }
        let x = &m.tools()["x"];
        assert_eq!(x.calls, WINDOW as u64 + 10);
        assert_eq!(x.errors, (WINDOW as u64 + 10) / 2);
        // The ring holds only the latest WINDOW values, so the smallest kept is 10 µs.
        assert!(x.p50_ms > 0.5);
        m.cache_hit();
        m.cache_miss();
        m.cache_miss();
        m.cache_miss();
        assert_eq!(m.cache().hit_rate, 0.25);
    }
}
