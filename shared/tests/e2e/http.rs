//! End to end, as a client sees the API at `WYNACOM_API_BASE_URL` (api.rs): every event of
//! `events/` sent as the HTTP request it stands for (`http::events::<event>`), and every example
//! of docs/openapi.yaml (`http::openapi::<operation>::<example>`). Nothing is started here: the
//! API may be the local runtime, `sam local start-api` or a deployed stage (docs/TESTING.md).

use crate::api::{Answer, Api};
use base64::Engine;
use libtest_mimic::{Failed, Trial};
use serde_json::{Value, json};
use std::sync::OnceLock;
use wynacom::testing::{check_expectation, event_text, expectations};

/// The variable that names the API under test; unset, the trials are ignored.
pub const BASE: &str = "WYNACOM_API_BASE_URL";

/// Every trial of this module, ignored unless [`BASE`] is set.
pub fn trials() -> Vec<Trial> {
    let ignored = crate::variable(BASE).is_none();
    let mut trials: Vec<Trial> = expectations()
        .into_iter()
        .map(|(name, expect)| {
            Trial::test(format!("http::events::{name}"), move || {
                event_answers(&name, &expect)
            })
        })
        .collect();
    let examples = openapi_examples();
    // The contract's examples are many; a handful would mean the file stopped being read.
    assert!(
        examples.len() > 50,
        "only {} examples in docs/openapi.yaml",
        examples.len()
    );
    trials.extend(examples.into_iter().map(|example| {
        let name = format!("http::openapi::{}::{}", example.operation, example.name);
        Trial::test(name, move || example.replays())
    }));
    trials
        .into_iter()
        .map(|t| t.with_ignored_flag(ignored))
        .collect()
}

/// The API under test, one client for every trial.
fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| Api::from_env(BASE))
}

/// The token of every trial: `WYNACOM_TOKEN`, else the active one from /generate_token.
fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| api().token())
}

