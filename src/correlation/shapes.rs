//! The rows the read path decodes and the MISP JSON made of them: `RelatedEvent` entries
//! (capture 073), the event view's per-attribute entries (capture 074) and restSearch's
//! `RelatedAttribute` with its `Event` (capture 095).

use serde_json::{Value, json};

use super::key_of;

/// One meeting as the event view shows it: the attribute looked from, the key they share,
/// the attribute found and the event holding it.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct Meeting {
    pub(super) src_id: i64,
    pub(super) match_key: String,
    pub(super) id: i64,
    pub(super) event_id: i64,
    pub(super) value1: String,
    pub(super) value2: String,
    pub(super) e_info: String,
    pub(super) e_orgc_id: i64,
}

impl Meeting {
    /// The half of the found attribute that matched (its own spelling), or its address for
    /// a CIDR meeting.
    fn matched_value(&self) -> &str {
        if !self.value2.is_empty()
            && key_of(&self.value1) != self.match_key
            && key_of(&self.value2) == self.match_key
        {
            &self.value2
        } else {
            &self.value1
        }
    }

    /// `{id, value, org_id, info, event_id}`: `org_id` is the creator organisation of the
    /// related event, as MISP fills it.
    pub(super) fn wire(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "value": self.matched_value(),
            "org_id": self.e_orgc_id.to_string(),
            "info": self.e_info,
            "event_id": self.event_id.to_string(),
        })
    }
}

/// One meeting with everything restSearch shows of the attribute found and its event.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct Found {
    pub(super) src_id: i64,
    #[sqlx(flatten)]
    pub(super) attribute: crate::attributes::Attribute,
    e_uuid: String,
    e_threat_level_id: i64,
    e_analysis: i64,
    e_info: String,
    e_extends_uuid: String,
    e_distribution: i64,
    e_sharing_group_id: i64,
    e_published: bool,
    e_date: String,
    e_orgc_id: i64,
    e_org_id: i64,
}

/// The event columns `Found` reads, each as `e_<column>`.
pub(super) const FOUND_EVENT_COLUMNS: [&str; 10] = [
    "uuid",
    "threat_level_id",
    "analysis",
    "info",
    "extends_uuid",
    "distribution",
    "sharing_group_id",
    "published",
    "orgc_id",
    "org_id",
];

impl Found {
    pub(super) fn wire(&self) -> Value {
        let a = &self.attribute;
        json!({
            "id": a.id.to_string(),
            "event_id": a.event_id.to_string(),
            "object_id": a.object_id.to_string(),
            "object_relation": a.object_relation,
            "category": a.category,
            "type": a.r#type,
            "uuid": a.uuid,
            "timestamp": a.timestamp.to_string(),
            "distribution": a.distribution.to_string(),
            "sharing_group_id": a.sharing_group_id.to_string(),
            "to_ids": a.to_ids,
            "comment": a.comment,
            "value": a.value(),
            "Event": {
                "id": a.event_id.to_string(),
                "uuid": self.e_uuid,
                "threat_level_id": self.e_threat_level_id.to_string(),
                "analysis": self.e_analysis.to_string(),
                "info": self.e_info,
                "extends_uuid": self.e_extends_uuid,
                "distribution": self.e_distribution.to_string(),
                "sharing_group_id": self.e_sharing_group_id.to_string(),
                "published": self.e_published,
                "date": self.e_date,
                "orgc_id": self.e_orgc_id.to_string(),
                "org_id": self.e_org_id.to_string(),
            },
        })
    }
}

/// A related event with its organisations' names.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct RelatedEventRow {
    id: i64,
    date: String,
    threat_level_id: i64,
    info: String,
    published: bool,
    uuid: String,
    analysis: i64,
    timestamp: i64,
    distribution: i64,
    org_id: i64,
    orgc_id: i64,
    org_name: Option<String>,
    org_uuid: Option<String>,
    orgc_name: Option<String>,
    orgc_uuid: Option<String>,
}

/// The event columns `RelatedEventRow` reads.
pub(super) const RELATED_EVENT_COLUMNS: [&str; 11] = [
    "id",
    "date",
    "threat_level_id",
    "info",
    "published",
    "uuid",
    "analysis",
    "timestamp",
    "distribution",
    "org_id",
    "orgc_id",
];

impl RelatedEventRow {
    pub(super) fn wire(&self) -> Value {
        let org = |id: i64, name: &Option<String>, uuid: &Option<String>| json!({"id": id.to_string(), "name": name, "uuid": uuid});
        json!({"Event": {
            "id": self.id.to_string(),
            "date": self.date,
            "threat_level_id": self.threat_level_id.to_string(),
            "info": self.info,
            "published": self.published,
            "uuid": self.uuid,
            "analysis": self.analysis.to_string(),
            "timestamp": self.timestamp.to_string(),
            "distribution": self.distribution.to_string(),
            "org_id": self.org_id.to_string(),
            "orgc_id": self.orgc_id.to_string(),
            "Org": org(self.org_id, &self.org_name, &self.org_uuid),
            "Orgc": org(self.orgc_id, &self.orgc_name, &self.orgc_uuid),
        }})
    }
}
