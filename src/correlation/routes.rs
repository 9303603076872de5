//! `/correlation_exclusions/index|view|add|delete|clean` (spec/api.md 11), site admins only, in
//! the shapes of MISP's CRUD component: bare lists of `{"CorrelationExclusion": {...}}`, the
//! saved row on add, the success envelope on delete and clean, `Invalid CorrelationExclusion.`
//! (404) for an unknown id.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value};

use super::exclusions::{self, Exclusion};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::wire::{self, Body, MispUrl};

const INVALID: &str = "Invalid CorrelationExclusion.";
const ADD_TITLE: &str = "Could not add CorrelationExclusion";

async fn existing(state: &AppState, key: &str) -> AppResult<Exclusion> {
    let id: i64 = key
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found(INVALID))?;
    exclusions::find(state.db.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))
}

pub async fn index(State(state): State<AppState>, user: Arc<CurrentUser>) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let rows = exclusions::list(state.db.ex()).await?;
    let list: Vec<Value> = rows.iter().map(Exclusion::wire).collect();
    Ok(wire::json(&list))
}

pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    Ok(wire::json(&existing(&state, &key).await?.wire()))
}

/// `POST /correlation_exclusions/add` with `{"value", "comment"?}` (bare or wrapped), or the
/// value as a named parameter.
pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let map = body.object("CorrelationExclusion")?;
    let text = |k: &str| match map.get(k) {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let value = url
        .named("value")
        .map(str::to_string)
        .or_else(|| text("value"))
        .unwrap_or_default();
    if value.is_empty() {
        return Err(AppError::invalid(
            ADD_TITLE,
            "value",
            "A value is required.",
        ));
    }
    let comment = text("comment");
    let mut tx = state.db.begin().await?;
    if exclusions::is_listed(tx.ex(), &value).await? {
        return Err(AppError::invalid(
            ADD_TITLE,
            "value",
            "Value is already in the exclusion list.",
        ));
    }
    let id = exclusions::add(tx.ex(), &value, comment.as_deref(), false).await?;
    tx.commit().await?;
    Ok(wire::json(&existing(&state, &id.to_string()).await?.wire()))
}

pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let e = existing(&state, &key).await?;
    let mut tx = state.db.begin().await?;
    exclusions::delete(tx.ex(), &e).await?;
    tx.commit().await?;
    Ok(wire::saved(
        "CorrelationExclusion deleted.",
        &format!("/correlation_exclusions/delete/{}", e.id),
        None,
    ))
}

/// MISP deletes the stored pairs that exclusions match; here nothing is stored per pair, so
/// cleaning re-derives every value's `excluded` flag from the list (a repair, never needed in
/// normal operation).
pub async fn clean(State(state): State<AppState>, user: Arc<CurrentUser>) -> AppResult<Response> {
    user.require(user.site_admin())?;
    exclusions::refresh(state.db.ex(), None).await?;
    Ok(wire::saved(
        "Correlations cleanup initiated, based on the exclusion rules.",
        "/correlation_exclusions/clean",
        None,
    ))
}

/// The correlations an event document shows, computed per request.
#[derive(Debug, Default)]
pub struct ViewCorrelations {
    pub related: Option<Arc<super::Related>>,
    pub granular: bool,
}

/// A yes/no option of the event view, as a named parameter or in the POST body.
fn option(url: &MispUrl, body: &Map<String, Value>, key: &str) -> Option<bool> {
    let yes = |s: &str| s == "1" || s.eq_ignore_ascii_case("true");
    url.named(key).map(yes).or_else(|| {
        body.get(key).map(|v| match v {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
            Value::String(s) => yes(s),
            _ => false,
        })
    })
}

/// `RelatedEvent` unless `includeEventCorrelations` is off, and the per-attribute lists with
/// `includeGranularCorrelations`, for event `event_id` as `viewer` may see them.
pub async fn for_view(
    state: &AppState,
    viewer: &crate::acl::Viewer,
    event_id: i64,
    url: &MispUrl,
    body: &Map<String, Value>,
) -> sqlx::Result<ViewCorrelations> {
    let events = option(url, body, "includeEventCorrelations").unwrap_or(true);
    let granular = option(url, body, "includeGranularCorrelations").unwrap_or(false);
    let limit = state.config.correlation_limit;
    let ex = state.db.ex();
    let related = if granular {
        let mut r = super::related_for_event(ex, viewer, event_id, limit).await?;
        if !events {
            r.events.clear();
        }
        Some(r)
    } else if events {
        let events = super::related_events(ex, viewer, event_id, limit).await?;
        Some(super::Related {
            events,
            ..Default::default()
        })
    } else {
        None
    };
    Ok(ViewCorrelations {
        related: related.map(Arc::new),
        granular,
    })
}
