//! Who is calling (§3): permissions, the caller identity, the process identity, and (in
//! [`tokens`], [`jwt`], [`login`]) the tokens that let a call act as another agent, with the
//! agent-type permission [`table`]. Expired token rows are purged by [`crate::maintenance`].

pub mod jwt;
pub mod login;
pub mod table;
pub mod tokens;

use serde::Serialize;

/// A set of the four §3 permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions(u8);

impl Permissions {
    pub const READ: Permissions = Permissions(1);
    pub const WRITE: Permissions = Permissions(2);
    pub const ADMIN: Permissions = Permissions(4);
    pub const DEBUG: Permissions = Permissions(8);
    const NAMES: [(&'static str, Permissions); 4] = [
        ("read", Self::READ),
        ("write", Self::WRITE),
        ("admin", Self::ADMIN),
        ("debug", Self::DEBUG),
    ];

    pub fn contains(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// One permission by name.
    pub fn from_name(name: &str) -> Option<Permissions> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, permission)| *permission)
    }

    /// Parses names (surrounding blanks ignored, empty items skipped); the error names the bad one.
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Permissions, String> {
        let mut set = Permissions::default();
        for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
            let one = Self::from_name(name).ok_or_else(|| {
                format!("unknown permission '{name}' (expected read, write, admin, debug)")
            })?;
            set = set.union(one);
        }
        Ok(set)
    }

    /// The names in canonical order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(_, p)| self.contains(*p))
            .map(|(n, _)| *n)
            .collect()
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

/// The identity a tool call acts as: the process identity or a token's agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub agent_id: String,
    pub agent_type: String,
    pub permissions: Permissions,
    /// Set when the identity came from a token.
    pub token_expires_at: Option<String>,
}

impl Caller {
    pub fn can(&self, permission: Permissions) -> bool {
        self.permissions.contains(permission)
    }

    pub fn is_admin(&self) -> bool {
        self.can(Permissions::ADMIN)
    }
}

/// The identity a stdio process acts as when a call carries no token.
#[derive(Debug, Clone)]
pub struct ProcessIdentity {
    /// `None`: derive it from the MCP client's name at call time.
    pub agent_id: Option<String>,
    pub agent_type: String,
    pub permissions: Permissions,
}

/// The default agent id derived from the MCP client's `clientInfo.name` (§3): lower-cased,
/// every character outside `a-z 0-9 . _ -` replaced by `-`, at most 100 characters.
pub fn agent_id_from_client_name(name: &str) -> Option<String> {
    let id: String = name
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '-',
        })
        .take(100)
        .collect();
    (!id.trim_matches('-').is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_parse_and_name() {
        let p = Permissions::parse_list("read, admin".split(','));
        assert_eq!(p.map(Permissions::names), Ok(vec!["read", "admin"]));
        assert!(Permissions::parse_list(["root"]).is_err());
        let rw = Permissions::READ.union(Permissions::WRITE);
        assert!(rw.contains(Permissions::WRITE));
        assert!(!rw.contains(Permissions::ADMIN));
        assert_eq!(rw.intersect(Permissions::ADMIN), Permissions::default());
    }

    #[test]
    fn client_names_become_agent_ids() {
        assert_eq!(
            agent_id_from_client_name("Claude Desktop").as_deref(),
            Some("claude-desktop")
        );
        assert_eq!(
            agent_id_from_client_name("rmcp/3.11 (x)").as_deref(),
            Some("rmcp-3.11--x-")
        );
        assert_eq!(agent_id_from_client_name("  "), None);
        assert_eq!(
            agent_id_from_client_name(&"A".repeat(300)).map(|s| s.len()),
            Some(100)
        );
    }
}
