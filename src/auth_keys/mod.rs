//! API keys ("advanced authkeys"): many per user, each with an optional expiry, IP allow-list and
//! read-only flag. Only an HMAC of the key is stored; the clear key is shown once, at creation.

pub mod routes;
pub mod store;

use serde::Serialize;

use crate::wire::str_int;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuthKey {
    #[serde(serialize_with = "str_int")]
    pub id: i64,
    pub uuid: String,
    #[serde(skip)]
    pub key_hash: String,
    pub authkey_start: String,
    pub authkey_end: String,
    #[serde(serialize_with = "str_int")]
    pub created: i64,
    #[serde(serialize_with = "str_int")]
    pub expiration: i64,
    pub read_only: bool,
    #[serde(serialize_with = "str_int")]
    pub user_id: i64,
    pub comment: Option<String>,
    #[serde(serialize_with = "crate::wire::json_text")]
    pub allowed_ips: Option<String>,
    #[serde(serialize_with = "unique_ips")]
    pub unique_ips: String,
}

fn unique_ips<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<Vec<String>>(v)
        .unwrap_or_default()
        .serialize(s)
}

/// Every field MISP emits for a key (accepted back on edit), plus the editable ones.
pub const WIRE_FIELDS: &[&str] = &[
    "id",
    "uuid",
    "authkey_start",
    "authkey_end",
    "created",
    "expiration",
    "read_only",
    "user_id",
    "comment",
    "allowed_ips",
    "unique_ips",
    "authkey_raw",
    "User",
];

/// What a new key carries besides its owner.
#[derive(Debug, Clone, Default)]
pub struct NewKey {
    pub comment: Option<String>,
    pub expiration: i64,
    pub read_only: bool,
    pub allowed_ips: Option<Vec<String>>,
}
