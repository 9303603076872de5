//! The legacy tagging forms `/events/addTag|removeTag` and `/attributes/addTag|removeTag`
//! (`/{target}/{tag}[/local:1]` or a body), which answer 200 with `{"saved": false, "errors"}`
//! on failure (spec/api.md 1.4) and take tag ids, names or JSON lists of ids.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::store::{self, Target as LinkTarget};
use super::tagging::{
    LOCAL_ONLY, Refusal, TagRef, detach, may_tag, refusal, require_tagger, visible_attribute,
    visible_event,
};
use super::{text, truthy, unusable_reason};
use crate::app::AppState;
use crate::attributes::Attribute;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::wire::{self, Body, IdRef, MispUrl};

/// MISP's legacy success body (`success` is a string here, unlike the REST envelope).
fn legacy_ok(success: &str, check_publish: bool) -> Response {
    wire::json(&json!({"saved": true, "success": success, "check_publish": check_publish}))
}

/// MISP's legacy failure: HTTP 200 with `saved: false`; clients check `saved`.
fn legacy_fail(errors: &str) -> Response {
    wire::json(&json!({"saved": false, "errors": errors}))
}

/// The body of a legacy action with MISP's renames: `tag_id` is `tag`, `id` and
/// `<model>_id` are `<model>`.
fn legacy_body(body: Body, wrapper: &str, model: &str) -> AppResult<Map<String, Value>> {
    let mut map = body.object(wrapper)?;
    let renames = [
        ("tag_id".to_string(), "tag"),
        (format!("{model}_id"), model),
        ("id".into(), model),
    ];
    for (from, to) in renames {
        if let Some(v) = map.remove(&from) {
            map.entry(to).or_insert(v);
        }
    }
    Ok(map)
}

/// Positional path parameter `i`, else body field `key`.
fn pass_or(pass: &[String], i: usize, map: &Map<String, Value>, key: &str) -> Option<Value> {
    match pass.get(i) {
        Some(p) => Some(Value::String(p.clone())),
        None => map.get(key).filter(|v| !v.is_null()).cloned(),
    }
}

/// `local:1` as a named parameter (MISP's form) or `local` in the body.
fn wants_local(url: &MispUrl, map: &Map<String, Value>) -> bool {
    truthy(url.named("local").map(|l| Value::String(l.into())).as_ref()) || truthy(map.get("local"))
}

/// Tag ids a legacy add names; a name must be a tag the user may use. `None`: unknown name.
async fn legacy_tag_ids(
    state: &AppState,
    user: &CurrentUser,
    v: &Value,
) -> AppResult<Option<Vec<i64>>> {
    let mut ids = Vec::new();
    for r in TagRef::legacy(v) {
        match r {
            TagRef::Id(id) => ids.push(id),
            TagRef::Name(name) => match store::find_by_name(state.db.ex(), &name).await? {
                Some(t) if unusable_reason(&t, user).is_none() => ids.push(t.id),
                _ => return Ok(None),
            },
        }
    }
    Ok(Some(ids))
}

/// The id of the one tag a legacy remove names (`None`: no such name).
async fn legacy_tag_id(state: &AppState, v: Option<&Value>) -> AppResult<Option<i64>> {
    Ok(match v.and_then(TagRef::from_value) {
        Some(TagRef::Id(id)) => Some(id),
        Some(TagRef::Name(name)) => store::find_by_name(state.db.ex(), &name)
            .await?
            .map(|t| t.id),
        None => None,
    })
}

/// Attaches tags by id in one transaction; returns the number attached and the refusals in
/// the words of MISP's events controller.
async fn add_by_ids(
    state: &AppState,
    user: &CurrentUser,
    target: LinkTarget,
    ids: &[i64],
    local: bool,
) -> AppResult<(usize, Vec<&'static str>)> {
    let (mut added, mut fails) = (0, Vec::new());
    let mut tx = state.db.begin().await?;
    for id in ids {
        let Some(tag) = store::find(tx.ex(), *id).await? else {
            fails.push("Tag not found.");
            continue;
        };
        match refusal(tx.ex(), user, target, &tag, local).await? {
            Some(Refusal::Unusable(_)) => fails.push("Tag not found."),
            Some(Refusal::LocalOnly) => fails.push(LOCAL_ONLY),
            Some(Refusal::Attached) => fails.push("Tag is already attached to this event."),
            None => {
                store::link(tx.ex(), target, tag.id, local, None).await?;
                added += 1;
            }
        }
    }
    if added > 0 {
        if !local {
            store::touch_target(tx.ex(), target, wire::now()).await?;
        }
        tx.commit().await?;
    }
    Ok((added, fails))
}

