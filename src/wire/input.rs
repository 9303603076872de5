//! Request bodies as MISP clients send them: bare or wrapped (`{"User": {...}}`,
//! `{"request": {...}}`), empty for bodiless POSTs, numbers as strings (PyMISP) or numbers (curl),
//! flags as booleans, 0/1 or "0"/"1". `Input` reads typed fields and collects every problem into
//! MISP's `errors` map, so a bad request is refused whole before anything is written.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use crate::error::AppError;

/// A request body parsed as JSON; `Value::Null` when the body is empty.
pub struct Body(pub Value);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::BadRequest("Could not read the request body.".into())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| AppError::BadRequest(format!("Malformed JSON in the request body: {e}.")))
    }
}

impl Body {
    /// The model object of the body, unwrapped from `{"request": ...}` and `{wrapper: ...}`.
    pub fn object(self, wrapper: &str) -> Result<Map<String, Value>, AppError> {
        let mut value = self.0;
        for key in ["request", wrapper] {
            if let Value::Object(map) = &mut value
                && map.len() == 1
                && map.get(key).is_some_and(Value::is_object)
            {
                value = map.remove(key).unwrap_or_default();
            }
        }
        match value {
            Value::Null => Ok(Map::new()),
            Value::Object(map) => Ok(map),
            _ => Err(AppError::BadRequest(
                "The request body must be a JSON object.".into(),
            )),
        }
    }
}

/// Typed, lenient field access over one JSON object, collecting MISP-style field errors.
pub struct Input {
    map: Map<String, Value>,
    errors: BTreeMap<String, Vec<String>>,
}

impl Input {
    pub fn new(map: Map<String, Value>) -> Self {
        Input {
            map,
            errors: BTreeMap::new(),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    pub fn error(&mut self, key: &str, message: &str) {
        self.errors
            .entry(key.to_string())
            .or_default()
            .push(message.to_string());
    }

    /// Refuses fields the model does not have (typos would otherwise be dropped silently).
    /// `known` lists every field of the model as MISP emits it, so echoed output is accepted.
    pub fn reject_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.error(&key, "Unknown field.");
        }
    }

    /// A text field; numbers are accepted and rendered as text. `None` when absent or null.
    pub fn str(&mut self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.error(key, "Must be a string.");
                None
            }
        }
    }

    /// A text field that must be present and non-empty.
    pub fn required_str(&mut self, key: &str) -> Option<String> {
        match self.str(key) {
            Some(s) if !s.is_empty() => Some(s),
            Some(_) | None if !self.errors.contains_key(key) => {
                self.error(key, "Mandatory field not set.");
                None
            }
            _ => None,
        }
    }

    /// An integer field given as a number or a numeric string.
    pub fn int(&mut self, key: &str) -> Option<i64> {
        let parsed = match self.map.get(key)? {
            Value::Null => return None,
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(key, "Must be an integer.");
        }
        parsed
    }

    /// A flag given as `true/false`, `0/1`, `"0"/"1"` or `"true"/"false"`.
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let parsed = match self.map.get(key)? {
            Value::Null => return None,
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "0" | "false" | "" => Some(false),
                "1" | "true" => Some(true),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.error(key, "Must be a boolean.");
        }
        parsed
    }

    /// A list of strings, given as a JSON array or as one string (comma or newline separated).
    pub fn str_list(&mut self, key: &str) -> Option<Vec<String>> {
        let list = match self.map.get(key)? {
            Value::Null => return None,
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_string()))
                .collect::<Option<Vec<_>>>(),
            Value::String(s) => Some(
                s.split([',', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            _ => None,
        };
        if list.is_none() {
            self.error(key, "Must be a list of strings.");
        }
        list.map(|l| l.into_iter().filter(|s| !s.is_empty()).collect())
    }

    /// Ends validation: every collected problem becomes one 403 "Could not ..." response.
    pub fn finish(self, title: &str) -> Result<(), AppError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(AppError::Invalid {
            title: title.to_string(),
            errors: serde_json::to_value(self.errors).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> Input {
        Input::new(Body(v).object("User").unwrap())
    }

    #[test]
    fn lenient_typing() {
        let mut i = input(json!({"User": {"a": "12", "b": 3, "c": "1", "d": false, "e": "x"}}));
        assert_eq!(i.int("a"), Some(12));
        assert_eq!(i.int("b"), Some(3));
        assert_eq!(i.bool("c"), Some(true));
        assert_eq!(i.bool("d"), Some(false));
        assert_eq!(i.int("e"), None);
        assert_eq!(i.int("missing"), None);
        let err = i.finish("Could not add User").unwrap_err();
        assert_eq!(
            err.body("/u")["errors"],
            json!({"e": ["Must be an integer."]})
        );
    }

    #[test]
    fn wrappers_and_unknown_fields() {
        let mut i = input(json!({"request": {"email": "a@b", "bogus": 1}}));
        assert_eq!(i.required_str("email").as_deref(), Some("a@b"));
        assert_eq!(i.required_str("org"), None);
        i.reject_unknown(&["email"]);
        let body = i.finish("Could not add User").unwrap_err().body("/u");
        assert_eq!(body["errors"]["bogus"], json!(["Unknown field."]));
        assert_eq!(body["errors"]["org"], json!(["Mandatory field not set."]));
        assert!(Body(Value::Null).object("User").unwrap().is_empty());
        assert!(Body(json!([1])).object("User").is_err());
    }
}
