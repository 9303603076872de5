//! Attributes: the indicators (IPs, domains, hashes, ...) of an event, typed by the registry in
//! `types`, stored split into value1/value2, emitted with MISP's field order and typing.

pub mod routes;
pub mod store;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::tags::{AttachedTag, TagRequest};
use crate::wire::Input;

/// An attribute row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attribute {
    pub id: i64,
    pub uuid: String,
    pub event_id: i64,
    pub object_id: i64,
    pub object_relation: Option<String>,
    pub category: String,
    #[sqlx(rename = "type")]
    pub r#type: String,
    pub value1: String,
    pub value2: String,
    pub to_ids: bool,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub comment: String,
    pub deleted: bool,
    pub disable_correlation: bool,
    pub timestamp: i64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

impl Attribute {
    /// The public value: `value1`, or `value1|value2` for composite types.
    pub fn value(&self) -> String {
        if self.value2.is_empty() {
            self.value1.clone()
        } else {
            format!("{}|{}", self.value1, self.value2)
        }
    }

    pub fn acl(&self) -> crate::acl::ElementAcl {
        crate::acl::ElementAcl {
            distribution: self.distribution,
            sharing_group_id: self.sharing_group_id,
        }
    }
}

/// Microseconds since the epoch as MISP's ISO form `2020-01-02T23:00:00.000000+00:00`.
pub fn format_seen(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
        .unwrap_or_default()
}

/// Parses a first/last seen value: ISO 8601 (UTC when no zone is given) or epoch seconds.
pub fn parse_seen(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(d.timestamp_micros());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(raw, fmt) {
            return Some(d.and_utc().timestamp_micros());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc().timestamp_micros());
    }
    if let Ok(d) = chrono::DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(d.timestamp_micros());
    }
    raw.parse::<f64>().ok().map(|s| (s * 1_000_000.0) as i64)
}

/// How an attribute is shown.
pub struct AttributeWire<'a> {
    pub attribute: &'a Attribute,
    pub tags: &'a [AttachedTag],
    /// The `attributes/add` form: with value1/value2, no Galaxy/ShadowAttribute blocks.
    pub raw: bool,
}

impl Serialize for AttributeWire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.attribute;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &a.id.to_string())?;
        if self.raw {
            m.serialize_entry("event_id", &a.event_id.to_string())?;
            m.serialize_entry("object_id", &a.object_id.to_string())?;
            m.serialize_entry("object_relation", &a.object_relation)?;
            m.serialize_entry("category", &a.category)?;
            m.serialize_entry("type", &a.r#type)?;
            m.serialize_entry("value1", &a.value1)?;
            m.serialize_entry("value2", &a.value2)?;
            m.serialize_entry("to_ids", &a.to_ids)?;
            m.serialize_entry("uuid", &a.uuid)?;
            m.serialize_entry("timestamp", &a.timestamp.to_string())?;
            m.serialize_entry("distribution", &a.distribution.to_string())?;
            m.serialize_entry("sharing_group_id", &a.sharing_group_id.to_string())?;
            m.serialize_entry("comment", &a.comment)?;
            m.serialize_entry("deleted", &a.deleted)?;
            m.serialize_entry("disable_correlation", &a.disable_correlation)?;
            m.serialize_entry("first_seen", &a.first_seen.map(format_seen))?;
            m.serialize_entry("last_seen", &a.last_seen.map(format_seen))?;
            m.serialize_entry("value", &a.value())?;
            if !self.tags.is_empty() {
                m.serialize_entry("Tag", self.tags)?;
            }
            return m.end();
        }
        m.serialize_entry("type", &a.r#type)?;
        m.serialize_entry("category", &a.category)?;
        m.serialize_entry("to_ids", &a.to_ids)?;
        m.serialize_entry("uuid", &a.uuid)?;
        m.serialize_entry("event_id", &a.event_id.to_string())?;
        m.serialize_entry("distribution", &a.distribution.to_string())?;
        m.serialize_entry("timestamp", &a.timestamp.to_string())?;
        m.serialize_entry("comment", &a.comment)?;
        m.serialize_entry("sharing_group_id", &a.sharing_group_id.to_string())?;
        m.serialize_entry("deleted", &a.deleted)?;
        m.serialize_entry("disable_correlation", &a.disable_correlation)?;
        m.serialize_entry("object_id", &a.object_id.to_string())?;
        m.serialize_entry("object_relation", &a.object_relation)?;
        m.serialize_entry("first_seen", &a.first_seen.map(format_seen))?;
        m.serialize_entry("last_seen", &a.last_seen.map(format_seen))?;
        m.serialize_entry("value", &a.value())?;
        if !self.tags.is_empty() {
            m.serialize_entry("Tag", self.tags)?;
        }
        m.serialize_entry("Galaxy", &[] as &[Value])?;
        m.serialize_entry("ShadowAttribute", &[] as &[Value])?;
        m.end()
    }
}

/// How `attributes/view` and `attributes/edit` show one attribute (captures 046 and 048): the
/// stored fields in MISP's column order without value1/value2, then `event_uuid` (view only) and
/// `Tag` when the attribute is tagged.
pub struct AttributeView<'a> {
    pub attribute: &'a Attribute,
    pub tags: &'a [AttachedTag],
    pub event_uuid: Option<&'a str>,
}

