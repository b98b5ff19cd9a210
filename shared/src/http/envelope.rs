//! The response envelope (docs/contract.md, "Envelope"): `{"status":"OK","data":…}` or
//! `{"status":"ERR","message":…}`, JSON, never cached.

use crate::ApiError;
use lambda_http::{Body, Response, http::HeaderValue};
use serde::Serialize;

#[derive(Serialize)]
#[serde(tag = "status")]
enum Envelope<'a, T: Serialize> {
    #[serde(rename = "OK")]
    Ok { data: T },
    #[serde(rename = "ERR")]
    Err { message: &'a str },
}

fn respond(status: u16, body: String) -> Response<Body> {
    let mut resp = Response::new(Body::Text(body));
    *resp.status_mut() = lambda_http::http::StatusCode::from_u16(status)
        .unwrap_or(lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    // A browser must not read the JSON as anything else (HTML, script).
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// 200 with `data`.
pub fn ok_response<T: Serialize>(data: T) -> Response<Body> {
    let envelope: Envelope<'_, T> = Envelope::Ok { data };
    match serde_json::to_string(&envelope) {
        Ok(body) => respond(200, body),
        Err(e) => error_response(&ApiError::Internal(format!("serialize: {e}"))),
    }
}

/// The error's status, headers and exact message.
pub fn error_response(err: &ApiError) -> Response<Body> {
    let message = err.to_string();
    let envelope: Envelope<'_, ()> = Envelope::Err { message: &message };
    let body = serde_json::to_string(&envelope)
        .unwrap_or_else(|_| r#"{"status":"ERR","message":"Terjadi kesalahan pada server"}"#.into());
    let mut resp = respond(err.status().as_u16(), body);
    for (name, value) in err.headers() {
        resp.headers_mut()
            .insert(*name, HeaderValue::from_static(value));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(resp: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    }

    #[test]
    fn ok_envelope_has_status_and_data_only() {
        let resp = ok_response(serde_json::json!({"a": 1}));
        assert_eq!(resp.status(), 200);
        assert_eq!(
            body(&resp),
            serde_json::json!({"status": "OK", "data": {"a": 1}})
        );
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(
            resp.headers()["content-type"],
            "application/json; charset=utf-8"
        );
    }

    #[test]
    fn error_envelope_has_status_and_message_only() {
        let resp = error_response(&ApiError::TokenInvalid);
        assert_eq!(resp.status(), 401);
        assert_eq!(
            body(&resp),
            serde_json::json!({"status": "ERR", "message": "Token tidak valid atau sudah expired"})
        );
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let resp = error_response(&ApiError::MethodNotAllowed);
        assert_eq!(resp.headers()["allow"], "POST");
        assert_eq!(resp.headers()["cache-control"], "no-store");
    }

    #[test]
    fn server_failures_never_show_their_cause() {
        let resp = error_response(&ApiError::Internal("SELECT secret FROM x".into()));
        let text = String::from_utf8(resp.body().to_vec()).unwrap();
        assert!(!text.contains("SELECT"));
    }
}
