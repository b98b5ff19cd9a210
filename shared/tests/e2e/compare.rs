//! scripts/compare between two local APIs of the release binaries, each on a demo database of
//! its own that differs from the other as the case says (`compare::...`, run when
//! `WYNACOM_RELEASE_API=1`, as the rotation trial; docs/CUTOVER.md says what compare does).

use crate::{
    app::{Data, TestApp, root},
    local_api::LocalApi,
    rotation::RELEASE_API,
};
use libtest_mimic::{Failed, Trial};
use mysql_async::prelude::Queryable;
use serde_json::{Value, json};
use std::{
    process::Command,
    time::{Duration, Instant},
};

type Case = fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Failed>>>>;

pub fn trials() -> Vec<Trial> {
    let ignored = crate::variable(RELEASE_API).is_none_or(|v| v != "1");
    let cases: [(&str, Case); 7] = [
        ("the_same_database_on_both_sides_reports_nothing", || {
            Box::pin(the_same_database_on_both_sides_reports_nothing())
        }),
        (
            "a_changed_glucose_value_is_named_by_order_endpoint_and_field",
            || Box::pin(a_changed_glucose_value_is_named_by_order_endpoint_and_field()),
        ),
        ("a_removed_sampling_row_is_a_difference", || {
            Box::pin(a_removed_sampling_row_is_a_difference())
        }),
        ("the_same_rows_in_another_order_are_order", || {
            Box::pin(the_same_rows_in_another_order_are_order())
        }),
        (
            "a_side_answering_503_for_a_while_is_counted_as_errors",
            || Box::pin(a_side_answering_503_for_a_while_is_counted_as_errors()),
        ),
        ("a_record_changed_between_the_calls_is_noise", || {
            Box::pin(a_record_changed_between_the_calls_is_noise())
        }),
        (
            "an_unreachable_side_stops_the_comparison_with_exit_2",
            || Box::pin(an_unreachable_side_stops_the_comparison_with_exit_2()),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, case)| {
            Trial::test(format!("compare::{name}"), move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(case())
            })
            .with_ignored_flag(ignored)
        })
        .collect()
}

/// A local API on a demo database of its own, changed by `sql` first.
struct Side {
    api: LocalApi,
    _app: TestApp,
}

impl Side {
    async fn start(sql: &[&str]) -> Self {
        Self::start_at(sql, None).await
    }

    /// With `database_url`, the functions reach the database there (e.g. through a proxy).
    async fn start_at(sql: &[&str], database_url: Option<String>) -> Self {
        let app = TestApp::with_database(Data::Demo).await;
        let mut conn = app.db().admin_conn().await;
        for statement in sql {
            conn.query_drop(*statement).await.unwrap();
        }
        drop(conn);
        let url = database_url.unwrap_or_else(|| app.db().url.clone());
        let api = LocalApi::start_release(&[("DATABASE_URL", &url)]).await;
        Self { api, _app: app }
    }
}

/// What one run of scripts/compare said.
struct Run {
    code: i32,
    stdout: String,
    report: Vec<Value>,
}

impl Run {
    /// The summary's count of `kind` for `endpoint`.
    fn count(&self, endpoint: &str, kind: &str) -> u64 {
        let kinds: Vec<&str> = self
            .stdout
            .lines()
            .find(|l| l.starts_with("endpoint"))
            .map(|l| l.split_whitespace().skip(1).collect())
            .unwrap_or_default();
        let column = kinds
            .iter()
            .position(|k| *k == kind)
            .expect("a kind of the summary");
        self.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(endpoint))
            .and_then(|l| l.split_whitespace().nth(column + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {endpoint} line in\n{}", self.stdout))
    }
}

/// Every lab number of the demo (db/expected.json), one that does not exist included.
fn orders() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("db/expected.json")).unwrap();
    let expected: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    expected.keys().cloned().collect()
}

