//! The search tools (§6): `search_context` (fuzzy, ranked), `search_by_sender`,
//! `search_by_timerange`, all under the §4 rule.

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::sync::Arc;
use std::time::Instant;

use super::{Parameters, bounded, require};
use crate::auth::{Caller, Permissions};
use crate::cache::{Corpus, Ranked, ResultKey};
use crate::db::messages::{self, Message};
use crate::db::sessions;
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::visibility::{Viewer, Visibility, can_see};
use crate::{search, time, validate};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchContextArgs {
    pub session_id: String,
    /// What to look for (1..500 characters); fuzzy, case-insensitive.
    pub query: String,
    /// Minimum score 0..100 (default 60); 0 returns every visible message up to `limit`.
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub fuzzy_threshold: Option<f64>,
    /// 1..100 (default 10).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    /// Also match top-level metadata values (default true).
    #[serde(default)]
    pub search_metadata: Option<bool>,
    /// all (default), public, private, agent_only or admin_only.
    #[serde(default)]
    pub search_scope: Option<String>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchHit {
    pub message: Message,
    /// WRatio score, 0..100, two decimals.
    pub score: f64,
    pub match_preview: String,
    /// high (>= 80), medium (>= 60) or low.
    pub relevance: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchContextResult {
    pub success: bool,
    /// Best first; equal scores newest first.
    pub results: Vec<SearchHit>,
    pub query: String,
    pub threshold: f64,
    pub search_scope: String,
    /// Messages of the session the caller may see.
    pub message_count: usize,
    /// Of those, the ones in `search_scope` that were scored.
    pub searched_count: usize,
    pub search_time_ms: f64,
    /// Whether the answer came from the result cache (still exact: see ARCHITECTURE.md).
    pub cache_hit: bool,
}

/// The validated arguments of `search_context`.
#[derive(Debug, Clone)]
struct Query {
    text: String,
    threshold: f64,
    limit: usize,
    search_metadata: bool,
    scope: Option<Visibility>,
}

fn check_search(args: &SearchContextArgs) -> AppResult<Query> {
    let text = validate::text("query", &args.query, 1, 500)?;
    let threshold = args.fuzzy_threshold.unwrap_or(60.0);
    if !(0.0..=100.0).contains(&threshold) {
        return Err(AppError::invalid(
            "fuzzy_threshold",
            format!("must be between 0 and 100, got {threshold}"),
        ));
    }
    let limit = bounded("limit", args.limit, 10, 1, 100)?;
    Ok(Query {
        text,
        threshold,
        limit: usize::try_from(limit).unwrap_or(10),
        search_metadata: args.search_metadata.unwrap_or(true),
        scope: Visibility::parse_filter(args.search_scope.as_deref())?,
    })
}

/// Scores the caller's visible messages (of the scope) in `corpus`; CPU work, no I/O.
fn rank_visible(corpus: &Corpus, caller: &Caller, q: &Query) -> Ranked {
    let mut message_count = 0;
    let mut picked = Vec::new();
    let mut docs = Vec::new();
    for (i, entry) in corpus.entries.iter().enumerate() {
        let m = &entry.message;
        if !can_see(caller, &m.visibility, &m.sender, &m.sender_type) {
            continue;
        }
        message_count += 1;
        if q.scope.is_none_or(|s| s.as_str() == m.visibility) {
            picked.push(i);
            docs.push(&entry.doc);
        }
    }
    let prepared = search::PreparedQuery::new(&q.text);
    let hits = search::rank(&prepared, &docs, q.search_metadata, q.threshold, q.limit)
        .into_iter()
        .map(|(i, score)| (picked[i], score))
        .collect();
    Ranked {
        hits,
        message_count,
        searched_count: docs.len(),
    }
}

fn round2(score: f64) -> f64 {
    (score * 100.0).round() / 100.0
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchBySenderArgs {
    pub session_id: String,
    /// Exact agent id of the sender.
    pub sender: String,
    /// 1..100 (default 20).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchBySenderResult {
    pub success: bool,
    pub session_id: String,
    pub sender: String,
    /// Newest first.
    pub messages: Vec<Message>,
    pub count: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchByTimerangeArgs {
    pub session_id: String,
    /// RFC 3339 (a time without offset is UTC), inclusive.
    pub start_time: String,
    /// RFC 3339 (a time without offset is UTC), inclusive.
    pub end_time: String,
    /// 1..200 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchByTimerangeResult {
    pub success: bool,
    pub session_id: String,
    /// The range as understood, in the stored timestamp format.
    pub start_time: String,
    pub end_time: String,
    /// Oldest first.
    pub messages: Vec<Message>,
    pub count: usize,
}

/// Both ends parsed and in order, in the stored format (so text order is time order).
fn parse_range(start: &str, end: &str) -> AppResult<(String, String)> {
    let parse = |field: &str, text: &str| {
        time::parse(text).ok_or_else(|| {
            AppError::InvalidTimerange(format!("{field} '{text}' is not an RFC 3339 time"))
        })
    };
    let (from, to) = (parse("start_time", start)?, parse("end_time", end)?);
    if from > to {
        return Err(AppError::InvalidTimerange(
            "start_time is after end_time".into(),
        ));
    }
    Ok((time::format(from), time::format(to)))
}

impl Server {
    /// The ranked answer for `q`, from the result cache when the session is unchanged.
    async fn ranked(
        &self,
        session_id: &str,
        caller: &Caller,
        q: &Query,
    ) -> AppResult<(Arc<Corpus>, Arc<Ranked>, bool)> {
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, session_id).await? {
            return Err(AppError::SessionNotFound(session_id.to_owned()));
        }
        let corpus = self.state.search.corpus(&mut tx, session_id).await?;
        tx.commit().await?;
        let key = ResultKey {
            session_id: session_id.to_owned(),
            version: corpus.version,
            viewer: (
                caller.agent_id.clone(),
                caller.agent_type.clone(),
                caller.is_admin(),
            ),
            query: q.text.clone(),
            threshold_bits: q.threshold.to_bits(),
            limit: q.limit,
            search_metadata: q.search_metadata,
            scope: q.scope.map(Visibility::as_str),
        };
        if let Some(ranked) = self.state.search.result(&key) {
            self.state.metrics.cache_hit();
            return Ok((corpus, ranked, true));
        }
        self.state.metrics.cache_miss();
        let (corpus2, caller2) = (corpus.clone(), caller.clone());
        let q2 = q.clone();
        let ranked = tokio::task::spawn_blocking(move || rank_visible(&corpus2, &caller2, &q2))
            .await
            .map_err(|e| AppError::Internal(format!("search task: {e}")))?;
        let ranked = Arc::new(ranked);
        self.state.search.store(key, ranked.clone());
        Ok((corpus, ranked, false))
    }
}

#[tool_router(router = search_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Fuzzy-search a session's messages you may see (RapidFuzz WRatio on content, sender and metadata values). Returns scored results best first with a preview. fuzzy_threshold 0..100 (default 60), limit 1..100 (default 10), search_scope all|public|private|agent_only|admin_only.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_context(
        &self,
        Parameters(args): Parameters<SearchContextArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SearchContextResult>, AppError> {
        let started = Instant::now();
        let q = check_search(&args)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "search_context")?;
        let (corpus, ranked, cache_hit) = self.ranked(&args.session_id, &caller, &q).await?;
        let results = ranked
            .hits
            .iter()
            .filter_map(|(i, score)| corpus.entries.get(*i).map(|e| (e, *score)))
            .map(|(entry, score)| SearchHit {
                match_preview: search::match_preview(&entry.message.content, &q.text),
                relevance: search::relevance(score).to_owned(),
                score: round2(score),
                message: entry.message.clone(),
            })
            .collect();
        Ok(Json(SearchContextResult {
            success: true,
            results,
            query: q.text,
            threshold: q.threshold,
            search_scope: q.scope.map_or("all", Visibility::as_str).to_owned(),
            message_count: ranked.message_count,
            searched_count: ranked.searched_count,
            search_time_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            cache_hit,
        }))
    }

    #[tool(
        description = "Messages of a session sent by one agent (exact agent id) that you may see, newest first (limit 1..100, default 20).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_by_sender(
        &self,
        Parameters(args): Parameters<SearchBySenderArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SearchBySenderResult>, AppError> {
        let limit = bounded("limit", args.limit, 20, 1, 100)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "search_by_sender")?;
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        let viewer = Viewer::binds(&caller);
        let found =
            messages::by_sender(&mut *tx, &viewer, &args.session_id, &args.sender, limit).await?;
        tx.commit().await?;
        Ok(Json(SearchBySenderResult {
            success: true,
            count: found.len(),
            messages: found,
            session_id: args.session_id,
            sender: args.sender,
        }))
    }

    #[tool(
        description = "Messages of a session you may see whose timestamps fall within [start_time, end_time] (RFC 3339, inclusive; no offset means UTC), oldest first (limit 1..200, default 50).",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn search_by_timerange(
        &self,
        Parameters(args): Parameters<SearchByTimerangeArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<SearchByTimerangeResult>, AppError> {
        let limit = bounded("limit", args.limit, 50, 1, 200)?;
        let (start, end) = parse_range(&args.start_time, &args.end_time)?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        require(&caller, Permissions::READ, "search_by_timerange")?;
        let mut tx = self.state.db.begin_read().await?;
        if !sessions::exists(&mut *tx, &args.session_id).await? {
            return Err(AppError::SessionNotFound(args.session_id));
        }
        let viewer = Viewer::binds(&caller);
        let range = (start.as_str(), end.as_str());
        let found = messages::by_time(&mut *tx, &viewer, &args.session_id, range, limit).await?;
        tx.commit().await?;
        Ok(Json(SearchByTimerangeResult {
            success: true,
            count: found.len(),
            messages: found,
            session_id: args.session_id,
            start_time: start,
            end_time: end,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert!(parse_range("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z").is_ok());
        assert!(matches!(
            parse_range("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"),
            Err(AppError::InvalidTimerange(_))
        ));
        assert!(matches!(
            parse_range("soon", "2026-01-01T00:00:00Z"),
            Err(AppError::InvalidTimerange(_))
        ));
        let (a, _) =
            parse_range("2026-01-01T02:00:00+02:00", "2026-01-01T05:00:00").unwrap_or_default();
        assert_eq!(a, "2026-01-01T00:00:00.000000+00:00");
    }
}
