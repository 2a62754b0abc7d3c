//! Pure fuzzy-search core: RapidFuzz-compatible scorers, a prepared (cached) query, the
//! per-message search units and the ranking / preview rules used by the server.
//!
//! * Scorers ([`ratio`], [`partial_ratio`], [`wratio`], ...) return exactly what Python
//!   RapidFuzz 3.x `rapidfuzz.fuzz` returns for the same strings (chars are Unicode code
//!   points); [`default_process`] is `rapidfuzz.utils.default_process`.
//! * [`PreparedQuery`] caches everything query-side for the hot path.
//! * [`PreparedDoc`], [`score_doc`], [`rank`], [`match_preview`] and [`relevance`]
//!   implement the message search rules: a message scores the best WRatio of the
//!   processed query against its units (content, sender, optionally scalar metadata
//!   values); a unit shorter than 8x the query scores exactly `wratio(query, unit)`, a
//!   longer one the best WRatio over its word-aligned windows (2x..6x the query, see
//!   `windows`), computed term by term with upper bounds (`long`, `bounds`, `runs`, `sig`).

mod bounds;
mod doc;
mod fuzz;
mod indel;
mod long;
mod memo;
mod partial;
mod prepared;
mod preview;
mod process;
mod rank;
mod runs;
mod shrink;
mod sig;
mod tokens;
mod unicode_table;
mod windows;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_rank;
#[cfg(test)]
mod tests_repeat;

pub use doc::{PreparedDoc, score_doc};
pub use prepared::PreparedQuery;
pub use preview::match_preview;
pub use process::default_process;
pub use rank::rank;

use tokens::TokenForm;

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn forms(a: &str, b: &str) -> (TokenForm, TokenForm) {
    (TokenForm::new(&chars(a)), TokenForm::new(&chars(b)))
}

/// `fuzz.ratio`: normalized Indel similarity, 0..=100 (100 for two empty strings).
pub fn ratio(a: &str, b: &str) -> f64 {
    fuzz::ratio_slices(&chars(a), &chars(b), 0.0)
}

/// `fuzz.partial_ratio`: best `ratio` of the shorter string against substrings of the longer.
pub fn partial_ratio(a: &str, b: &str) -> f64 {
    partial::partial_ratio_slices(&chars(a), &chars(b), 0.0)
}

/// `fuzz.token_sort_ratio`: `ratio` of the sorted, space-joined tokens.
pub fn token_sort_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::token_sort_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.token_set_ratio`: compares the intersection and differences of the token sets.
pub fn token_set_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::token_set_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.token_ratio`: max of `token_sort_ratio` and `token_set_ratio`.
pub fn token_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::token_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.partial_token_sort_ratio`: `partial_ratio` of the sorted tokens.
pub fn partial_token_sort_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::partial_token_sort_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.partial_token_set_ratio`: 100 on a common token, else `partial_ratio` of the differences.
pub fn partial_token_set_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::partial_token_set_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.partial_token_ratio`: max of `partial_token_sort_ratio` and `partial_token_set_ratio`.
pub fn partial_token_ratio(a: &str, b: &str) -> f64 {
    let (ta, tb) = forms(a, b);
    fuzz::partial_token_ratio_forms(&ta, &tb, 0.0)
}

/// `fuzz.QRatio`: `ratio`, but 0 when either string is empty.
pub fn qratio(a: &str, b: &str) -> f64 {
    fuzz::qratio_slices(&chars(a), &chars(b), 0.0)
}

/// `fuzz.WRatio`: weighted combination of the scorers above (0 when either string is empty).
pub fn wratio(a: &str, b: &str) -> f64 {
    fuzz::wratio_slices(&chars(a), &chars(b), 0.0)
}

/// Relevance label of a score: `"high"` (>= 80), `"medium"` (>= 60) or `"low"`.
pub fn relevance(score: f64) -> &'static str {
    if score >= 80.0 {
        "high"
    } else if score >= 60.0 {
        "medium"
    } else {
        "low"
    }
}
