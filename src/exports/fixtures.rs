//! Test data for the export formats: hand-built events, attributes, objects and tags, the
//! events of the golden MISP captures, and drivers that feed them through an `Exporter` the way
//! `search` does, so each format's tests compare exact bytes without a database.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{EventCtx, Exporter, Item, Options, OrgRef};
use crate::attributes::Attribute;
use crate::events::Event;
use crate::objects::Object;
use crate::tags::{AttachedTag, Tag};

/// An attribute with its own tags, as `Exporter::object` receives them.
pub type Tagged = (Attribute, Vec<AttachedTag>);

/// One event as the events scope walks it: its attributes outside objects, then its objects.
#[derive(Debug, Clone)]
pub struct EventData {
    pub ctx: EventCtx,
    pub attributes: Vec<Tagged>,
    pub objects: Vec<(Object, Vec<Tagged>)>,
}

impl EventData {
    pub fn new(ctx: EventCtx) -> Self {
        EventData {
            ctx,
            attributes: Vec::new(),
            objects: Vec::new(),
        }
    }

    /// Keeps only the attributes `keep` accepts (the filter `search` applies in SQL, such as
    /// the implicit `to_ids = 1` of restrictive formats).
    pub fn filtered(&self, keep: impl Fn(&Attribute) -> bool) -> EventData {
        let pick = |list: &[Tagged]| list.iter().filter(|(a, _)| keep(a)).cloned().collect();
        EventData {
            ctx: self.ctx.clone(),
            attributes: pick(&self.attributes),
            objects: self
                .objects
                .iter()
                .map(|(o, list)| (o.clone(), pick(list)))
                .collect(),
        }
    }

    /// The attribute-scope rows of this event, in events-scope order.
    pub fn items(&self) -> Vec<Item<'_>> {
        let plain = self.attributes.iter().map(|(a, tags)| Item {
            event: &self.ctx,
            object: None,
            attribute: a,
            tags,
        });
        let in_objects = self.objects.iter().flat_map(|(o, list)| {
            list.iter().map(move |(a, tags)| Item {
                event: &self.ctx,
                object: Some(o),
                attribute: a,
                tags,
            })
        });
        plain.chain(in_objects).collect()
    }
}

pub fn org(id: i64, name: &str) -> OrgRef {
    OrgRef {
        id,
        name: name.to_string(),
        uuid: format!("00000000-0000-4000-8000-{id:012}"),
        local: true,
    }
}

/// A published event of organisation 1 (`ORGNAME`) without tags.
pub fn event(id: i64, info: &str) -> EventCtx {
    EventCtx {
        event: Event {
            id,
            uuid: format!("10000000-0000-4000-8000-{id:012}"),
            org_id: 1,
            orgc_id: 1,
            user_id: 1,
            date: "2026-11-27".to_string(),
            info: info.to_string(),
            threat_level_id: 2,
            analysis: 1,
            distribution: 1,
            sharing_group_id: 0,
            published: true,
            timestamp: 1_795_812_628,
            publish_timestamp: 1_795_812_629,
            sighting_timestamp: 0,
            attribute_count: 0,
            proposal_email_lock: false,
            locked: false,
            disable_correlation: false,
            extends_uuid: String::new(),
            protected: None,
        },
        org: org(1, "ORGNAME"),
        orgc: org(1, "ORGNAME"),
        tags: Vec::new(),
    }
}

/// True for the types whose value is stored split on `|` into value1 and value2.
fn composite(kind: &str) -> bool {
    kind.contains('|') || kind == "malware-sample"
}

/// An IDS attribute; composite values (`a|b`) are split on the first `|`.
pub fn attribute(id: i64, event_id: i64, kind: &str, value: &str) -> Attribute {
    let (value1, value2) = match value.split_once('|') {
        Some((a, b)) if composite(kind) => (a.to_string(), b.to_string()),
        _ => (value.to_string(), String::new()),
    };
    Attribute {
        id,
        uuid: format!("20000000-0000-4000-8000-{id:012}"),
        event_id,
        object_id: 0,
        object_relation: None,
        category: "Network activity".to_string(),
        r#type: kind.to_string(),
        value1,
        value2,
        to_ids: true,
        distribution: 5,
        sharing_group_id: 0,
        comment: String::new(),
        deleted: false,
        disable_correlation: false,
        timestamp: 1_795_812_628,
        first_seen: None,
        last_seen: None,
    }
}

pub fn object(id: i64, event_id: i64, name: &str, meta_category: &str) -> Object {
    Object {
        id,
        uuid: format!("30000000-0000-4000-8000-{id:012}"),
        event_id,
        name: name.to_string(),
        meta_category: meta_category.to_string(),
        description: None,
        template_uuid: None,
        template_version: 1,
        timestamp: 1_795_812_628,
        distribution: 5,
        sharing_group_id: 0,
        comment: String::new(),
        deleted: false,
        first_seen: None,
        last_seen: None,
    }
}

/// An exportable, global tag.
pub fn tag(name: &str) -> AttachedTag {
    AttachedTag {
        link_id: 1,
        target_id: 1,
        local: false,
        relationship_type: None,
        tag: Tag {
            id: 1,
            name: name.to_string(),
            name_lc: name.to_lowercase(),
            colour: "#ffffff".to_string(),
            exportable: true,
            org_id: 0,
            user_id: 0,
            hide_tag: false,
            numerical_value: None,
            is_galaxy: false,
            is_custom_galaxy: false,
            local_only: false,
        },
    }
}

