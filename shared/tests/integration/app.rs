//! The tests' one harness. [`TestApp`] is a function instance without the runtime, on a token
//! table of its own on the DynamoDB Local and, when the test asks, a database of its own on the
//! MariaDB server; both made here, through the AWS SDK and the MySQL driver, as template.yaml
//! and db/ define them. Every resource is held by a guard ([`TokenTable`], [`TestDb`],
//! [`RotatedUser`]) whose `Drop` removes it before the test ends, a panicking test included,
//! so nothing is left to sweep.
//!
//! The services are the ones `scripts/test` starts, or the environment names:
//! `AWS_ENDPOINT_URL_DYNAMODB`, `MYSQL_ADMIN_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`.

use aws_sdk_dynamodb::{
    config::{BehaviorVersion, Credentials, Region},
    types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    },
};
use lambda_http::{Body, Request, Response};
use mysql_async::prelude::Queryable;
use serde_json::Value;
use std::{
    future::Future,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};
use wynacom::{
    clock::ManualClock,
    endpoints::Endpoint,
    testing::{FixedLab, body_json},
    token::{Tokens, dynamo::DynamoStore},
};

/// 2030-06-21 10:00:00 Asia/Jakarta, where a [`TestApp`]'s clock starts. In the future on
/// purpose: DynamoDB Local deletes items whose `ttl` has passed, as DynamoDB does, which would
/// empty the slot under a test.
pub const T0: i64 = 1_908_241_200;

/// A function instance without the runtime: the endpoints on a token table of its own (a
/// [`TokenTable`] of the suite's DynamoDB Local), a clock the test sets (at [`T0`]), no
/// validation cache (every check reads the table), fixed lab rows, and with
/// [`TestApp::with_database`] a demo database of its own. Its table and database are removed
/// when it is dropped.
pub struct TestApp {
    pub tokens: Tokens<DynamoStore>,
    pub clock: ManualClock,
    pub lab: FixedLab,
    pub table: TokenTable,
    db: Option<TestDb>,
}

/// What a [`TestDb`] holds: db/schema.sql's tables, with or without db/demo.sql's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    SchemaOnly,
    Demo,
}

impl TestApp {
    pub async fn new() -> Self {
        let table = TokenTable::create().await;
        let clock = ManualClock::at(T0);
        let tokens = Tokens::new(table.store(), Arc::new(clock.clone()), jakarta());
        Self {
            tokens: tokens.with_cache_seconds(0),
            clock,
            lab: wynacom::testing::fixed_lab(),
            table,
            db: None,
        }
    }

    /// The same, with a database of its own on the suite's MariaDB server.
    pub async fn with_database(data: Data) -> Self {
        let mut app = Self::new().await;
        app.db = Some(TestDb::create(data).await);
        app
    }

    /// Its database ([`TestApp::with_database`]).
    pub fn db(&self) -> &TestDb {
        self.db
            .as_ref()
            .expect("a TestApp made by TestApp::with_database")
    }

    /// `endpoint`'s answer to `req`.
    pub async fn call(&self, endpoint: Endpoint, req: Request) -> Response<Body> {
        wynacom::testing::call(endpoint, &self.tokens, &self.lab, req).await
    }

    /// A token from /generate_token (events/generate_token.json).
    pub async fn token(&self) -> String {
        let data = self
            .ok(
                Endpoint::GenerateToken,
                wynacom::testing::event("generate_token", ""),
            )
            .await;
        data["access_token"].as_str().unwrap().to_string()
    }

    /// `endpoint`'s `data` for `req`, which must succeed.
    pub async fn ok(&self, endpoint: Endpoint, req: Request) -> Value {
        let resp = self.call(endpoint, req).await;
        assert_eq!(resp.status(), 200, "{endpoint}: {:?}", body_json(&resp));
        body_json(&resp)["data"].clone()
    }
}

pub fn jakarta() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Jakarta").unwrap()
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

static NAMES: AtomicU32 = AtomicU32::new(0);

/// `<prefix>_<process>_<n>_<nanoseconds>`: unique among the runs of the suite that share the
/// services, and short enough for a MySQL user name (32 characters).
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        NAMES.fetch_add(1, Ordering::SeqCst),
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    )
}

/// How long a guard's clean-up may take before it gives up (and says so).
const CLEANUP_LIMIT: Duration = Duration::from_secs(30);

