//! Sharing group endpoints: `/sharing_groups/add|edit|delete|index|view` and the quick edits
//! `addorg|removeorg|addserver|removeserver`, which take their arguments from the URL
//! (`/addOrg/{sg}/{org}/{extend}`) or from PyMISP's body (`{"sg_id", "org_id", "extend"}`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Details, Full, QuickEdit, positional, store, text};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::wire::{self, Body, IdRef, Input};

const INVALID: &str = "Invalid sharing group.";
const NOT_VISIBLE: &str = "Sharing group doesn't exist or you do not have permission to access it.";
const NOT_ALLOWED: &str = "Action not allowed.";
const NO_EDIT: &str = "Invalid sharing group or no editing rights.";
const ADD_FAIL: &str = "Could not add SharingGroup";
const EDIT_FAIL: &str = "Could not edit SharingGroup";
const NAME_TAKEN: &str = "A sharing group with this name already exists.";

/// Creating and changing groups needs `perm_sharing_group` (site admins always have it).
fn require_perm(user: &CurrentUser) -> AppResult<()> {
    user.require(user.site_admin() || user.role.perm_sharing_group)
}

/// A group the caller may see, by id or uuid; hidden and missing answer the same 404.
async fn visible(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    message: &str,
) -> AppResult<Full> {
    let r = IdRef::parse(key).ok_or_else(|| AppError::not_found(message))?;
    let viewer = crate::acl::viewer(state, user).await?;
    match store::load(state.db.ex(), &r).await? {
        Some(f) if viewer.can_see_sharing_group(f.sg.id, f.sg.org_id) => Ok(f),
        _ => Err(AppError::not_found(message)),
    }
}

pub async fn index(State(state): State<AppState>, user: Arc<CurrentUser>) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let ids = (!viewer.site_admin).then_some(viewer.sg_ids.as_slice());
    let groups = store::list(state.db.ex(), ids).await?;
    let items: Vec<Value> = groups.iter().map(|f| f.index_item(&user)).collect();
    Ok(wire::json(&json!({ "response": items })))
}

pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    method: axum::http::Method,
) -> AppResult<Response> {
    // MISP answers a missing or hidden group with 405 (the same for both); an existence check
    // (HEAD) may only answer 200 or 404.
    let full = visible(&state, &user, &key, NOT_VISIBLE)
        .await
        .map_err(|e| match e {
            AppError::NotFound(m) if method != axum::http::Method::HEAD => {
                AppError::MethodNotAllowed(m)
            }
            other => other,
        })?;
    let mut head = full.sg.head();
    if full.sg.sync_user_id != 0 {
        let sync_org = match crate::users::store::find(state.db.ex(), full.sg.sync_user_id).await? {
            Some(u) => crate::orgs::store::find(state.db.ex(), &IdRef::Id(u.org_id)).await?,
            None => None,
        };
        match sync_org {
            Some(o) => {
                head.insert("sync_org_name".into(), o.name.clone().into());
                let short = json!({"id": o.id.to_string(), "name": o.name, "uuid": o.uuid});
                head.insert("sync_org".into(), short);
            }
            None => {
                head.insert("sync_org_name".into(), "N/A".into());
            }
        }
    }
    let owner = crate::orgs::store::find(state.db.ex(), &IdRef::Id(full.sg.org_id))
        .await?
        .map_or(Value::Null, |o| o.wire(user.site_admin()));
    let (members, servers) = full.view_lists(&state.config.base_url());
    Ok(wire::json(&json!({
        "SharingGroup": head,
        "Organisation": owner,
        "SharingGroupOrg": members,
        "SharingGroupServer": servers,
    })))
}

/// An organisation by id, uuid or name, as MISP's quick edits and member lists accept.
async fn find_org(state: &AppState, key: &str) -> AppResult<Option<i64>> {
    let org = match IdRef::parse(key) {
        Some(r) => crate::orgs::store::find(state.db.ex(), &r).await?,
        None => crate::orgs::store::find_by_name(state.db.ex(), key).await?,
    };
    Ok(org.map(|o| o.id))
}

/// A server reference: `0` or this instance's own URL. Links to remote servers come with sync.
fn find_server(state: &AppState, key: &str) -> Option<i64> {
    let base = state.config.base_url();
    let trim = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
    (key == "0" || trim(key) == trim(&base)).then_some(0)
}

