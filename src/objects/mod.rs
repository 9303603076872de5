//! MISP objects: named groups of attributes built from a template (a `file` with its hashes, a
//! `domain-ip` pair), and the typed references from an object to another object or attribute of
//! the same event. An object's distribution gates its attributes (spec/model.md 3.3).

pub mod routes;
pub mod store;

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::acl::{ElementAcl, EventAcl, Viewer};
use crate::attributes::{Attribute, AttributeWire, NewAttribute, format_seen, parse_seen};
use crate::tags::AttachedTag;
use crate::wire::Input;

/// An object row (`meta-category` on the wire is `meta_category` in SQL).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Object {
    pub id: i64,
    pub uuid: String,
    pub event_id: i64,
    pub name: String,
    pub meta_category: String,
    pub description: Option<String>,
    pub template_uuid: Option<String>,
    pub template_version: i64,
    pub timestamp: i64,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub comment: String,
    pub deleted: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

impl Object {
    pub fn acl(&self) -> ElementAcl {
        ElementAcl {
            distribution: self.distribution,
            sharing_group_id: self.sharing_group_id,
        }
    }
}

/// An object reference row: `object_id` is the source, `referenced_type` 0 = attribute, 1 = object.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectReference {
    pub id: i64,
    pub uuid: String,
    pub timestamp: i64,
    pub object_id: i64,
    pub event_id: i64,
    pub source_uuid: String,
    pub referenced_uuid: String,
    pub referenced_id: i64,
    pub referenced_type: i64,
    pub relationship_type: String,
    pub comment: String,
    pub deleted: bool,
}

/// What a reference points at, loaded with the event so the view can summarise it.
#[derive(Debug, Clone)]
pub enum Target {
    /// An attribute, with its object's distribution when it sits in one (the object gate).
    Attribute {
        attribute: Attribute,
        object: Option<ElementAcl>,
    },
    Object(Object),
}

#[derive(Debug, Clone)]
pub struct ResolvedReference {
    pub reference: ObjectReference,
    /// `None` when the target is gone (hard-deleted, or soft-deleted and not requested).
    pub target: Option<Target>,
}

/// An object with its attributes and outgoing references, as `store::of_event` loads them.
#[derive(Debug, Clone)]
pub struct ObjectTree {
    pub object: Object,
    pub attributes: Vec<Attribute>,
    pub references: Vec<ResolvedReference>,
}

/// A validated object of a request, with its attributes and references.
#[derive(Debug, Clone)]
pub struct NewObject {
    pub uuid: String,
    pub name: String,
    pub meta_category: String,
    pub description: Option<String>,
    pub template_uuid: Option<String>,
    pub template_version: i64,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub comment: String,
    pub deleted: bool,
    pub timestamp: Option<i64>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub attributes: Vec<NewAttribute>,
    pub references: Vec<NewReference>,
}

impl NewObject {
    /// Every sharing group the object and its attributes name: the caller checks the user may
    /// use them before storing (parsing cannot, it does not know the user).
    pub fn sharing_group_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = std::iter::once((self.distribution, self.sharing_group_id))
            .chain(
                self.attributes
                    .iter()
                    .map(|a| (a.distribution, a.sharing_group_id)),
            )
            .filter(|(d, _)| *d == 4)
            .map(|(_, sg)| sg)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// A reference nested in a new object; its source is that object. Resolved against the event
/// once every object exists, and silently skipped when the target is not in the event (MISP).
#[derive(Debug, Clone)]
pub struct NewReference {
    /// The client's uuid when valid; the store keeps it unless already taken.
    pub uuid: Option<String>,
    pub referenced_uuid: String,
    pub relationship_type: String,
    pub comment: String,
    pub deleted: bool,
    pub timestamp: Option<i64>,
}

pub const NO_ATTRIBUTES: &str = "Could not save the object as no attributes were set.";
pub const NO_RELATION: &str = "Object attribute sent, but no object_relation set.";
pub const UUID_TAKEN: &str = "The UUID provided is not unique";

/// PHP's `json_encode`: like JSON, with `/` escaped (MISP embeds it in error strings).
fn php_json(v: &Value) -> String {
    v.to_string().replace('/', "\\/")
}

/// MISP's text for an object whose own fields failed: one `field: messages` line per field.
pub fn object_error(errors: &Value) -> Value {
    let mut text = String::from("Object could not be saved.");
    for (field, msgs) in errors.as_object().into_iter().flatten() {
        let msgs: Vec<&str> = msgs
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        text.push_str(&format!("\n{field}: {}", msgs.join(", ")));
    }
    Value::String(text)
}

/// MISP's text for an object refused because one of its attributes failed validation.
pub fn attribute_error(relation: Option<&str>, errors: &Value) -> Value {
    Value::String(format!(
        "Could not save object as at least one attribute has failed validation ({}). {}",
        relation.unwrap_or("No object_relation"),
        php_json(errors)
    ))
}

/// Lifts an `Object` wrapper's fields to the top, keeping an `Attribute` list given beside it.
pub fn unwrap_object(mut map: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(inner)) = map.remove("Object") {
        for (k, v) in inner {
            map.entry(k).or_insert(v);
        }
    }
    map
}

