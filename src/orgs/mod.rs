//! Organisations: the owners of users and data. Local ones have users here; external ones are
//! known only through shared data.

pub mod routes;
pub mod store;

use serde::Serialize;

use crate::wire::{datetime, json_text, str_int};

/// An organisation row, in MISP's wire field order.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct Organisation {
    #[serde(serialize_with = "str_int")]
    pub id: i64,
    pub name: String,
    #[serde(serialize_with = "datetime")]
    pub date_created: i64,
    #[serde(serialize_with = "datetime")]
    pub date_modified: i64,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub r#type: Option<String>,
    pub nationality: Option<String>,
    pub sector: Option<String>,
    #[serde(serialize_with = "str_int")]
    pub created_by: i64,
    pub uuid: String,
    pub contacts: Option<String>,
    pub local: bool,
    #[serde(serialize_with = "json_text")]
    pub restricted_to_domain: Option<String>,
    pub landingpage: Option<String>,
}

/// Every field MISP emits for an organisation: accepted (and ignored when read-only) on input so
/// a client may post back what it read.
pub const WIRE_FIELDS: &[&str] = &[
    "id",
    "name",
    "date_created",
    "date_modified",
    "description",
    "type",
    "nationality",
    "sector",
    "created_by",
    "uuid",
    "contacts",
    "local",
    "restricted_to_domain",
    "landingpage",
    "user_count",
    "created_by_email",
];

impl Organisation {
    /// The organisation as `viewer` may see it: `created_by` and `contacts` are for site admins.
    pub fn wire(&self, site_admin: bool) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if !site_admin && let Some(map) = v.as_object_mut() {
            map.remove("created_by");
            map.remove("contacts");
        }
        v
    }
}
