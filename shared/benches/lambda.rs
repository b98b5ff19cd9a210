//! Benchmarks of the release binaries through the Lambda Runtime API. Run by `scripts/bench`,
//! which starts DynamoDB Local, loads the demo data and builds the binaries first.
//!
//! For each function it starts the real binary against a minimal Runtime API server of its own
//! (the same protocol Lambda speaks: GET .../invocation/next, POST .../response) and measures:
//! - init: process start → its first GET .../invocation/next (median over several starts);
//! - warm latency: event handed out → response posted back (p50 and p99 over many calls);
//! - peak RSS (VmHWM) after the calls.
//!
//! Baselines on the same services: a bare DynamoDB GetItem of the token slot (the token
//! endpoints' one read) and the lab SQL run directly with mysql_async on one connection.
//!
//! Cold starts: new processes, each timed from start to its first poll and through its first
//! invocation. First every function in production conditions: DynamoDB and Secrets Manager over
//! HTTPS (`scripts/bench` puts TLS in front of them), and for the lab functions the credentials
//! read from a secret at init and TLS to a MariaDB server of its own; with `scripts/bench
//! --jitter`, the same binaries built with aws-lc's CPU-jitter entropy source beside them. Then
//! the lab functions' other configurations (`DATABASE_URL`, plain TCP, AWS over HTTP), to show
//! what each part costs. `scripts/bench --cold-only` runs these parts alone.

use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::{Mutex, mpsc},
};

const STARTS: usize = 15;
const WARMUP: usize = 30;
const CALLS: usize = 400;
/// Cold starts per function, build and configuration (after one unrecorded round).
const COLD_STARTS: usize = 15;

struct Env {
    bin_dir: PathBuf,
    /// The same binaries with aws-lc's CPU-jitter entropy source (`scripts/bench --jitter`).
    jitter_bin_dir: Option<PathBuf>,
    table: String,
    database_url: String,
    dynamodb: String,
}

/// The Runtime API of one function process.
struct Runtime {
    port: u16,
    first_poll: Arc<OnceLock<Instant>>,
    events: mpsc::Sender<(String, String)>,
    results: mpsc::Receiver<(String, String)>,
}

async fn runtime() -> Runtime {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_poll = Arc::new(OnceLock::new());
    let (events_tx, events_rx) = mpsc::channel::<(String, String)>(1);
    let (results_tx, results_rx) = mpsc::channel::<(String, String)>(16);
    let events_rx = Arc::new(Mutex::new(events_rx));
    let poll = first_poll.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (events, results, poll) = (events_rx.clone(), results_tx.clone(), poll.clone());
            tokio::spawn(async move {
                let _ = serve(stream, events, results, poll).await;
            });
        }
    });
    Runtime {
        port,
        first_poll,
        events: events_tx,
        results: results_rx,
    }
}

async fn serve(
    stream: TcpStream,
    events: Arc<Mutex<mpsc::Receiver<(String, String)>>>,
    results: mpsc::Sender<(String, String)>,
    first_poll: Arc<OnceLock<Instant>>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            stream.read_line(&mut header).await?;
            if header == "\r\n" || header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
        if method == "GET" && path.ends_with("/invocation/next") {
            let _ = first_poll.set(Instant::now());
            let Some((id, event)) = events.lock().await.recv().await else {
                return Ok(());
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: {id}\r\n\
                 lambda-runtime-deadline-ms: {}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:ap-southeast-3:000000000000:function:bench\r\n\
                 content-length: {}\r\n\r\n",
                (jiff::Timestamp::now().as_millisecond() + 10_000),
                event.len()
            );
            stream.get_mut().write_all(head.as_bytes()).await?;
            stream.get_mut().write_all(event.as_bytes()).await?;
        } else {
            // .../invocation/<id>/response or /error, /init/error
            let id = path.split('/').rev().nth(1).unwrap_or("").to_string();
            let kind = if path.ends_with("/response") {
                ""
            } else {
                "ERROR "
            };
            let _ = results
                .send((id, format!("{kind}{}", String::from_utf8_lossy(&body))))
                .await;
            stream
                .get_mut()
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await?;
        }
    }
}

struct Process {
    child: tokio::process::Child,
    runtime: Runtime,
    started: Instant,
    next_id: u64,
}

impl Process {
    async fn start(env: &Env, bin_dir: &Path, function: &str) -> Self {
        let vars = [("DATABASE_URL", env.database_url.clone())];
        Self::start_with(env, bin_dir, function, &vars).await
    }

