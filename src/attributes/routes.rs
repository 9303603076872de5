//! Attribute endpoints: `/attributes/add|edit|delete|restore|view|index` (spec/api.md 5.1-5.6;
//! MISP's REST forms `GET|POST|PUT|DELETE /attributes[/{id}]` map here through `wire::url`).
//! Every change runs in one transaction that also bumps and unpublishes the event.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{Attribute, AttributeView, AttributeWire, NewAttribute, store};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{Exec, Fields};
use crate::error::{AppError, AppResult, NOT_YOURS};
use crate::events::Event;
use crate::tags::{AttachedTag, TagRequest};
use crate::wire::{self, Body, IdRef, Input, MispUrl};

const INVALID: &str = "Invalid attribute";
const INVALID_ID: &str = "Invalid attribute ID.";
const SG_REFUSED: &str = "Invalid Sharing Group or not authorised.";
const DUPLICATE: &str = "A similar attribute already exists for this event.";
const UUID_TAKEN: &str = "The UUID provided is not unique";
const NOT_NEWER: &str =
    "Attribute could not be saved: Attribute in the request not newer than the local copy.";
/// MISP's default page size for `attributes/index` (its paginator), and its ceiling.
const INDEX_LIMIT: u64 = 60;
const INDEX_MAX: u64 = 9999;

/// MISP's "saveFailResponse" for attributes: 403 with `url` naming the action without ids
/// (`/attributes/add`, capture 035), which is why it is built here and not by `AppError`.
fn save_failed(action: &str, errors: Value) -> Response {
    let title = format!("Could not {action} Attribute");
    let body = json!({
        "saved": false, "name": title, "message": title,
        "url": format!("/attributes/{action}"), "errors": errors,
    });
    let mut resp = wire::json(&body);
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp
}

/// Whether the viewer may put new data in sharing group `sg`: a member (or site admin) of an
/// existing, active group.
async fn sg_usable(state: &AppState, viewer: &Viewer, sg: i64) -> AppResult<bool> {
    Ok((viewer.site_admin || viewer.sg_ids.contains(&sg))
        && crate::acl::store::sharing_group_usable(state.db.ex(), sg).await?)
}

/// Tagging rights (spec/model.md 3.7): tagger or sync role, or site admin.
fn may_tag(user: &CurrentUser) -> bool {
    user.site_admin() || user.role.perm_tagger || user.role.perm_sync
}

fn ensure_modifiable(user: &CurrentUser, event: &Event) -> AppResult<()> {
    if crate::events::can_modify(user, event) {
        Ok(())
    } else {
        Err(AppError::Forbidden(NOT_YOURS.into()))
    }
}

/// The attribute `r` and its event when the viewer may see it (event, object and attribute
/// distribution, spec/model.md 3.3); `None` for missing and hidden alike.
async fn locate(
    state: &AppState,
    viewer: &Viewer,
    r: &IdRef,
    include_deleted: bool,
) -> AppResult<Option<(Attribute, Event)>> {
    let Some(a) = store::find(state.db.ex(), r, include_deleted).await? else {
        return Ok(None);
    };
    let Some(e) = crate::events::store::find(state.db.ex(), &IdRef::Id(a.event_id)).await? else {
        return Ok(None);
    };
    let object = match a.object_id {
        0 => None,
        id => store::object_acl(state.db.ex(), id).await?,
    };
    Ok(viewer
        .can_see_element(&e.acl(), a.acl(), object)
        .then_some((a, e)))
}

/// The duplicate-rule key (spec/model.md 2.8): type, category and both stored values.
type DupKey = (String, String, String, String);

