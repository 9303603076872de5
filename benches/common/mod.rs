//! What the benchmarks share: a real `cairn serve` process on a fresh database (SQLite, or a
//! new database on `CAIRN_BENCH_DATABASE_URL`), its memory as Linux reports it, event ingest.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Server {
    pub child: Child,
    pub url: String,
    pub key: String,
    pub db: String,
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
pub async fn database(dir: &std::path::Path) -> String {
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

/// Starts the server binary with extra environment `env`.
pub async fn start_with(env: &[(&str, String)]) -> Server {
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
        .envs(env.iter().map(|(k, v)| (*k, v.clone())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Owned by `Server` at once, so the process is reaped whatever happens next.
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        key,
        db,
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
pub fn rss_mib(pid: u32) -> (f64, f64) {
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

/// Adds an event; returns its id and the time the request took.
pub async fn add_event(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
) -> (String, Duration) {
    let bytes = serde_json::to_vec(body).unwrap();
    let started = Instant::now();
    let resp = client
        .post(format!("{url}/events/add/metadata:1"))
        .header("Authorization", key)
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
