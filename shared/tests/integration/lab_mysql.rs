//! The lab queries and endpoints against the real MariaDB, each test in a database of its own
//! made from db/schema.sql and db/demo.sql. The expected rows of every demo order are in
//! db/expected.json (explained order by order in db/expected.md).

use crate::app::{Data, DbUser, MYSQL_8_SQL_MODE, TestApp};
use mysql_async::prelude::Queryable;
use serde_json::{Value, json};
use std::{sync::Arc, time::Instant};
use wynacom::{
    backend::BackendError,
    clock::ManualClock,
    endpoints,
    lab::{LabSource, database::Database},
    testing::{body_json, event, event_text},
    token::{Tokens, memory::MemoryStore},
};

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../db/expected.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn tokens() -> (Tokens<MemoryStore>, String) {
    let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
    let tokens = Tokens::new(
        MemoryStore::new(),
        Arc::new(ManualClock::at(1_782_010_800)),
        tz,
    );
    let token = tokens.generate().await.unwrap().access_token;
    (tokens, token)
}

#[tokio::test]
async fn every_demo_order_gives_exactly_the_expected_rows() {
    let app = TestApp::with_database(Data::Demo).await;
    expected_rows(&app.db().database()).await;
}

/// The same rows under MySQL 8.0's default sql_mode (strict, no zero dates), the legacy rows
/// with zero dates included: the SQL's own rule makes them null, not the engine.
#[tokio::test]
async fn every_demo_order_gives_the_same_rows_under_mysql_8s_sql_mode() {
    let app = TestApp::with_database(Data::Demo).await;
    let lab = app.db().database_under(MYSQL_8_SQL_MODE);
    let mut conn = lab.pool().get_conn().await.unwrap();
    let mode: String = conn
        .query_first("SELECT @@SESSION.sql_mode")
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    assert!(
        mode.contains("NO_ZERO_DATE") && mode.contains("STRICT_TRANS_TABLES"),
        "{mode}"
    );
    expected_rows(&lab).await;
}

/// Zero dates ('0000-00-00', a zero month or day) are "not done": null, like NULL.
#[tokio::test]
async fn legacy_zero_dates_answer_null_under_both_sql_modes() {
    let want = expected();
    let rows = want["R2606110010"]["sampling_timestamp"]
        .as_array()
        .unwrap();
    let nulls = rows
        .iter()
        .flat_map(|r| ["sampling_check_in_datetime", "sampling_check_out_datetime"].map(|k| &r[k]))
        .filter(|v| v.is_null())
        .count();
    assert_eq!(
        nulls, 6,
        "db/expected.md, R2606110010: every zero date is null"
    );
    let app = TestApp::with_database(Data::Demo).await;
    let mut conn = app.db().admin_conn().await;
    let zero: u64 = conn
        .query_first(
            "SELECT COUNT(*) FROM t_ordersample JOIN t_orderheader ON T_OrderHeaderID = \
             T_OrderSampleT_OrderHeaderID WHERE T_OrderHeaderLabNumber = 'R2606110010' \
             AND (MONTH(T_OrderSampleSamplingDate) = 0 OR DAYOFMONTH(T_OrderSampleReceiveDate) = 0)",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(zero, 2, "the demo's legacy tubes hold zero dates");
    for lab in [
        app.db().database(),
        app.db().database_under(MYSQL_8_SQL_MODE),
    ] {
        let got = lab.sampling("R2606110010").await.unwrap();
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            Value::Array(rows.clone())
        );
    }
}

async fn expected_rows(lab: &Database) {
    for (lab_number, want) in expected() {
        let sampling = lab.sampling(&lab_number).await.unwrap();
        assert_eq!(
            serde_json::to_value(&sampling).unwrap(),
            want["sampling_timestamp"],
            "sampling {lab_number}"
        );
        let glucose = lab.glucose(&lab_number).await.unwrap();
        assert_eq!(
            serde_json::to_value(&glucose).unwrap(),
            want["glucose"],
            "glucose {lab_number}"
        );
    }
}

