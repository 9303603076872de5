//! Object endpoints (spec/api.md 7): `/objects/add|edit|view|delete` and
//! `/object_references/add|delete`. Reads go through the object gate; every change is one
//! transaction that ends with `events::store::touch` (timestamp, unpublish, attribute count).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{NewObject, Object, attribute_error, head, object_error, raw_attribute, store};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::attributes::{Attribute, NewAttribute};
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult, NOT_YOURS};
use crate::events::Event;
use crate::wire::{self, Body, IdRef, Input, MispUrl};

const INVALID_OBJECT: &str = "Invalid object.";
const INVALID_REFERENCE: &str = "Invalid object reference.";
const ADD_TITLE: &str = "Could not add Object";
const EDIT_TITLE: &str = "Could not edit Object";
const BAD_SHARING_GROUP: &str = "Invalid Sharing Group or not authorised.";

fn invalid(title: &str, errors: Value) -> AppError {
    AppError::Invalid {
        title: title.into(),
        errors,
    }
}

/// `1`/`true` in a path segment or body flag (MISP's `hard` and `onlyAddNewAttribute`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn segment_truthy(params: &[String], i: usize) -> bool {
    params
        .get(i)
        .is_some_and(|s| truthy(&Value::String(s.clone())))
}

/// An object and its event when the viewer may see the object (event and object gate);
/// missing and hidden both answer 404 `message`.
async fn visible_object(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    message: &str,
) -> AppResult<(Object, Event)> {
    let not_found = || AppError::not_found(message);
    let r = IdRef::parse(key).ok_or_else(not_found)?;
    let object = store::find(state.db.ex(), &r)
        .await?
        .ok_or_else(not_found)?;
    let event = crate::events::store::find(state.db.ex(), &IdRef::Id(object.event_id))
        .await?
        .ok_or_else(not_found)?;
    if !viewer.can_see_element(&event.acl(), object.acl(), None) {
        return Err(not_found());
    }
    Ok((object, event))
}

/// The `Event` summary of the object endpoints (capture 050).
fn event_summary(e: &Event) -> Value {
    json!({"id": e.id.to_string(), "info": e.info, "org_id": e.org_id.to_string(), "orgc_id": e.orgc_id.to_string()})
}

/// Attributes in the raw form with their `AttributeTag` lists.
async fn tagged_attributes(state: &AppState, attrs: &[Attribute]) -> AppResult<Vec<Value>> {
    let ids: Vec<i64> = attrs.iter().map(|a| a.id).collect();
    let tags = crate::tags::store::of_attributes(state.db.ex(), &ids).await?;
    Ok(attrs
        .iter()
        .map(|a| raw_attribute(a, Some(tags.get(&a.id).map_or(&[][..], Vec::as_slice))))
        .collect())
}

/// The live attributes of `object` the viewer may see.
async fn visible_attributes(
    state: &AppState,
    viewer: &Viewer,
    object: &Object,
    event: &Event,
) -> AppResult<Vec<Attribute>> {
    let acl = event.acl();
    Ok(store::attributes_of(state.db.ex(), object.id, false)
        .await?
        .into_iter()
        .filter(|a| viewer.can_see_element(&acl, a.acl(), Some(object.acl())))
        .collect())
}

/// Refuses sharing groups the user may not use, and uuids already taken (objects and
/// attributes are unique instance-wide).
async fn check_new(state: &AppState, viewer: &Viewer, new: &NewObject) -> AppResult<()> {
    for sg in new.sharing_group_ids() {
        let member = viewer.site_admin || viewer.sg_ids.contains(&sg);
        if !(member && crate::acl::store::sharing_group_usable(state.db.ex(), sg).await?) {
            let errors = json!({"sharing_group_id": [BAD_SHARING_GROUP]});
            return Err(invalid(ADD_TITLE, object_error(&errors)));
        }
    }
    let taken = store::taken_uuids(state.db.ex(), "objects", std::slice::from_ref(&new.uuid));
    if !taken.await?.is_empty() {
        let errors = json!({"uuid": [super::UUID_TAKEN]});
        return Err(invalid(ADD_TITLE, object_error(&errors)));
    }
    check_attribute_uuids(state, &new.attributes, ADD_TITLE).await
}

