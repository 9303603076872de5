//! STIX 2.1 bundles (spec/sharing.md 4.13), written object by object: the bundle is opened in
//! `header`, every attribute or object appends its STIX objects at once, and an event's
//! report (or grouping) is written at `event_end` from the list of ids gathered for that event
//! alone. Memory therefore holds one event's id list plus the identities and TLP definitions
//! already written, never the bundle.
//!
//! Ids reuse MISP UUIDs (`indicator--<attribute uuid>`, `report--<event uuid>` …) so a new
//! export of the same data names the same objects; only relationships get fresh UUIDs.

mod objects;
mod patterns;
mod sdo;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde_json::{Value, json};

use self::patterns::Shape;
use self::sdo::{
    Source, custom_attribute, custom_object, finish, indicator, observed_data, relationship,
    sdo_base, time, vulnerability,
};
use super::{EventCtx, Exporter, Item, Options, OrgRef};
use crate::attributes::Attribute;
use crate::objects::Object;
use crate::tags::AttachedTag;

/// The four TLP 1.0 marking definitions of the STIX 2.1 specification (section 7.2.1.4).
const TLP: [(&str, &str); 4] = [
    ("white", "613f2e26-407d-48c7-9eca-b8e91df99dc9"),
    ("green", "34098fce-860f-48ae-8e50-ebd3cc5e41da"),
    ("amber", "f88d31f6-486f-44da-b317-01333bde0b82"),
    ("red", "5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
];

pub struct Stix2 {
    /// No object written yet (no comma before the next one).
    first: bool,
    /// Organisation UUIDs whose identity is already in the bundle.
    identities: HashSet<String>,
    /// Which TLP definitions are already in the bundle, indexed as `TLP`.
    tlp_written: [bool; 4],
    /// Ids produced for the event being exported (events scope only).
    event_refs: Option<Vec<String>>,
}

impl Stix2 {
    /// Only STIX 2.1 is produced; a request for 2.0 is refused rather than answered in 2.1.
    pub fn new(opts: &Options) -> Result<Self, String> {
        match opts.string("stix-version").as_deref().map(str::trim) {
            None | Some("2.1" | "2") => Ok(Stix2 {
                first: true,
                identities: HashSet::new(),
                tlp_written: [false; 4],
                event_refs: None,
            }),
            Some(v) => Err(format!(
                "Unsupported STIX version {v}: this server exports STIX 2.1 only."
            )),
        }
    }

    fn write(&mut self, object: &Value, out: &mut Vec<u8>) {
        if !self.first {
            out.push(b',');
        }
        self.first = false;
        serde_json::to_writer(&mut *out, object).expect("serialising JSON to memory");
    }

    /// Writes an object the event's report must list.
    fn write_ref(&mut self, object: &Value, out: &mut Vec<u8>) {
        self.write(object, out);
        if let (Some(refs), Some(id)) = (self.event_refs.as_mut(), object["id"].as_str()) {
            refs.push(id.to_string());
        }
    }

    fn identity(&mut self, org: &OrgRef, timestamp: i64, out: &mut Vec<u8>) -> String {
        let id = format!("identity--{}", org.uuid);
        if self.identities.insert(org.uuid.clone()) {
            let identity = json!({
                "type": "identity", "spec_version": "2.1", "id": id,
                "created": time(timestamp), "modified": time(timestamp),
                "name": org.name, "identity_class": "organization",
            });
            self.write(&identity, out);
        }
        id
    }

    /// The marking ids for the TLP tags among `tags`, writing each definition the first time.
    fn markings(&mut self, tags: &[AttachedTag], out: &mut Vec<u8>) -> Vec<String> {
        let mut ids = Vec::new();
        for t in tags {
            let Some(i) = tlp_index(&t.tag.name) else {
                continue;
            };
            let (colour, uuid) = TLP[i];
            let id = format!("marking-definition--{uuid}");
            if !self.tlp_written[i] {
                self.tlp_written[i] = true;
                let definition = json!({
                    "type": "marking-definition", "spec_version": "2.1", "id": id,
                    "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                    "name": format!("TLP:{}", colour.to_ascii_uppercase()),
                    "definition": { "tlp": colour },
                });
                self.write(&definition, out);
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    fn attribute_source(&mut self, item: &Item<'_>, out: &mut Vec<u8>) -> Source {
        let a = item.attribute;
        let ev = item.event;
        let mut labels = vec![
            format!("misp:type=\"{}\"", a.r#type),
            format!("misp:category=\"{}\"", a.category),
        ];
        labels.extend(plain_tags(item.tags));
        Source {
            uuid: a.uuid.clone(),
            creator: self.identity(&ev.orgc, ev.event.timestamp, out),
            timestamp: a.timestamp,
            first_seen_us: a.first_seen,
            last_seen_us: a.last_seen,
            comment: a.comment.clone(),
            category: a.category.clone(),
            labels,
            markings: self.markings(item.tags, out),
            to_ids: a.to_ids,
        }
    }

    /// Observed-data with its SCOs, plus an indicator based on it when the source is for IDS.
    fn observable(&mut self, src: &Source, pattern: &str, scos: &[Value], out: &mut Vec<u8>) {
        for s in scos {
            self.write(s, out);
        }
        let refs: Vec<Value> = scos.iter().map(|s| s["id"].clone()).collect();
        let observed = observed_data(src, refs);
        self.write_ref(&observed, out);
        if src.to_ids {
            let indicator = indicator(src, pattern, "stix");
            self.write_ref(&indicator, out);
            let based_on = relationship(src, &indicator["id"], &observed["id"]);
            self.write_ref(&based_on, out);
        }
    }
}

impl Exporter for Stix2 {
    fn header(&mut self, out: &mut Vec<u8>) {
        let id = uuid::Uuid::new_v4();
        out.extend_from_slice(
            format!(r#"{{"type":"bundle","id":"bundle--{id}","objects":["#).as_bytes(),
        );
    }

    fn event_begin(&mut self, _event: &EventCtx, _out: &mut Vec<u8>) {
        self.event_refs = Some(Vec::new());
    }

    fn attribute(&mut self, item: Item<'_>, out: &mut Vec<u8>) {
        let src = self.attribute_source(&item, out);
        let a = item.attribute;
        let shape = patterns::attribute_shape(a);
        let sdo = match shape {
            Shape::Observable { pattern, scos } => {
                self.observable(&src, &pattern, &scos, out);
                return;
            }
            Shape::PatternOnly(pattern) if a.to_ids => indicator(&src, &pattern, "stix"),
            Shape::Rule { pattern_type, rule } if a.to_ids => indicator(&src, &rule, pattern_type),
            Shape::Vulnerability(name) => vulnerability(&src, &name),
            Shape::Campaign(name) => {
                let mut m = sdo_base(&src, "campaign");
                m.insert("name".into(), name.into());
                finish(m, &src)
            }
            _ => custom_attribute(&src, a),
        };
        self.write_ref(&sdo, out);
    }

    fn object(
        &mut self,
        event: &EventCtx,
        object: &Object,
        attributes: &[(Attribute, Vec<AttachedTag>)],
        out: &mut Vec<u8>,
    ) {
        let all_tags: Vec<AttachedTag> = attributes.iter().flat_map(|(_, t)| t.clone()).collect();
        let src = Source {
            uuid: object.uuid.clone(),
            creator: self.identity(&event.orgc, event.event.timestamp, out),
            timestamp: object.timestamp,
            first_seen_us: object.first_seen,
            last_seen_us: object.last_seen,
            comment: object.comment.clone(),
            category: object.meta_category.clone(),
            labels: vec![
                format!("misp:name=\"{}\"", object.name),
                format!("misp:meta-category=\"{}\"", object.meta_category),
            ],
            markings: self.markings(&all_tags, out),
            to_ids: attributes.iter().any(|(a, _)| a.to_ids),
        };
        match objects::object_shape(object, attributes) {
            Some(shape) => self.observable(&src, &shape.pattern, &shape.scos, out),
            None => {
                let custom = custom_object(&src, object, attributes);
                self.write_ref(&custom, out);
            }
        }
    }

    fn event_end(&mut self, ctx: &EventCtx, out: &mut Vec<u8>) {
        let mut refs = self.event_refs.take().unwrap_or_default();
        let ev = &ctx.event;
        let creator = self.identity(&ctx.orgc, ev.timestamp, out);
        let markings = self.markings(&ctx.tags, out);
        let kind = if ev.published { "report" } else { "grouping" };
        let id = format!("{kind}--{}", ev.uuid);
        if refs.is_empty() {
            let note = sdo::note(ev, &creator, &id);
            self.write(&note, out);
            refs.push(format!("note--{}", ev.uuid));
        }
        let report = sdo::report(ev, &creator, refs, plain_tags(&ctx.tags), &markings);
        self.write(&report, out);
    }

    fn footer(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"]}");
    }
}

/// `tlp:white` (and TLP 2.0's `clear`), `green`, `amber` (and `amber+strict`), `red`.
fn tlp_index(tag: &str) -> Option<usize> {
    let colour = tag
        .strip_prefix("tlp:")
        .or_else(|| tag.strip_prefix("TLP:"))?;
    match colour.trim().to_ascii_lowercase().as_str() {
        "white" | "clear" => Some(0),
        "green" => Some(1),
        "amber" | "amber+strict" => Some(2),
        "red" => Some(3),
        _ => None,
    }
}

/// Tag names that are not TLP markings; they become labels.
fn plain_tags(tags: &[AttachedTag]) -> impl Iterator<Item = String> + '_ {
    tags.iter()
        .filter(|t| tlp_index(&t.tag.name).is_none())
        .map(|t| t.tag.name.clone())
}
