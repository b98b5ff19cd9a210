//! The integration tests' set-up: fresh token tables on the DynamoDB Local, fresh databases on
//! the MariaDB server and the local Secrets Manager that `scripts/test` starts (or that the
//! environment names), and [`TestApp`], the endpoints on fresh ones.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use std::sync::atomic::{AtomicU32, Ordering};

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use std::{path::PathBuf, process::Command, sync::Arc};
use wynacom::{
    clock::ManualClock,
    endpoints::Endpoint,
    testing::{FixedLab, body_json},
    token::{Tokens, dynamo::DynamoStore},
};

/// `AWS_ENDPOINT_URL_DYNAMODB` (set by scripts/test), else DynamoDB Local's default port.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "http://127.0.0.1:8000".into())
}

/// A client of its own (own connection pool), as a separate Lambda instance would have, with
/// the functions' own timeouts and retries.
pub async fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&local_aws(endpoint).await)
}

/// The AWS configuration of a local service at `endpoint`: dummy credentials, the functions'
/// own timeouts and retries.
async fn local_aws(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .region(Region::new("ap-southeast-3"))
        .endpoint_url(endpoint)
        .timeout_config(wynacom::startup::aws_timeouts())
        .retry_config(wynacom::startup::aws_retries())
        .load()
        .await
}

pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&dynamodb_endpoint()).await
}

static TABLES: AtomicU32 = AtomicU32::new(0);

/// 2030-06-21 10:00:00 Asia/Jakarta, where a [`TestApp`]'s clock starts. In the future on
/// purpose: DynamoDB Local deletes items whose `ttl` has passed, as DynamoDB does, which would
/// empty the slot under a test.
pub const T0: i64 = 1_908_241_200;

/// A function instance without the runtime: the endpoints on a fresh token table of the
/// suite's DynamoDB Local, a clock the test sets (at [`T0`]), no validation cache (every
/// check reads the table), and fixed lab rows.
pub struct TestApp {
    pub tokens: Tokens<DynamoStore>,
    pub clock: ManualClock,
    pub lab: FixedLab,
}

