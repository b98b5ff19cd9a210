//! /glucose: the latest `order_glucose` result per glucose test of one order, in one
//! statement (`glucose.sql`, rules in its comments and in lab-schema.md).

use super::{GlucoseRow, database::Database, query_rows};
use crate::ApiError;
use mysql_async::Row;

pub const SQL: &str = include_str!("glucose.sql");
/// How many `?` the statement has (all bound to the lab number), counted at compile time.
pub const BINDS: usize = super::placeholders(SQL);

/// `None` when the order does not exist (no marker row), else its rows in the SQL's order.
pub async fn fetch(db: &Database, lab_number: &str) -> Result<Option<Vec<GlucoseRow>>, ApiError> {
    query_rows(db, SQL, BINDS, lab_number, row).await
}

fn row(r: &Row) -> Result<GlucoseRow, ApiError> {
    use super::text as t;
    Ok(GlucoseRow {
        cpone_test_code: t(r, "cpone_test_code")?,
        cpone_test_name: t(r, "cpone_test_name")?,
        lis_test_code: t(r, "lis_test_code")?,
        result_glucosa: t(r, "result_glucosa")?,
    })
}
