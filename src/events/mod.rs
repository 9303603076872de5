//! Events: the unit of sharing. An event carries attributes, objects, tags and reports; its
//! distribution and sharing group decide who sees it (`acl`).

pub mod edit;
pub mod parts;
pub mod routes;
pub mod store;
pub mod view;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// An event row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub uuid: String,
    pub org_id: i64,
    pub orgc_id: i64,
    pub user_id: i64,
    pub date: String,
    pub info: String,
    pub threat_level_id: i64,
    pub analysis: i64,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub published: bool,
    pub timestamp: i64,
    pub publish_timestamp: i64,
    pub sighting_timestamp: i64,
    pub attribute_count: i64,
    pub proposal_email_lock: bool,
    pub locked: bool,
    pub disable_correlation: bool,
    pub extends_uuid: String,
    pub protected: Option<bool>,
}

impl Event {
    pub fn acl(&self) -> crate::acl::EventAcl {
        crate::acl::EventAcl {
            org_id: self.org_id,
            distribution: self.distribution,
            sharing_group_id: self.sharing_group_id,
            published: self.published,
        }
    }
}

/// spec/model.md 3.7: site admin, the creator organisation with `perm_modify_org`, or the
/// creating user with `perm_modify`.
pub fn can_modify(user: &crate::auth::CurrentUser, e: &Event) -> bool {
    user.site_admin()
        || (user.role.perm_modify_org && e.orgc_id == user.user.org_id)
        || (user.role.perm_modify && e.user_id == user.user.id)
}

/// The event fields in the order of MISP's event view (capture 018), without children.
pub struct EventHead<'a>(pub &'a Event);

impl EventHead<'_> {
    pub fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        let e = self.0;
        m.serialize_entry("id", &e.id.to_string())?;
        m.serialize_entry("orgc_id", &e.orgc_id.to_string())?;
        m.serialize_entry("org_id", &e.org_id.to_string())?;
        m.serialize_entry("date", &e.date)?;
        m.serialize_entry("threat_level_id", &e.threat_level_id.to_string())?;
        m.serialize_entry("info", &e.info)?;
        m.serialize_entry("published", &e.published)?;
        m.serialize_entry("uuid", &e.uuid)?;
        m.serialize_entry("attribute_count", &e.attribute_count.to_string())?;
        m.serialize_entry("analysis", &e.analysis.to_string())?;
        m.serialize_entry("timestamp", &e.timestamp.to_string())?;
        m.serialize_entry("distribution", &e.distribution.to_string())?;
        m.serialize_entry("proposal_email_lock", &e.proposal_email_lock)?;
        m.serialize_entry("locked", &e.locked)?;
        m.serialize_entry("publish_timestamp", &e.publish_timestamp.to_string())?;
        m.serialize_entry("sharing_group_id", &e.sharing_group_id.to_string())?;
        m.serialize_entry("disable_correlation", &e.disable_correlation)?;
        m.serialize_entry("extends_uuid", &e.extends_uuid)?;
        m.serialize_entry("protected", &e.protected)
    }
}

/// An event row as `/events/index` lists it (capture 021), with its org summaries and tags.
pub struct IndexRow<'a> {
    pub event: &'a Event,
    pub org: serde_json::Value,
    pub orgc: serde_json::Value,
    pub event_tags: serde_json::Value,
}

impl Serialize for IndexRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.event;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &e.id.to_string())?;
        m.serialize_entry("org_id", &e.org_id.to_string())?;
        m.serialize_entry("date", &e.date)?;
        m.serialize_entry("info", &e.info)?;
        m.serialize_entry("uuid", &e.uuid)?;
        m.serialize_entry("published", &e.published)?;
        m.serialize_entry("analysis", &e.analysis.to_string())?;
        m.serialize_entry("attribute_count", &e.attribute_count.to_string())?;
        m.serialize_entry("orgc_id", &e.orgc_id.to_string())?;
        m.serialize_entry("timestamp", &e.timestamp.to_string())?;
        m.serialize_entry("distribution", &e.distribution.to_string())?;
        m.serialize_entry("sharing_group_id", &e.sharing_group_id.to_string())?;
        m.serialize_entry("proposal_email_lock", &e.proposal_email_lock)?;
        m.serialize_entry("locked", &e.locked)?;
        m.serialize_entry("threat_level_id", &e.threat_level_id.to_string())?;
        m.serialize_entry("publish_timestamp", &e.publish_timestamp.to_string())?;
        m.serialize_entry("sighting_timestamp", &e.sighting_timestamp.to_string())?;
        m.serialize_entry("disable_correlation", &e.disable_correlation)?;
        m.serialize_entry("extends_uuid", &e.extends_uuid)?;
        m.serialize_entry("protected", &e.protected)?;
        m.serialize_entry("Org", &self.org)?;
        m.serialize_entry("Orgc", &self.orgc)?;
        m.serialize_entry("EventTag", &self.event_tags)?;
        m.end()
    }
}
