//! `authenticate_agent` and `refresh_token` (§3): the two tools without an `auth_token`.

use rmcp::handler::server::wrapper::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Parameters;
use crate::auth::Permissions;
use crate::auth::login::{Issued, Login};
use crate::error::{AppError, AppResult};
use crate::server::Server;
use crate::validate;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AuthenticateAgentArgs {
    /// The agent to act as (1..100 characters).
    pub agent_id: String,
    /// Its type, e.g. claude, gemini, admin, system, test, generic (1..50 characters).
    pub agent_type: String,
    /// Permissions wanted (read, write, admin, debug); default ["read", "write"]. The grant is
    /// this ∩ the agent type's permissions, at least ["read"].
    #[serde(default)]
    pub requested_permissions: Option<Vec<String>>,
    /// The server's API_KEY.
    #[serde(default)]
    pub api_key: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RefreshTokenArgs {
    /// The sct_ token to replace; it is revoked at once.
    pub current_token: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenResult {
    pub success: bool,
    /// Pass as auth_token to other tools. Shown once; the server keeps only its hash.
    pub token: String,
    pub agent_id: String,
    pub agent_type: String,
    pub permissions: Vec<&'static str>,
    pub expires_at: String,
    pub issued_at: String,
    /// Always "Bearer".
    pub token_type: &'static str,
    /// Always "sct".
    pub token_format: &'static str,
}

impl From<Issued> for TokenResult {
    fn from(t: Issued) -> Self {
        TokenResult {
            success: true,
            token: t.token,
            agent_id: t.agent_id,
            agent_type: t.agent_type,
            permissions: t.permissions.names(),
            expires_at: t.expires_at,
            issued_at: t.issued_at,
            token_type: "Bearer",
            token_format: "sct",
        }
    }
}

fn requested(list: Option<&[String]>) -> AppResult<Permissions> {
    match list {
        None => Ok(Permissions::READ.union(Permissions::WRITE)),
        Some(names) => Permissions::parse_list(names.iter().map(String::as_str))
            .map_err(|e| AppError::invalid("requested_permissions", e)),
    }
}

#[tool_router(router = auth_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Log in as an agent with the server's API_KEY and get an sct_ token to pass as auth_token. Permissions granted = requested_permissions ∩ those of agent_type (at least read). Fails with AUTH_DISABLED when the server has no API_KEY.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn authenticate_agent(
        &self,
        Parameters(args): Parameters<AuthenticateAgentArgs>,
    ) -> Result<Json<TokenResult>, AppError> {
        let agent_id = validate::text("agent_id", &args.agent_id, 1, 100)?;
        let agent_type = validate::text("agent_type", &args.agent_type, 1, 50)?;
        let requested = requested(args.requested_permissions.as_deref())?;
        let login = Login {
            agent_id: &agent_id,
            agent_type: &agent_type,
            requested,
            api_key: args.api_key.as_deref(),
        };
        let issued = self.state.auth.login(&self.state.db, &login).await?;
        Ok(Json(issued.into()))
    }

    #[tool(
        description = "Exchange an sct_ token for a new one; the old token stops working at once. An expired token can be refreshed only within the server's grace period; a revoked one never.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    pub async fn refresh_token(
        &self,
        Parameters(args): Parameters<RefreshTokenArgs>,
    ) -> Result<Json<TokenResult>, AppError> {
        let current = args.current_token.trim();
        if current.is_empty() {
            return Err(AppError::invalid(
                "current_token",
                "must be the sct_ token to refresh",
            ));
        }
        let issued = self.state.auth.refresh(&self.state.db, current).await?;
        Ok(Json(issued.into()))
    }
}
