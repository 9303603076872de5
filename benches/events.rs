//! Event benchmarks (issue 3's performance targets), against a real `cairn serve` process:
//! ingest of one large event, the complete view of that event with the server's peak memory,
//! and small-event views under 8 concurrent clients with the API key checked every time.
//!
//!     cargo bench --bench events                      # SQLite in a temporary directory
//!     CAIRN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench events
//!
//! `CAIRN_BENCH_ATTRIBUTES` (default 100000) sets the size of the large event,
//! `CAIRN_BENCH_SECONDS` (default 10) the length of the concurrent run.

use std::time::{Duration, Instant};

use common::{add_event, rss_mib};
use serde_json::{Value, json};

mod common;

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
    let s = common::start_with(&[]).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()
        .unwrap();
    let pid = s.child.id();

    let (big, took) = add_event(
        &client,
        &s.url,
        &s.key,
        &synthetic_event(n, "bench: large event"),
    )
    .await;
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

    let (small, _) = add_event(
        &client,
        &s.url,
        &s.key,
        &synthetic_event(100, "bench: small event"),
    )
    .await;
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