/// Looks up the members and servers a body names; unknown ones become field errors. The last
/// mention of an organisation or server wins.
async fn resolve_lists(
    state: &AppState,
    map: &Map<String, Value>,
    input: &mut Input,
) -> AppResult<(Option<Vec<(i64, bool)>>, Option<Vec<(i64, bool)>>)> {
    let push = |list: &mut Vec<(i64, bool)>, id: i64, flag: bool| {
        list.retain(|(x, _)| *x != id);
        list.push((id, flag));
    };
    let members = match super::member_refs(map, input) {
        None => None,
        Some(refs) => {
            let mut found = Vec::new();
            for (key, extend) in refs {
                let id = match &key {
                    Some(k) => find_org(state, k).await?,
                    None => None,
                };
                match id {
                    Some(id) => push(&mut found, id, extend),
                    None => input.error(
                        "SharingGroupOrg",
                        &format!("Unknown organisation: {}.", key.unwrap_or_default()),
                    ),
                }
            }
            Some(found)
        }
    };
    let servers = super::server_refs(map, input).map(|refs| {
        let mut found = Vec::new();
        for (key, all) in refs {
            match key.as_deref().and_then(|k| find_server(state, k)) {
                Some(id) => push(&mut found, id, all),
                None => input.error("SharingGroupServer", "Invalid Server."),
            }
        }
        found
    });
    Ok((members, servers))
}

/// MISP renames a new group whose name is taken (`name_<n>`) rather than refusing it.
async fn free_name(state: &AppState, name: &str) -> AppResult<String> {
    if !store::name_taken(state.db.ex(), name, 0).await? {
        return Ok(name.to_string());
    }
    // Room for the suffix within the column's 255 characters.
    let base: String = name.chars().take(250).collect();
    for _ in 0..50 {
        let candidate = format!("{base}_{}", rand::random::<u16>() % 10_000);
        if !store::name_taken(state.db.ex(), &candidate, 0).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::invalid(ADD_FAIL, "name", NAME_TAKEN))
}

/// A unique violation while saving means a concurrent request took the name (or a member row).
fn save_error(title: &str, e: sqlx::Error) -> AppError {
    if crate::db::is_unique_violation(&e) {
        AppError::invalid(title, "name", NAME_TAKEN)
    } else {
        e.into()
    }
}

async fn loaded(state: &AppState, id: i64) -> AppResult<Full> {
    store::load(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))
}

pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    body: Body,
) -> AppResult<Response> {
    require_perm(&user)?;
    let map = body.object("SharingGroup")?;
    let mut input = Input::new(map.clone());
    let d = Details::read(&mut input);
    let name = input.required_str("name");
    input.required_str("releasability");
    let uuid = new_uuid(&state, &mut input).await?;
    let (members, servers) = resolve_lists(&state, &map, &mut input).await?;
    input.finish(ADD_FAIL)?;
    let name = free_name(&state, name.as_deref().unwrap_or_default()).await?;
    let roaming = d.roaming.unwrap_or(false);
    let now = wire::now();
    let fields: Fields = vec![
        ("uuid", uuid.into()),
        ("name", name.into()),
        ("releasability", d.releasability.unwrap_or_default().into()),
        ("description", d.description.unwrap_or_default().into()),
        ("organisation_uuid", user.org.uuid.clone().into()),
        ("org_id", user.user.org_id.into()),
        // As MISP: the creating user, which the view shows as `sync_org`.
        ("sync_user_id", user.user.id.into()),
        ("active", d.active.unwrap_or(true).into()),
        ("created", now.into()),
        ("modified", now.into()),
        // Created here: sync may never overwrite it (MISP's REST add stores 0, a known quirk).
        ("local", true.into()),
        ("roaming", roaming.into()),
    ];
    // Without a server list, a non-roaming group is bound to this instance (as MISP does).
    let servers = servers.unwrap_or_else(|| if roaming { vec![] } else { vec![(0, false)] });
    let mut tx = state.db.begin().await?;
    let id = store::insert(tx.ex(), fields)
        .await
        .map_err(|e| save_error(ADD_FAIL, e))?;
    store::save_lists(&mut tx, None, id, &members.unwrap_or_default(), &servers).await?;
    tx.commit().await?;
    Ok(wire::json(&loaded(&state, id).await?.simplified()))
}

