//! Tagging by uuid: `/tags/attachTagToObject` and `/tags/removeTagFromObject` (PyMISP `tag()`
//! and `untag()`), and the lookups every tagging action shares. Each action first finds the
//! target as the caller may see it (hidden answers as missing), then checks `can_tag`; a
//! refused request writes nothing, and only global tag changes bump and unpublish the event.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::store::{self, Link, Target as LinkTarget};
use super::{NewTag, Tag, can_tag, text, truthy, unusable_reason};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::attributes::Attribute;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::wire::{self, Body, IdRef};

const INVALID_TARGET: &str = "Invalid Target.";
pub(super) const LOCAL_ONLY: &str = "Invalid Tag. This tag can only be set as a local tag.";
const NOT_HOST: &str = "Local tags can only be added by users of the host organisation.";

/// A tag named in a request: a numeric id or a name.
#[derive(Debug, Clone)]
pub(super) enum TagRef {
    Id(i64),
    Name(String),
}

impl TagRef {
    pub(super) fn from_value(v: &Value) -> Option<TagRef> {
        let t = text(v)?;
        Some(t.parse().map_or(TagRef::Name(t), TagRef::Id))
    }

    /// One reference or a JSON list of them.
    fn many(v: &Value) -> Vec<TagRef> {
        match v {
            Value::Array(items) => items.iter().filter_map(TagRef::from_value).collect(),
            other => TagRef::from_value(other).into_iter().collect(),
        }
    }

    /// The legacy `addTag` forms also accept a JSON list inside a string (`"[1,2]"`).
    pub(super) fn legacy(v: &Value) -> Vec<TagRef> {
        match v {
            Value::String(s) if s.trim_start().starts_with('[') => {
                match serde_json::from_str::<Value>(s) {
                    Ok(list @ Value::Array(_)) => TagRef::many(&list),
                    _ => TagRef::many(v),
                }
            }
            other => TagRef::many(other),
        }
    }
}

/// The host organisation (MISP's `MISP.host_org_id`): the organisation created at first start
/// under the configured name, or id 1 (which it is on a fresh instance) if it was renamed.
async fn host_org_id(state: &AppState) -> AppResult<i64> {
    let host = crate::orgs::store::find_by_name(state.db.ex(), &state.config.org_name).await?;
    Ok(host.map_or(1, |o| o.id))
}

/// `can_tag`, asking for the host organisation only when the answer depends on it.
pub(super) async fn may_tag(
    state: &AppState,
    user: &CurrentUser,
    event: &Event,
    local: bool,
) -> AppResult<bool> {
    let host = if local && !can_tag(user, event, false, 0) {
        host_org_id(state).await?
    } else {
        0
    };
    Ok(can_tag(user, event, local, host))
}

/// The role gate of every tagging route (MISP's ACL: `perm_tagger`; sync users tag too).
pub(super) fn require_tagger(user: &CurrentUser) -> AppResult<()> {
    user.require(user.site_admin() || user.role.perm_tagger || user.role.perm_sync)
}

/// What a tag is attached to, as found for the caller: an event, or an attribute in it.
struct Target {
    event: Event,
    attribute: Option<Attribute>,
}

impl Target {
    fn kind(&self) -> &'static str {
        if self.attribute.is_some() {
            "Attribute"
        } else {
            "Event"
        }
    }

    fn id(&self) -> i64 {
        self.attribute.as_ref().map_or(self.event.id, |a| a.id)
    }

    fn link(&self) -> LinkTarget {
        match &self.attribute {
            None => LinkTarget::Event(self.event.id),
            Some(a) => LinkTarget::Attribute {
                id: a.id,
                event_id: self.event.id,
            },
        }
    }
}

/// The event with this id or uuid if the viewer may see it; `None` for hidden and missing
/// alike, so no answer tells them apart.
pub(super) async fn visible_event(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
) -> AppResult<Option<Event>> {
    let Some(r) = IdRef::parse(key) else {
        return Ok(None);
    };
    let event = crate::events::store::find(state.db.ex(), &r).await?;
    Ok(event.filter(|e| viewer.can_see_event(&e.acl())))
}

/// A live attribute the viewer may see: its event visible, and its own and its object's
/// distribution allowing it.
pub(super) async fn visible_attribute(
    state: &AppState,
    viewer: &Viewer,
    r: &IdRef,
) -> AppResult<Option<(Attribute, Event)>> {
    let Some(row) = store::attribute(state.db.ex(), r).await? else {
        return Ok(None);
    };
    let event_ref = IdRef::Id(row.attribute.event_id);
    let Some(event) = crate::events::store::find(state.db.ex(), &event_ref).await? else {
        return Ok(None);
    };
    let object = row.object_acl();
    let seen = viewer.can_see_element(&event.acl(), row.attribute.acl(), object);
    Ok((seen && !row.attribute.deleted).then_some((row.attribute, event)))
}

