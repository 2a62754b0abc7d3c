//! The `messages` table. Every read here filters through the one §4 rule ([`crate::visible_sql`]).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteExecutor};

use crate::validate::parse_stored;
use crate::visibility::Viewer;

/// A message as every tool returns it (§5).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Message {
    pub id: i64,
    pub session_id: String,
    pub sender: String,
    pub sender_type: String,
    pub content: String,
    pub visibility: String,
    pub message_type: String,
    /// A JSON object, or null.
    pub metadata: Value,
    pub timestamp: String,
    pub parent_message_id: Option<i64>,
}

pub struct NewMessage<'a> {
    pub session_id: &'a str,
    pub sender: &'a str,
    pub sender_type: &'a str,
    pub content: &'a str,
    pub visibility: &'a str,
    pub metadata: Option<&'a str>,
    pub timestamp: &'a str,
    pub parent_message_id: Option<i64>,
    pub idempotency_key: Option<&'a str>,
}

/// Which visible messages of a session to read.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub session_id: &'a str,
    /// Only this visibility (already checked to be valid), if set.
    pub visibility: Option<&'a str>,
    /// Only ids greater than this.
    pub after_id: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Visible messages of a session page: ?4 session, ?5 after id, ?6 visibility or NULL,
/// ?7 limit, ?8 offset.
pub const PAGE_SQL: &str = concat!(
    "SELECT id, session_id, sender, sender_type, content, visibility, message_type, \
     metadata, timestamp, parent_message_id FROM messages \
     WHERE session_id = ?4 AND id > ?5 AND (?6 IS NULL OR visibility = ?6) AND ",
    crate::visible_sql!(),
    " ORDER BY id LIMIT ?7 OFFSET ?8"
);

/// Count of the visible messages a [`PAGE_SQL`] filter matches (?4, ?5, ?6 as there).
pub const COUNT_SQL: &str = concat!(
    "SELECT COUNT(*) FROM messages \
     WHERE session_id = ?4 AND id > ?5 AND (?6 IS NULL OR visibility = ?6) AND ",
    crate::visible_sql!()
);

/// The ?5 most recent visible messages of session ?4, oldest first.
pub const RECENT_SQL: &str = concat!(
    "SELECT * FROM (SELECT id, session_id, sender, sender_type, content, visibility, \
     message_type, metadata, timestamp, parent_message_id FROM messages \
     WHERE session_id = ?4 AND ",
    crate::visible_sql!(),
    " ORDER BY id DESC LIMIT ?5) ORDER BY id"
);

/// Visible messages of session ?4 sent by ?5, newest first, at most ?6.
pub const BY_SENDER_SQL: &str = concat!(
    "SELECT id, session_id, sender, sender_type, content, visibility, message_type, \
     metadata, timestamp, parent_message_id FROM messages \
     WHERE session_id = ?4 AND sender = ?5 AND ",
    crate::visible_sql!(),
    " ORDER BY id DESC LIMIT ?6"
);

/// Visible messages of session ?4 stamped within [?5, ?6] (stored format), oldest first, at
/// most ?7.
pub const BY_TIME_SQL: &str = concat!(
    "SELECT id, session_id, sender, sender_type, content, visibility, message_type, \
     metadata, timestamp, parent_message_id FROM messages \
     WHERE session_id = ?4 AND timestamp >= ?5 AND timestamp <= ?6 AND ",
    crate::visible_sql!(),
    " ORDER BY timestamp, id LIMIT ?7"
);

/// Every message of session ?1 with an id above ?2, oldest first, unfiltered: the search
/// corpus, which applies the §4 rule in Rust ([`crate::visibility::can_see`]).
pub const SINCE_SQL: &str = "SELECT id, session_id, sender, sender_type, content, visibility, \
     message_type, metadata, timestamp, parent_message_id FROM messages \
     WHERE session_id = ?1 AND id > ?2 ORDER BY id";

/// The newest message id of session ?1 (0 when empty): the corpus version.
pub const MAX_ID_SQL: &str = "SELECT COALESCE(MAX(id), 0) FROM messages WHERE session_id = ?1";

pub const FIND_IDEMPOTENT_SQL: &str = "SELECT id, timestamp FROM messages \
     WHERE session_id = ?1 AND sender = ?2 AND idempotency_key = ?3";

/// `sql` with the viewer's §4 parameters (?1..?3) bound; the caller binds ?4 onwards.
fn visible_query<'q>(
    sql: &'static str,
    viewer: &Viewer<'q>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    sqlx::query(sql)
        .bind(viewer.is_admin)
        .bind(viewer.agent_id)
        .bind(viewer.agent_type)
}

