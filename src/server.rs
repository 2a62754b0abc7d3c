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
use crate::maintenance::Schedule;
use crate::tools::invalid_input_from;

/// Everything a tool call needs, shared by all calls of this process.
#[derive(Debug)]
pub struct State {
    pub db: Db,
    pub process: ProcessIdentity,
    pub auth: Authenticator,
    /// Largest serialised memory value (§7, `SCS_MAX_MEMORY_BYTES`).
    pub max_memory_bytes: usize,
    /// What the background maintenance task deletes, and how often.
    pub maintenance: Schedule,
}

pub struct Server {
    pub(crate) state: Arc<State>,
    tools: ToolRouter<Server>,
}

const INSTRUCTIONS: &str = "Shared context for collaborating agents. Create a session \
(create_session), post messages with visibility public/private/agent_only/admin_only \
(add_message), read them (get_session, get_messages with after_id for polling). Calls act as \
this process's agent unless they pass an auth_token. Each agent also has a private key-value \
memory, global or per session, with optional expiry (set_memory, get_memory, list_memory, \
delete_memory).";

impl Server {
    pub fn new(state: Arc<State>) -> Self {
        Server {
            state,
            tools: Self::session_router()
                + Self::message_router()
                + Self::search_router()
                + Self::memory_router(),
        }
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