/// Runs a guard's clean-up to its end, from a `Drop`: on a thread of its own with a runtime of
/// its own (the test's runtime may be the one dropping, or unwinding a panic), joined before
/// `Drop` returns. Never panics; a clean-up that fails says so on stderr.
fn clean_up(what: String, cleanup: impl Future<Output = Result<(), String>> + Send + 'static) {
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            tokio::time::timeout(CLEANUP_LIMIT, cleanup)
                .await
                .map_err(|_| format!("no answer within {CLEANUP_LIMIT:?}"))?
        })
    })
    .join();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("could not remove {what}: {e}"),
        Err(_) => eprintln!("could not remove {what}: the clean-up panicked"),
    }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

/// `AWS_ENDPOINT_URL_DYNAMODB` (set by scripts/test), else DynamoDB Local's default port.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "http://127.0.0.1:8000".into())
}

/// A client of its own (own connection pool), as a separate Lambda instance would have, with
/// the functions' own timeouts and retries.
pub async fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&local_aws(endpoint).await)
}

pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&dynamodb_endpoint()).await
}

/// The AWS configuration of a local service at `endpoint`: dummy credentials, the functions'
/// own timeouts and retries.
pub async fn local_aws(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .region(Region::new("ap-southeast-3"))
        .endpoint_url(endpoint)
        .timeout_config(wynacom::startup::aws_timeouts())
        .retry_config(wynacom::startup::aws_retries())
        .load()
        .await
}

