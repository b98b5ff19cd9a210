//! Lab data from the CPONE MySQL database: the rows of /sampling_timestamp and /glucose.
//!
//! - [`source`]: what the endpoints need ([`LabSource`]) and the rows they answer with;
//! - [`mysql`]: the MySQL source: the two statements (`sampling_timestamp.sql`, `glucose.sql`
//!   beside it, rules in their comments and in docs/contract.md) and how their rows are read;
//! - [`database`]: the connection pool, TLS, timeouts, the stale-connection retry and the
//!   credential refresh after a rotation; [`secret`]: the credentials from Secrets Manager;
//! - [`order_number`]: the lab number parameter and its aliases;
//! - [`schema`]: every table and column the statements read, and the indexes they need.

pub mod database;
pub mod mysql;
pub mod order_number;
pub mod schema;
pub mod secret;
pub mod source;

pub use source::{GlucoseRow, LabSource, SamplingRow};
