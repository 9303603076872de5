//! SQL for API keys.

use sea_query::{Asterisk, Expr, ExprTrait, Order, Query};

use super::{AuthKey, NewKey};
use crate::db::{Exec, Fields};
use crate::users::User;

/// The key with this HMAC and its user: the one lookup behind every API request.
pub async fn find_by_hash(mut ex: Exec<'_>, hash: &str) -> sqlx::Result<Option<(AuthKey, User)>> {
    let key: Option<AuthKey> = ex
        .re()
        .fetch_optional(
            Query::select()
                .column(Asterisk)
                .from("auth_keys")
                .and_where(Expr::col("key_hash").eq(hash)),
        )
        .await?;
    let Some(key) = key else { return Ok(None) };
    Ok(crate::users::store::find(ex, key.user_id)
        .await?
        .map(|u| (key, u)))
}

pub async fn find(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<AuthKey>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("auth_keys")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Keys of the given users (all keys when `users` is `None`).
pub async fn list(ex: Exec<'_>, users: Option<&[i64]>) -> sqlx::Result<Vec<AuthKey>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("auth_keys")
        .order_by("id", Order::Asc);
    if let Some(ids) = users {
        q.and_where(Expr::col("user_id").is_in(ids.iter().copied()));
    }
    ex.fetch_all(&q).await
}

/// Stores a new key for `user_id` and returns its row; `raw` is the clear key.
pub async fn create(
    mut ex: Exec<'_>,
    secret: &[u8],
    user_id: i64,
    raw: &str,
    new: &NewKey,
) -> sqlx::Result<AuthKey> {
    let fields: Fields = vec![
        ("uuid", crate::wire::new_uuid().into()),
        ("key_hash", crate::auth::key_hash(secret, raw).into()),
        ("authkey_start", raw[..4].to_string().into()),
        ("authkey_end", raw[raw.len() - 4..].to_string().into()),
        ("created", crate::wire::now().into()),
        ("expiration", new.expiration.into()),
        ("read_only", new.read_only.into()),
        ("user_id", user_id.into()),
        ("comment", new.comment.clone().into()),
        (
            "allowed_ips",
            new.allowed_ips
                .as_ref()
                .map(|l| serde_json::to_string(l).unwrap_or_default())
                .into(),
        ),
        ("unique_ips", "[]".into()),
    ];
    let id = ex
        .re()
        .insert(&crate::db::insert_stmt("auth_keys", fields))
        .await?;
    find(ex, id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("auth_keys")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("auth_keys")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Expires every current key of a user now (a key reset), keeping them for the audit trail.
pub async fn expire_all(ex: Exec<'_>, user_id: i64, now: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("auth_keys")
            .value("expiration", now)
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(
                Expr::col("expiration")
                    .eq(0)
                    .or(Expr::col("expiration").gt(now)),
            ),
    )
    .await
}
