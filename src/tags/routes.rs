//! The tag catalogue: `/tags/index|view|add|edit|delete|search`. Tagging itself lives in
//! `tagging` (by uuid) and `legacy` (the events/attributes `addTag` forms).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::store;
use super::{NewTag, Tag, TagStats, text, truthy};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::wire::{self, Body, Input, MispUrl};

/// Tag fields present in a request; absent ones are `None` (edit leaves them unchanged).
#[derive(Debug, Default)]
struct TagPatch {
    name: Option<String>,
    colour: Option<String>,
    exportable: Option<bool>,
    org_id: Option<i64>,
    user_id: Option<i64>,
    hide_tag: Option<bool>,
    numerical_value: Option<Option<i64>>,
    local_only: Option<bool>,
}

/// MISP reports a refused tag as one 405 line: `Could not add the Tag. [field]: message`.
fn tag_refused(errors: &Value) -> AppError {
    let mut msg = String::from("Could not add the Tag.");
    for (field, messages) in errors.as_object().into_iter().flatten() {
        let first = messages.get(0).and_then(Value::as_str).unwrap_or_default();
        msg.push_str(&format!(" [{field}]: {first}"));
    }
    AppError::MethodNotAllowed(msg)
}

fn name_taken() -> AppError {
    tag_refused(&json!({"name": ["A similar name already exists."]}))
}

/// Reads and checks the tag fields. Names are cut at 255 characters as MISP does; only site
/// admins may restrict a tag to another organisation or user than their own.
fn read_patch(map: Map<String, Value>, user: &CurrentUser) -> AppResult<TagPatch> {
    let has_numerical = map.get("numerical_value").is_some();
    let mut input = Input::new(map);
    let mut p = TagPatch {
        name: input.str("name").map(|n| n.chars().take(255).collect()),
        colour: input.str("colour"),
        exportable: input.bool("exportable"),
        org_id: input.int("org_id"),
        user_id: input.int("user_id"),
        hide_tag: input.bool("hide_tag"),
        numerical_value: None,
        local_only: input.bool("local_only"),
    };
    if has_numerical {
        p.numerical_value = Some(input.int("numerical_value"));
    }
    if p.name.as_deref() == Some("") {
        input.error("name", "This field is required.");
    }
    if p.colour.as_deref().is_some_and(|c| !super::valid_colour(c)) {
        input.error("colour", "Colour has to be in the RGB format (#FFFFFF)");
    }
    if !user.site_admin() {
        if p.org_id.is_some_and(|o| o != 0 && o != user.user.org_id) {
            input.error(
                "org_id",
                "Only site admins may restrict a tag to another organisation.",
            );
        }
        if p.user_id.is_some_and(|u| u != 0 && u != user.user.id) {
            input.error(
                "user_id",
                "Only site admins may restrict a tag to another user.",
            );
        }
    }
    match input.finish("") {
        Err(AppError::Invalid { errors, .. }) => Err(tag_refused(&errors)),
        Err(other) => Err(other),
        Ok(()) => Ok(p),
    }
}

impl TagPatch {
    fn into_new(self, name: String) -> NewTag {
        let defaults = NewTag::named(&name);
        NewTag {
            colour: self.colour.unwrap_or(defaults.colour),
            exportable: self.exportable.unwrap_or(true),
            org_id: self.org_id.unwrap_or(0),
            user_id: self.user_id.unwrap_or(0),
            hide_tag: self.hide_tag.unwrap_or(false),
            numerical_value: self.numerical_value.flatten(),
            local_only: self.local_only.unwrap_or(false),
            name,
        }
    }

    /// The columns an edit changes; a new name also renews the derived columns.
    fn fields(self) -> Fields {
        let mut f: Fields = Vec::new();
        if let Some(name) = self.name {
            let (galaxy, custom) = super::galaxy_flags(&name);
            f.push(("name_lc", name.to_lowercase().into()));
            f.push(("is_galaxy", galaxy.into()));
            f.push(("is_custom_galaxy", custom.into()));
            f.push(("name", name.into()));
        }
        let flags = [
            ("exportable", self.exportable),
            ("hide_tag", self.hide_tag),
            ("local_only", self.local_only),
        ];
        f.extend(flags.into_iter().filter_map(|(c, v)| Some((c, v?.into()))));
        let ints = [("org_id", self.org_id), ("user_id", self.user_id)];
        f.extend(ints.into_iter().filter_map(|(c, v)| Some((c, v?.into()))));
        if let Some(colour) = self.colour {
            f.push(("colour", colour.into()));
        }
        if let Some(value) = self.numerical_value {
            f.push(("numerical_value", value.into()));
        }
        f
    }
}

async fn tag_or(state: &AppState, key: &str, err: impl Fn() -> AppError) -> AppResult<Tag> {
    let id: i64 = key.parse().map_err(|_| err())?;
    store::find(state.db.ex(), id).await?.ok_or_else(err)
}

/// `POST /tags/add`: a new tag, or the existing one of that name unchanged (capture 063).
pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.site_admin() || user.role.perm_tag_editor)?;
    let patch = read_patch(body.object("Tag")?, &user)?;
    let Some(name) = patch.name.clone() else {
        return Err(tag_refused(&json!({"name": ["This field is required."]})));
    };
    if let Some(existing) = store::find_by_name(state.db.ex(), &name).await? {
        return Ok(wire::json(&json!({ "Tag": existing })));
    }
    let id = match store::insert(state.db.ex(), patch.into_new(name.clone()).fields()).await {
        Ok(id) => id,
        // Created concurrently: answer as for an existing tag, if it is the same name.
        Err(e) if crate::db::is_unique_violation(&e) => {
            let existing = store::find_by_name(state.db.ex(), &name).await?;
            return existing.map_or_else(
                || Err(name_taken()),
                |t| Ok(wire::json(&json!({ "Tag": t }))),
            );
        }
        Err(e) => return Err(e.into()),
    };
    let tag = tag_or(&state, &id.to_string(), || {
        anyhow::anyhow!("tag vanished").into()
    })
    .await?;
    Ok(wire::json(&json!({ "Tag": tag })))
}

