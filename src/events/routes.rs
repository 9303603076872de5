//! Event endpoints: `/events/add|view|index|delete|publish|unpublish` (MISP's REST forms map
//! here too, see `wire::url`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::store::{self, IndexFilter, Term};
use super::view::ViewOptions;
use super::{Event, IndexRow};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::attributes::NewAttribute;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::wire::{self, Body, IdRef, Input, MispUrl};

const INVALID: &str = "Invalid event";

/// Validated event-level fields of an add.
pub(super) struct NewEvent {
    pub(super) uuid: String,
    pub(super) info: String,
    pub(super) date: String,
    pub(super) threat_level_id: i64,
    pub(super) analysis: i64,
    pub(super) distribution: i64,
    pub(super) sharing_group_id: i64,
    pub(super) published: bool,
    pub(super) timestamp: Option<i64>,
    pub(super) disable_correlation: bool,
    pub(super) extends_uuid: String,
    /// `null` (never set), or whether sync updates must be signed (spec/model.md 4.5).
    pub(super) protected: Option<bool>,
}

fn parse_analysis(input: &mut Input) -> Option<i64> {
    let raw = input.str("analysis")?;
    let v = match raw.to_lowercase().as_str() {
        "initial" => Some(0),
        "ongoing" => Some(1),
        "completed" => Some(2),
        other => other.parse().ok().filter(|v| (0..=2).contains(v)),
    };
    if v.is_none() {
        input.error(
            "analysis",
            "Options : 0, 1, 2 (for Initial, Ongoing, Completed)",
        );
    }
    v
}

/// Event fields with MISP's rules and messages; errors come back as `{"Event": {...}}`.
pub(super) fn parse_event(map: &Map<String, Value>) -> Result<NewEvent, Value> {
    let mut input = Input::new(map.clone());
    let info = input.str("info").unwrap_or_default();
    if info.is_empty() {
        input.error("info", "valueNotEmpty");
    }
    let date = match input.str("date") {
        None => chrono::Utc::now().format("%Y-%m-%d").to_string(),
        Some(d) => match chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(&d), "%Y-%m-%d") {
            Ok(d) => d.format("%Y-%m-%d").to_string(),
            Err(_) => {
                input.error("date", "Expected date format: YYYY-MM-DD");
                String::new()
            }
        },
    };
    let threat_level_id = input.int("threat_level_id").unwrap_or(4);
    if !(1..=4).contains(&threat_level_id) {
        input.error(
            "threat_level_id",
            "Options : 1, 2, 3, 4 (for High, Medium, Low, Undefined)",
        );
    }
    let analysis = parse_analysis(&mut input).unwrap_or(0);
    let distribution = input.int("distribution").unwrap_or(1);
    if !(0..=4).contains(&distribution) {
        input.error("distribution", "Options : 0, 1, 2, 3, 4 (for Your organisation only, This community only, Connected communities, All communities, Sharing group)");
    }
    let sharing_group_id = if distribution == 4 {
        input.int("sharing_group_id").unwrap_or(0)
    } else {
        0
    };
    let uuid = match input.str("uuid") {
        Some(u) if wire::is_uuid(&u) => u.to_ascii_lowercase(),
        Some(_) => {
            input.error("uuid", "Please provide a valid RFC 4122 UUID");
            String::new()
        }
        None => wire::new_uuid(),
    };
    let published = input.bool("published").unwrap_or(false);
    let timestamp = input.int("timestamp").filter(|t| *t > 0);
    let disable_correlation = input.bool("disable_correlation").unwrap_or(false);
    let extends_uuid = input.str("extends_uuid").unwrap_or_default();
    let protected = input.bool("protected");
    if !extends_uuid.is_empty() && !wire::is_uuid(&extends_uuid) {
        input.error("extends_uuid", "Please provide a valid RFC 4122 UUID");
    }
    match input.finish("") {
        Err(AppError::Invalid { errors, .. }) => Err(json!({ "Event": errors })),
        _ => Ok(NewEvent {
            uuid,
            info,
            date,
            threat_level_id,
            analysis,
            distribution,
            sharing_group_id,
            published,
            timestamp,
            disable_correlation,
            extends_uuid: extends_uuid.to_ascii_lowercase(),
            protected,
        }),
    }
}

