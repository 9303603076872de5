//! Tags: labels (taxonomy machine tags, galaxy clusters, free text) attached to events and
//! attributes, globally or as local (instance-private) tags.

pub mod store;

use serde::Serialize;

use crate::wire::{opt_str_int, str_int};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Tag {
    #[serde(serialize_with = "str_int")]
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub name_lc: String,
    pub colour: String,
    pub exportable: bool,
    #[serde(serialize_with = "str_int")]
    pub org_id: i64,
    #[serde(serialize_with = "str_int")]
    pub user_id: i64,
    pub hide_tag: bool,
    #[serde(serialize_with = "opt_str_int")]
    pub numerical_value: Option<i64>,
    pub is_galaxy: bool,
    pub is_custom_galaxy: bool,
    pub local_only: bool,
}

/// A tag as attached to an event or attribute: the tag without `org_id`, plus the link's
/// `local` flag and `relationship_type`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachedTag {
    /// The id of the link row (`event_tags.id` / `attribute_tags.id`).
    pub link_id: i64,
    pub target_id: i64,
    pub local: bool,
    pub relationship_type: Option<String>,
    #[sqlx(flatten)]
    pub tag: Tag,
}

impl Serialize for AttachedTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let t = &self.tag;
        let mut m = s.serialize_map(Some(12))?;
        m.serialize_entry("id", &t.id.to_string())?;
        m.serialize_entry("name", &t.name)?;
        m.serialize_entry("colour", &t.colour)?;
        m.serialize_entry("exportable", &t.exportable)?;
        m.serialize_entry("user_id", &t.user_id.to_string())?;
        m.serialize_entry("hide_tag", &t.hide_tag)?;
        m.serialize_entry("numerical_value", &t.numerical_value.map(|v| v.to_string()))?;
        m.serialize_entry("is_galaxy", &t.is_galaxy)?;
        m.serialize_entry("is_custom_galaxy", &t.is_custom_galaxy)?;
        m.serialize_entry("local_only", &t.local_only)?;
        m.serialize_entry("local", &self.local)?;
        m.serialize_entry("relationship_type", &self.relationship_type)?;
        m.end()
    }
}

/// MISP's default colour for a new tag: the first six hex digits of the MD5 of its name.
pub fn default_colour(name: &str) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(name.as_bytes());
    format!("#{}", &hex::encode(digest)[..6])
}

/// True for a galaxy cluster tag: `misp-galaxy:<type>="<value>"`.
pub fn is_galaxy_name(name: &str) -> bool {
    name.starts_with("misp-galaxy:")
}

/// A tag requested in a payload: `{"name": ..., "local"?, "relationship_type"?, "deleted"?}`.
#[derive(Debug, Clone)]
pub struct TagRequest {
    pub name: String,
    pub local: bool,
    pub relationship_type: Option<String>,
    pub deleted: bool,
}

/// Reads a payload's `Tag` list; entries without a usable name are skipped, as MISP does.
pub fn parse_tag_list(value: Option<&serde_json::Value>) -> Vec<TagRequest> {
    let Some(list) = value.and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    let flag = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::Number(n)) => n.as_i64() == Some(1),
        Some(serde_json::Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    list.iter()
        .filter_map(|t| {
            let obj = t.get("Tag").unwrap_or(t);
            let name = obj.get("name")?.as_str()?.trim().to_string();
            (!name.is_empty() && name.chars().count() <= 255).then(|| TagRequest {
                name,
                local: flag(obj.get("local")),
                relationship_type: obj
                    .get("relationship_type")
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .map(String::from),
                deleted: flag(obj.get("deleted")),
            })
        })
        .collect()
}
