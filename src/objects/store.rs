//! SQL for objects and object references: bulk inserts for whole events (one multi-row INSERT
//! per table and batch), the per-event object trees for views, edits, soft and hard deletes.

use std::collections::{HashMap, HashSet};

use sea_query::{Asterisk, Cond, Expr, ExprTrait, Order, Query};

use super::{
    NewObject, NewReference, Object, ObjectReference, ObjectTree, ResolvedReference, Target,
};
use crate::attributes::{Attribute, NewAttribute};
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

/// Rows per INSERT and ids per `IN` list: 17 columns x 1,000 rows stays under every backend's
/// parameter limit.
const BATCH: usize = 1000;

const OBJECT_COLUMNS: [&str; 14] = [
    "uuid",
    "event_id",
    "name",
    "meta_category",
    "description",
    "template_uuid",
    "template_version",
    "timestamp",
    "distribution",
    "sharing_group_id",
    "comment",
    "deleted",
    "first_seen",
    "last_seen",
];

const REFERENCE_COLUMNS: [&str; 11] = [
    "uuid",
    "timestamp",
    "object_id",
    "event_id",
    "source_uuid",
    "referenced_uuid",
    "referenced_id",
    "referenced_type",
    "relationship_type",
    "comment",
    "deleted",
];

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => Expr::col("id").eq(*id),
        IdRef::Uuid(u) => Expr::col("uuid").eq(u.clone()),
    }
}

pub async fn find(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<Object>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("objects")
            .and_where(by_ref(r)),
    )
    .await
}

/// Which of `uuids` are already used in `table` (uuids are unique instance-wide).
pub async fn taken_uuids(
    mut ex: Exec<'_>,
    table: &'static str,
    uuids: &[String],
) -> sqlx::Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<(String,)> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column("uuid")
                    .from(table)
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        out.extend(rows.into_iter().map(|(u,)| u));
    }
    Ok(out)
}

/// `id` by `uuid` for rows of `table` in one event.
async fn ids_in_event(
    mut ex: Exec<'_>,
    table: &'static str,
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
                    .from(table)
                    .and_where(Expr::col("event_id").eq(event_id))
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        map.extend(rows.into_iter().map(|(id, uuid)| (uuid, id)));
    }
    Ok(map)
}

/// Runs multi-row INSERTs of `rows` into `table`, `BATCH` rows per statement.
async fn bulk_insert<const N: usize>(
    mut ex: Exec<'_>,
    table: &'static str,
    columns: [&'static str; N],
    rows: Vec<[Expr; N]>,
) -> sqlx::Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(table).columns(columns);
        for row in rows.by_ref().take(BATCH) {
            q.values_panic(row);
        }
        ex.re().execute(&q).await?;
    }
    Ok(())
}

fn object_row(event_id: i64, o: &NewObject, now: i64) -> [Expr; 14] {
    [
        o.uuid.clone().into(),
        event_id.into(),
        o.name.clone().into(),
        o.meta_category.clone().into(),
        o.description.clone().into(),
        o.template_uuid.clone().into(),
        o.template_version.into(),
        o.timestamp.unwrap_or(now).into(),
        o.distribution.into(),
        o.sharing_group_id.into(),
        o.comment.clone().into(),
        o.deleted.into(),
        o.first_seen.into(),
        o.last_seen.into(),
    ]
}

/// Stores objects of one event with their attributes and references: one multi-row INSERT for
/// the objects, one for all their attributes, references resolved once every object exists.
/// Objects and attributes whose uuid is already used are skipped (as MISP drops them on
/// capture); tags of object attributes are attached only when the tag exists. The caller
/// recounts the event (`events::store::touch`) in the same transaction.
pub async fn insert_objects(
    ex: Exec<'_>,
    event_id: i64,
    objects: &[NewObject],
    now: i64,
) -> sqlx::Result<()> {
    insert_objects_as(ex, event_id, objects, now, false)
        .await
        .map(|_| ())
}

