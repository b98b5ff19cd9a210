//! Test support, compiled only for the project's own tests and benchmarks (feature
//! `test-support`; never in a function binary): the API Gateway events of `events/` and what
//! each one expects, an in-memory token service, fixed lab rows, and a call of any endpoint by
//! its [`Endpoint`].

use crate::{
    backend::BackendError,
    clock::ManualClock,
    endpoints::{self, Endpoint},
    lab::{GlucoseRow, LabSource, SamplingRow},
    token::{Tokens, memory::MemoryStore, store::TokenStore},
};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use std::{path::PathBuf, sync::Arc};

/// The placeholder the events use where a real token goes.
pub const TOKEN_PLACEHOLDER: &str = "TOKEN_VALUE";

/// The project's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The raw text of `events/<name>.json`, with the token placeholder replaced by `token`.
pub fn event_text(name: &str, token: &str) -> String {
    let path = events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.replace(TOKEN_PLACEHOLDER, token)
}

/// `events/<name>.json` as the request `lambda_http` hands a function.
pub fn event(name: &str, token: &str) -> Request {
    lambda_http::request::from_str(&event_text(name, token))
        .unwrap_or_else(|e| panic!("events/{name}.json is not an API Gateway event: {e}"))
}

/// `events/expected.json`: per event name, `endpoint`, `status` and one of `message`, `data`,
/// `data_keys` or `data_nonempty`.
pub fn expectations() -> serde_json::Map<String, Value> {
    let text =
        std::fs::read_to_string(events_dir().join("expected.json")).expect("events/expected.json");
    match serde_json::from_str(&text).expect("events/expected.json is JSON") {
        Value::Object(m) => m,
        _ => panic!("events/expected.json is not an object"),
    }
}

/// The JSON body of a response.
pub fn body_json(resp: &Response<Body>) -> Value {
    serde_json::from_slice(resp.body().as_ref()).expect("response body is JSON")
}

/// Checks a response (status and envelope) against one expectation; `Err` says what differs.
pub fn check_expectation(expect: &Value, status: u16, body: &Value) -> Result<(), String> {
    let want_status = expect["status"].as_u64().unwrap_or(0) as u16;
    if status != want_status {
        return Err(format!(
            "status {status}, expected {want_status}; body {body}"
        ));
    }
    let keys: Vec<&String> = body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    if let Some(message) = expect.get("message") {
        if body["status"] != "ERR" || &body["message"] != message || keys.len() != 2 {
            return Err(format!("expected ERR {message}, got {body}"));
        }
        return Ok(());
    }
    if body["status"] != "OK" || keys.len() != 2 {
        return Err(format!("expected OK envelope, got {body}"));
    }
    let data = &body["data"];
    if let Some(want) = expect.get("data")
        && data != want
    {
        return Err(format!("data {data}, expected {want}"));
    }
    if let Some(Value::Array(want)) = expect.get("data_keys") {
        let mut got: Vec<&str> = data
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
        got.sort_unstable();
        want.sort_unstable();
        if got != want {
            return Err(format!("data keys {got:?}, expected {want:?}"));
        }
    }
    if expect.get("data_nonempty") == Some(&Value::Bool(true))
        && data.as_array().is_none_or(Vec::is_empty)
    {
        return Err(format!("expected a non-empty data array, got {data}"));
    }
    Ok(())
}

/// A token service on the in-memory store with its clock at `now` (epoch seconds).
pub fn memory_tokens(now: i64) -> Tokens<MemoryStore> {
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").expect("the bundled time zone database");
    Tokens::new(MemoryStore::new(), Arc::new(ManualClock::at(now)), tz)
}

/// Fixed lab answers, for tests of the endpoints without a database.
#[derive(Debug, Default, Clone)]
pub struct FixedLab {
    pub orders: std::collections::HashMap<String, (Vec<SamplingRow>, Vec<GlucoseRow>)>,
    /// When set, every call fails with it.
    pub failure: Option<BackendError>,
}

impl LabSource for FixedLab {
    async fn sampling(&self, lab_number: &str) -> Result<Option<Vec<SamplingRow>>, BackendError> {
        match &self.failure {
            Some(e) => Err(e.clone()),
            None => Ok(self.orders.get(lab_number).map(|(s, _)| s.clone())),
        }
    }

    async fn glucose(&self, lab_number: &str) -> Result<Option<Vec<GlucoseRow>>, BackendError> {
        match &self.failure {
            Some(e) => Err(e.clone()),
            None => Ok(self.orders.get(lab_number).map(|(_, g)| g.clone())),
        }
    }
}

/// Fixed lab answers: R2606110001 has one sampling row and one glucose row, R2606110002 one
/// glucose row; every other lab number is not found.
pub fn fixed_lab() -> FixedLab {
    let mut lab = FixedLab::default();
    let sampling = SamplingRow {
        cpone_test_code: Some("10530100".into()),
        ..Default::default()
    };
    let glucose = GlucoseRow {
        result_glucosa: Some("120".into()),
        ..Default::default()
    };
    lab.orders.insert(
        "R2606110001".into(),
        (vec![sampling], vec![glucose.clone()]),
    );
    lab.orders
        .insert("R2606110002".into(), (vec![], vec![glucose]));
    lab
}

/// The logical id of the template's function for the binary `name`: the name in CamelCase
/// and `Function` (generate_token → GenerateTokenFunction). An endpoint's function is
/// `function_logical_id(endpoint.name())`.
pub fn function_logical_id(name: &str) -> String {
    let camel: String = name
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format!("{camel}Function")
}

/// Calls `endpoint` as its function binary does.
pub async fn call<S: TokenStore, L: LabSource>(
    endpoint: Endpoint,
    tokens: &Tokens<S>,
    lab: &L,
    req: Request,
) -> Response<Body> {
    let resp = match endpoint {
        Endpoint::GenerateToken => endpoints::generate_token(tokens, req).await,
        Endpoint::CheckToken => endpoints::check_token(tokens, req).await,
        Endpoint::TokenSetting => endpoints::token_setting(tokens, req).await,
        Endpoint::SaveTokenSetting => endpoints::save_token_setting(tokens, req).await,
        Endpoint::SamplingTimestamp => endpoints::sampling_timestamp(tokens, lab, req).await,
        Endpoint::Glucose => endpoints::glucose(tokens, lab, req).await,
    };
    match resp {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
