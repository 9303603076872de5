//! Users: who logs in and who holds API keys; each belongs to one organisation and has one role.

pub mod routes;
pub mod store;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A user row. Never serialised directly: `UserWire` decides which fields a response shows.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password: Option<String>,
    pub org_id: i64,
    pub role_id: i64,
    pub server_id: i64,
    pub autoalert: bool,
    pub invited_by: i64,
    pub gpgkey: Option<String>,
    pub certif_public: Option<String>,
    pub nids_sid: i64,
    pub termsaccepted: bool,
    pub newsread: i64,
    pub change_pw: bool,
    pub contactalert: bool,
    pub disabled: bool,
    pub expiration: Option<i64>,
    pub current_login: i64,
    pub last_login: i64,
    pub force_logout: bool,
    pub date_created: Option<i64>,
    pub date_modified: i64,
    pub sub: Option<String>,
    pub external_auth_required: bool,
    pub external_auth_key: Option<String>,
    pub last_api_access: i64,
    pub notification_daily: bool,
    pub notification_weekly: bool,
    pub notification_monthly: bool,
    pub totp: Option<String>,
    pub hotp_counter: Option<i64>,
    pub last_pw_change: Option<i64>,
}

/// The three shapes MISP gives a user (see the captures 002, 011 and 013).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `users/view`: every column but `server_id`, secrets masked.
    View,
    /// `admin/users/add|edit`: with `server_id` and, on add, the new clear `authkey`.
    Saved,
    /// `admin/users/index`: no secrets at all.
    Index,
}

/// Every field MISP emits for a user, accepted on input so a client may post back what it read.
pub const WIRE_FIELDS: &[&str] = &[
    "id",
    "password",
    "org_id",
    "server_id",
    "email",
    "autoalert",
    "authkey",
    "invited_by",
    "gpgkey",
    "certif_public",
    "nids_sid",
    "termsaccepted",
    "newsread",
    "role_id",
    "change_pw",
    "contactalert",
    "disabled",
    "expiration",
    "current_login",
    "last_login",
    "force_logout",
    "date_created",
    "date_modified",
    "sub",
    "external_auth_required",
    "external_auth_key",
    "last_api_access",
    "notification_daily",
    "notification_weekly",
    "notification_monthly",
    "totp",
    "hotp_counter",
    "last_pw_change",
    "totp_is_set",
    "enable_password",
    "notify",
    "confirm_password",
    "Role",
    "Organisation",
    "UserSetting",
];

pub struct UserWire<'a> {
    pub user: &'a User,
    pub shape: Shape,
    /// The clear key, only in the response that created it.
    pub authkey: Option<&'a str>,
}

impl User {
    pub fn wire(&self, shape: Shape) -> UserWire<'_> {
        UserWire {
            user: self,
            shape,
            authkey: None,
        }
    }
}

fn s(v: i64) -> String {
    v.to_string()
}

fn os(v: Option<i64>) -> Option<String> {
    v.map(s)
}

impl Serialize for UserWire<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let u = self.user;
        let (view, saved, index) = (
            self.shape == Shape::View,
            self.shape == Shape::Saved,
            self.shape == Shape::Index,
        );
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("id", &s(u.id))?;
        if view {
            m.serialize_entry("password", "*****")?;
        } else if saved {
            m.serialize_entry("password", "******")?;
        }
        m.serialize_entry("org_id", &s(u.org_id))?;
        if !view {
            m.serialize_entry("server_id", &s(u.server_id))?;
        }
        m.serialize_entry("email", &u.email)?;
        m.serialize_entry("autoalert", &u.autoalert)?;
        if let Some(key) = self.authkey {
            m.serialize_entry("authkey", key)?;
        }
        m.serialize_entry("invited_by", &s(u.invited_by))?;
        m.serialize_entry("gpgkey", &u.gpgkey)?;
        m.serialize_entry("certif_public", &u.certif_public)?;
        m.serialize_entry("nids_sid", &s(u.nids_sid))?;
        m.serialize_entry("termsaccepted", &u.termsaccepted)?;
        m.serialize_entry("newsread", &s(u.newsread))?;
        m.serialize_entry("role_id", &s(u.role_id))?;
        m.serialize_entry("change_pw", &u.change_pw)?;
        m.serialize_entry("contactalert", &u.contactalert)?;
        m.serialize_entry("disabled", &u.disabled)?;
        m.serialize_entry(
            "expiration",
            &u.expiration.map(crate::wire::format_datetime),
        )?;
        m.serialize_entry("current_login", &s(u.current_login))?;
        m.serialize_entry("last_login", &s(u.last_login))?;
        if index {
            m.serialize_entry("last_api_access", &s(u.last_api_access))?;
        }
        m.serialize_entry("force_logout", &u.force_logout)?;
        m.serialize_entry("date_created", &os(u.date_created))?;
        m.serialize_entry("date_modified", &s(u.date_modified))?;
        if index {
            m.serialize_entry("last_pw_change", &os(u.last_pw_change))?;
            return m.end();
        }
        m.serialize_entry("sub", &u.sub)?;
        m.serialize_entry("external_auth_required", &u.external_auth_required)?;
        m.serialize_entry("external_auth_key", &u.external_auth_key)?;
        m.serialize_entry("last_api_access", &s(u.last_api_access))?;
        m.serialize_entry("notification_daily", &u.notification_daily)?;
        m.serialize_entry("notification_weekly", &u.notification_weekly)?;
        m.serialize_entry("notification_monthly", &u.notification_monthly)?;
        if view {
            m.serialize_entry("totp", "*****")?;
        } else {
            m.serialize_entry("totp", &u.totp.as_ref().map(|_| "*****"))?;
        }
        m.serialize_entry("hotp_counter", &os(u.hotp_counter))?;
        m.serialize_entry("last_pw_change", &os(u.last_pw_change))?;
        m.serialize_entry("totp_is_set", if u.totp.is_some() { "1" } else { "0" })?;
        m.end()
    }
}
