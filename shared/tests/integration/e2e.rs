//! End to end, as a client sees the API: every event of `events/` sent as the HTTP request it
//! stands for, and every example of docs/openapi.yaml, against the API at
//! `WYNACOM_API_BASE_URL` (see api.rs). These tests start nothing: scripts/test points them at
//! the release binaries in a local Lambda runtime; the same tests run against
//! `sam local start-api` or a deployed stage (README, "Run the end-to-end tests elsewhere").

use crate::api::{Answer, Api};
use base64::Engine;
use serde_json::{Value, json};
use wynacom::testing::{check_expectation, event_text, expectations};

const BASE: &str = "WYNACOM_API_BASE_URL";

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

#[test]
#[ignore = "needs WYNACOM_API_BASE_URL, an API with the demo data: scripts/test runs it"]
fn every_event_gets_its_expected_answer() {
    let api = Api::from_env(BASE);
    let token = api.token();
    let mut failures = vec![];
    let all = expectations();
    for (name, expect) in &all {
        let endpoint = expect["endpoint"].as_str().unwrap();
        let event: Value = serde_json::from_str(&event_text(name, &token)).unwrap();
        let req = EventRequest::of(&event);
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = api.request(&req.method, endpoint, &req.query, &headers, &req.body);
        if answer.header("cache-control") != Some("no-store") {
            failures.push(format!("{name}: no Cache-Control: no-store"));
        }
        if let Err(e) = check_expectation(expect, answer.status, &answer.body) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    println!("{} events answered as expected", all.len());
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

#[test]
#[ignore = "needs WYNACOM_API_BASE_URL, an API with the demo data: scripts/test runs it"]
fn every_openapi_example_replays() {
    let api = Api::from_env(BASE);
    let spec = openapi();
    let mut replayed = 0;
    let mut failures = vec![];
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let endpoint = path.trim_start_matches('/');
        let op = &item["post"];
        let responses = op["responses"].as_object().expect("responses");
        let find_response = |name: &str| {
            responses.iter().find_map(|(status, r)| {
                r["content"]["application/json"]["examples"]
                    .get(name)
                    .map(|ex| (status.parse::<u16>().unwrap(), ex.clone()))
            })
        };
        for (media, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            for (name, example) in content["examples"].as_object().into_iter().flatten() {
                let replay = &example["x-replay"];
                let token;
                let bearer;
                let mut value = example["value"].clone();
                if let (Some(pad), Value::Object(obj)) = (replay["pad_bytes"].as_u64(), &mut value)
                {
                    obj.insert("_pad".into(), json!("x".repeat(pad as usize)));
                }
                let method = replay["method"].as_str().unwrap_or("POST");
                let (content_type, body) = match (&value, method) {
                    (_, m) if m != "POST" => (media.clone(), vec![]),
                    (Value::String(s), _) => (media.clone(), s.clone().into_bytes()),
                    (Value::Object(fields), _) if media == "multipart/form-data" => {
                        multipart(fields)
                    }
                    (v, _) => (media.clone(), serde_json::to_vec(v).unwrap()),
                };
                let mut headers: Vec<(&str, &str)> = vec![("content-type", &content_type)];
                match replay["auth"].as_str().unwrap_or("none") {
                    "valid" => {
                        token = api.token();
                        bearer = format!("Bearer {token}");
                        headers.push(("authorization", &bearer));
                    }
                    "invalid" => {
                        bearer = format!("Bearer {}", "0".repeat(64));
                        headers.push(("authorization", &bearer));
                    }
                    "header" => {
                        headers.push(("authorization", replay["authorization"].as_str().unwrap()))
                    }
                    _ => {}
                }
                let answer = api.request(method, endpoint, "", &headers, &body);
                let expect = replay["expect"].as_str().expect("x-replay.expect");
                let Some((status, response)) = find_response(expect) else {
                    failures.push(format!("{endpoint} {name}: no response example {expect}"));
                    continue;
                };
                if let Err(e) = matches_example(&answer, status, &response) {
                    failures.push(format!("{endpoint} {media} {name}: {e}"));
                }
                replayed += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(replayed > 50, "only {replayed} examples");
    println!("{replayed} OpenAPI examples replayed");
}
