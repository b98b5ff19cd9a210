//! Servers of a test's own, for fault tests that stop and restart them: a MariaDB server on a
//! temporary data directory and a DynamoDB Local, each on a free loopback port. The machine's
//! shared MariaDB (3306) and the suite's DynamoDB Local are never touched.
//!
//! Each guard stops its process (SIGCONT, SIGTERM, then SIGKILL if it lingers) and removes its
//! temporary directory when dropped, so a failing test leaves nothing behind.

use crate::app::free_port;
use std::os::unix::fs::MetadataExt;
use std::{
    fs::File,
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

/// How long a server may take to start (MariaDB: ~1 s; DynamoDB Local: ~3 s on a busy machine).
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long a stopping server may take before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(20);

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty directory under the system temp dir.
fn temp_dir(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wyn-{kind}-{}-{}-{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::SeqCst),
        jiff::Timestamp::now().as_nanosecond() % 1_000_000_000
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn running_as_root() -> bool {
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Sends `signal` (e.g. "TERM", "STOP") to a process.
pub fn signal(child: &Child, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if signal == "STOP" {
        // kill returns before every thread has stopped; a thread already running could still
        // answer a request. Wait (bounded) until each thread shows state T.
        let started = Instant::now();
        while !all_threads_stopped(child.id()) && started.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|task| {
        std::fs::read_to_string(task.path().join("stat"))
            .ok()
            // The state follows the command name in parentheses: "pid (comm) T ...".
            .and_then(|stat| {
                stat.rsplit_once(") ")
                    .map(|(_, rest)| rest.starts_with('T'))
            })
            .unwrap_or(true)
    })
}

/// Stops a child: SIGCONT (in case a test froze it), SIGTERM, then SIGKILL after
/// [`STOP_LIMIT`]; always reaps it. Returns how long the stop took.
fn terminate(child: &mut Child) -> Duration {
    let started = Instant::now();
    if matches!(child.try_wait(), Ok(Some(_))) {
        return started.elapsed();
    }
    signal(child, "CONT");
    signal(child, "TERM");
    while started.elapsed() < STOP_LIMIT {
        if !matches!(child.try_wait(), Ok(None)) {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    started.elapsed()
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A MariaDB server of the test's own: `mariadb-install-db` on a temporary data directory,
/// `mariadbd` on a free loopback port, root with an empty password (normal authentication).
pub struct PrivateMariaDb {
    dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl PrivateMariaDb {
    /// Initialises the data directory and starts the server; returns once it accepts
    /// connections.
    pub async fn start() -> Self {
        let dir = temp_dir("mariadb");
        let mut server = Self {
            dir,
            port: free_port(),
            child: None,
        };
        let log = File::create(server.dir.join("install.log")).unwrap();
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", server.datadir().display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")
            .arg("--skip-name-resolve");
        if running_as_root() {
            install.arg("--user=root");
        }
        let status = install
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .status()
            .expect("mariadb-install-db is installed (MariaDB server package)");
        assert!(
            status.success(),
            "mariadb-install-db failed:\n{}",
            tail(&server.dir.join("install.log"))
        );
        server.restart().await;
        server
    }

    fn datadir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `mysql://root@127.0.0.1:<port>`.
    pub fn admin_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// The running server's process (for signals such as STOP/CONT).
    pub fn process(&self) -> &Child {
        self.child.as_ref().expect("the server is running")
    }

    /// Starts the server on the same data directory and port; returns once it accepts a
    /// connection and answers a query.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .unwrap();
        let mut cmd = Command::new("mariadbd");
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", self.datadir().display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--socket={}", self.dir.join("sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .arg("--bind-address=127.0.0.1")
            .arg("--innodb-buffer-pool-size=32M")
            .arg("--skip-log-bin");
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("mariadbd is installed");
        self.child = Some(child);
        let opts = mysql_async::Opts::from_url(&self.admin_url()).unwrap();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.as_mut().unwrap().try_wait() {
                self.child = None;
                panic!(
                    "mariadbd exited ({status}):\n{}",
                    tail(&self.dir.join("server.log"))
                );
            }
            let attempt = async {
                use mysql_async::prelude::Queryable;
                let mut conn = mysql_async::Conn::new(opts.clone()).await?;
                conn.query_drop("SELECT 1").await?;
                conn.disconnect().await
            };
            if let Ok(Ok(())) = tokio::time::timeout(Duration::from_secs(2), attempt).await {
                return;
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "mariadbd did not accept connections within {START_LIMIT:?}:\n{}",
                tail(&self.dir.join("server.log"))
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Shuts the server down (SIGTERM) and waits until it is gone. Returns how long it took.
    pub fn stop(&mut self) -> Duration {
        match self.child.take() {
            Some(mut child) => terminate(&mut child),
            None => Duration::ZERO,
        }
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A DynamoDB Local of the test's own, in memory, run from a temporary working directory
/// (it writes a metadata file there) by scripts/dynamodb-local, as scripts/services.sh runs it.
pub struct PrivateDynamoDb {
    dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl PrivateDynamoDb {
    pub fn start() -> Self {
        let mut local = Self {
            dir: temp_dir("dynamodb"),
            port: free_port(),
            child: None,
        };
        local.restart();
        local
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The running process (for signals such as STOP/CONT).
    pub fn process(&self) -> &Child {
        self.child.as_ref().expect("DynamoDB Local is running")
    }

    /// Starts DynamoDB Local (again) on the same port, empty; returns once the port accepts
    /// connections.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "DynamoDB Local is already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("dynamodb.log"))
            .unwrap();
        // exec: the script becomes DynamoDB Local's java process, which the guard signals.
        let child = Command::new(workspace_root().join("scripts/dynamodb-local"))
            .current_dir(&self.dir)
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("scripts/dynamodb-local runs (java is installed)");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.as_mut().unwrap().try_wait() {
                self.child = None;
                panic!(
                    "DynamoDB Local exited ({status}):\n{}",
                    tail(&self.dir.join("dynamodb.log"))
                );
            }
            if TcpStream::connect_timeout(
                &([127, 0, 0, 1], self.port).into(),
                Duration::from_millis(500),
            )
            .is_ok()
            {
                return;
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "DynamoDB Local did not listen within {START_LIMIT:?}:\n{}",
                tail(&self.dir.join("dynamodb.log"))
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the process (SIGTERM) and waits until it is gone; its in-memory tables are lost.
    pub fn stop(&mut self) -> Duration {
        match self.child.take() {
            Some(mut child) => terminate(&mut child),
            None => Duration::ZERO,
        }
    }
}

impl Drop for PrivateDynamoDb {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
