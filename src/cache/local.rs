//! A small in-process TTL map for data read on every request and changed rarely (resolved API
//! keys, an organisation's sharing groups, organisation summaries). Changes made through this
//! node clear it at once (`app::invalidate_caches`); other nodes sharing the database see them
//! within `TTL`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(10);
const MAX_ENTRIES: usize = 10_000;

pub struct TtlMap<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        TtlMap {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().expect("ttl map lock");
        map.get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.map.lock().expect("ttl map lock");
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.map.lock().expect("ttl map lock").clear();
    }
}

/// The node-local caches of access data, cleared together.
#[derive(Default)]
pub struct AccessCaches {
    /// Key hash -> key row, user, role, organisation.
    pub keys: TtlMap<String, std::sync::Arc<crate::auth::keycache::Resolved>>,
    /// Organisation id -> the sharing groups it belongs to.
    pub sg_ids: TtlMap<i64, std::sync::Arc<Vec<i64>>>,
    /// Organisation id -> its row (summaries in event documents).
    pub orgs: TtlMap<i64, std::sync::Arc<crate::orgs::Organisation>>,
}

impl AccessCaches {
    pub fn clear(&self) {
        self.keys.clear();
        self.sg_ids.clear();
        self.orgs.clear();
    }
}