/// scripts/compare of every demo lab number, at `rate` requests a second per side.
fn compare(old: &str, new: &str, rate: u32) -> Run {
    let dir = std::env::temp_dir();
    let stamp = format!("{}-{}", std::process::id(), crate::app::free_port());
    let orders_file = dir.join(format!("wynacom-compare-{stamp}.orders"));
    let report_file = dir.join(format!("wynacom-compare-{stamp}.jsonl"));
    std::fs::write(&orders_file, orders().join("\n") + "\n").unwrap();
    let out = Command::new(root().join("scripts/compare"))
        .args(["--old", old, "--new", new, "--concurrency", "4"])
        .args(["--rate", &rate.to_string()])
        .arg("--orders")
        .arg(&orders_file)
        .arg("--report")
        .arg(&report_file)
        .output()
        .expect("scripts/compare runs");
    let report = std::fs::read_to_string(&report_file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON report line"))
        .collect();
    let _ = std::fs::remove_file(&orders_file);
    let _ = std::fs::remove_file(&report_file);
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        report,
    };
    eprintln!(
        "scripts/compare exit {}\n{}{}",
        run.code,
        run.stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

fn check(ok: bool, what: &str, run: &Run) -> Result<(), Failed> {
    match ok {
        true => Ok(()),
        false => Err(format!("{what}; report {:#?}", run.report).into()),
    }
}

async fn the_same_database_on_both_sides_reports_nothing() -> Result<(), Failed> {
    let (old, new) = tokio::join!(Side::start(&[]), Side::start(&[]));
    let run = compare(&old.api.base, &new.api.base, 20);
    let n = orders().len() as u64;
    check(run.code == 0, "exit 0", &run)?;
    check(run.report.is_empty(), "an empty report", &run)?;
    check(
        run.count("sampling_timestamp", "same") == n && run.count("glucose", "same") == n,
        "every comparison same",
        &run,
    )
}

async fn a_changed_glucose_value_is_named_by_order_endpoint_and_field() -> Result<(), Failed> {
    let (old, new) = tokio::join!(
        Side::start(&[]),
        // R2606110002's current 2 Jam PP result (db/expected.md): "120" -> "121".
        Side::start(&[
            "UPDATE order_glucose SET OrderGlucoseResult = '121' WHERE OrderGlucoseID = 2"
        ])
    );
    let run = compare(&old.api.base, &new.api.base, 20);
    check(run.code == 1, "exit 1", &run)?;
    let want = json!([{
        "order": "R2606110002", "endpoint": "glucose", "result": "different",
        "old_status": 200, "new_status": 200,
        "differences": [{"path": "$.data[0].result_glucosa", "old": "120", "new": "121"}],
    }]);
    check(
        Value::Array(run.report.clone()) == want,
        "exactly that field",
        &run,
    )
}

async fn a_removed_sampling_row_is_a_difference() -> Result<(), Failed> {
    let (old, new) = tokio::join!(
        Side::start(&[]),
        // R2606110006's Thorax PA row (t_samplingso 4) gone on the new side.
        Side::start(&["DELETE FROM t_samplingso WHERE T_SamplingSoID = 4"])
    );
    let run = compare(&old.api.base, &new.api.base, 20);
    check(run.code == 1, "exit 1", &run)?;
    check(run.report.len() == 1, "one report line", &run)?;
    let line = &run.report[0];
    let diffs = line["differences"].as_array().cloned().unwrap_or_default();
    check(
        line["order"] == "R2606110006"
            && line["endpoint"] == "sampling_timestamp"
            && line["result"] == "different"
            && diffs.len() == 1
            && diffs[0]["new"] == "(absent)"
            && diffs[0]["old"]["cpone_test_name"] == "Thorax PA",
        "the Thorax PA row, absent on the new side",
        &run,
    )
}

/// Two serum tubes of R2606110003 checked in at the same second at the same station give rows
/// equal in every sort key, ordered by tube id; the new side swaps the tubes' steps, so the
/// same rows come in another order.
async fn the_same_rows_in_another_order_are_order() -> Result<(), Failed> {
    const BOTH: &str = "UPDATE t_ordersample SET T_OrderSampleIsActive = 'Y', \
        T_OrderSampleSamplingTime = '07:53:45', T_OrderSampleSamplingUserID = 125 \
        WHERE T_OrderSampleID = 4";
    let (old, new) = tokio::join!(
        Side::start(&[BOTH]),
        Side::start(&[
            BOTH,
            "UPDATE t_ordersample SET T_OrderSampleSamplingUserID = 123, \
             T_OrderSampleReceive = 'Y', T_OrderSampleReceiveDate = '2026-06-11', \
             T_OrderSampleReceiveTime = '08:05:30', T_OrderSampleReceiveUserID = 124 \
             WHERE T_OrderSampleID = 4",
            "UPDATE t_ordersample SET T_OrderSampleSamplingUserID = 125, \
             T_OrderSampleReceive = 'N', T_OrderSampleReceiveDate = NULL, \
             T_OrderSampleReceiveTime = NULL, T_OrderSampleReceiveUserID = NULL \
             WHERE T_OrderSampleID = 5",
        ])
    );
    let run = compare(&old.api.base, &new.api.base, 20);
    check(
        run.code == 0,
        "exit 0: another order is not a difference of data",
        &run,
    )?;
    let want = json!([{
        "order": "R2606110003", "endpoint": "sampling_timestamp", "result": "order",
        "old_status": 200, "new_status": 200,
    }]);
    check(
        Value::Array(run.report.clone()) == want,
        "one order line",
        &run,
    )
}

/// The new side's database is unreachable for a while: a proxy in front of MariaDB closes the
/// first connections it gets (each failed request tries twice: its pooled connection, then a
/// new one), then forwards. Those answers are 503, counted as errors, each naming its side; the
/// run goes on, and ends.
async fn a_side_answering_503_for_a_while_is_counted_as_errors() -> Result<(), Failed> {
    const REFUSED: u32 = 6;
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = proxy.local_addr().unwrap().port();
    let forward = tokio::spawn(async move {
        let mut refused = 0;
        loop {
            let Ok((mut client, _)) = proxy.accept().await else {
                return;
            };
            if refused < REFUSED {
                refused += 1;
                drop(client);
                continue;
            }
            tokio::spawn(async move {
                if let Ok(mut server) = tokio::net::TcpStream::connect("127.0.0.1:3306").await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    let old = Side::start(&[]).await;
    let new_app = TestApp::with_database(Data::Demo).await;
    let url = format!("mysql://root@127.0.0.1:{port}/{}", new_app.db().name);
    let new = LocalApi::start_release(&[("DATABASE_URL", &url)]).await;
    let started = Instant::now();
    // The run must end by itself, within bounds, whatever the new side answers.
    let run = tokio::task::spawn_blocking({
        let (old, new) = (old.api.base.clone(), new.base.clone());
        move || compare(&old, &new, 20)
    })
    .await
    .unwrap();
    forward.abort();
    let n = orders().len() as u64;
    let errors = run.count("sampling_timestamp", "error") + run.count("glucose", "error");
    let same = run.count("sampling_timestamp", "same") + run.count("glucose", "same");
    check(run.code == 1, "exit 1", &run)?;
    check(errors >= 1, "503s counted as errors", &run)?;
    check(errors + same == 2 * n, "every other comparison same", &run)?;
    check(same >= 1, "answers again once the database is back", &run)?;
    check(
        run.report
            .iter()
            .filter(|l| l["result"] == "error")
            .all(|l| {
                l["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("new: HTTP 503"))
            }),
        "each error says which side and why",
        &run,
    )?;
    check(
        started.elapsed() < Duration::from_secs(120),
        "no hang",
        &run,
    )
}

/// The old side's R2606110002 glucose result changes on every read (a view over the table):
/// asked again, the old side answers otherwise, so the difference is noise.
async fn a_record_changed_between_the_calls_is_noise() -> Result<(), Failed> {
    let (old, new) = tokio::join!(
        Side::start(&[
            "RENAME TABLE order_glucose TO order_glucose_rows",
            "CREATE VIEW order_glucose AS SELECT OrderGlucoseID, OrderGlucoseT_OrderHeaderID, \
             OrderGlucoseNat_TestID, IF(OrderGlucoseT_OrderHeaderID = 2, \
             CONCAT(OrderGlucoseResult, '.', FLOOR(RAND() * 1000000)), OrderGlucoseResult) \
             AS OrderGlucoseResult FROM order_glucose_rows",
        ]),
        Side::start(&[])
    );
    let run = compare(&old.api.base, &new.api.base, 20);
    check(run.code == 0, "exit 0: noise is not a difference", &run)?;
    check(
        run.report.len() == 1
            && run.report[0]["order"] == "R2606110002"
            && run.report[0]["endpoint"] == "glucose"
            && run.report[0]["result"] == "noise",
        "one noise line",
        &run,
    )
}

async fn an_unreachable_side_stops_the_comparison_with_exit_2() -> Result<(), Failed> {
    let new = Side::start(&[]).await;
    let dead = format!(
        "http://127.0.0.1:{}/one-api/tools/wynacom",
        crate::app::free_port()
    );
    let run = compare(&dead, &new.api.base, 20);
    check(run.code == 2, "exit 2", &run)?;
    check(run.report.is_empty(), "no report", &run)
}
