//! The one MCP `ServerHandler`: combines the per-family tool routers and turns argument
//! errors into §10 tool results.

use std::sync::Arc;

use rmcp::handler::server::tool::{ToolCallContext, ToolRouter};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::auth::ProcessIdentity;
use crate::auth::tokens::Authenticator;
use crate::db::Db;
use crate::tools::invalid_input_from;

/// Everything a tool call needs, shared by all calls of this process.
#[derive(Debug)]
pub struct State {
    pub db: Db,
    pub process: ProcessIdentity,
    pub auth: Authenticator,
}

pub struct Server {
    pub(crate) state: Arc<State>,
    tools: ToolRouter<Server>,
}

const INSTRUCTIONS: &str = "Shared context for collaborating agents. Create a session \
(create_session), post messages with visibility public/private/agent_only/admin_only \
(add_message), read them (get_session, get_messages with after_id for polling). Calls act as \
this process's agent unless they pass an auth_token (from authenticate_agent, when the server \
has an API_KEY). get_usage_guidance explains what you can do here.";

impl Server {
    pub fn new(state: Arc<State>) -> Self {
        Server {
            state,
            tools: Self::router(),
        }
    }

    /// Every tool family of the server.
    pub(crate) fn router() -> ToolRouter<Server> {
        Self::session_router()
            + Self::message_router()
            + Self::auth_router()
            + Self::audit_router()
            + Self::guidance_router()
    }

    /// Whether this server offers a tool of that name.
    pub(crate) fn has_tool(&self, name: &str) -> bool {
        self.tools.has_route(name)
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder().enable_tools().build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "shared-context-server",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let call = ToolCallContext::new(self, request, context);
        match self.tools.call(call).await {
            Err(err) => match invalid_input_from(err.data.as_ref()) {
                Some(invalid) => Ok(invalid.into_result().into()),
                None => Err(err),
            },
            ok => ok,
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult {
            tools: self.tools.list_all(),
            ..Default::default()
        })
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.get(name).cloned()
    }
}
