//! The preflight: read-only checks that CPONE's database and the token table are what the
//! functions expect, run where the functions run (the `preflight` function in the VPC, after a
//! deploy) or locally against whatever the functions' variables name (`scripts/preflight`).
//! What each check means and how to fix it: docs/DEPLOY.md, "Preflight".
//!
//! Every check is `ok`, `warn` or `fail` with a sentence that says what to do; the report is
//! ready when nothing failed. It never shows a password, a token or a patient row: the lab
//! number it explains the statements with is not printed either.

use crate::{
    config::{DatabaseSource, Env, LabConfig, ProcessEnv, TlsMode, TokenConfig},
    lab::{
        database::{CONNECT_TIMEOUT, Database, QUERY_TIMEOUT},
        mysql::{GLUCOSE_SQL, SAMPLING_SQL, lab_number_params},
        schema::{self, Kind, TABLES, TypeFit},
    },
    startup,
    token::{dynamo::DynamoStore, store::TokenStore},
};
use mysql_async::{Conn, prelude::Queryable};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, fmt::Write, time::Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
}

fn check(name: impl Into<String>, status: Status, detail: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        status,
        detail: detail.into(),
    }
}

/// `{"ready": bool, "checks": [{"name", "status", "detail"}]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ready: bool,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn new(checks: Vec<Check>) -> Self {
        Self {
            ready: checks.iter().all(|c| c.status != Status::Fail),
            checks,
        }
    }

    /// The check named `name`.
    pub fn get(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// For people: one line per check, then the verdict.
    pub fn table(&self) -> String {
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut out = String::new();
        for c in &self.checks {
            let status = match c.status {
                Status::Ok => "ok",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            let _ = writeln!(out, "{status:<5} {:<width$}  {}", c.name, c.detail);
        }
        let count = |s| self.checks.iter().filter(|c| c.status == s).count();
        let _ = writeln!(
            out,
            "{}: {} ok, {} warn, {} fail",
            if self.ready { "READY" } else { "NOT READY" },
            count(Status::Ok),
            count(Status::Warn),
            count(Status::Fail)
        );
        out
    }
}

/// What a run may be told: the event of the function, the options of `scripts/preflight`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The lab number to explain and time the statements with; default the latest active order.
    #[serde(default)]
    pub lab_number: Option<String>,
}

/// Every check, with the functions' own configuration read from `env`.
pub async fn run(aws: &aws_config::SdkConfig, env: &impl Env, options: &Options) -> Report {
    let mut checks = vec![build()];
    match TokenConfig::from_env(env) {
        Ok(config) => {
            let client = startup::dynamodb_with(aws, env);
            checks.extend(token_table(&client, &config.table_name).await);
        }
        Err(e) => checks.push(check("configuration", Status::Fail, e.to_string())),
    }
    let config = match LabConfig::from_env(env) {
        Ok(config) => config,
        Err(e) => {
            checks.push(check("configuration", Status::Fail, e.to_string()));
            return Report::new(checks);
        }
    };
    let secrets = matches!(config.source, DatabaseSource::SecretArn(_))
        .then(|| startup::secrets_manager_with(aws, env));
    match Database::from_config(&config, secrets).await {
        Ok(db) => {
            let concurrency = env
                .non_empty("LAB_RESERVED_CONCURRENCY")
                .and_then(|v| v.parse().ok());
            checks.extend(database(&db, &config, concurrency, options).await);
        }
        Err(e) => checks.push(check(
            "connection",
            Status::Fail,
            format!("{e}: fix DATABASE_URL / DATABASE_SECRET_ARN or the secret"),
        )),
    }
    Report::new(checks)
}

/// The artifact itself: built with the repository's cargo settings, so that its first TLS
/// handshake seeds the random generator from the kernel, not from 20–40 ms of CPU jitter.
pub fn build() -> Check {
    match startup::cpu_jitter_entropy() {
        false => check(
            "build",
            Status::Ok,
            "random generator seeded by the kernel (aws-lc without its CPU-jitter source)",
        ),
        true => check(
            "build",
            Status::Warn,
            "aws-lc seeds from CPU jitter: 20–40 ms of CPU more per cold start; build from the repository \
             root, whose .cargo/config.toml sets AWS_LC_SYS_NO_JITTER_ENTROPY=1",
        ),
    }
}

