//! From request to `Filters`: the JSON body (bare or `{"request": ...}`), URL named parameters
//! and positional parameters in MISP's fixed order, then each filter's lenient MISP syntax
//! (lists, `||`, `&&`, `!`, `{"OR","AND","NOT"}`, time deltas, `[0,1]` for "both").

use serde_json::{Map, Value};

use super::{Deleted, Filters, Terms, scalar_text};
use crate::exports::{Format, Scope};
use crate::wire::{time_bound, time_range};

/// The order in which positional URL parameters bind (MISP's RestSearch parameter lists; the
/// first is always `returnFormat`).
fn positional_order(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::Attributes => &[
            "returnFormat",
            "value",
            "value1",
            "value2",
            "type",
            "category",
            "org",
            "tags",
            "from",
            "to",
            "last",
            "eventid",
            "withAttachments",
            "uuid",
            "publish_timestamp",
            "published",
            "timestamp",
            "enforceWarninglist",
            "to_ids",
            "deleted",
            "includeEventUuid",
            "event_timestamp",
            "threat_level_id",
            "includeEventTags",
            "includeProposals",
            "limit",
            "page",
        ],
        Scope::Events => &[
            "returnFormat",
            "value",
            "type",
            "category",
            "org",
            "tags",
            "searchall",
            "from",
            "to",
            "last",
            "eventid",
            "withAttachments",
            "metadata",
            "uuid",
            "publish_timestamp",
            "timestamp",
            "event_timestamp",
            "event_tags",
            "published",
            "enforceWarninglist",
            "sgReferenceOnly",
            "limit",
            "page",
        ],
        Scope::Objects => &[
            "returnFormat",
            "value",
            "type",
            "category",
            "org",
            "tags",
            "first_seen",
            "last_seen",
            "from",
            "to",
            "last",
            "eventid",
            "withAttachments",
            "uuid",
            "publish_timestamp",
            "published",
            "timestamp",
            "enforceWarninglist",
            "to_ids",
            "deleted",
        ],
    }
}

/// The filters of one request: body entries, then named URL parameters, then positional ones
/// (`null`, `0` and `false` in a position mean "not set").
pub fn merge(
    mut body: Map<String, Value>,
    named: impl IntoIterator<Item = (String, String)>,
    positional: &[String],
    scope: Scope,
) -> Map<String, Value> {
    for (k, v) in named {
        body.insert(k, Value::String(v));
    }
    for (key, raw) in positional_order(scope).iter().zip(positional) {
        let raw = raw.trim();
        if !matches!(raw, "" | "null" | "0" | "false") {
            body.insert((*key).to_string(), Value::String(raw.to_string()));
        }
    }
    body
}

/// One term string: `!x` negates; `&&` joins terms that must all hold.
fn push_term(t: &mut Terms, raw: &str) {
    let raw = raw.trim();
    if raw.is_empty() {
        return;
    }
    if raw.contains("&&") {
        for part in raw.split("&&").map(str::trim).filter(|p| !p.is_empty()) {
            match part.strip_prefix('!') {
                Some(n) => t.not.push(n.to_string()),
                None => t.all.push(part.to_string()),
            }
        }
        return;
    }
    match raw.strip_prefix('!') {
        Some(n) if !n.is_empty() => t.not.push(n.to_string()),
        _ => t.any.push(raw.to_string()),
    }
}

/// List semantics: a scalar, a list (any), `{"OR": [...], "AND": [...], "NOT": [...]}`, or a
/// string with `||` between alternatives.
pub fn terms(v: Option<&Value>) -> Terms {
    let mut t = Terms::default();
    let Some(v) = v else { return t };
    match v {
        Value::Array(items) => {
            for item in items {
                if let Some(s) = scalar_text(item) {
                    push_term(&mut t, &s);
                }
            }
        }
        Value::Object(map) => {
            for (k, list) in map {
                let sub = terms(Some(list));
                let all_terms = sub.any.into_iter().chain(sub.all);
                match k.to_ascii_uppercase().as_str() {
                    "OR" => t.any.extend(all_terms),
                    "AND" => t.all.extend(all_terms),
                    "NOT" => t.not.extend(all_terms),
                    _ => {}
                }
                t.not.extend(sub.not);
            }
        }
        other => {
            if let Some(s) = scalar_text(other) {
                for part in s.split("||") {
                    push_term(&mut t, part);
                }
            }
        }
    }
    t
}