/// A first/last seen field: absent, or a parseable date (an error otherwise).
fn seen(input: &mut Input, key: &str) -> Option<i64> {
    match input.str(key) {
        Some(s) if !s.is_empty() => parse_seen(&s).or_else(|| {
            input.error(key, "Invalid ISO 8601 format");
            None
        }),
        _ => None,
    }
}

/// First and last seen (microseconds), the last not before the first.
fn seen_range(input: &mut Input) -> (Option<i64>, Option<i64>) {
    let (first, last) = (seen(input, "first_seen"), seen(input, "last_seen"));
    if let (Some(f), Some(l)) = (first, last)
        && l < f
    {
        input.error(
            "last_seen",
            "Last seen value should be greater than first seen value",
        );
    }
    (first, last)
}

/// The distribution when given (0-5) and the sharing group it names (0 unless 4).
fn distribution(input: &mut Input) -> Option<(i64, i64)> {
    let d = input.int("distribution")?;
    if !(0..=5).contains(&d) {
        input.error("distribution", crate::attributes::DISTRIBUTION_OPTIONS);
    }
    let sg = match d {
        4 => input.int("sharing_group_id").unwrap_or(0),
        _ => 0,
    };
    Some((d, sg))
}

/// A uuid field, lower-cased; an error when present but not a UUID.
fn uuid_field(input: &mut Input, key: &str) -> Option<String> {
    let u = input.str(key).filter(|s| !s.is_empty())?;
    if crate::wire::is_uuid(&u) {
        return Some(u.to_ascii_lowercase());
    }
    input.error(key, "Please provide a valid RFC 4122 UUID");
    None
}

/// The object's own fields, without attributes and references yet.
fn object_fields(input: &mut Input) -> NewObject {
    let name = input.required_str("name").unwrap_or_default();
    // Absent or empty: a fresh one; invalid: an error (and parsing fails).
    let uuid = uuid_field(input, "uuid").unwrap_or_else(crate::wire::new_uuid);
    let template_version = input.int("template_version").unwrap_or(1);
    if template_version < 0 {
        input.error("template_version", "naturalNumber");
    }
    let (distribution, sharing_group_id) = distribution(input).unwrap_or((5, 0));
    let (first_seen, last_seen) = seen_range(input);
    NewObject {
        uuid,
        name,
        meta_category: input.str("meta-category").unwrap_or_default(),
        description: input.str("description"),
        template_uuid: uuid_field(input, "template_uuid"),
        template_version,
        distribution,
        sharing_group_id,
        comment: input.str("comment").unwrap_or_default(),
        deleted: input.bool("deleted").unwrap_or(false),
        timestamp: input.int("timestamp").filter(|t| *t > 0),
        first_seen,
        last_seen,
        attributes: Vec::new(),
        references: Vec::new(),
    }
}

/// Reads and validates an object (bare or wrapped), its attributes through `attributes::parse`
/// and its references. Errors come back as MISP's error string for the `errors` field.
pub fn parse(map: Map<String, Value>) -> Result<NewObject, Value> {
    let mut map = unwrap_object(map);
    let raw_attributes = map.remove("Attribute");
    let raw_references = map.remove("ObjectReference");
    let mut input = Input::new(map);
    let mut object = object_fields(&mut input);
    if let Err(crate::error::AppError::Invalid { errors, .. }) = input.finish("") {
        return Err(object_error(&errors));
    }
    object.attributes = parse_attributes(raw_attributes.as_ref())?;
    for a in &mut object.attributes {
        a.deleted |= object.deleted;
        a.first_seen = a.first_seen.or(object.first_seen);
        a.last_seen = a.last_seen.or(object.last_seen);
    }
    object.references = parse_references(raw_references.as_ref());
    Ok(object)
}

