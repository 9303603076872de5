//! Correlation (spec/model.md 5.7): one posting per correlatable attribute value, never pairs.
//! Attributes sharing a correlation key are related; which of them a user is shown is decided
//! at read time by the one ACL (`acl`), so distribution changes cost nothing.
//!
//! The key is the normalised value casefolded with Unicode lowercase (`str::to_lowercase`):
//! MISP on MySQL compares case-insensitively, and a key that does not depend on the database
//! collation makes SQLite, PostgreSQL and MySQL agree. Keys are stored once in
//! `correlation_values`, found by `key_hash` (hex of the first 16 bytes of the key's SHA-256)
//! so that the unique index stays small whatever the value's length.

mod bulk;
pub mod exclusions;
mod fresh;
pub mod read;
pub mod rebuild;
pub mod routes;
mod shapes;
pub mod store;

use std::collections::HashMap;
use std::net::IpAddr;

use sha2::{Digest, Sha256};

pub use fresh::index_fresh_event;
pub use read::{related_events, related_for_attributes, related_for_event};
pub use rebuild::rebuild;
pub use store::{drop_event, drop_object, index_attributes, index_event, index_object};

/// Types that never correlate (MISP's `NON_CORRELATING_TYPES`).
pub const NON_CORRELATING: [&str; 12] = [
    "comment",
    "http-method",
    "aba-rtn",
    "gender",
    "counter",
    "integer",
    "float",
    "port",
    "nationality",
    "cortex",
    "boolean",
    "anonymised",
];

/// Composite types whose second half (a port) never correlates.
pub const PRIMARY_ONLY: [&str; 3] = ["ip-src|port", "ip-dst|port", "hostname|port"];

/// Types whose address takes part in CIDR containment (MISP's advanced correlation): a plain
/// address correlates with the stored networks containing it, and a network with the plain
/// addresses inside it, within one address family.
pub const RANGE_TYPES: [&str; 4] = ["ip-src", "ip-dst", "ip-src|port", "ip-dst|port"];

/// Most RelatedAttribute rows read for one event view (MISP's `max_correlations_per_event`).
pub const MAX_PER_EVENT: u64 = 5000;

/// Correlated data for one event, as the event view shows it.
#[derive(Debug, Default, Clone)]
pub struct Related {
    /// `RelatedEvent` entries (`{"Event": {...}}`), newest event date first.
    pub events: Vec<serde_json::Value>,
    /// Attribute id in the viewed event -> its `RelatedAttribute` entries.
    pub attributes: HashMap<i64, Vec<serde_json::Value>>,
}

pub fn correlates(type_name: &str) -> bool {
    !NON_CORRELATING.contains(&type_name)
}

/// The correlation key of a value.
pub fn key_of(value: &str) -> String {
    value.to_lowercase()
}

/// The keys an attribute posts: value1 and, unless the type is primary-only, value2;
/// casefolded, empty halves skipped, each key once.
pub fn keys(type_name: &str, value1: &str, value2: &str) -> Vec<String> {
    if !correlates(type_name) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(2);
    if !value1.is_empty() {
        out.push(key_of(value1));
    }
    if !value2.is_empty() && !PRIMARY_ONLY.contains(&type_name) {
        let k = key_of(value2);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// `key_hash`: lowercase hex of the first 16 bytes of the key's SHA-256.
pub fn key_hash(key: &str) -> String {
    hex::encode(hash_bytes(key))
}

/// The first 16 bytes of the key's SHA-256 (what `key_hash` spells in hex).
pub fn hash_bytes(key: &str) -> [u8; 16] {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// An address or network as a closed interval of 16-byte addresses (IPv4 mapped into
/// `::ffff:0:0/96`), written as fixed-width lowercase hex so that plain string comparison in
/// SQL orders them numerically on every backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpRange {
    pub family: i64,
    pub is_cidr: bool,
    pub lo: String,
    pub hi: String,
}

fn hex16(addr: IpAddr) -> String {
    let bytes = match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    };
    hex::encode(bytes)
}

/// The range of an attribute's address (value1) for the CIDR types; `None` otherwise.
pub fn ip_range(type_name: &str, value1: &str) -> Option<IpRange> {
    if !RANGE_TYPES.contains(&type_name) {
        return None;
    }
    let family = |a: &IpAddr| if a.is_ipv4() { 4 } else { 6 };
    if value1.contains('/') {
        let net: ipnet::IpNet = value1.parse().ok()?;
        let (lo, hi) = (net.network(), net.broadcast());
        return Some(IpRange {
            family: family(&lo),
            is_cidr: true,
            lo: hex16(lo),
            hi: hex16(hi),
        });
    }
    let addr: IpAddr = value1.parse().ok()?;
    Some(IpRange {
        family: family(&addr),
        is_cidr: false,
        lo: hex16(addr),
        hi: hex16(addr),
    })
}

/// A correlation exclusion: `%x%` contains, `%x` ends with, `x%` starts with, else exact;
/// compared casefolded, like the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Contains(String),
    Suffix(String),
    Prefix(String),
    Exact(String),
}

