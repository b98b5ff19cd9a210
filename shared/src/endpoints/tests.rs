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

/// A request a browser sends for another site (`Origin`, or `Sec-Fetch-Site` other than
/// `none` / `same-origin`) is 403 on every endpoint and changes nothing; the same request
/// without those headers, or typed by the user, is served.
#[tokio::test]
async fn cross_site_requests_are_refused_on_every_endpoint() {
    let (t, lab) = (tokens(), lab());
    let token = t.generate().await.unwrap().access_token;
    let refused: [&[(&str, &str)]; 4] = [
        &[("origin", "https://evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
    ];
    for endpoint in Endpoint::ALL {
        for headers in refused {
            let mut req = event(endpoint.name(), &token);
            for (name, value) in headers {
                req.headers_mut().insert(*name, value.parse().unwrap());
            }
            let resp = call(endpoint, &t, &lab, req).await;
            assert_eq!(resp.status(), 403, "{endpoint} {headers:?}");
            assert_eq!(body_json(&resp)["message"], "Permintaan ditolak");
        }
        for site in ["none", "same-origin"] {
            let mut req = event(endpoint.name(), &token);
            req.headers_mut()
                .insert("sec-fetch-site", site.parse().unwrap());
            let resp = call(endpoint, &t, &lab, req).await;
            assert_eq!(resp.status(), 200, "{endpoint} sec-fetch-site {site}");
        }
    }
    // The form a web page would post: nothing saved.
    let mut req = event("save_token_setting-form", "");
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let before = t.setting().await.unwrap();
    assert_eq!(save_token_setting(&t, req).await.unwrap().status(), 403);
    assert_eq!(t.setting().await.unwrap(), before);
}

/// `X-Content-Type-Options: nosniff` on every answer the functions write.
#[tokio::test]
async fn every_answer_carries_nosniff() {
    let (t, lab) = (tokens(), lab());
    let token = t.generate().await.unwrap().access_token;
    for (name, status) in [
        ("token_setting", 200),
        ("glucose-invalid-number", 400),
        ("check_token-invalid", 401),
        ("sampling_timestamp-not-found", 404),
        ("generate_token-get", 405),
        ("sampling_timestamp-too-large", 413),
    ] {
        let expect = &expectations()[name];
        let endpoint = Endpoint::from_name(expect["endpoint"].as_str().unwrap()).unwrap();
        let resp = call(endpoint, &t, &lab, event(name, &token)).await;
        assert_eq!(resp.status(), status, "{name}");
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{name}"
        );
    }
    let mut req = event("token_setting", "");
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let resp = token_setting(&t, req).await.unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff", "403");
}

/// Format characters (right-to-left override, zero-width space, isolates) make a lab number
/// invalid, never echoed back.
#[tokio::test]
async fn lab_numbers_with_format_characters_are_invalid_and_not_echoed() {
    let (t, lab) = (tokens(), lab());
    let token = t.generate().await.unwrap().access_token;
    for c in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{FEFF}', '\u{0007}'] {
        let number = format!("R26061{c}10001");
        for endpoint in [Endpoint::SamplingTimestamp, Endpoint::Glucose] {
            let mut req = event(endpoint.name(), &token);
            *req.body_mut() =
                Body::Text(serde_json::json!({"T_OrderHeaderLabNumber": number}).to_string());
            let resp = call(endpoint, &t, &lab, req).await;
            assert_eq!(resp.status(), 400, "{endpoint} U+{:04X}", c as u32);
            let body = body_json(&resp);
            assert_eq!(
                body["message"],
                "Parameter T_OrderHeaderLabNumber tidak valid"
            );
            assert!(!body.to_string().contains(c), "echoed U+{:04X}", c as u32);
        }
    }
}

/// The request's log line names the token's id and the lab number asked, never the token:
/// "which orders did this token read" is one query.
#[tokio::test]
async fn the_log_line_names_the_token_id_and_the_lab_number_never_the_token() {
    use std::cell::RefCell;
    // One subscriber for the whole test process (a scoped one can miss events whose callsite
    // another test thread registered first), writing each thread's lines to its own buffer.
    thread_local!(static LINES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) });
    struct ThreadLines;
    impl std::io::Write for ThreadLines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            LINES.with(|l| l.borrow_mut().extend_from_slice(buf));
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(|| ThreadLines)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    });
    LINES.with(|l| l.borrow_mut().clear());
    let (t, lab) = (tokens(), lab());
    let issued = t.generate().await.unwrap();
    let resp = call(
        Endpoint::Glucose,
        &t,
        &lab,
        event("glucose", &issued.access_token),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let text = LINES.with(|l| String::from_utf8(l.borrow().clone()).unwrap());
    let line: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|l: &serde_json::Value| l["endpoint"] == "glucose")
        .unwrap_or_else(|| panic!("no request line in {text}"));
    assert_eq!(line["token_id"], issued.token_id, "{line}");
    assert_eq!(line["lab_number"], "R2606110002", "{line}");
    assert_eq!(line["status"], 200);
    assert!(
        !text.contains(&issued.access_token),
        "the token is in the log: {text}"
    );
}
