//! Lab lookup latency: the two CPONE queries (`lab/sampling_timestamp.sql`, `lab/glucose.sql`)
//! through the functions' own code path (`Database` pool, prepared statements, row mapping),
//! each bound to random existing lab numbers, timed one lookup at a time, on one or more
//! databases. Used by `scripts/bench-scale` on the data sets of `scripts/scale-data`.
//!
//! ```text
//! cargo run --release -p wynacom --example lab_lookup -- \
//!     --database-url mysql://root@127.0.0.1:3306/wynacom_scale_10k \
//!     --database-url mysql://root@127.0.0.1:3306/wynacom_scale [--lookups 2000] [--passes 2] [--seed 7]
//! ```
//!
//! For each database it picks `--lookups` distinct active orders uniformly at random by header
//! id and warms up (connection, statement preparation) on 50 other orders. Then `--passes`
//! passes (default 2) over the same orders in the same random order: a lookup is the sampling
//! query, then the glucose query. The databases are interleaved lookup by lookup, so that a
//! busy machine slows them alike. The first pass reads each order for the first time; later
//! passes find its pages in the server's buffer pool when they fit there.
//!
//! Output, per database (`db=<name>`):
//! - per pass and query: `RESULT db=.. pass=.. query=.. lookups=.. median_us=.. p90_us=..
//!   p99_us=.. mean_us=.. rows=..` (rows: mean data rows per lookup);
//! - per pass: `PAGES db=.. pass=.. disk_reads_per_lookup=..`: InnoDB pages the server read from
//!   disk during the lookups (server-wide `Innodb_buffer_pool_reads`, read before and after each
//!   lookup, outside the timing; other clients' reads at that moment count too);
//! - per query: `WORK db=.. query=.. handler_reads_per_lookup=..`: the index and row reads of a
//!   lookup (session `Handler_read_*` over 200 lookups on a connection of its own), free of
//!   timing noise: a lookup that stays an index lookup reads as many whatever the table sizes.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Row};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use wynacom::config::TlsMode;
use wynacom::lab::LabSource;
use wynacom::lab::database::Database;

struct Args {
    urls: Vec<String>,
    lookups: usize,
    passes: usize,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        urls: vec![],
        lookups: 2000,
        passes: 2,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--database-url" => a.urls.push(value),
            "--lookups" => a.lookups = value.parse().expect("--lookups: a number"),
            "--passes" => a.passes = value.parse().expect("--passes: a number"),
            "--seed" => a.seed = value.parse().expect("--seed: a number"),
            _ => panic!("unknown argument {flag}"),
        }
    }
    if a.urls.is_empty() {
        a.urls
            .extend(std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()));
    }
    assert!(
        !a.urls.is_empty(),
        "--database-url or DATABASE_URL is needed"
    );
    assert!(a.lookups > 0 && a.passes > 0);
    a
}

/// xorshift64*: reproducible random ids without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `n` distinct active lab numbers, drawn uniformly by header id.
async fn random_lab_numbers(conn: &mut Conn, n: usize, rng: &mut Rng) -> Vec<String> {
    let (lo, hi): (u64, u64) = conn
        .query_first("SELECT MIN(T_OrderHeaderID), MAX(T_OrderHeaderID) FROM t_orderheader")
        .await
        .expect("header id range")
        .expect("t_orderheader has rows");
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..20 {
        if out.len() >= n {
            break;
        }
        let ids: Vec<u64> = (0..(n - out.len()) * 2)
            .map(|_| lo + rng.next() % (hi - lo + 1))
            .collect();
        let list: Vec<String> = ids.iter().map(u64::to_string).collect();
        let found: Vec<(u64, String)> = conn
            .query(format!(
                "SELECT T_OrderHeaderID, T_OrderHeaderLabNumber FROM t_orderheader \
                 WHERE T_OrderHeaderIsActive = 'Y' AND T_OrderHeaderID IN ({})",
                list.join(",")
            ))
            .await
            .expect("lab numbers");
        let by_id: HashMap<u64, String> = found.into_iter().collect();
        for id in &ids {
            if let Some(lab) = by_id.get(id)
                && out.len() < n
                && seen.insert(lab.clone())
            {
                out.push(lab.clone());
            }
        }
    }
    assert_eq!(
        out.len(),
        n,
        "not enough active orders for {n} distinct lookups"
    );
    out
}