/// A flag: on for `1`, `true`, `"1"`, `"true"`.
pub fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "true"),
        _ => false,
    }
}

/// A tri-state flag: `None` for absent or "both" (`[0, 1]`, `[true, false]`).
fn tri(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Null => None,
        Value::Array(items) => {
            let set: Vec<bool> = items.iter().map(|i| flag(Some(i))).collect();
            match (set.contains(&true), set.contains(&false)) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                _ => None,
            }
        }
        Value::String(s) if s.trim().eq_ignore_ascii_case("exclude") => Some(false),
        Value::String(s) if s.trim().is_empty() => None,
        other => Some(flag(Some(other))),
    }
}

/// A time filter, unless absent or empty.
fn range(v: Option<&Value>) -> Option<(i64, i64)> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        other => Some(time_range(other)),
    }
}

/// `from`/`to`: a date as is, or a time (epoch, delta) converted to its UTC date.
fn date(v: Option<&Value>) -> Option<String> {
    let v = v?;
    if let Value::String(s) = v {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
            return Some(s.to_string());
        }
    }
    if v.is_null() {
        return None;
    }
    Some(epoch_date(time_bound(v)))
}

fn epoch_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "9999-12-31".into())
}

/// `first_seen`/`last_seen` are compared in microseconds.
fn micros((a, b): (i64, i64)) -> (i64, i64) {
    (a.saturating_mul(1_000_000), b.saturating_mul(1_000_000))
}

/// `order`: `"<field> [asc|desc]"` over a fixed list per scope; anything else is ignored.
fn order(v: Option<&Value>, scope: Scope) -> Option<(&'static str, bool)> {
    let text = scalar_text(v?)?;
    let mut parts = text.split_whitespace();
    let field = parts.next()?.to_ascii_lowercase();
    let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
    let allowed: &[&'static str] = match scope {
        Scope::Events => &[
            "id",
            "info",
            "analysis",
            "threat_level_id",
            "distribution",
            "timestamp",
            "publish_timestamp",
            "date",
        ],
        _ => &[
            "id",
            "event_id",
            "object_id",
            "type",
            "category",
            "value",
            "distribution",
            "timestamp",
            "object_relation",
        ],
    };
    let field = field
        .trim_start_matches("event.")
        .trim_start_matches("attribute.");
    allowed.iter().find(|a| **a == field).map(|a| (*a, desc))
}

fn positive(v: Option<&Value>) -> Option<u64> {
    scalar_text(v?)?.parse::<u64>().ok().filter(|n| *n > 0)
}

