//! `/servers/getVersion` and `/servers/getPyMISPVersion`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::MISP_VERSION;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::wire;

pub async fn get_version(State(state): State<AppState>, user: Arc<CurrentUser>) -> Response {
    let role = &user.role;
    // The instance uuid is for sync partners only; everyone else gets "-", as from MISP.
    let uuid = if role.perm_sync {
        state.instance_uuid.as_str()
    } else {
        "-"
    };
    wire::json(&json!({
        "version": MISP_VERSION,
        "pymisp_recommended_version": MISP_VERSION,
        "perm_sync": role.perm_sync,
        "perm_sighting": role.perm_sighting,
        "perm_galaxy_editor": role.perm_galaxy_editor,
        "perm_analyst_data": role.perm_analyst_data,
        "uuid": uuid,
        "request_encoding": ["gzip"],
        "filter_sightings": true,
    }))
}

pub async fn get_pymisp_version(_user: Arc<CurrentUser>) -> Response {
    wire::json(&json!({ "version": MISP_VERSION }))
}