/// `POST|PUT /tags/edit/{id}` (site admins, as in MISP): the fields given change.
pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let invalid = || AppError::not_found("Invalid tag");
    let tag = tag_or(&state, &key, invalid).await?;
    let patch = read_patch(body.object("Tag")?, &user)?;
    if let Some(name) = &patch.name
        && name.to_lowercase() != tag.name_lc
        && store::find_by_name(state.db.ex(), name).await?.is_some()
    {
        return Err(name_taken());
    }
    let fields = patch.fields();
    if !fields.is_empty() {
        match store::update(state.db.ex(), tag.id, fields).await {
            Err(e) if crate::db::is_unique_violation(&e) => return Err(name_taken()),
            other => other?,
        };
    }
    let tag = tag_or(&state, &key, invalid).await?;
    Ok(wire::json(&json!({ "Tag": tag })))
}

/// `POST /tags/delete/{id}` (site admins): the tag and every link to it.
pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let tag = tag_or(&state, &key, || AppError::not_found("Invalid tag")).await?;
    store::delete(state.db.ex(), tag.id).await?;
    let msg = "Tag deleted.";
    let url = format!("/tags/delete/{}", tag.id);
    Ok(wire::json(
        &json!({"name": msg, "message": msg, "url": url}),
    ))
}

/// Named parameters and body fields together (body wins), as MISP harvests filters.
fn params(url: &MispUrl, body: Body) -> AppResult<Map<String, Value>> {
    let mut params: Map<String, Value> = url
        .named
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    params.extend(body.object("Tag")?);
    Ok(params)
}

/// `GET /tags/index`: `{"Tag": [...]}` in name order, with usage counts over what the
/// caller may see. There are no favourite tags yet, so `favouritesOnly` lists nothing.
pub async fn index(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let params = params(&url, body)?;
    if truthy(params.get("favouritesOnly")) {
        return Ok(wire::json(&json!({ "Tag": [] })));
    }
    let filter = store::ListFilter {
        substring: params.get("searchall").and_then(text),
        exact: ["name", "filter", "search"]
            .iter()
            .filter_map(|k| params.get(*k).and_then(text))
            .collect(),
    };
    let tags = store::list(state.db.ex(), &filter).await?;
    let stats = !truthy(params.get("exclude_statistics"));
    let (events, attributes) = if stats {
        let viewer = crate::acl::viewer(&state, &user).await?;
        (
            store::event_counts(state.db.ex(), &viewer, None).await?,
            store::attribute_counts(state.db.ex(), &viewer, None).await?,
        )
    } else {
        Default::default()
    };
    let rows: Vec<TagStats> = tags
        .into_iter()
        .map(|tag| TagStats {
            favourite: Some(false),
            count: stats.then(|| events.get(&tag.id).copied().unwrap_or(0)),
            attribute_count: stats.then(|| attributes.get(&tag.id).copied().unwrap_or(0)),
            tag,
        })
        .collect();
    Ok(wire::json(&json!({ "Tag": rows })))
}

/// `GET /tags/view/{id}`: the bare tag with its counts; unknown ids are MISP's 405.
pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let tag = tag_or(&state, &key, || {
        AppError::MethodNotAllowed("Invalid Tag".into())
    })
    .await?;
    let viewer = crate::acl::viewer(&state, &user).await?;
    let count = store::event_counts(state.db.ex(), &viewer, Some(tag.id)).await?;
    let attributes = store::attribute_counts(state.db.ex(), &viewer, Some(tag.id)).await?;
    Ok(wire::json(&TagStats {
        favourite: None,
        count: Some(count.get(&tag.id).copied().unwrap_or(0)),
        attribute_count: Some(attributes.get(&tag.id).copied().unwrap_or(0)),
        tag,
    }))
}

/// The search terms of a `/tags/search` body: `{"tag": ...}`, else every value (PyMISP's
/// `{"tagname": "tlp%", "strict_tagname": false}` searches "tlp%"), or a bare list.
fn search_terms(body: Value) -> Vec<String> {
    let mut body = body;
    if let Some(inner) = body.get_mut("Tag").map(Value::take) {
        body = inner;
    }
    let values: Vec<Value> = match body {
        Value::Object(mut map) => match map
            .remove("tag")
            .filter(|v| text(v).is_some() || v.is_array())
        {
            Some(tag) => vec![tag],
            None => map.into_iter().map(|(_, v)| v).collect(),
        },
        other => vec![other],
    };
    let flat = values.into_iter().flat_map(|v| match v {
        Value::Array(items) => items,
        other => vec![other],
    });
    flat.filter_map(|v| text(&v)).collect()
}

/// `GET|POST /tags/search[/{tag}[/{strict}]]`: `[{"Tag": {...}}, ...]`, `%` as wildcard.
pub async fn search(
    State(state): State<AppState>,
    _user: Arc<CurrentUser>,
    Path(pass): Path<Vec<String>>,
    body: Body,
) -> AppResult<Response> {
    let terms = match pass.first() {
        Some(t) => vec![t.clone()],
        None => search_terms(body.0),
    };
    let strict = truthy(pass.get(1).map(|s| Value::String(s.clone())).as_ref());
    let tags = store::search(state.db.ex(), &terms, strict).await?;
    let rows: Vec<Value> = tags.into_iter().map(|t| json!({ "Tag": t })).collect();
    Ok(wire::json(&rows))
}
