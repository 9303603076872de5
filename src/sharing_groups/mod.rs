//! Sharing groups: named sets of organisations (and instances) that data with distribution 4 is
//! shared with. This file holds the rows, MISP's four wire forms of a group (the add/edit answer,
//! the view, the index item, the block embedded in events), and who may change a group.

pub mod routes;
pub mod store;

use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::wire::{self, Input, format_datetime};

/// A `sharing_groups` row with its owner organisation's name and uuid (joined).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SharingGroup {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub releasability: Option<String>,
    pub description: Option<String>,
    pub organisation_uuid: String,
    pub org_id: i64,
    pub sync_user_id: i64,
    pub active: bool,
    pub created: i64,
    pub modified: i64,
    pub local: bool,
    pub roaming: bool,
    pub owner_name: Option<String>,
    pub owner_uuid: Option<String>,
}

/// A member organisation (`sharing_group_orgs` joined with `organisations`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub sharing_group_id: i64,
    pub org_id: i64,
    pub extend: bool,
    pub org_name: String,
    pub org_uuid: String,
    pub org_local: bool,
}

/// A `sharing_group_servers` row; `server_id` 0 is this instance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServerLink {
    pub id: i64,
    pub sharing_group_id: i64,
    pub server_id: i64,
    pub all_orgs: bool,
}

/// A group with its members and server links, as every wire form needs them.
#[derive(Debug, Clone)]
pub struct Full {
    pub sg: SharingGroup,
    pub members: Vec<Member>,
    pub servers: Vec<ServerLink>,
}

/// MISP's name for this instance in a group's server list (capture 105).
const LOCAL_INSTANCE: &str = "Local instance";

impl SharingGroup {
    /// The group's own fields in the order of MISP's add, view and event answers (102, 105, 108).
    pub fn head(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id.to_string(),
            "name": self.name,
            "releasability": self.releasability,
            "description": self.description,
            "uuid": self.uuid,
            "organisation_uuid": self.organisation_uuid,
            "org_id": self.org_id.to_string(),
            "sync_user_id": self.sync_user_id.to_string(),
            "active": self.active,
            "created": format_datetime(self.created),
            "modified": format_datetime(self.modified),
            "local": self.local,
            "roaming": self.roaming,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The owner as `{id, name, uuid}`.
    pub fn owner(&self) -> Value {
        json!({
            "id": self.org_id.to_string(),
            "name": self.owner_name,
            "uuid": self.owner_uuid,
        })
    }
}

impl Member {
    /// `{id, sharing_group_id, org_id, extend, Organisation}` with the given organisation block.
    fn wire(&self, organisation: Value) -> Value {
        json!({
            "id": self.id.to_string(),
            "sharing_group_id": self.sharing_group_id.to_string(),
            "org_id": self.org_id.to_string(),
            "extend": self.extend,
            "Organisation": organisation,
        })
    }

    fn org_short(&self) -> Value {
        json!({"id": self.org_id.to_string(), "name": self.org_name, "uuid": self.org_uuid})
    }
}

impl ServerLink {
    fn row(&self) -> Map<String, Value> {
        let v = json!({
            "id": self.id.to_string(),
            "sharing_group_id": self.sharing_group_id.to_string(),
            "server_id": self.server_id.to_string(),
            "all_orgs": self.all_orgs,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The row with a `Server` block. Remote servers come with sync; until then only this
    /// instance can be linked, so a remote row names just its id.
    fn with_server(&self, local: Value) -> Value {
        let mut m = self.row();
        let server = if self.server_id == 0 {
            local
        } else {
            json!({"id": self.server_id.to_string(), "name": Value::Null, "url": Value::Null})
        };
        m.insert("Server".into(), server);
        Value::Object(m)
    }
}

impl Full {
    /// The answer of add and edit (capture 102): `{SharingGroup, SharingGroupOrg,
    /// SharingGroupServer, Organisation}`, members with `{id, name, uuid}`, local server bare.
    pub fn simplified(&self) -> Value {
        let members: Vec<Value> = self.members.iter().map(|m| m.wire(m.org_short())).collect();
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| {
                if s.server_id == 0 {
                    Value::Object(s.row())
                } else {
                    s.with_server(Value::Null)
                }
            })
            .collect();
        json!({
            "SharingGroup": self.sg.head(),
            "SharingGroupOrg": members,
            "SharingGroupServer": servers,
            "Organisation": self.sg.owner(),
        })
    }

    /// The `SharingGroup` block inside an event (captures 108, 109): the head with the owner,
    /// members and servers nested; this instance is named by its base URL.
    pub fn embedded(&self, base_url: &str) -> Value {
        let mut head = self.sg.head();
        head.insert("Organisation".into(), self.sg.owner());
        let members: Vec<Value> = self.members.iter().map(|m| m.wire(m.org_short())).collect();
        head.insert("SharingGroupOrg".into(), members.into());
        let local = json!({"id": "0", "url": base_url, "name": base_url});
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| s.with_server(local.clone()))
            .collect();
        head.insert("SharingGroupServer".into(), servers.into());
        Value::Object(head)
    }

    /// The member and server lists of `/sharing_groups/view` (capture 105).
    pub fn view_lists(&self, base_url: &str) -> (Value, Value) {
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|m| {
                m.wire(json!({
                    "id": m.org_id.to_string(), "name": m.org_name,
                    "uuid": m.org_uuid, "local": m.org_local,
                }))
            })
            .collect();
        let local = json!({"id": "0", "name": LOCAL_INSTANCE, "url": base_url});
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| s.with_server(local.clone()))
            .collect();
        (members.into(), servers.into())
    }

