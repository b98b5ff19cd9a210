//! /sampling_timestamp: lab sampling (`t_ordersample`) and non-lab sampling (`t_samplingso`) of
//! one order, in one statement (`sampling_timestamp.sql`, rules in its comments and in
//! lab-schema.md).

use super::{SamplingRow, database::Database, query_rows};
use crate::ApiError;
use mysql_async::Row;

pub const SQL: &str = include_str!("sampling_timestamp.sql");
/// How many `?` the statement has (all bound to the lab number), counted at compile time.
pub const BINDS: usize = super::placeholders(SQL);

/// `None` when the order does not exist (no marker row), else its rows in the SQL's order.
pub async fn fetch(db: &Database, lab_number: &str) -> Result<Option<Vec<SamplingRow>>, ApiError> {
    query_rows(db, SQL, BINDS, lab_number, row).await
}

fn row(r: &Row) -> Result<SamplingRow, ApiError> {
    use super::text as t;
    Ok(SamplingRow {
        sample_station_name: t(r, "sample_station_name")?,
        location_name: t(r, "location_name")?,
        cpone_test_code: t(r, "cpone_test_code")?,
        cpone_test_name: t(r, "cpone_test_name")?,
        lis_test_code: t(r, "lis_test_code")?,
        sampling_check_in_datetime: t(r, "sampling_check_in_datetime")?,
        sampling_check_in_userid: t(r, "sampling_check_in_userid")?,
        sampling_check_out_datetime: t(r, "sampling_check_out_datetime")?,
        sampling_check_out_userid: t(r, "sampling_check_out_userid")?,
    })
}
