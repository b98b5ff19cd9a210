//! The `token_expired_days` parameter of /save_token_setting.

use crate::ApiError;
use serde_json::Value;

pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 365;

/// A whole number of days 1–365, from a JSON number or a numeric string (trimmed).
/// Missing, null or blank → "wajib diisi"; not a whole number (10.5, "abc", true, [], {}) →
/// "angka bulat"; whole but outside 1–365 (0, -1, 366, 1e20) → "minimal 1 dan maksimal 365".
pub fn parse_days(value: Option<&Value>) -> Result<u16, ApiError> {
    let whole: Option<f64> = match value {
        None | Some(Value::Null) => return Err(ApiError::DaysMissing),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(ApiError::DaysMissing),
        Some(Value::String(s)) => whole_number(s.trim()),
        Some(Value::Number(n)) => n.as_i64().map(|i| i as f64).or_else(|| n.as_f64()),
        Some(_) => None,
    };
    // A numeric string too long for f64 ("1e400", 400 nines) parses as ±infinity: a whole
    // number, just far out of range. (JSON numbers never are: serde_json refuses them.)
    let n = whole
        .filter(|n| n.is_infinite() || n.fract() == 0.0)
        .ok_or(ApiError::DaysNotWhole)?;
    if !(MIN_DAYS as f64..=MAX_DAYS as f64).contains(&n) {
        return Err(ApiError::DaysOutOfRange);
    }
    Ok(n as u16)
}

/// A decimal number written as digits, optional sign, fraction and exponent. Rust's float
/// parser alone would also take "inf" and "NaN".
fn whole_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_whole_numbers_in_range() {
        for (v, days) in [
            (json!(1), 1),
            (json!(365), 365),
            (json!(10), 10),
            (json!("10"), 10),
            (json!(" 7 "), 7),
            (json!(10.0), 10),
            (json!("+3"), 3),
        ] {
            assert_eq!(parse_days(Some(&v)), Ok(days), "{v}");
        }
    }

    #[test]
    fn missing_forms() {
        for v in [None, Some(json!(null)), Some(json!("")), Some(json!("  "))] {
            assert_eq!(parse_days(v.as_ref()), Err(ApiError::DaysMissing), "{v:?}");
        }
    }

    #[test]
    fn not_whole_forms() {
        for v in [
            json!(10.5),
            json!("abc"),
            json!(true),
            json!([10]),
            json!({"d": 1}),
            json!("10.5"),
            json!("inf"),
            json!("NaN"),
            json!("0x10"),
            json!("1 0"),
        ] {
            assert_eq!(parse_days(Some(&v)), Err(ApiError::DaysNotWhole), "{v}");
        }
    }

    #[test]
    fn out_of_range_forms() {
        for v in [
            json!(0),
            json!(366),
            json!(-1),
            json!("-5"),
            json!(1e20),
            json!("99999999999999999999"),
            json!("9".repeat(400)),
            json!("1e400"),
            json!("-1e400"),
        ] {
            assert_eq!(parse_days(Some(&v)), Err(ApiError::DaysOutOfRange), "{v}");
        }
    }
}
