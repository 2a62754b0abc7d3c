//! Property tests: arbitrary Unicode never makes the search core panic, scores stay in
//! 0..=100, and previews stay short and come from the content.

use proptest::prelude::*;

use super::{PreparedDoc, PreparedQuery, match_preview, rank, score_doc, wratio};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,30}",
        "[a-z ]{0,400}",
        "[\\PC\\p{Mn}\u{200b}\u{202e} _-]{0,120}",
        ("[a-z]{1,8}", 0usize..400).prop_map(|(w, n)| format!(
            "{} {w} {}",
            "lorem ".repeat(n),
            "ipsum ".repeat(n / 2)
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn scoring_and_previews_never_panic(content in text(), query in text(), sender in ".{0,12}", meta in ".{0,20}") {
        let q = PreparedQuery::new(&query);
        let doc = PreparedDoc::new(&content, &sender, [meta.as_str()]);
        let score = score_doc(&q, &doc, true, 0.0);
        prop_assert!((0.0..=100.0).contains(&score), "score {}", score);
        let plain = wratio(&query, &content);
        prop_assert!((0.0..=100.0).contains(&plain));
        let preview = match_preview(&content, &query);
        prop_assert!(preview.chars().count() <= 200, "preview too long");
        let ranked = rank(&q, &[doc.clone(), doc], true, 0.0, 5);
        prop_assert!(ranked.len() <= 2);
    }
}