/// The uuid of a new group: the one given (valid and unused), or a fresh one.
async fn new_uuid(state: &AppState, input: &mut Input) -> AppResult<String> {
    let Some(u) = input.str("uuid") else {
        return Ok(wire::new_uuid());
    };
    let u = u.to_ascii_lowercase();
    if !wire::is_uuid(&u) {
        input.error("uuid", "Please provide a valid RFC 4122 UUID");
    } else if store::uuid_taken(state.db.ex(), &u).await? {
        input.error("uuid", "A sharing group with this UUID already exists.");
    }
    Ok(u)
}

/// The columns an edit changes (only those that differ). Details belong to the owner: an
/// organisation that may only extend the group gets an error instead of a silent no-op.
async fn changed_fields(
    state: &AppState,
    user: &CurrentUser,
    full: &Full,
    d: Details,
    input: &mut Input,
) -> AppResult<Fields> {
    let sg = &full.sg;
    let mut fields: Fields = Vec::new();
    if let Some(name) = d.name.filter(|n| *n != sg.name) {
        if store::name_taken(state.db.ex(), &name, sg.id).await? {
            input.error("name", NAME_TAKEN);
        }
        fields.push(("name", name.into()));
    }
    let texts = [
        ("releasability", d.releasability, &sg.releasability),
        ("description", d.description, &sg.description),
    ];
    for (col, new, old) in texts {
        if let Some(v) = new.filter(|v| Some(v) != old.as_ref()) {
            fields.push((col, v.into()));
        }
    }
    let flags = [
        ("active", d.active, sg.active),
        ("roaming", d.roaming, sg.roaming),
    ];
    for (col, new, old) in flags {
        if let Some(v) = new.filter(|v| *v != old) {
            fields.push((col, v.into()));
        }
    }
    if !fields.is_empty() && !full.may_delete(user) {
        input.error(
            "SharingGroup",
            "Only the owner organisation or a site admin may change the details of a sharing group.",
        );
    }
    Ok(fields)
}

pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    require_perm(&user)?;
    let full = visible(&state, &user, &key, INVALID).await?;
    if !full.may_extend(&user) {
        return Err(AppError::MethodNotAllowed(NOT_ALLOWED.into()));
    }
    let map = body.object("SharingGroup")?;
    let mut input = Input::new(map.clone());
    let d = Details::read(&mut input);
    let mut fields = changed_fields(&state, &user, &full, d, &mut input).await?;
    let (members, servers) = resolve_lists(&state, &map, &mut input).await?;
    input.finish(EDIT_FAIL)?;
    // Any change, membership included, moves `modified`: sync compares it to take updates.
    fields.push(("modified", wire::now().into()));
    let id = full.sg.id;
    let mut tx = state.db.begin().await?;
    store::update(tx.ex(), id, fields)
        .await
        .map_err(|e| save_error(EDIT_FAIL, e))?;
    let (members, servers) = (members.unwrap_or_default(), servers.unwrap_or_default());
    store::save_lists(&mut tx, Some(&full), id, &members, &servers).await?;
    tx.commit().await?;
    Ok(wire::json(&loaded(&state, id).await?.simplified()))
}

pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    require_perm(&user)?;
    let full = visible(&state, &user, &key, INVALID).await?;
    if !full.may_delete(&user) {
        return Err(AppError::MethodNotAllowed(NOT_ALLOWED.into()));
    }
    let mut tx = state.db.begin().await?;
    if store::references(tx.ex(), full.sg.id).await? > 0 {
        return Err(AppError::Invalid {
            title: "Could not delete SharingGroup".into(),
            errors: "The sharing group could not be deleted.".into(),
        });
    }
    store::delete(tx.ex(), full.sg.id).await?;
    tx.commit().await?;
    // MISP echoes the id as it was given, uuid or number.
    let msg = "SharingGroup deleted";
    Ok(wire::json(&json!({
        "saved": true, "success": true, "name": msg, "message": msg,
        "url": format!("/sharing_groups/delete/{key}"), "id": key,
    })))
}