impl Pattern {
    pub fn parse(raw: &str) -> Pattern {
        let v = key_of(raw);
        let (starts, ends) = (v.starts_with('%'), v.ends_with('%'));
        if starts && ends {
            let inner = v.get(1..v.len().saturating_sub(1)).unwrap_or("");
            Pattern::Contains(inner.to_string())
        } else if starts {
            Pattern::Suffix(v[1..].to_string())
        } else if ends {
            Pattern::Prefix(v[..v.len() - 1].to_string())
        } else {
            Pattern::Exact(v)
        }
    }

    pub fn matches(&self, key: &str) -> bool {
        match self {
            Pattern::Contains(x) => key.contains(x.as_str()),
            Pattern::Suffix(x) => key.ends_with(x.as_str()),
            Pattern::Prefix(x) => key.starts_with(x.as_str()),
            Pattern::Exact(x) => key == x,
        }
    }

    /// The same test in SQL on a key column.
    pub fn condition(&self, col: sea_query::Expr) -> sea_query::Expr {
        use sea_query::{ExprTrait, LikeExpr};
        let like = |p: String| col.clone().like(LikeExpr::new(p).escape('\\'));
        let esc = crate::db::escape_like;
        match self {
            Pattern::Contains(x) => like(format!("%{}%", esc(x))),
            Pattern::Suffix(x) => like(format!("%{}", esc(x))),
            Pattern::Prefix(x) => like(format!("{}%", esc(x))),
            Pattern::Exact(x) => col.clone().eq(x.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_composite_rules() {
        assert_eq!(keys("domain", "Evil.COM", ""), vec!["evil.com"]);
        assert_eq!(
            keys("filename|md5", "a.exe", "9C7969D08AB515B3D1735F97DBD45721"),
            vec!["a.exe", "9c7969d08ab515b3d1735f97dbd45721"]
        );
        assert_eq!(keys("ip-dst|port", "1.2.3.4", "443"), vec!["1.2.3.4"]);
        assert_eq!(keys("hostname|port", "h.example", "80"), vec!["h.example"]);
        assert_eq!(
            keys("domain|ip", "x.example", "x.example"),
            vec!["x.example"]
        );
        assert!(keys("comment", "hello", "").is_empty());
        assert!(keys("port", "443", "").is_empty());
        assert_eq!(keys("text", "ÉCOLE", ""), vec!["école"]);
    }

    #[test]
    fn key_hash_is_32_hex_characters() {
        let h = key_hash("evil.com");
        assert_eq!(h.len(), 32);
        assert_eq!(h, hex::encode(&Sha256::digest(b"evil.com")[..16]));
    }

    #[test]
    fn ranges_map_ipv4_into_ipv6() {
        let plain = ip_range("ip-dst", "10.1.2.3").unwrap();
        assert_eq!(plain.family, 4);
        assert!(!plain.is_cidr);
        assert_eq!(plain.lo, "00000000000000000000ffff0a010203");
        assert_eq!(plain.lo, plain.hi);
        let net = ip_range("ip-src", "10.1.2.3/8").unwrap();
        assert!(net.is_cidr);
        assert_eq!(net.lo, "00000000000000000000ffff0a000000");
        assert_eq!(net.hi, "00000000000000000000ffff0affffff");
        assert!(net.lo <= plain.lo && plain.lo <= net.hi);
        let v6 = ip_range("ip-dst|port", "2001:db8::/32").unwrap();
        assert_eq!(v6.family, 6);
        assert_eq!(v6.lo, "20010db8000000000000000000000000");
        assert_eq!(v6.hi, "20010db8ffffffffffffffffffffffff");
        assert_eq!(ip_range("domain|ip", "1.2.3.4"), None);
        assert_eq!(ip_range("ip-dst", "not an ip"), None);
    }

    #[test]
    fn patterns_match_like_misp() {
        assert!(Pattern::parse("%evil%").matches("www.evil.com"));
        assert!(Pattern::parse("%.COM").matches("evil.com"));
        assert!(!Pattern::parse("%.com").matches("evil.org"));
        assert!(Pattern::parse("10.%").matches("10.1.2.3"));
        assert!(!Pattern::parse("10.%").matches("110.1.2.3"));
        assert!(Pattern::parse("Evil.com").matches("evil.com"));
        assert!(!Pattern::parse("evil.com").matches("www.evil.com"));
        assert_eq!(Pattern::parse("%"), Pattern::Contains(String::new()));
    }
}