/// The token table: exists, keyed as the code expects, TTL on `ttl`, the setting readable.
pub async fn token_table(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<Check> {
    use aws_sdk_dynamodb::{
        error::DisplayErrorContext, operation::describe_table::DescribeTableError,
        types::TimeToLiveStatus,
    };
    let described = match client.describe_table().table_name(table).send().await {
        Ok(d) => d,
        Err(e) => {
            let detail = match e.as_service_error() {
                Some(DescribeTableError::ResourceNotFoundException(_)) => format!(
                    "table {table} does not exist: deploy the stack (template.yaml creates it) \
                     or set TOKEN_TABLE_NAME to its name"
                ),
                _ => format!("cannot describe table {table}: {}", DisplayErrorContext(&e)),
            };
            return vec![check("token table", Status::Fail, detail)];
        }
    };
    let desc = described.table();
    let keys: Vec<(String, String)> = desc
        .map(|t| t.key_schema())
        .unwrap_or_default()
        .iter()
        .map(|k| (k.attribute_name().to_string(), k.key_type().to_string()))
        .collect();
    let pk_type = desc
        .map(|t| t.attribute_definitions())
        .unwrap_or_default()
        .iter()
        .find(|a| a.attribute_name() == "pk")
        .map(|a| a.attribute_type().to_string());
    let mut out = vec![if keys == [("pk".to_string(), "HASH".to_string())]
        && pk_type.as_deref() == Some("S")
    {
        check(
            "token table",
            Status::Ok,
            format!("{table}: partition key pk (String), no sort key"),
        )
    } else {
        check(
            "token table",
            Status::Fail,
            format!(
                "{table} is keyed {keys:?} (pk type {pk_type:?}): the functions need a \
                     partition key pk of type String and no sort key (template.yaml, TokenTable)"
            ),
        )
    }];
    out.push(
        match client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
        {
            Ok(ttl) => {
                let d = ttl.time_to_live_description();
                let status = d.and_then(|d| d.time_to_live_status());
                let attr = d.and_then(|d| d.attribute_name());
                let on = matches!(
                    status,
                    Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                );
                if on && attr == Some("ttl") {
                    check("token table TTL", Status::Ok, "enabled on ttl")
                } else {
                    check(
                        "token table TTL",
                        Status::Warn,
                        format!(
                            "TTL is {} (attribute {}): expired tokens stay in the table (expiry is \
                             still checked on every read); enable TTL on the attribute ttl",
                            status.map_or("off".into(), |s| s.as_str().to_ascii_lowercase()),
                            attr.unwrap_or("none")
                        ),
                    )
                }
            }
            Err(e) => check(
                "token table TTL",
                Status::Warn,
                format!("cannot read the TTL setting: {}", DisplayErrorContext(&e)),
            ),
        },
    );
    out.push(
        match DynamoStore::new(client.clone(), table.to_string())
            .setting()
            .await
        {
            Ok(Some(days)) => check(
                "token setting",
                Status::Ok,
                format!("new tokens live {days} days"),
            ),
            Ok(None) => check(
                "token setting",
                Status::Ok,
                "not saved yet: new tokens live 3 days (the default)",
            ),
            Err(e) => check(
                "token setting",
                Status::Fail,
                format!("cannot read the setting item: {e}"),
            ),
        },
    );
    out
}

/// A value of a result row as text (NULL: `None`), whatever its wire type.
fn text(row: &mysql_async::Row, column: &str) -> Option<String> {
    match row.get_opt::<mysql_async::Value, _>(column)? {
        Ok(mysql_async::Value::NULL) | Err(_) => None,
        Ok(mysql_async::Value::Bytes(b)) => Some(String::from_utf8_lossy(&b).into_owned()),
        Ok(v) => Some(v.as_sql(true).trim_matches('\'').to_string()),
    }
}

/// A short, safe description of a MySQL error: code and server message (which names the user
/// and host, never the password), the I/O or TLS failure, never a URL.
fn describe(e: &mysql_async::Error) -> String {
    match e {
        mysql_async::Error::Server(s) => format!("error {}: {}", s.code, s.message),
        mysql_async::Error::Url(_) => "invalid connection URL".into(),
        other => other.to_string(),
    }
}

async fn query(
    conn: &mut Conn,
    sql: &str,
    params: impl Into<mysql_async::Params>,
) -> Result<Vec<mysql_async::Row>, String> {
    match tokio::time::timeout(QUERY_TIMEOUT, conn.exec(sql, params.into())).await {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err(format!("no answer within {} s", QUERY_TIMEOUT.as_secs())),
    }
}

const ER_TABLEACCESS_DENIED: u16 = 1142;
const ER_NO_SUCH_TABLE: u16 = 1146;
/// Order-sized tables smaller than this may be scanned without harm (the optimizer prefers a
/// scan of a few pages); above it a scan per request shows in the latency.
const SMALL_TABLE_ROWS: u64 = 10_000;

/// Everything about the CPONE database, on a connection made exactly as the lab functions make
/// theirs (`db`: the same pool, credentials, TLS).
pub async fn database(
    db: &Database,
    config: &LabConfig,
    reserved_concurrency: Option<u32>,
    options: &Options,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, db.pool().get_conn()).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            out.push(check(
                "connection",
                Status::Fail,
                format!(
                    "cannot connect: {}; check the host, the security groups, the credentials \
                     and DATABASE_TLS",
                    describe(&e)
                ),
            ));
            return out;
        }
        Err(_) => {
            out.push(check(
                "connection",
                Status::Fail,
                format!(
                    "no connection within {} s: is the database reachable from these subnets \
                     (security groups, route)?",
                    CONNECT_TIMEOUT.as_secs()
                ),
            ));
            return out;
        }
    };
    out.extend(server(&mut conn, &config.tls).await);
    if out.iter().any(|c| c.status == Status::Fail) {
        return out;
    }
    let readable = tables(&mut conn, &mut out).await;
    indexes(&mut conn, &readable, &mut out).await;
    out.push(privileges(&mut conn).await);
    out.push(connection_budget(&mut conn, reserved_concurrency).await);
    if readable.len() == TABLES.len() {
        statements(db, &mut conn, options, &mut out).await;
    } else {
        out.push(check(
            "statements",
            Status::Fail,
            "not run: a table they read is missing or not readable (above)",
        ));
    }
    drop(conn);
    out
}

