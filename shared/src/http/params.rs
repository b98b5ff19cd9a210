//! The request reader: every endpoint's parameters as one JSON object, whatever form the client
//! used. Precedence (API.md): JSON body over form body over query string.

use crate::ApiError;
use lambda_http::{Body, Request, RequestExt, http::Method};
use serde_json::{Map, Value};

/// Bodies above this are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The merged parameters of a request. Values from a form or a query string are JSON strings.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }
}

/// API.md: every endpoint is POST; anything else gets 405 with `Allow: POST`.
pub fn require_post(req: &Request) -> Result<(), ApiError> {
    if req.method() == Method::POST {
        Ok(())
    } else {
        Err(ApiError::MethodNotAllowed)
    }
}

/// Reads query string, then form or JSON body, into one object.
///
/// An empty (or all-whitespace) body is `{}`. A body that starts like JSON is parsed as JSON
/// whatever its Content-Type (`curl -d '{}'` sends a form content type); a body with a form
/// Content-Type that does not look like JSON is parsed as a form. Anything else must be a JSON
/// object. Base64 bodies from API Gateway arrive here already decoded by `lambda_http`.
pub fn read_params(req: &Request) -> Result<Params, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::TooLarge);
    }

    let mut params = Map::new();
    if let Some(query) = req.query_string_parameters_ref() {
        for (key, value) in query.iter() {
            params.insert(key.to_string(), Value::String(value.to_string()));
        }
    }

    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::BadRequestFormat)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Params(params));
    }
    let looks_like_json = trimmed.starts_with(['{', '[', '"']);
    if !looks_like_json && is_form(req) {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(trimmed).map_err(|_| ApiError::BadRequestFormat)?;
        for (key, value) in pairs {
            params.insert(key, Value::String(value));
        }
        return Ok(Params(params));
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(body)) => {
            params.extend(body);
            Ok(Params(params))
        }
        _ => Err(ApiError::BadRequestFormat),
    }
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;
    use serde_json::json;

    fn post(content_type: Option<&str>, body: Body) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/x");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(body).unwrap()
    }

    fn json_req(body: &str) -> Request {
        post(Some("application/json"), Body::Text(body.into()))
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        for body in [
            Body::Empty,
            Body::Text(String::new()),
            Body::Text(" \n".into()),
        ] {
            assert_eq!(
                read_params(&post(Some("application/json"), body)),
                Ok(Params::default())
            );
        }
    }

    #[test]
    fn json_object_is_read() {
        let p = read_params(&json_req(r#"{"a":"x","b":10}"#)).unwrap();
        assert_eq!(p.get("a"), Some(&json!("x")));
        assert_eq!(p.get("b"), Some(&json!(10)));
    }

    #[test]
    fn non_objects_and_broken_json_are_bad_format() {
        for body in ["[]", "\"x\"", "{", "nul", "{\"a\":}", "1"] {
            assert_eq!(
                read_params(&json_req(body)),
                Err(ApiError::BadRequestFormat),
                "{body}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_bad_format() {
        let req = post(
            Some("application/json"),
            Body::Binary(vec![b'{', 0xff, b'}']),
        );
        assert_eq!(read_params(&req), Err(ApiError::BadRequestFormat));
    }

    #[test]
    fn form_bodies_are_read() {
        let req = post(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            Body::Text("nolab=R2606110001&x=%20y".into()),
        );
        let p = read_params(&req).unwrap();
        assert_eq!(p.get("nolab"), Some(&json!("R2606110001")));
        assert_eq!(p.get("x"), Some(&json!(" y")));
    }

    #[test]
    fn json_sent_with_a_form_content_type_is_json() {
        let req = post(
            Some("application/x-www-form-urlencoded"),
            Body::Text(r#"{"token_expired_days":10}"#.into()),
        );
        assert_eq!(
            read_params(&req).unwrap().get("token_expired_days"),
            Some(&json!(10))
        );
    }

    #[test]
    fn body_over_64_kib_is_too_large() {
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        assert_eq!(read_params(&json_req(&big)), Err(ApiError::TooLarge));
        let fits = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES - 8));
        assert!(read_params(&json_req(&fits)).is_ok());
    }

    #[test]
    fn json_wins_over_query_string() {
        let req = json_req(r#"{"a":"body"}"#).with_query_string_parameters(
            [
                ("a".to_string(), "query".to_string()),
                ("b".to_string(), "q".to_string()),
            ]
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
        );
        let p = read_params(&req).unwrap();
        assert_eq!(p.get("a"), Some(&json!("body")));
        assert_eq!(p.get("b"), Some(&json!("q")));
    }

    #[test]
    fn only_post_is_allowed() {
        let req = http::Request::builder()
            .method("GET")
            .uri("/x")
            .body(Body::Empty)
            .unwrap();
        assert_eq!(require_post(&req), Err(ApiError::MethodNotAllowed));
        assert_eq!(require_post(&json_req("{}")), Ok(()));
    }
}