#[tokio::test]
async fn the_demo_covers_found_empty_and_not_found() {
    let want = expected();
    let sampling = |n: &str| want[n]["sampling_timestamp"].clone();
    assert!(
        sampling("R2606110001")
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert_eq!(
        sampling("R2606110008"),
        json!([]),
        "order with no sampling yet"
    );
    assert_eq!(sampling("R2606110007"), Value::Null, "cancelled order");
    assert_eq!(sampling("R2606119999"), Value::Null, "no order");
}

#[tokio::test]
async fn the_endpoints_answer_from_the_database_in_every_body_form() {
    let app = TestApp::with_database(Data::Demo).await;
    let db = app.db();
    let lab = db.database();
    let (tokens, token) = tokens().await;
    let want = expected();
    for name in [
        "sampling_timestamp",
        "sampling_timestamp-form-alias",
        "sampling_timestamp-base64",
        "sampling_timestamp-query-string",
    ] {
        let resp = endpoints::sampling_timestamp(&tokens, &lab, event(name, &token))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{name}");
        assert_eq!(
            body_json(&resp),
            json!({"status": "OK", "data": want["R2606110001"]["sampling_timestamp"]}),
            "{name}"
        );
    }
    for name in ["glucose", "glucose-alias"] {
        let resp = endpoints::glucose(&tokens, &lab, event(name, &token))
            .await
            .unwrap();
        assert_eq!(
            body_json(&resp),
            json!({"status": "OK", "data": want["R2606110002"]["glucose"]}),
            "{name}"
        );
    }
    // A lab number sent as a JSON number, padded with blanks, under each alias.
    for body in [
        r#"{"nolab":"  R2606110008 "}"#,
        r#"{"orderNumber":"R2606110008"}"#,
    ] {
        let text = event_text("glucose", &token).replace(
            &serde_json::to_string(r#"{"T_OrderHeaderLabNumber":"R2606110002"}"#).unwrap(),
            &serde_json::to_string(body).unwrap(),
        );
        let resp = endpoints::glucose(
            &tokens,
            &lab,
            lambda_http::request::from_str(&text).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            body_json(&resp),
            json!({"status": "OK", "data": []}),
            "{body}"
        );
    }
    for (name, status, message) in [
        (
            "sampling_timestamp-not-found",
            404,
            "Order tidak ditemukan: R9999999999",
        ),
        (
            "glucose-not-found",
            404,
            "Order tidak ditemukan: R9999999999",
        ),
        (
            "sampling_timestamp-missing-number",
            400,
            "Parameter T_OrderHeaderLabNumber wajib diisi",
        ),
        (
            "glucose-invalid-number",
            400,
            "Parameter T_OrderHeaderLabNumber tidak valid",
        ),
    ] {
        let resp = if name.starts_with("glucose") {
            endpoints::glucose(&tokens, &lab, event(name, &token)).await
        } else {
            endpoints::sampling_timestamp(&tokens, &lab, event(name, &token)).await
        }
        .unwrap();
        assert_eq!(resp.status(), status, "{name}");
        assert_eq!(body_json(&resp)["message"], message, "{name}");
    }
}

#[tokio::test]
async fn injection_looking_input_is_just_an_unknown_lab_number() {
    let app = TestApp::with_database(Data::Demo).await;
    let db = app.db();
    let lab = db.database();
    for input in [
        "R2606110001' OR '1'='1",
        "R2606110001\" OR \"1\"=\"1",
        "x'; DROP TABLE t_orderheader; --",
        "R260611000%",
        "R260611000_",
        "' UNION SELECT 'order',1,2,3,4,5,6,7,8,9 -- ",
        "\\' OR 1=1 #",
    ] {
        assert_eq!(lab.sampling(input).await.unwrap(), None, "{input}");
        assert_eq!(lab.glucose(input).await.unwrap(), None, "{input}");
    }
    let mut conn = db.admin_conn().await;
    let count: Option<i64> = conn
        .query_first("SELECT COUNT(*) FROM t_orderheader")
        .await
        .unwrap();
    assert!(count.unwrap() >= 9);
}

/// Order-sized tables: their rows grow with the number of orders.
const ORDER_SIZED: [&str; 6] = [
    "t_orderheader",
    "t_orderdetail",
    "t_ordersample",
    "t_samplingso",
    "t_order_location",
    "order_glucose",
];

/// Adds `orders` filler orders (with details, tubes, non-lab rows, rooms and glucose rows) so
/// the optimizer sees realistic table sizes.
async fn add_filler(conn: &mut mysql_async::Conn, orders: u32) {
    let seq = format!(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {orders})"
    );
    // MariaDB stops recursive CTEs at 1000 rows by default.
    conn.query_drop("SET SESSION max_recursive_iterations = 10000000")
        .await
        .unwrap();
    for sql in [
        format!(
            "INSERT INTO t_orderheader (T_OrderHeaderID, T_OrderHeaderLabNumber, T_OrderHeaderDate, T_OrderHeaderIsActive) {seq} SELECT 1000000 + n, CONCAT('F', 1000000 + n), '2026-06-01 08:00:00', 'Y' FROM seq"
        ),
        format!(
            "INSERT INTO t_orderdetail (T_OrderDetailT_OrderHeaderID, T_OrderDetailT_TestID, T_OrderDetailIsActive) {seq} SELECT 1000000 + n, t.T_TestID, 'Y' FROM seq JOIN (SELECT T_TestID FROM t_test ORDER BY T_TestID LIMIT 3) t"
        ),
        format!(
            "INSERT INTO t_ordersample (T_OrderSampleT_OrderHeaderID, T_OrderSampleT_SampleTypeID, T_OrderSampleSampling, T_OrderSampleIsActive) {seq} SELECT 1000000 + n, st.T_SampleTypeID, 'N', 'Y' FROM seq JOIN (SELECT T_SampleTypeID FROM t_sampletype ORDER BY T_SampleTypeID LIMIT 2) st"
        ),
        format!(
            "INSERT INTO t_samplingso (T_SamplingSoT_OrderHeaderID, T_SamplingSoT_TestID, T_SamplingSoFlag, T_SamplingSoIsActive) {seq} SELECT 1000000 + n, (SELECT MIN(T_TestID) FROM t_test), 'N', 'Y' FROM seq"
        ),
        format!(
            "INSERT INTO t_order_location (T_OrderLocationT_OrderHeaderID, T_OrderLocationT_SampleStationID, T_OrderLocationM_LocationID, T_OrderLocationIsActive) {seq} SELECT 1000000 + n, 1, 1, 'Y' FROM seq"
        ),
        format!(
            "INSERT INTO order_glucose (OrderGlucoseT_OrderHeaderID, OrderGlucoseNat_TestID, OrderGlucoseResult) {seq} SELECT 1000000 + n, 250, '99' FROM seq"
        ),
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    conn.query_drop(format!("ANALYZE TABLE {}", ORDER_SIZED.join(", ")))
        .await
        .unwrap();
}

#[tokio::test]
async fn explain_shows_index_lookups_on_the_order_for_every_order_sized_table() {
    let app = TestApp::with_database(Data::Demo).await;
    let db = app.db();
    let mut conn = db.admin_conn().await;
    add_filler(&mut conn, 5000).await;
    for (name, sql) in [
        ("sampling_timestamp", wynacom::lab::mysql::SAMPLING_SQL),
        ("glucose", wynacom::lab::mysql::GLUCOSE_SQL),
    ] {
        let binds = wynacom::lab::mysql::lab_number_params("R2606110003");
        let plan: Vec<mysql_async::Row> = conn.exec(format!("EXPLAIN {sql}"), binds).await.unwrap();
        let mut seen = vec![];
        for row in &plan {
            let table: Option<String> = row.get_opt("table").and_then(Result::ok).flatten();
            let access: Option<String> = row.get_opt("type").and_then(Result::ok).flatten();
            let key: Option<String> = row.get_opt("key").and_then(Result::ok).flatten();
            let Some(table) = table else { continue };
            let real = ORDER_SIZED
                .iter()
                .find(|t| table == **t || table.starts_with(&format!("{t} ")));
            // EXPLAIN names tables by their alias in the SQL; map aliases to tables.
            let real = real.copied().or(match table.as_str() {
                "oh" => Some("t_orderheader"),
                "od" | "od2" => Some("t_orderdetail"),
                "os" => Some("t_ordersample"),
                "so" => Some("t_samplingso"),
                "ol" => Some("t_order_location"),
                "g" | "latest" => Some("order_glucose"),
                _ => None,
            });
            if let Some(real) = real {
                let access = access.unwrap_or_default();
                assert!(
                    access != "ALL" && access != "index" && key.is_some(),
                    "{name}: {real} (as {table}) is read by {access} with key {key:?}, not an index lookup on the order"
                );
                seen.push(real);
            }
        }
        let must_see: &[&str] = if name == "glucose" {
            &["t_orderheader", "order_glucose", "t_orderdetail"]
        } else {
            &[
                "t_orderheader",
                "t_orderdetail",
                "t_ordersample",
                "t_samplingso",
                "t_order_location",
            ]
        };
        for table in must_see {
            assert!(seen.contains(table), "{name}: {table} not in plan {seen:?}");
        }
    }
}

#[tokio::test]
async fn a_killed_pooled_connection_is_retried_on_a_fresh_one() {
    let app = TestApp::with_database(Data::Demo).await;
    let db = app.db();
    let lab = db.database();
    assert!(lab.sampling("R2606110001").await.unwrap().is_some());
    // The pool now holds one idle connection: find its id and kill it server-side.
    let id: u32 = {
        let mut conn = lab.pool().get_conn().await.unwrap();
        conn.query_first("SELECT CONNECTION_ID()")
            .await
            .unwrap()
            .unwrap()
    };
    let mut admin = db.admin_conn().await;
    admin.query_drop(format!("KILL {id}")).await.unwrap();
    drop(admin);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    for _ in 0..3 {
        let rows = lab
            .sampling("R2606110001")
            .await
            .expect("the request after a KILL succeeds");
        assert_eq!(rows.map(|r| r.len()), Some(1));
    }
}

#[tokio::test]
async fn an_unreachable_database_is_503_within_seconds() {
    let lab = Database::new(
        mysql_async::OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(9)
            .user(Some("x")),
        wynacom::config::TlsMode::Off,
    );
    let started = Instant::now();
    let err = lab.sampling("R2606110001").await.unwrap_err();
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < wynacom::lab::database::DEADLINE + std::time::Duration::from_secs(1)
    );
}

#[tokio::test]
async fn a_query_slower_than_the_timeout_is_503_not_a_hang() {
    let app = TestApp::with_database(Data::SchemaOnly).await;
    let db = app.db();
    let lab = db.database();
    let started = Instant::now();
    let err = lab
        .rows("SELECT SLEEP(20) AS row_kind", mysql_async::Params::Empty)
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < wynacom::lab::database::DEADLINE + std::time::Duration::from_secs(1)
    );
}

