//! The preflight (wynacom::preflight) against the real services: ready on the demo database and
//! a fresh token table; each broken variant reported by its check's name.

use crate::app::{Data, DbUser, TestApp, dynamodb_endpoint, local_aws};
use aws_sdk_dynamodb::types::TimeToLiveSpecification;
use mysql_async::prelude::Queryable;
use wynacom::preflight::{Options, Report, Status};

/// The report for the database at `database_url` and the token table `table`, with the
/// functions' variables as a deploy sets them.
async fn preflight(database_url: &str, table: &str) -> Report {
    let aws = local_aws(&dynamodb_endpoint()).await;
    let vars = [
        ("TOKEN_TABLE_NAME", table.to_string()),
        ("DATABASE_URL", database_url.to_string()),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_endpoint()),
        ("LAB_RESERVED_CONCURRENCY", "10".to_string()),
    ];
    let env = move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    wynacom::preflight::run(&aws, &env, &Options::default()).await
}

fn status(report: &Report, check: &str) -> Status {
    report
        .get(check)
        .unwrap_or_else(|| panic!("no check {check:?} in\n{}", report.table()))
        .status
}

fn assert_reports(report: &Report, check: &str, want: Status, words: &str) {
    let c = report
        .get(check)
        .unwrap_or_else(|| panic!("no check {check:?} in\n{}", report.table()));
    assert_eq!(c.status, want, "{check}:\n{}", report.table());
    assert!(
        c.detail.contains(words),
        "{check}: {:?} lacks {words:?}",
        c.detail
    );
}

/// The preflight's report on a demo database changed by `sql` (as root), with the test's own
/// token table; the app, for more.
async fn broken(sql: &str) -> (TestApp, Report) {
    let app = TestApp::with_database(Data::Demo).await;
    app.db().admin_conn().await.query_drop(sql).await.unwrap();
    let report = preflight(&app.db().url, &app.table.name).await;
    (app, report)
}

/// The functions' read-only user (docs/DEPLOY.md, "The database user"), on the demo database.
async fn reader(app: &TestApp) -> DbUser {
    DbUser::create(app.db(), "Rd-0nly-pw", &["SELECT ON {db}.*"], "").await
}

#[tokio::test]
async fn the_demo_database_with_a_read_only_user_is_ready_and_every_check_ok() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = reader(&app).await;
    let report = preflight(&user.url(), &app.table.name).await;
    assert!(report.ready, "{}", report.table());
    let not_ok: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| c.name.as_str())
        .collect();
    // Plain text is the only warning: the local MariaDB speaks no TLS.
    assert_eq!(not_ok, ["connection"], "{}", report.table());
    for check in [
        "build",
        "token table",
        "token table TTL",
        "token setting",
        "table t_ordersample",
        "index t_orderheader(T_OrderHeaderLabNumber)",
        "privileges",
        "connections",
        "plan sampling_timestamp",
        "plan glucose",
        "time sampling_timestamp",
        "time glucose",
    ] {
        assert_eq!(status(&report, check), Status::Ok, "{check}");
    }
    // Never a password, and never the lab number it used.
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !json.contains("Rd-0nly-pw") && !json.contains("R2606110010"),
        "{json}"
    );
}

#[tokio::test]
async fn a_dropped_index_fails_by_name() {
    let (_app, report) =
        broken("DROP INDEX idx_T_OrderSampleT_OrderHeaderID ON t_ordersample").await;
    assert!(!report.ready);
    assert_reports(
        &report,
        "index t_ordersample(T_OrderSampleT_OrderHeaderID)",
        Status::Fail,
        "CREATE INDEX idx_T_OrderSampleT_OrderHeaderID ON t_ordersample",
    );
}

#[tokio::test]
async fn a_renamed_column_fails_by_name_and_the_statements_are_not_run() {
    let (_app, report) = broken(
        "ALTER TABLE t_ordersample CHANGE T_OrderSampleReceiveDate T_OrderSampleReceivedDate DATE",
    )
    .await;
    assert!(!report.ready);
    assert_reports(
        &report,
        "table t_ordersample",
        Status::Fail,
        "column T_OrderSampleReceiveDate is missing",
    );
    assert_reports(&report, "statements", Status::Fail, "not run");
}

#[tokio::test]
async fn a_column_of_another_type_fails_by_name() {
    let (_app, report) =
        broken("ALTER TABLE t_samplingso MODIFY T_SamplingSoDoneDate DATETIME").await;
    assert_reports(
        &report,
        "table t_samplingso",
        Status::Fail,
        "T_SamplingSoDoneDate is datetime",
    );
}

