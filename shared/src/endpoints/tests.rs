//! Every event of `events/` through its endpoint, over the in-memory store and fixed lab rows.

use super::*;
use crate::{
    backend::BackendError,
    testing::{
        FixedLab, body_json, check_expectation, event, expectations, fixed_lab, memory_tokens,
    },
    token::memory::MemoryStore,
};

fn tokens() -> Tokens<MemoryStore> {
    memory_tokens(1_782_010_800)
}

fn lab() -> FixedLab {
    fixed_lab()
}

async fn call(
    endpoint: Endpoint,
    t: &Tokens<MemoryStore>,
    lab: &FixedLab,
    req: Request,
) -> Response<Body> {
    crate::testing::call(endpoint, t, lab, req).await
}

#[tokio::test]
async fn every_event_gets_its_expected_answer() {
    let (t, lab) = (tokens(), lab());
    let token = t.generate().await.unwrap().access_token;
    let mut failures = vec![];
    for (name, expect) in expectations() {
        let endpoint = Endpoint::from_name(expect["endpoint"].as_str().unwrap()).unwrap();
        let resp = call(endpoint, &t, &lab, event(&name, &token)).await;
        assert_eq!(resp.headers()["cache-control"], "no-store", "{name}");
        if let Err(e) = check_expectation(&expect, resp.status().as_u16(), &body_json(&resp)) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn the_token_is_checked_before_the_body() {
    let t = tokens();
    let mut req = event("generate_token-bad-json", "");
    req.headers_mut()
        .insert("authorization", "Bearer wrong".parse().unwrap());
    let resp = check_token(&t, req).await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = sampling_timestamp(&t, &lab(), event("generate_token-bad-json", ""))
        .await
        .unwrap();
    assert_eq!(body_json(&resp)["message"], "Token wajib diisi");
}

#[tokio::test]
async fn unauthorized_answers_carry_www_authenticate() {
    let t = tokens();
    let resp = check_token(&t, event("check_token-no-token", ""))
        .await
        .unwrap();
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let resp = check_token(&t, event("check_token-invalid", ""))
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn method_not_allowed_names_post() {
    let resp = generate_token(&tokens(), event("generate_token-get", ""))
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

#[tokio::test]
async fn check_token_reports_the_token_id() {
    let t = tokens();
    let token = t.generate().await.unwrap().access_token;
    let resp = check_token(&t, event("check_token", &token)).await.unwrap();
    assert_eq!(
        body_json(&resp),
        serde_json::json!({"status":"OK","data":{"valid":true,"token_id":1,"expired_at":"2026-06-24 10:00:00"}})
    );
}

#[tokio::test]
async fn backend_failures_are_503_with_the_contract_message() {
    let t = tokens();
    let token = t.generate().await.unwrap().access_token;
    let failing = FixedLab {
        failure: Some(BackendError::Unavailable("mysql down".into())),
        ..lab()
    };
    let resp = glucose(&t, &failing, event("glucose", &token))
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(
        body_json(&resp)["message"],
        "Layanan sedang tidak tersedia, silakan coba lagi"
    );
    t.store()
        .fail_with(Some(BackendError::Unavailable("x".into())));
    let resp = generate_token(&t, event("generate_token", ""))
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
}

#[tokio::test]
async fn an_existing_order_without_rows_is_an_empty_array() {
    let t = tokens();
    let token = t.generate().await.unwrap().access_token;
    let mut lab = FixedLab::default();
    lab.orders.insert("R2606110001".into(), (vec![], vec![]));
    let resp = sampling_timestamp(&t, &lab, event("sampling_timestamp", &token))
        .await
        .unwrap();
    assert_eq!(
        body_json(&resp),
        serde_json::json!({"status":"OK","data":[]})
    );
}
