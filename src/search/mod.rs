//! restSearch (spec/api.md 6): the filters of `/events|attributes|objects/restSearch`, parsed
//! once at the edge from the JSON body and the URL into `Filters`; `store` turns them into one
//! query plan under the ACL, `run` streams the rows through a format of `exports`.

pub mod events;
pub mod json;
pub mod params;
pub mod routes;
pub mod run;
pub mod store;

use serde_json::Value;

pub use params::parse;

/// A MISP list filter (spec/api.md 6.3 "list semantics"): any of `any`, all of `all`, none of
/// `not`. Terms are kept as text; `%` at either end makes a term a wildcard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub not: Vec<String>,
}

impl Terms {
    pub fn is_empty(&self) -> bool {
        self.any.is_empty() && self.all.is_empty() && self.not.is_empty()
    }
}

/// `deleted`: live rows by default, soft-deleted only with `1`, both with `[0, 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Deleted {
    #[default]
    Live,
    Only,
    Both,
}

/// An inclusive range of Unix seconds (or microseconds for seen times).
pub type Range = (i64, i64);

/// Every restSearch filter Cairn applies, parsed; column names never come from here.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub value: Terms,
    pub value1: Terms,
    pub value2: Terms,
    pub types: Terms,
    pub category: Terms,
    pub object_relation: Terms,
    pub org: Terms,
    pub tags: Terms,
    pub event_tags: Terms,
    pub eventid: Terms,
    pub uuid: Terms,
    pub eventinfo: Terms,
    pub threat_level: Terms,
    pub sharinggroup: Terms,
    pub object_name: Terms,
    pub object_template_uuid: Terms,
    /// `searchall` / `quickFilter`: value, comment, event info or tag name contains it.
    pub searchall: Option<String>,
    /// `from` / `to` / `date`: the event's date, `YYYY-MM-DD`.
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub publish_timestamp: Option<Range>,
    pub event_timestamp: Option<Range>,
    /// `timestamp`: the event's in events scope, the element's otherwise.
    pub timestamp: Option<Range>,
    pub attribute_timestamp: Option<Range>,
    pub first_seen: Option<Range>,
    pub last_seen: Option<Range>,
    pub published: Option<bool>,
    pub to_ids: Option<bool>,
    pub deleted: Deleted,
    pub limit: Option<u64>,
    pub page: u64,
    /// `order`: a whitelisted column and direction.
    pub order: Option<(&'static str, bool)>,
    pub metadata: bool,
    pub include_event_tags: bool,
    pub include_context: bool,
    pub include_correlations: bool,
    pub include_event_uuid: bool,
    pub exclude_local_tags: bool,
    pub sg_reference_only: bool,
    pub include_granular_correlations: bool,
}

impl Filters {
    /// True when a filter on attributes narrows the events of an events-scope search.
    pub fn has_attribute_filters(&self) -> bool {
        !(self.value.is_empty()
            && self.value1.is_empty()
            && self.value2.is_empty()
            && self.types.is_empty()
            && self.category.is_empty()
            && self.object_relation.is_empty()
            && self.object_name.is_empty()
            && self.object_template_uuid.is_empty()
            && self.first_seen.is_none()
            && self.last_seen.is_none()
            && self.attribute_timestamp.is_none())
            || self.to_ids.is_some()
    }
}

/// A JSON scalar as filter text: strings trimmed, numbers in decimal, booleans as `1`/`0`.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string())),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}
