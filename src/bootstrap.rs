//! First start on an empty database: the instance identity, the six default roles, the host
//! organisation and a site administrator whose password and key are given by the operator or
//! generated and printed once. Never a fixed default password.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sea_query::Expr;

use crate::auth::{generate_key, valid_key};
use crate::config::Config;
use crate::db::{Db, Exec, Fields};
use crate::wire;

/// This instance's identity, shared by every node on the same database.
pub struct Instance {
    pub uuid: String,
    pub secret: Vec<u8>,
}

/// Creates whatever an empty database lacks; idempotent, so every start runs it.
pub async fn first_start(db: &Db, config: &Config) -> anyhow::Result<Instance> {
    if let Some(key) = &config.admin_key
        && !valid_key(key)
    {
        anyhow::bail!("CAIRN_ADMIN_KEY must be exactly 40 characters from [A-Za-z0-9]");
    }
    let instance = ensure_instance(db).await?;
    let mut tx = db.begin().await?;
    if crate::roles::store::count(tx.ex()).await? == 0 {
        for role in crate::roles::default_roles(wire::now()) {
            crate::roles::store::insert_with_id(tx.ex(), &role).await?;
        }
    }
    if crate::users::store::count(tx.ex()).await? == 0 {
        let org_id = ensure_org(
            tx.ex(),
            &config.org_name,
            "Automatically generated admin organisation",
            "ADMIN",
        )
        .await?;
        let generated_password = config.admin_password.is_none();
        let password = config.admin_password.clone().unwrap_or_else(|| {
            rand::rngs::OsRng
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect()
        });
        let key = config.admin_key.clone().unwrap_or_else(generate_key);
        let hashed = crate::auth::hash_password_async(password.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let user_id = insert_user(
            tx.ex(),
            &config.admin_email,
            org_id,
            1,
            Some(hashed),
            generated_password,
        )
        .await?;
        let new_key = crate::auth_keys::NewKey {
            comment: Some("Initial site admin key".into()),
            ..Default::default()
        };
        crate::auth_keys::store::create(tx.ex(), &instance.secret, user_id, &key, &new_key).await?;
        tx.commit().await?;
        tracing::info!(email = %config.admin_email, org = %config.org_name, "created the site administrator");
        if generated_password {
            tracing::warn!(
                "generated admin password (shown once, change it at first login): {password}"
            );
        }
        if config.admin_key.is_none() {
            tracing::warn!("generated admin API key (shown once): {key}");
        }
    } else {
        tx.commit().await?;
    }
    Ok(instance)
}

async fn ensure_instance(db: &Db) -> anyhow::Result<Instance> {
    use crate::servers::store;
    if store::instance(db.ex()).await?.is_none() {
        let secret: String = rand::rngs::OsRng
            .sample_iter(&Alphanumeric)
            .take(64)
            .map(char::from)
            .collect();
        match store::insert_instance(db.ex(), &wire::new_uuid(), &secret, wire::now()).await {
            Ok(_) => {}
            // Another node created it first: use theirs.
            Err(e) if crate::db::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let row = store::instance(db.ex())
        .await?
        .ok_or_else(|| anyhow::anyhow!("instance row missing"))?;
    Ok(Instance {
        uuid: row.uuid,
        secret: row.secret.into_bytes(),
    })
}

/// The id of the organisation called `name`, created as a local organisation when missing.
pub async fn ensure_org(
    mut ex: Exec<'_>,
    name: &str,
    description: &str,
    kind: &str,
) -> anyhow::Result<i64> {
    if let Some(org) = crate::orgs::store::find_by_name(ex.re(), name).await? {
        return Ok(org.id);
    }
    let now = wire::now();
    let fields: Fields = vec![
        ("uuid", wire::new_uuid().into()),
        ("name", name.into()),
        ("date_created", now.into()),
        ("date_modified", now.into()),
        ("description", description.into()),
        ("type", kind.into()),
        ("nationality", "".into()),
        ("sector", "".into()),
        ("created_by", 0.into()),
        ("local", true.into()),
    ];
    Ok(crate::orgs::store::insert(ex, fields).await?)
}

/// Inserts a user with the defaults MISP gives one created outside the API.
pub async fn insert_user(
    ex: Exec<'_>,
    email: &str,
    org_id: i64,
    role_id: i64,
    password: Option<String>,
    change_pw: bool,
) -> anyhow::Result<i64> {
    let now = wire::now();
    let fields: Fields = vec![
        ("email", email.to_lowercase().into()),
        ("password", password.into()),
        ("org_id", org_id.into()),
        ("role_id", role_id.into()),
        (
            "nids_sid",
            rand::thread_rng()
                .gen_range(1_000_000..10_000_000i64)
                .into(),
        ),
        ("change_pw", change_pw.into()),
        ("certif_public", "".into()),
        ("date_created", Expr::from(now)),
        ("date_modified", now.into()),
        ("last_pw_change", now.into()),
    ];
    Ok(crate::users::store::insert(ex, fields).await?)
}

/// `cairn user add`: creates the user (and its organisation when missing) and returns the key.
pub async fn cli_add_user(
    db: &Db,
    secret: &[u8],
    email: &str,
    org: &str,
    role: &str,
    password: Option<String>,
    api_key: Option<String>,
) -> anyhow::Result<String> {
    if let Some(k) = &api_key
        && !valid_key(k)
    {
        anyhow::bail!("--api-key must be exactly 40 characters from [A-Za-z0-9]");
    }
    if let Some(problem) = password.as_deref().and_then(crate::auth::password_problem) {
        anyhow::bail!("{problem}");
    }
    if crate::users::store::find_by_email(db.ex(), email)
        .await?
        .is_some()
    {
        anyhow::bail!("an account with the e-mail address {email} already exists");
    }
    let role = crate::roles::store::find_by_name_or_id(db.ex(), role)
        .await?
        .ok_or_else(|| anyhow::anyhow!("unknown role {role:?} (see /roles/index)"))?;
    let hashed = match password {
        Some(p) => Some(
            crate::auth::hash_password_async(p)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    let key = api_key.unwrap_or_else(generate_key);
    let mut tx = db.begin().await?;
    let org_id = ensure_org(tx.ex(), org, "", "").await?;
    // The operator chose this password on the command line: no forced change.
    let user_id = insert_user(tx.ex(), email, org_id, role.id, hashed, false).await?;
    let new_key = crate::auth_keys::NewKey {
        comment: Some("Created on the command line".into()),
        ..Default::default()
    };
    crate::auth_keys::store::create(tx.ex(), secret, user_id, &key, &new_key).await?;
    tx.commit().await?;
    Ok(key)
}

/// `cairn user reset-key`: expires the user's keys and returns a new one.
pub async fn cli_reset_key(db: &Db, secret: &[u8], email: &str) -> anyhow::Result<String> {
    let user = crate::users::store::find_by_email(db.ex(), email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with the e-mail address {email}"))?;
    let key = generate_key();
    let mut tx = db.begin().await?;
    crate::auth_keys::store::expire_all(tx.ex(), user.id, wire::now()).await?;
    let new_key = crate::auth_keys::NewKey {
        comment: Some("Reset on the command line".into()),
        ..Default::default()
    };
    crate::auth_keys::store::create(tx.ex(), secret, user.id, &key, &new_key).await?;
    tx.commit().await?;
    Ok(key)
}
