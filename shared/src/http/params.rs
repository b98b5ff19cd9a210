//! The request reader: every endpoint's parameters as one JSON object, whatever form the client
//! used. Precedence (docs/contract.md, "Request bodies"): JSON body over form body over query
//! string.

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

/// Every endpoint is POST (docs/contract.md); anything else gets 405 with `Allow: POST`.
pub fn require_post(req: &Request) -> Result<(), ApiError> {
    if req.method() == Method::POST {
        Ok(())
    } else {
        Err(ApiError::MethodNotAllowed)
    }
}

/// Reads query string, then form or JSON body, into one object.
///
/// An empty (or all-whitespace) body is `{}`, and so are the JSON bodies `[]` and `null`
/// (PHP's `json_encode(array())` writes `[]`). A body that starts like JSON is parsed as JSON
/// whatever its Content-Type (`curl -d '{}'` sends a form content type). Otherwise a
/// `application/x-www-form-urlencoded` body is read as a form and a `multipart/form-data` body
/// (what PHP's curl sends for an array in `CURLOPT_POSTFIELDS`) as a form of its text parts,
/// file parts ignored. Anything else must be a JSON object. Base64 bodies from API Gateway
/// arrive here already decoded by `lambda_http`. The 64 KiB cap applies to the whole body.
pub async fn read_params(req: &Request) -> Result<Params, ApiError> {
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

    // Multipart bodies may carry binary file parts: only their text fields must be UTF-8. (A
    // JSON body sent with a multipart Content-Type is still JSON, as for forms.)
    let first = bytes.trim_ascii_start().first();
    if let BodyType::Multipart(boundary) = content_type(req)
        && first.is_some_and(|b| !b"{[\"".contains(b))
    {
        params.extend(multipart_fields(bytes, boundary).await?);
        return Ok(Params(params));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::BadRequestFormat)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Params(params));
    }
    let looks_like_json = trimmed.starts_with(['{', '[', '"']) || trimmed == "null";
    if !looks_like_json && matches!(content_type(req), BodyType::UrlEncoded) {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(trimmed).map_err(|_| ApiError::BadRequestFormat)?;
        params.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
        return Ok(Params(params));
    }
    json_body(trimmed, params)
}

/// A JSON body: an object is merged over the query string; `[]` and `null` are `{}`.
fn json_body(text: &str, mut params: Map<String, Value>) -> Result<Params, ApiError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(body)) => params.extend(body),
        Ok(Value::Null) => {}
        Ok(Value::Array(a)) if a.is_empty() => {}
        _ => return Err(ApiError::BadRequestFormat),
    }
    Ok(Params(params))
}

enum BodyType {
    UrlEncoded,
    /// With the boundary of the Content-Type.
    Multipart(String),
    Other,
}

fn content_type(req: &Request) -> BodyType {
    let Some(value) = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
    else {
        return BodyType::Other;
    };
    let media = value.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyType::UrlEncoded
    } else if media.eq_ignore_ascii_case("multipart/form-data") {
        // No usable boundary: the body cannot be read as multipart (400 below).
        BodyType::Multipart(multer::parse_boundary(value).unwrap_or_default())
    } else {
        BodyType::Other
    }
}

