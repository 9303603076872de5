//! Tags: labels (taxonomy machine tags, galaxy clusters, free text) attached to events and
//! attributes, globally or as local (instance-private) tags.

pub mod legacy;
pub mod routes;
pub mod store;
pub mod tagging;

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

/// The Tag row with the statistics `/tags/index` and `/tags/view` add: `favourite` (index only),
/// then `count` and `attribute_count` as JSON integers (capture 064), absent when not computed.
#[derive(Debug, Clone, Serialize)]
pub struct TagStats {
    #[serde(flatten)]
    pub tag: Tag,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourite: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_count: Option<i64>,
}

/// The settable fields of a tag, validated; what `/tags/add` inserts.
#[derive(Debug, Clone)]
pub struct NewTag {
    pub name: String,
    pub colour: String,
    pub exportable: bool,
    pub org_id: i64,
    pub user_id: i64,
    pub hide_tag: bool,
    pub numerical_value: Option<i64>,
    pub local_only: bool,
}

impl NewTag {
    /// A tag created on the fly by name (MISP's `quickAdd`): default colour, unrestricted.
    pub fn named(name: &str) -> NewTag {
        NewTag {
            name: name.to_string(),
            colour: default_colour(name),
            exportable: true,
            org_id: 0,
            user_id: 0,
            hide_tag: false,
            numerical_value: None,
            local_only: false,
        }
    }

    /// The row's columns, with the derived ones (`name_lc`, galaxy flags) computed here so
    /// they can never disagree with the name.
    pub fn fields(&self) -> crate::db::Fields {
        let (galaxy, custom) = galaxy_flags(&self.name);
        vec![
            ("name", self.name.clone().into()),
            ("name_lc", self.name.to_lowercase().into()),
            ("colour", self.colour.clone().into()),
            ("exportable", self.exportable.into()),
            ("org_id", self.org_id.into()),
            ("user_id", self.user_id.into()),
            ("hide_tag", self.hide_tag.into()),
            ("numerical_value", self.numerical_value.into()),
            ("is_galaxy", galaxy.into()),
            ("is_custom_galaxy", custom.into()),
            ("local_only", self.local_only.into()),
        ]
    }
}

/// MISP's colour rule: `#` and six hex digits.
pub fn valid_colour(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `(is_galaxy, is_custom_galaxy)` as MISP derives them from a name: somewhere in it,
/// `misp-galaxy:<type>="<value>` (case-insensitive, type and value free of `:`, `=`, `"`);
/// custom when the value is a UUID followed by the closing quote.
pub fn galaxy_flags(name: &str) -> (bool, bool) {
    let lower = name.to_ascii_lowercase();
    let (mut galaxy, mut custom) = (false, false);
    for (start, _) in lower.match_indices("misp-galaxy:") {
        let rest = &name[start + "misp-galaxy:".len()..];
        let plain = |c: char| !matches!(c, ':' | '=' | '"');
        let kind_len = rest.find(|c: char| !plain(c)).unwrap_or(rest.len());
        let Some(value) = rest[kind_len..].strip_prefix("=\"") else {
            continue;
        };
        if kind_len == 0 || !value.starts_with(plain) {
            continue;
        }
        galaxy = true;
        custom |=
            value.len() > 36 && value.as_bytes()[36] == b'"' && crate::wire::is_uuid(&value[..36]);
    }
    (galaxy, custom)
}

/// Why `user` may not attach `tag`, in MISP's words (spec/model.md 1.9): tags restricted to
/// another organisation or user are refused to everyone but site admins.
pub fn unusable_reason(tag: &Tag, user: &crate::auth::CurrentUser) -> Option<&'static str> {
    if user.site_admin() {
        None
    } else if tag.org_id != 0 && tag.org_id != user.user.org_id {
        Some("Invalid Tag. This tag can only be set by a fixed organisation.")
    } else if tag.user_id != 0 && tag.user_id != user.user.id {
        Some("Invalid Tag. This tag can only be set by a fixed user.")
    } else {
        None
    }
}

/// spec/model.md 3.7 `can_tag`: site admins; otherwise taggers (or sync users) who may modify
/// the event, or, for local tags only, members of the host organisation (local tags are that
/// instance's private annotations, so its own staff may put them on anyone's data).
pub fn can_tag(
    user: &crate::auth::CurrentUser,
    event: &crate::events::Event,
    local: bool,
    host_org_id: i64,
) -> bool {
    user.site_admin()
        || ((user.role.perm_tagger || user.role.perm_sync)
            && (crate::events::can_modify(user, event)
                || (local && user.user.org_id == host_org_id)))
}

/// A flag as clients send it: `true`, `1`, `"1"`, `"true"`.
fn truthy(v: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "true"),
        _ => false,
    }
}

/// A non-empty text value (numbers rendered), or `None`.
fn text(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galaxy_names() {
        assert_eq!(
            galaxy_flags("misp-galaxy:threat-actor=\"APT 28\""),
            (true, false)
        );
        assert_eq!(
            galaxy_flags("MISP-GALAXY:mitre-attack-pattern=\"x\""),
            (true, false)
        );
        let custom = "misp-galaxy:foo=\"1b4e28ba-2fa1-11d2-883f-0016d3cca427\"";
        assert_eq!(galaxy_flags(custom), (true, true));
        assert_eq!(galaxy_flags("misp-galaxy:foo"), (false, false));
        assert_eq!(galaxy_flags("misp-galaxy:=\"x\""), (false, false));
        assert_eq!(galaxy_flags("tlp:green"), (false, false));
    }

    #[test]
    fn colours() {
        assert!(valid_colour("#00aa55"));
        assert!(valid_colour("#33FF00"));
        assert!(!valid_colour("00aa55"));
        assert!(!valid_colour("#00aa5"));
        assert!(!valid_colour("#00aa5g"));
        // Capture 070: a tag created on the fly gets the MD5 colour of its name.
        assert_eq!(default_colour("golden:internal-note"), "#5a0ff1");
    }
}
