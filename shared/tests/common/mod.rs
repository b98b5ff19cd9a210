//! Shared set-up of the integration tests: DynamoDB Local and the MariaDB server that
//! `scripts/test` starts (or that the environment names).
#![allow(dead_code)]

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use std::sync::atomic::{AtomicU32, Ordering};

pub mod local_api;
pub mod private_servers;
use wynacom::token::dynamo::{DynamoStore, create_table};

/// `AWS_ENDPOINT_URL_DYNAMODB` (set by scripts/test), else DynamoDB Local's default port.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "http://127.0.0.1:8000".into())
}

/// A client of its own (own connection pool), as a separate Lambda instance would have, with
/// the functions' own timeouts and retries.
pub async fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .region(Region::new("ap-southeast-3"))
        .endpoint_url(endpoint)
        .timeout_config(wynacom::startup::aws_timeouts())
        .retry_config(wynacom::startup::aws_retries())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&sdk)
}

pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&dynamodb_endpoint()).await
}

static TABLES: AtomicU32 = AtomicU32::new(0);

/// A fresh, uniquely named table for one test.
pub async fn fresh_table() -> (aws_sdk_dynamodb::Client, String) {
    let client = dynamodb_client().await;
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst),
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    );
    create_table(&client, &name).await.unwrap_or_else(|e| {
        panic!(
            "cannot create a table in DynamoDB Local at {} ({e}); run the tests with scripts/test",
            dynamodb_endpoint()
        )
    });
    (client, name)
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
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(Credentials::new("local", "local", None, None, "tests"))
        .region(Region::new("ap-southeast-3"))
        .endpoint_url(endpoint)
        .timeout_config(wynacom::startup::aws_timeouts())
        .retry_config(wynacom::startup::aws_retries())
        .load()
        .await;
    aws_sdk_secretsmanager::Client::new(&sdk)
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
        use mysql_async::prelude::Queryable;
        let admin = mysql_async::Pool::new(admin_url);
        let name = format!(
            "wyn_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = admin.get_conn().await.unwrap_or_else(|e| {
            panic!("cannot reach MariaDB at {admin_url} ({e}); run the tests with scripts/test")
        });
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
            .await
            .unwrap();
        conn.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .await
            .unwrap();
        conn.query_drop(format!("USE `{name}`")).await.unwrap();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../db/");
        let mut files = vec!["schema.sql"];
        if demo {
            files.push("demo.sql");
        }
        for file in files {
            let sql = std::fs::read_to_string(format!("{root}{file}")).unwrap();
            conn.query_drop(sql)
                .await
                .unwrap_or_else(|e| panic!("db/{file}: {e}"));
        }
        drop(conn);
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
