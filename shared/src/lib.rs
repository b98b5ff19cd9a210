//! The Wynacom API: everything the six Lambda functions do, testable without AWS.
//!
//! Where to look for an endpoint's whole path:
//! - `functions/src/bin/<endpoint>.rs` builds the state once per cold start and calls
//!   [`endpoints`]`::<endpoint>`;
//! - [`endpoints`] reads the request ([`http`]), checks the token ([`token`]) and queries the
//!   lab database ([`lab`]);
//! - every failure is an [`error::ApiError`], mapped to its status and message in one place.
//!
//! [`preflight`] is not an endpoint: the checks an operator runs against CPONE's database and
//! the token table before the functions serve (`functions/src/bin/preflight.rs`).

pub mod backend;
pub mod clock;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod lab;
pub mod preflight;
pub mod startup;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod token;

pub use error::ApiError;