/// The event or attribute with this uuid, if the viewer may see it.
async fn visible_target(
    state: &AppState,
    viewer: &Viewer,
    uuid: &str,
) -> AppResult<Option<Target>> {
    if let Some(e) = visible_event(state, viewer, uuid).await? {
        return Ok(Some(Target {
            event: e,
            attribute: None,
        }));
    }
    let r = IdRef::Uuid(uuid.to_ascii_lowercase());
    let found = visible_attribute(state, viewer, &r).await?;
    Ok(found.map(|(a, e)| Target {
        event: e,
        attribute: Some(a),
    }))
}

/// Why a tag cannot go on a target, or `Attached` when it already is.
pub(super) enum Refusal {
    Unusable(&'static str),
    LocalOnly,
    Attached,
}

/// Checks one tag against one target: usable by the user, global use allowed, not there yet.
pub(super) async fn refusal(
    ex: crate::db::Exec<'_>,
    user: &CurrentUser,
    target: LinkTarget,
    tag: &Tag,
    local: bool,
) -> AppResult<Option<Refusal>> {
    if let Some(reason) = unusable_reason(tag, user) {
        return Ok(Some(Refusal::Unusable(reason)));
    }
    if tag.local_only && !local {
        return Ok(Some(Refusal::LocalOnly));
    }
    let linked = store::link_of(ex, target, tag.id).await?.is_some();
    Ok(linked.then_some(Refusal::Attached))
}

/// Removes one link; a global one bumps and unpublishes (spec/model.md 4.3).
pub(super) async fn detach(state: &AppState, target: LinkTarget, link: Link) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    store::unlink(tx.ex(), target, link.id).await?;
    if !link.local {
        store::touch_target(tx.ex(), target, wire::now()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The `{uuid, tag, local}` of the object tagging actions, from the path or the body.
struct ObjectRequest {
    uuid: String,
    tags: Vec<TagRef>,
    local: bool,
}

/// Reads the request; a missing or malformed uuid or tag is MISP's 405.
fn object_request(pass: &[String], map: &Map<String, Value>) -> AppResult<ObjectRequest> {
    let refused = |m: &str| AppError::MethodNotAllowed(m.to_string());
    let uuid = match pass.first() {
        Some(u) => u.clone(),
        None => map
            .get("uuid")
            .and_then(text)
            .ok_or_else(|| refused("Invalid object uuid"))?,
    };
    if !wire::is_uuid(&uuid) {
        return Err(refused("Invalid UUID"));
    }
    let tags = match pass.get(1) {
        Some(t) => TagRef::many(&Value::String(t.clone())),
        None => map.get("tag").map(TagRef::many).unwrap_or_default(),
    };
    if tags.is_empty() {
        return Err(refused("Invalid tag"));
    }
    let local = match pass.get(2) {
        Some(l) => truthy(Some(&Value::String(l.clone()))),
        None => truthy(map.get("local")),
    };
    Ok(ObjectRequest { uuid, tags, local })
}

/// MISP's refusal of a global tag change by someone who may not modify the data; members of
/// the host organisation are pointed at local tags, which they may use.
fn orgc_only(user: &CurrentUser, host_org_id: i64) -> AppError {
    let mut msg = String::from(
        "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags.",
    );
    if user.user.org_id == host_org_id {
        msg.push_str(" Please consider using local tags if you are in the host organisation of the instance.");
    }
    AppError::Forbidden(msg)
}

/// What happened to each tag of an `attachTagToObject`.
#[derive(Default)]
struct Attached {
    successes: usize,
    message: String,
    already: Vec<String>,
    fails: Vec<String>,
}

/// The tag a reference names, created on the fly for tag editors (MISP's `quickAdd`).
async fn tag_to_attach(
    ex: crate::db::Exec<'_>,
    user: &CurrentUser,
    r: &TagRef,
) -> AppResult<Result<Tag, &'static str>> {
    let mut ex = ex;
    let name = match r {
        TagRef::Id(id) => return Ok(store::find(ex, *id).await?.ok_or("Invalid Tag.")),
        TagRef::Name(name) => name,
    };
    if let Some(tag) = store::find_by_name(ex.re(), name).await? {
        return Ok(Ok(tag));
    }
    if !(user.site_admin() || user.role.perm_tag_editor) {
        return Ok(Err(
            "Tag not found and insufficient privileges to create it.",
        ));
    }
    let id = store::insert(ex.re(), NewTag::named(name).fields()).await?;
    let tag = store::find(ex, id).await?;
    Ok(tag.ok_or("Invalid Tag."))
}

/// Attaches every tag it can in one transaction, committed only if something succeeded.
async fn attach_all(
    state: &AppState,
    user: &CurrentUser,
    target: &Target,
    req: &ObjectRequest,
    relationship_type: Option<String>,
) -> AppResult<Attached> {
    let (link, local) = (target.link(), req.local);
    let mut out = Attached::default();
    let mut changed = false;
    let mut tx = state.db.begin().await?;
    for r in &req.tags {
        let tag = match tag_to_attach(tx.ex(), user, r).await? {
            Ok(tag) => tag,
            Err(reason) => {
                out.fails.push(reason.into());
                continue;
            }
        };
        match refusal(tx.ex(), user, link, &tag, local).await? {
            Some(Refusal::Unusable(reason)) => out.fails.push(reason.into()),
            Some(Refusal::LocalOnly) => out.fails.push(LOCAL_ONLY.into()),
            Some(Refusal::Attached) => {
                out.message = format!(
                    "{} already has the requested tag attached, no changes had to be made for tag {}.",
                    target.kind(),
                    tag.name
                );
                out.already.push(tag.name);
                out.successes += 1;
            }
            None => {
                store::link(tx.ex(), link, tag.id, local, relationship_type.clone()).await?;
                let scope = if local { "Local" } else { "Global" };
                out.message = format!(
                    "{scope} tag {}({}) successfully attached to {}({}).",
                    tag.name,
                    tag.id,
                    target.kind(),
                    target.id()
                );
                out.successes += 1;
                changed |= !local;
            }
        }
    }
    if out.successes > 0 {
        if changed {
            store::touch_target(tx.ex(), link, wire::now()).await?;
        }
        tx.commit().await?;
    }
    Ok(out)
}

impl Attached {
    /// MISP's answer: success envelope (failures appended), or 403 when nothing attached.
    fn respond(self, target: &Target) -> AppResult<Response> {
        let reasons: Map<String, Value> = self
            .fails
            .iter()
            .enumerate()
            .map(|(i, f)| (i.to_string(), Value::String(f.clone())))
            .collect();
        let failed = format!(
            "Failed to attach {} tags. Reasons: {}",
            self.fails.len(),
            Value::Object(reasons)
        );
        if self.successes == 0 {
            return Err(AppError::Invalid {
                title: "Could not attachTagToObject Tag".into(),
                errors: failed.into(),
            });
        }
        let mut message = self.message;
        if self.successes > 1 {
            message = format!(
                "Successfully attached {} tags to {} ({})",
                self.successes,
                target.kind(),
                target.id()
            );
            if !self.already.is_empty() {
                message.push_str(&format!(
                    ". {} already has the requested tag attached, no changes had to be made for tags {}.",
                    target.id(),
                    json!(self.already)
                ));
            }
        }
        if !self.fails.is_empty() {
            message.push('\n');
            message.push_str(&failed);
        }
        Ok(wire::saved(&message, "/tags/attachTagToObject", None))
    }
}

/// `POST /tags/attachTagToObject[/{uuid}/{tag}/{local}]` (PyMISP `tag()`).
pub async fn attach_tag_to_object(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let map = body.object("Tag")?;
    let req = object_request(&pass, &map)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let target = visible_target(&state, &viewer, &req.uuid)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID_TARGET))?;
    if !may_tag(&state, &user, &target.event, req.local).await? {
        if !req.local {
            return Err(orgc_only(&user, host_org_id(&state).await?));
        }
        let fails = vec![NOT_HOST.to_string(); req.tags.len()];
        return Attached {
            fails,
            ..Default::default()
        }
        .respond(&target);
    }
    let relationship_type = map.get("relationship_type").and_then(text);
    attach_all(&state, &user, &target, &req, relationship_type)
        .await?
        .respond(&target)
}