/// The attributes of an object: at least one, each valid, each with its relation, uuids
/// distinct. The first failure refuses the whole object.
pub fn parse_attributes(raw: Option<&Value>) -> Result<Vec<NewAttribute>, Value> {
    let items = raw.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if items.is_empty() {
        return Err(NO_ATTRIBUTES.into());
    }
    let mut seen_uuids = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let map = item.as_object().cloned().unwrap_or_default();
        let relation = map
            .get("object_relation")
            .and_then(Value::as_str)
            .map(str::to_string);
        let a = crate::attributes::parse(map)
            .map_err(|errors| attribute_error(relation.as_deref(), &errors))?;
        if a.object_relation.is_none() {
            return Err(attribute_error(
                None,
                &json!({ "object_relation": [NO_RELATION] }),
            ));
        }
        if !seen_uuids.insert(a.uuid.clone()) {
            return Err(attribute_error(
                a.object_relation.as_deref(),
                &json!({ "uuid": [UUID_TAKEN] }),
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// The references nested in an object; entries without a valid target uuid are skipped.
fn parse_references(raw: Option<&Value>) -> Vec<NewReference> {
    let items = raw.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    items
        .iter()
        .filter_map(|item| {
            let mut input = Input::new(
                item.get("ObjectReference")
                    .unwrap_or(item)
                    .as_object()?
                    .clone(),
            );
            let target = input.str("referenced_uuid")?.to_ascii_lowercase();
            crate::wire::is_uuid(&target).then(|| NewReference {
                uuid: input
                    .str("uuid")
                    .filter(|u| crate::wire::is_uuid(u))
                    .map(|u| u.to_ascii_lowercase()),
                referenced_uuid: target,
                relationship_type: input.str("relationship_type").unwrap_or_default(),
                comment: input.str("comment").unwrap_or_default(),
                deleted: input.bool("deleted").unwrap_or(false),
                timestamp: input.int("timestamp").filter(|t| *t > 0),
            })
        })
        .collect()
}

/// The object's own fields in MISP's order (captures 049, 050, 070).
pub fn head(o: &Object) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), o.id.to_string().into());
    m.insert("name".into(), o.name.clone().into());
    m.insert("meta-category".into(), o.meta_category.clone().into());
    m.insert("description".into(), o.description.clone().into());
    m.insert("template_uuid".into(), o.template_uuid.clone().into());
    m.insert(
        "template_version".into(),
        o.template_version.to_string().into(),
    );
    m.insert("event_id".into(), o.event_id.to_string().into());
    m.insert("uuid".into(), o.uuid.clone().into());
    m.insert("timestamp".into(), o.timestamp.to_string().into());
    m.insert("distribution".into(), o.distribution.to_string().into());
    m.insert(
        "sharing_group_id".into(),
        o.sharing_group_id.to_string().into(),
    );
    m.insert("comment".into(), o.comment.clone().into());
    m.insert("deleted".into(), o.deleted.into());
    m.insert("first_seen".into(), o.first_seen.map(format_seen).into());
    m.insert("last_seen".into(), o.last_seen.map(format_seen).into());
    m
}

/// A reference as its own endpoints return it: the row in column order (capture 051).
pub fn reference_row(r: &ObjectReference) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), r.id.to_string().into());
    m.insert("uuid".into(), r.uuid.clone().into());
    m.insert("timestamp".into(), r.timestamp.to_string().into());
    m.insert("object_id".into(), r.object_id.to_string().into());
    m.insert("event_id".into(), r.event_id.to_string().into());
    m.insert("source_uuid".into(), r.source_uuid.clone().into());
    m.insert("referenced_uuid".into(), r.referenced_uuid.clone().into());
    m.insert("referenced_id".into(), r.referenced_id.to_string().into());
    m.insert(
        "referenced_type".into(),
        r.referenced_type.to_string().into(),
    );
    m.insert(
        "relationship_type".into(),
        r.relationship_type.clone().into(),
    );
    m.insert("comment".into(), r.comment.clone().into());
    m.insert("deleted".into(), r.deleted.into());
    m
}