fn dup_key_new(a: &NewAttribute) -> DupKey {
    let (t, c) = (a.r#type.clone(), a.category.clone());
    (t, c, a.value1.clone(), a.value2.clone())
}

fn dup_key(a: &Attribute) -> DupKey {
    let (t, c) = (a.r#type.clone(), a.category.clone());
    (t, c, a.value1.clone(), a.value2.clone())
}

/// The live attribute outside objects of `event_id`, other than `except`, that `key` would
/// duplicate.
async fn find_duplicate(ex: Exec<'_>, event_id: i64, key: &DupKey, except: i64) -> AppResult<bool> {
    let rows = store::duplicate_candidates(ex, event_id, std::slice::from_ref(&key.2)).await?;
    Ok(rows.iter().any(|a| a.id != except && dup_key(a) == *key))
}

/// Tags of one change: attach the listed ones (creating unknown names only with
/// perm_tag_editor), detach those marked `deleted`. Links that already exist are kept.
async fn apply_tags(
    mut ex: Exec<'_>,
    user: &CurrentUser,
    event_id: i64,
    wanted: &[(i64, Vec<TagRequest>)],
) -> AppResult<()> {
    let requests: Vec<TagRequest> = wanted.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
    if requests.is_empty() || !may_tag(user) {
        return Ok(());
    }
    let tags = crate::tags::store::resolve(ex.re(), &requests, user.role.perm_tag_editor).await?;
    let ids: Vec<i64> = wanted.iter().map(|(id, _)| *id).collect();
    let mut linked: HashSet<(i64, i64)> = store::linked_tag_ids(ex.re(), &ids)
        .await?
        .into_iter()
        .collect();
    let mut links = Vec::new();
    for (attribute_id, reqs) in wanted {
        let mut detach = Vec::new();
        for r in reqs {
            let Some(tag) = tags.get(&r.name.to_lowercase()) else {
                continue;
            };
            if r.deleted {
                detach.push(tag.id);
                linked.remove(&(*attribute_id, tag.id));
            } else if linked.insert((*attribute_id, tag.id)) {
                links.push((*attribute_id, event_id, tag.id, r.local));
            }
        }
        store::detach_tags(ex.re(), *attribute_id, &detach).await?;
    }
    crate::tags::store::attach_to_attributes(ex, &links).await?;
    Ok(())
}

/// An attribute object, unwrapped from `{"Attribute": {...}}` when so wrapped.
fn attribute_object(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(mut m)
            if m.len() == 1 && m.get("Attribute").is_some_and(Value::is_object) =>
        {
            match m.remove("Attribute") {
                Some(Value::Object(inner)) => Some(inner),
                _ => None,
            }
        }
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The attributes of an add request: a list (bare or under `Attribute`) or one attribute. The
/// flag says whether the request itself was a list.
fn add_items(body: Value) -> AppResult<(Vec<Map<String, Value>>, bool)> {
    let mut v = body;
    for key in ["request", "Attribute"] {
        if let Value::Object(map) = &mut v
            && map.len() == 1
            && map.get(key).is_some_and(|x| x.is_object() || x.is_array())
        {
            v = map.remove(key).unwrap_or_default();
        }
    }
    let bad = || {
        AppError::BadRequest(
            "The request body must be an attribute or a list of attributes.".into(),
        )
    };
    match v {
        Value::Array(items) => items
            .into_iter()
            .map(|item| attribute_object(item).ok_or_else(bad))
            .collect::<AppResult<Vec<_>>>()
            .map(|items| (items, true)),
        Value::Null => Ok((vec![Map::new()], false)),
        Value::Object(single) => Ok((expand_values(single), false)),
        _ => Err(bad()),
    }
}

/// One attribute per value when `value` is a list, or newline-separated text with
/// `batch_import` (MISP's batch form); otherwise the attribute itself.
fn expand_values(single: Map<String, Value>) -> Vec<Map<String, Value>> {
    let batch = Input::new(single.clone())
        .bool("batch_import")
        .unwrap_or(false);
    let values: Vec<Value> = match single.get("value") {
        Some(Value::Array(list)) => list.clone(),
        Some(Value::String(text)) if batch => text
            .trim_end_matches('\n')
            .split('\n')
            .map(|s| Value::String(s.to_string()))
            .collect(),
        _ => return vec![single],
    };
    values
        .into_iter()
        .map(|value| {
            let mut m = single.clone();
            m.remove("batch_import");
            m.insert("value".into(), value);
            m
        })
        .collect()
}

/// What an add does with its valid items: new rows, and (with `breakOnDuplicate:0`) existing
/// duplicates updated in place, each with the tags it asked for.
#[derive(Default)]
struct Plan {
    inserts: Vec<NewAttribute>,
    updates: Vec<(i64, NewAttribute)>,
}

/// Applies the duplicate rule and uuid uniqueness to the parsed items, against the event and
/// within the request; refused items go into `fails` under `attribute_<i>`.
async fn plan_add(
    mut ex: Exec<'_>,
    event_id: i64,
    parsed: Vec<(usize, NewAttribute)>,
    break_on_duplicate: bool,
    fails: &mut Map<String, Value>,
) -> AppResult<Plan> {
    let values: Vec<String> = parsed.iter().map(|(_, a)| a.value1.clone()).collect();
    let existing: HashMap<DupKey, i64> = store::duplicate_candidates(ex.re(), event_id, &values)
        .await?
        .iter()
        .map(|a| (dup_key(a), a.id))
        .collect();
    let uuids: Vec<String> = parsed.iter().map(|(_, a)| a.uuid.clone()).collect();
    let mut taken: HashSet<String> = store::existing_uuids(ex, &uuids)
        .await?
        .into_iter()
        .collect();
    let mut plan = Plan::default();
    let mut planned: HashMap<DupKey, usize> = HashMap::new();
    for (i, a) in parsed {
        let key = dup_key_new(&a);
        let fail = |field: &str, msg: &str| (format!("attribute_{i}"), json!({ field: [msg] }));
        if !a.deleted && (existing.contains_key(&key) || planned.contains_key(&key)) {
            if break_on_duplicate {
                let (k, v) = fail("value", DUPLICATE);
                fails.insert(k, v);
            } else if let Some(id) = existing.get(&key) {
                plan.updates.push((*id, a));
            } else if let Some(&slot) = planned.get(&key) {
                let uuid = plan.inserts[slot].uuid.clone();
                plan.inserts[slot] = NewAttribute { uuid, ..a };
            }
            continue;
        }
        if !taken.insert(a.uuid.clone()) {
            let (k, v) = fail("uuid", UUID_TAKEN);
            fails.insert(k, v);
            continue;
        }
        if !a.deleted {
            planned.insert(key, plan.inserts.len());
        }
        plan.inserts.push(a);
    }
    Ok(plan)
}

/// The fields a duplicate takes from the request when updated in place: everything but its
/// identity and value.
fn refreshed_fields(a: &NewAttribute, now: i64) -> Fields {
    vec![
        ("to_ids", a.to_ids.into()),
        ("distribution", a.distribution.into()),
        ("sharing_group_id", a.sharing_group_id.into()),
        ("comment", a.comment.clone().into()),
        ("disable_correlation", a.disable_correlation.into()),
        ("first_seen", a.first_seen.into()),
        ("last_seen", a.last_seen.into()),
        ("timestamp", a.timestamp.unwrap_or(now).into()),
    ]
}

/// Writes a plan in one transaction with the event bump; returns the ids saved.
async fn write_plan(
    state: &AppState,
    user: &CurrentUser,
    event_id: i64,
    plan: Plan,
) -> AppResult<Vec<i64>> {
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    let inserted = store::insert_many(tx.ex(), event_id, 0, &plan.inserts, now)
        .await
        .map_err(|e| match crate::db::is_unique_violation(&e) {
            true => AppError::invalid("Could not add Attribute", "uuid", UUID_TAKEN),
            false => e.into(),
        })?;
    let mut wanted = Vec::new();
    for a in &plan.inserts {
        if let Some(id) = inserted.get(&a.uuid) {
            wanted.push((*id, a.tags.clone()));
        }
    }
    for (id, a) in &plan.updates {
        store::update(tx.ex(), *id, refreshed_fields(a, now)).await?;
        wanted.push((*id, a.tags.clone()));
    }
    apply_tags(tx.ex(), user, event_id, &wanted).await?;
    crate::events::store::touch(tx.ex(), event_id, now).await?;
    let mut ids: Vec<i64> = wanted.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    if state.config.correlation {
        crate::correlation::index_attributes(tx.ex(), &ids).await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// `AttributeTag` rows of the single-attribute add response (spec/api.md 5.1).
fn attribute_tags(a: &Attribute, tags: &[AttachedTag]) -> Value {
    tags.iter()
        .map(|t| {
            json!({
                "id": t.link_id.to_string(), "attribute_id": a.id.to_string(),
                "event_id": a.event_id.to_string(), "tag_id": t.tag.id.to_string(),
                "local": t.local, "relationship_type": t.relationship_type,
                "Tag": {
                    "id": t.tag.id.to_string(), "name": t.tag.name, "colour": t.tag.colour,
                    "numerical_value": t.tag.numerical_value.map(|v| v.to_string()),
                },
            })
        })
        .collect()
}

/// The add response: one saved attribute is an object with `AttributeTag` beside it, several
/// a list with their `Tag`s; refused items are listed under `errors` (captures 033, 034, 038).
fn add_response(
    rows: &[Attribute],
    mut tags: HashMap<i64, Vec<AttachedTag>>,
    fails: Map<String, Value>,
) -> AppResult<Response> {
    let to_value =
        |w: AttributeWire| serde_json::to_value(w).map_err(|e| AppError::Internal(e.into()));
    let mut body = Map::new();
    if let [a] = rows {
        let t = tags.remove(&a.id).unwrap_or_default();
        body.insert(
            "Attribute".into(),
            to_value(AttributeWire {
                attribute: a,
                tags: &[],
                raw: true,
            })?,
        );
        body.insert("AttributeTag".into(), attribute_tags(a, &t));
    } else {
        let list = rows
            .iter()
            .map(|a| {
                let t = tags.remove(&a.id).unwrap_or_default();
                to_value(AttributeWire {
                    attribute: a,
                    tags: &t,
                    raw: true,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        body.insert("Attribute".into(), list.into());
    }
    if !fails.is_empty() {
        body.insert("errors".into(), fails.into());
    }
    Ok(wire::json(&body))
}

/// `POST /attributes/add/{event}[/breakOnDuplicate:0]`.
pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let event =
        crate::events::routes::visible_event(&state, &viewer, &key, "Invalid event").await?;
    ensure_modifiable(&user, &event)?;
    let (items, listed) = add_items(body.0)?;
    let count = items.len();
    let mut fails = Map::new();
    let mut parsed = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let a = match super::parse(item) {
            Ok(a) => a,
            Err(errors) => {
                fails.insert(format!("attribute_{i}"), errors);
                continue;
            }
        };
        if a.distribution == 4 && !sg_usable(&state, &viewer, a.sharing_group_id).await? {
            // MISP refuses a whole single-attribute request; in a list only the item fails.
            if !listed {
                return Err(AppError::Forbidden(SG_REFUSED.into()));
            }
            let errors = json!({ "sharing_group_id": [SG_REFUSED] });
            fails.insert(format!("attribute_{i}"), errors);
            continue;
        }
        parsed.push((i, a));
    }
    let break_on_duplicate = !matches!(url.named("breakOnDuplicate"), Some("0" | "false"));
    let plan = plan_add(
        state.db.ex(),
        event.id,
        parsed,
        break_on_duplicate,
        &mut fails,
    )
    .await?;
    if plan.inserts.is_empty() && plan.updates.is_empty() {
        let errors = match fails.remove("attribute_0") {
            Some(only) if count == 1 => only,
            Some(first) => {
                fails.insert("attribute_0".into(), first);
                fails.into()
            }
            None => fails.into(),
        };
        return Ok(save_failed("add", errors));
    }
    let ids = write_plan(&state, &user, event.id, plan).await?;
    let rows = store::by_ids(state.db.ex(), &ids).await?;
    let tags = crate::tags::store::of_attributes(state.db.ex(), &ids).await?;
    add_response(&rows, tags, fails)
}

/// Fields an edit may change (spec/api.md 5.2); anything else in the body is ignored, and
/// `id`, `event_id`, `object_id`, `uuid` stay the stored ones.
const EDITABLE: &[&str] = &[
    "value",
    "type",
    "category",
    "to_ids",
    "distribution",
    "sharing_group_id",
    "comment",
    "timestamp",
    "first_seen",
    "last_seen",
    "disable_correlation",
    "deleted",
    "Tag",
];

/// The stored attribute overlaid with the edit's non-null editable fields: what
/// `attributes::parse` validates again, so an edit obeys exactly the rules of an add.
fn merged(a: &Attribute, body: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("uuid".into(), a.uuid.clone().into());
    m.insert("type".into(), a.r#type.clone().into());
    m.insert("category".into(), a.category.clone().into());
    m.insert("value".into(), a.value().into());
    m.insert("to_ids".into(), a.to_ids.into());
    m.insert("distribution".into(), a.distribution.into());
    m.insert("sharing_group_id".into(), a.sharing_group_id.into());
    m.insert("comment".into(), a.comment.clone().into());
    m.insert("disable_correlation".into(), a.disable_correlation.into());
    m.insert("object_relation".into(), a.object_relation.clone().into());
    for (k, v) in [("first_seen", a.first_seen), ("last_seen", a.last_seen)] {
        m.insert(k.into(), v.map(super::format_seen).into());
    }
    if !body.contains_key("value")
        && let Some(v1) = body.get("value1").and_then(Value::as_str)
    {
        let v2 = body.get("value2").and_then(Value::as_str).unwrap_or("");
        m.insert(
            "value".into(),
            crate::types::validate::value_from_parts(v1, v2).into(),
        );
    }
    for key in EDITABLE {
        if let Some(v) = body.get(*key).filter(|v| !v.is_null()) {
            m.insert((*key).into(), v.clone());
        }
    }
    m
}

/// The stored columns of an edited attribute.
fn edited_fields(a: &NewAttribute, now: i64) -> Fields {
    let mut fields = vec![
        ("category", a.category.clone().into()),
        ("type", a.r#type.clone().into()),
        ("value1", a.value1.clone().into()),
        ("value2", a.value2.clone().into()),
        ("deleted", a.deleted.into()),
    ];
    fields.extend(refreshed_fields(a, now));
    fields
}

/// `POST|PUT /attributes/edit/{id|uuid}`.
pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let r = IdRef::parse(&key).ok_or_else(|| AppError::not_found(INVALID_ID))?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (old, event) = locate(&state, &viewer, &r, false)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    ensure_modifiable(&user, &event)?;
    let body = body.object("Attribute")?;
    if let Some(ts) = Input::new(body.clone()).int("timestamp")
        && ts <= old.timestamp
    {
        return Err(AppError::MethodNotAllowed(NOT_NEWER.into()));
    }
    let new = match super::parse(merged(&old, &body)) {
        Ok(new) => new,
        Err(errors) => return Ok(save_failed("edit", errors)),
    };
    let sg_changed =
        (new.distribution, new.sharing_group_id) != (old.distribution, old.sharing_group_id);
    if new.distribution == 4
        && sg_changed
        && !sg_usable(&state, &viewer, new.sharing_group_id).await?
    {
        return Err(AppError::Forbidden(SG_REFUSED.into()));
    }
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if !new.deleted
        && old.object_id == 0
        && find_duplicate(tx.ex(), old.event_id, &dup_key_new(&new), old.id).await?
    {
        return Ok(save_failed("edit", json!({"value": [DUPLICATE]})));
    }
    store::update(tx.ex(), old.id, edited_fields(&new, now)).await?;
    if new.deleted {
        store::mark_references_deleted(tx.ex(), old.id, now).await?;
    }
    apply_tags(tx.ex(), &user, old.event_id, &[(old.id, new.tags.clone())]).await?;
    finish_change(tx.ex(), &old, now, state.config.correlation).await?;
    tx.commit().await?;
    attribute_json(&state, old.id, None).await
}

/// The bumps every attribute change ends with: its object's timestamp, and the event's
/// timestamp, unpublish and attribute count (spec/model.md 4.1, 4.3); and its correlations.
async fn finish_change(
    mut ex: Exec<'_>,
    a: &Attribute,
    now: i64,
    correlate: bool,
) -> AppResult<()> {
    if correlate {
        crate::correlation::index_attributes(ex.re(), &[a.id]).await?;
    }
    if a.object_id != 0 {
        store::touch_object(ex.re(), a.object_id, now).await?;
    }
    crate::events::store::touch(ex, a.event_id, now).await?;
    Ok(())
}

/// `{"Attribute": {...}}` as view (with `event_uuid`) and edit (without) show it.
async fn attribute_json(
    state: &AppState,
    id: i64,
    event_uuid: Option<&str>,
) -> AppResult<Response> {
    let a = store::find(state.db.ex(), &IdRef::Id(id), true)
        .await?
        .ok_or_else(|| anyhow::anyhow!("attribute {id} vanished"))?;
    let tags = crate::tags::store::of_attributes(state.db.ex(), &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let view = AttributeView {
        attribute: &a,
        tags: &tags,
        event_uuid,
    };
    Ok(wire::json(&json!({ "Attribute": view })))
}

/// True for MISP's spellings of "yes" in a `hard` flag (`1`, `true`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "true"),
        _ => false,
    }
}

/// `POST|DELETE /attributes/delete/{id|uuid}[/{hard}]`: soft by default; hard with `/1`,
/// `hard:1` or a body `{"hard": 1}`.
pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Path(params): Path<HashMap<String, String>>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let body = body.object("Attribute")?;
    let hard = [params.get("hard").map(String::as_str), url.named("hard")]
        .into_iter()
        .flatten()
        .any(|s| truthy(&Value::String(s.into())))
        || body.get("hard").is_some_and(truthy);
    let key = params.get("id").map(String::as_str).unwrap_or_default();
    let r = IdRef::parse(key).ok_or_else(|| AppError::not_found(INVALID_ID))?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (a, event) = locate(&state, &viewer, &r, hard)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    ensure_modifiable(&user, &event)?;
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if hard {
        store::hard_delete(tx.ex(), a.id).await?;
    } else {
        store::soft_delete(tx.ex(), a.id, now).await?;
    }
    finish_change(tx.ex(), &a, now, state.config.correlation).await?;
    tx.commit().await?;
    Ok(wire::json(&json!({"message": "Attribute deleted."})))
}

/// `POST /attributes/restore/{id}`: un-deletes, the duplicate rule checked again. Answers with
/// the attribute view itself where MISP redirects to it (spec/api.md 5.4 allows both).
pub async fn restore(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    const INVALID_RESTORE: &str = "Invalid Attribute";
    user.require(user.role.perm_add)?;
    let invalid = || AppError::MethodNotAllowed(INVALID_RESTORE.into());
    let r = IdRef::parse(&key).ok_or_else(invalid)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (a, event) = locate(&state, &viewer, &r, true)
        .await?
        .ok_or_else(invalid)?;
    ensure_modifiable(&user, &event)?;
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if a.deleted
        && a.object_id == 0
        && find_duplicate(tx.ex(), a.event_id, &dup_key(&a), a.id).await?
    {
        return Err(AppError::not_found("Could not restore the attribute"));
    }
    let fields: Fields = vec![("deleted", false.into()), ("timestamp", now.into())];
    store::update(tx.ex(), a.id, fields).await?;
    finish_change(tx.ex(), &a, now, state.config.correlation).await?;
    tx.commit().await?;
    attribute_json(&state, a.id, Some(&event.uuid)).await
}

/// `GET|HEAD /attributes/view/{id|uuid}`: missing, hidden or deleted is 405 for GET (MISP's
/// quirk, capture 041) and 404 for HEAD (PyMISP's existence check).
pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    method: Method,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let r = IdRef::parse(&key).ok_or_else(|| AppError::not_found(INVALID_ID))?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let found = locate(&state, &viewer, &r, false).await?;
    match (found, method == Method::HEAD) {
        (None, true) => Err(AppError::not_found(INVALID)),
        (None, false) => Err(AppError::MethodNotAllowed(INVALID.into())),
        (Some(_), true) => Ok(StatusCode::OK.into_response()),
        (Some((a, event)), false) => attribute_json(&state, a.id, Some(&event.uuid)).await,
    }
}

/// `GET /attributes/index[/limit:n/page:p]`: the live attributes the user may see, as bare
/// stored rows (value1/value2 included, as MISP's paginated index has them).
pub async fn index(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    let num = |k: &str| {
        url.named(k)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n > 0)
    };
    let limit = num("limit").unwrap_or(INDEX_LIMIT).min(INDEX_MAX);
    let page = num("page").unwrap_or(1);
    let viewer = crate::acl::viewer(&state, &user).await?;
    let rows = store::index(state.db.ex(), &viewer, limit, page).await?;
    let list: Vec<AttributeWire> = rows
        .iter()
        .map(|a| AttributeWire {
            attribute: a,
            tags: &[],
            raw: true,
        })
        .collect();
    Ok(wire::json(&list))
}
