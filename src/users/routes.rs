//! User endpoints: `/users/view/{id|me}` for oneself, `/admin/users/add|edit|delete|index|view`
//! for site admins (every user) and org admins (their own organisation's users, never a site
//! admin, never granting a role above their own).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use rand::Rng;
use serde_json::{Value, json};

use super::{Shape, User, store};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::orgs::Organisation;
use crate::roles::Role;
use crate::wire::{self, Body, IdRef, Input, MispUrl};

const INVALID: &str = "Invalid user or not authorised.";

/// Whether `actor` may see and manage `target` (and its keys).
pub async fn can_manage(state: &AppState, actor: &CurrentUser, target: &User) -> AppResult<bool> {
    if actor.user.id == target.id || actor.site_admin() {
        return Ok(true);
    }
    if !actor.role.perm_admin || actor.user.org_id != target.org_id {
        return Ok(false);
    }
    let role = crate::roles::store::find(state.db.ex(), target.role_id).await?;
    Ok(role.is_some_and(|r| !r.perm_site_admin))
}

async fn role_of(state: &AppState, id: i64) -> AppResult<Role> {
    crate::roles::store::find(state.db.ex(), id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user role {id} is missing").into())
}

async fn org_of(state: &AppState, id: i64) -> AppResult<Organisation> {
    crate::orgs::store::find(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("user organisation {id} is missing").into())
}

/// A user `actor` may manage, by id; anything else answers as missing.
async fn managed(state: &AppState, actor: &CurrentUser, id: &str) -> AppResult<User> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(INVALID))?;
    match store::find(state.db.ex(), id).await? {
        Some(u) if can_manage(state, actor, &u).await? => Ok(u),
        _ => Err(AppError::not_found(INVALID)),
    }
}

/// `{User, Role, [UserSetting], Organisation}`; `role` overrides the stored one (the caller's
/// effective role, which a read-only key reduces).
async fn full_view(
    state: &AppState,
    user: &User,
    role: Option<&Role>,
    settings: bool,
) -> AppResult<Value> {
    let role = match role {
        Some(r) => r.clone(),
        None => role_of(state, user.role_id).await?,
    };
    let org = org_of(state, user.org_id).await?;
    let mut v = json!({ "User": user.wire(Shape::View), "Role": role.wire(false) });
    if settings {
        v["UserSetting"] = json!([]);
    }
    v["Organisation"] = org.wire(true);
    Ok(v)
}

pub async fn view(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let me = id == "me" || id == actor.user.id.to_string();
    let user = if me {
        actor.user.clone()
    } else {
        managed(&state, &actor, &id).await?
    };
    let role = me.then_some(&actor.role);
    Ok(wire::json(&full_view(&state, &user, role, true).await?))
}

pub async fn admin_view(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    actor.require(actor.any_admin())?;
    let user = managed(&state, &actor, &id).await?;
    Ok(wire::json(&full_view(&state, &user, None, false).await?))
}

pub async fn admin_index(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    actor.require(actor.any_admin())?;
    let org_filter = if actor.site_admin() {
        url.named("searchorg").and_then(|s| s.parse().ok())
    } else {
        Some(actor.user.org_id)
    };
    let users = store::list(state.db.ex(), org_filter).await?;
    let roles = crate::roles::store::list(state.db.ex()).await?;
    let orgs =
        crate::orgs::store::list(state.db.ex(), crate::orgs::store::Scope::All, None).await?;
    let needle = url.named("value").map(str::to_lowercase);
    let mut list = Vec::new();
    for u in &users {
        let (Some(role), Some(org)) = (
            roles.iter().find(|r| r.id == u.role_id),
            orgs.iter().find(|o| o.id == u.org_id),
        ) else {
            continue;
        };
        if !actor.site_admin() && role.perm_site_admin {
            continue;
        }
        if let Some(n) = &needle
            && ![&u.email, &org.name, &role.name]
                .iter()
                .any(|h| h.to_lowercase().contains(n.as_str()))
        {
            continue;
        }
        list.push(json!({
            "User": u.wire(Shape::Index),
            "Role": {"id": role.id.to_string(), "name": role.name, "perm_auth": role.perm_auth,
                     "perm_site_admin": role.perm_site_admin, "perm_admin": role.perm_admin},
            "Organisation": {"id": org.id.to_string(), "name": org.name},
        }));
    }
    Ok(wire::json(&list))
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c == ',')
        && email.len() <= 255
}

