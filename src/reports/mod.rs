//! Event reports: markdown documents attached to an event (spec/model.md 1.8 and 6). Content is
//! stored exactly as sent and never rendered here: the web UI sanitises when it renders, so the
//! API hands back what the author wrote. Reports are elements of their event for access control
//! (distribution 0-5, sharing group when 4), and only the event's creator organisation or a site
//! admin may change them.

pub mod routes;
pub mod store;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::acl::{ElementAcl, EventAcl, Viewer};
use crate::wire::Input;

/// An `event_reports` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventReport {
    pub id: i64,
    pub uuid: String,
    pub event_id: i64,
    pub name: String,
    pub content: Option<String>,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub timestamp: i64,
    pub deleted: bool,
}

impl EventReport {
    pub fn acl(&self) -> ElementAcl {
        ElementAcl {
            distribution: self.distribution,
            sharing_group_id: self.sharing_group_id,
        }
    }
}

/// The report as MISP emits it, both as the `EventReport` block of the report endpoints and as
/// an item of `Event.EventReport[]` in an event view (captures 055 and 070): ids and times as
/// strings, `deleted` as a boolean. A NULL content (possible from other writers) goes out as
/// `""` because clients read it as a string.
impl Serialize for EventReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("id", &self.id.to_string())?;
        m.serialize_entry("uuid", &self.uuid)?;
        m.serialize_entry("event_id", &self.event_id.to_string())?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("content", self.content.as_deref().unwrap_or_default())?;
        m.serialize_entry("distribution", &self.distribution.to_string())?;
        m.serialize_entry("sharing_group_id", &self.sharing_group_id.to_string())?;
        m.serialize_entry("timestamp", &self.timestamp.to_string())?;
        m.serialize_entry("deleted", &self.deleted)?;
        m.end()
    }
}

/// A report with what its endpoints show beside it: a summary of its event (with the event's
/// ACL fields, so one query answers both "may I see it" and "what does it look like") and its
/// sharing group, if any.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportInContext {
    #[sqlx(flatten)]
    pub report: EventReport,
    pub e_org_id: i64,
    pub e_orgc_id: i64,
    pub e_user_id: i64,
    pub e_info: String,
    pub e_date: String,
    pub e_distribution: i64,
    pub e_sharing_group_id: i64,
    pub e_published: bool,
    pub org_name: Option<String>,
    pub orgc_name: Option<String>,
    pub sg_name: Option<String>,
    pub sg_uuid: Option<String>,
}

impl ReportInContext {
    pub fn event_acl(&self) -> EventAcl {
        EventAcl {
            org_id: self.e_org_id,
            distribution: self.e_distribution,
            sharing_group_id: self.e_sharing_group_id,
            published: self.e_published,
        }
    }

    /// spec/model.md 3.3 `can_see_event_report` (the attribute rule without the object gate)
    /// and `deleted_filter`: a soft-deleted report is shown only to site admins, sync users and
    /// the event's owner organisation.
    pub fn visible_to(&self, viewer: &Viewer, perm_sync: bool) -> bool {
        let event = self.event_acl();
        viewer.can_see_element(&event, self.report.acl(), None)
            && (!self.report.deleted || perm_sync || viewer.sees_everything_in(&event))
    }

    /// MISP's report document (capture 055): `EventReport`, an `Event` summary and the
    /// `SharingGroup` (all nulls without one); views and index items add an empty
    /// `RelationshipInbound` (analyst data, capture 056).
    pub fn wire(&self, relationships: bool) -> Value {
        let r = &self.report;
        let org = |id: i64, name: &Option<String>| json!({"id": id.to_string(), "name": name});
        let sharing_group = match &self.sg_name {
            Some(name) => json!({
                "id": r.sharing_group_id.to_string(), "name": name, "uuid": self.sg_uuid,
            }),
            None => json!({"id": null, "name": null, "uuid": null}),
        };
        let mut v = json!({
            "EventReport": r,
            "Event": {
                "id": r.event_id.to_string(),
                "orgc_id": self.e_orgc_id.to_string(),
                "org_id": self.e_org_id.to_string(),
                "info": self.e_info,
                "user_id": self.e_user_id.to_string(),
                "date": self.e_date,
                "Org": org(self.e_org_id, &self.org_name),
                "Orgc": org(self.e_orgc_id, &self.orgc_name),
            },
            "SharingGroup": sharing_group,
        });
        if relationships {
            v["RelationshipInbound"] = json!([]);
        }
        v
    }
}

/// A validated report ready to store; the event it belongs to is given to the store.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub uuid: String,
    pub name: String,
    pub content: String,
    pub distribution: i64,
    pub sharing_group_id: i64,
    /// Kept when the sender has one (sync, re-import); otherwise the store stamps "now".
    pub timestamp: Option<i64>,
    pub deleted: bool,
}

