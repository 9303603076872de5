//! Event benchmarks (issue 3's performance targets), against a real `cairn serve` process:
//! ingest of one large event, the complete view of that event with the server's peak memory,
//! and small-event views under 8 concurrent clients with the API key checked every time.
//!
//!     cargo bench --bench events                      # SQLite in a temporary directory
//!     CAIRN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench events
//!
//! `CAIRN_BENCH_ATTRIBUTES` (default 100000) sets the size of the large event,
//! `CAIRN_BENCH_SECONDS` (default 10) the length of the concurrent run.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server {
    child: Child,
    url: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh database URL: a SQLite file, or a new database on the given server.
async fn database(dir: &std::path::Path) -> String {
    let Ok(admin) = std::env::var("CAIRN_BENCH_DATABASE_URL") else {
        return format!("sqlite://{}/bench.db", dir.display());
    };
    use sqlx::Connection;
    let name = format!(
        "cairn_bench_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let sql = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    if admin.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::MySqlConnection::connect(&admin).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
    }
    let mut u = url::Url::parse(&admin).unwrap();
    u.set_path(&format!("/{name}"));
    u.to_string()
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let port = free_port();
    let key = cairn::auth::generate_key();
    let child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .env("CAIRN_DATABASE_URL", &db)
        .env("CAIRN_LISTEN", format!("127.0.0.1:{port}"))
        .env("CAIRN_ADMIN_KEY", &key)
        .env("CAIRN_ADMIN_PASSWORD", "Bench-password-1")
        .env("CAIRN_LOG", "warn")
        .env("CAIRN_MAX_BODY_BYTES", (512 * 1024 * 1024).to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Owned by `Server` at once, so the process is reaped whatever happens next.
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        key,
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let ok = client
            .get(format!("{}/servers/getVersion", server.url))
            .header("Authorization", &server.key)
            .send()
            .await;
        if ok.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

/// Peak and current resident memory of a process, in MiB (Linux /proc).
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A synthetic event with `n` attributes of a realistic mix of types, all distinct.
fn synthetic_event(n: usize, info: &str) -> Value {
    let attributes: Vec<Value> = (0..n)
        .map(|i| {
            let (t, v) = match i % 6 {
                0 => (
                    "ip-dst",
                    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                ),
                1 => ("domain", format!("host{i}.bench.example")),
                2 => ("md5", format!("{:032x}", i as u128 * 2_654_435_761)),
                3 => ("sha256", format!("{:064x}", i as u128 * 40_503)),
                4 => ("url", format!("http://bench{i}.example/path/{i}")),
                _ => ("text", format!("note number {i}")),
            };
            json!({"type": t, "value": v, "to_ids": i % 2 == 0, "comment": "bench"})
        })
        .collect();
    json!({"info": info, "distribution": 1, "Attribute": attributes})
}

async fn add_event(client: &reqwest::Client, s: &Server, body: &Value) -> (String, Duration) {
    let bytes = serde_json::to_vec(body).unwrap();
    let started = Instant::now();
    let resp = client
        .post(format!("{}/events/add/metadata:1", s.url))
        .header("Authorization", &s.key)
        .header("Content-Type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let took = started.elapsed();
    assert!(
        status.is_success(),
        "add failed: {status} {}",
        &text[..text.len().min(300)]
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    (v["Event"]["id"].as_str().unwrap().to_string(), took)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("CAIRN_BENCH_ATTRIBUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seconds: u64 = std::env::var("CAIRN_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let backend = std::env::var("CAIRN_BENCH_DATABASE_URL").map_or("sqlite".to_string(), |u| {
        u.split(':').next().unwrap_or("").to_string()
    });
    let s = start().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()
        .unwrap();
    let pid = s.child.id();

    let (big, took) = add_event(&client, &s, &synthetic_event(n, "bench: large event")).await;
    println!(
        "[{backend}] /events/add of {n} attributes: {:.2} s, {:.0} attributes/s",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );

    // Reset the peak-RSS mark (Linux: clear_refs 5) so the view's own peak is measured, not
    // the ingest's.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let (_, before) = rss_mib(pid);
    let started = Instant::now();
    let resp = client
        .get(format!("{}/events/view/{big}", s.url))
        .header("Authorization", &s.key)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let body = resp.bytes().await.unwrap();
    let took = started.elapsed();
    let (peak, after) = rss_mib(pid);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let count = v["Event"]["Attribute"].as_array().map_or(0, Vec::len);
    assert_eq!(count, n, "the view must be complete");
    println!(
        "[{backend}] /events/view of {n} attributes: {:.2} s, {:.1} MiB body, server RSS {before:.0} -> {after:.0} MiB, peak {peak:.0} MiB",
        took.as_secs_f64(),
        body.len() as f64 / 1048576.0
    );

    let (small, _) = add_event(&client, &s, &synthetic_event(100, "bench: small event")).await;
    let url = format!("{}/events/view/{small}", s.url);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, key) = (client.clone(), url.clone(), s.key.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let r = client
                    .get(&url)
                    .header("Authorization", &key)
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success());
                r.bytes().await.unwrap();
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    println!(
        "[{backend}] /events/view of a 100-attribute event, 8 clients: {:.0} requests/s",
        total as f64 / seconds as f64
    );
}