/// Options as the golden captures' server had them, with `params` as the request filters.
/// `now` is 2026-11-27 12:00:00 UTC, the day the captures were taken.
pub fn options(params: Value) -> Options {
    let params = match params {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Options {
        base_url: "http://127.0.0.1:8080".to_string(),
        host_org_name: Some("ORGNAME".to_string()),
        nids_sid: 4_000_000,
        user_org_name: "ORGNAME".to_string(),
        now: 1_795_780_800,
        params: Arc::new(params),
    }
}

/// Feeds `events` in events scope: header, per event begin / attributes / objects / end, footer.
pub fn run_events(exporter: &mut dyn Exporter, events: &[EventData]) -> String {
    let mut out = Vec::new();
    exporter.header(&mut out);
    for e in events {
        exporter.event_begin(&e.ctx, &mut out);
        for (a, tags) in &e.attributes {
            let item = Item {
                event: &e.ctx,
                object: None,
                attribute: a,
                tags,
            };
            exporter.attribute(item, &mut out);
        }
        for (o, list) in &e.objects {
            exporter.object(&e.ctx, o, list, &mut out);
        }
        exporter.event_end(&e.ctx, &mut out);
    }
    exporter.footer(&mut out);
    String::from_utf8(out).expect("exports write UTF-8")
}

/// Feeds `items` in attributes scope: header, one `attribute` call per row, footer.
pub fn run_attributes(exporter: &mut dyn Exporter, items: &[Item<'_>]) -> String {
    let mut out = Vec::new();
    exporter.header(&mut out);
    for item in items {
        exporter.attribute(*item, &mut out);
    }
    exporter.footer(&mut out);
    String::from_utf8(out).expect("exports write UTF-8")
}

fn golden(prefix: &str) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/misp-golden");
    let entry = std::fs::read_dir(dir)
        .expect("golden captures directory")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no golden capture {prefix}"));
    let text = std::fs::read_to_string(entry.path()).expect("readable capture");
    serde_json::from_str(&text).expect("capture is JSON")
}

/// The text body of a golden capture (`"084"` finds `084-rs-events-csv.json`).
pub fn golden_body(prefix: &str) -> String {
    golden(prefix)["response"]["body"]
        .as_str()
        .expect("a text body")
        .to_string()
}

/// The event of a golden `/events/view` capture, as rows.
pub fn golden_event(prefix: &str) -> EventData {
    let v = golden(prefix);
    let e = &v["response"]["body"]["Event"];
    let mut ctx = event(int(&e["id"]), &text(&e["info"]));
    let ev = &mut ctx.event;
    ev.uuid = text(&e["uuid"]);
    ev.org_id = int(&e["org_id"]);
    ev.orgc_id = int(&e["orgc_id"]);
    ev.date = text(&e["date"]);
    ev.threat_level_id = int(&e["threat_level_id"]);
    ev.analysis = int(&e["analysis"]);
    ev.distribution = int(&e["distribution"]);
    ev.published = e["published"].as_bool().unwrap_or(false);
    ev.timestamp = int(&e["timestamp"]);
    ev.publish_timestamp = int(&e["publish_timestamp"]);
    ctx.org = org_of(&e["Org"]);
    ctx.orgc = org_of(&e["Orgc"]);
    ctx.tags = tags_of(&e["Tag"]);
    let mut data = EventData::new(ctx);
    data.attributes = list(&e["Attribute"]).iter().map(attribute_of).collect();
    for o in list(&e["Object"]) {
        let mut obj = object(int(&o["id"]), int(&o["event_id"]), &text(&o["name"]), "");
        obj.uuid = text(&o["uuid"]);
        obj.meta_category = text(&o["meta-category"]);
        let attrs = list(&o["Attribute"]).iter().map(attribute_of).collect();
        data.objects.push((obj, attrs));
    }
    data
}

fn attribute_of(a: &Value) -> Tagged {
    let mut attr = attribute(
        int(&a["id"]),
        int(&a["event_id"]),
        &text(&a["type"]),
        &text(&a["value"]),
    );
    attr.uuid = text(&a["uuid"]);
    attr.object_id = int(&a["object_id"]);
    attr.object_relation = a["object_relation"].as_str().map(str::to_string);
    attr.category = text(&a["category"]);
    attr.to_ids = a["to_ids"].as_bool().unwrap_or(false);
    attr.distribution = int(&a["distribution"]);
    attr.comment = text(&a["comment"]);
    attr.timestamp = int(&a["timestamp"]);
    (attr, tags_of(&a["Tag"]))
}

fn org_of(v: &Value) -> OrgRef {
    OrgRef {
        id: int(&v["id"]),
        name: text(&v["name"]),
        uuid: text(&v["uuid"]),
        local: v["local"].as_bool().unwrap_or(true),
    }
}

fn tags_of(v: &Value) -> Vec<AttachedTag> {
    list(v).iter().map(|t| tag(&text(&t["name"]))).collect()
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// A real consumer (suricata, yarac, the OASIS STIX validator) is not installed: the check is
/// skipped on a developer machine, and fails where `CAIRN_REQUIRE_CONSUMERS` is set (CI), so
/// the formats are always validated there.
pub fn consumer_missing(what: &str) {
    if std::env::var_os("CAIRN_REQUIRE_CONSUMERS").is_some() {
        panic!("{what} is required (CAIRN_REQUIRE_CONSUMERS is set) but not installed");
    }
    eprintln!("skipping: {what} is not installed");
}