/// The text fields of a multipart/form-data body, in order. Parts with a file name (uploads)
/// are skipped; a malformed body, a missing boundary or a text field that is not UTF-8 is
/// [`ApiError::BadRequestFormat`]. The body is already in memory and within the size cap.
async fn multipart_fields(body: &[u8], boundary: String) -> Result<Map<String, Value>, ApiError> {
    if boundary.is_empty() {
        return Err(ApiError::BadRequestFormat);
    }
    let chunk = bytes::Bytes::copy_from_slice(body);
    let stream = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(chunk)]);
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Map::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(ApiError::BadRequestFormat),
        };
        let upload = field.file_name().is_some();
        let name = field.name().map(str::to_string);
        let value = field
            .bytes()
            .await
            .map_err(|_| ApiError::BadRequestFormat)?;
        if upload {
            continue;
        }
        let name = name.ok_or(ApiError::BadRequestFormat)?;
        let value = String::from_utf8(value.to_vec()).map_err(|_| ApiError::BadRequestFormat)?;
        fields.insert(name, Value::String(value));
    }
    Ok(fields)
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

    async fn read(content_type: &str, body: &str) -> Result<Params, ApiError> {
        read_params(&post(Some(content_type), Body::Text(body.into()))).await
    }

    async fn read_json(body: &str) -> Result<Params, ApiError> {
        read("application/json", body).await
    }

    #[tokio::test]
    async fn empty_body_is_an_empty_object() {
        for body in [
            Body::Empty,
            Body::Text(String::new()),
            Body::Text(" \n".into()),
        ] {
            let req = post(Some("application/json"), body);
            assert_eq!(read_params(&req).await, Ok(Params::default()));
        }
    }

    /// PHP's `json_encode(array())` is `[]`; `null` is what `json_encode(null)` writes.
    #[tokio::test]
    async fn empty_array_and_null_are_an_empty_object() {
        for body in ["[]", " [ ] ", "null", "\nnull\n"] {
            for ct in [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
            ] {
                assert_eq!(read(ct, body).await, Ok(Params::default()), "{ct}: {body}");
            }
        }
    }

    #[tokio::test]
    async fn json_object_is_read() {
        let p = read_json(r#"{"a":"x","b":10}"#).await.unwrap();
        assert_eq!(p.get("a"), Some(&json!("x")));
        assert_eq!(p.get("b"), Some(&json!(10)));
    }

    #[tokio::test]
    async fn other_non_objects_and_broken_json_are_bad_format() {
        for body in ["[1]", "[{}]", "\"x\"", "{", "nul", "{\"a\":}", "1", "true"] {
            assert_eq!(
                read_json(body).await,
                Err(ApiError::BadRequestFormat),
                "{body}"
            );
        }
    }

    #[tokio::test]
    async fn invalid_utf8_is_bad_format() {
        let req = post(
            Some("application/json"),
            Body::Binary(vec![b'{', 0xff, b'}']),
        );
        assert_eq!(read_params(&req).await, Err(ApiError::BadRequestFormat));
    }

    #[tokio::test]
    async fn form_bodies_are_read() {
        let p = read(
            "application/x-www-form-urlencoded; charset=UTF-8",
            "nolab=R2606110001&x=%20y",
        )
        .await
        .unwrap();
        assert_eq!(p.get("nolab"), Some(&json!("R2606110001")));
        assert_eq!(p.get("x"), Some(&json!(" y")));
    }

    #[tokio::test]
    async fn json_sent_with_a_form_content_type_is_json() {
        for ct in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let p = read(ct, r#"{"token_expired_days":10}"#).await.unwrap();
            assert_eq!(p.get("token_expired_days"), Some(&json!(10)), "{ct}");
        }
    }

    /// A body as PHP's curl writes it for `CURLOPT_POSTFIELDS => array(...)`.
    fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file, value) in parts {
            body.extend(format!("--{boundary}\r\n").bytes());
            match file {
                Some(f) => body.extend(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes(),
                ),
                None => body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").bytes()),
            }
            body.extend_from_slice(value);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        body
    }

    const CURL_BOUNDARY: &str = "------------------------d74496d66958873e";

    async fn read_multipart(body: Vec<u8>) -> Result<Params, ApiError> {
        let ct = format!("multipart/form-data; boundary={CURL_BOUNDARY}");
        read_params(&post(Some(&ct), Body::Binary(body))).await
    }

    #[tokio::test]
    async fn multipart_text_fields_are_read_and_files_ignored() {
        let body = multipart(
            CURL_BOUNDARY,
            &[
                ("T_OrderHeaderLabNumber", None, b"R2606110001"),
                ("token_expired_days", None, b" 10 "),
                (
                    "upload",
                    Some("scan.png"),
                    &[0x89, b'P', b'N', b'G', 0xff, 0x00],
                ),
                ("note", None, "Glukosa \u{2013} puasa".as_bytes()),
            ],
        );
        let p = read_multipart(body).await.unwrap();
        assert_eq!(p.get("T_OrderHeaderLabNumber"), Some(&json!("R2606110001")));
        assert_eq!(p.get("token_expired_days"), Some(&json!(" 10 ")));
        assert_eq!(p.get("note"), Some(&json!("Glukosa \u{2013} puasa")));
        assert_eq!(p.get("upload"), None);
        // An empty array from PHP gives a multipart body with no part at all.
        assert_eq!(
            read_multipart(format!("--{CURL_BOUNDARY}--\r\n").into_bytes()).await,
            Ok(Params::default())
        );
    }

    /// A request captured from PHP's curl (`fixtures/`), as the function receives it.
    fn captured(http: &[u8]) -> Request {
        let split = http.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = std::str::from_utf8(&http[..split]).unwrap();
        let content_type = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: "))
            .unwrap();
        post(Some(content_type), Body::Binary(http[split + 4..].to_vec()))
    }

    /// Exactly the bytes PHP clients send: the original document's `json_encode(array())`, an
    /// array in `CURLOPT_POSTFIELDS` (multipart, with and without a file part),
    /// `http_build_query`, `json_encode` of an associative array.
    #[tokio::test]
    async fn bodies_captured_from_php_curl() {
        let lab = json!({"T_OrderHeaderLabNumber": "R2606110001"});
        for (http, want) in [
            (
                &include_bytes!("fixtures/json-empty-array.http")[..],
                json!({}),
            ),
            (include_bytes!("fixtures/json-null.http"), json!({})),
            (include_bytes!("fixtures/json-object.http"), lab.clone()),
            (include_bytes!("fixtures/urlencoded.http"), lab.clone()),
            (include_bytes!("fixtures/multipart.http"), lab.clone()),
            (
                include_bytes!("fixtures/multipart-with-file.http"),
                lab.clone(),
            ),
            (
                include_bytes!("fixtures/multipart-two-fields.http"),
                json!({"orderNumber": "R2606110001", "token_expired_days": "10"}),
            ),
        ] {
            let got = read_params(&captured(http)).await.unwrap();
            assert_eq!(Value::Object(got.0), want);
        }
    }

    #[tokio::test]
    async fn malformed_multipart_is_bad_format() {
        let good = multipart(CURL_BOUNDARY, &[("nolab", None, b"R2606110001")]);
        let cut = good[..good.len() - 10].to_vec();
        let other_boundary = multipart("xyz", &[("nolab", None, b"R2606110001")]);
        let text_not_utf8 = multipart(CURL_BOUNDARY, &[("nolab", None, &[0xff, 0xfe])]);
        for body in [
            cut,
            other_boundary,
            text_not_utf8,
            b"nolab=R2606110001".to_vec(),
        ] {
            assert_eq!(read_multipart(body).await, Err(ApiError::BadRequestFormat));
        }
        for ct in ["multipart/form-data", "multipart/form-data; boundary="] {
            let req = post(Some(ct), Body::Binary(good.clone()));
            assert_eq!(
                read_params(&req).await,
                Err(ApiError::BadRequestFormat),
                "{ct}"
            );
        }
    }

    #[tokio::test]
    async fn body_over_64_kib_is_too_large() {
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        assert_eq!(read_json(&big).await, Err(ApiError::TooLarge));
        let fits = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_BODY_BYTES - 8));
        assert!(read_json(&fits).await.is_ok());
        // The cap is on the whole multipart body, file parts included.
        let upload = vec![b'x'; MAX_BODY_BYTES];
        let body = multipart(CURL_BOUNDARY, &[("f", Some("a.bin"), &upload)]);
        assert_eq!(read_multipart(body).await, Err(ApiError::TooLarge));
    }

    #[tokio::test]
    async fn json_wins_over_query_string() {
        let req = post(
            Some("application/json"),
            Body::Text(r#"{"a":"body"}"#.into()),
        )
        .with_query_string_parameters(
            [
                ("a".to_string(), "query".to_string()),
                ("b".to_string(), "q".to_string()),
            ]
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
        );
        let p = read_params(&req).await.unwrap();
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
        let post = post(Some("application/json"), Body::Text("{}".into()));
        assert_eq!(require_post(&post), Ok(()));
    }
}
