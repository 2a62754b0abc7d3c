//! The §4 visibility rule, written once: as a Rust predicate and as the SQL clause every read
//! path uses. A test checks that the two agree on the whole matrix.

use crate::auth::Caller;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
    AgentOnly,
    AdminOnly,
}

impl Visibility {
    pub const ALL: [Visibility; 4] = [
        Visibility::Public,
        Visibility::Private,
        Visibility::AgentOnly,
        Visibility::AdminOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::AgentOnly => "agent_only",
            Visibility::AdminOnly => "admin_only",
        }
    }

    /// Unknown values are `INVALID_VISIBILITY`, never "no filter" (§12).
    pub fn parse(text: &str) -> AppResult<Visibility> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
            .ok_or_else(|| AppError::InvalidVisibility(text.to_owned()))
    }

    /// `None`, empty and `"all"` mean no filter; anything else must be a visibility.
    pub fn parse_filter(text: Option<&str>) -> AppResult<Option<Visibility>> {
        match text.map(str::trim) {
            None | Some("") | Some("all") => Ok(None),
            Some(other) => Self::parse(other).map(Some),
        }
    }
}

/// May `viewer` see a message with this visibility, sender and sender type?
pub fn can_see(viewer: &Caller, visibility: &str, sender: &str, sender_type: &str) -> bool {
    viewer.is_admin()
        || match visibility {
            "public" => true,
            "private" => sender == viewer.agent_id,
            "agent_only" => sender_type == viewer.agent_type,
            _ => false,
        }
}

/// The same rule as SQL text over a `messages` row, for `concat!` into static queries.
/// Parameters ?1 = is_admin (0/1), ?2 = agent_id, ?3 = agent_type; see [`Viewer::binds`].
#[macro_export]
macro_rules! visible_sql {
    () => {
        "(?1 = 1 OR visibility = 'public' \
         OR (visibility = 'private' AND sender = ?2) \
         OR (visibility = 'agent_only' AND sender_type = ?3))"
    };
}

/// The bind values of [`visible_sql!`] for one viewer.
pub struct Viewer<'a> {
    pub is_admin: i64,
    pub agent_id: &'a str,
    pub agent_type: &'a str,
}

impl<'a> Viewer<'a> {
    pub fn binds(caller: &'a Caller) -> Self {
        Viewer {
            is_admin: i64::from(caller.is_admin()),
            agent_id: &caller.agent_id,
            agent_type: &caller.agent_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Permissions;

    #[test]
    fn unknown_filter_is_an_error() {
        assert!(Visibility::parse_filter(Some("everything")).is_err());
        assert_eq!(Visibility::parse_filter(Some("all")).ok(), Some(None));
        assert_eq!(
            Visibility::parse_filter(Some("agent_only")).ok(),
            Some(Some(Visibility::AgentOnly))
        );
    }

    #[tokio::test]
    async fn sql_and_rust_agree_on_the_matrix() -> Result<(), sqlx::Error> {
        use sqlx::Row;
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
        sqlx::query("CREATE TABLE messages (visibility TEXT, sender TEXT, sender_type TEXT)")
            .execute(&pool)
            .await?;
        let senders = [("a", "claude"), ("b", "claude"), ("c", "gemini")];
        for v in Visibility::ALL {
            for (s, t) in senders {
                sqlx::query("INSERT INTO messages VALUES (?, ?, ?)")
                    .bind(v.as_str())
                    .bind(s)
                    .bind(t)
                    .execute(&pool)
                    .await?;
            }
        }
        let rw = Permissions::READ.union(Permissions::WRITE);
        for (id, ty, perms) in [
            ("a", "claude", rw),
            ("c", "gemini", rw),
            ("z", "admin", rw.union(Permissions::ADMIN)),
        ] {
            let viewer = Caller {
                agent_id: id.into(),
                agent_type: ty.into(),
                permissions: perms,
                token_expires_at: None,
            };
            let b = Viewer::binds(&viewer);
            let sql = concat!(
                "SELECT visibility, sender, sender_type, ",
                crate::visible_sql!(),
                " FROM messages"
            );
            let rows = sqlx::query(sql)
                .bind(b.is_admin)
                .bind(b.agent_id)
                .bind(b.agent_type)
                .fetch_all(&pool)
                .await?;
            for row in rows {
                let (v, s, t): (String, String, String) = (row.get(0), row.get(1), row.get(2));
                let sql_says: bool = row.get(3);
                assert_eq!(sql_says, can_see(&viewer, &v, &s, &t), "{id} {v} {s} {t}");
            }
        }
        Ok(())
    }
}
