//! `/roles/index`: every authenticated user may list the roles.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;

pub async fn index(State(state): State<AppState>, _user: Arc<CurrentUser>) -> AppResult<Response> {
    let roles = super::store::list(state.db.ex()).await?;
    let list: Vec<_> = roles
        .iter()
        .map(|r| json!({ "Role": r.wire(true) }))
        .collect();
    Ok(crate::wire::json(&list))
}
