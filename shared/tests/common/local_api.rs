//! The six release binaries inside a local Lambda runtime (`cargo lambda watch`), on a fresh
//! DynamoDB table and a fresh demo database: the same set-up as scripts/run-local.

use super::{RotatedUser, TestDb, fresh_table};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct LocalApi {
    watch: Child,
    pub port: u16,
    pub table: String,
    pub db: Option<TestDb>,
    agent: ureq::Agent,
}

/// What a call through the local runtime answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl LocalApi {
    /// Starts the runtime with the release binaries (built beforehand by scripts/test), the
    /// lab functions reading `DATABASE_URL`.
    pub async fn start() -> Self {
        let db = TestDb::new(true).await;
        let database = format!("DATABASE_URL={}\n", db.url);
        Self::start_on(db, &database).await
    }

    /// The same, the lab functions reading their credentials from a secret of the local
    /// Secrets Manager (as in AWS): returns the secret's user, to rotate its password.
    pub async fn start_with_secret(password: &str) -> (Self, RotatedUser) {
        let db = TestDb::new(true).await;
        let user = RotatedUser::create(&db, password).await;
        let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .expect("AWS_ENDPOINT_URL_SECRETS_MANAGER: run the tests with scripts/test");
        let database = format!(
            "DATABASE_SECRET_ARN={}\nAWS_ENDPOINT_URL_SECRETS_MANAGER={endpoint}\n",
            user.arn
        );
        (Self::start_on(db, &database).await, user)
    }

    async fn start_on(db: TestDb, database_env: &str) -> Self {
        let (_, table) = fresh_table().await;
        let port = free_port();
        let root = workspace_root();
        let env_file = std::env::temp_dir().join(format!("wynacom-e2e-{port}.env"));
        std::fs::write(
            &env_file,
            format!(
                "TOKEN_TABLE_NAME={table}\nAWS_ENDPOINT_URL_DYNAMODB={}\nAWS_ACCESS_KEY_ID=local\n\
                 AWS_SECRET_ACCESS_KEY=local\nAWS_REGION=ap-southeast-3\nAWS_EC2_METADATA_DISABLED=true\n\
                 {database_env}APP_TIMEZONE=Asia/Jakarta\n",
                super::dynamodb_endpoint(),
            ),
        )
        .unwrap();
        let log =
            std::fs::File::create(std::env::temp_dir().join(format!("wynacom-e2e-{port}.log")))
                .unwrap();
        let watch = Command::new("cargo")
            .current_dir(&root)
            .args([
                "lambda",
                "watch",
                "--quiet",
                "--release",
                "--ignore-changes",
            ])
            .args([
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .arg("--env-file")
            .arg(&env_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("cargo lambda is installed (scripts/test installs it)");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        let api = Self {
            watch,
            port,
            table,
            db: Some(db),
            agent,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "cargo lambda watch did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        api
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/one-api/tools/wynacom", self.port)
    }

    /// Sends an API Gateway event to `function` through the Lambda invoke API and unwraps the
    /// proxy response the function returned.
    pub fn invoke(&self, function: &str, event: &str) -> Answer {
        let url = format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{function}/invocations",
            self.port
        );
        let mut resp = self.agent.post(&url).send(event).expect("invoke");
        let text = resp.body_mut().read_to_string().unwrap();
        let proxy: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{function} answered {text:?}: {e}"));
        let mut headers = vec![];
        for (name, values) in proxy["multiValueHeaders"].as_object().into_iter().flatten() {
            for v in values.as_array().into_iter().flatten() {
                headers.push((name.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
        for (name, v) in proxy["headers"].as_object().into_iter().flatten() {
            headers.push((name.clone(), v.as_str().unwrap_or_default().to_string()));
        }
        let body = proxy["body"].as_str().unwrap_or_default();
        Answer {
            status: proxy["statusCode"].as_u64().unwrap_or(0) as u16,
            headers,
            body: serde_json::from_str(body).unwrap_or(Value::String(body.to_string())),
        }
    }

    /// An HTTP request to the local API at `/one-api/tools/wynacom/<endpoint>`.
    pub fn request(
        &self,
        method: &str,
        endpoint: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let url = format!("{}/{endpoint}", self.base_url());
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = if body.is_empty() && method != "POST" {
            self.agent.run(req.body(()).unwrap())
        } else {
            self.agent.run(req.body(body.to_vec()).unwrap())
        };
        let mut resp = resp.expect("local API answers");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// A fresh valid token.
    pub fn token(&self) -> String {
        let answer = self.invoke(
            "generate_token",
            &wynacom::testing::event_text("generate_token", ""),
        );
        answer.body["data"]["access_token"]
            .as_str()
            .expect("a token")
            .to_string()
    }

    pub async fn stop(mut self) {
        self.kill();
        if let Some(db) = self.db.take() {
            db.drop_database().await;
        }
    }

    fn kill(&mut self) {
        // The whole process group: cargo lambda, the cargo runs it started, the functions.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.watch.id()))
            .status();
        let _ = self.watch.wait();
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        self.kill();
    }
}
