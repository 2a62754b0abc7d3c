//! The one error type of the crate and its §10 wire body (`{success:false, error, code, …}`).

use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult};
use serde_json::{Value, json};

/// Every failure a tool call can report. Each variant maps to one §10 code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input for '{field}': {message}")]
    InvalidInput { field: String, message: String },
    #[error("invalid visibility '{0}': expected one of public, private, agent_only, admin_only")]
    InvalidVisibility(String),
    #[error("invalid time range: {0}")]
    InvalidTimerange(String),
    #[error("invalid memory key: {0}")]
    InvalidKey(String),
    #[error("invalid expiry: {0}")]
    InvalidTtl(String),
    #[error("memory key '{0}' already exists and overwrite is false")]
    KeyExists(String),
    #[error("session '{0}' not found")]
    SessionNotFound(String),
    #[error("message {0} not found")]
    MessageNotFound(i64),
    #[error("memory key '{0}' not found")]
    MemoryNotFound(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error(
        "authentication is disabled: start the server with API_KEY set (env or --api-key) to enable authenticate_agent"
    )]
    AuthDisabled,
    #[error("auth_token is not a valid token: {0}")]
    InvalidTokenFormat(String),
    #[error("token authentication failed: {0}")]
    TokenAuthenticationFailed(String),
    #[error("token refresh failed: {0}")]
    TokenRefreshFailed(String),
    #[error("the database stayed locked for the whole busy timeout; retry shortly")]
    Busy,
    /// The detail is logged, never sent to the client.
    #[error("internal error")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Shorthand for the most common error: a field that breaks its rule.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The §10 code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidInput { .. } => "INVALID_INPUT",
            AppError::InvalidVisibility(_) => "INVALID_VISIBILITY",
            AppError::InvalidTimerange(_) => "INVALID_TIMERANGE",
            AppError::InvalidKey(_) => "INVALID_KEY",
            AppError::InvalidTtl(_) => "INVALID_TTL",
            AppError::KeyExists(_) => "KEY_EXISTS",
            AppError::SessionNotFound(_) => "SESSION_NOT_FOUND",
            AppError::MessageNotFound(_) => "MESSAGE_NOT_FOUND",
            AppError::MemoryNotFound(_) => "MEMORY_NOT_FOUND",
            AppError::PermissionDenied(_) => "PERMISSION_DENIED",
            AppError::AuthFailed(_) => "AUTH_FAILED",
            AppError::AuthDisabled => "AUTH_DISABLED",
            AppError::InvalidTokenFormat(_) => "INVALID_TOKEN_FORMAT",
            AppError::TokenAuthenticationFailed(_) => "TOKEN_AUTHENTICATION_FAILED",
            AppError::TokenRefreshFailed(_) => "TOKEN_REFRESH_FAILED",
            AppError::Busy => "BUSY",
            AppError::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// Only transient conditions are worth retrying unchanged (§10: bad input never is).
    pub fn recoverable(&self) -> bool {
        matches!(self, AppError::Busy | AppError::Internal(_))
    }

    fn suggestions(&self) -> Vec<&'static str> {
        match self {
            AppError::InvalidInput { .. } => vec!["Fix the named field and call again."],
            AppError::InvalidVisibility(_) => {
                vec!["Use one of: public, private, agent_only, admin_only."]
            }
            AppError::InvalidTimerange(_) => {
                vec!["Use RFC 3339 times (e.g. 2026-01-31T12:00:00Z) with start_time <= end_time."]
            }
            AppError::InvalidKey(_) => {
                vec!["Use 1-255 characters with no whitespace or control characters."]
            }
            AppError::KeyExists(_) => {
                vec!["Pass overwrite=true to replace it, or choose another key."]
            }
            AppError::SessionNotFound(_) => {
                vec!["Check the session_id, or create one with create_session."]
            }
            AppError::MemoryNotFound(_) => {
                vec!["The key may have expired; check the key and the session_id scope."]
            }
            AppError::PermissionDenied(_) => {
                vec!["Authenticate as an agent with the needed permission."]
            }
            AppError::AuthDisabled => vec!["Set API_KEY in the server's environment."],
            AppError::AuthFailed(_) => vec!["Pass the server's API_KEY as api_key."],
            AppError::InvalidTokenFormat(_) => vec![
                "Pass the sct_ token from authenticate_agent (or an HS256 JWT), or omit auth_token.",
            ],
            AppError::TokenRefreshFailed(_) => {
                vec!["Call authenticate_agent for a new token."]
            }
            AppError::TokenAuthenticationFailed(_) => {
                vec!["Call refresh_token, or authenticate_agent for a new token."]
            }
            AppError::Busy => vec!["Retry the call after a short pause."],
            _ => Vec::new(),
        }
    }

    fn context(&self) -> Option<Value> {
        match self {
            AppError::InvalidInput { field, .. } => Some(json!({ "field": field })),
            AppError::InvalidVisibility(v) => Some(json!({ "field": "visibility", "value": v })),
            AppError::SessionNotFound(id) => Some(json!({ "session_id": id })),
            AppError::MessageNotFound(id) => Some(json!({ "message_id": id })),
            AppError::KeyExists(k) | AppError::MemoryNotFound(k) => Some(json!({ "key": k })),
            _ => None,
        }
    }

    /// The §10 JSON body. The only place an error is turned into wire data.
    pub fn to_body(&self) -> Value {
        if let AppError::Internal(detail) = self {
            tracing::error!(detail = %detail, "internal error");
        }
        let mut body = json!({
            "success": false,
            "error": self.to_string(),
            "code": self.code(),
            "recoverable": self.recoverable(),
        });
        let suggestions = self.suggestions();
        if !suggestions.is_empty() {
            body["suggestions"] = json!(suggestions);
        }
        if let Some(context) = self.context() {
            body["context"] = context;
        }
        body
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if is_busy(&err) {
            return AppError::Busy;
        }
        AppError::Internal(format!("database: {err}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {err}"))
    }
}

/// SQLITE_BUSY (5) and SQLITE_LOCKED (6), including their extended codes, reach us only
/// after the busy timeout is spent.
pub fn is_busy(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

impl AppError {
    /// The failed tool result (§10): `isError: true`, the body as structured content and text.
    pub fn into_result(self) -> CallToolResult {
        CallToolResult::structured_error(self.to_body())
    }
}

impl IntoCallToolResult for AppError {
    fn into_call_tool_result(self) -> Result<CallToolResponse, rmcp::ErrorData> {
        Ok(self.into_result().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_section_10_fields() {
        let body = AppError::invalid("limit", "must be 1..200").to_body();
        assert_eq!(body["success"], false);
        assert_eq!(body["code"], "INVALID_INPUT");
        assert_eq!(body["recoverable"], false);
        assert_eq!(body["context"]["field"], "limit");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("limit")));
    }

    #[test]
    fn internal_detail_is_not_sent() {
        let body = AppError::Internal("secret path /x".into()).to_body();
        assert_eq!(body["error"], "internal error");
        assert_eq!(body["recoverable"], true);
    }
}
