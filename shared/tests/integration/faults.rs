//! Backing services failing under warm functions: each test starts a MariaDB server or a
//! DynamoDB Local of its own (servers.rs), warms the project's pool or client
//! with a request, then stops or freezes the server. While it is gone the endpoints answer
//! 503 within their deadlines; once it is back the SAME warm instance (pool, SDK client, token
//! service) answers 200 again, without being rebuilt.
//!
//! A query slower than the timeout and a killed pooled connection are covered in lab_mysql.rs
//! (`a_query_slower_than_the_timeout_is_503_not_a_hang`,
//! `a_killed_pooled_connection_is_retried_on_a_fresh_one`).

use crate::{
    app::{Data, TestDb, create_token_table, dynamodb_client_at},
    servers::{PrivateDynamoDb, PrivateMariaDb, signal},
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use wynacom::{
    clock::ManualClock,
    endpoints::{self, Endpoint},
    lab::database::{DEADLINE, Database},
    testing::{FixedLab, body_json, event},
    token::{Tokens, dynamo::DynamoStore, memory::MemoryStore},
};

const UNAVAILABLE: &str = "Layanan sedang tidak tersedia, silakan coba lagi";
/// The SDK's whole-operation timeout (startup::aws_timeouts).
const DYNAMODB_OPERATION: Duration = Duration::from_secs(4);
/// Slack for scheduling on a busy machine.
const SLACK: Duration = Duration::from_secs(1);
/// 2030-06-21 10:00:00 Asia/Jakarta (in the future: DynamoDB Local deletes items past `ttl`).
const T0: i64 = 1_908_241_200;
const TABLE: &str = "api_wynacom_token";

fn jakarta() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Jakarta").unwrap()
}

fn assert_unavailable(what: &str, resp: &Response<Body>) {
    assert_eq!(
        (resp.status().as_u16(), body_json(resp)),
        (503, json!({"status": "ERR", "message": UNAVAILABLE})),
        "{what}"
    );
}

