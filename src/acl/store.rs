//! SQL for the ACL inputs: the sharing groups an organisation belongs to.

use sea_query::{Expr, ExprTrait, Query, UnionType};

use crate::db::Exec;

/// Sharing groups of `org_id`: explicit membership, "all organisations of this instance"
/// (server 0 with all_orgs), and groups the organisation owns.
pub async fn sg_ids(ex: Exec<'_>, org_id: i64) -> sqlx::Result<Vec<i64>> {
    let mut q = Query::select();
    q.column("sharing_group_id")
        .from("sharing_group_orgs")
        .and_where(Expr::col("org_id").eq(org_id));
    q.union(
        UnionType::Distinct,
        Query::select()
            .column("sharing_group_id")
            .from("sharing_group_servers")
            .and_where(Expr::col("server_id").eq(0))
            .and_where(Expr::col("all_orgs").eq(true))
            .to_owned(),
    );
    q.union(
        UnionType::Distinct,
        Query::select()
            .column("id")
            .from("sharing_groups")
            .and_where(Expr::col("org_id").eq(org_id))
            .to_owned(),
    );
    let rows: Vec<(i64,)> = ex.fetch_all(&q).await?;
    let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// True when the sharing group exists and is active (selectable for new data).
pub async fn sharing_group_usable(ex: Exec<'_>, id: i64) -> sqlx::Result<bool> {
    let q = Query::select()
        .column("id")
        .from("sharing_groups")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("active").eq(true))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.is_some())
}
