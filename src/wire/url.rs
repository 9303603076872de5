//! MISP's CakePHP URL grammar (spec/api.md 1.1), rewritten before routing into one canonical form
//! so the route table stays a plain axum `Router`: controller aliases (`sharingGroups`,
//! `sharing_groups`) collapse to the snake_case name, actions are lower-cased, the `.json`
//! extension and `key:value` named parameters move into a `MispUrl` request extension, a missing
//! action becomes `index`, and the REST forms of `/events` and `/attributes` map to their actions.

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::{Method, Uri};
use percent_encoding::percent_decode_str;

/// What the rewrite took out of the URL, for handlers and error bodies.
#[derive(Debug, Clone, Default)]
pub struct MispUrl {
    /// The path as the client sent it (used as `url` in MISP's error bodies).
    pub original: String,
    /// `key:value` path parameters, decoded, keys as sent.
    pub named: HashMap<String, String>,
    /// The extension of the last segment (`json`, `xml`, `csv`), lower-cased.
    pub ext: Option<String>,
    /// `/[admin/]controller/action` with the action as the client wrote it and no parameters:
    /// the `url` of MISP's "save failed" envelopes (`/attributes/add`, `/sharing_groups/addOrg`).
    pub action_url: String,
}

impl MispUrl {
    pub fn named(&self, key: &str) -> Option<&str> {
        self.named.get(key).map(String::as_str)
    }
}

/// Controllers whose canonical (snake_case) name is not simply the lower-cased segment.
const CONTROLLERS: &[&str] = &[
    "access_logs",
    "analyst_data",
    "audit_logs",
    "auth_keys",
    "correlation_exclusions",
    "decaying_model",
    "event_blocklists",
    "event_delegations",
    "event_reports",
    "galaxy_clusters",
    "object_references",
    "object_templates",
    "org_blocklists",
    "shadow_attributes",
    "sharing_groups",
    "user_settings",
];

fn canonical_controller(seg: &str) -> String {
    let flat: String = seg
        .chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    CONTROLLERS
        .iter()
        .find(|c| c.replace('_', "") == flat)
        .map_or(flat, |c| (*c).to_string())
}

fn decode(seg: &str) -> String {
    percent_decode_str(&seg.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// A segment `key:value` with a plain key is a named parameter, not a positional one.
fn split_named(seg: &str) -> Option<(String, String)> {
    let decoded = decode(seg);
    let (k, v) = decoded.split_once(':')?;
    let plain = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    plain.then(|| (k.to_string(), v.replace(';', ":")))
}

fn is_id(seg: &str) -> bool {
    seg.chars().all(|c| c.is_ascii_digit()) || super::is_uuid(seg)
}

/// Rewrites the request URI to its canonical form and records what was removed.
pub fn rewrite(mut req: Request) -> Request {
    let original = req.uri().path().to_string();
    let (path, misp) = canonical(req.method(), &original);
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    if let Ok(uri) = format!("{path}{query}").parse::<Uri>() {
        *req.uri_mut() = uri;
    }
    req.extensions_mut().insert(misp);
    req
}

/// The canonical path for `original`: `/[admin/]controller/action/pass...`.
pub fn canonical(method: &Method, original: &str) -> (String, MispUrl) {
    let mut misp = MispUrl {
        original: original.to_string(),
        ..Default::default()
    };
    let mut segs: Vec<&str> = original.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(last) = segs.last_mut()
        && let Some((stem, ext)) = last.rsplit_once('.')
        && matches!(ext.to_ascii_lowercase().as_str(), "json" | "xml" | "csv")
    {
        misp.ext = Some(ext.to_ascii_lowercase());
        *last = stem;
    }
    let mut positional = Vec::new();
    for seg in segs {
        match split_named(seg) {
            Some((k, v)) => {
                misp.named.insert(k, v);
            }
            None if !seg.is_empty() => positional.push(seg),
            None => {}
        }
    }
    let mut admin = false;
    if positional
        .first()
        .is_some_and(|s| s.eq_ignore_ascii_case("admin"))
    {
        admin = true;
        positional.remove(0);
    }
    let Some(controller) = positional.first().map(|c| canonical_controller(c)) else {
        return ("/".to_string(), misp);
    };
    let rest = &positional[1..];
    let rest_resource = matches!(controller.as_str(), "events" | "attributes");
    let (mut action, pass): (String, &[&str]) = match rest.first() {
        None if rest_resource && *method == Method::POST => ("add".into(), rest),
        None => ("index".into(), rest),
        Some(first) if rest_resource && is_id(first) => {
            let action = match *method {
                Method::POST | Method::PUT => "edit",
                Method::DELETE => "delete",
                _ => "view",
            };
            (action.into(), rest)
        }
        Some(first) => (first.to_ascii_lowercase(), &rest[1..]),
    };
    let written = match rest.first() {
        Some(first) if !is_id(first) => first.to_string(),
        _ => action.clone(),
    };
    let prefix = if admin || action.starts_with("admin_") {
        "/admin"
    } else {
        ""
    };
    misp.action_url = format!(
        "{prefix}/{controller}/{}",
        written.strip_prefix("admin_").unwrap_or(&written)
    );
    if let Some(stripped) = action.strip_prefix("admin_") {
        admin = true;
        action = stripped.to_string();
    }
    let mut path = String::new();
    if admin {
        path.push_str("/admin");
    }
    path.push('/');
    path.push_str(&controller);
    path.push('/');
    path.push_str(&action);
    for p in pass {
        path.push('/');
        path.push_str(&p.replace('+', "%20"));
    }
    (path, misp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(method: Method, path: &str) -> String {
        canonical(&method, path).0
    }

    #[test]
    fn aliases_extensions_and_named_parameters() {
        assert_eq!(
            canon(Method::GET, "/servers/getVersion"),
            "/servers/getversion"
        );
        assert_eq!(
            canon(Method::GET, "/servers/getPyMISPVersion.json"),
            "/servers/getpymispversion"
        );
        assert_eq!(
            canon(Method::GET, "/sharingGroups/index"),
            "/sharing_groups/index"
        );
        assert_eq!(canon(Method::POST, "/authKeys/add/me"), "/auth_keys/add/me");
        assert_eq!(canon(Method::GET, "/Admin/Users"), "/admin/users/index");
        assert_eq!(
            canon(Method::GET, "/users/admin_index"),
            "/admin/users/index"
        );
        let (path, misp) = canonical(
            &Method::GET,
            "/admin/users/index/value:a%40b/searchorg:2.json",
        );
        assert_eq!(path, "/admin/users/index");
        assert_eq!(misp.named("value"), Some("a@b"));
        assert_eq!(misp.named("searchorg"), Some("2"));
        assert_eq!(misp.ext.as_deref(), Some("json"));
        let (_, misp) = canonical(
            &Method::GET,
            "/organisations/index/scope:all/searchall:foo+bar",
        );
        assert_eq!(misp.named("searchall"), Some("foo bar"));
    }

    #[test]
    fn rest_resources() {
        assert_eq!(canon(Method::GET, "/events"), "/events/index");
        assert_eq!(canon(Method::POST, "/events"), "/events/add");
        assert_eq!(canon(Method::GET, "/events/12"), "/events/view/12");
        assert_eq!(canon(Method::PUT, "/events/12"), "/events/edit/12");
        assert_eq!(
            canon(Method::DELETE, "/attributes/3"),
            "/attributes/delete/3"
        );
        assert_eq!(
            canon(Method::GET, "/events/view/12.json"),
            "/events/view/12"
        );
        assert_eq!(canon(Method::GET, "/"), "/");
    }
}