    /// A process of the binary in `bin_dir`, with these variables on top of (or instead of) the
    /// usual ones.
    async fn start_with(
        env: &Env,
        bin_dir: &Path,
        function: &str,
        vars: &[(&'static str, String)],
    ) -> Self {
        let runtime = runtime().await;
        let started = Instant::now();
        let child = tokio::process::Command::new(bin_dir.join(function))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("127.0.0.1:{}", runtime.port),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_LEVEL", "warn")
            .env("TOKEN_TABLE_NAME", &env.table)
            .env("AWS_ENDPOINT_URL_DYNAMODB", &env.dynamodb)
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("AWS_REGION", "ap-southeast-3")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{function}: {e} (build the release binaries first)"));
        Self {
            child,
            runtime,
            started,
            next_id: 0,
        }
    }

    /// Time from process start to its first poll of the Runtime API.
    async fn init(&self) -> Duration {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(t) = self.runtime.first_poll.get() {
                return *t - self.started;
            }
            assert!(Instant::now() < deadline, "no first poll within 10 s");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// One invocation: the API Gateway response the function returned, and how long it took.
    async fn invoke(&mut self, event: &str) -> (Value, Duration) {
        self.next_id += 1;
        let id = format!("bench-{}", self.next_id);
        let t = Instant::now();
        self.runtime
            .events
            .send((id.clone(), event.to_string()))
            .await
            .unwrap();
        let (got, body) = self.runtime.results.recv().await.expect("a response");
        let elapsed = t.elapsed();
        assert_eq!(got, id);
        let resp: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("not a response: {body}"));
        (resp, elapsed)
    }

    /// Ends the process and waits for it, so that the next start does not overlap it.
    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// CPU time of the process so far, all its threads (`/proc/<pid>/task/*/schedstat`, ns).
    fn cpu_time(&self) -> Duration {
        let tasks = format!("/proc/{}/task", self.child.id().unwrap());
        let ns: u64 = std::fs::read_dir(tasks)
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(ns)
    }

    fn peak_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id().unwrap())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a function's warm latency is compared with, measured in the same loop (one baseline
/// call right after each invocation) so that both see the same machine noise.
enum Baseline {
    /// The token endpoints' one DynamoDB read, done by a bare SDK client.
    GetItem(aws_sdk_dynamodb::Client, String),
    /// The lab SQL run directly on one mysql_async connection.
    Sql(mysql_async::Conn, &'static str, mysql_async::Params),
}

impl Baseline {
    async fn get_item(env: &Env) -> Self {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .credentials_provider(Credentials::new("local", "local", None, None, "bench"))
            .region(Region::new("ap-southeast-3"))
            .endpoint_url(&env.dynamodb)
            .timeout_config(wynacom::startup::aws_timeouts())
            .load()
            .await;
        Self::GetItem(aws_sdk_dynamodb::Client::new(&sdk), env.table.clone())
    }

    async fn sql(env: &Env, sql: &'static str, lab_number: &str) -> Self {
        let conn = mysql_async::Conn::from_url(env.database_url.as_str())
            .await
            .unwrap();
        let params = wynacom::lab::mysql::lab_number_params(lab_number);
        Self::Sql(conn, sql, params)
    }

    fn name(&self) -> &'static str {
        match self {
            Self::GetItem(..) => "bare GetItem",
            Self::Sql(..) => "direct SQL",
        }
    }

    async fn run(&mut self) -> Duration {
        use mysql_async::prelude::Queryable;
        let t = Instant::now();
        match self {
            Self::GetItem(client, table) => {
                client
                    .get_item()
                    .table_name(table.as_str())
                    .key(
                        "pk",
                        aws_sdk_dynamodb::types::AttributeValue::S("token#active".into()),
                    )
                    .consistent_read(true)
                    .send()
                    .await
                    .unwrap();
            }
            Self::Sql(conn, sql, params) => {
                let rows: Vec<mysql_async::Row> = conn.exec(*sql, params.clone()).await.unwrap();
                assert!(!rows.is_empty());
            }
        }
        t.elapsed()
    }
}

struct Row {
    function: &'static str,
    init_ms: f64,
    rss_mib: f64,
    p50_ms: f64,
    p99_ms: f64,
    baseline: &'static str,
    baseline_p50_ms: f64,
}

async fn bench_function(
    env: &Env,
    bin_dir: &Path,
    function: &'static str,
    event: &str,
    mut baseline: Baseline,
) -> Row {
    let mut inits = vec![];
    for _ in 0..STARTS {
        let p = Process::start(env, bin_dir, function).await;
        inits.push(p.init().await);
        drop(p);
    }
    let mut p = Process::start(env, bin_dir, function).await;
    let (mut latencies, mut base) = (vec![], vec![]);
    for i in 0..WARMUP + CALLS {
        let (resp, took) = p.invoke(event).await;
        assert_eq!(resp["statusCode"], 200, "{function}: {resp}");
        let base_took = baseline.run().await;
        if i >= WARMUP {
            latencies.push(took);
            base.push(base_took);
        }
    }
    let rss = p.peak_rss_kib();
    Row {
        function,
        init_ms: ms(percentile(&mut inits, 0.5)),
        rss_mib: rss as f64 / 1024.0,
        p50_ms: ms(percentile(&mut latencies, 0.5)),
        p99_ms: ms(percentile(&mut latencies, 0.99)),
        baseline: baseline.name(),
        baseline_p50_ms: ms(percentile(&mut base, 0.5)),
    }
}

/// The builds measured: this repository's, and with `scripts/bench --jitter` the one with
/// aws-lc's CPU-jitter entropy source.
fn builds(env: &Env) -> Vec<(&'static str, &Path)> {
    let mut builds = vec![("kernel", env.bin_dir.as_path())];
    if let Some(dir) = &env.jitter_bin_dir {
        builds.push(("CPU jitter", dir.as_path()));
    }
    builds
}

/// One cold-start configuration: a build, and the variables on top of the usual ones.
struct Cold {
    name: &'static str,
    bin_dir: PathBuf,
    vars: Vec<(&'static str, String)>,
}

/// The variables of the cold starts, all on the servers `scripts/bench` started.
struct ColdVars {
    /// DynamoDB and Secrets Manager over HTTPS, the system roots and the local CA trusted, in
    /// one file as on Lambda (`SSL_CERT_FILE`): how every function reaches AWS in production.
    https: Vec<(&'static str, String)>,
    /// The lab functions' database variables, by name: credentials from `DATABASE_URL` or from
    /// a secret (`DATABASE_SECRET_ARN`, RDS format, on the local Secrets Manager), over plain
    /// TCP or over TLS verified against `DATABASE_TLS_CA_FILE` (the RDS bundle and the local
    /// CA: as many roots as `DATABASE_TLS=rds` loads), as a user that must use TLS or one that
    /// may not. "secret, TLS" is production.
    lab: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

impl ColdVars {
    async fn new(var: &impl Fn(&str) -> String) -> Self {
        use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .credentials_provider(Credentials::new("local", "local", None, None, "bench"))
            .region(Region::new("ap-southeast-3"))
            .endpoint_url(var("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
            .load()
            .await;
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        let (port, db) = (var("TLS_MARIADB_PORT"), var("TLS_MARIADB_DB"));
        let https = vec![
            ("AWS_ENDPOINT_URL_DYNAMODB", var("BENCH_HTTPS_DYNAMODB")),
            (
                "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                var("BENCH_HTTPS_SECRETS_MANAGER"),
            ),
            ("SSL_CERT_FILE", var("BENCH_CA_BUNDLE")),
        ];
        let mut lab = vec![];
        for tls in [false, true] {
            let (user, password) = if tls {
                (var("TLS_MARIADB_USER"), var("TLS_MARIADB_PASSWORD"))
            } else {
                (
                    var("TLS_MARIADB_PLAIN_USER"),
                    var("TLS_MARIADB_PLAIN_PASSWORD"),
                )
            };
            let secret = serde_json::json!({
                "engine": "mysql", "host": "127.0.0.1", "port": port.parse::<u16>().unwrap(),
                "username": user, "password": password, "dbname": db,
            });
            let arn = secrets
                .create_secret()
                .name(format!("wynacom/bench/{user}-{}", std::process::id()))
                .secret_string(secret.to_string())
                .send()
                .await
                .expect("create the secret on the local Secrets Manager")
                .arn
                .unwrap();
            let url = vec![(
                "DATABASE_URL",
                format!("mysql://{user}:{password}@127.0.0.1:{port}/{db}"),
            )];
            // Plain text is said explicitly: with the secret, TLS is the default.
            let transport = if tls {
                vec![("DATABASE_TLS_CA_FILE", var("BENCH_MYSQL_CA"))]
            } else {
                vec![("DATABASE_TLS", "off".to_string())]
            };
            let secret = vec![("DATABASE_SECRET_ARN", arn)];
            lab.push((
                if tls { "URL, TLS" } else { "URL, plain" },
                [url.clone(), transport.clone()].concat(),
            ));
            lab.push((
                if tls { "secret, TLS" } else { "secret, plain" },
                [secret, transport].concat(),
            ));
        }
        Self { https, lab }
    }

    fn lab(&self, name: &str) -> Vec<(&'static str, String)> {
        self.lab.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }

    /// A function's variables as deployed.
    fn production(&self, function: &str) -> Vec<(&'static str, String)> {
        match function {
            "sampling_timestamp" | "glucose" => {
                [self.lab("secret, TLS"), self.https.clone()].concat()
            }
            _ => self.https.clone(),
        }
    }

    /// The lab functions' configurations, the reference (`URL, plain`, AWS over HTTPS) first;
    /// once with AWS over plain HTTP, as local runs are.
    fn lab_configurations(&self, bin_dir: &Path) -> Vec<Cold> {
        let cold = |name, vars| Cold {
            name,
            bin_dir: bin_dir.to_path_buf(),
            vars,
        };
        let https = |name| cold(name, [self.lab(name), self.https.clone()].concat());
        vec![
            https("URL, plain"),
            cold("URL, plain; AWS over HTTP", self.lab("URL, plain")),
            https("URL, TLS"),
            https("secret, plain"),
            https("secret, TLS"),
        ]
    }
}

/// Medians over the cold starts of one function in one configuration, in ms.
struct ColdRow {
    init: f64,
    first: f64,
    total: f64,
    /// The process's own CPU time from its start to its first response.
    cpu: f64,
    second: f64,
}

/// `COLD_STARTS` new processes per configuration, the configurations taking turns so that all
/// see the same machine noise; one round first that is not recorded (the binary into the page
/// cache, the servers' first answers).
async fn cold_starts(env: &Env, function: &str, event: &str, ways: &[Cold]) -> Vec<ColdRow> {
    let mut samples: Vec<[Vec<Duration>; 5]> = ways.iter().map(|_| Default::default()).collect();
    for round in 0..=COLD_STARTS {
        for (way, samples) in ways.iter().zip(&mut samples) {
            let mut p = Process::start_with(env, &way.bin_dir, function, &way.vars).await;
            let init = p.init().await;
            let (resp, first) = p.invoke(event).await;
            assert_eq!(resp["statusCode"], 200, "{function}, {}: {resp}", way.name);
            let cpu = p.cpu_time();
            let (resp, second) = p.invoke(event).await;
            assert_eq!(resp["statusCode"], 200, "{function}, {}: {resp}", way.name);
            p.stop().await;
            if round > 0 {
                let measured = [init, first, init + first, cpu, second];
                for (s, d) in samples.iter_mut().zip(measured) {
                    s.push(d);
                }
            }
        }
    }
    samples
        .into_iter()
        .map(
            |[mut init, mut first, mut total, mut cpu, mut second]| ColdRow {
                init: ms(percentile(&mut init, 0.5)),
                first: ms(percentile(&mut first, 0.5)),
                total: ms(percentile(&mut total, 0.5)),
                cpu: ms(percentile(&mut cpu, 0.5)),
                second: ms(percentile(&mut second, 0.5)),
            },
        )
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cold_only = std::env::args().any(|a| a == "--cold-only");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (run scripts/bench)"))
    };
    let env = Env {
        bin_dir: root.join("target/release"),
        jitter_bin_dir: std::env::var_os("BENCH_JITTER_BIN_DIR").map(PathBuf::from),
        table: var("TOKEN_TABLE_NAME"),
        database_url: var("DATABASE_URL"),
        dynamodb: var("AWS_ENDPOINT_URL_DYNAMODB"),
    };

    // A token for the events that need one.
    let mut p = Process::start(&env, &env.bin_dir, "generate_token").await;
    let (resp, _) = p
        .invoke(&wynacom::testing::event_text("generate_token", ""))
        .await;
    let body: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    let token = body["data"]["access_token"].as_str().unwrap().to_string();
    drop(p);

    if !cold_only {
        warm(&env, &token).await;
    }
    let vars = ColdVars::new(&var).await;
    production_cold_starts(&env, &token, &vars).await;
    lab_configurations(&env, &token, &vars).await;
}

/// Every function's cold start as deployed, per build.
async fn production_cold_starts(env: &Env, token: &str, vars: &ColdVars) {
    println!(
        "\nCold starts in production conditions: {COLD_STARTS} new processes per function and \
         build, the builds taking turns, medians. DynamoDB and Secrets Manager over HTTPS; the \
         lab functions read their database credentials from a secret at init and connect to \
         MySQL over TLS. Build: aws-lc's random generator seeded by the kernel (this \
         repository, .cargo/config.toml) or by CPU jitter (scripts/bench --jitter). init = \
         process start → first poll; first request = the new process's first invocation (token \
         read from DynamoDB; for the lab functions MySQL connect, TLS, login, prepare, query); \
         CPU = the process's own CPU time until then, the rest being waits for the servers; \
         second request = the next one. Everything on loopback.\n"
    );
    println!(
        "| function | random seed | init | first request | init + first request | CPU | vs. CPU jitter | second request |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut slowest = (0.0, "");
    for function in wynacom::endpoints::Endpoint::ALL.map(|e| e.name()) {
        let event = wynacom::testing::event_text(function, token);
        let ways: Vec<Cold> = builds(env)
            .into_iter()
            .map(|(name, dir)| Cold {
                name,
                bin_dir: dir.to_path_buf(),
                vars: vars.production(function),
            })
            .collect();
        let rows = cold_starts(env, function, &event, &ways).await;
        if rows[0].total > slowest.0 {
            slowest = (rows[0].total, function);
        }
        for (way, r) in ways.iter().zip(&rows) {
            let versus = match rows.get(1) {
                Some(jitter) if way.name == "kernel" => format!(
                    "{:+.1} ms ({:.1}× faster)",
                    r.total - jitter.total,
                    jitter.total / r.total
                ),
                _ => "—".into(),
            };
            println!(
                "| {function} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {versus} | {:.2} ms |",
                way.name, r.init, r.first, r.total, r.cpu, r.second
            );
        }
    }
    println!(
        "\nSlowest init + first request of this repository's build: {} {:.1} ms (target ≤ 25 ms).",
        slowest.1, slowest.0
    );
}

/// What the secret and TLS cost the lab functions' cold start (this repository's build).
async fn lab_configurations(env: &Env, token: &str, vars: &ColdVars) {
    println!(
        "\nCold path of the lab functions by configuration (this repository's build): \
         {COLD_STARTS} new processes per configuration, taking turns, medians. Database \
         credentials from DATABASE_URL or from a secret (read at init), MySQL over plain TCP or \
         TLS; DynamoDB and Secrets Manager over HTTPS unless said.\n"
    );
    println!(
        "| function | credentials, MySQL transport | init | first request | init + first request | CPU | vs. URL, plain | second request |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let ways = vars.lab_configurations(&env.bin_dir);
    for function in ["sampling_timestamp", "glucose"] {
        let event = wynacom::testing::event_text(function, token);
        let rows = cold_starts(env, function, &event, &ways).await;
        for (way, r) in ways.iter().zip(&rows) {
            println!(
                "| {function} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:+.1} ms | {:.2} ms |",
                way.name,
                r.init,
                r.first,
                r.total,
                r.cpu,
                r.total - rows[0].total,
                r.second
            );
        }
    }
}

/// Init, memory and warm latency of each function, with their baselines, per build; the local
/// configuration (`DATABASE_URL`, DynamoDB over HTTP).
async fn warm(env: &Env, token: &str) {
    println!(
        "Runtime API benchmark: {STARTS} starts per function (init); {CALLS} warm calls after \
         {WARMUP} warm-up (latency), each followed by one baseline call.\n"
    );
    println!(
        "| function | random seed | init (median) | peak RSS | warm p50 | warm p99 | baseline p50 | vs. baseline |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for function in wynacom::endpoints::Endpoint::ALL.map(|e| e.name()) {
        for (build, bin_dir) in builds(env) {
            let baseline = match function {
                "sampling_timestamp" => {
                    Baseline::sql(env, wynacom::lab::mysql::SAMPLING_SQL, "R2606110001").await
                }
                "glucose" => {
                    Baseline::sql(env, wynacom::lab::mysql::GLUCOSE_SQL, "R2606110002").await
                }
                _ => Baseline::get_item(env).await,
            };
            let event = wynacom::testing::event_text(function, token);
            let r = bench_function(env, bin_dir, function, &event, baseline).await;
            let versus = match r.baseline {
                "direct SQL" => format!("{:.2}× direct SQL", r.p50_ms / r.baseline_p50_ms),
                _ => format!("{:+.3} ms vs. bare GetItem", r.p50_ms - r.baseline_p50_ms),
            };
            println!(
                "| {} | {build} | {:.1} ms | {:.1} MiB | {:.3} ms | {:.3} ms | {:.3} ms ({}) | {} |",
                r.function,
                r.init_ms,
                r.rss_mib,
                r.p50_ms,
                r.p99_ms,
                r.baseline_p50_ms,
                r.baseline,
                versus
            );
        }
    }
}
