//! The token service against AWS's DynamoDB Local: the store, the rules and the four token
//! endpoints, each test on a fresh table.

use crate::app::{T0, TestApp, dynamodb_client_at};
use serde_json::json;
use std::{sync::Arc, time::Instant};
use wynacom::{
    ApiError,
    clock::ManualClock,
    endpoints::Endpoint,
    testing::{body_json, event},
    token::{
        Tokens,
        dynamo::DynamoStore,
        store::{NewToken, TokenStore},
    },
};

const DAY: i64 = 86_400;

fn save_request(body: &str) -> lambda_http::Request {
    let text = wynacom::testing::event_text("save_token_setting", "").replace(
        r#""{\"token_expired_days\":3}""#,
        &serde_json::to_string(body).unwrap(),
    );
    lambda_http::request::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_fresh_table_has_the_default_setting_and_no_token() {
    let app = TestApp::new().await;
    let tokens = &app.tokens;
    let data = app
        .ok(Endpoint::TokenSetting, event("token_setting", ""))
        .await;
    assert_eq!(data, json!({"token_expired_days": 3, "expires_in": 259200}));
    assert_eq!(tokens.store().current().await.unwrap(), None);
    let resp = app
        .call(Endpoint::CheckToken, event("check_token", "anything"))
        .await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn every_bad_form_of_token_expired_days_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let tokens = &app.tokens;
    app.ok(
        Endpoint::SaveTokenSetting,
        save_request(r#"{"token_expired_days":7}"#),
    )
    .await;
    let cases = [
        ("{}", "Parameter token_expired_days wajib diisi"),
        (
            r#"{"token_expired_days":null}"#,
            "Parameter token_expired_days wajib diisi",
        ),
        (
            r#"{"token_expired_days":0}"#,
            "token_expired_days minimal 1 dan maksimal 365 hari",
        ),
        (
            r#"{"token_expired_days":366}"#,
            "token_expired_days minimal 1 dan maksimal 365 hari",
        ),
        (
            r#"{"token_expired_days":-3}"#,
            "token_expired_days minimal 1 dan maksimal 365 hari",
        ),
        (
            r#"{"token_expired_days":10.5}"#,
            "token_expired_days harus berupa angka bulat",
        ),
        (
            r#"{"token_expired_days":"abc"}"#,
            "token_expired_days harus berupa angka bulat",
        ),
        (
            r#"{"token_expired_days":true}"#,
            "token_expired_days harus berupa angka bulat",
        ),
        (
            r#"{"token_expired_days":[10]}"#,
            "token_expired_days harus berupa angka bulat",
        ),
        (r#"{"token_expired_days":"#, "Format request tidak valid"),
    ];
    for (body, message) in cases {
        let resp = app
            .call(Endpoint::SaveTokenSetting, save_request(body))
            .await;
        assert_eq!(resp.status(), 400, "{body}");
        assert_eq!(
            body_json(&resp),
            json!({"status": "ERR", "message": message}),
            "{body}"
        );
    }
    assert_eq!(tokens.store().setting().await.unwrap(), Some(7));
}

#[tokio::test]
async fn a_numeric_string_is_accepted() {
    let app = TestApp::new().await;
    let data = app
        .ok(
            Endpoint::SaveTokenSetting,
            save_request(r#"{"token_expired_days":"10"}"#),
        )
        .await;
    assert_eq!(
        data,
        json!({"token_expired_days": 10, "expires_in": 864000})
    );
    let data = app
        .ok(Endpoint::TokenSetting, event("token_setting", ""))
        .await;
    assert_eq!(
        data,
        json!({"token_expired_days": 10, "expires_in": 864000})
    );
}

#[tokio::test]
async fn the_active_token_is_reissued_with_shrinking_expires_in() {
    let app = TestApp::new().await;
    let clock = &app.clock;
    let first = app
        .ok(Endpoint::GenerateToken, event("generate_token", ""))
        .await;
    assert_eq!(first["expires_in"], 3 * DAY);
    assert_eq!(first["expired_days"], 3);
    assert_eq!(first["expired_at"], "2030-06-24 10:00:00");
    clock.advance(3600);
    let again = app
        .ok(Endpoint::GenerateToken, event("generate_token", ""))
        .await;
    assert_eq!(again["access_token"], first["access_token"]);
    assert_eq!(again["expired_at"], first["expired_at"]);
    assert_eq!(again["expires_in"], 3 * DAY - 3600);
}

#[tokio::test]
async fn a_setting_change_leaves_the_active_token_alone() {
    let app = TestApp::new().await;
    let clock = &app.clock;
    let first = app
        .ok(Endpoint::GenerateToken, event("generate_token", ""))
        .await;
    app.ok(
        Endpoint::SaveTokenSetting,
        save_request(r#"{"token_expired_days":10}"#),
    )
    .await;
    let again = app
        .ok(Endpoint::GenerateToken, event("generate_token", ""))
        .await;
    assert_eq!(again["access_token"], first["access_token"]);
    assert_eq!(again["expired_days"], 3);
    assert_eq!(again["expired_at"], "2030-06-24 10:00:00");
    clock.set(T0 + 3 * DAY);
    let next = app
        .ok(Endpoint::GenerateToken, event("generate_token", ""))
        .await;
    assert_ne!(next["access_token"], first["access_token"]);
    assert_eq!(next["expired_days"], 10);
    assert_eq!(next["expires_in"], 10 * DAY);
}

#[tokio::test]
async fn expiry_is_exact_to_the_second() {
    let app = TestApp::new().await;
    let clock = &app.clock;
    let token = &app.token().await;
    clock.set(T0 + 3 * DAY - 1);
    let data = app
        .ok(Endpoint::CheckToken, event("check_token", token))
        .await;
    assert_eq!(
        data,
        json!({"valid": true, "token_id": 1, "expired_at": "2030-06-24 10:00:00"})
    );
    assert_eq!(
        app.ok(Endpoint::GenerateToken, event("generate_token", ""))
            .await["expires_in"],
        1
    );
    clock.set(T0 + 3 * DAY);
    let resp = app
        .call(Endpoint::CheckToken, event("check_token", token))
        .await;
    assert_eq!(
        body_json(&resp),
        json!({"status": "ERR", "message": "Token tidak valid atau sudah expired"})
    );
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn check_token_refuses_every_bad_header() {
    let app = TestApp::new().await;
    let clock = &app.clock;
    let token = &app.token().await;
    for (name, message) in [
        ("check_token-no-token", "Token wajib diisi"),
        ("check_token-basic", "Token wajib diisi"),
        (
            "check_token-invalid",
            "Token tidak valid atau sudah expired",
        ),
    ] {
        let resp = app.call(Endpoint::CheckToken, event(name, token)).await;
        assert_eq!(
            (resp.status().as_u16(), body_json(&resp)["message"].clone()),
            (401, json!(message)),
            "{name}"
        );
    }
    let mut empty_bearer = event("check_token", token);
    empty_bearer
        .headers_mut()
        .insert("authorization", "Bearer ".parse().unwrap());
    let resp = app.call(Endpoint::CheckToken, empty_bearer).await;
    assert_eq!(body_json(&resp)["message"], "Token wajib diisi");
    clock.advance(3 * DAY);
    let resp = app
        .call(Endpoint::CheckToken, event("check_token", token))
        .await;
    assert_eq!(
        body_json(&resp)["message"],
        "Token tidak valid atau sudah expired"
    );
}

#[tokio::test]
async fn token_ids_increase_one_by_one_and_items_carry_ttl() {
    let app = TestApp::new().await;
    let (tokens, clock) = (&app.tokens, &app.clock);
    for expected_id in 1..=3 {
        let t = tokens.generate().await.unwrap();
        assert_eq!(
            tokens.validate(&t.access_token).await.unwrap().token_id,
            expected_id
        );
        let slot = tokens.store().current().await.unwrap().unwrap();
        assert_eq!(slot.expires_at, wynacom::clock::Clock::now(clock) + 3 * DAY);
        clock.advance(3 * DAY);
    }
}

#[tokio::test]
async fn the_slot_item_has_the_documented_shape() {
    let app = TestApp::new().await;
    let (client, table) = (&app.table.client, &app.table.name);
    let store = app.table.store();
    let new = NewToken {
        token: "ab".repeat(32),
        issued_at: T0,
        expires_at: T0 + DAY,
        expired_days: 1,
    };
    store.replace(None, new.clone()).await.unwrap().unwrap();
    // A second writer that read the empty slot loses.
    assert_eq!(store.replace(None, new).await.unwrap(), None);
    let item = client
        .get_item()
        .table_name(table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("token#active".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "active",
            "expired_days",
            "expires_at",
            "issued_at",
            "pk",
            "token",
            "token_id",
            "ttl"
        ]
    );
    assert_eq!(item["ttl"].as_n().unwrap(), &(T0 + DAY).to_string());
}

#[tokio::test]
async fn an_operator_can_revoke_the_token() {
    let app = TestApp::new().await;
    let (client, table) = (&app.table.client, &app.table.name);
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
    let tokens =
        Tokens::new(app.table.store(), Arc::new(ManualClock::at(T0)), tz).with_cache_seconds(0);
    let t = tokens.generate().await.unwrap();
    client
        .update_item()
        .table_name(table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("token#active".into()),
        )
        .update_expression("SET active = :f")
        .expression_attribute_values(":f", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tokens.validate(&t.access_token).await,
        Err(ApiError::TokenInvalid)
    );
    let next = tokens.generate().await.unwrap();
    assert_ne!(next.access_token, t.access_token);
    assert_eq!(
        tokens.validate(&next.access_token).await.unwrap().token_id,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_generations_through_separate_clients_yield_one_token() {
    let app = TestApp::new().await;
    let table = &app.table.name;
    let endpoint = crate::app::dynamodb_endpoint();
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
    let mut instances = vec![];
    for _ in 0..50 {
        let store = DynamoStore::new(dynamodb_client_at(&endpoint).await, table);
        instances.push(Arc::new(Tokens::new(
            store,
            Arc::new(ManualClock::at(T0)),
            tz.clone(),
        )));
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(instances.len()));
    let calls: Vec<_> = instances
        .into_iter()
        .map(|tokens| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                wynacom::endpoints::generate_token(&tokens, event("generate_token", ""))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut issued = std::collections::HashSet::new();
    for call in calls {
        let resp = call.await.unwrap();
        assert_eq!(resp.status(), 200);
        let data = body_json(&resp)["data"].clone();
        issued.insert(data["access_token"].as_str().unwrap().to_string());
    }
    assert_eq!(issued.len(), 1, "{issued:?}");
    let store = DynamoStore::new(crate::app::dynamodb_client().await, table);
    assert_eq!(store.current().await.unwrap().unwrap().token_id, 1);
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_503_within_seconds() {
    // Port 9 (discard) on loopback: nothing listens there.
    let store = DynamoStore::new(
        dynamodb_client_at("http://127.0.0.1:9").await,
        "api_wynacom_token",
    );
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
    let tokens = Tokens::new(store, Arc::new(ManualClock::at(T0)), tz);
    let started = Instant::now();
    for name in ["generate_token", "token_setting", "check_token"] {
        let resp = match name {
            "generate_token" => wynacom::endpoints::generate_token(&tokens, event(name, "")).await,
            "token_setting" => wynacom::endpoints::token_setting(&tokens, event(name, "")).await,
            _ => wynacom::endpoints::check_token(&tokens, event(name, "x")).await,
        }
        .unwrap();
        assert_eq!(resp.status(), 503, "{name}");
        assert_eq!(
            body_json(&resp),
            json!({"status": "ERR", "message": "Layanan sedang tidak tersedia, silakan coba lagi"})
        );
    }
    assert!(
        started.elapsed().as_secs() < 15,
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_missing_table_is_500_not_a_panic() {
    let store = DynamoStore::new(crate::app::dynamodb_client().await, "no_such_table");
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
    let tokens = Tokens::new(store, Arc::new(ManualClock::at(T0)), tz);
    let resp = wynacom::endpoints::token_setting(&tokens, event("token_setting", ""))
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(body_json(&resp)["message"], "Terjadi kesalahan pada server");
}

/// Revocation fails closed: an `active` attribute that is missing, or not a BOOL (the string
/// "false", the number 0, as a hurried console edit writes them), is revoked, for an instance
/// that never saw the token before (no remembered token).
#[tokio::test]
async fn active_missing_or_not_a_bool_is_revoked_on_a_fresh_instance() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let shapes = [
        ("S \"false\"", Some(AttributeValue::S("false".into()))),
        ("N 0", Some(AttributeValue::N("0".into()))),
        ("S \"true\"", Some(AttributeValue::S("true".into()))),
        ("missing", None),
    ];
    for (shape, value) in shapes {
        let app = TestApp::new().await;
        let (client, table) = (&app.table.client, &app.table.name);
        let issued = app.token().await;
        let update = client
            .update_item()
            .table_name(table)
            .key("pk", AttributeValue::S("token#active".into()));
        let update = match value {
            Some(v) => update
                .update_expression("SET active = :v")
                .expression_attribute_values(":v", v),
            None => update.update_expression("REMOVE active"),
        };
        update.send().await.unwrap();
        // A fresh instance: its own store and an empty validation cache.
        let fresh = Tokens::new(
            app.table.store(),
            Arc::new(ManualClock::at(T0)),
            crate::app::jakarta(),
        );
        assert_eq!(
            fresh.validate(&issued).await,
            Err(ApiError::TokenInvalid),
            "active {shape}"
        );
        let resp = wynacom::testing::call(
            Endpoint::CheckToken,
            &fresh,
            &app.lab,
            event("check_token", &issued),
        )
        .await;
        assert_eq!(resp.status(), 401, "check_token with active {shape}");
    }
}

/// A web page behind an allowed source address posting the setting form (the browser adds
/// Origin and Sec-Fetch-Site): refused, the setting in the table unchanged. Wynacom's PHP
/// (no such headers) still changes it.
#[tokio::test]
async fn a_cross_site_form_post_leaves_the_setting_unchanged() {
    let app = TestApp::new().await;
    let mut browser = event("save_token_setting-form", "");
    browser
        .headers_mut()
        .insert("origin", "https://intranet.example".parse().unwrap());
    browser
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    let resp = app.call(Endpoint::SaveTokenSetting, browser).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(body_json(&resp)["message"], "Permintaan ditolak");
    assert_eq!(
        app.table.store().setting().await.unwrap(),
        None,
        "nothing saved"
    );
    let resp = app
        .call(
            Endpoint::SaveTokenSetting,
            event("save_token_setting-form", ""),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(app.table.store().setting().await.unwrap().is_some());
}