    /// One item of `/sharing_groups/index` (capture 104), with the caller's rights.
    pub fn index_item(&self, user: &CurrentUser) -> Value {
        let sg = &self.sg;
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|m| {
                m.wire(json!({"name": m.org_name, "id": m.org_id.to_string(), "uuid": m.org_uuid}))
            })
            .collect();
        let servers: Vec<Value> = self
            .servers
            .iter()
            .map(|s| {
                let server = if s.server_id == 0 {
                    json!([])
                } else {
                    json!({"name": Value::Null, "id": s.server_id.to_string()})
                };
                json!({
                    "all_orgs": s.all_orgs,
                    "server_id": s.server_id.to_string(),
                    "sharing_group_id": s.sharing_group_id.to_string(),
                    "Server": server,
                })
            })
            .collect();
        json!({
            "SharingGroup": {
                "id": sg.id.to_string(), "uuid": sg.uuid, "name": sg.name,
                "description": sg.description, "releasability": sg.releasability,
                "local": sg.local, "active": sg.active, "roaming": sg.roaming,
                "org_count": self.members.len().to_string(),
            },
            "Organisation": sg.owner(),
            "SharingGroupOrg": members,
            "SharingGroupServer": servers,
            "editable": self.may_extend(user),
            "deletable": self.may_delete(user),
        })
    }

    /// spec/model.md 3.6: site admins; with `perm_sharing_group`, the owner organisation, a
    /// member organisation marked `extend`, and the sync user that brought the group here.
    pub fn may_extend(&self, user: &CurrentUser) -> bool {
        if user.site_admin() {
            return true;
        }
        let org = user.user.org_id;
        user.role.perm_sharing_group
            && (self.sg.org_id == org
                || self.members.iter().any(|m| m.extend && m.org_id == org)
                || (user.role.perm_sync && self.sg.sync_user_id == user.user.id))
    }

    /// Only the owner organisation (with `perm_sharing_group`) or a site admin may delete a
    /// group or change its name, releasability, description, active and roaming flags.
    pub fn may_delete(&self, user: &CurrentUser) -> bool {
        user.site_admin() || (user.role.perm_sharing_group && self.sg.org_id == user.user.org_id)
    }

    pub fn member(&self, org_id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.org_id == org_id)
    }

    pub fn server(&self, server_id: i64) -> Option<&ServerLink> {
        self.servers.iter().find(|s| s.server_id == server_id)
    }
}

/// A body value as text: PyMISP sends ids as strings, curl users as numbers.
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The group's own fields as given in an add or edit body (absent ones are `None`).
pub struct Details {
    pub name: Option<String>,
    pub releasability: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
    pub roaming: Option<bool>,
}

/// Column limits: `name` is VARCHAR(255) (characters); the texts are TEXT, 65,535 bytes on
/// MySQL. Checked here so an oversized field is a 403, never a database error.
const NAME_MAX_CHARS: usize = 255;
const TEXT_MAX_BYTES: usize = 65_535;

impl Details {
    /// Reads the fields; a given name or releasability must not be empty, and none too long.
    pub fn read(input: &mut Input) -> Details {
        let d = Details {
            name: input.str("name"),
            releasability: input.str("releasability"),
            description: input.str("description"),
            active: input.bool("active"),
            roaming: input.bool("roaming"),
        };
        for (key, v) in [("name", &d.name), ("releasability", &d.releasability)] {
            if v.as_deref() == Some("") {
                input.error(key, "This field cannot be left empty.");
            }
        }
        if d.name
            .as_ref()
            .is_some_and(|n| n.chars().count() > NAME_MAX_CHARS)
        {
            input.error("name", "The name must be at most 255 characters long.");
        }
        for (key, v) in [
            ("releasability", &d.releasability),
            ("description", &d.description),
        ] {
            if v.as_ref().is_some_and(|t| t.len() > TEXT_MAX_BYTES) {
                input.error(key, "The text must be at most 65535 bytes long.");
            }
        }
        d
    }
}

/// A member or server named in a body, not yet looked up: its reference (id, uuid, name or
/// URL) and its flag (`extend` or `all_orgs`).
pub type Ref = (Option<String>, bool);

/// One entry or a list of entries (PyMISP sends lists; a lone object is accepted too).
fn entries(v: Option<&Value>) -> Vec<Map<String, Value>> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_object().cloned())
            .collect(),
        Some(Value::Object(m)) => vec![m.clone()],
        _ => Vec::new(),
    }
}