pub async fn insert<'e>(ex: impl SqliteExecutor<'e>, m: &NewMessage<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO messages (session_id, sender, sender_type, content, visibility, metadata, \
         timestamp, parent_message_id, idempotency_key) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
    )
    .bind(m.session_id)
    .bind(m.sender)
    .bind(m.sender_type)
    .bind(m.content)
    .bind(m.visibility)
    .bind(m.metadata)
    .bind(m.timestamp)
    .bind(m.parent_message_id)
    .bind(m.idempotency_key)
    .fetch_one(ex)
    .await
}

/// The id and timestamp of the message an earlier call stored under this idempotency key.
pub async fn find_idempotent<'e>(
    ex: impl SqliteExecutor<'e>,
    session_id: &str,
    sender: &str,
    key: &str,
) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(FIND_IDEMPOTENT_SQL)
        .bind(session_id)
        .bind(sender)
        .bind(key)
        .fetch_optional(ex)
        .await
}

/// The session a message belongs to, if the message exists.
pub async fn session_of<'e>(ex: impl SqliteExecutor<'e>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT session_id FROM messages WHERE id = ?1")
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// Visible messages of a page, oldest first.
pub async fn page<'e>(
    ex: impl SqliteExecutor<'e>,
    viewer: &Viewer<'_>,
    p: &Page<'_>,
) -> sqlx::Result<Vec<Message>> {
    let rows = visible_query(PAGE_SQL, viewer)
        .bind(p.session_id)
        .bind(p.after_id)
        .bind(p.visibility)
        .bind(p.limit)
        .bind(p.offset)
        .fetch_all(ex)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// How many messages of the page's session (after `after_id`, of its visibility) are visible.
pub async fn count_visible<'e>(
    ex: impl SqliteExecutor<'e>,
    viewer: &Viewer<'_>,
    p: &Page<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(COUNT_SQL)
        .bind(viewer.is_admin)
        .bind(viewer.agent_id)
        .bind(viewer.agent_type)
        .bind(p.session_id)
        .bind(p.after_id)
        .bind(p.visibility)
        .fetch_one(ex)
        .await
}

/// The `limit` most recent visible messages of a session, returned oldest first.
pub async fn recent<'e>(
    ex: impl SqliteExecutor<'e>,
    viewer: &Viewer<'_>,
    session_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<Message>> {
    let rows = visible_query(RECENT_SQL, viewer)
        .bind(session_id)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// Visible messages of a session from one sender, newest first.
pub async fn by_sender<'e>(
    ex: impl SqliteExecutor<'e>,
    viewer: &Viewer<'_>,
    session_id: &str,
    sender: &str,
    limit: i64,
) -> sqlx::Result<Vec<Message>> {
    let rows = visible_query(BY_SENDER_SQL, viewer)
        .bind(session_id)
        .bind(sender)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// Visible messages of a session stamped within `[start, end]` (stored format), oldest first.
pub async fn by_time<'e>(
    ex: impl SqliteExecutor<'e>,
    viewer: &Viewer<'_>,
    session_id: &str,
    (start, end): (&str, &str),
    limit: i64,
) -> sqlx::Result<Vec<Message>> {
    let rows = visible_query(BY_TIME_SQL, viewer)
        .bind(session_id)
        .bind(start)
        .bind(end)
        .bind(limit)
        .fetch_all(ex)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// All messages of a session after `after_id`, oldest first, with no visibility filter.
pub async fn since<'e>(
    ex: impl SqliteExecutor<'e>,
    session_id: &str,
    after_id: i64,
) -> sqlx::Result<Vec<Message>> {
    let rows = sqlx::query(SINCE_SQL)
        .bind(session_id)
        .bind(after_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// The newest message id of a session, 0 when it has none.
pub async fn max_id<'e>(ex: impl SqliteExecutor<'e>, session_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(MAX_ID_SQL)
        .bind(session_id)
        .fetch_one(ex)
        .await
}

pub fn message_from_row(r: &SqliteRow) -> sqlx::Result<Message> {
    let metadata: Option<String> = r.try_get("metadata")?;
    Ok(Message {
        id: r.try_get("id")?,
        session_id: r.try_get("session_id")?,
        sender: r.try_get("sender")?,
        sender_type: r.try_get("sender_type")?,
        content: r.try_get("content")?,
        visibility: r.try_get("visibility")?,
        message_type: r.try_get("message_type")?,
        metadata: parse_stored(metadata.as_deref()),
        timestamp: r.try_get("timestamp")?,
        parent_message_id: r.try_get("parent_message_id")?,
    })
}