/// The filters of a merged request for `scope`, with the implicit `to_ids`/`published` of
/// restrictive formats.
pub fn parse(p: &Map<String, Value>, scope: Scope, format: Format) -> Filters {
    let get = |k: &str| p.get(k).filter(|v| !v.is_null());
    let mut tags = terms(get("tags"));
    // `tag` is the legacy singular spelling.
    let legacy = terms(get("tag"));
    tags.any.extend(legacy.any);
    tags.all.extend(legacy.all);
    tags.not.extend(legacy.not);
    let publish = get("publish_timestamp").or(get("last"));
    let mut f = Filters {
        value: terms(get("value")),
        value1: terms(get("value1")),
        value2: terms(get("value2")),
        types: terms(get("type")),
        category: terms(get("category")),
        object_relation: terms(get("object_relation")),
        org: terms(get("org")),
        tags,
        event_tags: terms(get("event_tags")),
        eventid: terms(get("eventid").or(get("event_id"))),
        uuid: terms(get("uuid")),
        eventinfo: terms(get("eventinfo")),
        threat_level: terms(get("threat_level_id")),
        sharinggroup: terms(get("sharinggroup")),
        object_name: terms(get("object_name")),
        object_template_uuid: terms(get("object_template_uuid")),
        searchall: get("searchall")
            .or(get("quickFilter"))
            .and_then(scalar_text)
            .filter(|s| !s.is_empty()),
        date_from: date(get("from")),
        date_to: date(get("to")),
        publish_timestamp: range(publish),
        event_timestamp: range(get("event_timestamp")),
        timestamp: range(get("timestamp")),
        attribute_timestamp: range(get("attribute_timestamp")),
        first_seen: range(get("first_seen")).map(micros),
        last_seen: range(get("last_seen")).map(micros),
        published: tri(get("published")),
        to_ids: tri(get("to_ids")),
        deleted: match get("deleted") {
            Some(Value::Array(a)) if a.len() > 1 => Deleted::Both,
            Some(Value::Array(a)) => {
                if flag(a.first()) {
                    Deleted::Only
                } else {
                    Deleted::Live
                }
            }
            v if flag(v) => Deleted::Only,
            _ => Deleted::Live,
        },
        limit: positive(get("limit")),
        page: positive(get("page")).unwrap_or(1),
        order: order(get("order"), scope),
        metadata: flag(get("metadata")),
        include_event_tags: flag(get("includeEventTags")),
        include_context: flag(get("includeContext")),
        include_correlations: flag(get("includeCorrelations")),
        include_event_uuid: flag(get("includeEventUuid")),
        exclude_local_tags: flag(get("excludeLocalTags")),
        sg_reference_only: flag(get("sgReferenceOnly")),
        include_granular_correlations: flag(get("includeGranularCorrelations")),
    };
    if let Some((lo, hi)) = range(get("date")) {
        f.date_from = Some(epoch_date(lo));
        if hi != i64::MAX {
            f.date_to = Some(epoch_date(hi));
        }
    }
    if f.eventid.any.iter().any(|t| t.eq_ignore_ascii_case("all")) {
        f.eventid = Terms::default();
    }
    if format.restrictive() {
        if !p.contains_key("to_ids") {
            f.to_ids = Some(true);
        }
        if !p.contains_key("published") {
            f.published = Some(true);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(v: Value) -> Terms {
        terms(Some(&v))
    }

    #[test]
    fn list_semantics() {
        assert_eq!(t(json!("a")).any, ["a"]);
        assert_eq!(
            t(json!("a||!b")),
            Terms {
                any: vec!["a".into()],
                all: vec![],
                not: vec!["b".into()]
            }
        );
        assert_eq!(t(json!(["a", "!b", 5])).any, ["a", "5"]);
        let complex = t(json!({"AND": ["x", "y"], "NOT": ["z"], "OR": ["w"]}));
        assert_eq!(
            (complex.any, complex.all, complex.not),
            (
                vec!["w".to_string()],
                vec!["x".to_string(), "y".to_string()],
                vec!["z".to_string()]
            )
        );
        assert_eq!(t(json!("x&&!y")).all, ["x"]);
        assert_eq!(t(json!("x&&!y")).not, ["y"]);
        assert!(t(json!(null)).is_empty());
    }

    #[test]
    fn flags_times_and_defaults() {
        let p = json!({"to_ids": "exclude", "published": [true, false], "deleted": [0, 1], "limit": "10", "page": 2, "last": "5x", "from": "2024-01-02", "to": 1704239999.9, "order": "Attribute.value desc"});
        let f = parse(p.as_object().unwrap(), Scope::Attributes, Format::Json);
        assert_eq!(f.to_ids, Some(false));
        assert_eq!(f.published, None);
        assert_eq!(f.deleted, Deleted::Both);
        assert_eq!((f.limit, f.page), (Some(10), 2));
        // Unparseable time: a bound in the future, so nothing matches (MISP: no error).
        assert!(f.publish_timestamp.unwrap().0 > crate::wire::now());
        assert_eq!(f.date_from.as_deref(), Some("2024-01-02"));
        assert_eq!(f.date_to.as_deref(), Some("2024-01-02"));
        assert_eq!(f.order, Some(("value", true)));
        let text = parse(&Map::new(), Scope::Events, Format::Text);
        assert_eq!((text.to_ids, text.published), (Some(true), Some(true)));
        let explicit = parse(
            json!({"to_ids": [0, 1]}).as_object().unwrap(),
            Scope::Events,
            Format::Text,
        );
        assert_eq!(explicit.to_ids, None);
        let order = parse(
            json!({"order": "id; DROP TABLE x"}).as_object().unwrap(),
            Scope::Events,
            Format::Json,
        );
        assert_eq!(order.order, None);
    }

    #[test]
    fn positional_parameters_bind_in_order() {
        let m = merge(
            Map::new(),
            vec![("tags".to_string(), "tlp:red".to_string())],
            &[
                "csv".into(),
                "1.2.3.4".into(),
                "null".into(),
                "ip-dst".into(),
            ],
            Scope::Attributes,
        );
        assert_eq!(m["returnFormat"], "csv");
        assert_eq!(m["value"], "1.2.3.4");
        assert!(!m.contains_key("value1"));
        assert_eq!(m["value2"], "ip-dst");
        assert_eq!(m["tags"], "tlp:red");
    }
}
