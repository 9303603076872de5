//! `GET /attributes/describeTypes.json`: the registry as MISP publishes it.

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;

pub async fn describe_types(_user: Arc<CurrentUser>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::wire::JSON_CONTENT_TYPE)],
        super::describe_types_json(),
    )
        .into_response()
}