/// Connection, server version, sql_mode, time zone, and the lab-number column's collation.
async fn server(conn: &mut Conn, tls: &TlsMode) -> Vec<Check> {
    let mut out = Vec::new();
    let rows = match query(
        conn,
        "SELECT VERSION() AS version, @@version_comment AS comment, @@sql_mode AS sql_mode, \
         @@time_zone AS time_zone, @@system_time_zone AS system_time_zone, DATABASE() AS db",
        (),
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return vec![check("connection", Status::Fail, e)],
    };
    let row = &rows[0];
    let version = text(row, "version").unwrap_or_default();
    let comment = text(row, "comment").unwrap_or_default();
    let cipher = query(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", ())
        .await
        .ok()
        .and_then(|r| r.first().and_then(|r| text(r, "Value")))
        .filter(|c| !c.is_empty());
    let verified = match tls {
        TlsMode::Off => None,
        TlsMode::Rds => Some("the RDS CA bundle"),
        TlsMode::Public => Some("the public web roots"),
        TlsMode::CaFile(_) => Some("DATABASE_TLS_CA_FILE"),
    };
    out.push(match (verified, cipher) {
        (Some(roots), Some(cipher)) => check(
            "connection",
            Status::Ok,
            format!("{comment} {version}, TLS ({cipher}), server verified against {roots}"),
        ),
        (None, _) => check(
            "connection",
            Status::Warn,
            format!(
                "{comment} {version}, plain text (DATABASE_TLS off): use DATABASE_TLS=rds for \
                 anything but a local database"
            ),
        ),
        (Some(_), None) => check(
            "connection",
            Status::Fail,
            format!("{comment} {version}: TLS was required but the session reports no cipher"),
        ),
    });
    let Some(db) = text(row, "db") else {
        out.push(check(
            "database",
            Status::Fail,
            "the connection selects no database: set dbname in the secret or the path of \
             DATABASE_URL",
        ));
        return out;
    };
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    out.push(check(
        "server",
        if mariadb || major >= 8 {
            Status::Ok
        } else {
            Status::Warn
        },
        format!(
            "{}database {db}; sql_mode '{}'; time_zone {} (system {}): the statements convert no \
             time zones",
            if mariadb || major >= 8 {
                ""
            } else {
                "not MySQL 8 (the statements are written for MySQL 8 and MariaDB 10.11); "
            },
            text(row, "sql_mode").unwrap_or_default(),
            text(row, "time_zone").unwrap_or_default(),
            text(row, "system_time_zone").unwrap_or_default(),
        ),
    ));
    let (table, column) = schema::LAB_NUMBER;
    let collation = query(
        conn,
        "SELECT CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation \
         FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        (table, column),
    )
    .await;
    if let Ok(Some(row)) = collation.map(|r| r.into_iter().next()) {
        let collation = text(&row, "collation").unwrap_or_default();
        let sensitive = collation.ends_with("_bin") || collation.ends_with("_cs");
        out.push(check(
            "lab number column",
            if sensitive { Status::Warn } else { Status::Ok },
            format!(
                "{table}.{column}: {} / {collation}{}",
                text(&row, "charset").unwrap_or_default(),
                if sensitive {
                    ": compared case-sensitively, so 'r2606…' does not find 'R2606…'"
                } else {
                    ""
                }
            ),
        ));
    }
    out
}

/// One check per table: readable (SELECT granted), every column present with a fitting type.
/// Returns the tables that can be read.
async fn tables(conn: &mut Conn, out: &mut Vec<Check>) -> Vec<&'static str> {
    let mut readable = Vec::new();
    for t in TABLES {
        let name = format!("table {}", t.name);
        // Identifiers cannot be bound; these come from the list above, not from input.
        match query(conn, &format!("SELECT 1 FROM `{}` LIMIT 0", t.name), ()).await {
            Ok(_) => {}
            Err(e) if e.starts_with(&format!("error {ER_NO_SUCH_TABLE}:")) => {
                out.push(check(
                    name,
                    Status::Fail,
                    format!("{} does not exist in this database", t.name),
                ));
                continue;
            }
            Err(e) if e.starts_with(&format!("error {ER_TABLEACCESS_DENIED}:")) => {
                out.push(check(
                    name,
                    Status::Fail,
                    format!(
                        "this user has no SELECT on {}: GRANT SELECT ON <database>.{} TO the \
                         functions' user (docs/DEPLOY.md)",
                        t.name, t.name
                    ),
                ));
                continue;
            }
            Err(e) => {
                out.push(check(
                    name,
                    Status::Fail,
                    format!("cannot read {}: {e}", t.name),
                ));
                continue;
            }
        }
        let columns: BTreeMap<String, String> = match query(
            conn,
            "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            (t.name,),
        )
        .await
        {
            Ok(rows) => rows
                .iter()
                .filter_map(|r| Some((text(r, "name")?, text(r, "type")?)))
                .collect(),
            Err(e) => {
                out.push(check(
                    name,
                    Status::Fail,
                    format!("cannot list columns: {e}"),
                ));
                continue;
            }
        };
        let mut wrong = Vec::new();
        let mut doubtful = Vec::new();
        for (column, kind) in t.columns {
            match columns.get(*column) {
                None => wrong.push(format!(
                    "column {column} is missing (renamed?); the statements read it{}",
                    kind_hint(*kind)
                )),
                Some(ty) => match kind.fit(ty) {
                    TypeFit::Fits => {}
                    TypeFit::Doubtful(why) => doubtful.push(format!("{column} is {ty}: {why}")),
                    TypeFit::Wrong(why) => wrong.push(format!("{column} is {ty}: {why}")),
                },
            }
        }
        out.push(if !wrong.is_empty() {
            check(name, Status::Fail, wrong.join("; "))
        } else if !doubtful.is_empty() {
            check(name, Status::Warn, doubtful.join("; "))
        } else {
            readable.push(t.name);
            check(
                name,
                Status::Ok,
                format!("readable; its {} columns read fit", t.columns.len()),
            )
        });
        if wrong.is_empty() && !doubtful.is_empty() {
            readable.push(t.name);
        }
    }
    readable
}