/// The nested model of an entry (`Organisation`, `Server`), bare or in a one-element list.
fn nested(entry: &Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match entry.get(key)? {
        Value::Array(a) => a.first().and_then(Value::as_object).cloned(),
        Value::Object(o) => Some(o.clone()),
        _ => None,
    }
}

/// A flag of a list entry, read with `Input`'s lenient rules; a bad value is reported on `list`.
fn entry_flag(entry: &Map<String, Value>, key: &str, list: &str, input: &mut Input) -> bool {
    let mut e = Input::new(entry.clone());
    let value = e.bool(key);
    if e.finish("").is_err() {
        input.error(list, &format!("{key} must be a boolean."));
    }
    value.unwrap_or(false)
}

/// Members named by `SharingGroupOrg` entries (a nested `Organisation` by uuid, id or name, or
/// `org_id`) and by a list-valued `Organisation` (MISP's form JSON); an object-valued
/// `Organisation` is the owner echoed back, not a member. `None` when no list is given.
pub fn member_refs(map: &Map<String, Value>, input: &mut Input) -> Option<Vec<Ref>> {
    let listed = map.get("Organisation").is_some_and(Value::is_array);
    if !map.contains_key("SharingGroupOrg") && !listed {
        return None;
    }
    let by_keys =
        |o: &Map<String, Value>| ["uuid", "id", "name"].iter().find_map(|k| text(o.get(*k)));
    let mut refs = Vec::new();
    for e in entries(map.get("SharingGroupOrg")) {
        let key = nested(&e, "Organisation")
            .and_then(|o| by_keys(&o))
            .or_else(|| text(e.get("org_id")));
        refs.push((key, entry_flag(&e, "extend", "SharingGroupOrg", input)));
    }
    if listed {
        for e in entries(map.get("Organisation")) {
            refs.push((by_keys(&e), entry_flag(&e, "extend", "Organisation", input)));
        }
    }
    Some(refs)
}

/// Servers named by `SharingGroupServer` entries (`server_id`, or a nested `Server` by id or
/// URL). `None` when no list is given.
pub fn server_refs(map: &Map<String, Value>, input: &mut Input) -> Option<Vec<Ref>> {
    map.get("SharingGroupServer")?;
    let mut refs = Vec::new();
    for e in entries(map.get("SharingGroupServer")) {
        let key = text(e.get("server_id")).or_else(|| {
            let o = nested(&e, "Server")?;
            text(o.get("id")).or_else(|| text(o.get("url")))
        });
        refs.push((key, entry_flag(&e, "all_orgs", "SharingGroupServer", input)));
    }
    Some(refs)
}

/// A quick edit: an organisation or a server, added or removed. Carries MISP's messages.
#[derive(Clone, Copy)]
pub struct QuickEdit {
    pub org: bool,
    pub add: bool,
}

impl QuickEdit {
    pub const ADD_ORG: QuickEdit = QuickEdit {
        org: true,
        add: true,
    };
    pub const REMOVE_ORG: QuickEdit = QuickEdit {
        org: true,
        add: false,
    };
    pub const ADD_SERVER: QuickEdit = QuickEdit {
        org: false,
        add: true,
    };
    pub const REMOVE_SERVER: QuickEdit = QuickEdit {
        org: false,
        add: false,
    };

    fn noun(self) -> &'static str {
        if self.org { "Organisation" } else { "Server" }
    }

    /// MISP's action name, which its answers carry in `url`.
    pub fn url(self) -> String {
        let verb = if self.add { "add" } else { "remove" };
        let object = if self.org { "Org" } else { "Server" };
        format!("/sharing_groups/{verb}{object}")
    }

    /// The 403 for adding what is there or removing what is not.
    pub fn refusal(self) -> AppError {
        let noun = self.noun();
        let (title, errors) = if self.add {
            (
                format!("Could not add {noun} to SharingGroup"),
                format!("{noun} is already in the sharing group."),
            )
        } else {
            (
                format!("Could not remove {noun} from SharingGroup"),
                format!("{noun} is not in the sharing group."),
            )
        };
        AppError::Invalid {
            title,
            errors: errors.into(),
        }
    }

    pub fn done(self) -> Response {
        let how = if self.add { "added to" } else { "removed from" };
        let message = format!("{} {how} the sharing group.", self.noun());
        wire::saved(&message, &self.url(), None)
    }
}

/// The positional arguments after the action, routed as one `{*args}` tail and split here.
pub fn positional(args: Vec<String>) -> Vec<String> {
    args.iter()
        .flat_map(|a| a.split('/'))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The `SharingGroup` block of a distribution-4 event as `/events/view` shows it, with this
/// instance named by `state`'s base URL; `None` when the group does not exist.
pub async fn embed(state: &crate::app::AppState, id: i64) -> sqlx::Result<Option<Value>> {
    let base = state.config.base_url();
    Ok(store::load_many(state.db.ex(), &[id])
        .await?
        .into_iter()
        .next()
        .map(|f| f.embedded(&base)))
}
