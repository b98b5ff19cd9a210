//! End to end: the release binaries inside a local Lambda runtime (cargo-lambda), on DynamoDB
//! Local and MariaDB. Every file of events/ goes through the Lambda invoke API as API Gateway
//! sends it; every example of docs/openapi.yaml goes through the local HTTP API as a client
//! sends it. Run by scripts/test after it builds the release binaries.

mod common;

use common::local_api::{Answer, LocalApi};
use serde_json::{Value, json};
use wynacom::testing::{check_expectation, event_text, expectations};

#[tokio::test]
#[ignore = "needs the release binaries and cargo-lambda: scripts/test runs it"]
async fn every_event_gets_its_expected_answer_from_the_release_binaries() {
    let api = LocalApi::start().await;
    let token = api.token();
    let mut failures = vec![];
    let all = expectations();
    for (name, expect) in &all {
        let endpoint = expect["endpoint"].as_str().unwrap();
        let answer = api.invoke(endpoint, &event_text(name, &token));
        if answer.header("cache-control") != Some("no-store") {
            failures.push(format!("{name}: no Cache-Control: no-store"));
        }
        if let Err(e) = check_expectation(expect, answer.status, &answer.body) {
            failures.push(format!("{name}: {e}"));
        }
    }
    api.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    println!("{} events answered as expected", all.len());
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

#[tokio::test]
#[ignore = "needs the release binaries and cargo-lambda: scripts/test runs it"]
async fn every_openapi_example_replays_against_the_local_api() {
    let api = LocalApi::start().await;
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
                let mut headers: Vec<(&str, &str)> = vec![("content-type", media.as_str())];
                let bearer;
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
                let method = replay["method"].as_str().unwrap_or("POST");
                let mut value = example["value"].clone();
                if let (Some(pad), Value::Object(obj)) = (replay["pad_bytes"].as_u64(), &mut value)
                {
                    obj.insert("_pad".into(), json!("x".repeat(pad as usize)));
                }
                let body = match (&value, method) {
                    (_, m) if m != "POST" => vec![],
                    (Value::String(s), _) => s.clone().into_bytes(),
                    (v, _) => serde_json::to_vec(v).unwrap(),
                };
                let answer = api.request(method, endpoint, &headers, &body);
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
    api.stop().await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(replayed > 50, "only {replayed} examples");
    println!("{replayed} OpenAPI examples replayed");
}

/// The production credentials path through the real binaries: the lab functions read
/// `DATABASE_SECRET_ARN` from the local Secrets Manager at their cold start; then the password
/// is rotated (database and secret) and the warm instances' sessions end. The next requests
/// succeed: no 500, no 503.
#[tokio::test]
#[ignore = "needs the release binaries, cargo-lambda and the local Secrets Manager: scripts/test runs it"]
async fn the_lab_functions_read_the_secret_and_survive_its_rotation() {
    let (api, user) = LocalApi::start_with_secret("first-Passw0rd").await;
    let token = api.token();
    let bearer = format!("Bearer {token}");
    let ask = |endpoint: &str| {
        api.request(
            "POST",
            endpoint,
            &[
                ("content-type", "application/json"),
                ("authorization", &bearer),
            ],
            br#"{"T_OrderHeaderLabNumber":"R2606110001"}"#,
        )
    };
    let mut failures = vec![];
    let warm: Vec<Answer> = ["sampling_timestamp", "glucose"].map(ask).into();
    for (endpoint, answer) in ["sampling_timestamp", "glucose"].iter().zip(&warm) {
        if answer.status != 200 {
            failures.push(format!(
                "{endpoint} before rotation: {} {}",
                answer.status, answer.body
            ));
        }
    }
    user.change_password("second-Passw0rd").await;
    user.put_secret("second-Passw0rd").await;
    for (endpoint, before) in ["sampling_timestamp", "glucose"].iter().zip(&warm) {
        let answer = ask(endpoint);
        if answer.status != 200 || answer.body != before.body {
            failures.push(format!(
                "{endpoint} after rotation: {} {}",
                answer.status, answer.body
            ));
        }
    }
    api.stop().await;
    user.drop_user().await;
    assert!(failures.is_empty(), "{failures:#?}");
}