/// A reference inside `Event.Object[]` (capture 070): the row with `event_id` and `source_uuid`
/// last, then a summary of the target, only when the viewer may see it. Otherwise MISP's
/// "from another event" placeholder, which reveals nothing but the target uuid.
fn reference_in_event(rr: &ResolvedReference, viewer: &Viewer, event: &EventAcl) -> Value {
    let r = &rr.reference;
    let mut m = reference_row(r);
    let event_id = m.shift_remove("event_id").unwrap_or_default();
    let source_uuid = m.shift_remove("source_uuid").unwrap_or_default();
    m.insert("event_id".into(), event_id);
    m.insert("source_uuid".into(), source_uuid);
    let summary = match &rr.target {
        Some(Target::Attribute {
            attribute: a,
            object,
        }) if viewer.can_see_element(event, a.acl(), *object) => {
            json!({
                "distribution": a.distribution.to_string(),
                "sharing_group_id": a.sharing_group_id.to_string(),
                "uuid": a.uuid, "value": a.value(), "type": a.r#type,
                "category": a.category, "to_ids": a.to_ids,
            })
        }
        Some(Target::Object(o)) if viewer.can_see_element(event, o.acl(), None) => json!({
            "distribution": o.distribution.to_string(),
            "sharing_group_id": o.sharing_group_id.to_string(),
            "uuid": o.uuid, "name": o.name, "meta-category": o.meta_category,
        }),
        _ => {
            let other = format!("{} from another event", target_key(r));
            json!({
                "name": "", "meta-category": other, "category": other,
                "type": "", "value": "", "uuid": r.referenced_uuid,
            })
        }
    };
    m.insert(target_key(r).into(), summary);
    Value::Object(m)
}

fn target_key(r: &ObjectReference) -> &'static str {
    if r.referenced_type == 1 {
        "Object"
    } else {
        "Attribute"
    }
}

/// The object as it appears in `Event.Object[]`: `None` when the viewer may not see the object
/// or any of its attributes (MISP drops such objects), else only the visible attributes.
pub fn wire(
    tree: &ObjectTree,
    viewer: &Viewer,
    event: &EventAcl,
    tags: &HashMap<i64, Vec<AttachedTag>>,
) -> Option<Value> {
    let o = &tree.object;
    if !viewer.can_see_element(event, o.acl(), None) {
        return None;
    }
    let attributes: Vec<Value> = tree
        .attributes
        .iter()
        .filter(|a| viewer.can_see_element(event, a.acl(), Some(o.acl())))
        .map(|a| {
            let t = tags.get(&a.id).map_or(&[][..], Vec::as_slice);
            serde_json::to_value(AttributeWire {
                attribute: a,
                tags: t,
                raw: false,
            })
            .unwrap_or_default()
        })
        .collect();
    if attributes.is_empty() {
        return None;
    }
    let mut m = head(o);
    let references: Vec<Value> = tree
        .references
        .iter()
        .map(|r| reference_in_event(r, viewer, event))
        .collect();
    m.insert("ObjectReference".into(), references.into());
    m.insert("Attribute".into(), attributes.into());
    Some(Value::Object(m))
}

/// An attribute in the raw form of the object endpoints (value1/value2), with MISP's
/// `AttributeTag` list when `tags` is given (views and edits; capture 050).
pub fn raw_attribute(a: &Attribute, tags: Option<&[AttachedTag]>) -> Value {
    let mut v = serde_json::to_value(AttributeWire {
        attribute: a,
        tags: &[],
        raw: true,
    })
    .unwrap_or_default();
    if let (Some(tags), Value::Object(m)) = (tags, &mut v) {
        let links: Vec<Value> = tags
            .iter()
            .map(|t| {
                json!({
                    "id": t.link_id.to_string(), "attribute_id": a.id.to_string(),
                    "event_id": a.event_id.to_string(), "tag_id": t.tag.id.to_string(),
                    "local": t.local, "relationship_type": t.relationship_type, "Tag": t.tag,
                })
            })
            .collect();
        m.insert("AttributeTag".into(), links.into());
    }
    v
}