async fn check_attribute_uuids(
    state: &AppState,
    attrs: &[NewAttribute],
    title: &str,
) -> AppResult<()> {
    let uuids: Vec<String> = attrs.iter().map(|a| a.uuid.clone()).collect();
    let taken = crate::attributes::store::existing_uuids(state.db.ex(), &uuids).await?;
    match attrs.iter().find(|a| taken.contains(&a.uuid)) {
        Some(a) => Err(invalid(
            title,
            attribute_error(
                a.object_relation.as_deref(),
                &json!({"uuid": [super::UUID_TAKEN]}),
            ),
        )),
        None => Ok(()),
    }
}

/// With `breakOnDuplicate`: a live object of the same template in the event whose attributes
/// (relation, category, type, value) are the same multiset refuses the new one.
async fn check_duplicate(state: &AppState, event_id: i64, new: &NewObject) -> AppResult<()> {
    let mut mine: Vec<_> = new
        .attributes
        .iter()
        .map(|a| {
            (
                a.object_relation.clone(),
                &a.category,
                &a.r#type,
                &a.value1,
                &a.value2,
            )
        })
        .collect();
    mine.sort();
    let existing = store::same_template(state.db.ex(), event_id, new.template_uuid.as_deref());
    for (o, attrs) in existing.await? {
        let mut theirs: Vec<_> = attrs
            .iter()
            .map(|a| {
                (
                    a.object_relation.clone(),
                    &a.category,
                    &a.r#type,
                    &a.value1,
                    &a.value2,
                )
            })
            .collect();
        theirs.sort();
        if theirs == mine {
            let msg = format!(
                "Duplicate object found (id: {}, uuid: {}). Since breakOnDuplicate is set the object will not be added.",
                o.id, o.uuid
            );
            return Err(invalid(ADD_TITLE, object_error(&json!({"value": [msg]}))));
        }
    }
    Ok(())
}

/// `POST /objects/add/{event}[/{template}]`: one object with its attributes (and references),
/// refused whole when any attribute is invalid.
pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Path(params): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    if !user.role.perm_modify {
        return Err(AppError::Forbidden(
            "You don't have permissions to create objects.".into(),
        ));
    }
    let key = params.first().map(String::as_str).unwrap_or_default();
    let viewer = crate::acl::viewer(&state, &user).await?;
    let event =
        crate::events::routes::visible_event(&state, &viewer, key, "Invalid event.").await?;
    if !crate::events::can_modify(&user, &event) {
        return Err(AppError::Forbidden(NOT_YOURS.into()));
    }
    let map = super::unwrap_object(body.object("Object")?);
    let break_on_duplicate = map.get("breakOnDuplicate").is_some_and(truthy)
        || url
            .named("breakOnDuplicate")
            .is_some_and(|v| truthy(&Value::String(v.into())));
    let new = super::parse(map).map_err(|e| invalid(ADD_TITLE, e))?;
    check_new(&state, &viewer, &new).await?;
    if break_on_duplicate {
        check_duplicate(&state, event.id, &new).await?;
    }
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    let ids = store::insert_objects_as(
        tx.ex(),
        event.id,
        std::slice::from_ref(&new),
        now,
        user.role.perm_tag_editor,
    )
    .await?;
    // Lost a race for the uuid: nothing is committed.
    let Some(id) = ids.get(&new.uuid).copied() else {
        return Err(invalid(
            ADD_TITLE,
            object_error(&json!({"uuid": [super::UUID_TAKEN]})),
        ));
    };
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    if state.config.correlation {
        crate::correlation::index_object(tx.ex(), id).await?;
    }
    tx.commit().await?;
    added(&state, id).await
}

