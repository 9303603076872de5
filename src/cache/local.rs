//! A small in-process TTL map for data read on every request and changed rarely (resolved API
//! keys, an organisation's sharing groups, organisation summaries, small events' stored parts).
//! Changes made through this node clear it at once (`app::invalidate_caches`); other nodes
//! sharing the database see them within the map's TTL.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(10);
/// How long another node's change to an event may take to show in this node's snapshot of it.
pub const EVENT_TTL: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 10_000;

pub struct TtlMap<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
}

impl<K, V> TtlMap<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlMap {
            map: Mutex::new(HashMap::new()),
            ttl,
        }
    }
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        TtlMap::new(TTL)
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().expect("ttl map lock");
        map.get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.map.lock().expect("ttl map lock");
        if map.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.map.lock().expect("ttl map lock").clear();
    }
}

/// The node-local caches.
pub struct AccessCaches {
    /// Key hash -> key row, user, role, organisation.
    pub keys: TtlMap<String, Arc<crate::auth::keycache::Resolved>>,
    /// Organisation id -> the sharing groups it belongs to.
    pub sg_ids: TtlMap<i64, Arc<Vec<i64>>>,
    /// Organisation id -> its row (summaries in event documents).
    pub orgs: TtlMap<i64, Arc<crate::orgs::Organisation>>,
    /// Snapshots of small events' stored parts, by event and timestamp (`events::parts`).
    pub events: TtlMap<crate::events::parts::Key, Arc<crate::events::parts::Parts>>,
    /// Moved by every write before and after it runs: a snapshot read while the generation
    /// moved may predate a commit and is not kept.
    pub generation: std::sync::atomic::AtomicU64,
}

impl Default for AccessCaches {
    fn default() -> Self {
        AccessCaches {
            keys: TtlMap::default(),
            sg_ids: TtlMap::default(),
            orgs: TtlMap::default(),
            events: TtlMap::new(EVENT_TTL),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl AccessCaches {
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A write starts or ends: event snapshots are forgotten and the generation moves.
    pub fn write_boundary(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.events.clear();
    }

    pub fn clear(&self) {
        self.keys.clear();
        self.sg_ids.clear();
        self.orgs.clear();
        self.events.clear();
    }
}