/// Creates the token table `name` as template.yaml's `TokenTable` defines it: partition key
/// `pk` (S), no sort key, on-demand, TTL on `ttl` (repository.rs compares the two).
pub async fn create_token_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<(), String> {
    let pk = AttributeDefinition::builder()
        .attribute_name("pk")
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("a complete attribute definition");
    let key = KeySchemaElement::builder()
        .attribute_name("pk")
        .key_type(KeyType::Hash)
        .build()
        .expect("a complete key");
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("ttl")
        .enabled(true)
        .build()
        .expect("a complete TTL specification");
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(pk)
        .key_schema(key)
        .send()
        .await
        .map_err(|e| {
            format!(
                "CreateTable {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        })?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| {
            format!(
                "UpdateTimeToLive {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        })?;
    Ok(())
}

/// A token table of its own on the suite's DynamoDB Local, deleted when dropped.
pub struct TokenTable {
    pub name: String,
    pub client: aws_sdk_dynamodb::Client,
    endpoint: String,
}

impl TokenTable {
    pub async fn create() -> Self {
        let endpoint = dynamodb_endpoint();
        let client = dynamodb_client_at(&endpoint).await;
        let name = unique("t");
        create_token_table(&client, &name).await.unwrap_or_else(|e| {
            panic!("cannot create a table in DynamoDB Local at {endpoint} ({e}); run the tests with scripts/test")
        });
        Self {
            name,
            client,
            endpoint,
        }
    }

    /// The project's store on this table.
    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(self.client.clone(), &self.name)
    }
}

impl Drop for TokenTable {
    fn drop(&mut self) {
        let (endpoint, name) = (self.endpoint.clone(), self.name.clone());
        clean_up(format!("the table {name}"), async move {
            dynamodb_client_at(&endpoint)
                .await
                .delete_table()
                .table_name(&name)
                .send()
                .await
                .map(drop)
                .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/// `MYSQL_ADMIN_URL` (set by scripts/test), else the machine's MariaDB as root.
/// MySQL 8.0's default `sql_mode` (production runs MySQL 8 on RDS): strict, no zero dates.
pub const MYSQL_8_SQL_MODE: &str = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,\
NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

pub fn mysql_admin_url() -> String {
    std::env::var("MYSQL_ADMIN_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// A connection as `url` says (an admin URL, with or without a database).
async fn connect(url: &str) -> Result<mysql_async::Conn, mysql_async::Error> {
    mysql_async::Conn::new(mysql_async::Opts::from_url(url)?).await
}

/// A database of its own, `wyn_test_<process>_<n>_<nanoseconds>`, made from db/schema.sql and (with
/// [`Data::Demo`]) db/demo.sql; dropped when the guard is.
pub struct TestDb {
    pub name: String,
    /// `mysql://root@host:port/<name>`.
    pub url: String,
    admin_url: String,
}

impl TestDb {
    /// On the suite's MariaDB server.
    pub async fn create(data: Data) -> Self {
        Self::create_at(&mysql_admin_url(), data).await
    }

    /// On the server of `admin_url` (`mysql://root@host:port`), e.g. a private one.
    pub async fn create_at(admin_url: &str, data: Data) -> Self {
        let admin_url = admin_url.trim_end_matches('/').to_string();
        let name = unique("wyn_test");
        // The guard first: a load that fails half-way leaves nothing either.
        let db = Self {
            url: format!("{admin_url}/{name}"),
            name,
            admin_url,
        };
        db.load(data).await.unwrap_or_else(|e| {
            panic!(
                "cannot load the database at {} ({e}); run the tests with scripts/test",
                db.admin_url
            )
        });
        db
    }

    async fn load(&self, data: Data) -> Result<(), String> {
        let mut files = vec!["schema.sql"];
        if data == Data::Demo {
            files.push("demo.sql");
        }
        let mut conn = connect(&self.admin_url).await.map_err(|e| e.to_string())?;
        let create = format!("CREATE DATABASE `{}` CHARACTER SET utf8mb4", self.name);
        let select = format!("USE `{}`", self.name);
        for sql in [create, select] {
            conn.query_drop(sql).await.map_err(|e| e.to_string())?;
        }
        for file in files {
            let path = root().join("db").join(file);
            let sql =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            // The file's statements, one text: the driver sends them as one multi-statement query.
            conn.query_drop(sql)
                .await
                .map_err(|e| format!("db/{file}: {e}"))?;
        }
        conn.disconnect().await.map_err(|e| e.to_string())
    }

    /// The project's pool on this database, as a lab function builds it.
    pub fn database(&self) -> wynacom::lab::database::Database {
        wynacom::lab::database::Database::new(
            mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(&self.url).unwrap()),
            wynacom::config::TlsMode::Off,
        )
    }

    /// A connection of the test's own (as root) on this database.
    /// [`TestDb::database`] whose connections run under `sql_mode` (set by the test for its
    /// sessions, as a server with that default would: the functions set nothing).
    pub fn database_under(&self, sql_mode: &str) -> wynacom::lab::database::Database {
        let opts =
            mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(&self.url).unwrap())
                .init(vec![format!("SET SESSION sql_mode = '{sql_mode}'")]);
        wynacom::lab::database::Database::new(opts, wynacom::config::TlsMode::Off)
    }

    pub async fn admin_conn(&self) -> mysql_async::Conn {
        connect(&self.url).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        clean_up(format!("the database {name}"), async move {
            let mut conn = connect(&url).await.map_err(|e| e.to_string())?;
            conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
                .await
                .map_err(|e| e.to_string())?;
            conn.disconnect().await.map_err(|e| e.to_string())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets Manager

/// `AWS_ENDPOINT_URL_SECRETS_MANAGER`: the local Secrets Manager that scripts/test starts
/// (moto's server mode).
pub fn secrets_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        .expect("AWS_ENDPOINT_URL_SECRETS_MANAGER: run the tests with scripts/test")
}

/// A Secrets Manager client of the local Secrets Manager, built as the functions build theirs.
pub async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&local_aws(&secrets_endpoint()).await)
}

/// A MySQL user of its own, with the grants a test gives it on one test database, connecting
/// from 127.0.0.1 (how the functions reach MariaDB) or localhost. Dropped with the guard.
pub struct DbUser {
    pub user: String,
    pub password: String,
    db: String,
    admin_url: String,
}

/// The hosts the user may connect from (how the functions reach MariaDB: 127.0.0.1).
const USER_HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

impl DbUser {
    /// A user of `db` with `grants`, each `PRIVILEGES ON {db}.<what>` with `{db}` for the
    /// database's quoted name (e.g. `SELECT ON {db}.*`), and `options` after `IDENTIFIED BY`
    /// (e.g. `WITH MAX_USER_CONNECTIONS 2`).
    pub async fn create(db: &TestDb, password: &str, grants: &[&str], options: &str) -> Self {
        // The guard first: a creation that fails half-way leaves nothing either.
        let user = Self {
            user: unique("wyn_user"),
            password: password.to_string(),
            db: db.name.clone(),
            admin_url: db.admin_url.clone(),
        };
        let mut conn = connect(&user.admin_url).await.unwrap();
        for host in USER_HOSTS {
            conn.query_drop(format!(
                "CREATE USER '{}'@'{host}' IDENTIFIED BY '{password}' {options}",
                user.user
            ))
            .await
            .unwrap();
            for grant in grants {
                let grant = grant.replace("{db}", &format!("`{}`", user.db));
                conn.query_drop(format!("GRANT {grant} TO '{}'@'{host}'", user.user))
                    .await
                    .unwrap();
            }
        }
        conn.disconnect().await.unwrap();
        user
    }

    /// `mysql://user:password@127.0.0.1:<port>/<db>`, the admin URL's server.
    pub fn url(&self) -> String {
        let server = self.admin_url.rsplit('@').next().unwrap_or_default();
        format!(
            "mysql://{}:{}@{server}/{}",
            self.user, self.password, self.db
        )
    }

    /// A new password, and the user's sessions ended (the database's side of a rotation).
    pub async fn change_password(&self, password: &str) {
        let mut conn = connect(&self.admin_url).await.unwrap();
        for host in USER_HOSTS {
            conn.query_drop(format!(
                "ALTER USER '{}'@'{host}' IDENTIFIED BY '{password}'",
                self.user
            ))
            .await
            .unwrap();
        }
        let ids: Vec<u64> = conn
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?",
                (self.user.as_str(),),
            )
            .await
            .unwrap();
        for id in ids {
            let _ = conn.query_drop(format!("KILL {id}")).await;
        }
        conn.disconnect().await.unwrap();
    }
}

impl Drop for DbUser {
    fn drop(&mut self) {
        let (url, user) = (self.admin_url.clone(), self.user.clone());
        clean_up(format!("the user {user}"), async move {
            let mut conn = connect(&url).await.map_err(|e| e.to_string())?;
            for host in USER_HOSTS {
                conn.query_drop(format!("DROP USER IF EXISTS '{user}'@'{host}'"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            conn.disconnect().await.map_err(|e| e.to_string())
        });
    }
}

/// A [`DbUser`] with SELECT on one database, its password changed at will, and the Secrets
/// Manager secret (RDS format) that names it. The user and every secret made through it are
/// removed when it is dropped.
pub struct RotatedUser {
    pub db_user: DbUser,
    pub arn: String,
    secrets: aws_sdk_secretsmanager::Client,
    /// Every secret made through this guard, deleted with it.
    made: Mutex<Vec<String>>,
}

impl RotatedUser {
    pub async fn create(db: &TestDb, password: &str) -> Self {
        let mut user = Self {
            db_user: DbUser::create(db, password, &["SELECT ON {db}.*"], "").await,
            arn: String::new(),
            secrets: secrets_client().await,
            made: Mutex::new(vec![]),
        };
        let text = user.secret_json(password);
        user.arn = user.make_secret("", &text).await;
        user
    }

    fn secret_json(&self, password: &str) -> String {
        serde_json::json!({
            "engine": "mysql", "username": self.db_user.user, "password": password,
            "host": "127.0.0.1", "port": 3306, "dbname": self.db_user.db,
        })
        .to_string()
    }

    /// A secret `wynacom/test/<user><suffix>` holding `text`, deleted with the guard; its ARN.
    pub async fn make_secret(&self, suffix: &str, text: &str) -> String {
        let arn = self
            .secrets
            .create_secret()
            .name(format!("wynacom/test/{}{suffix}", self.db_user.user))
            .secret_string(text)
            .send()
            .await
            .expect("the local Secrets Manager answers")
            .arn
            .expect("an ARN");
        self.made.lock().unwrap().push(arn.clone());
        arn
    }

    /// The database's side of a rotation: the new password, and the user's sessions ended.
    pub async fn change_password(&self, password: &str) {
        self.db_user.change_password(password).await
    }

    /// The secret's side of a rotation.
    pub async fn put_secret(&self, password: &str) {
        self.secrets
            .put_secret_value()
            .secret_id(&self.arn)
            .secret_string(self.secret_json(password))
            .send()
            .await
            .unwrap();
    }

    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        self.secrets.clone()
    }
}

/// The secrets go with the guard (the user with its own guard, after).
impl Drop for RotatedUser {
    fn drop(&mut self) {
        let arns = std::mem::take(&mut *self.made.lock().unwrap_or_else(|e| e.into_inner()));
        clean_up(
            format!("the secrets of {}", self.db_user.user),
            async move {
                let secrets = secrets_client().await;
                let mut problems = vec![];
                for arn in arns {
                    if let Err(e) = secrets
                        .delete_secret()
                        .secret_id(&arn)
                        .force_delete_without_recovery(true)
                        .send()
                        .await
                    {
                        problems.push(
                            aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                        );
                    }
                }
                match problems.is_empty() {
                    true => Ok(()),
                    false => Err(problems.join("; ")),
                }
            },
        );
    }
}
