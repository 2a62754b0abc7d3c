//! One integration-test binary: every test spawns the real `shared-context-server` executable
//! and talks MCP to it over stdio through the rmcp client.

mod support;

mod concurrency;
mod live;
mod messages;
mod protocol;
mod resources;
mod sessions;
mod visibility;