fn kind_hint(kind: Kind) -> &'static str {
    match kind {
        Kind::Id => " (an integer id)",
        Kind::Text => " (text)",
        Kind::Flag => " (a 'Y'/'N' flag)",
        Kind::Date => " (a DATE)",
        Kind::Time => " (a TIME)",
    }
}

/// An index led by each column that needs one (docs/contract.md, "Indexes").
async fn indexes(conn: &mut Conn, readable: &[&str], out: &mut Vec<Check>) {
    for t in TABLES.iter().filter(|t| readable.contains(&t.name)) {
        for column in t.indexed {
            let name = format!("index {}({column})", t.name);
            let found = query(
                conn,
                "SELECT INDEX_NAME AS name FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? \
                 AND SEQ_IN_INDEX = 1 ORDER BY INDEX_NAME = 'PRIMARY' DESC LIMIT 1",
                (t.name, *column),
            )
            .await;
            out.push(match found {
                Ok(rows) if !rows.is_empty() => check(
                    name,
                    Status::Ok,
                    format!("index {}", text(&rows[0], "name").unwrap_or_default()),
                ),
                Ok(_) => check(
                    name,
                    Status::Fail,
                    format!(
                        "no index starts with {column}: every request would scan {}; \
                         CREATE INDEX idx_{column} ON {} ({column})",
                        t.name, t.name
                    ),
                ),
                Err(e) => check(name, Status::Fail, format!("cannot list indexes: {e}")),
            });
        }
    }
}

