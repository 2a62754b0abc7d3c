//! What `get_usage_guidance` says (§8): guidance built for this server (its tools, its auth
//! settings) and this caller (its identity and permissions). It names only tools the caller can
//! use, with their real argument names.

pub mod catalogue;
mod text;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use catalogue::{CATALOGUE, Needs, ToolGuide};

/// The four kinds of guidance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Operations,
    Coordination,
    Security,
    Troubleshooting,
}

impl Kind {
    pub const NAMES: [&'static str; 4] =
        ["operations", "coordination", "security", "troubleshooting"];

    pub fn parse(text: Option<&str>) -> AppResult<Kind> {
        match text.map(str::trim).unwrap_or("operations") {
            "operations" => Ok(Kind::Operations),
            "coordination" => Ok(Kind::Coordination),
            "security" => Ok(Kind::Security),
            "troubleshooting" => Ok(Kind::Troubleshooting),
            other => Err(AppError::invalid(
                "guidance_type",
                format!(
                    "unknown '{other}': expected one of {}",
                    Self::NAMES.join(", ")
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Everything the guidance depends on.
pub struct Situation<'a> {
    pub caller: &'a Caller,
    /// The call came with an sct_ token that `refresh_token` accepts.
    pub can_refresh: bool,
    pub login_enabled: bool,
    pub jwt_enabled: bool,
    pub token_ttl_s: i64,
    pub refresh_grace_s: i64,
    /// The permissions a token of the caller's agent type may hold.
    pub type_permissions: Vec<&'static str>,
    /// Whether this server has a tool of that name.
    pub has_tool: &'a dyn Fn(&str) -> bool,
}

impl Situation<'_> {
    /// `ADMIN`, `AGENT` (may write) or `READ_ONLY`.
    pub fn access_level(&self) -> &'static str {
        if self.caller.is_admin() {
            "ADMIN"
        } else if self.caller.can(crate::auth::Permissions::WRITE) {
            "AGENT"
        } else {
            "READ_ONLY"
        }
    }

    /// The tool exists here and this caller can use it.
    pub fn can_use(&self, name: &str) -> bool {
        catalogue::find(name).is_some_and(|g| (self.has_tool)(name) && self.allows(g))
    }

    fn allows(&self, g: &ToolGuide) -> bool {
        use crate::auth::Permissions as P;
        match g.needs {
            Needs::Nothing => true,
            Needs::Read => self.caller.can(P::READ),
            Needs::Write => self.caller.can(P::WRITE),
            Needs::Admin => self.caller.can(P::ADMIN),
            Needs::Login => self.login_enabled,
            Needs::Refresh => self.can_refresh || self.login_enabled,
        }
    }
}

/// The guidance body.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Guidance {
    /// One paragraph for this caller.
    pub summary: String,
    /// The tools of this kind of guidance that the caller can use: "signature — purpose".
    pub tools: Vec<String>,
    /// Advice, each item one sentence or two.
    pub points: Vec<String>,
}

/// A call the caller could make, with real argument names.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Example {
    pub description: String,
    pub tool: &'static str,
    pub arguments: Value,
}

/// The guidance of `kind` for this situation.
pub fn build(kind: Kind, s: &Situation<'_>) -> (Guidance, Vec<Example>) {
    let tools = CATALOGUE
        .iter()
        .filter(|g| g.kinds & kind.bit() != 0 && s.can_use(g.name))
        .map(|g| format!("{} — {}", g.signature, g.purpose))
        .collect();
    let (points, examples) = match kind {
        Kind::Operations => text::operations(s),
        Kind::Coordination => text::coordination(s),
        Kind::Security => text::security(s),
        Kind::Troubleshooting => text::troubleshooting(s),
    };
    let examples = examples.into_iter().filter(|e| s.can_use(e.tool)).collect();
    let guidance = Guidance {
        summary: text::summary(kind, s),
        tools,
        points,
    };
    (guidance, examples)
}

#[cfg(test)]
mod tests;
