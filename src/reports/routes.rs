//! Event report endpoints: `/event_reports/add|view|edit|index|delete|restore` (clients also use
//! the camelCase `/eventReports/...`, rewritten by `wire::url`). Messages and envelopes follow
//! MISP's EventReportsController (captures 055-061).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::store::{self, Context, IndexFilter};
use super::{EventReport, NewReport, ReportInContext};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult, NOT_YOURS};
use crate::wire::{self, Body, IdRef, MispUrl};

const INVALID: &str = "Invalid report";
const BAD_SHARING_GROUP: &str = "Invalid Sharing Group or not authorised.";

/// MISP's refusal for a report that failed validation: 403 `Could not <action> EventReport`
/// with the messages joined into one string, as the controller does.
fn refuse(action: &str, errors: &Value) -> AppError {
    AppError::Invalid {
        title: format!("Could not {action} EventReport"),
        errors: super::error_text(errors).into(),
    }
}

/// The report fields of a body: `{"EventReport": {...}}` (beside anything else, such as an
/// echoed `Event` block) or bare, as PyMISP sends it.
fn report_object(body: Body) -> AppResult<Map<String, Value>> {
    match body.0 {
        Value::Object(mut map) if map.get("EventReport").is_some_and(Value::is_object) => {
            match map.remove("EventReport") {
                Some(Value::Object(inner)) => Ok(inner),
                _ => Ok(Map::new()),
            }
        }
        other => Body(other).object("EventReport"),
    }
}

/// A report the caller may see, by id or uuid; missing and hidden both answer
/// `404 Invalid report`. `sees_deleted` lets editors reach soft-deleted reports.
async fn visible_report(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    sees_deleted: bool,
) -> AppResult<ReportInContext> {
    let r = IdRef::parse(key).ok_or_else(|| AppError::not_found(INVALID))?;
    match store::find(state.db.ex(), &r).await? {
        Some(ctx) if ctx.visible_to(viewer, sees_deleted) => Ok(ctx),
        _ => Err(AppError::not_found(INVALID)),
    }
}

/// A report the caller may change (spec/model.md 6.1): `perm_add`, visible, and a site admin
/// or a user of the event's creator organisation. Visible but not theirs is 403.
async fn editable_report(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
) -> AppResult<(Viewer, ReportInContext)> {
    user.require(user.role.perm_add)?;
    let viewer = crate::acl::viewer(state, user).await?;
    let r = IdRef::parse(key).ok_or_else(|| AppError::not_found(INVALID))?;
    let ctx = store::find(state.db.ex(), &r)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    let editor = user.site_admin() || ctx.e_orgc_id == user.user.org_id;
    if !ctx.visible_to(&viewer, user.role.perm_sync || editor) {
        return Err(AppError::not_found(INVALID));
    }
    if !editor {
        return Err(AppError::Forbidden(NOT_YOURS.into()));
    }
    Ok((viewer, ctx))
}

/// Distribution 4 needs an active sharing group the author belongs to (site admins: any).
async fn check_sharing_group(
    state: &AppState,
    viewer: &Viewer,
    r: &NewReport,
    action: &str,
) -> AppResult<()> {
    if r.distribution != 4 {
        return Ok(());
    }
    let member = viewer.site_admin || viewer.sg_ids.contains(&r.sharing_group_id);
    if member && crate::acl::store::sharing_group_usable(state.db.ex(), r.sharing_group_id).await? {
        return Ok(());
    }
    Err(AppError::Invalid {
        title: format!("Could not {action} EventReport"),
        errors: BAD_SHARING_GROUP.into(),
    })
}

/// The stored report with its context, after a write.
async fn reload(state: &AppState, id: i64) -> AppResult<ReportInContext> {
    store::find(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("event report {id} vanished")))
}

/// MISP's success envelope for delete and restore: `id` and `url` carry the reference exactly
/// as the client gave it (PyMISP passes the uuid and checks it in the message).
fn done(message: String, action: &str, key: &str) -> Response {
    wire::json(&json!({
        "saved": true, "success": true, "name": message, "message": message,
        "url": format!("/event_reports/{action}/{key}"), "id": key,
    }))
}

/// `POST /event_reports/add` without an event.
pub async fn add_without_event(_user: Arc<CurrentUser>) -> AppError {
    AppError::MethodNotAllowed("No event ID set.".into())
}

pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(event_key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let event =
        crate::events::routes::visible_event(&state, &viewer, &event_key, "Invalid event").await?;
    if !crate::events::can_modify(&user, &event) {
        return Err(AppError::Forbidden(NOT_YOURS.into()));
    }
    let new = super::parse(report_object(body)?).map_err(|e| refuse("add", &e))?;
    check_sharing_group(&state, &viewer, &new, "add").await?;
    let taken = || refuse("add", &json!({"uuid": [super::UUID_TAKEN]}));
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if !store::existing_uuids(tx.ex(), std::slice::from_ref(&new.uuid))
        .await?
        .is_empty()
    {
        return Err(taken());
    }
    let id = match store::insert(tx.ex(), event.id, &new, now).await {
        Err(e) if crate::db::is_unique_violation(&e) => return Err(taken()),
        other => other?,
    };
    crate::events::store::touch(tx.ex(), event.id, now).await?;
    tx.commit().await?;
    Ok(wire::json(&reload(&state, id).await?.wire(false)))
}

pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let ctx = visible_report(&state, &viewer, &key, user.role.perm_sync).await?;
    Ok(wire::json(&ctx.wire(true)))
}

/// The stored report with the fields MISP lets an edit change (`name`, `content`,
/// `distribution`, `sharing_group_id`) overlaid when present and not null; the uuid, event,
/// deleted flag and id always come from the stored row, whatever the body says.
fn merged(stored: &EventReport, body: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("uuid".into(), stored.uuid.clone().into());
    m.insert("name".into(), stored.name.clone().into());
    m.insert(
        "content".into(),
        stored.content.clone().unwrap_or_default().into(),
    );
    m.insert("distribution".into(), stored.distribution.into());
    m.insert("sharing_group_id".into(), stored.sharing_group_id.into());
    for key in ["name", "content", "distribution", "sharing_group_id"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            m.insert(key.into(), v.clone());
        }
    }
    m
}

pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    let (viewer, ctx) = editable_report(&state, &user, &key).await?;
    let stored = &ctx.report;
    let new =
        super::parse(merged(stored, &report_object(body)?)).map_err(|e| refuse("edit", &e))?;
    if (new.distribution, new.sharing_group_id) != (stored.distribution, stored.sharing_group_id) {
        check_sharing_group(&state, &viewer, &new, "edit").await?;
    }
    let now = wire::now();
    let fields: Fields = vec![
        ("name", new.name.into()),
        ("content", new.content.into()),
        ("distribution", new.distribution.into()),
        ("sharing_group_id", new.sharing_group_id.into()),
        ("timestamp", now.into()),
    ];
    let mut tx = state.db.begin().await?;
    store::update(tx.ex(), stored.id, fields).await?;
    crate::events::store::touch(tx.ex(), stored.event_id, now).await?;
    tx.commit().await?;
    Ok(wire::json(&reload(&state, stored.id).await?.wire(false)))
}

/// Index filters from named parameters, the query string and a POSTed body, as MISP's
/// IndexFilter harvests them.
fn read_filter(
    url: &MispUrl,
    query: HashMap<String, String>,
    body: Body,
    user: &CurrentUser,
) -> AppResult<IndexFilter> {
    let mut params: Map<String, Value> = query
        .into_iter()
        .chain(url.named.clone())
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    params.extend(body.object("EventReport")?);
    let text = |k: &str| match params.get(k) {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let context = match text("context").as_deref().map(str::to_ascii_lowercase) {
        Some(c) if c == "deleted" => Context::Deleted,
        Some(c) if c == "all" => Context::All,
        _ => Context::Live,
    };
    Ok(IndexFilter {
        event: text("event_id")
            .filter(|s| !s.is_empty())
            .map(|s| IdRef::parse(&s)),
        value: text("value"),
        context,
        sees_all_deleted: user.site_admin() || user.role.perm_sync,
    })
}

pub async fn index(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let filter = read_filter(&url, query, body, &user)?;
    let reports = store::index(state.db.ex(), &viewer, &filter).await?;
    let list: Vec<Value> = reports.iter().map(|r| r.wire(true)).collect();
    Ok(wire::json(&list))
}

/// PHP truthiness of a `hard` flag (`!empty(...)`): anything but 0, "0", "", false or null.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty() && s != "0",
        _ => true,
    }
}

/// Soft delete (`deleted = 1`, hidden from everyone but editors and the owner org) or hard
/// delete (the row goes). The report timestamp moves on a soft delete so that sync carries
/// the deletion (a receiver only applies newer elements); MISP leaves it unchanged.
async fn delete_report(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    hard: bool,
) -> AppResult<Response> {
    let (_, ctx) = editable_report(state, user, key).await?;
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    if hard {
        store::delete(tx.ex(), ctx.report.id).await?;
    } else {
        let fields: Fields = vec![("deleted", true.into()), ("timestamp", now.into())];
        store::update(tx.ex(), ctx.report.id, fields).await?;
    }
    crate::events::store::touch(tx.ex(), ctx.report.event_id, now).await?;
    tx.commit().await?;
    let how = if hard { "hard" } else { "soft" };
    Ok(done(
        format!("Event Report {key} {how} deleted"),
        "delete",
        key,
    ))
}

/// `/event_reports/delete/{id}`, hard when the body says `{"hard": 1}` (PyMISP).
pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    let hard = body.0.get("hard").is_some_and(truthy);
    delete_report(&state, &user, &key, hard).await
}

/// `/event_reports/delete/{id}/{hard}`: MISP's positional form (`/1` = hard).
pub async fn delete_with_flag(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path((key, flag)): Path<(String, String)>,
    body: Body,
) -> AppResult<Response> {
    let hard = !matches!(flag.as_str(), "0" | "false") || body.0.get("hard").is_some_and(truthy);
    delete_report(&state, &user, &key, hard).await
}

pub async fn restore(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let (_, ctx) = editable_report(&state, &user, &key).await?;
    let now = wire::now();
    let mut tx = state.db.begin().await?;
    let fields: Fields = vec![("deleted", false.into()), ("timestamp", now.into())];
    store::update(tx.ex(), ctx.report.id, fields).await?;
    crate::events::store::touch(tx.ex(), ctx.report.event_id, now).await?;
    tx.commit().await?;
    Ok(done(
        format!("Event Report {key} restored"),
        "restore",
        &key,
    ))
}