fn ok_data(what: &str, resp: &Response<Body>) -> Value {
    let body = body_json(resp);
    assert_eq!(resp.status(), 200, "{what}: {body}");
    assert_eq!(body["status"], "OK", "{what}: {body}");
    body["data"].clone()
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/// The lab endpoints with a warm token service on the in-memory store.
struct Lab {
    tokens: Tokens<MemoryStore>,
    token: String,
}

impl Lab {
    async fn new() -> Self {
        let tokens = Tokens::new(
            MemoryStore::new(),
            Arc::new(ManualClock::at(1_782_010_800)),
            jakarta(),
        );
        let token = tokens.generate().await.unwrap().access_token;
        Self { tokens, token }
    }

    /// Both lab endpoints on their demo order; the responses and how long each took.
    async fn both(&self, lab: &Database) -> [(&'static str, Response<Body>, Duration); 2] {
        let started = Instant::now();
        let sampling = endpoints::sampling_timestamp(
            &self.tokens,
            lab,
            event("sampling_timestamp", &self.token),
        )
        .await
        .unwrap();
        let sampling_took = started.elapsed();
        let started = Instant::now();
        let glucose = endpoints::glucose(&self.tokens, lab, event("glucose", &self.token))
            .await
            .unwrap();
        [
            ("sampling_timestamp", sampling, sampling_took),
            ("glucose", glucose, started.elapsed()),
        ]
    }

    /// Both endpoints answer 200 with rows; returns how many rounds that took (at most
    /// `rounds`, 200 ms apart).
    async fn until_ok(&self, lab: &Database, rounds: u32) -> u32 {
        let mut last = String::new();
        for round in 1..=rounds {
            let answers = self.both(lab).await;
            if answers.iter().all(|(_, r, _)| r.status() == 200) {
                for (what, resp, _) in &answers {
                    assert!(
                        ok_data(what, resp)
                            .as_array()
                            .is_some_and(|a| !a.is_empty()),
                        "{what}"
                    );
                }
                return round;
            }
            last = answers
                .iter()
                .map(|(what, r, _)| format!("{what} {} {}", r.status(), body_json(r)))
                .collect::<Vec<_>>()
                .join("; ");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the lab endpoints did not recover in {rounds} rounds: {last}");
    }
}

#[tokio::test]
async fn a_stopped_mariadb_is_503_fast_and_the_same_warm_pool_recovers_after_restart() {
    let mut server = PrivateMariaDb::start().await;
    let db = TestDb::create_at(&server.admin_url(), Data::Demo).await;
    let lab = db.database();
    let front = Lab::new().await;
    assert_eq!(front.until_ok(&lab, 1).await, 1, "warm-up");

    // Down while requests come in: every one is refused at once (connection refused).
    let stop_took = server.stop();
    let mut slowest = Duration::ZERO;
    for round in 0..3 {
        for (what, resp, took) in front.both(&lab).await {
            assert_unavailable(&format!("{what} while stopped, round {round}"), &resp);
            assert!(took < DEADLINE + SLACK, "{what} took {took:?}");
            slowest = slowest.max(took);
        }
    }
    server.restart().await;
    let rounds = front.until_ok(&lab, 5).await;
    eprintln!(
        "mariadb stopped in {stop_took:?}; 6 requests while down, slowest 503 after \
         {slowest:?}; 200 again on round {rounds} after the restart"
    );

    // Restarted between two requests (a reboot or fail-over while the instance idles): the
    // server closed the pool's idle connection. The very first request must succeed, whether
    // mysql_async drops the closed connection at checkout (what happens on loopback: the FIN
    // has arrived) or the stale-connection retry of Database::rows catches it.
    server.stop();
    server.restart().await;
    let rounds = front.until_ok(&lab, 5).await;
    eprintln!("after a restart between requests: 200 on round {rounds}");
    assert_eq!(
        rounds, 1,
        "the first request after a restart between requests should succeed"
    );
}

#[tokio::test]
async fn a_frozen_mariadb_is_503_within_the_deadline_and_the_same_pool_recovers() {
    let server = PrivateMariaDb::start().await;
    let db = TestDb::create_at(&server.admin_url(), Data::Demo).await;
    let lab = db.database();
    let front = Lab::new().await;
    assert_eq!(front.until_ok(&lab, 1).await, 1, "warm-up");

    // SIGSTOP: the port still accepts TCP connections (the kernel's backlog) but nothing
    // answers, as with a hung server or a network black hole. Only the timeouts end the wait.
    signal(server.process(), "STOP");
    let answers = front.both(&lab).await;
    signal(server.process(), "CONT");
    for (what, resp, took) in answers {
        assert_unavailable(&format!("{what} while frozen"), &resp);
        assert!(took < DEADLINE + SLACK, "{what} took {took:?}");
        eprintln!("{what} while frozen: 503 after {took:?}");
    }

    let rounds = front.until_ok(&lab, 5).await;
    eprintln!("recovered on round {rounds} after the thaw");
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

/// The four token endpoints of one warm instance, each answer with how long it took.
async fn token_endpoints(
    tokens: &Tokens<DynamoStore>,
    token: &str,
) -> Vec<(&'static str, Response<Body>, Duration)> {
    let mut out = vec![];
    for name in [
        "generate_token",
        "check_token",
        "token_setting",
        "save_token_setting",
    ] {
        let started = Instant::now();
        let bearer = if name == "check_token" { token } else { "" };
        let endpoint = Endpoint::from_name(name).expect("an endpoint");
        let resp =
            wynacom::testing::call(endpoint, tokens, &FixedLab::default(), event(name, bearer))
                .await;
        out.push((name, resp, started.elapsed()));
    }
    out
}

/// Asks `endpoint` until it answers 200 (at most 5 rounds, 200 ms apart): its data and the
/// number of rounds it took.
async fn until_200(tokens: &Tokens<DynamoStore>, endpoint: &str, token: &str) -> (Value, u32) {
    let mut rounds = 0;
    loop {
        rounds += 1;
        let resp = wynacom::testing::call(
            Endpoint::from_name(endpoint).expect("an endpoint"),
            tokens,
            &FixedLab::default(),
            event(endpoint, token),
        )
        .await;
        if resp.status() == 200 || rounds == 5 {
            return (
                ok_data(&format!("{endpoint} after recovery"), &resp),
                rounds,
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates the table on a private DynamoDB Local (gone with the server: nothing to delete),
/// retrying briefly while a freshly started one warms up.
async fn create_table_when_ready(local: &PrivateDynamoDb) {
    let client = dynamodb_client_at(&local.endpoint()).await;
    let mut last = None;
    for _ in 0..20 {
        match create_token_table(&client, TABLE).await {
            Ok(()) => return,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("cannot create the table: {last:?}");
}

/// A warm token service (production cache of validated tokens) on a private DynamoDB Local.
async fn warm_tokens(local: &PrivateDynamoDb) -> (Tokens<DynamoStore>, ManualClock, String) {
    let client = dynamodb_client_at(&local.endpoint()).await;
    create_table_when_ready(local).await;
    let clock = ManualClock::at(T0);
    let tokens = Tokens::new(
        DynamoStore::new(client, TABLE),
        Arc::new(clock.clone()),
        jakarta(),
    );
    let token = ok_data(
        "generate_token",
        &endpoints::generate_token(&tokens, event("generate_token", ""))
            .await
            .unwrap(),
    )["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    for (what, resp, _) in token_endpoints(&tokens, &token).await {
        ok_data(&format!("{what} warm"), &resp);
    }
    (tokens, clock, token)
}

#[tokio::test]
async fn a_stopped_dynamodb_is_503_fast_and_the_same_warm_instance_recovers_after_restart() {
    let mut local = PrivateDynamoDb::start();
    let (tokens, clock, token) = warm_tokens(&local).await;

    let stop_took = local.stop();
    // The token validated a moment ago is still remembered (at most 30 s, README): check_token
    // answers it without the table. Past that window every endpoint is 503.
    let resp = endpoints::check_token(&tokens, event("check_token", &token))
        .await
        .unwrap();
    assert_eq!(ok_data("remembered token", &resp)["token_id"], 1);
    clock.advance(wynacom::token::VALIDATION_CACHE_SECONDS + 1);
    for (what, resp, took) in token_endpoints(&tokens, &token).await {
        assert_unavailable(&format!("{what} while stopped"), &resp);
        assert!(took < DYNAMODB_OPERATION + SLACK, "{what} took {took:?}");
        eprintln!("{what} while stopped: 503 after {took:?}");
    }

    // Back, empty (in memory): the table is recreated as the template would.
    local.restart();
    create_table_when_ready(&local).await;
    let (fresh, rounds) = until_200(&tokens, "generate_token", "").await;
    eprintln!("dynamodb stop took {stop_took:?}; recovered on round {rounds} after the restart");
    let fresh_token = fresh["access_token"].as_str().unwrap();
    assert_ne!(fresh_token, token, "the old table, and its token, are gone");
    let answers = token_endpoints(&tokens, fresh_token).await;
    for (what, resp, _) in &answers {
        ok_data(&format!("{what} after restart"), resp);
    }
    assert_eq!(ok_data("check_token", &answers[1].1)["token_id"], 1);
    let old = endpoints::check_token(&tokens, event("check_token", &token))
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the token of the lost table");
}

#[tokio::test]
async fn a_frozen_dynamodb_is_503_within_the_sdk_timeout_and_the_same_instance_recovers() {
    let local = PrivateDynamoDb::start();
    let (tokens, clock, token) = warm_tokens(&local).await;
    clock.advance(wynacom::token::VALIDATION_CACHE_SECONDS + 1);

    // SIGSTOP: connections are accepted by the kernel but never answered; only the SDK's
    // attempt and operation timeouts end the wait.
    let child = local.process();
    signal(child, "STOP");
    let started = Instant::now();
    let (generate, check, setting) = tokio::join!(
        endpoints::generate_token(&tokens, event("generate_token", "")),
        endpoints::check_token(&tokens, event("check_token", &token)),
        endpoints::token_setting(&tokens, event("token_setting", "")),
    );
    let took = started.elapsed();
    signal(child, "CONT");
    for (what, resp) in [
        ("generate_token", generate.unwrap()),
        ("check_token", check.unwrap()),
        ("token_setting", setting.unwrap()),
    ] {
        assert_unavailable(&format!("{what} while frozen"), &resp);
    }
    assert!(took < DYNAMODB_OPERATION + SLACK, "took {took:?}");
    eprintln!("three endpoints while frozen: 503 after {took:?}");

    // Thawed: the same table, the same token.
    let (again, rounds) = until_200(&tokens, "check_token", &token).await;
    eprintln!("recovered on round {rounds} after the thaw");
    assert_eq!(again["token_id"], 1);
    for (what, resp, _) in token_endpoints(&tokens, &token).await {
        ok_data(&format!("{what} after the thaw"), &resp);
    }
}
