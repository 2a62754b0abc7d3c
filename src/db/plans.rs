//! A check on the hot queries: `EXPLAIN QUERY PLAN` must show index use, never a full table
//! scan. Add every new hot query to `HOT` below.

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use crate::db::{Db, DbOptions, messages, sessions};
    use crate::error::{AppError, AppResult};

    /// (name, SQL, number of parameters)
    const HOT: &[(&str, &str, usize)] = &[
        ("messages page", messages::PAGE_SQL, 8),
        ("messages count", messages::COUNT_SQL, 6),
        ("messages recent", messages::RECENT_SQL, 5),
        ("idempotency", messages::FIND_IDEMPOTENT_SQL, 3),
        ("by sender", messages::BY_SENDER_SQL, 6),
        ("by time", messages::BY_TIME_SQL, 7),
        ("search corpus", messages::SINCE_SQL, 2),
        ("corpus version", messages::MAX_ID_SQL, 1),
        ("sessions list", sessions::LIST_SQL, 3),
        ("sessions list by creator", sessions::LIST_SQL, 3),
    ];

    /// A plan line that reads a whole table (a subquery's own rows are fine).
    fn full_scan(detail: &str) -> bool {
        detail.starts_with("SCAN ") && !detail.contains("USING") && !detail.contains("subquery")
    }

    #[tokio::test]
    async fn hot_queries_use_indexes() -> AppResult<()> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
        let db = Db::open(&dir.path().join("plan.db"), &DbOptions::default()).await?;
        for (name, sql, params) in HOT {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
            for i in 0..*params {
                // Text for the creator filter so the "by creator" variant is planned with it.
                query = if *name == "sessions list by creator" && i == 1 {
                    query.bind("someone")
                } else {
                    query.bind(1_i64)
                };
            }
            let rows = query.fetch_all(db.pool()).await?;
            assert!(!rows.is_empty(), "{name}: no plan");
            for row in rows {
                let detail: String = row.try_get("detail")?;
                assert!(!full_scan(&detail), "{name}: full scan in plan: {detail}");
            }
        }
        // The check itself must be able to fail: an unindexed filter is flagged.
        let rows = sqlx::query("EXPLAIN QUERY PLAN SELECT id FROM messages WHERE content = ?1")
            .bind("x")
            .fetch_all(db.pool())
            .await?;
        let flagged = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("detail").ok())
            .any(|d| full_scan(&d));
        assert!(flagged, "the full-scan detector missed a full scan");
        Ok(())
    }
}
