//! Roles: MISP's permission sets, with the six default roles and their fixed ids (1 admin,
//! 2 Org Admin, 3 User, 4 Publisher, 5 Sync user, 6 Read Only; PyMISP's tests assume them).

pub mod routes;
pub mod store;

use serde::Serialize;

use crate::wire::{datetime, str_int};

/// A role row; field order is MISP's wire order (`perm_full` is stored but never shown).
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct Role {
    #[serde(serialize_with = "str_int")]
    pub id: i64,
    pub name: String,
    #[serde(serialize_with = "datetime")]
    pub created: i64,
    #[serde(serialize_with = "datetime")]
    pub modified: i64,
    pub perm_add: bool,
    pub perm_modify: bool,
    pub perm_modify_org: bool,
    pub perm_publish: bool,
    pub perm_delegate: bool,
    pub perm_sync: bool,
    pub perm_admin: bool,
    pub perm_audit: bool,
    #[serde(skip)]
    pub perm_full: bool,
    pub perm_auth: bool,
    pub perm_site_admin: bool,
    pub perm_regexp_access: bool,
    pub perm_tagger: bool,
    pub perm_template: bool,
    pub perm_sharing_group: bool,
    pub perm_tag_editor: bool,
    pub perm_sighting: bool,
    pub perm_object_template: bool,
    pub default_role: bool,
    pub memory_limit: Option<String>,
    pub max_execution_time: Option<String>,
    pub restricted_to_site_admin: bool,
    pub perm_publish_zmq: bool,
    pub perm_publish_kafka: bool,
    pub perm_decaying: bool,
    pub enforce_rate_limit: bool,
    #[serde(serialize_with = "str_int")]
    pub rate_limit_count: i64,
    pub perm_galaxy_editor: bool,
    pub perm_warninglist: bool,
    pub perm_view_feed_correlations: bool,
    pub perm_analyst_data: bool,
    pub perm_skip_otp: bool,
}

/// A role as MISP shows it: the row plus the virtual legacy `permission` level.
#[derive(Serialize)]
pub struct RoleWire<'a> {
    #[serde(flatten)]
    pub role: &'a Role,
    pub permission: String,
    pub permission_description: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

impl Role {
    /// The legacy level MISP derives from the four editing flags: 0 read_only, 1 manage_own,
    /// 2 manage_org, 3 publish.
    pub fn permission(&self) -> (i64, &'static str) {
        if self.perm_add && self.perm_modify && self.perm_modify_org && self.perm_publish {
            (3, "publish")
        } else if self.perm_add && self.perm_modify && self.perm_modify_org {
            (2, "manage_org")
        } else if self.perm_add && self.perm_modify {
            (1, "manage_own")
        } else {
            (0, "read_only")
        }
    }

    pub fn wire(&self, with_default: bool) -> RoleWire<'_> {
        let (level, description) = self.permission();
        RoleWire {
            role: self,
            permission: level.to_string(),
            permission_description: description,
            default: with_default.then_some(self.default_role),
        }
    }

    /// The role a read-only key acts with: every permission off but `perm_auth` and `perm_audit`.
    pub fn read_only(&self) -> Role {
        Role {
            id: self.id,
            name: self.name.clone(),
            created: self.created,
            modified: self.modified,
            perm_auth: true,
            perm_audit: self.perm_audit,
            default_role: self.default_role,
            memory_limit: self.memory_limit.clone(),
            max_execution_time: self.max_execution_time.clone(),
            restricted_to_site_admin: self.restricted_to_site_admin,
            enforce_rate_limit: self.enforce_rate_limit,
            rate_limit_count: self.rate_limit_count,
            ..Role::default()
        }
    }

    /// Every stored permission flag with its column name, for inserts.
    pub fn perm_columns(&self) -> [(&'static str, bool); 28] {
        [
            ("perm_add", self.perm_add),
            ("perm_modify", self.perm_modify),
            ("perm_modify_org", self.perm_modify_org),
            ("perm_publish", self.perm_publish),
            ("perm_delegate", self.perm_delegate),
            ("perm_sync", self.perm_sync),
            ("perm_admin", self.perm_admin),
            ("perm_audit", self.perm_audit),
            ("perm_full", self.perm_full),
            ("perm_auth", self.perm_auth),
            ("perm_site_admin", self.perm_site_admin),
            ("perm_regexp_access", self.perm_regexp_access),
            ("perm_tagger", self.perm_tagger),
            ("perm_template", self.perm_template),
            ("perm_sharing_group", self.perm_sharing_group),
            ("perm_tag_editor", self.perm_tag_editor),
            ("perm_sighting", self.perm_sighting),
            ("perm_object_template", self.perm_object_template),
            ("default_role", self.default_role),
            ("restricted_to_site_admin", self.restricted_to_site_admin),
            ("perm_publish_zmq", self.perm_publish_zmq),
            ("perm_publish_kafka", self.perm_publish_kafka),
            ("perm_decaying", self.perm_decaying),
            ("enforce_rate_limit", self.enforce_rate_limit),
            ("perm_galaxy_editor", self.perm_galaxy_editor),
            ("perm_warninglist", self.perm_warninglist),
            (
                "perm_view_feed_correlations",
                self.perm_view_feed_correlations,
            ),
            ("perm_analyst_data", self.perm_analyst_data),
        ]
    }
}

/// The six roles a fresh instance starts with, as MISP installs them (spec/model.md 1.3).
pub fn default_roles(now: i64) -> Vec<Role> {
    let base = |id: i64, name: &str| Role {
        id,
        name: name.into(),
        created: now,
        modified: now,
        perm_auth: true,
        perm_audit: true,
        ..Role::default()
    };
    // What every role that may edit has: add, modify, modify_org, tagger, sighting and the
    // galaxy/decaying/analyst-data editors.
    let editor = |mut r: Role| {
        r.perm_add = true;
        r.perm_modify = true;
        r.perm_modify_org = true;
        r.perm_tagger = true;
        r.perm_sighting = true;
        r.perm_decaying = true;
        r.perm_galaxy_editor = true;
        r.perm_analyst_data = true;
        r
    };
    let publisher = |mut r: Role| {
        r.perm_publish = true;
        r.perm_publish_zmq = true;
        r.perm_publish_kafka = true;
        r.perm_delegate = true;
        r
    };
    let mut admin = publisher(editor(base(1, "admin")));
    admin.perm_sync = true;
    admin.perm_admin = true;
    admin.perm_full = true;
    admin.perm_site_admin = true;
    admin.perm_regexp_access = true;
    admin.perm_template = true;
    admin.perm_sharing_group = true;
    admin.perm_tag_editor = true;
    admin.perm_object_template = true;
    admin.perm_warninglist = true;
    admin.perm_view_feed_correlations = true;
    let mut org_admin = publisher(editor(base(2, "Org Admin")));
    org_admin.perm_admin = true;
    org_admin.perm_template = true;
    org_admin.perm_sharing_group = true;
    org_admin.perm_tag_editor = true;
    let mut user = editor(base(3, "User"));
    user.default_role = true;
    let publisher_role = publisher(editor(base(4, "Publisher")));
    let mut sync = publisher(editor(base(5, "Sync user")));
    sync.perm_sync = true;
    sync.perm_sharing_group = true;
    sync.perm_tag_editor = true;
    let read_only = base(6, "Read Only");
    vec![admin, org_admin, user, publisher_role, sync, read_only]
}
