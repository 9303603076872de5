//! restSearch, export and correlation benchmarks (issue 4's targets) against a real `cairn serve`
//! process holding 1,000,000 attributes in 10,000 published events:
//! - attribute restSearch for one exact value (p50 / p95 over HTTP);
//! - one restSearch with 1,000 values;
//! - the text export of the 250,000 to_ids attributes, with the server's RSS growth;
//! - `/events/view` of a 1,000-attribute event with its correlations;
//! - ingest with correlation against ingest without it (`CAIRN_CORRELATION=off`);
//! - `cairn correlate --rebuild` over the whole database.
//!
//! ```text
//! cargo bench --bench search
//! CAIRN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench search
//! ```
//!
//! `CAIRN_BENCH_EVENTS` (default 10000) scales the data set; each event holds 100 attributes.

use std::time::{Duration, Instant};

use common::{Server, add_event, rss_mib};
use serde_json::{Value, json};

mod common;

const PER_EVENT: usize = 100;

/// The value of attribute `j` of event `i`: half the values are shared by three consecutive
/// events (so they correlate), the others are unique. Every fourth attribute is to_ids.
fn attribute(i: usize, j: usize) -> Value {
    let k = if j.is_multiple_of(2) {
        (i / 3) * PER_EVENT + j
    } else {
        i * PER_EVENT + j + 50_000_000
    };
    let (t, v) = match j % 5 {
        0 => (
            "ip-dst",
            format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255),
        ),
        1 => ("domain", format!("h{k}.bench.example")),
        2 => ("md5", format!("{:032x}", k as u128 * 2_654_435_761)),
        3 => ("url", format!("http://b{k}.example/p")),
        _ => ("sha256", format!("{:064x}", k as u128 * 40_503)),
    };
    json!({"type": t, "value": v, "to_ids": j.is_multiple_of(4), "comment": "bench"})
}

fn event(i: usize, n: usize) -> Value {
    let attributes: Vec<Value> = (0..n).map(|j| attribute(i, j)).collect();
    json!({"info": format!("bench event {i}"), "distribution": 1, "published": true, "Attribute": attributes})
}

/// Loads events `from..to` (100 attributes each) with `clients` concurrent clients; returns
/// the time.
async fn load(s: &Server, from: usize, to: usize, clients: usize) -> Duration {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|w| {
            let (client, url, key) = (client.clone(), s.url.clone(), s.key.clone());
            tokio::spawn(async move {
                for i in (from + w..to).step_by(clients) {
                    add_event(&client, &url, &key, &event(i, PER_EVENT)).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    started.elapsed()
}

async fn post(
    client: &reqwest::Client,
    s: &Server,
    path: &str,
    body: &Value,
) -> (reqwest::StatusCode, String, Duration) {
    let started = Instant::now();
    let r = client
        .post(format!("{}{path}", s.url))
        .header("Authorization", &s.key)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, text, started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("CAIRN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let backend = std::env::var("CAIRN_BENCH_DATABASE_URL").map_or("sqlite".to_string(), |u| {
        u.split(':').next().unwrap_or("?").to_string()
    });
    println!("backend {backend}, {events} events x {PER_EVENT} attributes");

    // Ingest cost of correlation: the same 500 events with and without it.
    let sample = events.min(500);
    let plain = common::start_with(&[("CAIRN_CORRELATION", "off".into())]).await;
    let without = load(&plain, 0, sample, 2).await;
    drop(plain);
    let s = common::start_with(&[]).await;
    let with = load(&s, 0, sample, 2).await;
    println!(
        "ingest of {sample} events: {:.2} s without correlation, {:.2} s with ({:.2}x)",
        without.as_secs_f64(),
        with.as_secs_f64(),
        with.as_secs_f64() / without.as_secs_f64()
    );
    // The bulk of the data set: more clients, as many feeds and analysts would.
    let rest = load(&s, sample, events, 8).await;
    println!(
        "loaded the remaining {} events in {:.1} s",
        events - sample,
        rest.as_secs_f64()
    );
    let client = reqwest::Client::new();

    // One exact value, many times.
    let mut times = Vec::new();
    for i in 0..200 {
        let v = attribute((i * 37) % events, 1)["value"].clone();
        let (status, text, took) =
            post(&client, &s, "/attributes/restSearch", &json!({"value": v})).await;
        assert!(
            status.is_success() && text.contains("bench event"),
            "{status} {text}"
        );
        times.push(took);
    }
    times.sort();
    println!(
        "attributes/restSearch one value: p50 {:.2} ms, p95 {:.2} ms",
        ms(times[100]),
        ms(times[190])
    );

    // 1,000 values in one request.
    let values: Vec<Value> = (0..1000)
        .map(|i| attribute((i * 7) % events, 0)["value"].clone())
        .collect();
    let (status, text, took) = post(
        &client,
        &s,
        "/attributes/restSearch",
        &json!({"value": values}),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let n = serde_json::from_str::<Value>(&text).unwrap()["response"]["Attribute"]
        .as_array()
        .map_or(0, Vec::len);
    println!(
        "attributes/restSearch 1,000 values: {:.0} ms, {n} attributes",
        ms(took)
    );

    // The text export of every to_ids attribute, with the server's peak memory around it.
    let pid = s.child.id();
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let (_, before) = rss_mib(pid);
    let (status, text, took) = post(
        &client,
        &s,
        "/attributes/restSearch",
        &json!({"returnFormat": "text"}),
    )
    .await;
    let (peak, _) = rss_mib(pid);
    assert!(status.is_success(), "{status}");
    println!(
        "text export: {} lines in {:.2} s, RSS {before:.0} MiB -> peak {peak:.0} MiB (+{:.0} MiB)",
        text.lines().count(),
        took.as_secs_f64(),
        peak - before
    );

    // A 1,000-attribute event whose values are shared with other events.
    let mut big = event(events + 1, 0);
    big["Attribute"] = (0..1000)
        .map(|j| attribute((j * 13) % events, (j % 50) * 2))
        .collect::<Vec<_>>()
        .into();
    let (id, _) = add_event(&client, &s.url, &s.key, &big).await;
    let mut view = Vec::new();
    let mut related = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let r = client
            .get(format!("{}/events/view/{id}", s.url))
            .header("Authorization", &s.key)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        view.push(started.elapsed());
        related = v["Event"]["RelatedEvent"].as_array().map_or(0, Vec::len);
    }
    view.sort();
    println!(
        "events/view of 1,000 attributes with correlations: p50 {:.1} ms ({related} related events)",
        ms(view[10])
    );

    // Full rebuild of the correlation index.
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["correlate", "--rebuild"])
        .env("CAIRN_DATABASE_URL", &s.db)
        .env("CAIRN_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "correlate --rebuild of {} attributes: {:.1} s",
        events * PER_EVENT + 1000,
        started.elapsed().as_secs_f64()
    );
}
