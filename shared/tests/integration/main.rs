//! The integration tests, one test binary: each module tests one boundary against the real
//! thing on the other side, on services that `scripts/test` starts (DynamoDB Local, MariaDB, a
//! local Secrets Manager); app.rs is the harness that makes, and removes, what each test uses.
//! Tests of a running API are in the `e2e` test binary (tests/e2e).

mod app;
mod faults;
mod hostile;
mod lab_mysql;
mod preflight;
mod repository;
mod secrets;
mod servers;
mod token_dynamodb;
