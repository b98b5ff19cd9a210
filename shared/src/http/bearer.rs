//! `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme is case-insensitive).

use crate::ApiError;
use lambda_http::http::HeaderMap;

/// The token of the request's bearer header. Absent, empty, another scheme or `Bearer` with no
/// token all mean "no token" ([`ApiError::TokenMissing`]).
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(ApiError::TokenMissing)?;
    let (scheme, rest) = value
        .split_once([' ', '\t'])
        .ok_or(ApiError::TokenMissing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::TokenMissing);
    }
    let token = rest.trim();
    if token.is_empty() {
        return Err(ApiError::TokenMissing);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert("authorization", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn reads_the_token_whatever_the_scheme_case() {
        for v in ["Bearer abc", "bearer abc", "BEARER   abc  ", "Bearer\tabc"] {
            assert_eq!(bearer_token(&headers(Some(v))), Ok("abc"), "{v}");
        }
    }

    #[test]
    fn anything_else_is_a_missing_token() {
        for v in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer "),
            Some("Basic dXNlcjpwYXNz"),
            Some("abc"),
        ] {
            assert_eq!(
                bearer_token(&headers(v)),
                Err(ApiError::TokenMissing),
                "{v:?}"
            );
        }
    }
}
