//! One integration-test binary: every test spawns the real `shared-context-server` executable
//! and talks MCP to it over stdio through the rmcp client.

mod support;

mod audit;
mod auth;
mod concurrency;
mod guidance;
mod messages;
mod protocol;
mod sessions;
mod tokens;
mod visibility;