/// Privileges other than reading, on this database or globally: a warning each (the functions
/// only read). The grant lines themselves are never shown (MariaDB's hold the password hash).
async fn privileges(conn: &mut Conn) -> Check {
    let db: Option<String> = query(conn, "SELECT DATABASE() AS db", ())
        .await
        .ok()
        .and_then(|r| r.first().and_then(|r| text(r, "db")));
    let grants = match query(conn, "SHOW GRANTS", ()).await {
        Ok(rows) => rows,
        Err(e) => {
            return check(
                "privileges",
                Status::Warn,
                format!("SHOW GRANTS failed: {e}"),
            );
        }
    };
    let lines: Vec<String> = grants
        .iter()
        .filter_map(|r| text(r, &r.columns_ref()[0].name_str()))
        .collect();
    let writes = write_privileges(&lines, db.as_deref().unwrap_or_default());
    if writes.is_empty() {
        check(
            "privileges",
            Status::Ok,
            "read-only on this database (SELECT on each table checked above)",
        )
    } else {
        check(
            "privileges",
            Status::Warn,
            format!(
                "this user may also {} : the functions only read; grant SELECT on the tables read \
                 and nothing else (docs/DEPLOY.md)",
                writes.join(", ")
            ),
        )
    }
}

/// From `SHOW GRANTS` lines, every privilege beyond reading that applies to database `db` (on
/// `*.*`, `` `db`.* `` or a table of it), as "PRIVILEGE on scope".
pub fn write_privileges(lines: &[String], db: &str) -> Vec<String> {
    const READING: [&str; 4] = ["SELECT", "USAGE", "SHOW VIEW", "SHOW DATABASES"];
    let mut out = Vec::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("GRANT ") else {
            continue;
        };
        let Some((privs, rest)) = rest.split_once(" ON ") else {
            continue; // a role granted: its own grants are listed as roles, not here
        };
        let scope = rest.split(" TO ").next().unwrap_or_default().trim();
        let scope_db = scope
            .split_once('.')
            .map_or(scope, |(d, _)| d)
            .trim_matches('`')
            .replace("\\_", "_");
        let applies = scope.starts_with("*.") || scope_db == db || scope_db == "%";
        if !applies {
            continue;
        }
        // Column lists "(a, b)" hold commas: drop them before splitting.
        let mut plain = String::new();
        let mut depth = 0;
        for c in privs.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => plain.push(c),
                _ => {}
            }
        }
        for p in plain.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !READING.contains(&p.to_ascii_uppercase().as_str()) {
                out.push(format!("{p} on {scope}"));
            }
        }
        if line.contains("WITH GRANT OPTION") {
            out.push(format!("GRANT OPTION on {scope}"));
        }
    }
    out
}

