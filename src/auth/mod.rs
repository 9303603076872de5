//! Authentication as MISP does it: the bare 40-character key in `Authorization` (or
//! `X-MISP-AUTH`). Keys are stored as HMAC-SHA256 under the instance secret, so one indexed
//! lookup checks a key on every request (bcrypt per request is what makes MISP slow); passwords
//! are argon2id, verified off the async runtime.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub mod keycache;

use crate::app::AppState;
use crate::error::{AUTH_FAILED, AppError};
use crate::orgs::Organisation;
use crate::roles::Role;
use crate::users::User;

pub const KEY_LEN: usize = 40;

/// A fresh API key: 40 characters from `[A-Za-z0-9]`, from the OS random generator.
pub fn generate_key() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(KEY_LEN)
        .map(char::from)
        .collect()
}

/// True for a syntactically valid key; anything else is an authentication failure.
pub fn valid_key(key: &str) -> bool {
    key.len() == KEY_LEN && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The stored form of a key: hex HMAC-SHA256 under the instance secret (an index lookup, and a
/// stolen table is useless without the secret).
pub fn key_hash(secret: &[u8], key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(key.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// argon2id hash of a password (CPU-heavy: call through `spawn_blocking`).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Checks a password against its stored argon2 hash in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Hashes a password on the blocking pool so the runtime keeps serving requests.
pub async fn hash_password_async(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// MISP's password policy: at least 12 characters, and (a digit or a special character) with
/// upper and lower case, unless it is 16 characters or longer.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < 12 {
        return Some("Password must be at least 12 characters long.");
    }
    let upper = password.chars().any(char::is_uppercase);
    let lower = password.chars().any(char::is_lowercase);
    let digit_or_special = password.chars().any(|c| !c.is_alphabetic());
    if len >= 16 || (upper && lower && digit_or_special) {
        None
    } else {
        Some(
            "Password must contain upper and lower case letters and a digit or special character, or be at least 16 characters long.",
        )
    }
}

/// The authenticated caller: the user, its effective role (read-only keys strip permissions),
/// and its organisation. Extracting it authenticates the request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub role: Role,
    pub org: Organisation,
    pub key_id: i64,
}

impl CurrentUser {
    pub fn site_admin(&self) -> bool {
        self.role.perm_site_admin
    }

    /// Site admin, or org admin of `org_id`.
    pub fn admin_of(&self, org_id: i64) -> bool {
        self.site_admin() || (self.role.perm_admin && self.user.org_id == org_id)
    }

    /// Any kind of administrator (site or organisation).
    pub fn any_admin(&self) -> bool {
        self.site_admin() || self.role.perm_admin
    }

    /// Passes when `allowed`, else MISP's "no permission" 403.
    pub fn require(&self, allowed: bool) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

/// The key a client sent: `X-MISP-AUTH` wins over `Authorization`; a comma-separated list is
/// allowed (first valid wins, as MISP); `Basic ...` is not a key.
fn presented_keys(parts: &Parts) -> Vec<String> {
    let header = ["x-misp-auth", "authorization"]
        .iter()
        .find_map(|h| parts.headers.get(*h).and_then(|v| v.to_str().ok()));
    let Some(header) = header else {
        return Vec::new();
    };
    if header.trim_start().starts_with("Basic") {
        return Vec::new();
    }
    header
        .split(',')
        .map(|k| k.trim().to_string())
        .filter(|k| valid_key(k))
        .collect()
}

fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// True when `ip` is inside one of the key's allowed networks (JSON list of IPs or CIDRs).
fn ip_allowed(allowed_ips: &str, ip: Option<IpAddr>) -> bool {
    let Ok(list) = serde_json::from_str::<Vec<String>>(allowed_ips) else {
        return false;
    };
    if list.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    list.iter().any(|net| {
        net.parse::<ipnet::IpNet>()
            .map(|n| n.contains(&ip))
            .or_else(|_| net.parse::<IpAddr>().map(|a| a == ip))
            .unwrap_or(false)
    })
}

/// The key row, user, role and organisation behind a key hash: from the key cache, or three
/// indexed lookups on a miss.
async fn resolve(
    state: &AppState,
    hash: &str,
) -> Result<Option<Arc<keycache::Resolved>>, AppError> {
    if let Some(hit) = state.caches.keys.get(&hash.to_string()) {
        return Ok(Some(hit));
    }
    let Some((key, user)) = crate::auth_keys::store::find_by_hash(state.db.ex(), hash).await?
    else {
        return Ok(None);
    };
    // The index lookup already matched; the constant-time re-check keeps the decision itself
    // free of timing differences whatever the database's comparison does.
    if !bool::from(key.key_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    let role = crate::roles::store::find(state.db.ex(), user.role_id).await?;
    let org = crate::orgs::store::find(state.db.ex(), &crate::wire::IdRef::Id(user.org_id)).await?;
    let (Some(role), Some(org)) = (role, org) else {
        return Ok(None);
    };
    let resolved = Arc::new(keycache::Resolved {
        key,
        user,
        role,
        org,
    });
    state.caches.keys.put(hash.to_string(), resolved.clone());
    Ok(Some(resolved))
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<CurrentUser, AppError> {
    // Browser scripts get MISP's short message, API clients the long one.
    let ajax = parts
        .headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"XMLHttpRequest"));
    let fail = || {
        AppError::Forbidden(if ajax {
            "Authentication failed.".into()
        } else {
            AUTH_FAILED.into()
        })
    };
    for key in presented_keys(parts) {
        let hash = key_hash(&state.secret, &key);
        let Some(resolved) = resolve(state, &hash).await? else {
            continue;
        };
        let keycache::Resolved {
            key: auth_key,
            user,
            role,
            org,
        } = (*resolved).clone();
        let now = crate::wire::now();
        if auth_key.expiration != 0 && auth_key.expiration <= now {
            return Err(AppError::Forbidden("Auth key is expired".into()));
        }
        if let Some(allowed) = auth_key.allowed_ips.as_deref()
            && !ip_allowed(allowed, client_ip(parts))
        {
            return Err(AppError::Forbidden(
                "It is not possible to use this Auth key from your IP address".into(),
            ));
        }
        if user.disabled || user.expiration.is_some_and(|e| e <= now) {
            return Err(AppError::Forbidden(
                "Authentication failed. Your user account has been disabled.".into(),
            ));
        }
        if !role.perm_auth {
            return Err(fail());
        }
        let role = if auth_key.read_only {
            role.read_only()
        } else {
            role
        };
        // One write a minute per user at most, not one per request.
        if state
            .cache
            .set_once(&format!("api_access:{}", user.id), Duration::from_secs(60))
            .await
            .unwrap_or(true)
        {
            crate::users::store::touch_api_access(state.db.ex(), user.id, now).await?;
        }
        return Ok(CurrentUser {
            user,
            role,
            org,
            key_id: auth_key.id,
        });
    }
    Err(fail())
}

impl FromRequestParts<AppState> for Arc<CurrentUser> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(user) = parts.extensions.get::<Arc<CurrentUser>>() {
            return Ok(user.clone());
        }
        let user = Arc::new(authenticate(parts, state).await?);
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_passwords() {
        let k = generate_key();
        assert!(valid_key(&k));
        assert!(!valid_key("short"));
        assert!(!valid_key(&"é".repeat(20)));
        assert_eq!(key_hash(b"s", &k), key_hash(b"s", &k));
        assert_ne!(key_hash(b"s", &k), key_hash(b"t", &k));
        let h = hash_password("Correct-Horse-1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-Horse-1", &h));
        assert!(!verify_password("wrong", &h));
        assert!(password_problem("short").is_some());
        assert!(password_problem("alllowercase12").is_some());
        assert!(password_problem("Mixed-case-123").is_none());
        assert!(password_problem("a very long passphrase").is_none());
    }

    #[test]
    fn ip_allow_lists() {
        let ip = Some("10.1.2.3".parse().unwrap());
        assert!(ip_allowed(r#"["10.0.0.0/8"]"#, ip));
        assert!(ip_allowed(r#"["10.1.2.3"]"#, ip));
        assert!(!ip_allowed(r#"["192.168.0.0/16"]"#, ip));
        assert!(!ip_allowed(r#"["10.0.0.0/8"]"#, None));
        assert!(ip_allowed("[]", None));
    }
}
