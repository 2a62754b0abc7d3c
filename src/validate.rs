//! Input rules shared by the tools: text sanitising, length limits, metadata shape (§5).

use serde_json::{Map, Value};

use crate::error::{AppError, AppResult};

pub const METADATA_MAX_KEYS: usize = 50;
pub const METADATA_MAX_KEY_CHARS: usize = 100;
pub const METADATA_MAX_BYTES: usize = 10_240;

/// Removes control characters other than `\n`, `\t`, `\r`, then trims.
pub fn sanitize(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .collect();
    kept.trim().to_owned()
}

/// Sanitises `text` and checks that its length in characters is within `min..=max`.
pub fn text(field: &str, text: &str, min: usize, max: usize) -> AppResult<String> {
    let clean = sanitize(text);
    let len = clean.chars().count();
    if len < min || len > max {
        return Err(AppError::invalid(
            field,
            format!("must be {min}..{max} characters after sanitising, got {len}"),
        ));
    }
    Ok(clean)
}

/// A number within `min..=max`, never clamped (§5).
pub fn range(field: &str, value: i64, min: i64, max: i64) -> AppResult<i64> {
    if value < min || value > max {
        return Err(AppError::invalid(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}

/// Checks metadata (§5) and returns its stored text; `None` or JSON `null` means none.
pub fn metadata(value: Option<&Value>) -> AppResult<Option<String>> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(AppError::invalid(
                "metadata",
                "must be a JSON object or null",
            ));
        }
    };
    check_object(object)?;
    let text = serde_json::to_string(object)?;
    if text.len() > METADATA_MAX_BYTES {
        return Err(AppError::invalid(
            "metadata",
            format!(
                "serialises to {} bytes; at most {METADATA_MAX_BYTES}",
                text.len()
            ),
        ));
    }
    Ok(Some(text))
}

fn check_object(object: &Map<String, Value>) -> AppResult<()> {
    if object.len() > METADATA_MAX_KEYS {
        return Err(AppError::invalid(
            "metadata",
            format!("has {} keys; at most {METADATA_MAX_KEYS}", object.len()),
        ));
    }
    if let Some(key) = object
        .keys()
        .find(|k| k.chars().count() > METADATA_MAX_KEY_CHARS)
    {
        return Err(AppError::invalid(
            "metadata",
            format!(
                "key '{}…' is longer than {METADATA_MAX_KEY_CHARS} characters",
                key.chars().take(20).collect::<String>()
            ),
        ));
    }
    Ok(())
}

/// Parses stored metadata text back into JSON (`null` when absent or unreadable).
pub fn parse_stored(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sanitize_drops_controls_keeps_newlines() {
        assert_eq!(sanitize("  a\u{0}b\u{7}\nc\td\r  "), "ab\nc\td");
    }

    #[test]
    fn text_limits_count_characters() {
        assert!(text("purpose", "  ", 1, 10).is_err());
        assert_eq!(text("purpose", "ééé", 1, 3).ok().as_deref(), Some("ééé"));
        assert!(text("purpose", "éééé", 1, 3).is_err());
    }

    #[test]
    fn metadata_rules() {
        assert_eq!(metadata(None).ok(), Some(None));
        assert_eq!(metadata(Some(&Value::Null)).ok(), Some(None));
        assert!(metadata(Some(&json!([1]))).is_err());
        assert!(metadata(Some(&json!("x"))).is_err());
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
        assert!(metadata(Some(&Value::Object(many))).is_err());
        assert!(metadata(Some(&json!({ "k".repeat(101): 1 }))).is_err());
        assert!(metadata(Some(&json!({ "big": "x".repeat(10_300) }))).is_err());
        assert!(metadata(Some(&json!({ "ok": "x".repeat(10_000) }))).is_ok());
    }
}
