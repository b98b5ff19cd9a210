//! HTTP at the edge: reading a request into parameters, the bearer header, and the response
//! envelope.

pub mod bearer;
pub mod envelope;
pub mod params;

pub use bearer::bearer_token;
pub use envelope::{error_response, ok_response};
pub use params::{Params, read_params, require_post};
