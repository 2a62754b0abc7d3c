//! The guidance stays true: its signatures match the tool schemas, and it names no tool the
//! caller cannot use.

use super::catalogue::{self, CATALOGUE};
use super::*;
use crate::auth::Permissions;
use crate::server::Server;

fn caller(permissions: Permissions) -> Caller {
    Caller {
        agent_id: "agent-x".into(),
        agent_type: "claude".into(),
        permissions,
        token_expires_at: None,
    }
}

#[test]
fn every_tool_is_catalogued_with_its_real_arguments() {
    for tool in Server::router().list_all() {
        let guide = catalogue::find(&tool.name);
        assert!(
            guide.is_some(),
            "{} is missing from the guidance catalogue",
            tool.name
        );
        let Some(guide) = guide else { continue };
        let schema = tool
            .input_schema
            .get("properties")
            .and_then(|p| p.as_object());
        let mut real: Vec<&str> = schema
            .map(|p| {
                p.keys()
                    .map(String::as_str)
                    .filter(|k| *k != "auth_token")
                    .collect()
            })
            .unwrap_or_default();
        let mut named = catalogue::arguments(guide.signature);
        real.sort_unstable();
        named.sort_unstable();
        assert_eq!(named, real, "signature of {}", tool.name);
    }
}

#[test]
fn guidance_names_only_usable_tools() {
    let router = Server::router();
    let has_tool = |name: &str| router.has_route(name);
    let rw = Permissions::READ.union(Permissions::WRITE);
    for permissions in [Permissions::READ, rw, rw.union(Permissions::ADMIN)] {
        for login_enabled in [false, true] {
            for kind in [
                Kind::Operations,
                Kind::Coordination,
                Kind::Security,
                Kind::Troubleshooting,
            ] {
                let c = caller(permissions);
                let s = Situation {
                    caller: &c,
                    can_refresh: false,
                    login_enabled,
                    jwt_enabled: false,
                    token_ttl_s: 3600,
                    refresh_grace_s: 86_400,
                    type_permissions: vec!["read", "write"],
                    has_tool: &has_tool,
                };
                let (g, examples) = build(kind, &s);
                let text = serde_json::to_string(&(g, &examples)).unwrap_or_default();
                for guide in CATALOGUE {
                    if text.contains(guide.name) {
                        assert!(
                            s.can_use(guide.name),
                            "{:?} guidance for {:?} (login {login_enabled}) names {}",
                            kind,
                            permissions.names(),
                            guide.name
                        );
                    }
                }
                assert!(!examples.is_empty(), "{kind:?} has no example");
            }
        }
    }
}

#[test]
fn unknown_kinds_are_invalid_input() {
    assert!(Kind::parse(Some("everything")).is_err());
    assert_eq!(Kind::parse(None).ok(), Some(Kind::Operations));
    assert_eq!(
        Kind::parse(Some("security")).map(Kind::as_str).ok(),
        Some("security")
    );
}