/// The add response (capture 049): the row, its references when any were made, and every
/// attribute in the raw form.
async fn added(state: &AppState, id: i64) -> AppResult<Response> {
    let object = store::find(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("object vanished"))?;
    let attrs = store::attributes_of(state.db.ex(), id, true).await?;
    let refs = store::references_of(state.db.ex(), id).await?;
    let mut m = head(&object);
    if !refs.is_empty() {
        let refs: Vec<Value> = refs
            .iter()
            .map(|r| super::reference_row(r).into())
            .collect();
        m.insert("ObjectReference".into(), refs.into());
    }
    let attrs: Vec<Value> = attrs.iter().map(|a| raw_attribute(a, None)).collect();
    m.insert("Attribute".into(), attrs.into());
    Ok(wire::json(&json!({ "Object": m })))
}

/// `GET|HEAD /objects/view/{id|uuid}` (captures 050, 054): a soft-deleted object is still
/// shown, without an `Attribute` key when no visible live attribute is left.
pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (object, event) = visible_object(&state, &viewer, &key, INVALID_OBJECT).await?;
    let attrs = visible_attributes(&state, &viewer, &object, &event).await?;
    let mut m = head(&object);
    m.insert("Event".into(), event_summary(&event));
    if !attrs.is_empty() {
        m.insert(
            "Attribute".into(),
            tagged_attributes(&state, &attrs).await?.into(),
        );
    }
    Ok(wire::json(&json!({ "Object": m })))
}

/// What an edit asks for, validated: object-level column changes and the attribute list.
struct ObjectEdit {
    fields: Fields,
    sharing_group: Option<i64>,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    deleted: bool,
    /// Each attribute with the keys its request carried (only those are compared).
    attributes: Vec<(NewAttribute, HashSet<String>)>,
}

/// The object fields MISP lets an edit change (comment, template version, distribution,
/// first/last seen, deleted) and the attributes, validated like an add.
fn parse_edit(mut map: Map<String, Value>) -> Result<ObjectEdit, Value> {
    let raw = map.remove("Attribute");
    let mut input = Input::new(map);
    let mut fields: Fields = Vec::new();
    if let Some(c) = input.str("comment") {
        fields.push(("comment", c.into()));
    }
    if let Some(v) = input.int("template_version") {
        fields.push(("template_version", v.max(0).into()));
    }
    let distribution = super::distribution(&mut input);
    if let Some((d, sg)) = distribution {
        fields.push(("distribution", d.into()));
        fields.push(("sharing_group_id", sg.into()));
    }
    let (first_seen, last_seen) = super::seen_range(&mut input);
    fields.extend(first_seen.map(|f| ("first_seen", f.into())));
    fields.extend(last_seen.map(|l| ("last_seen", l.into())));
    let deleted = input.bool("deleted").unwrap_or(false);
    if let Err(AppError::Invalid { errors, .. }) = input.finish("") {
        return Err(object_error(&errors));
    }
    Ok(ObjectEdit {
        fields,
        sharing_group: distribution.filter(|(d, _)| *d == 4).map(|(_, sg)| sg),
        first_seen,
        last_seen,
        deleted,
        attributes: edited_attributes(raw.as_ref())?,
    })
}

/// An edit's attribute list, each with the keys it carried; empty when none was sent (the
/// attributes are then left alone).
fn edited_attributes(raw: Option<&Value>) -> Result<Vec<(NewAttribute, HashSet<String>)>, Value> {
    let Some(list) = raw.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Ok(Vec::new());
    };
    let parsed = super::parse_attributes(raw)?;
    let keys = list
        .iter()
        .map(|i| i.as_object().map(|m| m.keys().cloned().collect()));
    Ok(parsed
        .into_iter()
        .zip(keys.map(Option::unwrap_or_default))
        .collect())
}