#[tokio::test]
async fn tls_modes_never_fall_back_to_plain_text() {
    // The machine's MariaDB has no TLS: with TLS required the connection must fail (503),
    // not silently continue unencrypted.
    let app = TestApp::with_database(Data::Demo).await;
    let db = app.db();
    let any_ca = wynacom::lab::database::RDS_CA_BUNDLE.into();
    for tls in [
        wynacom::config::TlsMode::Rds,
        wynacom::config::TlsMode::Public,
        wynacom::config::TlsMode::CaFile(any_ca),
    ] {
        let lab = Database::new(
            mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(&db.url).unwrap()),
            tls.clone(),
        );
        let err = lab.sampling("R2606110001").await.unwrap_err();
        assert!(
            matches!(err, BackendError::Unavailable(_)),
            "{tls:?}: {err:?}"
        );
    }
}

/// The account's connection limit reached (MAX_USER_CONNECTIONS, as the DBA sets it): 503 and
/// "try again", not a 500.
#[tokio::test]
async fn the_accounts_connection_limit_is_unavailable_not_failed() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = DbUser::create(
        app.db(),
        "0ne-conn-pw",
        &["SELECT ON {db}.*"],
        "WITH MAX_USER_CONNECTIONS 1",
    )
    .await;
    // TCP only: on loopback mysql_async would move a connection to the Unix socket, which is
    // another account ('user'@'localhost') with a limit of its own.
    let url = format!("{}?prefer_socket=false", user.url());
    let mut holder = mysql_async::Conn::from_url(&url).await.unwrap();
    let lab = Database::new(
        mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(&url).unwrap()),
        wynacom::config::TlsMode::Off,
    );
    match lab.sampling("R2606110001").await {
        Err(BackendError::Unavailable(cause)) => assert!(cause.contains("1226"), "{cause}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
    holder.ping().await.unwrap();
    drop(holder);
}
