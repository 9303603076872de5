//! The JSON shapes of `/attributes/restSearch` (`{"response": {"Attribute": [...]}}`, each
//! attribute with a small `Event`, captures 094/095) and `/objects/restSearch`
//! (`{"response": [{"Object": {...}}]}`), written as streaming `Exporter`s.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::attributes::{Attribute, AttributeView};
use crate::exports::{EventCtx, Exporter, Item};
use crate::objects::Object;
use crate::tags::AttachedTag;

fn push_comma(first: &mut bool, out: &mut Vec<u8>) {
    if !*first {
        out.push(b',');
    }
    *first = false;
}

/// The event summary of an attribute: MISP's seven fields, or the full context with
/// `includeContext` (capture 095).
pub fn event_summary(ctx: &EventCtx, full: bool) -> Value {
    let e = &ctx.event;
    if !full {
        return json!({
            "org_id": e.org_id.to_string(), "distribution": e.distribution.to_string(),
            "publish_timestamp": e.publish_timestamp.to_string(), "id": e.id.to_string(),
            "info": e.info, "orgc_id": e.orgc_id.to_string(), "uuid": e.uuid,
        });
    }
    let tags: Vec<Value> = ctx
        .tags
        .iter()
        .map(|t| {
            json!({"local": t.local, "id": t.tag.id.to_string(), "name": t.tag.name,
                   "colour": t.tag.colour, "numerical_value": t.tag.numerical_value.map(|n| n.to_string())})
        })
        .collect();
    let mut m = json!({
        "id": e.id.to_string(), "orgc_id": e.orgc_id.to_string(), "org_id": e.org_id.to_string(),
        "date": e.date, "threat_level_id": e.threat_level_id.to_string(), "info": e.info,
        "published": e.published, "uuid": e.uuid, "analysis": e.analysis.to_string(),
        "timestamp": e.timestamp.to_string(), "distribution": e.distribution.to_string(),
        "publish_timestamp": e.publish_timestamp.to_string(),
        "sharing_group_id": e.sharing_group_id.to_string(), "extends_uuid": e.extends_uuid,
    });
    if let Value::Object(map) = &mut m {
        if !tags.is_empty() {
            map.insert("Tag".into(), tags.into());
        }
        map.insert(
            "Orgc".into(),
            json!({"id": ctx.orgc.id.to_string(), "name": ctx.orgc.name, "uuid": ctx.orgc.uuid, "local": ctx.orgc.local}),
        );
    }
    m
}

/// `/attributes/restSearch` JSON.
#[derive(Default)]
pub struct JsonAttributes {
    pub include_context: bool,
    pub include_event_tags: bool,
    pub include_event_uuid: bool,
    pub include_correlations: bool,
    /// Set per chunk by the feeder: attribute id → `RelatedAttribute` entries.
    pub related: HashMap<i64, Vec<Value>>,
    first: bool,
}

impl JsonAttributes {
    pub fn new(
        include_context: bool,
        include_event_tags: bool,
        include_event_uuid: bool,
        include_correlations: bool,
    ) -> Self {
        JsonAttributes {
            include_context,
            include_event_tags,
            include_event_uuid,
            include_correlations,
            related: HashMap::new(),
            first: true,
        }
    }

    fn value(&self, item: Item<'_>) -> Value {
        let a = item.attribute;
        let mut m = match serde_json::to_value(AttributeView {
            attribute: a,
            tags: &[],
            event_uuid: None,
        }) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if self.include_event_uuid {
            m.insert("event_uuid".into(), item.event.event.uuid.clone().into());
        }
        if let Some(related) = self.related.get(&a.id).filter(|r| !r.is_empty()) {
            m.insert("RelatedAttribute".into(), related.clone().into());
        }
        m.insert(
            "Event".into(),
            event_summary(item.event, self.include_context),
        );
        if let Some(o) = item.object {
            m.insert(
                "Object".into(),
                json!({"id": o.id.to_string(), "distribution": o.distribution.to_string(),
                       "sharing_group_id": o.sharing_group_id.to_string()}),
            );
        }
        let mut tags: Vec<Value> = item
            .tags
            .iter()
            .filter_map(|t| serde_json::to_value(t).ok())
            .collect();
        if self.include_event_tags {
            tags.extend(item.event.tags.iter().map(|t| {
                json!({"id": t.tag.id.to_string(), "name": t.tag.name, "colour": t.tag.colour,
                       "numerical_value": t.tag.numerical_value.map(|n| n.to_string()), "inherited": 1})
            }));
        }
        if !tags.is_empty() {
            m.insert("Tag".into(), tags.into());
        }
        Value::Object(m)
    }
}

impl Exporter for JsonAttributes {
    fn header(&mut self, out: &mut Vec<u8>) {
        self.first = true;
        out.extend_from_slice(b"{\"response\":{\"Attribute\":[");
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        push_comma(&mut self.first, out);
        let _ = serde_json::to_writer(&mut *out, &self.value(item));
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"]}}");
    }
}

/// `/objects/restSearch` JSON: each object with its (visible, kept) attributes and its event.
#[derive(Default)]
pub struct JsonObjects {
    first: bool,
}

impl JsonObjects {
    pub fn new() -> Self {
        JsonObjects { first: true }
    }

    pub fn object(
        &mut self,
        event: &EventCtx,
        object: &Object,
        attributes: &[(Attribute, Vec<AttachedTag>)],
        out: &mut Vec<u8>,
    ) {
        let mut m = crate::objects::head(object);
        let attrs: Vec<Value> = attributes
            .iter()
            .filter_map(|(a, tags)| {
                serde_json::to_value(AttributeView {
                    attribute: a,
                    tags,
                    event_uuid: None,
                })
                .ok()
            })
            .collect();
        m.insert("Attribute".into(), attrs.into());
        m.insert("Event".into(), event_summary(event, false));
        push_comma(&mut self.first, out);
        let _ = serde_json::to_writer(&mut *out, &json!({ "Object": m }));
    }
}

impl Exporter for JsonObjects {
    fn header(&mut self, out: &mut Vec<u8>) {
        self.first = true;
        out.extend_from_slice(b"{\"response\":[");
    }

    /// Objects arrive whole through `object`; a lone attribute has no object to show.
    fn attribute(&mut self, _item: Item<'_>, _out: &mut Vec<u8>) {}

    fn object(
        &mut self,
        event: &EventCtx,
        object: &Object,
        attributes: &[(Attribute, Vec<AttachedTag>)],
        out: &mut Vec<u8>,
    ) {
        JsonObjects::object(self, event, object, attributes, out);
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"]");
        out.extend_from_slice(b"}");
    }
}

/// `/attributes/restSearch` XML: the JSON attribute of `JsonAttributes`, as MISP's XML.
pub struct XmlAttributes(JsonAttributes);

impl XmlAttributes {
    pub fn new(include_context: bool) -> Self {
        XmlAttributes(JsonAttributes::new(include_context, false, false, false))
    }
}

impl Exporter for XmlAttributes {
    fn header(&mut self, out: &mut Vec<u8>) {
        crate::exports::xml::header(out);
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        crate::exports::xml::element("Attribute", &self.0.value(item), out);
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        crate::exports::xml::footer(out);
    }
}