/// The body of an add: bare, `{"Event": ...}`, or a re-imported `{"response": [...]}`.
pub(super) fn event_object(body: Body) -> AppResult<Map<String, Value>> {
    let mut v = body.0;
    if let Some(resp) = v.get_mut("response").map(Value::take) {
        v = match resp {
            Value::Array(mut list) if !list.is_empty() => list.swap_remove(0),
            other => other,
        };
    }
    Body(v).object("Event")
}

/// The elements nested in an event add, validated. Invalid ones are skipped (MISP creates the
/// event with the rest); so are uuids already taken and sharing groups the user may not use.
struct Children {
    attributes: Vec<NewAttribute>,
    objects: Vec<crate::objects::NewObject>,
    reports: Vec<crate::reports::NewReport>,
}

async fn children(
    state: &AppState,
    viewer: &Viewer,
    map: &Map<String, Value>,
) -> AppResult<Children> {
    let list = |key: &str| {
        map.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_object().cloned())
    };
    let sg_ok = |dist: i64, sg: i64| dist != 4 || viewer.site_admin || viewer.sg_ids.contains(&sg);
    let mut skipped = 0usize;
    let mut attributes: Vec<NewAttribute> = Vec::new();
    for item in list("Attribute") {
        match crate::attributes::parse(item) {
            Ok(a) if sg_ok(a.distribution, a.sharing_group_id) => attributes.push(a),
            _ => skipped += 1,
        }
    }
    let mut seen = std::collections::HashSet::new();
    attributes.retain(|a| seen.insert(a.uuid.clone()));
    let uuids: Vec<String> = attributes.iter().map(|a| a.uuid.clone()).collect();
    let taken = crate::attributes::store::existing_uuids(state.db.ex(), &uuids).await?;
    attributes.retain(|a| !taken.contains(&a.uuid));
    let mut objects = Vec::new();
    for item in list("Object") {
        match crate::objects::parse(item) {
            Ok(o) if o.sharing_group_ids().iter().all(|sg| sg_ok(4, *sg)) => objects.push(o),
            _ => skipped += 1,
        }
    }
    let mut reports = Vec::new();
    for item in list("EventReport") {
        match crate::reports::parse(item) {
            Ok(r) if sg_ok(r.distribution, r.sharing_group_id) => reports.push(r),
            _ => skipped += 1,
        }
    }
    let uuids: Vec<String> = reports.iter().map(|r| r.uuid.clone()).collect();
    let taken = crate::reports::store::existing_uuids(state.db.ex(), &uuids).await?;
    reports.retain(|r| !taken.contains(&r.uuid));
    if skipped > 0 {
        tracing::info!(
            skipped,
            "elements of the new event failed validation and were skipped"
        );
    }
    Ok(Children {
        attributes,
        objects,
        reports,
    })
}

pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.role.perm_add)?;
    let map = event_object(body)?;
    let title = "Could not add Event";
    let new = parse_event(&map).map_err(|errors| AppError::Invalid {
        title: title.into(),
        errors,
    })?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let sg_ok = viewer.site_admin || viewer.sg_ids.contains(&new.sharing_group_id);
    if new.distribution == 4
        && !(sg_ok
            && crate::acl::store::sharing_group_usable(state.db.ex(), new.sharing_group_id).await?)
    {
        return Err(AppError::MethodNotAllowed(
            "Invalid Sharing Group or not authorised.".into(),
        ));
    }
    if let Some(existing) = store::find(state.db.ex(), &IdRef::Uuid(new.uuid.clone())).await? {
        let location = format!("{}/events/{}", state.config.base_url(), existing.id);
        let mut resp = AppError::NotFound(
            "Event already exists, if you would like to edit it, use the url in the location header.".into(),
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    if store::is_blocked(state.db.ex(), &new.uuid).await? {
        return Err(AppError::Forbidden(
            "Event blocked by event blocklist.".into(),
        ));
    }
    let Children {
        attributes,
        objects,
        reports,
    } = children(&state, &viewer, &map).await?;
    let publish = new.published && user.role.perm_publish;
    if publish && attributes.is_empty() && objects.is_empty() && reports.is_empty() {
        return Err(AppError::Invalid {
            title: title.into(),
            errors: json!({"Event": "Received a published event that was empty. Event add process blocked."}),
        });
    }
    let event_tags = crate::tags::parse_tag_list(map.get("Tag"));
    let now = wire::now();
    let fields: Fields = vec![
        ("uuid", new.uuid.clone().into()),
        ("org_id", user.user.org_id.into()),
        ("orgc_id", user.user.org_id.into()),
        ("user_id", user.user.id.into()),
        ("date", new.date.into()),
        ("info", new.info.into()),
        ("threat_level_id", new.threat_level_id.into()),
        ("analysis", new.analysis.into()),
        ("distribution", new.distribution.into()),
        ("sharing_group_id", new.sharing_group_id.into()),
        ("published", publish.into()),
        ("timestamp", new.timestamp.unwrap_or(now).into()),
        ("publish_timestamp", if publish { now } else { 0 }.into()),
        (
            "attribute_count",
            (attributes.iter().filter(|a| !a.deleted).count() as i64).into(),
        ),
        ("disable_correlation", new.disable_correlation.into()),
        ("extends_uuid", new.extends_uuid.into()),
        ("protected", new.protected.into()),
    ];
    let mut tx = state.db.begin().await?;
    let event_id = store::insert(tx.ex(), fields).await?;
    // Ids are only needed to link attribute tags; a big untagged event skips that lookup.
    let ids = if attributes.iter().any(|a| !a.tags.is_empty()) {
        crate::attributes::store::insert_many(tx.ex(), event_id, 0, &attributes, now).await?
    } else {
        crate::attributes::store::insert_rows(tx.ex(), event_id, 0, &attributes, now).await?;
        HashMap::new()
    };
    crate::reports::store::insert_many(tx.ex(), event_id, &reports, now).await?;
    if !objects.is_empty() {
        crate::objects::store::insert_objects_as(
            tx.ex(),
            event_id,
            &objects,
            now,
            user.role.perm_tag_editor,
        )
        .await?;
        let count = crate::attributes::store::count_live(tx.ex(), event_id).await?;
        store::update(tx.ex(), event_id, vec![("attribute_count", count.into())]).await?;
    }
    let mut requests = event_tags.clone();
    requests.extend(attributes.iter().flat_map(|a| a.tags.iter().cloned()));
    if !requests.is_empty() {
        let tags = crate::tags::store::resolve_for(tx.ex(), &requests, &user).await?;
        let links: Vec<(i64, bool, Option<String>)> = event_tags
            .iter()
            .filter(|r| !r.deleted)
            .filter_map(|r| {
                tags.get(&r.name.to_lowercase())
                    .map(|t| (t.id, r.local, r.relationship_type.clone()))
            })
            .collect();
        crate::tags::store::attach_to_event(tx.ex(), event_id, &links).await?;
        let mut attr_links = Vec::new();
        for a in &attributes {
            let Some(aid) = ids.get(&a.uuid) else {
                continue;
            };
            let mut done = std::collections::HashSet::new();
            for r in a.tags.iter().filter(|r| !r.deleted) {
                if let Some(t) = tags.get(&r.name.to_lowercase())
                    && done.insert(t.id)
                {
                    attr_links.push((*aid, event_id, t.id, r.local));
                }
            }
        }
        crate::tags::store::attach_to_attributes(tx.ex(), &attr_links).await?;
    }
    let posted = attributes
        .iter()
        .chain(objects.iter().flat_map(|o| &o.attributes));
    if state.config.correlation {
        crate::correlation::index_fresh_event(tx.ex(), event_id, posted).await?;
    }
    tx.commit().await?;
    let event = store::find(state.db.ex(), &IdRef::Id(event_id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("event vanished"))?;
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

/// An event the viewer may see, by id or uuid; anything else is `404 Invalid event`.
pub async fn visible_event(
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    message: &str,
) -> AppResult<Event> {
    let r = IdRef::parse(key).ok_or_else(|| AppError::not_found(message))?;
    match store::find(state.db.ex(), &r).await? {
        Some(e) if viewer.can_see_event(&e.acl()) => Ok(e),
        _ => Err(AppError::not_found(message)),
    }
}

pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let event = visible_event(&state, &viewer, &key, INVALID).await?;
    // Options come as named parameters or, from PyMISP, in a POST body.
    let options = body.object("Event").unwrap_or_default();
    let flag = |k: &str| {
        url.named(k)
            .map(|v| v == "1" || v.eq_ignore_ascii_case("true"))
            .or_else(|| {
                options.get(k).map(|v| {
                    v.as_bool()
                        .unwrap_or_else(|| v.as_i64() == Some(1) || v.as_str() == Some("1"))
                })
            })
            .unwrap_or(false)
    };
    let corr =
        crate::correlation::routes::for_view(&state, &viewer, event.id, &url, &options).await?;
    let opts = ViewOptions {
        metadata: flag("metadata"),
        include_deleted: flag("deleted"),
        related: corr.related.as_ref(),
        granular: corr.granular,
        ..Default::default()
    };
    super::view::respond(state, &user, viewer, event, opts).await
}

/// Splits MISP's list filters: a JSON list, or a string with `|` between terms; `!` negates.
fn terms(v: &Value) -> Vec<Term> {
    let raw: Vec<String> = match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) => s.split('|').map(String::from).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    };
    raw.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('!') {
            Some(rest) => Term {
                negated: true,
                value: rest.to_string(),
            },
            None => Term {
                negated: false,
                value: s,
            },
        })
        .collect()
}