/// `POST /events/addTag/{event}/{tag}[/local:1]` or body `{"event", "tag", "local"}`.
pub async fn event_add_tag(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let map = legacy_body(body, "Event", "event")?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let key = pass_or(&pass, 0, &map, "event").and_then(|v| text(&v));
    let event = match key {
        Some(k) => visible_event(&state, &viewer, &k).await?,
        None => None,
    };
    let Some(event) = event else {
        return Ok(legacy_fail("Invalid event."));
    };
    let local = wants_local(&url, &map);
    if !may_tag(&state, &user, &event, local).await? {
        return Ok(legacy_fail("You don't have permission to do that."));
    }
    let raw = pass_or(&pass, 1, &map, "tag").unwrap_or_default();
    let Some(ids) = legacy_tag_ids(&state, &user, &raw)
        .await?
        .filter(|i| !i.is_empty())
    else {
        return Ok(legacy_fail("Invalid Tag."));
    };
    let (added, fails) =
        add_by_ids(&state, &user, LinkTarget::Event(event.id), &ids, local).await?;
    Ok(match (added, fails.len()) {
        (0, _) => legacy_fail(&fails.join(", ")),
        (1, 0) => legacy_ok("Tag added.", true),
        (_, 0) => legacy_ok("Tags added.", true),
        (n, f) => {
            let head = if n == 1 {
                "Tag added".to_string()
            } else {
                format!("{n} tags added")
            };
            legacy_ok(
                &format!("{head}, but {f} could not be added: {}", fails.join(", ")),
                true,
            )
        }
    })
}

/// `POST /events/removeTag/{event}/{tag}` or body `{"event", "tag"}`.
pub async fn event_remove_tag(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let map = legacy_body(body, "Event", "event")?;
    let Some(tag_id) = legacy_tag_id(&state, pass_or(&pass, 1, &map, "tag").as_ref()).await? else {
        return Ok(legacy_fail("Invalid Tag."));
    };
    // A hidden event and an untagged one answer alike.
    let combination = || Ok(legacy_fail("Invalid event - tag combination."));
    let viewer = crate::acl::viewer(&state, &user).await?;
    let key = pass_or(&pass, 0, &map, "event").and_then(|v| text(&v));
    let event = match key {
        Some(k) => visible_event(&state, &viewer, &k).await?,
        None => None,
    };
    let Some(event) = event else {
        return combination();
    };
    let target = LinkTarget::Event(event.id);
    let Some(link) = store::link_of(state.db.ex(), target, tag_id).await? else {
        return combination();
    };
    if !may_tag(&state, &user, &event, link.local).await? {
        return Ok(legacy_fail("You don't have permission to do that."));
    }
    detach(&state, target, link).await?;
    Ok(legacy_ok("Tag removed.", !link.local))
}

/// The attribute of a legacy attribute action: 404 `Invalid attribute` unless visible and live.
async fn legacy_attribute(
    state: &AppState,
    user: &CurrentUser,
    key: Option<Value>,
) -> AppResult<(Attribute, Event)> {
    let invalid = || AppError::not_found("Invalid attribute");
    let r = key
        .and_then(|v| text(&v))
        .and_then(|k| IdRef::parse(&k))
        .ok_or_else(invalid)?;
    let viewer = crate::acl::viewer(state, user).await?;
    visible_attribute(state, &viewer, &r)
        .await?
        .ok_or_else(invalid)
}

/// `POST /attributes/addTag/{attribute}/{tag}[/local:1]` or body `{"attribute", "tag"}`.
pub async fn attribute_add_tag(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let map = legacy_body(body, "Attribute", "attribute")?;
    let key = pass_or(&pass, 0, &map, "attribute");
    let raw = pass_or(&pass, 1, &map, "tag").ok_or_else(|| AppError::not_found("Invalid tag"))?;
    let local = wants_local(&url, &map);
    let Some(ids) = legacy_tag_ids(&state, &user, &raw).await? else {
        return Ok(legacy_fail("Invalid Tag."));
    };
    let (attribute, event) = legacy_attribute(&state, &user, key).await?;
    let target = LinkTarget::Attribute {
        id: attribute.id,
        event_id: event.id,
    };
    let (added, fails) = if may_tag(&state, &user, &event, local).await? {
        let (added, fails) = add_by_ids(&state, &user, target, &ids, local).await?;
        (added, fails.len())
    } else {
        (0, 1)
    };
    if fails == 0 {
        let msg = if added == 1 {
            "Tag added.".to_string()
        } else {
            format!("{added} tags added")
        };
        return Ok(legacy_ok(&msg, true));
    }
    let mut msg = if fails == 1 {
        "Tag could not be added.".to_string()
    } else {
        format!("{fails} tags could not be added.")
    };
    match added {
        0 => {}
        1 => msg.push_str(" However, 1 tag was added."),
        n => msg.push_str(&format!(" However, {n} tags were added.")),
    }
    Ok(legacy_fail(&msg))
}

/// `POST /attributes/removeTag/{attribute}/{tag}` or body `{"attribute", "tag"}`.
pub async fn attribute_remove_tag(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    require_tagger(&user)?;
    let map = legacy_body(body, "Attribute", "attribute")?;
    let key = pass_or(&pass, 0, &map, "attribute");
    let raw = pass_or(&pass, 1, &map, "tag").ok_or_else(|| AppError::not_found("Invalid tag"))?;
    let (attribute, event) = legacy_attribute(&state, &user, key).await?;
    let Some(tag_id) = legacy_tag_id(&state, Some(&raw)).await? else {
        return Ok(legacy_fail("Invalid Tag."));
    };
    let target = LinkTarget::Attribute {
        id: attribute.id,
        event_id: event.id,
    };
    let link = store::link_of(state.db.ex(), target, tag_id).await?;
    if !may_tag(&state, &user, &event, link.is_some_and(|l| l.local)).await? {
        return Ok(legacy_fail("You do not have permission to do that."));
    }
    let Some(link) = link else {
        return Ok(legacy_fail("Invalid attribute - tag combination."));
    };
    detach(&state, target, link).await?;
    Ok(legacy_ok("Tag removed.", !link.local))
}
