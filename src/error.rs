//! The one error type. Handlers return `AppError`; the `render_errors` middleware turns it into
//! MISP's JSON shapes (spec/api.md 1.4) with the request path as `url`, so no handler needs to
//! know the URL and every 4xx/5xx body is JSON, as PyMISP requires.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// MISP's exact text for a missing, wrong, unknown or unusable API key.
pub const AUTH_FAILED: &str = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.";
/// MISP's text when the role lacks the permission an action needs.
pub const NO_PERMISSION: &str = "You do not have permission to use this functionality.";
/// MISP's text when the user may act but not on this object (PyMISP then tries a proposal).
pub const NOT_YOURS: &str = "You do not have permission to do that.";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request itself is unreadable (malformed JSON, missing parameters).
    #[error("{0}")]
    BadRequest(String),
    /// 403 `{name, message, url}`: authentication or permission failure.
    #[error("{0}")]
    Forbidden(String),
    /// 404: missing, or hidden from this user: the two must answer identically.
    #[error("{0}")]
    NotFound(String),
    /// 405: wrong verb, and MISP's few "invalid input" 405s.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 413: the body is over the configured limit.
    #[error("request body too large")]
    TooLarge,
    /// 403 `{saved: false, name, message, url, errors}`: MISP's "save failed" envelope.
    #[error("{title}")]
    Invalid { title: String, errors: Value },
    /// 500: logged once inside the request span, never shown to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn forbidden() -> Self {
        AppError::Forbidden(NO_PERMISSION.into())
    }

    pub fn not_found(msg: &str) -> Self {
        AppError::NotFound(msg.into())
    }

    /// A validation failure on one field: `{"errors": {field: [message]}}`.
    pub fn invalid(title: impl Into<String>, field: &str, message: &str) -> Self {
        AppError::Invalid {
            title: title.into(),
            errors: json!({ field: [message] }),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) | AppError::Invalid { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body for this error once the request path is known.
    pub fn body(&self, url: &str) -> Value {
        match self {
            AppError::Invalid { title, errors } => json!({
                "saved": false, "name": title, "message": title, "url": url, "errors": errors,
            }),
            other => {
                let msg = match other {
                    AppError::Internal(_) => "An Internal Error Has Occurred.".to_string(),
                    AppError::TooLarge => "Request body too large.".to_string(),
                    e => e.to_string(),
                };
                json!({ "name": msg, "message": msg, "url": url })
            }
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Carries the error from the handler to `render_errors`, which knows the URL.
#[derive(Clone)]
pub struct ErrorMark(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let mut resp = self.status().into_response();
        resp.extensions_mut()
            .insert(ErrorMark(std::sync::Arc::new(self)));
        resp
    }
}

/// Builds the final body of an error response: the handler's `AppError` if there is one,
/// otherwise a generic MISP error for a bare 4xx/5xx (body limit, unknown method...).
pub fn error_response(status: StatusCode, mark: Option<&ErrorMark>, url: &str) -> Response {
    let body = match mark {
        Some(m) => m.0.body(url),
        None => {
            let msg = match status {
                StatusCode::NOT_FOUND => "Not Found",
                StatusCode::PAYLOAD_TOO_LARGE => "Request body too large.",
                StatusCode::METHOD_NOT_ALLOWED => "Method not allowed.",
                StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::BAD_REQUEST => "Bad Request",
                s if s.is_server_error() => "An Internal Error Has Occurred.",
                _ => status.canonical_reason().unwrap_or("Error"),
            };
            json!({ "name": msg, "message": msg, "url": url })
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, crate::wire::JSON_CONTENT_TYPE)],
        body.to_string(),
    )
        .into_response()
}

pub type AppResult<T> = Result<T, AppError>;