/// The sum of the server status counters named `like` (`scope`: SESSION or GLOBAL).
async fn status_sum(conn: &mut Conn, scope: &str, like: &str) -> u64 {
    let rows: Vec<(String, String)> = conn
        .query(format!("SHOW {scope} STATUS LIKE '{like}'"))
        .await
        .expect("SHOW STATUS");
    rows.iter().filter_map(|(_, v)| v.parse::<u64>().ok()).sum()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn report(db: &str, pass: usize, query: &str, mut times: Vec<Duration>, rows: usize) {
    times.sort();
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64 * 1e6;
    println!(
        "RESULT db={db} pass={pass} query={query} lookups={} median_us={:.0} p90_us={:.0} p99_us={:.0} mean_us={:.0} rows={:.2}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        mean,
        rows as f64 / times.len() as f64
    );
}

/// One database under test.
struct Target {
    name: String,
    db: Database,
    /// A connection of its own, for the status counters.
    status: Conn,
    labs: Vec<String>,
    sampling: Vec<Duration>,
    glucose: Vec<Duration>,
    rows: (usize, usize),
    disk_reads: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let mut targets = vec![];
    for url in &a.urls {
        let opts = Opts::from_url(url).expect("a mysql:// URL");
        let name = opts.db_name().unwrap_or("?").to_string();
        let db = Database::new(OptsBuilder::from_opts(opts.clone()), TlsMode::Off);
        let mut status = Conn::new(opts).await.expect("connect");
        let mut rng = Rng(a.seed.max(1));
        let warmup = 50;
        let mut labs = random_lab_numbers(&mut status, a.lookups + warmup, &mut rng).await;
        for lab in labs.drain(..warmup) {
            db.sampling(&lab).await.expect("sampling");
            db.glucose(&lab).await.expect("glucose");
        }
        targets.push(Target {
            name,
            db,
            status,
            labs,
            sampling: vec![],
            glucose: vec![],
            rows: (0, 0),
            disk_reads: 0,
        });
    }
    for pass in 1..=a.passes {
        for t in &mut targets {
            t.sampling.clear();
            t.glucose.clear();
            t.rows = (0, 0);
            t.disk_reads = 0;
        }
        for i in 0..a.lookups {
            for t in &mut targets {
                let lab = t.labs[i].clone();
                let before = status_sum(&mut t.status, "GLOBAL", "Innodb_buffer_pool_reads").await;
                let clock = Instant::now();
                let s = t.db.sampling(&lab).await.expect("sampling");
                t.sampling.push(clock.elapsed());
                let clock = Instant::now();
                let g = t.db.glucose(&lab).await.expect("glucose");
                t.glucose.push(clock.elapsed());
                t.disk_reads +=
                    status_sum(&mut t.status, "GLOBAL", "Innodb_buffer_pool_reads").await - before;
                t.rows.0 += s.expect("the order exists").len();
                t.rows.1 += g.expect("the order exists").len();
            }
        }
        for t in &mut targets {
            report(
                &t.name,
                pass,
                "sampling_timestamp",
                std::mem::take(&mut t.sampling),
                t.rows.0,
            );
            report(
                &t.name,
                pass,
                "glucose",
                std::mem::take(&mut t.glucose),
                t.rows.1,
            );
            println!(
                "PAGES db={} pass={pass} disk_reads_per_lookup={:.2}",
                t.name,
                t.disk_reads as f64 / a.lookups as f64
            );
        }
    }
    // The work per lookup: handler reads of the status connection over up to 200 lookups.
    for t in &mut targets {
        let n = t.labs.len().min(200);
        for (query, sql) in [
            ("sampling_timestamp", wynacom::lab::mysql::SAMPLING_SQL),
            ("glucose", wynacom::lab::mysql::GLUCOSE_SQL),
        ] {
            let before = status_sum(&mut t.status, "SESSION", "Handler_read%").await;
            for lab in &t.labs[..n] {
                let params = wynacom::lab::mysql::lab_number_params(lab);
                let _: Vec<Row> = t.status.exec(sql, params).await.expect("query");
            }
            let reads = status_sum(&mut t.status, "SESSION", "Handler_read%").await - before;
            println!(
                "WORK db={} query={query} handler_reads_per_lookup={:.1}",
                t.name,
                reads as f64 / n as f64
            );
        }
    }
    for t in targets {
        t.status.disconnect().await.ok();
        t.db.pool().clone().disconnect().await.ok();
    }
}