#[tokio::test]
async fn a_user_that_may_insert_is_warned_by_privilege() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = DbUser::create(
        app.db(),
        "Wr1te-pw",
        &["SELECT ON {db}.*", "INSERT ON {db}.order_glucose"],
        "",
    )
    .await;
    let report = preflight(&user.url(), &app.table.name).await;
    assert!(
        report.ready,
        "a warning, not a failure:\n{}",
        report.table()
    );
    assert_reports(&report, "privileges", Status::Warn, "INSERT on");
}

#[tokio::test]
async fn a_user_without_select_on_one_table_fails_by_table() {
    let app = TestApp::with_database(Data::Demo).await;
    let grants: Vec<String> = wynacom::lab::schema::TABLES
        .iter()
        .filter(|t| t.name != "nat_testmap")
        .map(|t| format!("SELECT ON {{db}}.{}", t.name))
        .collect();
    let grants: Vec<&str> = grants.iter().map(String::as_str).collect();
    let user = DbUser::create(app.db(), "N0-map-pw", &grants, "").await;
    let report = preflight(&user.url(), &app.table.name).await;
    assert!(!report.ready);
    assert_reports(
        &report,
        "table nat_testmap",
        Status::Fail,
        "no SELECT on nat_testmap",
    );
    assert_eq!(status(&report, "table t_orderheader"), Status::Ok);
}

#[tokio::test]
async fn a_connection_limit_below_the_functions_needs_is_warned() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = DbUser::create(
        app.db(),
        "L1mit-pw",
        &["SELECT ON {db}.*"],
        "WITH MAX_USER_CONNECTIONS 5",
    )
    .await;
    let report = preflight(&user.url(), &app.table.name).await;
    assert_reports(&report, "connections", Status::Warn, "may open 40");
}

#[tokio::test]
async fn a_missing_token_table_fails_by_name() {
    let app = TestApp::with_database(Data::Demo).await;
    let report = preflight(&app.db().url, "wyn_no_such_table").await;
    assert!(!report.ready);
    assert_reports(
        &report,
        "token table",
        Status::Fail,
        "wyn_no_such_table does not exist",
    );
}

#[tokio::test]
async fn ttl_off_is_warned() {
    let app = TestApp::with_database(Data::Demo).await;
    let off = TimeToLiveSpecification::builder()
        .attribute_name("ttl")
        .enabled(false)
        .build()
        .unwrap();
    app.table
        .client
        .update_time_to_live()
        .table_name(&app.table.name)
        .time_to_live_specification(off)
        .send()
        .await
        .unwrap();
    let report = preflight(&app.db().url, &app.table.name).await;
    assert!(
        report.ready,
        "a warning, not a failure:\n{}",
        report.table()
    );
    assert_reports(
        &report,
        "token table TTL",
        Status::Warn,
        "enable TTL on the attribute ttl",
    );
}

/// A full scan of a large order-sized table without a usable index fails the plan; the same
/// scan on a small table does not cry wolf (the index check names the cause there).
#[tokio::test]
async fn a_full_scan_fails_on_a_large_table_and_is_only_noted_on_a_small_one() {
    let app = TestApp::with_database(Data::Demo).await;
    let mut conn = app.db().admin_conn().await;
    conn.query_drop("DROP INDEX idx_OrderGlucoseT_OrderHeaderID ON order_glucose")
        .await
        .unwrap();
    let small = preflight(&app.db().url, &app.table.name).await;
    assert_ne!(
        status(&small, "plan glucose"),
        Status::Fail,
        "{}",
        small.table()
    );
    // 20,000 glucose rows of other orders.
    conn.query_drop(
        "INSERT INTO order_glucose (OrderGlucoseT_OrderHeaderID, OrderGlucoseNat_TestID, \
         OrderGlucoseResult) SELECT 100000 + a.seq * 200 + b.seq, 250, '99' FROM \
         seq_0_to_99 a, seq_0_to_199 b",
    )
    .await
    .unwrap();
    conn.query_drop("ANALYZE TABLE order_glucose")
        .await
        .unwrap();
    let large = preflight(&app.db().url, &app.table.name).await;
    assert_reports(
        &large,
        "plan glucose",
        Status::Fail,
        "order_glucose read by a full scan",
    );
}