/// `insert_objects`, creating missing tags when `may_create_tags` (the user's perm_tag_editor);
/// returns the new objects' ids by uuid.
pub async fn insert_objects_as(
    mut ex: Exec<'_>,
    event_id: i64,
    objects: &[NewObject],
    now: i64,
    may_create_tags: bool,
) -> sqlx::Result<HashMap<String, i64>> {
    let uuids: Vec<String> = objects.iter().map(|o| o.uuid.clone()).collect();
    let mut skip = taken_uuids(ex.re(), "objects", &uuids).await?;
    let fresh: Vec<&NewObject> = objects
        .iter()
        .filter(|o| skip.insert(o.uuid.clone()))
        .collect();
    if fresh.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = fresh.iter().map(|o| object_row(event_id, o, now)).collect();
    bulk_insert(ex.re(), "objects", OBJECT_COLUMNS, rows).await?;
    let fresh_uuids: Vec<String> = fresh.iter().map(|o| o.uuid.clone()).collect();
    let ids = ids_in_event(ex.re(), "objects", event_id, &fresh_uuids).await?;
    let stored: Vec<(i64, &NewObject)> = fresh
        .iter()
        .filter_map(|o| ids.get(&o.uuid).map(|id| (*id, *o)))
        .collect();
    let attrs: Vec<(i64, &NewAttribute)> = stored
        .iter()
        .flat_map(|(id, o)| o.attributes.iter().map(move |a| (*id, a)))
        .collect();
    insert_attributes(ex.re(), event_id, &attrs, now, may_create_tags).await?;
    let refs: Vec<(i64, &str, &NewReference)> = stored
        .iter()
        .flat_map(|(id, o)| o.references.iter().map(move |r| (*id, o.uuid.as_str(), r)))
        .collect();
    insert_references(ex, event_id, &refs, now).await?;
    Ok(ids)
}

/// One bulk insert for the attributes of several objects (object id, attribute); uuids
/// already used anywhere are skipped. Their tags follow in one more statement.
pub async fn insert_attributes(
    mut ex: Exec<'_>,
    event_id: i64,
    attrs: &[(i64, &NewAttribute)],
    now: i64,
    may_create_tags: bool,
) -> sqlx::Result<HashMap<String, i64>> {
    let uuids: Vec<String> = attrs.iter().map(|(_, a)| a.uuid.clone()).collect();
    let mut skip: HashSet<String> = crate::attributes::store::existing_uuids(ex.re(), &uuids)
        .await?
        .into_iter()
        .collect();
    let fresh: Vec<(i64, &NewAttribute)> = attrs
        .iter()
        .filter(|(_, a)| skip.insert(a.uuid.clone()))
        .copied()
        .collect();
    if fresh.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = fresh
        .iter()
        .map(|(object_id, a)| crate::attributes::store::row(event_id, *object_id, a, now))
        .collect();
    bulk_insert(
        ex.re(),
        "attributes",
        crate::attributes::store::COLUMNS,
        rows,
    )
    .await?;
    let fresh_uuids: Vec<String> = fresh.iter().map(|(_, a)| a.uuid.clone()).collect();
    let ids = crate::attributes::store::ids_by_uuid(ex.re(), event_id, &fresh_uuids).await?;
    let tagged: Vec<&NewAttribute> = fresh
        .iter()
        .map(|(_, a)| *a)
        .filter(|a| !a.tags.is_empty())
        .collect();
    if !tagged.is_empty() {
        attach_tags(ex, event_id, &tagged, &ids, may_create_tags).await?;
    }
    Ok(ids)
}

/// Links the requested tags of new attributes (ids by uuid) in one statement.
async fn attach_tags(
    mut ex: Exec<'_>,
    event_id: i64,
    attrs: &[&NewAttribute],
    ids: &HashMap<String, i64>,
    may_create: bool,
) -> sqlx::Result<()> {
    let requests: Vec<_> = attrs.iter().flat_map(|a| a.tags.iter().cloned()).collect();
    let tags = crate::tags::store::resolve(ex.re(), &requests, may_create).await?;
    let mut links = Vec::new();
    for a in attrs {
        let Some(id) = ids.get(&a.uuid) else { continue };
        let mut done = HashSet::new();
        for r in a.tags.iter().filter(|r| !r.deleted) {
            if let Some(t) = tags.get(&r.name.to_lowercase())
                && done.insert(t.id)
            {
                links.push((*id, event_id, t.id, r.local));
            }
        }
    }
    crate::tags::store::attach_to_attributes(ex, &links).await
}

