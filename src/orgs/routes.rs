//! Organisation endpoints: `/organisations/index|view` for everyone, `/admin/organisations/
//! add|edit|delete` for site admins (org admins may edit their own organisation).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use sea_query::Expr;
use serde_json::{Value, json};

use super::Organisation;
use super::store::{self, Scope};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Fields;
use crate::error::{AppError, AppResult};
use crate::wire::{self, Body, IdRef, Input, MispUrl};

const INVALID: &str = "Invalid organisation";

pub async fn index(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    let scope = match url.named("scope") {
        None | Some("local") => Scope::Local,
        Some("external") => Scope::External,
        Some("all") => Scope::All,
        Some(_) => {
            return Err(AppError::BadRequest(
                "Invalid scope: use local, external or all.".into(),
            ));
        }
    };
    let orgs = store::list(state.db.ex(), scope, url.named("searchall")).await?;
    let counts = store::user_counts(state.db.ex()).await?;
    let admin = user.site_admin();
    let mut emails = std::collections::HashMap::new();
    if admin {
        for u in crate::users::store::list(state.db.ex(), None).await? {
            emails.insert(u.id, u.email);
        }
    }
    let list: Vec<Value> = orgs
        .iter()
        .map(|o| {
            let mut v = o.wire(admin);
            v["user_count"] = counts.get(&o.id).copied().unwrap_or(0).to_string().into();
            if admin {
                let email = emails.get(&o.created_by).map_or("Unknown", String::as_str);
                v["created_by_email"] = email.into();
            }
            json!({ "Organisation": v })
        })
        .collect();
    Ok(wire::json(&list))
}

/// An organisation by id, uuid or name: MISP's view accepts all three.
async fn find_any(state: &AppState, key: &str) -> AppResult<Organisation> {
    let found = match IdRef::parse(key) {
        Some(r) => store::find(state.db.ex(), &r).await?,
        None => store::find_by_name(state.db.ex(), key).await?,
    };
    found.ok_or_else(|| AppError::not_found(INVALID))
}

pub async fn view(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let org = find_any(&state, &key).await?;
    let mut v = org.wire(user.site_admin());
    v["user_count"] = store::user_count(state.db.ex(), org.id)
        .await?
        .to_string()
        .into();
    Ok(wire::json(&json!({ "Organisation": v })))
}

/// Reads the editable fields of an organisation; `existing` is `None` on add.
async fn read_fields(
    state: &AppState,
    body: Body,
    existing: Option<&Organisation>,
    title: &str,
) -> AppResult<Fields> {
    let mut input = Input::new(body.object("Organisation")?);
    input.reject_unknown(super::WIRE_FIELDS);
    let mut fields: Fields = Vec::new();
    let name = if existing.is_some() {
        input.str("name")
    } else {
        input.required_str("name")
    };
    if let Some(name) = name {
        if name.is_empty() || name.chars().count() > 255 {
            input.error("name", "The name must be between 1 and 255 characters.");
        } else if let Some(other) = store::find_by_name(state.db.ex(), &name).await?
            && Some(other.id) != existing.map(|o| o.id)
        {
            input.error("name", "An organisation with this name already exists.");
        }
        fields.push(("name", name.into()));
    }
    if let Some(uuid) = input.str("uuid") {
        let uuid = uuid.to_ascii_lowercase();
        if !wire::is_uuid(&uuid) {
            input.error("uuid", "The UUID is not valid.");
        } else if let Some(other) = store::find(state.db.ex(), &IdRef::Uuid(uuid.clone())).await?
            && Some(other.id) != existing.map(|o| o.id)
        {
            input.error("uuid", "An organisation with this UUID already exists.");
        }
        fields.push(("uuid", uuid.into()));
    }
    for key in [
        "description",
        "type",
        "nationality",
        "sector",
        "contacts",
        "landingpage",
    ] {
        if let Some(v) = input.str(key) {
            fields.push((key, v.into()));
        }
    }
    if let Some(local) = input.bool("local") {
        fields.push(("local", local.into()));
    }
    if let Some(domains) = input.str_list("restricted_to_domain") {
        if domains
            .iter()
            .any(|d| !d.contains('.') || d.contains(['@', ' ', '/']))
        {
            input.error(
                "restricted_to_domain",
                "Each entry must be an e-mail domain such as example.org.",
            );
        }
        let stored =
            (!domains.is_empty()).then(|| serde_json::to_string(&domains).unwrap_or_default());
        fields.push(("restricted_to_domain", stored.into()));
    }
    input.finish(title)?;
    Ok(fields)
}

