//! What an API key resolves to, cached in `cache::local::AccessCaches::keys` so the common
//! request costs no authentication query.

use crate::auth_keys::AuthKey;
use crate::orgs::Organisation;
use crate::roles::Role;
use crate::users::User;

/// Everything a key resolves to; the per-request checks (expiry, IP, disabled) still run on it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub key: AuthKey,
    pub user: User,
    pub role: Role,
    pub org: Organisation,
}
