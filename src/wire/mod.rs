//! MISP's wire conventions: JSON output typing (ids and times as strings, flags as booleans),
//! the URL grammar (`url`), and request bodies with their lenient typing (`input`).

pub mod input;
pub mod url;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Serialize, Serializer};

pub use input::{Body, Input};
pub use url::{MispUrl, rewrite};

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A 200 JSON response with MISP's content type.
pub fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], bytes).into_response(),
        Err(e) => crate::error::AppError::Internal(e.into()).into_response(),
    }
}

/// MISP's "saveSuccessResponse": `{saved, success, name, message, url, id}`.
pub fn saved(message: &str, url: &str, id: Option<i64>) -> Response {
    let mut body = serde_json::json!({
        "saved": true, "success": true, "name": message, "message": message, "url": url,
    });
    if let Some(id) = id {
        body["id"] = id.to_string().into();
    }
    json(&body)
}

/// Integer columns go out as decimal strings (`"id": "12"`), as MISP's MySQL layer emits them.
pub fn str_int<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Nullable integer columns: a string, or `null`.
pub fn opt_str_int<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// Epoch seconds rendered as MISP's `"YYYY-MM-DD HH:MM:SS"` (organisation and role dates, UTC).
pub fn datetime<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_datetime(*v))
}

/// Nullable epoch seconds as `"YYYY-MM-DD HH:MM:SS"` or `null` (user expiration).
pub fn opt_datetime<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(&format_datetime(*v)),
        None => s.serialize_none(),
    }
}

pub fn format_datetime(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// A JSON-array column (stored as text) emitted as the array itself, or `null`.
pub fn json_text<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v.as_deref().map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(value)) => value.serialize(s),
        _ => s.serialize_none(),
    }
}

/// The current time as Unix epoch seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A new random RFC 4122 UUID, lowercase as MISP stores them.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// True for an RFC 4122 UUID in any case (ids in paths may be numeric or UUIDs).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

/// An object reference from a URL: a numeric id or a UUID, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdRef {
    Id(i64),
    Uuid(String),
}

impl IdRef {
    pub fn parse(s: &str) -> Option<IdRef> {
        if let Ok(id) = s.parse::<i64>() {
            return (id > 0).then_some(IdRef::Id(id));
        }
        is_uuid(s).then(|| IdRef::Uuid(s.to_ascii_lowercase()))
    }
}

/// One bound of a MISP time filter (spec/api.md 1.7): epoch seconds (integer, string or
/// float), a relative `<n>d|h|m|s` delta, or a date/time string. Unparseable input gives
/// "now + 1s" so the filter matches nothing, as MISP does (never an error).
pub fn time_bound(v: &serde_json::Value) -> i64 {
    let now = now();
    let text = match v {
        serde_json::Value::Number(n) => return n.as_f64().map_or(now + 1, |f| f as i64),
        serde_json::Value::String(s) => s.trim(),
        _ => return now + 1,
    };
    if let Ok(f) = text.parse::<f64>() {
        return f as i64;
    }
    if let Some(unit) = text.chars().last().and_then(|c| match c {
        'd' => Some(86_400),
        'h' => Some(3_600),
        'm' => Some(60),
        's' => Some(1),
        _ => None,
    }) && let Ok(n) = text[..text.len() - 1].parse::<i64>()
    {
        return now - n * unit;
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
            return d.and_utc().timestamp();
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map_or(now + 1, |d| d.and_utc().timestamp());
    }
    now + 1
}

/// A time filter as an inclusive `(from, to)` range: one value means "from then on", a
/// two-element list a closed range (swapped when reversed).
pub fn time_range(v: &serde_json::Value) -> (i64, i64) {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => {
            let (a, b) = (time_bound(a), time_bound(b));
            (a.min(b), a.max(b))
        }
        _ => (time_bound(v), i64::MAX),
    }
}
