//! Configuration from the environment (docs/contract.md, "Configuration"). Read once per cold
//! start; a missing or malformed variable stops the function with a log line that names the
//! variable, never its value.

use jiff::tz::TimeZone;
use std::fmt;

pub const DEFAULT_TABLE_NAME: &str = "api_wynacom_token";
pub const DEFAULT_TIMEZONE: &str = "Asia/Jakarta";

/// A configuration problem: which variable, and what is wrong with it (never its value).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: &'static str,
}

/// What every function needs: the token table and the zone of token times.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub table_name: String,
    pub timezone: TimeZone,
}

/// A string that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where the lab functions find the CPONE database credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `DATABASE_URL`: `mysql://user:pass@host:port/db` (local runs, tests).
    Url(Secret),
    /// `DATABASE_SECRET_ARN`: a Secrets Manager secret in the RDS format (production).
    SecretArn(String),
}

/// `DATABASE_TLS` (and `DATABASE_TLS_CA_FILE`): how the connection to MySQL is secured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// `off` (default): plain TCP, for the local MariaDB.
    Off,
    /// `rds`: TLS, server verified against the RDS CA bundle embedded in the binary.
    Rds,
    /// `public`: TLS, server verified against the public web roots (RDS Proxy endpoints).
    Public,
    /// `DATABASE_TLS_CA_FILE` set: TLS, server verified against the certificates of that PEM
    /// file only (a MySQL server behind a private CA). Read once at start.
    CaFile(std::sync::Arc<[u8]>),
}

/// What the two lab functions need on top of [`TokenConfig`].
#[derive(Debug, Clone)]
pub struct LabConfig {
    pub source: DatabaseSource,
    pub tls: TlsMode,
}

/// Reads variables through `get` so tests need not touch the process environment.
pub trait Env {
    fn get(&self, name: &str) -> Option<String>;

    /// The variable if set to something other than blanks.
    fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

impl TokenConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let table_name = env
            .non_empty("TOKEN_TABLE_NAME")
            .unwrap_or_else(|| DEFAULT_TABLE_NAME.into());
        // DynamoDB table names: 3-255 of [a-zA-Z0-9_.-].
        let valid_table = (3..=255).contains(&table_name.len())
            && table_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !valid_table {
            return Err(ConfigError {
                var: "TOKEN_TABLE_NAME",
                problem: "is not a valid DynamoDB table name",
            });
        }
        let zone = env
            .non_empty("APP_TIMEZONE")
            .unwrap_or_else(|| DEFAULT_TIMEZONE.into());
        let timezone = TimeZone::get(&zone).map_err(|_| ConfigError {
            var: "APP_TIMEZONE",
            problem: "is not a known IANA time zone",
        })?;
        Ok(Self {
            table_name,
            timezone,
        })
    }
}

impl LabConfig {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let source = if let Some(url) = env.non_empty("DATABASE_URL") {
            if mysql_async::Opts::from_url(&url).is_err() {
                return Err(ConfigError {
                    var: "DATABASE_URL",
                    problem: "is not a valid mysql://user:pass@host:port/db URL",
                });
            }
            DatabaseSource::Url(Secret(url))
        } else if let Some(arn) = env.non_empty("DATABASE_SECRET_ARN") {
            if !is_full_secret_arn(&arn) {
                return Err(ConfigError {
                    var: "DATABASE_SECRET_ARN",
                    problem: "is not the full ARN of a Secrets Manager secret",
                });
            }
            DatabaseSource::SecretArn(arn)
        } else {
            return Err(ConfigError {
                var: "DATABASE_URL",
                problem: "is missing (set it, or DATABASE_SECRET_ARN in AWS)",
            });
        };
        // Inside Lambda: the execution environment (and the images of `sam local`) set
        // LAMBDA_TASK_ROOT; `sam local` also sets AWS_SAM_LOCAL=true. cargo-lambda sets neither.
        let in_aws = env.non_empty("LAMBDA_TASK_ROOT").is_some()
            && env.non_empty("AWS_SAM_LOCAL").as_deref() != Some("true");
        let explicit = env
            .non_empty("DATABASE_TLS")
            .map(|v| v.to_ascii_lowercase());
        let tls = match (env.non_empty("DATABASE_TLS_CA_FILE"), explicit.as_deref()) {
            (Some(path), None) => {
                let pem = std::fs::read(&path).ok().filter(|pem| {
                    String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----")
                });
                TlsMode::CaFile(pem.map(Into::into).ok_or(ConfigError {
                    var: "DATABASE_TLS_CA_FILE",
                    problem: "is not a readable PEM file of certificates",
                })?)
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError {
                    var: "DATABASE_TLS_CA_FILE",
                    problem: "goes without DATABASE_TLS (it sets its own verification)",
                });
            }
            // TLS unless said otherwise: with the production secret, or inside Lambda.
            (None, None) if in_aws || matches!(source, DatabaseSource::SecretArn(_)) => {
                TlsMode::Rds
            }
            (None, None) => TlsMode::Off,
            (None, Some("off")) if in_aws => {
                return Err(ConfigError {
                    var: "DATABASE_TLS",
                    problem: "off is refused inside Lambda (plain text is for local runs only)",
                });
            }
            (None, Some("off")) => TlsMode::Off,
            (None, Some("rds")) => TlsMode::Rds,
            (None, Some("public")) => TlsMode::Public,
            (None, Some(_)) => {
                return Err(ConfigError {
                    var: "DATABASE_TLS",
                    problem: "must be off, rds or public",
                });
            }
        };
        Ok(Self { source, tls })
    }
}

