//! One integration-test binary: every test spawns the real `shared-context-server` executable
//! and talks MCP to it over stdio through the rmcp client.

mod support;

mod audit;
mod auth;
mod concurrency;
mod guidance;
mod hostile;
mod lifecycle;
mod live;
mod maintenance;
mod memory;
mod memory_ops;
mod messages;
mod protocol;
mod resources;
mod robustness;
mod scale;
mod search;
mod sessions;
mod tokens;
mod visibility;