/// The database's connection limits against what the lab functions may open: each instance
/// of the two lab functions holds up to 2 connections, and Lambda runs at most
/// `LabReservedConcurrency` instances of each (docs/DEPLOY.md, "Database connections").
async fn connection_budget(conn: &mut Conn, reserved: Option<u32>) -> Check {
    let limits = query(
        conn,
        "SELECT @@max_connections AS max_connections, @@max_user_connections AS max_user",
        (),
    )
    .await;
    let Ok(Some(row)) = limits.map(|r| r.into_iter().next()) else {
        return check("connections", Status::Warn, "cannot read max_connections");
    };
    let num = |c| {
        text(&row, c)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (server, global_user) = (num("max_connections"), num("max_user"));
    // The account's own limit (SHOW CREATE USER: allowed for the current user; its text holds
    // the password hash, so only the number is taken from it).
    let account = query(conn, "SHOW CREATE USER CURRENT_USER()", ())
        .await
        .ok()
        .and_then(|rows| {
            let row = rows.into_iter().next()?;
            let line = text(&row, &row.columns_ref()[0].name_str())?;
            let rest = line.split("MAX_USER_CONNECTIONS ").nth(1)?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
        .unwrap_or(0);
    let limit = [server, global_user, account]
        .into_iter()
        .filter(|n| *n > 0)
        .min()
        .unwrap_or(0);
    let limits = format!(
        "max_connections {server}, max_user_connections {global_user}, this account's limit {}",
        if account == 0 {
            "none".to_string()
        } else {
            account.to_string()
        }
    );
    let Some(reserved) = reserved else {
        return check(
            "connections",
            Status::Ok,
            format!("{limits}; LAB_RESERVED_CONCURRENCY not set, so not compared"),
        );
    };
    let need = 2 * 2 * u64::from(reserved);
    if limit > 0 && limit < need {
        check(
            "connections",
            Status::Warn,
            format!(
                "{limits}: the lab functions may open {need} (2 functions x {reserved} instances \
                 x 2); lower LabReservedConcurrency or raise the limit"
            ),
        )
    } else {
        check(
            "connections",
            Status::Ok,
            format!(
                "{limits}; the lab functions open at most {need} (twice that during a rotation)"
            ),
        )
    }
}

/// EXPLAIN and a timed run of both statements, for one real lab number.
async fn statements(db: &Database, conn: &mut Conn, options: &Options, out: &mut Vec<Check>) {
    let lab_number = match &options.lab_number {
        Some(n) => Some(n.trim().to_string()),
        None => query(
            conn,
            "SELECT T_OrderHeaderLabNumber AS n FROM t_orderheader \
             WHERE T_OrderHeaderIsActive = 'Y' ORDER BY T_OrderHeaderID DESC LIMIT 1",
            (),
        )
        .await
        .ok()
        .and_then(|r| r.first().and_then(|r| text(r, "n"))),
    };
    let Some(lab_number) = lab_number else {
        out.push(check(
            "statements",
            Status::Warn,
            "no active order to explain and time the statements with (pass a lab number)",
        ));
        return;
    };
    let which = if options.lab_number.is_some() {
        "the given lab number"
    } else {
        "the latest active order"
    };
    let sizes: BTreeMap<String, u64> = query(
        conn,
        "SELECT TABLE_NAME AS name, TABLE_ROWS AS n FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE()",
        (),
    )
    .await
    .unwrap_or_default()
    .iter()
    .filter_map(|r| Some((text(r, "name")?, text(r, "n")?.parse().ok()?)))
    .collect();
    for (endpoint, sql) in [
        ("sampling_timestamp", SAMPLING_SQL),
        ("glucose", GLUCOSE_SQL),
    ] {
        out.push(plan(conn, endpoint, sql, &lab_number, which, &sizes).await);
        let started = Instant::now();
        let result = db.rows(sql, lab_number_params(&lab_number)).await;
        let ms = started.elapsed().as_millis();
        out.push(match result {
            Ok(rows) if ms < 1000 => check(
                format!("time {endpoint}"),
                Status::Ok,
                format!("{ms} ms for {which} ({} rows)", rows.len()),
            ),
            Ok(_) => check(
                format!("time {endpoint}"),
                Status::Warn,
                format!(
                    "{ms} ms for {which}: over a third of the {} s query budget",
                    QUERY_TIMEOUT.as_secs()
                ),
            ),
            Err(e) => check(
                format!("time {endpoint}"),
                Status::Fail,
                format!("the statement failed after {ms} ms: {e}"),
            ),
        });
    }
}

/// `EXPLAIN` of one statement: a full scan of an order-sized table fails when no index could
/// serve it and the table is large; a scan the optimizer chose although an index exists, or of
/// a table still small, is reported, not failed (a small database makes scans cheap).
async fn plan(
    conn: &mut Conn,
    endpoint: &str,
    sql: &str,
    lab_number: &str,
    which: &str,
    sizes: &BTreeMap<String, u64>,
) -> Check {
    let name = format!("plan {endpoint}");
    let rows = match query(
        conn,
        &format!("EXPLAIN {sql}"),
        lab_number_params(lab_number),
    )
    .await
    {
        Ok(rows) => rows,
        Err(e) => return check(name, Status::Fail, format!("EXPLAIN failed: {e}")),
    };
    let aliases: BTreeMap<String, &schema::Table> =
        schema::table_aliases(sql).into_iter().collect();
    let (mut fails, mut warns, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for row in &rows {
        let Some(t) = text(row, "table").and_then(|a| aliases.get(&a).copied()) else {
            continue;
        };
        let access = text(row, "type").unwrap_or_default();
        if !t.order_sized || !matches!(access.as_str(), "ALL" | "index") {
            continue;
        }
        let size = sizes.get(t.name).copied().unwrap_or(0);
        let usable = text(row, "possible_keys").is_some_and(|k| !k.is_empty());
        let what = format!("{} read by a full scan ({size} rows)", t.name);
        if size < SMALL_TABLE_ROWS {
            notes.push(format!("{what}, harmless at this size"));
        } else if usable {
            warns.push(format!(
                "{what} although an index exists: ANALYZE TABLE {}",
                t.name
            ));
        } else {
            fails.push(format!("{what}: no index serves it (see the index checks)"));
        }
    }
    // A table read under two aliases (order_glucose as g and as latest) is named once.
    let summary = |mut items: Vec<String>| {
        items.sort();
        items.dedup();
        items.join("; ")
    };
    if !fails.is_empty() {
        check(name, Status::Fail, summary(fails))
    } else if !warns.is_empty() {
        check(name, Status::Warn, summary(warns))
    } else if !notes.is_empty() {
        check(name, Status::Ok, format!("for {which}: {}", summary(notes)))
    } else {
        check(
            name,
            Status::Ok,
            format!("for {which}: every order-sized table read through an index"),
        )
    }
}

/// The `preflight` binary. Inside Lambda (`AWS_LAMBDA_RUNTIME_API` set, e.g. `sam remote
/// invoke PreflightFunction`): a handler whose event is [`Options`] (`{}` or
/// `{"lab_number": "…"}`) and whose answer is the [`Report`]. Elsewhere (`scripts/preflight`):
/// one run; prints the report as a table, or as JSON with `--json`; exit status 1 when not
/// ready, 2 on a usage error.
pub async fn main() -> Result<(), startup::Error> {
    use lambda_http::lambda_runtime::{LambdaEvent, run as serve, service_fn};
    let aws = startup::aws().await;
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        startup::init_logging();
        let aws = &aws;
        return serve(service_fn(|event: LambdaEvent<serde_json::Value>| async move {
            let options: Options = match event.payload {
                serde_json::Value::Null => Options::default(),
                payload => serde_json::from_value(payload)?,
            };
            let report = run(aws, &ProcessEnv, &options).await;
            for c in report.checks.iter().filter(|c| c.status != Status::Ok) {
                tracing::warn!(check = %c.name, status = ?c.status, detail = %c.detail, "preflight");
            }
            tracing::info!(ready = report.ready, checks = report.checks.len(), "preflight");
            Ok::<_, startup::Error>(report)
        }))
        .await;
    }
    let mut json = false;
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--lab-number" => options.lab_number = args.next(),
            _ => {
                eprintln!("usage: preflight [--json] [--lab-number LAB_NUMBER]");
                std::process::exit(2);
            }
        }
    }
    let report = run(&aws, &ProcessEnv, &options).await;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table());
    }
    std::process::exit(if report.ready { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build setting reaches cargo: this test binary is built the way the functions are.
    #[test]
    fn aws_lc_is_built_without_the_cpu_jitter_entropy_source() {
        let build = build();
        assert_eq!(build.status, Status::Ok, "{}", build.detail);
    }

    fn lines(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn read_only_grants_have_no_write_privileges() {
        let g = lines(&[
            "GRANT USAGE ON *.* TO `wynacom`@`%` IDENTIFIED BY PASSWORD '*ABC'",
            "GRANT SELECT ON `cpone`.`t_orderheader` TO `wynacom`@`%`",
            "GRANT SELECT (T_TestID, T_TestName) ON `cpone`.`t_test` TO `wynacom`@`%`",
            "GRANT INSERT ON `other`.* TO `wynacom`@`%`",
        ]);
        assert_eq!(write_privileges(&g, "cpone"), Vec::<String>::new());
    }

    #[test]
    fn write_privileges_on_the_database_or_globally_are_named() {
        let g = lines(&[
            "GRANT SELECT, INSERT, UPDATE ON `cpone`.* TO `wynacom`@`%`",
            "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION",
            "GRANT DELETE ON `cpone`.`order_glucose` TO `wynacom`@`%`",
            "GRANT `reader`@`%` TO `wynacom`@`%`",
        ]);
        assert_eq!(
            write_privileges(&g, "cpone"),
            [
                "INSERT on `cpone`.*",
                "UPDATE on `cpone`.*",
                "ALL PRIVILEGES on *.*",
                "GRANT OPTION on *.*",
                "DELETE on `cpone`.`order_glucose`"
            ]
        );
    }

    #[test]
    fn the_report_is_ready_unless_a_check_failed() {
        let ok = check("a", Status::Ok, "fine");
        let warn = check("b", Status::Warn, "hm");
        assert!(Report::new(vec![ok.clone(), warn.clone()]).ready);
        let report = Report::new(vec![ok, warn, check("c", Status::Fail, "no")]);
        assert!(!report.ready);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["checks"][2],
            serde_json::json!({"name": "c", "status": "fail", "detail": "no"})
        );
        assert!(
            report
                .table()
                .ends_with("NOT READY: 1 ok, 1 warn, 1 fail\n")
        );
    }
}