/// The group of a quick edit, from the URL or the body (`sg_id`, `sg_uuid`, `id`, `uuid`). It
/// must exist, be visible and be editable by the caller; MISP gives the three failures one
/// answer, so nothing is revealed.
async fn quick_group(
    state: &AppState,
    user: &CurrentUser,
    args: &[String],
    body: &Map<String, Value>,
) -> AppResult<Full> {
    let key = args
        .first()
        .cloned()
        .or_else(|| {
            ["sg_id", "sg_uuid", "id", "uuid"]
                .iter()
                .find_map(|k| text(body.get(*k)))
        })
        .ok_or_else(|| AppError::MethodNotAllowed("No valid sharing group ID provided.".into()))?;
    match visible(state, user, &key, NO_EDIT).await {
        Ok(f) if f.may_extend(user) => Ok(f),
        Err(AppError::NotFound(_)) | Ok(_) => Err(AppError::MethodNotAllowed(NO_EDIT.into())),
        Err(e) => Err(e),
    }
}

/// The organisation or server a quick edit names (URL, else `org_id`/`org_uuid`/`org_name` or
/// `server_id`/`server_url`/`server_baseurl`/`server_name`), and its flag: the URL's third
/// argument, overridden by the body's `extend` (`all`, `all_orgs`), as MISP reads them.
async fn quick_object(
    state: &AppState,
    q: QuickEdit,
    args: &[String],
    body: &Map<String, Value>,
) -> AppResult<(i64, bool)> {
    let (keys, flags): (&[&str], &[&str]) = if q.org {
        (&["org_id", "org_uuid", "org_name"], &["extend"])
    } else {
        (
            &["server_id", "server_url", "server_baseurl", "server_name"],
            &["all", "all_orgs"],
        )
    };
    let mut flag = args
        .get(2)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true"));
    let mut input = Input::new(body.clone());
    for k in flags {
        flag = input.bool(k).unwrap_or(flag);
    }
    input.finish(EDIT_FAIL)?;
    let object = args
        .get(1)
        .cloned()
        .or_else(|| keys.iter().find_map(|k| text(body.get(*k))));
    let found = match object {
        Some(k) if q.org => find_org(state, &k).await?,
        Some(k) => find_server(state, &k),
        None => None,
    };
    let invalid = if q.org {
        "Invalid organisation."
    } else {
        "Invalid Server."
    };
    let id = found.ok_or_else(|| AppError::MethodNotAllowed(invalid.into()))?;
    Ok((id, flag))
}

/// `addOrg`, `removeOrg`, `addServer`, `removeServer`: one membership change, with the group's
/// `modified` stamped in the same transaction.
async fn quick_edit(
    state: AppState,
    user: &CurrentUser,
    args: Vec<String>,
    body: Body,
    q: QuickEdit,
) -> AppResult<Response> {
    require_perm(user)?;
    let args = positional(args);
    let body = body.object("SharingGroup")?;
    let full = quick_group(&state, user, &args, &body).await?;
    let (id, flag) = quick_object(&state, q, &args, &body).await?;
    let present = if q.org {
        full.member(id).is_some()
    } else {
        full.server(id).is_some()
    };
    if present == q.add {
        return Err(q.refusal());
    }
    let sg = full.sg.id;
    let mut tx = state.db.begin().await?;
    let changed = match (q.org, q.add) {
        (true, true) => store::add_org(tx.ex(), sg, id, flag).await,
        (true, false) => store::remove_org(tx.ex(), sg, id).await,
        (false, true) => store::add_server(tx.ex(), sg, id, flag).await,
        (false, false) => store::remove_server(tx.ex(), sg, id).await,
    };
    match changed {
        // A concurrent request made the same change first.
        Err(e) if crate::db::is_unique_violation(&e) => return Err(q.refusal()),
        Ok(0) => return Err(q.refusal()),
        other => drop(other?),
    }
    store::update(tx.ex(), sg, vec![("modified", wire::now().into())]).await?;
    tx.commit().await?;
    Ok(q.done())
}

pub async fn add_org(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(args): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    quick_edit(state, &user, args, body, QuickEdit::ADD_ORG).await
}

pub async fn remove_org(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(args): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    quick_edit(state, &user, args, body, QuickEdit::REMOVE_ORG).await
}

pub async fn add_server(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(args): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    quick_edit(state, &user, args, body, QuickEdit::ADD_SERVER).await
}

pub async fn remove_server(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(args): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    quick_edit(state, &user, args, body, QuickEdit::REMOVE_SERVER).await
}
