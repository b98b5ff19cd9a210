//! Lab data from the CPONE MySQL database: the rows of /sampling_timestamp and /glucose.
//!
//! - [`order_number`]: the lab number parameter and its aliases;
//! - [`sampling`] and [`glucose`]: one SQL each (the `.sql` files beside them) and its rows;
//! - [`database`]: the connection pool, TLS, timeouts and the stale-connection retry.

pub mod database;
pub mod glucose;
pub mod order_number;
pub mod sampling;

use crate::ApiError;
use serde::Serialize;
use std::future::Future;

/// One row of /sampling_timestamp. Every value is a string or null (API.md).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SamplingRow {
    pub sample_station_name: Option<String>,
    pub location_name: Option<String>,
    pub cpone_test_code: Option<String>,
    pub cpone_test_name: Option<String>,
    pub lis_test_code: Option<String>,
    pub sampling_check_in_datetime: Option<String>,
    pub sampling_check_in_userid: Option<String>,
    pub sampling_check_out_datetime: Option<String>,
    pub sampling_check_out_userid: Option<String>,
}

/// One row of /glucose.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct GlucoseRow {
    pub cpone_test_code: Option<String>,
    pub cpone_test_name: Option<String>,
    pub lis_test_code: Option<String>,
    pub result_glucosa: Option<String>,
}

/// Where lab rows come from. `Ok(None)`: no active order with that lab number (404);
/// `Ok(Some(vec![]))`: the order exists but has no rows yet.
pub trait LabSource: Send + Sync {
    fn sampling(
        &self,
        lab_number: &str,
    ) -> impl Future<Output = Result<Option<Vec<SamplingRow>>, ApiError>> + Send;

    fn glucose(
        &self,
        lab_number: &str,
    ) -> impl Future<Output = Result<Option<Vec<GlucoseRow>>, ApiError>> + Send;
}

/// Fixed answers, for unit tests of the endpoints.
#[derive(Debug, Default, Clone)]
pub struct FixedLab {
    pub orders: std::collections::HashMap<String, (Vec<SamplingRow>, Vec<GlucoseRow>)>,
    /// When set, every call fails with it.
    pub failure: Option<ApiError>,
}

impl LabSource for FixedLab {
    async fn sampling(&self, lab_number: &str) -> Result<Option<Vec<SamplingRow>>, ApiError> {
        match &self.failure {
            Some(e) => Err(e.clone()),
            None => Ok(self.orders.get(lab_number).map(|(s, _)| s.clone())),
        }
    }

    async fn glucose(&self, lab_number: &str) -> Result<Option<Vec<GlucoseRow>>, ApiError> {
        match &self.failure {
            Some(e) => Err(e.clone()),
            None => Ok(self.orders.get(lab_number).map(|(_, g)| g.clone())),
        }
    }
}

impl LabSource for database::Database {
    async fn sampling(&self, lab_number: &str) -> Result<Option<Vec<SamplingRow>>, ApiError> {
        sampling::fetch(self, lab_number).await
    }

    async fn glucose(&self, lab_number: &str) -> Result<Option<Vec<GlucoseRow>>, ApiError> {
        glucose::fetch(self, lab_number).await
    }
}

/// Each query's first column `row_kind` is `'order'` on the one marker row that says the
/// active order exists; the other rows are data. So one round trip tells "not found" from
/// "found, no rows".
const MARKER: &str = "order";

/// Runs a lab query with the lab number bound to each of its `binds` placeholders and maps the
/// data rows.
async fn query_rows<T>(
    db: &database::Database,
    sql: &'static str,
    binds: usize,
    lab_number: &str,
    map: fn(&mysql_async::Row) -> Result<T, ApiError>,
) -> Result<Option<Vec<T>>, ApiError> {
    let params = vec![mysql_async::Value::from(lab_number); binds];
    let rows = db
        .rows(sql, mysql_async::Params::Positional(params))
        .await?;
    let mut found = false;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if text(r, "row_kind")?.as_deref() == Some(MARKER) {
            found = true;
        } else {
            out.push(map(r)?);
        }
    }
    Ok(found.then_some(out))
}

/// A string-or-NULL column (the queries cast every value to text).
fn text(r: &mysql_async::Row, column: &str) -> Result<Option<String>, ApiError> {
    match r.get_opt::<Option<String>, _>(column) {
        Some(Ok(v)) => Ok(v),
        Some(Err(_)) => Err(ApiError::Internal(format!("column {column} is not text"))),
        None => Err(ApiError::Internal(format!("column {column} missing"))),
    }
}

/// The number of `?` placeholders of `sql`, outside `--` comments and quoted literals.
pub const fn placeholders(sql: &str) -> usize {
    let b = sql.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'-' if i + 1 < b.len() && b[i + 1] == b'-' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            b'?' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn counts_placeholders_outside_comments_and_literals() {
        assert_eq!(
            placeholders("SELECT ? -- why?\n, '?' , \"?\", `a?` FROM t WHERE a = ?"),
            2
        );
        assert_eq!(super::sampling::BINDS, 3);
        assert_eq!(super::glucose::BINDS, 2);
    }
}
