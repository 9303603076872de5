//! `/events/edit/{id|uuid}` with MISP's merge semantics (spec/api.md 4.4, model.md 4.8): the
//! event's own timestamp must be newer; absent event fields keep their values; a missing
//! `published` unpublishes; attributes are upserted by uuid, each with its own freshness rule,
//! and never deleted implicitly; tags are attached, and detached only when marked `deleted`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value};

use super::Event;
use super::routes::{NewEvent, event_object, parse_event, visible_event};
use super::view::ViewOptions;
use crate::app::AppState;
use crate::attributes::{Attribute, NewAttribute};
use crate::auth::CurrentUser;
use crate::db::{Exec, Fields};
use crate::error::{AppError, AppResult};
use crate::tags::store::Target;
use crate::wire::{self, Body, MispUrl};

/// Event fields an edit may change; everything else stays as stored.
const EDITABLE: &[&str] = &[
    "date",
    "threat_level_id",
    "analysis",
    "info",
    "distribution",
    "sharing_group_id",
    "disable_correlation",
    "extends_uuid",
    "protected",
];

fn fail(errors: impl Into<Value>) -> AppError {
    AppError::Invalid {
        title: "Could not edit Event".into(),
        errors: errors.into(),
    }
}

/// The stored event overlaid with the request's editable fields, validated as a whole.
fn merged_fields(event: &Event, map: &Map<String, Value>) -> Result<NewEvent, AppError> {
    let mut merged = Map::new();
    merged.insert("uuid".into(), event.uuid.clone().into());
    merged.insert("info".into(), event.info.clone().into());
    merged.insert("date".into(), event.date.clone().into());
    merged.insert("threat_level_id".into(), event.threat_level_id.into());
    merged.insert("analysis".into(), event.analysis.into());
    merged.insert("distribution".into(), event.distribution.into());
    merged.insert("sharing_group_id".into(), event.sharing_group_id.into());
    merged.insert(
        "disable_correlation".into(),
        event.disable_correlation.into(),
    );
    merged.insert("extends_uuid".into(), event.extends_uuid.clone().into());
    merged.insert("protected".into(), event.protected.into());
    for key in EDITABLE {
        if let Some(v) = map.get(*key).filter(|v| !v.is_null()) {
            merged.insert((*key).into(), v.clone());
        }
    }
    parse_event(&merged).map_err(fail)
}

pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let map = event_object(body)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    // PyMISP puts the uuid in the body too; it designates the event when present.
    let target = map
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|u| wire::is_uuid(u))
        .map_or(key, String::from);
    let event = visible_event(&state, &viewer, &target, "Invalid event").await?;
    // Sync users may also update events that came through sync (`locked`, spec/model.md 3.7).
    if !(super::can_modify(&user, &event) || (user.role.perm_sync && event.locked)) {
        return Err(AppError::Forbidden(
            "You are not authorised to do that.".into(),
        ));
    }
    let mut input = wire::Input::new(map.clone());
    let timestamp = input.int("timestamp").filter(|t| *t > 0);
    let published = input.bool("published").unwrap_or(false);
    if timestamp.is_some_and(|t| t <= event.timestamp) {
        return Err(fail(
            "Event could not be saved: Event in the request not newer than the local copy.",
        ));
    }
    let new = merged_fields(&event, &map)?;
    if new.distribution == 4 {
        let usable = viewer.site_admin || viewer.sg_ids.contains(&new.sharing_group_id);
        if !(usable
            && crate::acl::store::sharing_group_usable(state.db.ex(), new.sharing_group_id).await?)
        {
            return Err(fail(
                "Event could not be saved: Invalid sharing group or you don't have access to that sharing group.",
            ));
        }
    }
    let attributes = parse_attributes(&viewer, &map);
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    merge_attributes(tx.ex(), &user, &event, 0, &attributes, now).await?;
    merge_event_tags(tx.ex(), &user, event.id, &map).await?;
    merge_children(tx.ex(), &user, &viewer, &event, &map, now).await?;
    let publish = published
        && (user.site_admin() || (user.role.perm_publish && event.orgc_id == user.user.org_id));
    let count = crate::attributes::store::count_live(tx.ex(), event.id).await?;
    let mut fields: Fields = vec![
        ("info", new.info.into()),
        ("date", new.date.into()),
        ("threat_level_id", new.threat_level_id.into()),
        ("analysis", new.analysis.into()),
        ("distribution", new.distribution.into()),
        ("sharing_group_id", new.sharing_group_id.into()),
        ("disable_correlation", new.disable_correlation.into()),
        ("extends_uuid", new.extends_uuid.into()),
        ("protected", new.protected.into()),
        ("timestamp", timestamp.unwrap_or(now).into()),
        ("published", publish.into()),
        ("attribute_count", count.into()),
    ];
    if publish {
        fields.push(("publish_timestamp", now.into()));
    }
    super::store::update(tx.ex(), event.id, fields).await?;
    if state.config.correlation {
        crate::correlation::index_event(tx.ex(), event.id).await?;
    }
    tx.commit().await?;
    let event = super::store::find(state.db.ex(), &wire::IdRef::Id(event.id))
        .await?
        .ok_or_else(|| AppError::not_found("Invalid event"))?;
    let corr =
        crate::correlation::routes::for_view(&state, &viewer, event.id, &url, &Map::new()).await?;
    let opts = ViewOptions {
        metadata: url
            .named("metadata")
            .is_some_and(|v| v == "1" || v == "true"),
        fresh: true,
        related: corr.related.as_ref(),
        ..Default::default()
    };
    super::view::respond(state, &user, viewer, event, opts).await
}

