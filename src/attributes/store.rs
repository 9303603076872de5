//! SQL for attributes: bulk inserts (one multi-row statement per batch) and reads per event.

use std::collections::HashMap;

use sea_query::{Asterisk, Expr, ExprTrait, Func, Order, Query};

use super::{Attribute, NewAttribute};
use crate::db::Exec;

/// Rows per INSERT: 18 columns x 1,000 rows stays under every backend's parameter limit.
const BATCH: usize = 1000;

const COLUMNS: [&str; 17] = [
    "uuid",
    "event_id",
    "object_id",
    "object_relation",
    "category",
    "type",
    "value1",
    "value2",
    "to_ids",
    "distribution",
    "sharing_group_id",
    "comment",
    "deleted",
    "disable_correlation",
    "timestamp",
    "first_seen",
    "last_seen",
];

/// Inserts attributes of one event (and object, or 0) in multi-row batches; returns the new
/// ids by uuid.
pub async fn insert_many(
    mut ex: Exec<'_>,
    event_id: i64,
    object_id: i64,
    attrs: &[NewAttribute],
    now: i64,
) -> sqlx::Result<HashMap<String, i64>> {
    for chunk in attrs.chunks(BATCH) {
        let mut q = Query::insert();
        q.into_table("attributes").columns(COLUMNS);
        for a in chunk {
            q.values_panic([
                a.uuid.clone().into(),
                event_id.into(),
                object_id.into(),
                a.object_relation.clone().into(),
                a.category.clone().into(),
                a.r#type.clone().into(),
                a.value1.clone().into(),
                a.value2.clone().into(),
                a.to_ids.into(),
                a.distribution.into(),
                a.sharing_group_id.into(),
                a.comment.clone().into(),
                a.deleted.into(),
                a.disable_correlation.into(),
                a.timestamp.unwrap_or(now).into(),
                a.first_seen.into(),
                a.last_seen.into(),
            ]);
        }
        ex.re().execute(&q).await?;
    }
    let uuids: Vec<String> = attrs.iter().map(|a| a.uuid.clone()).collect();
    ids_by_uuid(ex, event_id, &uuids).await
}

/// Ids of the given attribute uuids of one event.
pub async fn ids_by_uuid(
    mut ex: Exec<'_>,
    event_id: i64,
    uuids: &[String],
) -> sqlx::Result<HashMap<String, i64>> {
    let mut map = HashMap::with_capacity(uuids.len());
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<(i64, String)> = ex
            .re()
            .fetch_all(
                Query::select()
                    .columns(["id", "uuid"])
                    .from("attributes")
                    .and_where(Expr::col("event_id").eq(event_id))
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        map.extend(rows.into_iter().map(|(id, uuid)| (uuid, id)));
    }
    Ok(map)
}

/// Which of `uuids` already exist anywhere (uuids are unique instance-wide).
pub async fn existing_uuids(mut ex: Exec<'_>, uuids: &[String]) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<(String,)> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column("uuid")
                    .from("attributes")
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        out.extend(rows.into_iter().map(|(u,)| u));
    }
    Ok(out)
}

/// Attributes of one event outside objects, by id; soft-deleted ones only when asked.
pub async fn of_event(
    ex: Exec<'_>,
    event_id: i64,
    include_deleted: bool,
) -> sqlx::Result<Vec<Attribute>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("attributes")
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("object_id").eq(0))
        .order_by("id", Order::Asc);
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    ex.fetch_all(&q).await
}

/// Live attributes of an event, objects' included (the stored `attribute_count`).
pub async fn count_live(ex: Exec<'_>, event_id: i64) -> sqlx::Result<i64> {
    let q = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from("attributes")
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("deleted").eq(false))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.unwrap_or(0))
}
