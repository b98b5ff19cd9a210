//! The CPONE database credentials from Secrets Manager (`DATABASE_SECRET_ARN`), in the format
//! RDS and its rotation functions write: `username`, `password`, `host`, `port`, `dbname`.
//!
//! Read once per cold start, and again when MySQL refuses the credentials (the secret was
//! rotated under a warm instance), at most once per [`MIN_REFRESH_INTERVAL`].

use mysql_async::OptsBuilder;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A refused login re-reads the secret at most this often, so that a wrong password in the
/// secret does not turn every request into a Secrets Manager call.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// What a failed read says: which step failed and an error code, never the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("DATABASE_SECRET_ARN {0}")]
pub struct SecretError(pub String);

/// Where the credentials come from, and when they were last read.
pub struct SecretSource {
    client: aws_sdk_secretsmanager::Client,
    arn: String,
    min_interval: Duration,
    /// When a refused login last re-read the secret.
    last_reread: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSource")
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// The secret JSON. No `Debug`: it holds the password.
#[derive(serde::Deserialize)]
struct RdsSecret {
    username: String,
    password: String,
    host: String,
    port: Option<serde_json::Value>,
    dbname: Option<String>,
}

impl SecretSource {
    pub fn new(client: aws_sdk_secretsmanager::Client, arn: impl Into<String>) -> Self {
        Self {
            client,
            arn: arn.into(),
            min_interval: MIN_REFRESH_INTERVAL,
            last_reread: Mutex::new(None),
        }
    }

    /// Another minimum interval between two re-reads (tests).
    pub fn with_min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Reads the secret (at a cold start).
    pub async fn read(&self) -> Result<OptsBuilder, SecretError> {
        self.fetch().await
    }

    /// Reads the secret again after a refused login, unless the last re-read was less than the
    /// minimum interval ago (`Ok(None)`). The cold start's read does not count: a rotation
    /// right after it is picked up by the first refused login.
    pub async fn reread(&self) -> Result<Option<OptsBuilder>, SecretError> {
        let mut last = self.last_reread.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.min_interval) {
            return Ok(None);
        }
        let opts = self.fetch().await;
        *last = Some(Instant::now());
        opts.map(Some)
    }

    async fn fetch(&self) -> Result<OptsBuilder, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.arn)
            .send()
            .await
            .map_err(|e| {
                let code = aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&e);
                SecretError(format!(
                    "could not be read ({})",
                    code.unwrap_or("unreachable")
                ))
            })?;
        let text = out
            .secret_string()
            .ok_or_else(|| SecretError("has no SecretString".into()))?;
        opts_from_json(text)
    }
}

/// The connection options of an RDS secret JSON.
pub fn opts_from_json(text: &str) -> Result<OptsBuilder, SecretError> {
    let secret: RdsSecret = serde_json::from_str(text).map_err(|_| {
        SecretError("is not an RDS secret (username, password, host, port, dbname)".into())
    })?;
    let port = match &secret.port {
        None => Some(3306),
        Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| SecretError("has a malformed port".into()))?;
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
    use mysql_async::Opts;

    #[test]
    fn reads_rds_secrets() {
        let b = opts_from_json(
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
        let b =
            opts_from_json(r#"{"username":"u","password":"p","host":"h","port":"3307"}"#).unwrap();
        assert_eq!(Opts::from(b).tcp_port(), 3307);
    }

    #[test]
    fn bad_secrets_never_echo_the_secret() {
        for text in [
            r#"{"password":"hunter2"}"#,
            "hunter2",
            r#"{"username":"u","password":"hunter2","host":"h","port":true}"#,
        ] {
            let e = opts_from_json(text).err().unwrap();
            assert!(!e.to_string().contains("hunter2"));
        }
    }
}
