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

use serde_json::Value;
use std::{
    path::PathBuf,
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

struct Env {
    bin_dir: PathBuf,
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
    async fn start(env: &Env, function: &str) -> Self {
        let runtime = runtime().await;
        let started = Instant::now();
        let child = tokio::process::Command::new(env.bin_dir.join(function))
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
            .env("DATABASE_URL", &env.database_url)
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
    function: &'static str,
    event: &str,
    mut baseline: Baseline,
) -> Row {
    let mut inits = vec![];
    for _ in 0..STARTS {
        let p = Process::start(env, function).await;
        inits.push(p.init().await);
        drop(p);
    }
    let mut p = Process::start(env, function).await;
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

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (run scripts/bench)"))
    };
    let env = Env {
        bin_dir: root.join("target/release"),
        table: var("TOKEN_TABLE_NAME"),
        database_url: var("DATABASE_URL"),
        dynamodb: var("AWS_ENDPOINT_URL_DYNAMODB"),
    };

    // A token for the events that need one.
    let mut p = Process::start(&env, "generate_token").await;
    let (resp, _) = p
        .invoke(&wynacom::testing::event_text("generate_token", ""))
        .await;
    let body: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    let token = body["data"]["access_token"].as_str().unwrap().to_string();
    drop(p);

    println!(
        "Runtime API benchmark: {STARTS} starts per function (init); {CALLS} warm calls after \
         {WARMUP} warm-up (latency), each followed by one baseline call.\n"
    );
    println!(
        "| function | init (median) | peak RSS | warm p50 | warm p99 | baseline p50 | vs. baseline |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for function in wynacom::endpoints::Endpoint::ALL.map(|e| e.name()) {
        let baseline = match function {
            "sampling_timestamp" => {
                Baseline::sql(&env, wynacom::lab::mysql::SAMPLING_SQL, "R2606110001").await
            }
            "glucose" => Baseline::sql(&env, wynacom::lab::mysql::GLUCOSE_SQL, "R2606110002").await,
            _ => Baseline::get_item(&env).await,
        };
        let event = wynacom::testing::event_text(function, &token);
        let r = bench_function(&env, function, &event, baseline).await;
        let versus = match r.baseline {
            "direct SQL" => format!("{:.2}× direct SQL", r.p50_ms / r.baseline_p50_ms),
            _ => format!("{:+.3} ms vs. bare GetItem", r.p50_ms - r.baseline_p50_ms),
        };
        println!(
            "| {} | {:.1} ms | {:.1} MiB | {:.3} ms | {:.3} ms | {:.3} ms ({}) | {} |",
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
