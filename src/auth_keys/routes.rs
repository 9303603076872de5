//! `/auth_keys/add|index|view|edit|delete`: a user manages their own keys; an org admin those
//! of their organisation's users; a site admin every key.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::{AuthKey, NewKey, store};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::users::User;
use crate::wire::{self, Body, Input, MispUrl};

const INVALID: &str = "Invalid auth key.";

/// Parses an expiry: epoch seconds, a `YYYY-MM-DD` date, or 0/empty for never.
fn read_expiration(input: &mut Input) -> Option<i64> {
    let raw = input.str("expiration")?;
    if raw.is_empty() || raw == "0" {
        return Some(0);
    }
    if let Ok(epoch) = raw.parse::<i64>() {
        return Some(epoch);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp());
    }
    input.error(
        "expiration",
        "Expiration must be a date (YYYY-MM-DD) or a Unix timestamp.",
    );
    None
}

fn read_allowed_ips(input: &mut Input) -> Option<Vec<String>> {
    let list = input.str_list("allowed_ips")?;
    let bad = list
        .iter()
        .any(|ip| ip.parse::<ipnet::IpNet>().is_err() && ip.parse::<std::net::IpAddr>().is_err());
    if bad {
        input.error(
            "allowed_ips",
            "Each entry must be an IP address or a CIDR range.",
        );
    }
    Some(list)
}

/// The user a key belongs to, if `actor` may manage that user's keys; hidden users are 404.
async fn managed_user(state: &AppState, actor: &CurrentUser, user_id: i64) -> AppResult<User> {
    let target = crate::users::store::find(state.db.ex(), user_id).await?;
    let target = match target {
        Some(t) if crate::users::routes::can_manage(state, actor, &t).await? => t,
        _ => return Err(AppError::not_found("Invalid user.")),
    };
    Ok(target)
}

fn key_json(key: &AuthKey, user: &User) -> Value {
    json!({ "AuthKey": key, "User": { "id": user.id.to_string(), "email": user.email } })
}

pub async fn add(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(who): Path<String>,
    body: Body,
) -> AppResult<Response> {
    let user_id = if who == "me" {
        actor.user.id
    } else {
        who.parse()
            .map_err(|_| AppError::not_found("Invalid user."))?
    };
    let target = managed_user(&state, &actor, user_id).await?;
    let mut input = Input::new(body.object("AuthKey")?);
    input.reject_unknown(super::WIRE_FIELDS);
    let new = NewKey {
        comment: input.str("comment").filter(|c| !c.is_empty()),
        expiration: read_expiration(&mut input).unwrap_or(0),
        read_only: input.bool("read_only").unwrap_or(false),
        allowed_ips: read_allowed_ips(&mut input).filter(|l| !l.is_empty()),
    };
    input.finish("Could not add AuthKey")?;
    let raw = crate::auth::generate_key();
    let key = store::create(state.db.ex(), &state.secret, target.id, &raw, &new).await?;
    let mut out = serde_json::to_value(&key).map_err(|e| AppError::Internal(e.into()))?;
    out["authkey_raw"] = raw.into();
    Ok(wire::json(&json!({ "AuthKey": out })))
}

pub async fn index(State(state): State<AppState>, actor: Arc<CurrentUser>) -> AppResult<Response> {
    let users = if actor.site_admin() {
        crate::users::store::list(state.db.ex(), None).await?
    } else if actor.role.perm_admin {
        crate::users::store::list(state.db.ex(), Some(actor.user.org_id)).await?
    } else {
        vec![actor.user.clone()]
    };
    let mut visible = Vec::new();
    for u in users {
        if crate::users::routes::can_manage(&state, &actor, &u).await? {
            visible.push(u);
        }
    }
    let ids: Vec<i64> = visible.iter().map(|u| u.id).collect();
    let keys = store::list(state.db.ex(), Some(&ids)).await?;
    let list: Vec<Value> = keys
        .iter()
        .filter_map(|k| {
            visible
                .iter()
                .find(|u| u.id == k.user_id)
                .map(|u| key_json(k, u))
        })
        .collect();
    Ok(wire::json(&list))
}

/// A key the caller may manage, with its user; others answer as missing.
async fn visible_key(
    state: &AppState,
    actor: &CurrentUser,
    id: &str,
) -> AppResult<(AuthKey, User)> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(INVALID))?;
    let key = store::find(state.db.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    let user = managed_user(state, actor, key.user_id)
        .await
        .map_err(|_| AppError::not_found(INVALID))?;
    Ok((key, user))
}

pub async fn view(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (key, user) = visible_key(&state, &actor, &id).await?;
    Ok(wire::json(&key_json(&key, &user)))
}

pub async fn edit(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Response> {
    let (key, user) = visible_key(&state, &actor, &id).await?;
    let mut input = Input::new(body.object("AuthKey")?);
    input.reject_unknown(super::WIRE_FIELDS);
    let mut fields: Fields = Vec::new();
    if input.has("comment") {
        fields.push((
            "comment",
            input.str("comment").filter(|c| !c.is_empty()).into(),
        ));
    }
    if let Some(exp) = read_expiration(&mut input) {
        fields.push(("expiration", exp.into()));
    }
    if let Some(ro) = input.bool("read_only") {
        fields.push(("read_only", ro.into()));
    }
    if let Some(ips) = read_allowed_ips(&mut input) {
        let stored = (!ips.is_empty()).then(|| serde_json::to_string(&ips).unwrap_or_default());
        fields.push(("allowed_ips", stored.into()));
    }
    input.finish("Could not edit AuthKey")?;
    if !fields.is_empty() {
        store::update(state.db.ex(), key.id, fields).await?;
    }
    let key = store::find(state.db.ex(), key.id)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    Ok(wire::json(&key_json(&key, &user)))
}

pub async fn delete(
    State(state): State<AppState>,
    actor: Arc<CurrentUser>,
    Path(id): Path<String>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    let (key, _) = visible_key(&state, &actor, &id).await?;
    store::delete(state.db.ex(), key.id).await?;
    Ok(wire::saved("AuthKey deleted", &url.original, Some(key.id)))
}