fn int_terms(v: &Value) -> Vec<(bool, i64)> {
    terms(v)
        .into_iter()
        .filter_map(|t| t.value.parse().ok().map(|n| (t.negated, n)))
        .collect()
}

/// Index filters from the body and named parameters, with or without MISP's `search` prefix.
async fn read_filter(
    state: &AppState,
    url: &MispUrl,
    body: Body,
) -> AppResult<(IndexFilter, bool)> {
    let mut params: Map<String, Value> = url
        .named
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    params.extend(body.object("Event")?);
    let get = |k: &str| {
        params
            .get(k)
            .or_else(|| params.get(&format!("search{k}")))
            .filter(|v| !v.is_null())
    };
    let mut f = IndexFilter {
        page: 1,
        ..Default::default()
    };
    let flag = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().and_then(|n| match n {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }),
        Value::String(s) => match s.to_lowercase().as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    };
    f.published = get("published").and_then(flag);
    if let Some(v) = get("eventinfo").or_else(|| get("info")) {
        f.info = terms(v);
    }
    if let Some(v) = get("eventid") {
        f.ids = terms(v);
    }
    if let Some(v) = get("tags").or_else(|| get("tag")) {
        f.tags = terms(v);
    }
    if let Some(v) = get("threatlevel") {
        f.threat_levels = int_terms(v);
    }
    if let Some(v) = get("analysis") {
        f.analysis = int_terms(v);
    }
    if let Some(v) = get("distribution") {
        f.distribution = int_terms(v);
    }
    if let Some(v) = get("sharinggroup") {
        f.sharing_groups = int_terms(v);
    }
    if let Some(v) = get("value") {
        f.values = terms(v);
    }
    if let Some(v) = get("attribute") {
        f.attribute = terms(v);
    }
    f.all = get("all").and_then(Value::as_str).map(str::to_string);
    f.email = get("email").and_then(Value::as_str).map(str::to_string);
    if let Some(v) = get("org") {
        for t in terms(v) {
            let org = match IdRef::parse(&t.value) {
                Some(r) => crate::orgs::store::find(state.db.ex(), &r).await?,
                None => crate::orgs::store::find_by_name(state.db.ex(), &t.value).await?,
            };
            // An unknown organisation matches nothing (or excludes nothing).
            f.org_ids.push((t.negated, org.map_or(-1, |o| o.id)));
        }
    }
    let date = |v: &Value| {
        v.as_str()
            .and_then(|s| {
                chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
            })
            .map(|d| d.to_string())
    };
    f.date_from = get("datefrom").and_then(date);
    f.date_until = get("dateuntil").and_then(date);
    f.timestamp = get("timestamp").map(crate::wire::time_range);
    f.publish_timestamp = get("publish_timestamp")
        .or_else(|| get("publishtimestamp"))
        .map(crate::wire::time_range);
    f.sort = get("sort")
        .and_then(Value::as_str)
        .and_then(|s| SORTABLE.iter().find(|c| c.eq_ignore_ascii_case(s)).copied());
    f.descending = get("direction")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("desc"));
    let num = |v: &Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    f.limit = get("limit").and_then(num).filter(|l| *l > 0);
    f.page = get("page").and_then(num).filter(|p| *p > 0).unwrap_or(1);
    let minimal = get("minimal").and_then(flag).unwrap_or(false);
    Ok((f, minimal))
}

/// Columns `sort` may name: a whitelist, never request text in SQL.
const SORTABLE: &[&str] = &[
    "id",
    "date",
    "info",
    "uuid",
    "published",
    "analysis",
    "attribute_count",
    "org_id",
    "orgc_id",
    "timestamp",
    "distribution",
    "threat_level_id",
    "publish_timestamp",
];