pub async fn add(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    body: Body,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let mut fields = read_fields(&state, body, None, "Could not add Organisation").await?;
    let now = wire::now();
    if !fields.iter().any(|(k, _)| *k == "uuid") {
        fields.push(("uuid", wire::new_uuid().into()));
    }
    for key in ["description", "type", "nationality", "sector"] {
        if !fields.iter().any(|(k, _)| k == &key) {
            fields.push((key, "".into()));
        }
    }
    fields.extend([
        ("date_created", Expr::from(now)),
        ("date_modified", now.into()),
        ("created_by", user.user.id.into()),
    ]);
    let id = match store::insert(state.db.ex(), fields).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "Could not add Organisation",
                "name",
                "An organisation with this name already exists.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let org = store::find(state.db.ex(), &IdRef::Id(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("organisation vanished"))?;
    Ok(wire::json(&json!({ "Organisation": org.wire(true) })))
}

pub async fn edit(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    body: Body,
) -> AppResult<Response> {
    let org = match IdRef::parse(&key) {
        Some(r) => store::find(state.db.ex(), &r).await?,
        None => None,
    }
    .ok_or_else(|| AppError::not_found(INVALID))?;
    user.require(user.admin_of(org.id))?;
    let mut fields = read_fields(&state, body, Some(&org), "Could not edit Organisation").await?;
    if !user.site_admin() {
        // An org admin may describe their organisation, not rename or re-identify it.
        fields.retain(|(k, _)| !matches!(*k, "name" | "uuid" | "local" | "restricted_to_domain"));
    }
    fields.push(("date_modified", wire::now().into()));
    match store::update(state.db.ex(), org.id, fields).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::invalid(
                "Could not edit Organisation",
                "name",
                "An organisation with this name already exists.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let org = store::find(state.db.ex(), &IdRef::Id(org.id))
        .await?
        .ok_or_else(|| AppError::not_found(INVALID))?;
    Ok(wire::json(
        &json!({ "Organisation": org.wire(user.site_admin()) }),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Path(key): Path<String>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    user.require(user.site_admin())?;
    let org = match IdRef::parse(&key) {
        Some(r) => store::find(state.db.ex(), &r).await?,
        None => None,
    }
    .ok_or_else(|| AppError::not_found(INVALID))?;
    let title = "Could not delete Organisation";
    if org.id == user.user.org_id {
        return Err(AppError::Invalid {
            title: title.into(),
            errors: "You cannot delete your own organisation.".into(),
        });
    }
    let mut tx = state.db.begin().await?;
    if store::user_count(tx.ex(), org.id).await? > 0 {
        return Err(AppError::Invalid {
            title: title.into(),
            errors: "The organisation still has users: delete them or move them to another organisation first.".into(),
        });
    }
    if store::has_data(tx.ex(), org.id).await? {
        return Err(AppError::Invalid {
            title: title.into(),
            errors:
                "The organisation owns or created events or sharing groups: it cannot be deleted."
                    .into(),
        });
    }
    // Memberships in other organisations' sharing groups go with it.
    store::delete(tx.ex(), org.id).await?;
    tx.commit().await?;
    Ok(wire::saved(
        "Organisation deleted",
        &url.original,
        Some(org.id),
    ))
}
