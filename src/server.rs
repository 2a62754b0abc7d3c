//! The one MCP `ServerHandler`: combines the per-family tool routers, turns argument errors
//! into §10 tool results, times every tool call, and delegates resources, subscriptions and
//! prompts to [`crate::resources`], [`crate::live`] and [`crate::prompts`].

use std::sync::Arc;
use std::time::Instant;

use rmcp::handler::server::tool::{ToolCallContext, ToolRouter};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig, SubscribeRequestParams, SubscriptionFilter, Tool,
    UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::auth::ProcessIdentity;
use crate::auth::tokens::Authenticator;
use crate::cache::SearchCache;
use crate::db::Db;
use crate::live::Live;
use crate::maintenance::Schedule;
use crate::metrics::Metrics;
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
    pub metrics: Metrics,
    pub live: Live,
    /// Prepared search corpora and results (§6), never stale.
    pub search: SearchCache,
}

/// One MCP connection (a stdio process has exactly one).
pub struct Server {
    pub(crate) state: Arc<State>,
    tools: ToolRouter<Server>,
    /// This connection's id in the notification registry.
    pub(crate) conn: u64,
}

const INSTRUCTIONS: &str = "Shared context for collaborating agents. Create a session \
(create_session), post messages with visibility public/private/agent_only/admin_only \
(add_message), read them (get_session, get_messages with after_id for polling). Subscribe to \
the resource session://{session_id} to be notified of new messages instead of polling. Each \
agent also has a private key-value memory, global or per session, with optional expiry \
(set_memory, get_memory, list_memory, delete_memory). Calls act as this process's agent \
unless they pass an auth_token (from authenticate_agent, when the server has an API_KEY). \
get_usage_guidance explains what you can do here.";

impl Server {
    pub fn new(state: Arc<State>) -> Self {
        let conn = state.live.next_id();
        Server {
            state,
            tools: Self::router(),
            conn,
        }
    }

    /// Every tool family of the server.
    pub(crate) fn router() -> ToolRouter<Server> {
        Self::session_router()
            + Self::message_router()
            + Self::search_router()
            + Self::memory_router()
            + Self::performance_router()
            + Self::auth_router()
            + Self::audit_router()
            + Self::guidance_router()
    }

    /// Whether this server offers a tool of that name.
    pub(crate) fn has_tool(&self, name: &str) -> bool {
        self.tools.has_route(name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.live.forget(self.conn);
    }
}

/// Whether a tool call's outcome counts as an error in the metrics.
fn failed(outcome: &Result<CallToolResponse, ErrorData>) -> bool {
    match outcome {
        Ok(CallToolResponse::Complete(result)) => result.is_error == Some(true),
        Ok(_) => false,
        Err(_) => true,
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_resources_list_changed()
            .build();
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
        let started = Instant::now();
        // Only names of real tools are recorded, so the metrics map stays bounded.
        let name = self
            .tools
            .has_route(&request.name)
            .then(|| request.name.clone());
        let call = ToolCallContext::new(self, request, context);
        let outcome = match self.tools.call(call).await {
            Err(err) => match invalid_input_from(err.data.as_ref()) {
                Some(invalid) => Ok(invalid.into_result().into()),
                None => Err(err),
            },
            ok => ok,
        };
        if let Some(name) = name {
            let failed = failed(&outcome);
            self.state
                .metrics
                .record_call(&name, started.elapsed(), failed);
        }
        outcome
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

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.state.live.connect(self.conn, context.peer);
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.session_resources(&context).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(crate::resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read(&request.uri, &context).await.map(Into::into)
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscribe_uri(&request.uri, &context).await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.unsubscribe_uri(&request.uri)
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(Self::accept_filter(requested))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        self.listen_until_cancelled(context).await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(crate::prompts::list())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.prompt(&request.name, request.arguments.as_ref(), &context)
            .await
            .map(Into::into)
    }
}