/// `POST /tags/removeTagFromObject[/{uuid}/{tag}]` (PyMISP `untag()`).
pub async fn remove_tag_from_object(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let req = object_request(&pass, &body.object("Tag")?)?;
    let tag = match &req.tags[0] {
        TagRef::Id(id) => store::find(state.db.ex(), *id).await?,
        TagRef::Name(name) => store::find_by_name(state.db.ex(), name).await?,
    }
    .ok_or_else(|| AppError::MethodNotAllowed("Invalid Tag.".into()))?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let target = visible_target(&state, &viewer, &req.uuid)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID_TARGET))?;
    let kind = target.kind();
    let link = store::link_of(state.db.ex(), target.link(), tag.id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "Could not remove tag as it is not attached to the target {kind}"
            ))
        })?;
    if !may_tag(&state, &user, &target.event, link.local).await? {
        return Err(if link.local {
            AppError::Forbidden(
                "Insufficient privileges to remove local tags from events you do not own.".into(),
            )
        } else {
            orgc_only(&user, host_org_id(&state).await?)
        });
    }
    detach(&state, target.link(), link).await?;
    let scope = if link.local { "Local" } else { "Global" };
    let message = format!(
        "{scope} tag {} ({}) successfully removed from {kind}({}).",
        tag.name,
        tag.id,
        target.id()
    );
    Ok(wire::saved(&message, "/tags/removeTagFromObject", None))
}