/// Reads the user fields of an add or edit, with every rule that needs the database.
/// `existing` is `None` on add. Returns the columns to write and the password to hash.
async fn read_fields(
    state: &AppState,
    actor: &CurrentUser,
    body: Body,
    existing: Option<&User>,
    title: &str,
) -> AppResult<(Fields, Option<String>)> {
    let mut input = Input::new(body.object("User")?);
    input.reject_unknown(super::WIRE_FIELDS);
    let mut fields: Fields = Vec::new();
    let email = if existing.is_some() {
        input.str("email")
    } else {
        input.required_str("email")
    };
    let email = email.map(|e| e.to_lowercase());
    if let Some(email) = &email {
        if !valid_email(email) {
            input.error("email", "An email address is required.");
        } else if let Some(other) = store::find_by_email(state.db.ex(), email).await?
            && Some(other.id) != existing.map(|u| u.id)
        {
            input.error(
                "email",
                "An account with this email address already exists.",
            );
        }
        fields.push(("email", email.clone().into()));
    }
    let org_id = match input.int("org_id") {
        Some(id) if !actor.site_admin() && id != actor.user.org_id => {
            return Err(AppError::forbidden());
        }
        Some(id) => match crate::orgs::store::find(state.db.ex(), &IdRef::Id(id)).await? {
            Some(_) => Some(id),
            None => {
                input.error("org_id", "Invalid organisation.");
                None
            }
        },
        None if existing.is_none() => Some(actor.user.org_id),
        None => None,
    };
    if let Some(id) = org_id {
        fields.push(("org_id", id.into()));
        let org = crate::orgs::store::find(state.db.ex(), &IdRef::Id(id)).await?;
        let domains: Vec<String> = org
            .and_then(|o| o.restricted_to_domain)
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or_default();
        let mail = email
            .clone()
            .or_else(|| existing.map(|u| u.email.clone()))
            .unwrap_or_default();
        if !domains.is_empty()
            && !domains
                .iter()
                .any(|d| mail.ends_with(&format!("@{}", d.to_lowercase())))
        {
            input.error(
                "email",
                "The organisation only accepts users with an e-mail address of its domains.",
            );
        }
    }
    let role = match input.int("role_id") {
        Some(id) => Some(
            crate::roles::store::find(state.db.ex(), id)
                .await?
                .ok_or_else(|| AppError::MethodNotAllowed("Invalid role".into()))?,
        ),
        None if existing.is_none() => crate::roles::store::default_role(state.db.ex()).await?,
        None => None,
    };
    if let Some(role) = role {
        if !actor.site_admin() && (role.perm_site_admin || role.restricted_to_site_admin) {
            return Err(AppError::forbidden());
        }
        fields.push(("role_id", role.id.into()));
    }
    // A masked password echoed back from a read ("*****") means "unchanged".
    let password = input
        .str("password")
        .filter(|p| !p.is_empty() && !p.chars().all(|c| c == '*'));
    if let Some(problem) = password.as_deref().and_then(crate::auth::password_problem) {
        input.error("password", problem);
    }
    for key in [
        "autoalert",
        "contactalert",
        "disabled",
        "termsaccepted",
        "change_pw",
        "external_auth_required",
        "notification_daily",
        "notification_weekly",
        "notification_monthly",
    ] {
        if let Some(v) = input.bool(key) {
            fields.push((key, v.into()));
        }
    }
    for key in ["gpgkey", "certif_public", "external_auth_key"] {
        if let Some(v) = input.str(key) {
            fields.push((key, v.into()));
        }
    }
    if let Some(sid) = input.int("nids_sid") {
        fields.push(("nids_sid", sid.into()));
    }
    input.finish(title)?;
    Ok((fields, password))
}

