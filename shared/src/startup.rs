//! What a function builds once per cold start: logging, the AWS configuration, the token
//! service and (for the lab functions) the MySQL pool. A configuration problem stops the
//! function here, with a log line that names the variable.

use crate::{
    clock::SystemClock,
    config::{DatabaseSource, Env, LabConfig, ProcessEnv, TokenConfig},
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

/// The endpoint of one AWS service: `AWS_ENDPOINT_URL_<SERVICE>` (the SDK's standard
/// variable, e.g. DynamoDB Local's address), else `AWS_ENDPOINT_URL`, else AWS's own. An empty
/// variable counts as unset: the template declares the service variables empty in AWS so that
/// local runs (`sam local --env-vars`) may set them, and the SDK would take "" for an address.
pub fn endpoint_override(env: &impl Env, service_variable: &str) -> Option<String> {
    env.non_empty(service_variable)
        .or_else(|| env.non_empty("AWS_ENDPOINT_URL"))
}

/// The DynamoDB client of the token table.
pub fn dynamodb(aws: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    dynamodb_with(aws, &ProcessEnv)
}

/// [`dynamodb`], its endpoint override read from `env`.
pub fn dynamodb_with(aws: &aws_config::SdkConfig, env: &impl Env) -> aws_sdk_dynamodb::Client {
    let mut config = aws_sdk_dynamodb::config::Builder::from(aws);
    config.set_endpoint_url(endpoint_override(env, "AWS_ENDPOINT_URL_DYNAMODB"));
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

/// The Secrets Manager client of the database secret.
pub fn secrets_manager(aws: &aws_config::SdkConfig) -> aws_sdk_secretsmanager::Client {
    secrets_manager_with(aws, &ProcessEnv)
}

/// [`secrets_manager`], its endpoint override read from `env`.
pub fn secrets_manager_with(
    aws: &aws_config::SdkConfig,
    env: &impl Env,
) -> aws_sdk_secretsmanager::Client {
    let mut config = aws_sdk_secretsmanager::config::Builder::from(aws);
    config.set_endpoint_url(endpoint_override(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER"));
    aws_sdk_secretsmanager::Client::from_conf(config.build())
}

/// The token service on DynamoDB (`TOKEN_TABLE_NAME`, `APP_TIMEZONE`).
pub fn tokens(aws: &aws_config::SdkConfig) -> Result<Tokens<DynamoStore>, Error> {
    let config = TokenConfig::from_env(&ProcessEnv).map_err(config_failed)?;
    let store = DynamoStore::new(dynamodb(aws), config.table_name);
    Ok(Tokens::new(store, Arc::new(SystemClock), config.timezone))
}

/// The CPONE pool (`DATABASE_URL` or `DATABASE_SECRET_ARN`, `DATABASE_TLS`).
pub async fn lab(aws: &aws_config::SdkConfig) -> Result<Database, Error> {
    let config = LabConfig::from_env(&ProcessEnv).map_err(config_failed)?;
    let secrets =
        matches!(config.source, DatabaseSource::SecretArn(_)).then(|| secrets_manager(aws));
    Database::from_config(&config, secrets)
        .await
        .map_err(config_failed)
}

/// Whether aws-lc seeds its random generator from CPU jitter, 20–40 ms of timing loops on the
/// first TLS handshake of every process, instead of from the kernel. False in every build of
/// this repository (`.cargo/config.toml`: `AWS_LC_SYS_NO_JITTER_ENTROPY`; docs/PERFORMANCE.md,
/// "Cold start"). The preflight reports it as its `build` check.
pub fn cpu_jitter_entropy() -> bool {
    // SAFETY: no arguments; it only reads which entropy source aws-lc has selected.
    unsafe { aws_lc_sys::FIPS_is_entropy_cpu_jitter() == 1 }
}

#[cfg(test)]
mod tests {
    use super::endpoint_override;

    #[test]
    fn empty_endpoint_variables_count_as_unset() {
        fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        }
        let svc = "AWS_ENDPOINT_URL_DYNAMODB";
        assert_eq!(endpoint_override(&env(&[(svc, "")]), svc), None);
        assert_eq!(endpoint_override(&env(&[(svc, "  ")]), svc), None);
        assert_eq!(
            endpoint_override(&env(&[(svc, "http://127.0.0.1:8000")]), svc).as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            endpoint_override(&env(&[(svc, ""), ("AWS_ENDPOINT_URL", "http://h:1")]), svc)
                .as_deref(),
            Some("http://h:1")
        );
    }
}