/// Where a reference points: an object of the event first, then an attribute (MISP's order).
/// Returns (uuid -> (id, referenced_type)).
async fn resolve_targets(
    mut ex: Exec<'_>,
    event_id: i64,
    uuids: &[String],
) -> sqlx::Result<HashMap<String, (i64, i64)>> {
    let mut found: HashMap<String, (i64, i64)> = ids_in_event(ex.re(), "objects", event_id, uuids)
        .await?
        .into_iter()
        .map(|(u, id)| (u, (id, 1)))
        .collect();
    let rest: Vec<String> = uuids
        .iter()
        .filter(|u| !found.contains_key(*u))
        .cloned()
        .collect();
    for (u, id) in ids_in_event(ex, "attributes", event_id, &rest).await? {
        found.insert(u, (id, 0));
    }
    Ok(found)
}

/// Inserts references (source object id, source uuid, reference) whose target is in the event;
/// the others are skipped, as MISP does. A client uuid already in use is replaced.
async fn insert_references(
    mut ex: Exec<'_>,
    event_id: i64,
    refs: &[(i64, &str, &NewReference)],
    now: i64,
) -> sqlx::Result<()> {
    if refs.is_empty() {
        return Ok(());
    }
    let mut targets: Vec<String> = refs
        .iter()
        .map(|(_, _, r)| r.referenced_uuid.clone())
        .collect();
    targets.sort();
    targets.dedup();
    let found = resolve_targets(ex.re(), event_id, &targets).await?;
    let given: Vec<String> = refs.iter().filter_map(|(_, _, r)| r.uuid.clone()).collect();
    let mut used = taken_uuids(ex.re(), "object_references", &given).await?;
    let rows: Vec<[Expr; 11]> = refs
        .iter()
        .filter_map(|(source, source_uuid, r)| {
            let (target_id, kind) = found.get(&r.referenced_uuid)?;
            let uuid = r
                .uuid
                .clone()
                .filter(|u| used.insert(u.clone()))
                .unwrap_or_else(crate::wire::new_uuid);
            Some([
                uuid.into(),
                r.timestamp.unwrap_or(now).into(),
                (*source).into(),
                event_id.into(),
                source_uuid.to_string().into(),
                r.referenced_uuid.clone().into(),
                (*target_id).into(),
                (*kind).into(),
                r.relationship_type.clone().into(),
                r.comment.clone().into(),
                r.deleted.into(),
            ])
        })
        .collect();
    bulk_insert(ex, "object_references", REFERENCE_COLUMNS, rows).await
}

/// Objects of one event by id, with their attributes and references; soft-deleted objects
/// and attributes only when asked. References are all returned, `deleted` flag included, as
/// MISP lists them; their targets are resolved among the same event's live (or all) elements.
pub async fn of_event(
    mut ex: Exec<'_>,
    event_id: i64,
    include_deleted: bool,
) -> sqlx::Result<Vec<ObjectTree>> {
    let q = rows_of_event("objects", event_id, include_deleted);
    let objects: Vec<Object> = ex.re().fetch_all(&q).await?;
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = rows_of_event("attributes", event_id, include_deleted);
    q.and_where(Expr::col("object_id").ne(0));
    let attributes: Vec<Attribute> = ex.re().fetch_all(&q).await?;
    let q = rows_of_event("object_references", event_id, true);
    let references: Vec<ObjectReference> = ex.re().fetch_all(&q).await?;
    let index: HashMap<i64, usize> = objects.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let mut trees: Vec<ObjectTree> = objects
        .into_iter()
        .map(|object| ObjectTree {
            object,
            attributes: Vec::new(),
            references: Vec::new(),
        })
        .collect();
    for a in attributes {
        if let Some(i) = index.get(&a.object_id) {
            trees[*i].attributes.push(a);
        }
    }
    let targets = load_targets(ex, event_id, &trees, &references, include_deleted).await?;
    for r in references {
        if let Some(i) = index.get(&r.object_id) {
            let target = targets.get(&(r.referenced_type, r.referenced_id)).cloned();
            let resolved = ResolvedReference {
                reference: r,
                target,
            };
            trees[*i].references.push(resolved);
        }
    }
    Ok(trees)
}

