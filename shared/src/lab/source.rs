//! What the lab endpoints need from the CPONE database, and the rows they answer with.

use crate::backend::BackendError;
use serde::{Deserialize, Serialize};
use std::future::Future;

/// One row of /sampling_timestamp. Every value is a string or null (docs/contract.md). The
/// field names are the columns of `sampling_timestamp.sql`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
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

/// One row of /glucose; the field names are the columns of `glucose.sql`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
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
    ) -> impl Future<Output = Result<Option<Vec<SamplingRow>>, BackendError>> + Send;

    fn glucose(
        &self,
        lab_number: &str,
    ) -> impl Future<Output = Result<Option<Vec<GlucoseRow>>, BackendError>> + Send;
}