pub async fn index(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let (filter, minimal) = read_filter(&state, &url, body).await?;
    let (events, total) = store::index(state.db.ex(), &viewer, &filter).await?;
    let mut org_ids: Vec<i64> = events.iter().flat_map(|e| [e.org_id, e.orgc_id]).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let orgs: HashMap<i64, crate::orgs::Organisation> =
        store::org_summaries(state.db.ex(), &org_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
    let summary = |id: i64| {
        orgs.get(&id).map_or(
            Value::Null,
            |o| json!({"id": o.id.to_string(), "name": o.name, "uuid": o.uuid}),
        )
    };
    // One query for the tags of the whole page, not one per event.
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let tags_by_event = if minimal {
        HashMap::new()
    } else {
        crate::tags::store::of_events(state.db.ex(), &ids).await?
    };
    let mut rows = Vec::with_capacity(events.len());
    for e in &events {
        if minimal {
            rows.push(json!({
                "id": e.id.to_string(), "timestamp": e.timestamp.to_string(),
                "sighting_timestamp": e.sighting_timestamp.to_string(), "published": e.published,
                "uuid": e.uuid, "orgc_uuid": orgs.get(&e.orgc_id).map(|o| o.uuid.clone()),
            }));
            continue;
        }
        let event_tags: Vec<Value> = tags_by_event
            .get(&e.id)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|t| json!({
                "id": t.link_id.to_string(), "event_id": e.id.to_string(), "tag_id": t.tag.id.to_string(),
                "local": t.local, "relationship_type": t.relationship_type,
                "Tag": {"id": t.tag.id.to_string(), "name": t.tag.name, "colour": t.tag.colour, "is_galaxy": t.tag.is_galaxy},
            }))
            .collect();
        let row = IndexRow {
            event: e,
            org: summary(e.org_id),
            orgc: summary(e.orgc_id),
            event_tags: event_tags.into(),
        };
        rows.push(serde_json::to_value(row).map_err(|e| AppError::Internal(e.into()))?);
    }
    let mut resp = wire::json(&rows);
    resp.headers_mut()
        .insert("X-Result-Count", HeaderValue::from(total));
    Ok(resp)
}

/// An event the user may see and change; visible but not theirs is 403, invisible is 404.
async fn modifiable_event(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    message: &str,
) -> AppResult<(Viewer, Event)> {
    let viewer = crate::acl::viewer(state, user).await?;
    let event = visible_event(state, &viewer, key, message).await?;
    Ok((viewer, event))
}

pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let not_deleted = || AppError::Invalid {
        title: "Could not delete Event".into(),
        errors: "Event was not deleted.".into(),
    };
    user.require(user.role.perm_add)?;
    let (_, event) = modifiable_event(&state, &user, &key, INVALID)
        .await
        .map_err(|_| not_deleted())?;
    if !super::can_modify(&user, &event) {
        return Err(not_deleted());
    }
    let orgc = crate::orgs::store::find(state.db.ex(), &IdRef::Id(event.orgc_id))
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut tx = state.db.begin().await?;
    store::delete(tx.ex(), event.id).await?;
    store::block(tx.ex(), &event, &orgc, wire::now()).await?;
    tx.commit().await?;
    Ok(wire::saved(
        "Event deleted.",
        &format!("/events/delete/{key}"),
        Some(event.id),
    ))
}

async fn set_published(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    publish: bool,
) -> AppResult<Event> {
    let (_, event) = modifiable_event(state, user, key, "Invalid event.").await?;
    let allowed = if publish {
        user.site_admin() || (user.role.perm_publish && event.orgc_id == user.user.org_id)
    } else {
        super::can_modify(user, &event)
    };
    user.require(allowed)?;
    let mut fields: Fields = vec![("published", publish.into())];
    if publish {
        fields.push(("publish_timestamp", wire::now().into()));
    }
    store::update(state.db.ex(), event.id, fields).await?;
    Ok(event)
}

pub async fn publish(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    user.require(user.role.perm_publish)?;
    let event = set_published(&state, &user, &key, true).await?;
    Ok(wire::saved(
        "Event published without alerts",
        &format!("/events/publish/{}", event.id),
        Some(event.id),
    ))
}

pub async fn unpublish(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    user.require(user.role.perm_modify)?;
    let event = set_published(&state, &user, &key, false).await?;
    Ok(wire::saved(
        "Event unpublished.",
        &format!("/events/unpublish/{}", event.id),
        Some(event.id),
    ))
}