/// Every row of `table` in one event by id; soft-deleted ones only with `include_deleted`.
fn rows_of_event(
    table: &'static str,
    event_id: i64,
    include_deleted: bool,
) -> sea_query::SelectStatement {
    let mut q = Query::select();
    q.column(Asterisk)
        .from(table)
        .and_where(Expr::col("event_id").eq(event_id))
        .order_by("id", Order::Asc);
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    q
}

/// The targets of `references` by (type, id): objects and their attributes from `trees`, other
/// attributes of the event (outside objects) fetched by id.
async fn load_targets(
    ex: Exec<'_>,
    event_id: i64,
    trees: &[ObjectTree],
    references: &[ObjectReference],
    include_deleted: bool,
) -> sqlx::Result<HashMap<(i64, i64), Target>> {
    let mut out = HashMap::new();
    for t in trees {
        out.insert((1, t.object.id), Target::Object(t.object.clone()));
        for a in &t.attributes {
            let object = Some(t.object.acl());
            out.insert(
                (0, a.id),
                Target::Attribute {
                    attribute: a.clone(),
                    object,
                },
            );
        }
    }
    let mut wanted: Vec<i64> = references
        .iter()
        .filter(|r| r.referenced_type == 0 && !out.contains_key(&(0, r.referenced_id)))
        .map(|r| r.referenced_id)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut ex = ex;
    for chunk in wanted.chunks(BATCH) {
        let mut q = Query::select();
        q.column(Asterisk)
            .from("attributes")
            .and_where(Expr::col("event_id").eq(event_id))
            .and_where(Expr::col("object_id").eq(0))
            .and_where(Expr::col("id").is_in(chunk.iter().copied()));
        if !include_deleted {
            q.and_where(Expr::col("deleted").eq(false));
        }
        for a in ex.re().fetch_all::<Attribute>(&q).await? {
            out.insert(
                (0, a.id),
                Target::Attribute {
                    attribute: a,
                    object: None,
                },
            );
        }
    }
    Ok(out)
}

/// The attributes of one object by id; soft-deleted ones only when asked.
pub async fn attributes_of(
    ex: Exec<'_>,
    object_id: i64,
    include_deleted: bool,
) -> sqlx::Result<Vec<Attribute>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("attributes")
        .and_where(Expr::col("object_id").eq(object_id))
        .order_by("id", Order::Asc);
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    ex.fetch_all(&q).await
}

/// The references leaving one object, by id.
pub async fn references_of(ex: Exec<'_>, object_id: i64) -> sqlx::Result<Vec<ObjectReference>> {
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("object_references")
            .and_where(Expr::col("object_id").eq(object_id))
            .order_by("id", Order::Asc),
    )
    .await
}

/// Live objects of an event built from one template, with their live attributes (the
/// `breakOnDuplicate` comparison).
pub async fn same_template(
    mut ex: Exec<'_>,
    event_id: i64,
    template_uuid: Option<&str>,
) -> sqlx::Result<Vec<(Object, Vec<Attribute>)>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("objects")
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("deleted").eq(false))
        .order_by("id", Order::Asc);
    match template_uuid {
        Some(t) => q.and_where(Expr::col("template_uuid").eq(t)),
        None => q.and_where(Expr::col("template_uuid").is_null()),
    };
    let objects: Vec<Object> = ex.re().fetch_all(&q).await?;
    let mut out = Vec::with_capacity(objects.len());
    for chunk in objects.chunks(BATCH) {
        let ids: Vec<i64> = chunk.iter().map(|o| o.id).collect();
        let attrs: Vec<Attribute> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column(Asterisk)
                    .from("attributes")
                    .and_where(Expr::col("object_id").is_in(ids))
                    .and_where(Expr::col("deleted").eq(false)),
            )
            .await?;
        for o in chunk {
            let mine = attrs
                .iter()
                .filter(|a| a.object_id == o.id)
                .cloned()
                .collect();
            out.push((o.clone(), mine));
        }
    }
    Ok(out)
}

