//! Builders for the STIX domain and relationship objects of the export: each takes the
//! `Source` (attribute or MISP object) or event it describes and returns the JSON object, so
//! the writer in `mod.rs` only decides what to emit and in which order.

use serde_json::{Map, Value, json};

use crate::attributes::Attribute;
use crate::events::Event;
use crate::objects::Object;
use crate::tags::AttachedTag;

const EMPTY_EVENT: &str =
    "This MISP Event is empty and contains no attribute, object, galaxy or tag.";

/// What an indicator, observed-data or custom object says about its source: the attribute or
/// MISP object it comes from.
pub(super) struct Source {
    pub uuid: String,
    pub creator: String,
    pub timestamp: i64,
    pub first_seen_us: Option<i64>,
    pub last_seen_us: Option<i64>,
    pub comment: String,
    pub category: String,
    pub labels: Vec<String>,
    pub markings: Vec<String>,
    pub to_ids: bool,
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` from Unix seconds.
pub(super) fn time(secs: i64) -> String {
    time_us(secs.saturating_mul(1_000_000))
}

/// The same from microseconds (first/last seen), keeping milliseconds.
fn time_us(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub(super) fn sdo_base(src: &Source, kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("spec_version".into(), "2.1".into());
    m.insert("id".into(), format!("{kind}--{}", src.uuid).into());
    m.insert("created_by_ref".into(), src.creator.as_str().into());
    m.insert("created".into(), time(src.timestamp).into());
    m.insert("modified".into(), time(src.timestamp).into());
    m
}

pub(super) fn finish(mut m: Map<String, Value>, src: &Source) -> Value {
    m.insert("labels".into(), json!(src.labels));
    if !src.markings.is_empty() {
        m.insert("object_marking_refs".into(), json!(src.markings));
    }
    Value::Object(m)
}

/// First and last seen in microseconds, the last never before the first.
fn seen_range(src: &Source) -> (i64, Option<i64>) {
    let first = src
        .first_seen_us
        .unwrap_or(src.timestamp.saturating_mul(1_000_000));
    (first, src.last_seen_us.filter(|l| *l >= first))
}

pub(super) fn indicator(src: &Source, pattern: &str, pattern_type: &str) -> Value {
    let mut m = sdo_base(src, "indicator");
    if !src.comment.is_empty() {
        m.insert("description".into(), src.comment.as_str().into());
    }
    m.insert("pattern".into(), pattern.into());
    m.insert("pattern_type".into(), pattern_type.into());
    if pattern_type == "stix" {
        m.insert("pattern_version".into(), "2.1".into());
    }
    let (first, last) = seen_range(src);
    m.insert("valid_from".into(), time_us(first).into());
    if let Some(last) = last.filter(|l| *l > first) {
        m.insert("valid_until".into(), time_us(last).into());
    }
    m.insert(
        "kill_chain_phases".into(),
        json!([{ "kill_chain_name": "misp-category", "phase_name": src.category }]),
    );
    finish(m, src)
}

pub(super) fn observed_data(src: &Source, refs: Vec<Value>) -> Value {
    let mut m = sdo_base(src, "observed-data");
    let (first, last) = seen_range(src);
    m.insert("first_observed".into(), time_us(first).into());
    m.insert(
        "last_observed".into(),
        time_us(last.unwrap_or(first)).into(),
    );
    m.insert("number_observed".into(), 1.into());
    m.insert("object_refs".into(), Value::Array(refs));
    finish(m, src)
}

/// `based-on` from an indicator to its observed-data; the only id that is not a MISP UUID.
pub(super) fn relationship(src: &Source, from: &Value, to: &Value) -> Value {
    json!({
        "type": "relationship", "spec_version": "2.1",
        "id": format!("relationship--{}", uuid::Uuid::new_v4()),
        "created_by_ref": src.creator, "created": time(src.timestamp),
        "modified": time(src.timestamp), "relationship_type": "based-on",
        "source_ref": from, "target_ref": to,
    })
}

pub(super) fn vulnerability(src: &Source, name: &str) -> Value {
    let mut m = sdo_base(src, "vulnerability");
    m.insert("name".into(), name.into());
    if !src.comment.is_empty() {
        m.insert("description".into(), src.comment.as_str().into());
    }
    if is_cve(name) {
        m.insert(
            "external_references".into(),
            json!([{ "source_name": "cve", "external_id": name }]),
        );
    }
    finish(m, src)
}

/// `CVE-YYYY-NNNN…`: only then may the name be cited as a `cve` external reference.
fn is_cve(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() == 3
        && parts[0] == "CVE"
        && parts[1].len() == 4
        && parts[2].len() >= 4
        && parts[1..]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn to_ids_label(to_ids: bool) -> String {
    format!("misp:to_ids=\"{}\"", if to_ids { "True" } else { "False" })
}

pub(super) fn custom_attribute(src: &Source, a: &Attribute) -> Value {
    let mut m = sdo_base(src, "x-misp-attribute");
    let mut labels = src.labels.clone();
    labels.push(to_ids_label(a.to_ids));
    m.insert("labels".into(), json!(labels));
    m.insert("x_misp_type".into(), a.r#type.as_str().into());
    m.insert("x_misp_value".into(), a.value().into());
    m.insert("x_misp_category".into(), a.category.as_str().into());
    if !a.comment.is_empty() {
        m.insert("x_misp_comment".into(), a.comment.as_str().into());
    }
    if !src.markings.is_empty() {
        m.insert("object_marking_refs".into(), json!(src.markings));
    }
    Value::Object(m)
}

pub(super) fn custom_object(
    src: &Source,
    o: &Object,
    attributes: &[(Attribute, Vec<AttachedTag>)],
) -> Value {
    let mut m = sdo_base(src, "x-misp-object");
    let mut labels = src.labels.clone();
    labels.push(to_ids_label(src.to_ids));
    m.insert("labels".into(), json!(labels));
    m.insert("x_misp_name".into(), o.name.as_str().into());
    m.insert(
        "x_misp_meta_category".into(),
        o.meta_category.as_str().into(),
    );
    if !o.comment.is_empty() {
        m.insert("x_misp_comment".into(), o.comment.as_str().into());
    }
    let attrs: Vec<Value> = attributes
        .iter()
        .map(|(a, _)| {
            json!({
                "uuid": a.uuid, "type": a.r#type, "object_relation": a.object_relation,
                "value": a.value(), "category": a.category, "to_ids": a.to_ids,
                "comment": a.comment,
            })
        })
        .collect();
    m.insert("x_misp_attributes".into(), Value::Array(attrs));
    if !src.markings.is_empty() {
        m.insert("object_marking_refs".into(), json!(src.markings));
    }
    Value::Object(m)
}

/// The note that keeps an empty event's report valid (`object_refs` must not be empty).
pub(super) fn note(ev: &Event, creator: &str, report_id: &str) -> Value {
    json!({
        "type": "note", "spec_version": "2.1", "id": format!("note--{}", ev.uuid),
        "created_by_ref": creator, "created": time(ev.timestamp),
        "modified": time(ev.timestamp), "content": EMPTY_EVENT, "object_refs": [report_id],
    })
}

/// A published event is a `report`, an unpublished one a `grouping`.
pub(super) fn report(
    ev: &Event,
    creator: &str,
    refs: Vec<String>,
    tag_labels: impl Iterator<Item = String>,
    markings: &[String],
) -> Value {
    let kind = if ev.published { "report" } else { "grouping" };
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("spec_version".into(), "2.1".into());
    m.insert("id".into(), format!("{kind}--{}", ev.uuid).into());
    m.insert("created_by_ref".into(), creator.into());
    m.insert("created".into(), time(ev.timestamp).into());
    m.insert("modified".into(), time(ev.timestamp).into());
    let name = if ev.info.is_empty() {
        &ev.uuid
    } else {
        &ev.info
    };
    m.insert("name".into(), name.as_str().into());
    if ev.published {
        let at = if ev.publish_timestamp > 0 {
            ev.publish_timestamp
        } else {
            ev.timestamp
        };
        m.insert("published".into(), time(at).into());
    } else {
        m.insert("context".into(), "suspicious-activity".into());
    }
    m.insert("object_refs".into(), json!(refs));
    let mut labels = vec![
        "Threat-Report".to_string(),
        "misp:tool=\"MISP-STIX-Converter\"".to_string(),
    ];
    labels.extend(tag_labels);
    m.insert("labels".into(), json!(labels));
    if !markings.is_empty() {
        m.insert("object_marking_refs".into(), json!(markings));
    }
    Value::Object(m)
}
