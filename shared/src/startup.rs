//! What a function builds once per cold start: logging, the AWS configuration, the token
//! service and (for the lab functions) the MySQL pool. A configuration problem stops the
//! function here, with a log line that names the variable.

use crate::{
    clock::SystemClock,
    config::{LabConfig, ProcessEnv, TokenConfig},
    lab::database::Database,
    token::{Tokens, dynamo::DynamoStore},
};
use aws_config::{BehaviorVersion, retry::RetryConfig, timeout::TimeoutConfig};
use std::{sync::Arc, time::Duration};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// JSON log lines on stdout (CloudWatch with the template's JSON log format). Level from
/// `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, default `info`; the SDK's and drivers' own chatter
/// stays at `warn`.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into())
        .to_ascii_lowercase();
    let filter = EnvFilter::try_new(format!(
        "{level},aws_config=warn,aws_smithy_runtime=warn,aws_sdk_dynamodb=warn,mysql_async=warn,lambda_runtime=warn"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}

/// The AWS SDK configuration with bounded timeouts and retries, so that an unreachable or
/// throttled DynamoDB answers 503 within seconds rather than hanging until Lambda's timeout.
pub async fn aws() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(aws_timeouts())
        .retry_config(aws_retries())
        .load()
        .await
}

/// Connect 1 s, one attempt 2 s, a whole operation (retries included) 4 s.
pub fn aws_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1000))
        .read_timeout(Duration::from_millis(2000))
        .operation_attempt_timeout(Duration::from_millis(2000))
        .operation_timeout(Duration::from_millis(4000))
        .build()
}

/// Up to 3 attempts with short backoff (throttling, transient network errors).
pub fn aws_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(400))
}

fn config_failed(e: impl std::fmt::Display + Into<Error>) -> Error {
    tracing::error!(error = %e, "startup failed");
    e.into()
}

/// The token service on DynamoDB (`TOKEN_TABLE_NAME`, `APP_TIMEZONE`).
pub fn tokens(aws: &aws_config::SdkConfig) -> Result<Tokens<DynamoStore>, Error> {
    let config = TokenConfig::from_env(&ProcessEnv).map_err(config_failed)?;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(aws), config.table_name);
    Ok(Tokens::new(store, Arc::new(SystemClock), config.timezone))
}

/// The CPONE pool (`DATABASE_URL` or `DATABASE_SECRET_ARN`, `DATABASE_TLS`).
pub async fn lab(aws: &aws_config::SdkConfig) -> Result<Database, Error> {
    let config = LabConfig::from_env(&ProcessEnv).map_err(config_failed)?;
    Database::from_config(&config, Some(aws))
        .await
        .map_err(config_failed)
}