pub async fn update_object(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("objects")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn update_attribute(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("attributes")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Soft-deletes attributes by id in one statement.
pub async fn soft_delete_attributes(ex: Exec<'_>, ids: &[i64], now: i64) -> sqlx::Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    ex.execute(
        Query::update()
            .table("attributes")
            .values([("deleted", true.into()), ("timestamp", now.into())])
            .and_where(Expr::col("id").is_in(ids.iter().copied())),
    )
    .await
}

/// The ids of an object's attributes (a subquery for reference clean-up).
fn attribute_ids_of(object_id: i64) -> sea_query::SelectStatement {
    Query::select()
        .column("id")
        .from("attributes")
        .and_where(Expr::col("object_id").eq(object_id))
        .to_owned()
}

/// References pointing at the object or at one of its attributes.
fn pointing_at(object_id: i64) -> Cond {
    Cond::any()
        .add(
            Cond::all()
                .add(Expr::col("referenced_type").eq(1))
                .add(Expr::col("referenced_id").eq(object_id)),
        )
        .add(
            Cond::all()
                .add(Expr::col("referenced_type").eq(0))
                .add(Expr::col("referenced_id").in_subquery(attribute_ids_of(object_id))),
        )
}

/// Soft delete (spec/model.md 4.4): the object, its attributes and the references pointing at
/// them are flagged deleted with a fresh timestamp, so the deletion syncs.
pub async fn soft_delete(mut ex: Exec<'_>, object_id: i64, now: i64) -> sqlx::Result<()> {
    let flag = || vec![("deleted", true.into()), ("timestamp", now.into())];
    ex.re()
        .execute(
            Query::update()
                .table("object_references")
                .values(flag())
                .cond_where(pointing_at(object_id))
                .and_where(Expr::col("deleted").eq(false)),
        )
        .await?;
    ex.re()
        .execute(
            Query::update()
                .table("attributes")
                .values(flag())
                .and_where(Expr::col("object_id").eq(object_id))
                .and_where(Expr::col("deleted").eq(false)),
        )
        .await?;
    update_object(ex, object_id, flag()).await.map(|_| ())
}

/// Hard delete: the object's rows, its attributes (their tags go by cascade), its references
/// and those pointing at it or its attributes.
pub async fn hard_delete(mut ex: Exec<'_>, object_id: i64) -> sqlx::Result<()> {
    crate::correlation::drop_object(ex.re(), object_id).await?;
    ex.re()
        .execute(
            Query::delete()
                .from_table("object_references")
                .cond_where(pointing_at(object_id).add(Expr::col("object_id").eq(object_id))),
        )
        .await?;
    ex.re()
        .execute(
            Query::delete()
                .from_table("attributes")
                .and_where(Expr::col("object_id").eq(object_id)),
        )
        .await?;
    ex.execute(
        Query::delete()
            .from_table("objects")
            .and_where(Expr::col("id").eq(object_id)),
    )
    .await
    .map(|_| ())
}

/// A live object or attribute of the event with this uuid, as (id, referenced_type): the
/// target of a new reference.
pub async fn live_target(
    mut ex: Exec<'_>,
    event_id: i64,
    uuid: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    for (table, kind) in [("objects", 1), ("attributes", 0)] {
        let q = Query::select()
            .column("id")
            .from(table)
            .and_where(Expr::col("event_id").eq(event_id))
            .and_where(Expr::col("uuid").eq(uuid))
            .and_where(Expr::col("deleted").eq(false))
            .to_owned();
        if let Some(id) = ex.re().fetch_i64(&q).await? {
            return Ok(Some((id, kind)));
        }
    }
    Ok(None)
}

pub async fn find_reference(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<ObjectReference>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("object_references")
            .and_where(by_ref(r)),
    )
    .await
}

pub async fn insert_reference(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("object_references", fields))
        .await
}

pub async fn update_reference(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("object_references")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn delete_reference(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("object_references")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}
