//! SQL for users.

use sea_query::{Asterisk, Expr, ExprTrait, Func, Order, Query};

use super::User;
use crate::db::{Exec, Fields};

pub async fn find(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<User>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("users")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// A user by e-mail address; addresses are stored lower-cased, so the lookup is exact.
pub async fn find_by_email(ex: Exec<'_>, email: &str) -> sqlx::Result<Option<User>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("users")
            .and_where(Expr::col("email").eq(email.to_lowercase())),
    )
    .await
}

/// Users, all or of one organisation, by id.
pub async fn list(ex: Exec<'_>, org_id: Option<i64>) -> sqlx::Result<Vec<User>> {
    let mut q = Query::select();
    q.column(Asterisk).from("users").order_by("id", Order::Asc);
    if let Some(org) = org_id {
        q.and_where(Expr::col("org_id").eq(org));
    }
    ex.fetch_all(&q).await
}

pub async fn count(ex: Exec<'_>) -> sqlx::Result<i64> {
    Ok(ex
        .fetch_i64(
            Query::select()
                .expr(Func::count(Expr::col(Asterisk)))
                .from("users"),
        )
        .await?
        .unwrap_or(0))
}

pub async fn insert(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("users", fields)).await
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("users")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("users")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn touch_api_access(ex: Exec<'_>, id: i64, now: i64) -> sqlx::Result<u64> {
    update(ex, id, vec![("last_api_access", now.into())]).await
}
