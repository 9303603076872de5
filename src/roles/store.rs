//! SQL for roles.

use sea_query::{Asterisk, Expr, ExprTrait, Func, Order, Query};

use super::Role;
use crate::db::Exec;

pub async fn find(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<Role>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("roles")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// A role by id (digits) or by name, case-insensitively (the command line takes either).
pub async fn find_by_name_or_id(ex: Exec<'_>, key: &str) -> sqlx::Result<Option<Role>> {
    let cond = match key.parse::<i64>() {
        Ok(id) => Expr::col("id").eq(id),
        Err(_) => Expr::expr(Func::lower(Expr::col("name"))).eq(key.to_lowercase()),
    };
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("roles")
            .and_where(cond),
    )
    .await
}

pub async fn list(ex: Exec<'_>) -> sqlx::Result<Vec<Role>> {
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("roles")
            .order_by("id", Order::Asc),
    )
    .await
}

/// The role new users get when none is given.
pub async fn default_role(ex: Exec<'_>) -> sqlx::Result<Option<Role>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("roles")
            .and_where(Expr::col("default_role").eq(true))
            .order_by("id", Order::Asc)
            .limit(1),
    )
    .await
}

pub async fn count(ex: Exec<'_>) -> sqlx::Result<i64> {
    Ok(ex
        .fetch_i64(
            Query::select()
                .expr(Func::count(Expr::col(Asterisk)))
                .from("roles"),
        )
        .await?
        .unwrap_or(0))
}

/// Inserts a role with its explicit id (the default roles keep MISP's ids).
pub async fn insert_with_id(mut ex: Exec<'_>, role: &Role) -> sqlx::Result<()> {
    let mut cols: Vec<&str> = vec!["id", "name", "created", "modified", "rate_limit_count"];
    let mut vals: Vec<Expr> = vec![
        role.id.into(),
        role.name.clone().into(),
        role.created.into(),
        role.modified.into(),
        role.rate_limit_count.into(),
    ];
    for (col, val) in role.perm_columns() {
        cols.push(col);
        vals.push(val.into());
    }
    ex.re()
        .execute(
            Query::insert()
                .into_table("roles")
                .columns(cols)
                .values_panic(vals),
        )
        .await?;
    crate::db::sync_id_sequence(ex, "roles").await
}