impl Serialize for AttributeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.attribute;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &a.id.to_string())?;
        m.serialize_entry("event_id", &a.event_id.to_string())?;
        m.serialize_entry("object_id", &a.object_id.to_string())?;
        m.serialize_entry("object_relation", &a.object_relation)?;
        m.serialize_entry("category", &a.category)?;
        m.serialize_entry("type", &a.r#type)?;
        m.serialize_entry("to_ids", &a.to_ids)?;
        m.serialize_entry("uuid", &a.uuid)?;
        m.serialize_entry("timestamp", &a.timestamp.to_string())?;
        m.serialize_entry("distribution", &a.distribution.to_string())?;
        m.serialize_entry("sharing_group_id", &a.sharing_group_id.to_string())?;
        m.serialize_entry("comment", &a.comment)?;
        m.serialize_entry("deleted", &a.deleted)?;
        m.serialize_entry("disable_correlation", &a.disable_correlation)?;
        m.serialize_entry("first_seen", &a.first_seen.map(format_seen))?;
        m.serialize_entry("last_seen", &a.last_seen.map(format_seen))?;
        m.serialize_entry("value", &a.value())?;
        if let Some(uuid) = self.event_uuid {
            m.serialize_entry("event_uuid", uuid)?;
        }
        if !self.tags.is_empty() {
            m.serialize_entry("Tag", self.tags)?;
        }
        m.end()
    }
}

/// A validated attribute ready to store (ids are assigned by the store).
#[derive(Debug, Clone)]
pub struct NewAttribute {
    pub uuid: String,
    pub object_relation: Option<String>,
    pub category: String,
    pub r#type: String,
    pub value1: String,
    pub value2: String,
    pub to_ids: bool,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub comment: String,
    pub deleted: bool,
    pub disable_correlation: bool,
    pub timestamp: Option<i64>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub tags: Vec<TagRequest>,
}

pub const DISTRIBUTION_OPTIONS: &str = "Options: Your organisation only, This community only, Connected communities, All communities, Sharing group, Inherit event";

/// Reads and validates one attribute of a request: the normalisation pipeline, category and
/// type rules, distribution and dates. Field errors come back in MISP's `{field: [msg]}` form.
pub fn parse(map: Map<String, Value>) -> Result<NewAttribute, Value> {
    let tags = crate::tags::parse_tag_list(map.get("Tag"));
    let mut input = Input::new(map);
    let type_name = input.required_str("type");
    let raw_value = input.required_str("value");
    let category = input.str("category");
    let uuid = match input.str("uuid") {
        Some(u) if crate::wire::is_uuid(&u) => u.to_ascii_lowercase(),
        Some(_) => {
            input.error("uuid", "Please provide a valid RFC 4122 UUID");
            String::new()
        }
        None => crate::wire::new_uuid(),
    };
    let mut out = None;
    if let (Some(t), Some(v)) = (type_name.as_deref(), raw_value.as_deref()) {
        match crate::types::lookup(t) {
            None => input.error("type", crate::types::validate::INVALID_TYPE),
            Some(def) => {
                let cat = match crate::types::validate::check_category(t, category.as_deref()) {
                    Ok(c) => Some(c.to_string()),
                    Err(err) => {
                        // MISP files an unknown category under both `type` and `category`.
                        for (field, message) in err.errors() {
                            input.error(field, message);
                        }
                        None
                    }
                };
                match crate::types::validate::normalise(t, v) {
                    Ok(n) => out = cat.map(|c| (def, c, n)),
                    Err(msg) => input.error("value", msg),
                }
            }
        }
    }
    let distribution = input.int("distribution").unwrap_or(5);
    if !(0..=5).contains(&distribution) {
        input.error("distribution", DISTRIBUTION_OPTIONS);
    }
    let sharing_group_id = if distribution == 4 {
        input.int("sharing_group_id").unwrap_or(0)
    } else {
        0
    };
    let to_ids = input.bool("to_ids");
    let comment = input.str("comment").unwrap_or_default();
    let deleted = input.bool("deleted").unwrap_or(false);
    let disable_correlation = input.bool("disable_correlation").unwrap_or(false);
    let timestamp = input.int("timestamp").filter(|t| *t > 0);
    let seen = |key: &str, input: &mut Input| match input.str(key) {
        Some(s) if !s.is_empty() => parse_seen(&s).or_else(|| {
            input.error(key, "Invalid ISO 8601 format");
            None
        }),
        _ => None,
    };
    let first_seen = seen("first_seen", &mut input);
    let last_seen = seen("last_seen", &mut input);
    if let (Some(f), Some(l)) = (first_seen, last_seen)
        && l < f
    {
        input.error(
            "last_seen",
            "Last seen value should be greater than first seen value",
        );
    }
    let object_relation = input.str("object_relation").filter(|s| !s.is_empty());
    if let Err(crate::error::AppError::Invalid { errors, .. }) = input.finish("") {
        return Err(errors);
    }
    let Some((def, category, n)) = out else {
        return Err(
            serde_json::json!({"value": ["Value not in the right type/format. Please double check the value or select type \"other\"."]}),
        );
    };
    Ok(NewAttribute {
        uuid,
        object_relation,
        category,
        r#type: def.name.to_string(),
        value1: n.value1,
        value2: n.value2,
        to_ids: to_ids.unwrap_or(def.to_ids),
        distribution,
        sharing_group_id,
        comment,
        deleted,
        disable_correlation,
        timestamp,
        first_seen,
        last_seen,
        tags,
    })
}
