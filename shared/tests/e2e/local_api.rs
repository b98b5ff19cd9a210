//! The release binaries in a local API of a test's own (the rotation and compare trials).

use crate::{
    api::Api,
    app::{TokenTable, dynamodb_endpoint, free_port, root},
};
use std::{
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The release binaries in a local Lambda runtime, started the one way the local API is
/// started (scripts/local-api), on a token table of its own on the suite's DynamoDB Local,
/// with `env` (e.g. the database's variables) on top of the common environment. Stopped, and
/// its table deleted, when dropped.
pub struct LocalApi {
    runtime: Child,
    pub base: String,
    env_file: PathBuf,
    log: PathBuf,
    _table: TokenTable,
}

impl LocalApi {
    pub async fn start_release(env: &[(&str, &str)]) -> Self {
        let table = TokenTable::create().await;
        let port = free_port();
        let mut text = format!(
            "TOKEN_TABLE_NAME={}\nAWS_ENDPOINT_URL_DYNAMODB={}\nAWS_ACCESS_KEY_ID=local\n\
             AWS_SECRET_ACCESS_KEY=local\nAWS_REGION=ap-southeast-3\n\
             AWS_EC2_METADATA_DISABLED=true\nAPP_TIMEZONE=Asia/Jakarta\n",
            table.name,
            dynamodb_endpoint()
        );
        for (name, value) in env {
            text.push_str(&format!("{name}={value}\n"));
        }
        let dir = std::env::temp_dir();
        let env_file = dir.join(format!("wynacom-local-api-{port}.env"));
        let log = dir.join(format!("wynacom-local-api-{port}.log"));
        std::fs::write(&env_file, text).unwrap();
        let out = std::fs::File::create(&log).unwrap();
        let runtime = Command::new(root().join("scripts/local-api"))
            .arg(port.to_string())
            .arg(&env_file)
            .arg("--release")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            // Its own process group: stopping it reaches cargo-lambda and the functions.
            .process_group(0)
            .spawn()
            .expect("scripts/local-api runs (cargo-lambda installed by scripts/test)");
        let api = Self {
            runtime,
            base: format!("http://127.0.0.1:{port}/one-api/tools/wynacom"),
            env_file,
            log,
            _table: table,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the local API did not start; see {}",
                api.log.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        api
    }

    pub fn api(&self) -> Api {
        Api::at(&self.base)
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.runtime.id()))
            .status();
        let _ = self.runtime.wait();
        let _ = std::fs::remove_file(&self.env_file);
        // The runtime's log stays for a failed test, which names it.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}
