//! The cache behind one interface: Redis when `CAIRN_REDIS_URL` is set (shared by every node),
//! an in-process map otherwise. Sessions, rate limits, throttles and later caches use it.

pub mod local;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

/// The in-process store: value and expiry per key.
type MemoryMap = Arc<Mutex<HashMap<String, (Vec<u8>, Instant)>>>;

#[derive(Clone)]
pub enum Cache {
    Memory(MemoryMap),
    Redis(ConnectionManager),
}

/// Every key is namespaced so Cairn can share a Redis with other software.
fn key(k: &str) -> String {
    format!("cairn:{k}")
}

impl Cache {
    pub fn memory() -> Cache {
        Cache::Memory(Arc::default())
    }

    pub async fn redis(url: &str) -> anyhow::Result<Cache> {
        let client = redis::Client::open(url)?;
        let manager = tokio::time::timeout(Duration::from_secs(10), ConnectionManager::new(client))
            .await
            .map_err(|_| anyhow::anyhow!("timed out"))??;
        Ok(Cache::Redis(manager))
    }

    /// Connects to Redis when a URL is given, else the in-process cache.
    pub async fn connect(url: Option<&str>) -> anyhow::Result<Cache> {
        match url {
            Some(url) => Cache::redis(url).await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot connect to Redis at {}: {e}",
                    crate::db::redact_url(url)
                )
            }),
            None => Ok(Cache::memory()),
        }
    }

    pub async fn get(&self, k: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            Cache::Memory(m) => {
                let mut map = m.lock().expect("cache lock");
                match map.get(&key(k)) {
                    Some((v, exp)) if *exp > Instant::now() => Ok(Some(v.clone())),
                    Some(_) => {
                        map.remove(&key(k));
                        Ok(None)
                    }
                    None => Ok(None),
                }
            }
            Cache::Redis(c) => Ok(c.clone().get(key(k)).await?),
        }
    }

    pub async fn set(&self, k: &str, v: &[u8], ttl: Duration) -> anyhow::Result<()> {
        match self {
            Cache::Memory(m) => {
                let mut map = m.lock().expect("cache lock");
                if map.len() > 100_000 {
                    let now = Instant::now();
                    map.retain(|_, (_, exp)| *exp > now);
                }
                map.insert(key(k), (v.to_vec(), Instant::now() + ttl));
                Ok(())
            }
            Cache::Redis(c) => Ok(c.clone().set_ex(key(k), v, ttl.as_secs().max(1)).await?),
        }
    }

    /// Sets `k` only when absent; true when this call set it (a per-key throttle).
    pub async fn set_once(&self, k: &str, ttl: Duration) -> anyhow::Result<bool> {
        match self {
            Cache::Memory(m) => {
                let mut map = m.lock().expect("cache lock");
                let now = Instant::now();
                match map.get(&key(k)) {
                    Some((_, exp)) if *exp > now => Ok(false),
                    _ => {
                        map.insert(key(k), (Vec::new(), now + ttl));
                        Ok(true)
                    }
                }
            }
            Cache::Redis(c) => {
                let opts = redis::SetOptions::default()
                    .conditional_set(redis::ExistenceCheck::NX)
                    .with_expiration(redis::SetExpiry::EX(ttl.as_secs().max(1)));
                let set: Option<String> = c.clone().set_options(key(k), 1, opts).await?;
                Ok(set.is_some())
            }
        }
    }

    /// Increments a counter that expires `ttl` after its first increment (rate limits).
    pub async fn incr(&self, k: &str, ttl: Duration) -> anyhow::Result<i64> {
        match self {
            Cache::Memory(m) => {
                let mut map = m.lock().expect("cache lock");
                let now = Instant::now();
                let entry = map
                    .entry(key(k))
                    .or_insert_with(|| (b"0".to_vec(), now + ttl));
                if entry.1 <= now {
                    *entry = (b"0".to_vec(), now + ttl);
                }
                let n = std::str::from_utf8(&entry.0)
                    .ok()
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or(0)
                    + 1;
                entry.0 = n.to_string().into_bytes();
                Ok(n)
            }
            Cache::Redis(c) => {
                let mut c = c.clone();
                let n: i64 = c.incr(key(k), 1).await?;
                if n == 1 {
                    let _: bool = c.expire(key(k), ttl.as_secs().max(1) as i64).await?;
                }
                Ok(n)
            }
        }
    }

    pub async fn delete(&self, k: &str) -> anyhow::Result<()> {
        match self {
            Cache::Memory(m) => {
                m.lock().expect("cache lock").remove(&key(k));
                Ok(())
            }
            Cache::Redis(c) => Ok(c.clone().del(key(k)).await?),
        }
    }
}