impl TestApp {
    pub async fn new() -> Self {
        let clock = ManualClock::at(T0);
        let tz = jiff::tz::TimeZone::get("Asia/Jakarta").unwrap();
        let tokens = Tokens::new(fresh_store().await, Arc::new(clock.clone()), tz);
        Self {
            tokens: tokens.with_cache_seconds(0),
            clock,
            lab: wynacom::testing::fixed_lab(),
        }
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

/// A fresh, uniquely named table for one test.
pub async fn fresh_table() -> (aws_sdk_dynamodb::Client, String) {
    let client = dynamodb_client().await;
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst),
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    );
    create_table_at(&dynamodb_endpoint(), &name).unwrap_or_else(|e| {
        panic!(
            "cannot create a table in DynamoDB Local at {} ({e}); run the tests with scripts/test",
            dynamodb_endpoint()
        )
    });
    (client, name)
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs one of the repository's scripts (`scripts/<name>`) with `args` and `env`.
pub fn script(name: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let out = Command::new(root().join("scripts").join(name))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .map_err(|e| format!("scripts/{name}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "scripts/{name} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The token table `name` on the DynamoDB Local at `endpoint`, made as the scripts make it
/// (scripts/dynamodb-create-table: template.yaml's definition).
pub fn create_table_at(endpoint: &str, name: &str) -> Result<(), String> {
    script(
        "dynamodb-create-table",
        &[name],
        &[("AWS_ENDPOINT_URL_DYNAMODB", endpoint)],
    )
}

pub async fn fresh_store() -> DynamoStore {
    let (client, table) = fresh_table().await;
    DynamoStore::new(client, table)
}

/// A Secrets Manager client of the local Secrets Manager that scripts/test starts (moto's
/// server mode, `AWS_ENDPOINT_URL_SECRETS_MANAGER`), built as the functions build theirs.
pub async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        .expect("AWS_ENDPOINT_URL_SECRETS_MANAGER: run the tests with scripts/test");
    aws_sdk_secretsmanager::Client::new(&local_aws(&endpoint).await)
}

/// A MySQL user of its own with SELECT on one database, its password changed at will, and
/// the Secrets Manager secret (RDS format) that names it.
pub struct RotatedUser {
    pub user: String,
    pub arn: String,
    db: String,
    admin: mysql_async::Pool,
    secrets: aws_sdk_secretsmanager::Client,
}

impl RotatedUser {
    /// `host` is how the functions reach MariaDB (127.0.0.1).
    pub async fn create(db: &TestDb, password: &str) -> Self {
        use mysql_async::prelude::Queryable;
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let user = format!("wyn_rot_{}_{n}", std::process::id());
        let admin = mysql_async::Pool::new(mysql_admin_url().as_str());
        let mut conn = admin.get_conn().await.unwrap();
        for host in ["127.0.0.1", "localhost"] {
            conn.query_drop(format!("DROP USER IF EXISTS '{user}'@'{host}'"))
                .await
                .unwrap();
            conn.query_drop(format!(
                "CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'"
            ))
            .await
            .unwrap();
            conn.query_drop(format!(
                "GRANT SELECT ON `{}`.* TO '{user}'@'{host}'",
                db.name
            ))
            .await
            .unwrap();
        }
        drop(conn);
        let secrets = secrets_client().await;
        let arn = secrets
            .create_secret()
            .name(format!("wynacom/test/{user}"))
            .secret_string(Self::secret_json(&user, password, &db.name))
            .send()
            .await
            .expect("the local Secrets Manager answers")
            .arn
            .expect("an ARN");
        Self {
            user,
            arn,
            db: db.name.clone(),
            admin,
            secrets,
        }
    }

    fn secret_json(user: &str, password: &str, db: &str) -> String {
        serde_json::json!({
            "engine": "mysql", "username": user, "password": password,
            "host": "127.0.0.1", "port": 3306, "dbname": db,
        })
        .to_string()
    }

    /// The database's side of a rotation: the new password, and the user's sessions ended.
    pub async fn change_password(&self, password: &str) {
        use mysql_async::prelude::Queryable;
        let mut conn = self.admin.get_conn().await.unwrap();
        for host in ["127.0.0.1", "localhost"] {
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
    }

    /// The secret's side of a rotation.
    pub async fn put_secret(&self, password: &str) {
        self.secrets
            .put_secret_value()
            .secret_id(&self.arn)
            .secret_string(Self::secret_json(&self.user, password, &self.db))
            .send()
            .await
            .unwrap();
    }

    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        self.secrets.clone()
    }

    pub async fn drop_user(self) {
        use mysql_async::prelude::Queryable;
        let mut conn = self.admin.get_conn().await.unwrap();
        for host in ["127.0.0.1", "localhost"] {
            let _ = conn
                .query_drop(format!("DROP USER IF EXISTS '{}'@'{host}'", self.user))
                .await;
        }
        drop(conn);
        let _ = self.admin.disconnect().await;
    }
}

/// `MYSQL_ADMIN_URL` (set by scripts/test), else the machine's MariaDB as root.
pub fn mysql_admin_url() -> String {
    std::env::var("MYSQL_ADMIN_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A database of its own, created from `db/schema.sql` and (with `demo`) `db/demo.sql`.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin: mysql_async::Pool,
}

impl TestDb {
    pub async fn new(demo: bool) -> Self {
        Self::new_at(&mysql_admin_url(), demo).await
    }

    /// The same on the server of `admin_url` (`mysql://root@host:port`), e.g. a private one.
    pub async fn new_at(admin_url: &str, demo: bool) -> Self {
        let admin = mysql_async::Pool::new(admin_url);
        let name = format!(
            "wyn_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let port = mysql_async::Opts::from_url(admin_url)
            .expect("an admin URL")
            .tcp_port()
            .to_string();
        let mut args = vec![name.as_str()];
        if !demo {
            args.insert(0, "--schema-only");
        }
        script("load-demo-db", &args, &[("MYSQL_PORT", &port)]).unwrap_or_else(|e| {
            panic!("cannot load the database at {admin_url} ({e}); run the tests with scripts/test")
        });
        let url = format!("{}/{name}", admin_url.trim_end_matches('/'));
        Self { name, url, admin }
    }

    /// The project's pool on this database, as a lab function builds it.
    pub fn database(&self) -> wynacom::lab::database::Database {
        wynacom::lab::database::Database::new(
            mysql_async::OptsBuilder::from_opts(mysql_async::Opts::from_url(&self.url).unwrap()),
            wynacom::config::TlsMode::Off,
        )
    }

    /// A connection of the test's own (as root) on this database.
    pub async fn admin_conn(&self) -> mysql_async::Conn {
        use mysql_async::prelude::Queryable;
        let mut conn = self.admin.get_conn().await.unwrap();
        conn.query_drop(format!("USE `{}`", self.name))
            .await
            .unwrap();
        conn
    }

    pub async fn drop_database(self) {
        use mysql_async::prelude::Queryable;
        let mut conn = self.admin.get_conn().await.unwrap();
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name))
            .await
            .unwrap();
        drop(conn);
        let _ = self.admin.disconnect().await;
    }
}

/// The release binaries in a local Lambda runtime, started the one way the local API is started
/// (scripts/local-api), on a fresh token table of the suite's DynamoDB Local, with `env` (e.g.
/// the database's variables) on top of the common environment. Stopped when dropped.
pub struct LocalApi {
    runtime: std::process::Child,
    base: String,
}

impl LocalApi {
    pub async fn start_release(env: &[(&str, &str)]) -> Self {
        let (_, table) = fresh_table().await;
        let port = crate::servers::free_port();
        let mut text = format!(
            "TOKEN_TABLE_NAME={table}\nAWS_ENDPOINT_URL_DYNAMODB={}\nAWS_ACCESS_KEY_ID=local\n\
             AWS_SECRET_ACCESS_KEY=local\nAWS_REGION=ap-southeast-3\n\
             AWS_EC2_METADATA_DISABLED=true\nAPP_TIMEZONE=Asia/Jakarta\n",
            dynamodb_endpoint()
        );
        for (name, value) in env {
            text.push_str(&format!("{name}={value}\n"));
        }
        let dir = std::env::temp_dir();
        let env_file = dir.join(format!("wynacom-local-api-{port}.env"));
        std::fs::write(&env_file, text).unwrap();
        let log = std::fs::File::create(dir.join(format!("wynacom-local-api-{port}.log"))).unwrap();
        use std::os::unix::process::CommandExt;
        let runtime = Command::new(root().join("scripts/local-api"))
            .arg(port.to_string())
            .arg(&env_file)
            .arg("--release")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group: stopping it reaches cargo-lambda and the functions.
            .process_group(0)
            .spawn()
            .expect("scripts/local-api runs (cargo-lambda installed by scripts/test)");
        let api = Self {
            runtime,
            base: format!("http://127.0.0.1:{port}/one-api/tools/wynacom"),
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(120),
                "the local API did not start; see {}",
                dir.join(format!("wynacom-local-api-{port}.log")).display()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        api
    }

    pub fn api(&self) -> crate::api::Api {
        crate::api::Api::at(&self.base)
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.runtime.id()))
            .status();
        let _ = self.runtime.wait();
    }
}
