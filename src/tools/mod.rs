//! Tool adapters, one file per family: validate the arguments, resolve the caller, call the
//! database layer, shape the §5–§8 result. No SQL here.

pub mod audit;
pub mod auth;
pub mod guidance;
pub mod memory;
pub mod messages;
pub mod performance;
pub mod search;
pub mod sessions;

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, schemars::JsonSchema};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::auth::login::audit_failure;
use crate::auth::tokens::Rejection;
use crate::auth::{Caller, Permissions, agent_id_from_client_name};
use crate::error::{AppError, AppResult};
use crate::server::Server;

/// Marker put into the JSON-RPC error data of an argument that does not deserialize, so that
/// [`Server::call_tool`](crate::server) can turn it into an `INVALID_INPUT` tool result (§10).
pub const INVALID_INPUT_MARKER: &str = "scs_invalid_input";

/// Tool arguments. Deserialisation errors name the field (§10) instead of rmcp's generic text.
pub struct Parameters<T>(pub T);

impl<T: JsonSchema> JsonSchema for Parameters<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<S, T: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<T> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, rmcp::ErrorData> {
        let arguments = serde_json::Value::Object(context.arguments.take().unwrap_or_default());
        serde_path_to_error::deserialize(arguments)
            .map(Parameters)
            .map_err(|err| {
                let field = match err.path().to_string() {
                    p if p == "." => "arguments".to_owned(),
                    p => p,
                };
                let message = err.inner().to_string();
                let field = missing_field(&message).unwrap_or(field);
                rmcp::ErrorData::invalid_params(
                    format!("invalid input for '{field}': {message}"),
                    Some(json!({ INVALID_INPUT_MARKER: { "field": field, "message": message } })),
                )
            })
    }
}

/// serde reports a missing field at the parent path; pull the name out of its message.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// Turns the marker error back into the `AppError` it stands for.
pub fn invalid_input_from(data: Option<&serde_json::Value>) -> Option<AppError> {
    let detail = data?.get(INVALID_INPUT_MARKER)?;
    Some(AppError::invalid(
        detail["field"].as_str().unwrap_or("arguments"),
        detail["message"].as_str().unwrap_or("invalid value"),
    ))
}

impl Server {
    /// The identity this call acts as (§3): a token's agent, or the process identity.
    pub(crate) async fn caller(
        &self,
        auth_token: Option<&str>,
        ctx: &RequestContext<RoleServer>,
    ) -> AppResult<Caller> {
        let Some(token) = auth_token.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(self.process_caller(ctx));
        };
        match self.state.auth.check(&self.state.db, token).await {
            Ok(caller) => Ok(caller),
            Err(rejection) => {
                if rejection.is_auth_failure() {
                    self.audit_rejection(&rejection, ctx).await;
                }
                Err(rejection.error)
            }
        }
    }

    /// A refused token is a failed authentication (§8): audited as
    /// `token_authentication_failed`, naming the token's agent when known and the process
    /// that presented it, never the token.
    async fn audit_rejection(&self, rejection: &Rejection, ctx: &RequestContext<RoleServer>) {
        let presented_by = self.process_caller(ctx).agent_id;
        let meta = json!({
            "reason": rejection.error.to_string(),
            "code": rejection.error.code(),
            "token_kind": rejection.token_kind,
            "presented_by": presented_by,
        });
        let agent_id = rejection.agent_id.as_deref().unwrap_or("unknown");
        audit_failure(
            &self.state.db,
            "token_authentication_failed",
            agent_id,
            "verify_token",
            meta,
        )
        .await;
    }

    pub(crate) fn process_caller(&self, ctx: &RequestContext<RoleServer>) -> Caller {
        let process = &self.state.process;
        let agent_id = process.agent_id.clone().unwrap_or_else(|| {
            // The `initialize` client info, or (2026-07-28) the request's own.
            ctx.client_info()
                .and_then(|info| agent_id_from_client_name(&info.name))
                .unwrap_or_else(|| "local-agent".to_owned())
        });
        Caller {
            agent_id,
            agent_type: process.agent_type.clone(),
            permissions: process.permissions,
            token_expires_at: None,
        }
    }
}

/// Fails with `PERMISSION_DENIED` unless the caller holds `needed`.
pub fn require(caller: &Caller, needed: Permissions, what: &str) -> AppResult<()> {
    if caller.can(needed) {
        return Ok(());
    }
    Err(AppError::PermissionDenied(format!(
        "{what} needs the '{}' permission; agent '{}' has {:?}",
        needed.names().join(","),
        caller.agent_id,
        caller.permissions.names()
    )))
}

/// An optional number checked against its range, with its default (§5: never clamped).
pub fn bounded(
    field: &str,
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> AppResult<i64> {
    crate::validate::range(field, value.unwrap_or(default), min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_names_are_extracted() {
        assert_eq!(
            missing_field("missing field `purpose`").as_deref(),
            Some("purpose")
        );
        assert_eq!(missing_field("invalid type: string"), None);
    }
}
