//! SQL for organisations.

use std::collections::HashMap;

use sea_query::{Asterisk, Cond, Expr, ExprTrait, Func, Order, Query};

use super::Organisation;
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => Expr::col("id").eq(*id),
        IdRef::Uuid(u) => Expr::col("uuid").eq(u.clone()),
    }
}

pub async fn find(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<Organisation>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("organisations")
            .and_where(by_ref(r)),
    )
    .await
}

/// An organisation by name, case-insensitively (names are unique regardless of case).
pub async fn find_by_name(ex: Exec<'_>, name: &str) -> sqlx::Result<Option<Organisation>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("organisations")
            .and_where(Expr::expr(Func::lower(Expr::col("name"))).eq(name.to_lowercase())),
    )
    .await
}

/// Which organisations an index lists.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Local,
    External,
    All,
}

/// Organisations in `scope`, optionally matching `search` in name, uuid, description, type,
/// nationality or sector; ordered by name regardless of case, as MISP lists them.
pub async fn list(
    ex: Exec<'_>,
    scope: Scope,
    search: Option<&str>,
) -> sqlx::Result<Vec<Organisation>> {
    let mut q = Query::select();
    q.column(Asterisk).from("organisations");
    match scope {
        Scope::Local => {
            q.and_where(Expr::col("local").eq(true));
        }
        Scope::External => {
            q.and_where(Expr::col("local").eq(false));
        }
        Scope::All => {}
    }
    if let Some(s) = search.filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", crate::db::escape_like(&s.to_lowercase()));
        let mut any = Cond::any();
        for col in [
            "name",
            "uuid",
            "description",
            "type",
            "nationality",
            "sector",
        ] {
            any = any.add(
                Expr::expr(Func::lower(Expr::col(col)))
                    .like(sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
            );
        }
        q.cond_where(any);
    }
    q.order_by_expr(Func::lower(Expr::col("name")).into(), Order::Asc);
    ex.fetch_all(&q).await
}

pub async fn insert(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("organisations", fields))
        .await
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("organisations")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("organisations")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Number of users per organisation id.
pub async fn user_counts(ex: Exec<'_>) -> sqlx::Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = ex
        .fetch_all(
            Query::select()
                .column("org_id")
                .expr(Func::count(Expr::col(Asterisk)))
                .from("users")
                .group_by_col("org_id"),
        )
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn user_count(ex: Exec<'_>, org_id: i64) -> sqlx::Result<i64> {
    let q = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from("users")
        .and_where(Expr::col("org_id").eq(org_id))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.unwrap_or(0))
}

/// True when events or sharing groups still refer to the organisation (it cannot be deleted).
pub async fn has_data(mut ex: Exec<'_>, org_id: i64) -> sqlx::Result<bool> {
    let events = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from("events")
        .cond_where(
            Cond::any()
                .add(Expr::col("org_id").eq(org_id))
                .add(Expr::col("orgc_id").eq(org_id)),
        )
        .to_owned();
    let groups = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from("sharing_groups")
        .and_where(Expr::col("org_id").eq(org_id))
        .to_owned();
    Ok(ex.re().fetch_i64(&events).await?.unwrap_or(0) > 0
        || ex.fetch_i64(&groups).await?.unwrap_or(0) > 0)
}
