//! The agent-type permission table (§3): which permissions a token of each agent type may hold.
//! Built in, or replaced by the JSON file named by `PERMISSIONS_CONFIG_FILE`.
//!
//! File format: one JSON object mapping agent types to lists of permission names, e.g.
//! `{"claude": ["read", "write"], "admin": ["read", "write", "admin", "debug"], "*": ["read"]}`.
//! The file replaces the whole built-in table. Type names are matched case-insensitively; the
//! optional `"*"` entry applies to types the file does not list (default `["read"]`).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::Permissions;
use crate::error::{AppError, AppResult};

/// The key of the entry for agent types a table does not list.
pub const OTHER_TYPES: &str = "*";

/// Permissions per agent type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypePermissions {
    types: HashMap<String, Permissions>,
    other: Permissions,
}

impl Default for TypePermissions {
    /// The §3 table: claude, gemini → read, write; admin, system → all four; test → read,
    /// write, debug; generic and every other type → read.
    fn default() -> Self {
        let rw = Permissions::READ.union(Permissions::WRITE);
        let all = rw.union(Permissions::ADMIN).union(Permissions::DEBUG);
        let types = [
            ("claude", rw),
            ("gemini", rw),
            ("admin", all),
            ("system", all),
            ("test", rw.union(Permissions::DEBUG)),
            ("generic", Permissions::READ),
        ]
        .into_iter()
        .map(|(name, p)| (name.to_owned(), p))
        .collect();
        TypePermissions {
            types,
            other: Permissions::READ,
        }
    }
}

impl TypePermissions {
    /// The most a token of `agent_type` may hold.
    pub fn of(&self, agent_type: &str) -> Permissions {
        self.types
            .get(&agent_type.trim().to_lowercase())
            .copied()
            .unwrap_or(self.other)
    }

    /// §3: granted = requested ∩ the type's permissions; if that is empty, `read`.
    pub fn grant(&self, agent_type: &str, requested: Permissions) -> Permissions {
        let granted = requested.intersect(self.of(agent_type));
        if granted.is_empty() {
            Permissions::READ
        } else {
            granted
        }
    }

    /// Reads a table file; every problem is an error naming the file and the bad entry.
    pub fn load(path: &Path) -> AppResult<TypePermissions> {
        let bad = |msg: String| {
            AppError::invalid(
                "PERMISSIONS_CONFIG_FILE",
                format!("{}: {msg}", path.display()),
            )
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        Self::from_json(&value).map_err(bad)
    }

    /// Parses the file format described in the module documentation.
    pub fn from_json(value: &Value) -> Result<TypePermissions, String> {
        let object = value.as_object().ok_or(
            "must be a JSON object mapping agent types to permission lists, \
             e.g. {\"claude\": [\"read\", \"write\"]}",
        )?;
        let mut table = TypePermissions {
            types: HashMap::new(),
            other: Permissions::READ,
        };
        for (name, list) in object {
            let key = name.trim().to_lowercase();
            if key.is_empty() || key.chars().count() > 50 {
                return Err(format!("agent type '{name}' must be 1..50 characters"));
            }
            let permissions = parse_entry(name, list)?;
            if key == OTHER_TYPES {
                table.other = permissions;
            } else if table.types.insert(key, permissions).is_some() {
                return Err(format!("agent type '{name}' is listed twice"));
            }
        }
        Ok(table)
    }
}

fn parse_entry(name: &str, list: &Value) -> Result<Permissions, String> {
    let items = list
        .as_array()
        .ok_or_else(|| format!("'{name}' must map to a list of permission names"))?;
    let mut names = Vec::with_capacity(items.len());
    for item in items {
        names.push(
            item.as_str()
                .ok_or_else(|| format!("'{name}' lists {item}, which is not a permission name"))?,
        );
    }
    Permissions::parse_list(names).map_err(|e| format!("'{name}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn built_in_table_matches_section_3() {
        let t = TypePermissions::default();
        assert_eq!(t.of("claude").names(), ["read", "write"]);
        assert_eq!(t.of("Gemini").names(), ["read", "write"]);
        assert_eq!(t.of("admin").names(), ["read", "write", "admin", "debug"]);
        assert_eq!(t.of("system").names(), ["read", "write", "admin", "debug"]);
        assert_eq!(t.of("test").names(), ["read", "write", "debug"]);
        assert_eq!(t.of("generic").names(), ["read"]);
        assert_eq!(t.of("martian").names(), ["read"]);
    }

    #[test]
    fn grant_intersects_and_falls_back_to_read() {
        let t = TypePermissions::default();
        let all = Permissions::parse_list(["read", "write", "admin", "debug"]);
        assert_eq!(
            all.map(|p| t.grant("claude", p).names()),
            Ok(vec!["read", "write"])
        );
        assert_eq!(t.grant("claude", Permissions::ADMIN).names(), ["read"]);
        assert_eq!(t.grant("generic", Permissions::WRITE).names(), ["read"]);
    }

    #[test]
    fn file_format_replaces_the_table() {
        let t = TypePermissions::from_json(&json!({
            "Claude": ["read"], "ops": ["read", "admin"], "*": []
        }));
        let t = t.unwrap_or_default();
        assert_eq!(t.of("claude").names(), ["read"]);
        assert_eq!(t.of("ops").names(), ["read", "admin"]);
        assert!(t.of("admin").is_empty());
        assert_eq!(t.grant("admin", Permissions::ADMIN).names(), ["read"]);
    }

    #[test]
    fn bad_files_are_named_errors() {
        for bad in [
            json!(["read"]),
            json!({"claude": "read"}),
            json!({"claude": ["root"]}),
            json!({"claude": [1]}),
            json!({"": ["read"]}),
            json!({"claude": ["read"], "CLAUDE": ["write"]}),
        ] {
            assert!(TypePermissions::from_json(&bad).is_err(), "{bad}");
        }
    }
}