/// MISP's validation messages (app/Model/EventReport.php). `name` has no message of its own,
/// so CakePHP's default for an unnamed rule applies.
pub const NAME_REQUIRED: &str = "This field cannot be left blank";
pub const UUID_INVALID: &str = "Please provide a valid RFC 4122 UUID";
pub const UUID_TAKEN: &str = "The UUID provided is not unique";
pub const NAME_TOO_LONG: &str = "The name must not be longer than 255 characters.";

/// The fields of a report MISP reads from a request, in its validation order (the order of
/// the messages in a refusal).
pub const FIELDS: [&str; 7] = [
    "uuid",
    "name",
    "content",
    "distribution",
    "sharing_group_id",
    "timestamp",
    "deleted",
];

/// A text field taken as sent (no trimming: markdown whitespace is content); numbers are
/// accepted as text.
fn raw_text(map: &Map<String, Value>, key: &str, input: &mut Input) -> Option<String> {
    match map.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => {
            input.error(key, "Must be a string.");
            None
        }
    }
}

/// Reads and validates one report of a request (bare fields; the caller unwraps). Field errors
/// come back as `{field: [message]}`, like `attributes::parse`. The sharing group is only
/// read here; whether the author may use it is the caller's check (it needs the viewer).
pub fn parse(map: Map<String, Value>) -> Result<NewReport, Value> {
    let mut input = Input::new(map.clone());
    let uuid = match input.str("uuid").filter(|u| !u.is_empty()) {
        Some(u) if crate::wire::is_uuid(&u) => u.to_ascii_lowercase(),
        Some(_) => {
            input.error("uuid", UUID_INVALID);
            String::new()
        }
        None => crate::wire::new_uuid(),
    };
    let name = raw_text(&map, "name", &mut input).unwrap_or_default();
    if name.trim().is_empty() {
        input.error("name", NAME_REQUIRED);
    } else if name.chars().count() > 255 {
        input.error("name", NAME_TOO_LONG);
    }
    let content = raw_text(&map, "content", &mut input).unwrap_or_default();
    let distribution = match map.get("distribution") {
        None | Some(Value::Null) => Some(5),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    }
    .filter(|d| (0..=5).contains(d));
    if distribution.is_none() {
        input.error("distribution", crate::attributes::DISTRIBUTION_OPTIONS);
    }
    let distribution = distribution.unwrap_or(5);
    let sharing_group_id = if distribution == 4 {
        input.int("sharing_group_id").unwrap_or(0)
    } else {
        0
    };
    let timestamp = input.int("timestamp").filter(|t| *t > 0);
    let deleted = input.bool("deleted").unwrap_or(false);
    if let Err(crate::error::AppError::Invalid { errors, .. }) = input.finish("") {
        return Err(errors);
    }
    Ok(NewReport {
        uuid,
        name,
        content,
        distribution,
        sharing_group_id,
        timestamp,
        deleted,
    })
}

/// MISP's `errors` for a refused report: the first message of each field in validation order,
/// joined by ", " (EventReportsController implodes the model's messages into one string).
pub fn error_text(errors: &Value) -> String {
    FIELDS
        .iter()
        .filter_map(|f| errors.get(*f)?.get(0)?.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn content_and_name_are_kept_verbatim() {
        let content = "  # T\n\n<script>alert(1)</script>\n@[attribute](x)\n\n";
        let r = parse(map(json!({"name": " n ", "content": content}))).unwrap();
        assert_eq!(r.content, content);
        assert_eq!(r.name, " n ");
        assert_eq!(r.distribution, 5);
        assert_eq!(r.sharing_group_id, 0);
        assert!(!r.deleted);
        assert!(crate::wire::is_uuid(&r.uuid));
    }

    #[test]
    fn misp_messages_in_misp_order() {
        let e = parse(map(
            json!({"uuid": "nope", "name": "  ", "distribution": "9"}),
        ))
        .unwrap_err();
        assert_eq!(
            error_text(&e),
            format!(
                "{UUID_INVALID}, {NAME_REQUIRED}, {}",
                crate::attributes::DISTRIBUTION_OPTIONS
            )
        );
        let r = parse(map(
            json!({"name": "x", "distribution": 4, "sharing_group_id": "3"}),
        ));
        assert_eq!(r.unwrap().sharing_group_id, 3);
        let r = parse(map(
            json!({"name": "x", "distribution": "1", "sharing_group_id": 3}),
        ));
        assert_eq!(r.unwrap().sharing_group_id, 0);
    }
}