/// The columns of `old` that `new` changes, among the fields its request carried.
fn changes(old: &Attribute, new: &NewAttribute, present: &HashSet<String>, now: i64) -> Fields {
    let has = |k: &str| present.contains(k);
    let mut f: Fields = Vec::new();
    if has("category") && old.category != new.category {
        f.push(("category", new.category.clone().into()));
    }
    if has("value")
        && (old.value1 != new.value1 || old.value2 != new.value2 || old.r#type != new.r#type)
    {
        f.push(("type", new.r#type.clone().into()));
        f.push(("value1", new.value1.clone().into()));
        f.push(("value2", new.value2.clone().into()));
    }
    if has("to_ids") && old.to_ids != new.to_ids {
        f.push(("to_ids", new.to_ids.into()));
    }
    if has("distribution")
        && (old.distribution, old.sharing_group_id) != (new.distribution, new.sharing_group_id)
    {
        f.push(("distribution", new.distribution.into()));
        f.push(("sharing_group_id", new.sharing_group_id.into()));
    }
    if has("comment") && old.comment != new.comment {
        f.push(("comment", new.comment.clone().into()));
    }
    if has("disable_correlation") && old.disable_correlation != new.disable_correlation {
        f.push(("disable_correlation", new.disable_correlation.into()));
    }
    if has("first_seen") && old.first_seen != new.first_seen {
        f.push(("first_seen", new.first_seen.into()));
    }
    if has("last_seen") && old.last_seen != new.last_seen {
        f.push(("last_seen", new.last_seen.into()));
    }
    if has("deleted") && old.deleted != new.deleted {
        f.push(("deleted", new.deleted.into()));
    }
    if !f.is_empty() {
        f.push(("timestamp", now.into()));
    }
    f
}

/// The delta merge of an edit: attributes matched by uuid are updated where they differ, new
/// ones added, and live ones left out of a non-empty list soft-deleted (MISP's `deltaMerge`).
struct Plan {
    updates: Vec<(i64, Fields)>,
    inserts: Vec<NewAttribute>,
    deletes: Vec<i64>,
}

fn plan(existing: &[Attribute], edit: &mut ObjectEdit, only_add: bool, now: i64) -> Plan {
    let by_uuid: HashMap<&str, &Attribute> =
        existing.iter().map(|a| (a.uuid.as_str(), a)).collect();
    let mut out = Plan {
        updates: Vec::new(),
        inserts: Vec::new(),
        deletes: Vec::new(),
    };
    let mut matched = HashSet::new();
    let had_list = !edit.attributes.is_empty();
    for (mut a, present) in std::mem::take(&mut edit.attributes) {
        match by_uuid.get(a.uuid.as_str()) {
            Some(old) => {
                matched.insert(old.id);
                let f = changes(old, &a, &present, now);
                if !only_add && !f.is_empty() {
                    out.updates.push((old.id, f));
                }
            }
            None => {
                a.first_seen = a.first_seen.or(edit.first_seen);
                a.last_seen = a.last_seen.or(edit.last_seen);
                out.inserts.push(a);
            }
        }
    }
    if had_list && !only_add {
        out.deletes = existing
            .iter()
            .filter(|a| !matched.contains(&a.id))
            .map(|a| a.id)
            .collect();
    }
    out
}

/// `POST|PUT /objects/edit/{id|uuid}[/{update_template}/{onlyAddNewAttribute}]`.
pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(params): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let key = params.first().map(String::as_str).unwrap_or_default();
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (object, event) = visible_object(&state, &viewer, key, INVALID_OBJECT).await?;
    if !crate::events::can_modify(&user, &event) {
        return Err(AppError::Forbidden(
            "Insufficient permissions to edit this object.".into(),
        ));
    }
    let mut edit = parse_edit(super::unwrap_object(body.object("Object")?))
        .map_err(|e| invalid(EDIT_TITLE, e))?;
    let sgs = edit.sharing_group.into_iter().chain(
        edit.attributes
            .iter()
            .filter(|(a, _)| a.distribution == 4)
            .map(|(a, _)| a.sharing_group_id),
    );
    for sg in sgs.collect::<Vec<_>>() {
        let member = viewer.site_admin || viewer.sg_ids.contains(&sg);
        if !(member && crate::acl::store::sharing_group_usable(state.db.ex(), sg).await?) {
            let errors = json!({"sharing_group_id": [BAD_SHARING_GROUP]});
            return Err(invalid(EDIT_TITLE, object_error(&errors)));
        }
    }
    let now = wire::now();
    let existing = store::attributes_of(state.db.ex(), object.id, false).await?;
    let plan = plan(&existing, &mut edit, segment_truthy(&params, 2), now);
    check_attribute_uuids(&state, &plan.inserts, EDIT_TITLE).await?;
    let mut tx = state.db.begin().await?;
    let mut fields = std::mem::take(&mut edit.fields);
    fields.push(("timestamp", now.into()));
    store::update_object(tx.ex(), object.id, fields).await?;
    for (id, f) in plan.updates {
        store::update_attribute(tx.ex(), id, f).await?;
    }
    let inserts: Vec<(i64, &NewAttribute)> = plan.inserts.iter().map(|a| (object.id, a)).collect();
    store::insert_attributes(tx.ex(), event.id, &inserts, now, user.role.perm_tag_editor).await?;
    store::soft_delete_attributes(tx.ex(), &plan.deletes, now).await?;
    if edit.deleted {
        store::soft_delete(tx.ex(), object.id, now).await?;
    }
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    if state.config.correlation {
        crate::correlation::index_object(tx.ex(), object.id).await?;
    }
    tx.commit().await?;
    edited(&state, &viewer, &event, object.id).await
}

/// The edit response: `{"Object": {..., "Attribute": [...]}, "Event": {...}}` as MISP's
/// `fetchObjects` result is returned.
async fn edited(state: &AppState, viewer: &Viewer, event: &Event, id: i64) -> AppResult<Response> {
    let object = store::find(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("object vanished"))?;
    let attrs = visible_attributes(state, viewer, &object, event).await?;
    let mut m = head(&object);
    m.insert(
        "Attribute".into(),
        tagged_attributes(state, &attrs).await?.into(),
    );
    Ok(wire::json(
        &json!({ "Object": m, "Event": event_summary(event) }),
    ))
}

/// `POST|DELETE /objects/delete/{id|uuid}[/{hard}]` (capture 053): soft by default, cascading
/// to the attributes; the envelope names the event, as MISP's does.
pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(params): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    if !user.role.perm_modify {
        return Err(AppError::Forbidden(
            "You don't have permissions to delete objects.".into(),
        ));
    }
    let key = params.first().map(String::as_str).unwrap_or_default();
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (object, event) = visible_object(&state, &viewer, key, INVALID_OBJECT).await?;
    if !crate::events::can_modify(&user, &event) {
        return Err(AppError::Forbidden(NOT_YOURS.into()));
    }
    let hard = segment_truthy(&params, 1) || body.object("Object")?.get("hard").is_some_and(truthy);
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if hard {
        store::hard_delete(tx.ex(), object.id).await?;
    } else {
        store::soft_delete(tx.ex(), object.id, now).await?;
        if state.config.correlation {
            crate::correlation::index_object(tx.ex(), object.id).await?;
        }
    }
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    tx.commit().await?;
    Ok(wire::saved(
        "Object deleted",
        &format!("/objects/delete/{}", event.id),
        Some(event.id),
    ))
}

/// The row of a new reference from `object`: its target resolved among the live objects, then
/// attributes, of the same event (`Invalid target.` otherwise, wherever else the uuid lives).
async fn reference_fields(
    state: &AppState,
    mut input: Input,
    object: &Object,
    event_id: i64,
    now: i64,
) -> AppResult<Fields> {
    let target_uuid = input
        .str("referenced_uuid")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let target = match wire::is_uuid(&target_uuid) {
        true => store::live_target(state.db.ex(), event_id, &target_uuid).await?,
        false => None,
    };
    let (target_id, kind) = target.ok_or_else(|| AppError::not_found("Invalid target."))?;
    let relationship_type = input.str("relationship_type").unwrap_or_default();
    let comment = input.str("comment").unwrap_or_default();
    let given = input.str("uuid").filter(|u| wire::is_uuid(u));
    input.finish("Could not add ObjectReference")?;
    // A fresh client uuid is kept (MISP 2.5.1 ignored it, capture 051); a used one is replaced.
    let given = given
        .map(|u| vec![u.to_ascii_lowercase()])
        .unwrap_or_default();
    let taken = store::taken_uuids(state.db.ex(), "object_references", &given).await?;
    let uuid = given
        .into_iter()
        .find(|u| !taken.contains(u))
        .unwrap_or_else(wire::new_uuid);
    Ok(vec![
        ("uuid", uuid.into()),
        ("timestamp", now.into()),
        ("object_id", object.id.into()),
        ("event_id", event_id.into()),
        ("source_uuid", object.uuid.clone().into()),
        ("referenced_uuid", target_uuid.into()),
        ("referenced_id", target_id.into()),
        ("referenced_type", kind.into()),
        ("relationship_type", relationship_type.into()),
        ("comment", comment.into()),
        ("deleted", false.into()),
    ])
}

/// `POST /object_references/add[/{object}]` (capture 051): the source object from the path or
/// `object_uuid`/`object_id`; the target, a live object or attribute of the same event.
pub async fn add_reference(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    path: Option<Path<Vec<String>>>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let mut input = Input::new(body.object("ObjectReference")?);
    let key = path
        .and_then(|Path(p)| p.into_iter().next())
        .or_else(|| input.str("object_uuid"))
        .or_else(|| input.str("object_id"))
        .filter(|k| !k.is_empty())
        .ok_or_else(|| AppError::not_found("No object defined."))?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (object, event) = visible_object(&state, &viewer, &key, INVALID_OBJECT).await?;
    if object.deleted || !crate::events::can_modify(&user, &event) {
        return Err(AppError::not_found(INVALID_OBJECT));
    }
    let now = wire::now();
    let fields = reference_fields(&state, input, &object, event.id, now).await?;
    let mut tx = state.db.begin().await?;
    let id = store::insert_reference(tx.ex(), fields).await?;
    store::update_object(tx.ex(), object.id, vec![("timestamp", now.into())]).await?;
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    tx.commit().await?;
    let reference = store::find_reference(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("reference vanished"))?;
    let mut m = super::reference_row(&reference);
    m.insert("object_uuid".into(), object.uuid.into());
    Ok(wire::json(&json!({ "ObjectReference": m })))
}

/// `POST|DELETE /object_references/delete/{id|uuid}[/true]`: soft by default (`deleted` with a
/// fresh timestamp so it syncs), hard with `/true` or `/1`.
pub async fn delete_reference(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(params): Path<Vec<String>>,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let not_found = || AppError::not_found(INVALID_REFERENCE);
    let key = params.first().map(String::as_str).unwrap_or_default();
    let r = IdRef::parse(key).ok_or_else(not_found)?;
    let reference = store::find_reference(state.db.ex(), &r)
        .await?
        .ok_or_else(not_found)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let source = reference.object_id.to_string();
    let (object, event) = visible_object(&state, &viewer, &source, INVALID_REFERENCE).await?;
    if !crate::events::can_modify(&user, &event) {
        return Err(AppError::Forbidden(INVALID_REFERENCE.into()));
    }
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if segment_truthy(&params, 1) {
        store::delete_reference(tx.ex(), reference.id).await?;
    } else {
        let flag = vec![("deleted", true.into()), ("timestamp", now.into())];
        store::update_reference(tx.ex(), reference.id, flag).await?;
    }
    store::update_object(tx.ex(), object.id, vec![("timestamp", now.into())]).await?;
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    tx.commit().await?;
    Ok(wire::saved(
        "ObjectReference deleted",
        &format!("/object_references/delete/{}", reference.id),
        Some(reference.id),
    ))
}