/// The request's top-level attributes that validate; the rest are skipped as MISP does.
fn parse_attributes(viewer: &crate::acl::Viewer, map: &Map<String, Value>) -> Vec<NewAttribute> {
    let mut seen = HashSet::new();
    map.get("Attribute")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_object().cloned())
        .filter_map(|m| crate::attributes::parse(m).ok())
        .filter(|a| {
            a.distribution != 4 || viewer.site_admin || viewer.sg_ids.contains(&a.sharing_group_id)
        })
        .filter(|a| seen.insert(a.uuid.clone()))
        .collect()
}

/// Upserts attributes by uuid: new ones are inserted (unless they duplicate a live attribute of
/// the event), known ones of this event updated when the request is newer, others skipped.
async fn merge_attributes(
    mut ex: Exec<'_>,
    user: &CurrentUser,
    event: &Event,
    object_id: i64,
    attrs: &[NewAttribute],
    now: i64,
) -> AppResult<()> {
    if attrs.is_empty() {
        return Ok(());
    }
    let uuids: Vec<String> = attrs.iter().map(|a| a.uuid.clone()).collect();
    let stored: HashMap<String, Attribute> =
        crate::attributes::store::find_by_uuids(ex.re(), &uuids)
            .await?
            .into_iter()
            .map(|a| (a.uuid.clone(), a))
            .collect();
    let (fresh, known): (Vec<&NewAttribute>, Vec<&NewAttribute>) =
        attrs.iter().partition(|a| !stored.contains_key(&a.uuid));
    let values: Vec<String> = fresh.iter().map(|a| a.value1.clone()).collect();
    let live = crate::attributes::store::duplicate_candidates(ex.re(), event.id, &values).await?;
    let mut keys: HashSet<(String, String, String)> = live
        .iter()
        .map(|a| (a.r#type.clone(), a.value1.clone(), a.value2.clone()))
        .collect();
    let inserts: Vec<NewAttribute> = fresh
        .into_iter()
        // The duplicate rule is for attributes outside objects only (spec/api.md 3.3).
        .filter(|a| {
            object_id != 0
                || a.deleted
                || keys.insert((a.r#type.clone(), a.value1.clone(), a.value2.clone()))
        })
        .cloned()
        .collect();
    let mut ids =
        crate::attributes::store::insert_many(ex.re(), event.id, object_id, &inserts, now).await?;
    let mut tagged: Vec<(i64, &NewAttribute)> = inserts
        .iter()
        .filter_map(|a| ids.remove(&a.uuid).map(|id| (id, a)))
        .collect();
    for a in known {
        let old = &stored[&a.uuid];
        let elsewhere = old.event_id != event.id || old.object_id != object_id;
        if elsewhere || a.timestamp.is_some_and(|t| t <= old.timestamp) {
            continue;
        }
        let fields: Fields = vec![
            ("category", a.category.clone().into()),
            ("type", a.r#type.clone().into()),
            ("value1", a.value1.clone().into()),
            ("value2", a.value2.clone().into()),
            ("to_ids", a.to_ids.into()),
            ("distribution", a.distribution.into()),
            ("sharing_group_id", a.sharing_group_id.into()),
            ("comment", a.comment.clone().into()),
            ("deleted", a.deleted.into()),
            ("disable_correlation", a.disable_correlation.into()),
            ("first_seen", a.first_seen.into()),
            ("last_seen", a.last_seen.into()),
            ("timestamp", a.timestamp.unwrap_or(now).into()),
        ];
        crate::attributes::store::update(ex.re(), old.id, fields).await?;
        tagged.push((old.id, a));
    }
    merge_attribute_tags(ex, user, event.id, &tagged).await
}

/// Attaches the listed tags of each attribute and detaches those marked `deleted`.
async fn merge_attribute_tags(
    mut ex: Exec<'_>,
    user: &CurrentUser,
    event_id: i64,
    tagged: &[(i64, &NewAttribute)],
) -> AppResult<()> {
    let requests: Vec<_> = tagged
        .iter()
        .flat_map(|(_, a)| a.tags.iter().cloned())
        .collect();
    if requests.is_empty() {
        return Ok(());
    }
    let tags = crate::tags::store::resolve_for(ex.re(), &requests, user).await?;
    let ids: Vec<i64> = tagged.iter().map(|(id, _)| *id).collect();
    let linked: HashSet<(i64, i64)> = crate::attributes::store::linked_tag_ids(ex.re(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut links = Vec::new();
    for (id, a) in tagged {
        let mut gone = Vec::new();
        for r in &a.tags {
            let Some(tag) = tags.get(&r.name.to_lowercase()) else {
                continue;
            };
            if r.deleted {
                gone.push(tag.id);
            } else if !linked.contains(&(*id, tag.id))
                && !links.iter().any(|(x, _, t, _)| x == id && *t == tag.id)
            {
                links.push((*id, event_id, tag.id, r.local));
            }
        }
        crate::attributes::store::detach_tags(ex.re(), *id, &gone).await?;
    }
    crate::tags::store::attach_to_attributes(ex, &links).await?;
    Ok(())
}

/// Objects and reports of the request: new uuids are added (with their attributes and
/// references); known ones of this event are updated when the request is newer (or carries no
/// timestamp), an object's attributes merging like the event's.
async fn merge_children(
    mut ex: Exec<'_>,
    user: &CurrentUser,
    viewer: &crate::acl::Viewer,
    event: &Event,
    map: &Map<String, Value>,
    now: i64,
) -> AppResult<()> {
    let list = |key: &str| {
        map.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_object().cloned())
    };
    let sg_ok = |sg: i64| viewer.site_admin || viewer.sg_ids.contains(&sg);
    let mut fresh = Vec::new();
    for o in list("Object").filter_map(|m| crate::objects::parse(m).ok()) {
        if !o.sharing_group_ids().iter().all(|sg| sg_ok(*sg)) {
            continue;
        }
        match crate::objects::store::find(ex.re(), &wire::IdRef::Uuid(o.uuid.clone())).await? {
            None => fresh.push(o),
            Some(stored) if stored.event_id == event.id => {
                if o.timestamp.is_none_or(|t| t > stored.timestamp) {
                    let fields: Fields = vec![
                        ("comment", o.comment.clone().into()),
                        ("distribution", o.distribution.into()),
                        ("sharing_group_id", o.sharing_group_id.into()),
                        ("template_version", o.template_version.into()),
                        ("first_seen", o.first_seen.into()),
                        ("last_seen", o.last_seen.into()),
                        ("timestamp", o.timestamp.unwrap_or(now).into()),
                    ];
                    crate::objects::store::update_object(ex.re(), stored.id, fields).await?;
                    if o.deleted && !stored.deleted {
                        crate::objects::store::soft_delete(ex.re(), stored.id, now).await?;
                    }
                }
                merge_attributes(ex.re(), user, event, stored.id, &o.attributes, now).await?;
            }
            Some(_) => {}
        }
    }
    if !fresh.is_empty() {
        crate::objects::store::insert_objects_as(
            ex.re(),
            event.id,
            &fresh,
            now,
            user.role.perm_tag_editor,
        )
        .await?;
    }
    let mut new_reports = Vec::new();
    for r in list("EventReport").filter_map(|m| crate::reports::parse(m).ok()) {
        if r.distribution == 4 && !sg_ok(r.sharing_group_id) {
            continue;
        }
        match crate::reports::store::find(ex.re(), &wire::IdRef::Uuid(r.uuid.clone())).await? {
            None => new_reports.push(r),
            Some(stored)
                if stored.report.event_id == event.id
                    && r.timestamp.is_none_or(|t| t > stored.report.timestamp) =>
            {
                let fields: Fields = vec![
                    ("name", r.name.clone().into()),
                    ("content", r.content.clone().into()),
                    ("distribution", r.distribution.into()),
                    ("sharing_group_id", r.sharing_group_id.into()),
                    ("deleted", r.deleted.into()),
                    ("timestamp", r.timestamp.unwrap_or(now).into()),
                ];
                crate::reports::store::update(ex.re(), stored.report.id, fields).await?;
            }
            Some(_) => {}
        }
    }
    crate::reports::store::insert_many(ex, event.id, &new_reports, now).await?;
    Ok(())
}

/// Event tags of the request: attach the new ones, detach those marked `deleted`.
async fn merge_event_tags(
    mut ex: Exec<'_>,
    user: &CurrentUser,
    event_id: i64,
    map: &Map<String, Value>,
) -> AppResult<()> {
    let requests = crate::tags::parse_tag_list(map.get("Tag"));
    if requests.is_empty() {
        return Ok(());
    }
    let tags = crate::tags::store::resolve_for(ex.re(), &requests, user).await?;
    let mut links = Vec::new();
    for r in &requests {
        let Some(tag) = tags.get(&r.name.to_lowercase()) else {
            continue;
        };
        if r.deleted {
            if let Some(link) =
                crate::tags::store::link_of(ex.re(), Target::Event(event_id), tag.id).await?
            {
                crate::tags::store::unlink(ex.re(), Target::Event(event_id), link.id).await?;
            }
        } else {
            links.push((tag.id, r.local, r.relationship_type.clone()));
        }
    }
    crate::tags::store::attach_to_event(ex, event_id, &links).await?;
    Ok(())
}