pub async fn admin_add(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    body: Body,
) -> AppResult<Response> {
    actor.require(actor.any_admin())?;
    let title = "Could not add User";
    let (mut fields, password) = read_fields(&state, &actor, body, None, title).await?;
    let now = wire::now();
    let has = |fields: &Fields, k: &str| fields.iter().any(|(f, _)| *f == k);
    if !has(&fields, "nids_sid") {
        fields.push((
            "nids_sid",
            rand::thread_rng()
                .gen_range(1_000_000..10_000_000i64)
                .into(),
        ));
    }
    for key in ["gpgkey", "certif_public", "external_auth_key"] {
        if !has(&fields, key) {
            fields.push((key, "".into()));
        }
    }
    if !has(&fields, "change_pw") {
        fields.push(("change_pw", true.into()));
    }
    let hashed = match password {
        Some(p) => Some(crate::auth::hash_password_async(p).await?),
        None => None,
    };
    fields.extend([
        ("password", hashed.into()),
        ("invited_by", actor.user.id.into()),
        ("date_created", now.into()),
        ("date_modified", now.into()),
        ("last_pw_change", now.into()),
    ]);
    let raw = crate::auth::generate_key();
    let mut tx = state.db.begin().await?;
    let id = match store::insert(tx.ex(), fields).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                title,
                "email",
                "An account with this email address already exists.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let new_key = crate::auth_keys::NewKey {
        comment: Some("Created with the user".into()),
        ..Default::default()
    };
    crate::auth_keys::store::create(tx.ex(), &state.secret, id, &raw, &new_key).await?;
    tx.commit().await?;
    let user = store::find(state.db.ex(), id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user vanished"))?;
    let mut out = user.wire(Shape::Saved);
    out.authkey = Some(&raw);
    Ok(wire::json(&json!({ "User": out })))
}

pub async fn admin_edit(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Response> {
    actor.require(actor.any_admin())?;
    let target = managed(&state, &actor, &id).await?;
    let title = "Could not edit User";
    let (mut fields, password) = read_fields(&state, &actor, body, Some(&target), title).await?;
    let now = wire::now();
    if let Some(p) = password {
        fields.push((
            "password",
            crate::auth::hash_password_async(p).await?.into(),
        ));
        fields.push(("last_pw_change", now.into()));
        // Someone else chose this password: its owner must replace it at the next login.
        fields.push(("change_pw", (target.id != actor.user.id).into()));
    }
    fields.push(("date_modified", now.into()));
    match store::update(state.db.ex(), target.id, fields).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                title,
                "email",
                "An account with this email address already exists.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let user = store::find(state.db.ex(), target.id)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    Ok(wire::json(&json!({ "User": user.wire(Shape::Saved) })))
}

pub async fn admin_delete(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    actor.require(actor.any_admin())?;
    let target = managed(&state, &actor, &id).await?;
    if target.id == actor.user.id {
        return Err(AppError::Invalid {
            title: "Could not delete User".into(),
            errors: "You cannot delete yourself.".into(),
        });
    }
    store::delete(state.db.ex(), target.id).await?;
    Ok(wire::saved("User deleted.", &url.original, Some(target.id)))
}

/// `/users/edit/{id|me}`: a user edits their own settings and password (never their role,
/// organisation or state; those fields, echoed back by PyMISP, are ignored).
pub async fn edit_self(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Response> {
    if id != "me" && id != actor.user.id.to_string() {
        return Err(AppError::not_found(INVALID));
    }
    let mut input = Input::new(body.object("User")?);
    input.reject_unknown(super::WIRE_FIELDS);
    let mut fields: Fields = Vec::new();
    for key in [
        "autoalert",
        "contactalert",
        "notification_daily",
        "notification_weekly",
        "notification_monthly",
    ] {
        if let Some(v) = input.bool(key) {
            fields.push((key, v.into()));
        }
    }
    for key in ["gpgkey", "certif_public"] {
        if let Some(v) = input.str(key) {
            fields.push((key, v.into()));
        }
    }
    let password = input
        .str("password")
        .filter(|p| !p.is_empty() && !p.chars().all(|c| c == '*'));
    if let Some(problem) = password.as_deref().and_then(crate::auth::password_problem) {
        input.error("password", problem);
    }
    input.finish("Could not edit User")?;
    let now = wire::now();
    if let Some(p) = password {
        fields.push((
            "password",
            crate::auth::hash_password_async(p).await?.into(),
        ));
        fields.extend([("last_pw_change", now.into()), ("change_pw", false.into())]);
    }
    fields.push(("date_modified", now.into()));
    store::update(state.db.ex(), actor.user.id, fields).await?;
    let user = store::find(state.db.ex(), actor.user.id)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    Ok(wire::json(&json!({ "User": user.wire(Shape::Saved) })))
}