/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`: the full
/// ARN, with the random suffix Secrets Manager appends. A partial ARN (without the suffix)
/// would still be read, but IAM policies written for the full ARN would not match it.
fn is_full_secret_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [prefix, partition, service, region, account, kind, name] = parts[..] else {
        return false;
    };
    let suffix_ok = name.rsplit_once('-').is_some_and(|(base, suffix)| {
        !base.is_empty() && suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    prefix == "arn"
        && partition.starts_with("aws")
        && service == "secretsmanager"
        && !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && kind == "secret"
        && suffix_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Env {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    /// TLS unless said otherwise: the secret or Lambda make an unset DATABASE_TLS `rds`; `off`
    /// is refused in Lambda, allowed under `sam local` and in local runs.
    #[test]
    fn tls_is_the_default_with_the_secret_or_inside_lambda() {
        let url = ("DATABASE_URL", "mysql://u:p@127.0.0.1:3306/db");
        let arn = (
            "DATABASE_SECRET_ARN",
            "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:cpone-AbCdEf",
        );
        let lambda = ("LAMBDA_TASK_ROOT", "/var/task");
        let sam = ("AWS_SAM_LOCAL", "true");
        let off = ("DATABASE_TLS", "off");
        let tls = |vars: &[(&str, &str)]| LabConfig::from_env(&env(vars)).map(|c| c.tls);
        assert_eq!(tls(&[url]), Ok(TlsMode::Off), "a local run");
        assert_eq!(tls(&[arn]), Ok(TlsMode::Rds), "the secret");
        assert_eq!(tls(&[url, lambda]), Ok(TlsMode::Rds), "inside Lambda");
        assert_eq!(tls(&[url, lambda, sam]), Ok(TlsMode::Off), "sam local");
        assert_eq!(tls(&[url, off]), Ok(TlsMode::Off));
        assert_eq!(tls(&[url, lambda, sam, off]), Ok(TlsMode::Off));
        assert_eq!(
            tls(&[arn, lambda, sam]),
            Ok(TlsMode::Rds),
            "the secret under sam local"
        );
        let e = tls(&[url, lambda, off]).unwrap_err();
        assert_eq!(e.var, "DATABASE_TLS");
        assert!(e.problem.contains("refused inside Lambda"), "{e}");
    }

    #[test]
    fn token_defaults() {
        let c = TokenConfig::from_env(&env(&[])).unwrap();
        assert_eq!(c.table_name, "api_wynacom_token");
        assert_eq!(c.timezone.iana_name(), Some("Asia/Jakarta"));
    }

    #[test]
    fn bad_token_config_names_the_variable() {
        let e = TokenConfig::from_env(&env(&[("APP_TIMEZONE", "Mars/Olympus")])).unwrap_err();
        assert_eq!(e.var, "APP_TIMEZONE");
        let e = TokenConfig::from_env(&env(&[("TOKEN_TABLE_NAME", "bad name!")])).unwrap_err();
        assert_eq!(e.var, "TOKEN_TABLE_NAME");
    }

    #[test]
    fn lab_config_needs_a_database() {
        let e = LabConfig::from_env(&env(&[])).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        let e = LabConfig::from_env(&env(&[("DATABASE_URL", "postgres://x")])).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        assert!(!e.to_string().contains("postgres://x"));
        let arn = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:cpone/wynacom-AbC123";
        let c = LabConfig::from_env(&env(&[("DATABASE_SECRET_ARN", arn)])).unwrap();
        assert_eq!(c.source, DatabaseSource::SecretArn(arn.into()));
        for partial in [
            "arn:aws:secretsmanager:x",
            "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:cpone/wynacom",
            "arn:aws:secretsmanager:ap-southeast-3:1234:secret:cpone-AbC123",
            "arn:aws:ssm:ap-southeast-3:123456789012:secret:cpone-AbC123",
            "cpone/wynacom-AbC123",
        ] {
            let e = LabConfig::from_env(&env(&[("DATABASE_SECRET_ARN", partial)])).unwrap_err();
            assert_eq!(e.var, "DATABASE_SECRET_ARN", "{partial}");
        }
        assert_eq!(c.tls, TlsMode::Rds, "the secret: TLS unless said otherwise");
    }

    #[test]
    fn tls_modes() {
        let url = ("DATABASE_URL", "mysql://u:p@127.0.0.1:3306/db");
        let c = LabConfig::from_env(&env(&[url, ("DATABASE_TLS", "RDS")])).unwrap();
        assert_eq!(c.tls, TlsMode::Rds);
        let e = LabConfig::from_env(&env(&[url, ("DATABASE_TLS", "yes")])).unwrap_err();
        assert_eq!(e.var, "DATABASE_TLS");
    }

    #[test]
    fn a_private_ca_file_turns_tls_on() {
        let url = ("DATABASE_URL", "mysql://u:p@127.0.0.1:3306/db");
        let pem = std::env::temp_dir().join(format!("wyn-ca-{}.pem", std::process::id()));
        std::fs::write(
            &pem,
            "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let path = pem.to_str().unwrap();
        let c = LabConfig::from_env(&env(&[url, ("DATABASE_TLS_CA_FILE", path)])).unwrap();
        assert!(matches!(c.tls, TlsMode::CaFile(_)));
        for bad in [
            vec![url, ("DATABASE_TLS_CA_FILE", "/nonexistent/ca.pem")],
            vec![url, ("DATABASE_TLS_CA_FILE", path), ("DATABASE_TLS", "rds")],
        ] {
            let e = LabConfig::from_env(&env(&bad)).unwrap_err();
            assert_eq!(e.var, "DATABASE_TLS_CA_FILE");
        }
        std::fs::remove_file(pem).unwrap();
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let c = LabConfig::from_env(&env(&[("DATABASE_URL", "mysql://u:hunter2@h/db")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
