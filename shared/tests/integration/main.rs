//! The integration tests, one test binary: each module tests one boundary against the real
//! thing on the other side. `scripts/test` starts the services they use (DynamoDB Local,
//! MariaDB, a local Secrets Manager) and, for [`e2e`], the release binaries in a local Lambda
//! runtime.

mod api;
mod app;
mod e2e;
mod faults;
mod hostile;
mod lab_mysql;
mod repository;
mod secrets;
mod servers;
mod token_dynamodb;
