//! A short-lived in-process cache of resolved API keys (key row, user, role, organisation), so
//! the common request costs no authentication query. Every write to users, keys, roles or
//! organisations clears it on this node; other nodes sharing the database see such a change
//! within `TTL`, as with MISP's own quick key lookup cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth_keys::AuthKey;
use crate::orgs::Organisation;
use crate::roles::Role;
use crate::users::User;

pub const TTL: Duration = Duration::from_secs(10);

/// Everything a key resolves to; the per-request checks (expiry, IP, disabled) still run on it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub key: AuthKey,
    pub user: User,
    pub role: Role,
    pub org: Organisation,
}

#[derive(Default)]
pub struct KeyCache {
    map: Mutex<HashMap<String, (Instant, std::sync::Arc<Resolved>)>>,
}

impl KeyCache {
    pub fn get(&self, hash: &str) -> Option<std::sync::Arc<Resolved>> {
        let map = self.map.lock().expect("key cache lock");
        map.get(hash)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, r)| r.clone())
    }

    pub fn put(&self, hash: String, resolved: std::sync::Arc<Resolved>) {
        let mut map = self.map.lock().expect("key cache lock");
        if map.len() >= 10_000 {
            map.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        map.insert(hash, (Instant::now(), resolved));
    }

    /// Forgets everything: called after any change to who may do what.
    pub fn clear(&self) {
        self.map.lock().expect("key cache lock").clear();
    }
}
