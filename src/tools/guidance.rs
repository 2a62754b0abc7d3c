//! `get_usage_guidance` (§8): guidance that is true for this server and this caller.

use rmcp::handler::server::wrapper::Json;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Parameters;
use crate::auth::tokens::is_opaque_token;
use crate::error::AppError;
use crate::guidance::{self, Example, Guidance, Kind, Situation};
use crate::server::Server;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetUsageGuidanceArgs {
    /// operations (default), coordination, security or troubleshooting.
    #[serde(default)]
    pub guidance_type: Option<String>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AgentInfo {
    pub agent_id: String,
    pub agent_type: String,
    pub permissions: Vec<&'static str>,
    /// Expiry of the token this call used; null for the process identity.
    pub expires_at: Option<String>,
    /// Whether the token this call used can be passed to refresh_token.
    pub can_refresh: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GetUsageGuidanceResult {
    pub success: bool,
    /// ADMIN, AGENT (may write) or READ_ONLY.
    pub access_level: &'static str,
    pub agent_info: AgentInfo,
    pub guidance: Guidance,
    pub examples: Vec<Example>,
    pub guidance_type: &'static str,
    pub generated_at: String,
}

#[tool_router(router = guidance_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Guidance for you on this server: guidance_type operations (default), coordination, security or troubleshooting. Names only tools you can use, with their real arguments.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn get_usage_guidance(
        &self,
        Parameters(args): Parameters<GetUsageGuidanceArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Json<GetUsageGuidanceResult>, AppError> {
        let kind = Kind::parse(args.guidance_type.as_deref())?;
        let caller = self.caller(args.auth_token.as_deref(), &ctx).await?;
        let auth = &self.state.auth;
        let can_refresh = args
            .auth_token
            .as_deref()
            .is_some_and(|t| is_opaque_token(t.trim()));
        let has_tool = |name: &str| self.has_tool(name);
        let situation = Situation {
            caller: &caller,
            can_refresh,
            login_enabled: auth.login_enabled(),
            jwt_enabled: auth.jwt_enabled(),
            token_ttl_s: auth.token_ttl_s(),
            refresh_grace_s: auth.refresh_grace_s(),
            type_permissions: auth.table().of(&caller.agent_type).names(),
            has_tool: &has_tool,
        };
        let (guidance, examples) = guidance::build(kind, &situation);
        Ok(Json(GetUsageGuidanceResult {
            success: true,
            access_level: situation.access_level(),
            agent_info: AgentInfo {
                agent_id: caller.agent_id.clone(),
                agent_type: caller.agent_type.clone(),
                permissions: caller.permissions.names(),
                expires_at: caller.token_expires_at.clone(),
                can_refresh,
            },
            guidance,
            examples,
            guidance_type: kind.as_str(),
            generated_at: crate::time::now(),
        }))
    }
}
