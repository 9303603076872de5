//! SQL for attributes: bulk inserts (one multi-row statement per batch), reads per event and
//! per id, the duplicate-rule candidates, soft and hard deletes, tag links, and the ACL-filtered
//! index.

use std::collections::HashMap;

use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Func, JoinType, Order, Query};

use super::{Attribute, NewAttribute};
use crate::acl::{ElementAcl, Viewer};
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

/// Rows per INSERT: 18 columns x 1,000 rows stays under every backend's parameter limit.
const BATCH: usize = 1000;

/// The columns of an attribute insert, in the order of `row`.
pub const COLUMNS: [&str; 17] = [
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

/// One attribute's values for `COLUMNS`; `object_id` 0 outside objects.
pub fn row(event_id: i64, object_id: i64, a: &NewAttribute, now: i64) -> [Expr; 17] {
    [
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
    ]
}

/// Inserts attributes of one event (and object, or 0) in multi-row batches.
pub async fn insert_rows(
    mut ex: Exec<'_>,
    event_id: i64,
    object_id: i64,
    attrs: &[NewAttribute],
    now: i64,
) -> sqlx::Result<()> {
    for chunk in attrs.chunks(BATCH) {
        let mut q = Query::insert();
        q.into_table("attributes").columns(COLUMNS);
        for a in chunk {
            q.values_panic(row(event_id, object_id, a, now));
        }
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// `insert_rows`, then the new ids by uuid (for linking tags to them).
pub async fn insert_many(
    mut ex: Exec<'_>,
    event_id: i64,
    object_id: i64,
    attrs: &[NewAttribute],
    now: i64,
) -> sqlx::Result<HashMap<String, i64>> {
    insert_rows(ex.re(), event_id, object_id, attrs, now).await?;
    let uuids: Vec<String> = attrs.iter().map(|a| a.uuid.clone()).collect();
    ids_by_uuid(ex, event_id, &uuids).await
}

/// Ids of the given attribute uuids of one event. Looked up by uuid alone (its unique index),
/// the event checked here: a filter on event_id would let the planner scan the event instead.
pub async fn ids_by_uuid(
    mut ex: Exec<'_>,
    event_id: i64,
    uuids: &[String],
) -> sqlx::Result<HashMap<String, i64>> {
    let mut map = HashMap::with_capacity(uuids.len());
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<(i64, String, i64)> = ex
            .re()
            .fetch_all(
                Query::select()
                    .columns(["id", "uuid", "event_id"])
                    .from("attributes")
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        map.extend(
            rows.into_iter()
                .filter(|r| r.2 == event_id)
                .map(|(id, uuid, _)| (uuid, id)),
        );
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

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => Expr::col("id").eq(*id),
        IdRef::Uuid(u) => Expr::col("uuid").eq(u.clone()),
    }
}

/// One attribute by id or uuid; soft-deleted ones only when asked (hard delete, restore).
pub async fn find(
    ex: Exec<'_>,
    r: &IdRef,
    include_deleted: bool,
) -> sqlx::Result<Option<Attribute>> {
    let mut q = Query::select();
    q.column(Asterisk).from("attributes").and_where(by_ref(r));
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    ex.fetch_optional(&q).await
}

/// Attributes by id, in id order (MISP lists what an add saved that way).
pub async fn by_ids(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<Attribute>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("attributes")
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .order_by("id", Order::Asc),
    )
    .await
}

/// Distribution and sharing group of the object holding an attribute: the object gates the
/// visibility of its attributes (spec/model.md 3.3).
pub async fn object_acl(ex: Exec<'_>, object_id: i64) -> sqlx::Result<Option<ElementAcl>> {
    let row: Option<(i64, i64)> = ex
        .fetch_optional(
            Query::select()
                .columns(["distribution", "sharing_group_id"])
                .from("objects")
                .and_where(Expr::col("id").eq(object_id)),
        )
        .await?;
    Ok(row.map(|(distribution, sharing_group_id)| ElementAcl {
        distribution,
        sharing_group_id,
    }))
}

/// Live attributes outside objects of one event whose `value1` is one of `values`: the
/// candidates of the duplicate rule (spec/model.md 2.8). Callers compare type, category and
/// both values exactly, so MySQL's case-insensitive collation cannot invent duplicates.
pub async fn duplicate_candidates(
    mut ex: Exec<'_>,
    event_id: i64,
    values: &[String],
) -> sqlx::Result<Vec<Attribute>> {
    let mut out = Vec::new();
    for chunk in values.chunks(BATCH) {
        let rows: Vec<Attribute> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column(Asterisk)
                    .from("attributes")
                    .and_where(Expr::col("event_id").eq(event_id))
                    .and_where(Expr::col("object_id").eq(0))
                    .and_where(Expr::col("deleted").eq(false))
                    .and_where(Expr::col("value1").is_in(chunk.iter().cloned())),
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("attributes")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Object references pointing at an attribute (`referenced_type` 0).
fn references_to(id: i64) -> Cond {
    Cond::all()
        .add(Expr::col("referenced_type").eq(0))
        .add(Expr::col("referenced_id").eq(id))
}

/// Soft-deletes an attribute (spec/model.md 4.4): flagged and stamped, and the object
/// references pointing at it are soft-deleted with it.
pub async fn soft_delete(mut ex: Exec<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    update(
        ex.re(),
        id,
        vec![("deleted", true.into()), ("timestamp", now.into())],
    )
    .await?;
    mark_references_deleted(ex, id, now).await
}

/// Soft-deletes the live object references pointing at attribute `id`.
pub async fn mark_references_deleted(ex: Exec<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    ex.execute(
        Query::update()
            .table("object_references")
            .values([("deleted", true.into()), ("timestamp", now.into())])
            .cond_where(references_to(id).add(Expr::col("deleted").eq(false))),
    )
    .await
    .map(|_| ())
}

/// Removes an attribute for good, with its tag links and the references pointing at it.
pub async fn hard_delete(mut ex: Exec<'_>, id: i64) -> sqlx::Result<()> {
    ex.re()
        .execute(
            Query::delete()
                .from_table("attribute_tags")
                .and_where(Expr::col("attribute_id").eq(id)),
        )
        .await?;
    ex.re()
        .execute(
            Query::delete()
                .from_table("object_references")
                .cond_where(references_to(id)),
        )
        .await?;
    ex.execute(
        Query::delete()
            .from_table("attributes")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
    .map(|_| ())
}

/// Bumps the timestamp of the object holding a changed attribute (spec/model.md 4.1).
pub async fn touch_object(ex: Exec<'_>, object_id: i64, now: i64) -> sqlx::Result<()> {
    ex.execute(
        Query::update()
            .table("objects")
            .values([("timestamp", now.into())])
            .and_where(Expr::col("id").eq(object_id)),
    )
    .await
    .map(|_| ())
}

/// Tag ids linked to each of the given attributes (local or not, exportable or not): what an
/// attach must skip, the link being unique per attribute and tag.
pub async fn linked_tag_ids(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ex.fetch_all(
        Query::select()
            .columns(["attribute_id", "tag_id"])
            .from("attribute_tags")
            .and_where(Expr::col("attribute_id").is_in(ids.iter().copied())),
    )
    .await
}

/// Unlinks tags from one attribute.
pub async fn detach_tags(ex: Exec<'_>, attribute_id: i64, tag_ids: &[i64]) -> sqlx::Result<u64> {
    if tag_ids.is_empty() {
        return Ok(0);
    }
    ex.execute(
        Query::delete()
            .from_table("attribute_tags")
            .and_where(Expr::col("attribute_id").eq(attribute_id))
            .and_where(Expr::col("tag_id").is_in(tag_ids.iter().copied())),
    )
    .await
}

/// One page of the live attributes `viewer` may see (`/attributes/index`), newest events
/// first: the event and element ACL conditions, the object gating its attributes.
pub async fn index(
    ex: Exec<'_>,
    viewer: &Viewer,
    limit: u64,
    page: u64,
) -> sqlx::Result<Vec<Attribute>> {
    let (a, e, o) = (Alias::new("a"), Alias::new("e"), Alias::new("o"));
    let mut cond = Cond::all().add(Expr::col((a.clone(), Alias::new("deleted"))).eq(false));
    if let Some(c) = viewer.events_condition("e") {
        cond = cond.add(c);
    }
    if let Some(c) = viewer.elements_condition("e", "a", Some("o")) {
        cond = cond.add(c);
    }
    let q = Query::select()
        .column((a.clone(), Asterisk))
        .from_as("attributes", a.clone())
        .join_as(
            JoinType::InnerJoin,
            "events",
            e.clone(),
            Expr::col((e.clone(), Alias::new("id"))).equals((a.clone(), Alias::new("event_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            "objects",
            o.clone(),
            Expr::col((o, Alias::new("id"))).equals((a.clone(), Alias::new("object_id"))),
        )
        .cond_where(cond)
        .order_by((a.clone(), Alias::new("event_id")), Order::Desc)
        .order_by((a, Alias::new("id")), Order::Asc)
        .limit(limit)
        .offset(limit * page.saturating_sub(1))
        .to_owned();
    ex.fetch_all(&q).await
}

/// Attributes with the given uuids, in any event (uuids are unique instance-wide).
pub async fn find_by_uuids(mut ex: Exec<'_>, uuids: &[String]) -> sqlx::Result<Vec<Attribute>> {
    let mut out = Vec::new();
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<Attribute> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column(Asterisk)
                    .from("attributes")
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
