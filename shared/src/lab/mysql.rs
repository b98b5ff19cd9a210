//! The MySQL [`LabSource`]: one statement per endpoint, one round trip per request.
//!
//! Each statement's first column `row_kind` is `'order'` on the one marker row that says the
//! active order exists; the other rows are data. So one round trip tells "not found" from
//! "found, no rows". Every other column is text or NULL and is named as the JSON key it
//! becomes, so the rows are read by name into [`SamplingRow`] / [`GlucoseRow`].

use super::{
    database::Database,
    source::{GlucoseRow, LabSource, SamplingRow},
};
use crate::backend::BackendError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// /sampling_timestamp: lab (`t_ordersample`) and non-lab (`t_samplingso`) sampling.
pub const SAMPLING_SQL: &str = include_str!("sampling_timestamp.sql");
/// /glucose: the latest `order_glucose` result per glucose test.
pub const GLUCOSE_SQL: &str = include_str!("glucose.sql");

const MARKER: &str = "order";

impl LabSource for Database {
    async fn sampling(&self, lab_number: &str) -> Result<Option<Vec<SamplingRow>>, BackendError> {
        order_rows(self, SAMPLING_SQL, lab_number).await
    }

    async fn glucose(&self, lab_number: &str) -> Result<Option<Vec<GlucoseRow>>, BackendError> {
        order_rows(self, GLUCOSE_SQL, lab_number).await
    }
}

/// The parameters of both statements: `:lab_number`, bound once however often it appears.
pub fn lab_number_params(lab_number: &str) -> mysql_async::Params {
    mysql_async::Params::Named(
        [(b"lab_number".to_vec(), mysql_async::Value::from(lab_number))].into(),
    )
}

/// Runs `sql` with `:lab_number` bound; `None` when there is no marker row.
async fn order_rows<T: DeserializeOwned>(
    db: &Database,
    sql: &'static str,
    lab_number: &str,
) -> Result<Option<Vec<T>>, BackendError> {
    let mut found = false;
    let mut out = Vec::new();
    for row in db.rows(sql, lab_number_params(lab_number)).await? {
        let mut kind = None;
        let mut fields = Map::new();
        for (i, column) in row.columns_ref().iter().enumerate() {
            let value: Option<String> = match row.get_opt(i) {
                Some(Ok(v)) => v,
                _ => {
                    let name = column.name_str();
                    return Err(BackendError::Failed(format!("column {name} is not text")));
                }
            };
            match column.name_str().as_ref() {
                "row_kind" => kind = value,
                name => {
                    fields.insert(name.to_string(), value.map_or(Value::Null, Value::String));
                }
            }
        }
        if kind.as_deref() == Some(MARKER) {
            found = true;
        } else {
            let row = serde_json::from_value(Value::Object(fields))
                .map_err(|e| BackendError::Failed(format!("lab row: {e}")))?;
            out.push(row);
        }
    }
    Ok(found.then_some(out))
}