/// The HTTP request an API Gateway (REST) event stands for: method, the client's
/// Content-Type and Authorization headers, query string and body (base64 decoded).
struct EventRequest {
    method: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl EventRequest {
    fn of(event: &Value) -> Self {
        let mut headers = vec![];
        let multi = event["multiValueHeaders"]
            .as_object()
            .filter(|m| !m.is_empty());
        let single = event["headers"].as_object();
        for name in ["content-type", "authorization"] {
            let values: Vec<String> = match (multi, single) {
                (Some(m), _) => m
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .flat_map(|(_, v)| v.as_array().cloned().unwrap_or_default())
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                (None, Some(s)) => s
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .filter_map(|(_, v)| v.as_str().map(str::to_string))
                    .collect(),
                _ => vec![],
            };
            headers.extend(values.into_iter().map(|v| (name.to_string(), v)));
        }
        let mut pairs: Vec<(String, String)> = vec![];
        if let Some(m) = event["multiValueQueryStringParameters"].as_object() {
            for (k, vs) in m {
                for v in vs.as_array().into_iter().flatten() {
                    pairs.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
                }
            }
        } else if let Some(m) = event["queryStringParameters"].as_object() {
            for (k, v) in m {
                pairs.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
        let text = event["body"].as_str().unwrap_or_default();
        let body = if event["isBase64Encoded"] == json!(true) {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .expect("a base64 body")
        } else {
            text.as_bytes().to_vec()
        };
        Self {
            method: event["httpMethod"].as_str().unwrap_or("POST").to_string(),
            query: serde_urlencoded::to_string(&pairs).unwrap(),
            headers,
            body,
        }
    }
}

/// `events/<name>.json` as an HTTP request: the answer `expect` says, with
/// `Cache-Control: no-store`.
fn event_answers(name: &str, expect: &Value) -> Result<(), Failed> {
    let endpoint = expect["endpoint"].as_str().expect("an endpoint");
    let text = match crate::needs_token(name) {
        true => event_text(name, token()),
        false => event_text(name, ""),
    };
    let event: Value = serde_json::from_str(&text).expect("an event is JSON");
    let req = EventRequest::of(&event);
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = api().request(&req.method, endpoint, &req.query, &headers, &req.body);
    check_expectation(expect, answer.status, &answer.body)?;
    match answer.header("cache-control") {
        Some("no-store") => Ok(()),
        other => Err(format!("Cache-Control {other:?}, expected no-store").into()),
    }
}

/// A multipart/form-data body as PHP's curl writes it for an array in `CURLOPT_POSTFIELDS`
/// (shared/src/http/fixtures/multipart.http): one text part per field.
fn multipart(fields: &serde_json::Map<String, Value>) -> (String, Vec<u8>) {
    let boundary = format!("{}2f645fd91ef8dfba", "-".repeat(24));
    let mut body = Vec::new();
    for (name, value) in fields {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{text}\r\n"
            )
            .bytes(),
        );
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn openapi() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml"))
            .unwrap();
    serde_norway::from_str(&text).expect("docs/openapi.yaml is YAML")
}

/// Compares an answer with a response example of the OpenAPI file (its `x-replay` rules).
fn matches_example(answer: &Answer, status: u16, example: &Value) -> Result<(), String> {
    let replay = &example["x-replay"];
    if answer.status != status {
        return Err(format!(
            "status {} (expected {status}): {}",
            answer.status, answer.body
        ));
    }
    for (name, value) in replay["headers"].as_object().into_iter().flatten() {
        let want = value.as_str().unwrap_or_default();
        if answer.header(name) != Some(want) {
            return Err(format!(
                "header {name}: {:?}, expected {want:?}",
                answer.header(name)
            ));
        }
    }
    let want = &example["value"];
    let body = &answer.body;
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    if keys(body) != keys(want) || body["status"] != want["status"] {
        return Err(format!("envelope {body}, expected the shape of {want}"));
    }
    if want["status"] == "ERR" {
        return (body["message"] == want["message"])
            .then_some(())
            .ok_or(format!("message {}", body["message"]));
    }
    match (&want["data"], &body["data"]) {
        (Value::Object(_), got @ Value::Object(_)) if keys(got) == keys(&want["data"]) => Ok(()),
        (Value::Array(w), Value::Array(g)) if w.is_empty() => g
            .is_empty()
            .then_some(())
            .ok_or(format!("expected [], got {}", body["data"])),
        (Value::Array(w), Value::Array(g)) => {
            let row_keys = keys(&w[0]);
            (!g.is_empty() && g.iter().all(|r| keys(r) == row_keys))
                .then_some(())
                .ok_or(format!(
                    "rows {} do not have the keys {row_keys:?}",
                    body["data"]
                ))
        }
        _ => Err(format!(
            "data {}, expected the shape of {}",
            body["data"], want["data"]
        )),
    }
}

/// One request example of docs/openapi.yaml, with the response examples of its operation.
struct Example {
    operation: String,
    endpoint: String,
    media: String,
    name: String,
    example: Value,
    responses: Value,
}

/// Every request example of docs/openapi.yaml, in the file's order.
fn openapi_examples() -> Vec<Example> {
    let spec = openapi();
    let mut examples = vec![];
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let endpoint = path.trim_start_matches('/');
        let op = &item["post"];
        let operation = op["operationId"].as_str().unwrap_or(endpoint);
        for (media, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            for (name, example) in content["examples"].as_object().into_iter().flatten() {
                examples.push(Example {
                    operation: operation.to_string(),
                    endpoint: endpoint.to_string(),
                    media: media.clone(),
                    name: name.clone(),
                    example: example.clone(),
                    responses: op["responses"].clone(),
                });
            }
        }
    }
    examples
}

impl Example {
    /// The example sent as its `x-replay` says; the answer matches the response example named
    /// by `x-replay.expect`.
    fn replays(&self) -> Result<(), Failed> {
        let Self {
            endpoint, media, ..
        } = self;
        let replay = &self.example["x-replay"];
        let bearer;
        let mut value = self.example["value"].clone();
        if let (Some(pad), Value::Object(obj)) = (replay["pad_bytes"].as_u64(), &mut value) {
            obj.insert("_pad".into(), json!("x".repeat(pad as usize)));
        }
        let method = replay["method"].as_str().unwrap_or("POST");
        let (content_type, body) = match (&value, method) {
            (_, m) if m != "POST" => (media.clone(), vec![]),
            (Value::String(s), _) => (media.clone(), s.clone().into_bytes()),
            (Value::Object(fields), _) if media == "multipart/form-data" => multipart(fields),
            (v, _) => (media.clone(), serde_json::to_vec(v).unwrap()),
        };
        let mut headers: Vec<(&str, &str)> = vec![("content-type", &content_type)];
        match replay["auth"].as_str().unwrap_or("none") {
            "valid" => {
                bearer = format!("Bearer {}", token());
                headers.push(("authorization", &bearer));
            }
            "invalid" => {
                bearer = format!("Bearer {}", "0".repeat(64));
                headers.push(("authorization", &bearer));
            }
            "header" => headers.push(("authorization", replay["authorization"].as_str().unwrap())),
            _ => {}
        }
        let expect = replay["expect"].as_str().expect("x-replay.expect");
        let (status, response) = self
            .responses
            .as_object()
            .expect("responses")
            .iter()
            .find_map(|(status, r)| {
                r["content"]["application/json"]["examples"]
                    .get(expect)
                    .map(|ex| (status.parse::<u16>().unwrap(), ex))
            })
            .ok_or(format!("no response example {expect}"))?;
        let answer = api().request(method, endpoint, "", &headers, &body);
        matches_example(&answer, status, response).map_err(|e| format!("{media}: {e}").into())
    }
}
