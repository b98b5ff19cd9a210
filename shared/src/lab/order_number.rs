//! The order number parameter of the lab endpoints.

use crate::{ApiError, http::Params};
use serde_json::Value;

/// Accepted names, in order of precedence: the first non-empty one wins.
pub const ORDER_NUMBER_KEYS: [&str; 3] = ["T_OrderHeaderLabNumber", "orderNumber", "nolab"];
pub const MAX_CHARS: usize = 64;

/// The lab number, trimmed. A JSON string or number; missing, null or blank under all three
/// names → "wajib diisi"; any other JSON type, more than 64 characters, or a control or format
/// character (Unicode categories Cc, Cf: right-to-left overrides, zero-width spaces, isolates,
/// which would show the echoed number otherwise than it is) → "tidak valid".
pub fn order_number(params: &Params) -> Result<String, ApiError> {
    let value = ORDER_NUMBER_KEYS
        .iter()
        .filter_map(|key| params.get(key))
        .find(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            _ => true,
        })
        .ok_or(ApiError::OrderNumberMissing)?;
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ApiError::OrderNumberInvalid),
    };
    if text.chars().count() > MAX_CHARS || text.chars().any(is_control_or_format) {
        return Err(ApiError::OrderNumberInvalid);
    }
    Ok(text)
}

fn is_control_or_format(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: serde_json::Value) -> Params {
        match v {
            Value::Object(m) => Params(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn first_non_empty_name_wins() {
        let cases = [
            (json!({"T_OrderHeaderLabNumber": "R1"}), "R1"),
            (json!({"orderNumber": "R2"}), "R2"),
            (json!({"nolab": "R3"}), "R3"),
            (
                json!({"T_OrderHeaderLabNumber": " ", "orderNumber": "R2", "nolab": "R3"}),
                "R2",
            ),
            (json!({"T_OrderHeaderLabNumber": null, "nolab": "R3"}), "R3"),
            (json!({"nolab": "R3", "T_OrderHeaderLabNumber": "R1"}), "R1"),
            (json!({"nolab": "  R3\u{3000}"}), "R3"),
            (json!({"nolab": 2606110001u64}), "2606110001"),
        ];
        for (p, want) in cases {
            assert_eq!(
                order_number(&params(p.clone())),
                Ok(want.to_string()),
                "{p}"
            );
        }
    }

    #[test]
    fn missing() {
        for p in [
            json!({}),
            json!({"nolab": ""}),
            json!({"orderNumber": null, "x": "R1"}),
        ] {
            assert_eq!(order_number(&params(p)), Err(ApiError::OrderNumberMissing));
        }
    }

    #[test]
    fn invalid() {
        let long = "R".repeat(65);
        for p in [
            json!({"nolab": long}),
            json!({"nolab": "R1\u{0}"}),
            json!({"nolab": "R1\nR2"}),
            json!({"nolab": true}),
            json!({"nolab": ["R1"]}),
            json!({"nolab": {"a": 1}}),
        ] {
            assert_eq!(
                order_number(&params(p.clone())),
                Err(ApiError::OrderNumberInvalid),
                "{p}"
            );
        }
        assert_eq!(
            order_number(&params(json!({"nolab": "R".repeat(64)})))
                .unwrap()
                .len(),
            64
        );
    }
}
