//! SQL for tags and their links to events and attributes: lookups, the tag catalogue, links,
//! and usage counts restricted by the viewer's ACL.

use std::collections::HashMap;

use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query};

use super::{AttachedTag, Tag, TagRequest};
use crate::acl::Viewer;
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

pub async fn find_by_names(ex: Exec<'_>, names_lc: &[String]) -> sqlx::Result<Vec<Tag>> {
    if names_lc.is_empty() {
        return Ok(Vec::new());
    }
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("tags")
            .and_where(Expr::col("name_lc").is_in(names_lc.iter().cloned())),
    )
    .await
}

/// The tags named in `requests`, by lower-cased name; missing ones are created when
/// `may_create` (perm_tag_editor), else left out, as MISP skips them.
pub async fn resolve(
    mut ex: Exec<'_>,
    requests: &[TagRequest],
    may_create: bool,
) -> sqlx::Result<HashMap<String, Tag>> {
    let mut names: Vec<String> = requests.iter().map(|r| r.name.to_lowercase()).collect();
    names.sort();
    names.dedup();
    let mut found: HashMap<String, Tag> = find_by_names(ex.re(), &names)
        .await?
        .into_iter()
        .map(|t| (t.name_lc.clone(), t))
        .collect();
    if may_create {
        for r in requests {
            let lc = r.name.to_lowercase();
            if found.contains_key(&lc) {
                continue;
            }
            let galaxy = super::is_galaxy_name(&r.name);
            let colour = if galaxy {
                "#0088cc".to_string()
            } else {
                super::default_colour(&r.name)
            };
            let fields: Fields = vec![
                ("name", r.name.clone().into()),
                ("name_lc", lc.clone().into()),
                ("colour", colour.into()),
                ("is_galaxy", galaxy.into()),
            ];
            let id = ex
                .re()
                .insert(&crate::db::insert_stmt("tags", fields))
                .await?;
            let tag = ex
                .re()
                .fetch_optional::<Tag>(
                    Query::select()
                        .column(Asterisk)
                        .from("tags")
                        .and_where(Expr::col("id").eq(id)),
                )
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
            found.insert(lc, tag);
        }
    }
    Ok(found)
}

/// Links tags to an event (existing links are kept).
pub async fn attach_to_event(
    mut ex: Exec<'_>,
    event_id: i64,
    links: &[(i64, bool, Option<String>)],
) -> sqlx::Result<()> {
    let existing: Vec<(i64,)> = ex
        .re()
        .fetch_all(
            Query::select()
                .column("tag_id")
                .from("event_tags")
                .and_where(Expr::col("event_id").eq(event_id)),
        )
        .await?;
    let mut q = Query::insert();
    q.into_table("event_tags")
        .columns(["event_id", "tag_id", "local", "relationship_type"]);
    let mut any = false;
    let mut seen: Vec<i64> = existing.into_iter().map(|(id,)| id).collect();
    for (tag_id, local, rel) in links {
        if seen.contains(tag_id) {
            continue;
        }
        seen.push(*tag_id);
        q.values_panic([
            event_id.into(),
            (*tag_id).into(),
            (*local).into(),
            rel.clone().into(),
        ]);
        any = true;
    }
    if any {
        ex.execute(&q).await?;
    }
    Ok(())
}

/// Links tags to attributes in one statement: (attribute id, event id, tag id, local).
pub async fn attach_to_attributes(
    ex: Exec<'_>,
    links: &[(i64, i64, i64, bool)],
) -> sqlx::Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("attribute_tags")
        .columns(["attribute_id", "event_id", "tag_id", "local"]);
    for (a, e, t, l) in links {
        q.values_panic([(*a).into(), (*e).into(), (*t).into(), (*l).into()]);
    }
    ex.execute(&q).await.map(|_| ())
}

fn attached(link_table: &'static str, target: &'static str) -> sea_query::SelectStatement {
    Query::select()
        .expr_as(
            Expr::col((Alias::new("l"), Alias::new("id"))),
            Alias::new("link_id"),
        )
        .expr_as(
            Expr::col((Alias::new("l"), Alias::new(target))),
            Alias::new("target_id"),
        )
        .column((Alias::new("l"), Alias::new("local")))
        .column((Alias::new("l"), Alias::new("relationship_type")))
        .column((Alias::new("t"), Asterisk))
        .from_as(link_table, Alias::new("l"))
        .join_as(
            JoinType::InnerJoin,
            "tags",
            Alias::new("t"),
            Expr::col((Alias::new("t"), Alias::new("id")))
                .equals((Alias::new("l"), Alias::new("tag_id"))),
        )
        .and_where(Expr::col((Alias::new("t"), Alias::new("exportable"))).eq(true))
        .order_by((Alias::new("l"), Alias::new("id")), Order::Asc)
        .to_owned()
}

/// The exportable tags of one event.
pub async fn of_event(ex: Exec<'_>, event_id: i64) -> sqlx::Result<Vec<AttachedTag>> {
    let mut q = attached("event_tags", "event_id");
    q.and_where(Expr::col((Alias::new("l"), Alias::new("event_id"))).eq(event_id));
    ex.fetch_all(&q).await
}

/// The exportable tags of several events at once (an index page), by event id.
pub async fn of_events(
    ex: Exec<'_>,
    event_ids: &[i64],
) -> sqlx::Result<HashMap<i64, Vec<AttachedTag>>> {
    let mut map: HashMap<i64, Vec<AttachedTag>> = HashMap::new();
    if event_ids.is_empty() {
        return Ok(map);
    }
    let mut q = attached("event_tags", "event_id");
    q.and_where(
        Expr::col((Alias::new("l"), Alias::new("event_id"))).is_in(event_ids.iter().copied()),
    );
    for t in ex.fetch_all::<AttachedTag>(&q).await? {
        map.entry(t.target_id).or_default().push(t);
    }
    Ok(map)
}

/// The exportable tags of the given attributes, by attribute id, in link order.
pub async fn of_attributes(
    mut ex: Exec<'_>,
    ids: &[i64],
) -> sqlx::Result<HashMap<i64, Vec<AttachedTag>>> {
    let mut map: HashMap<i64, Vec<AttachedTag>> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let mut q = attached("attribute_tags", "attribute_id");
        q.and_where(
            Expr::col((Alias::new("l"), Alias::new("attribute_id"))).is_in(chunk.iter().copied()),
        );
        for t in ex.re().fetch_all::<AttachedTag>(&q).await? {
            map.entry(t.target_id).or_default().push(t);
        }
    }
    Ok(map)
}

/// The exportable tags of every attribute of one event, by attribute id.
pub async fn of_event_attributes(
    ex: Exec<'_>,
    event_id: i64,
) -> sqlx::Result<HashMap<i64, Vec<AttachedTag>>> {
    let mut q = attached("attribute_tags", "attribute_id");
    q.and_where(Expr::col((Alias::new("l"), Alias::new("event_id"))).eq(event_id));
    let mut map: HashMap<i64, Vec<AttachedTag>> = HashMap::new();
    for t in ex.fetch_all::<AttachedTag>(&q).await? {
        map.entry(t.target_id).or_default().push(t);
    }
    Ok(map)
}

/// One tag by id.
pub async fn find(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<Tag>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("tags")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// One tag by name, case-insensitively (exact otherwise: no wildcards).
pub async fn find_by_name(ex: Exec<'_>, name: &str) -> sqlx::Result<Option<Tag>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("tags")
            .and_where(Expr::col("name_lc").eq(name.trim().to_lowercase())),
    )
    .await
}

/// Inserts a tag; a name taken concurrently comes back as a unique violation.
pub async fn insert(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("tags", fields)).await
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("tags")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Deletes a tag; its event and attribute links go with it (foreign-key cascades).
pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("tags")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// `/tags/index` filters: a substring of the name, and exact (case-insensitive) names.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub substring: Option<String>,
    pub exact: Vec<String>,
}

/// Tags in name order (case-insensitive, as MISP's MySQL collation sorts them).
pub async fn list(ex: Exec<'_>, f: &ListFilter) -> sqlx::Result<Vec<Tag>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("tags")
        .order_by("name_lc", Order::Asc)
        .order_by("id", Order::Asc);
    if let Some(s) = &f.substring {
        let pattern = format!("%{}%", crate::db::escape_like(&s.to_lowercase()));
        q.and_where(Expr::col("name_lc").like(LikeExpr::new(pattern).escape('\\')));
    }
    for name in &f.exact {
        q.and_where(Expr::col("name_lc").eq(name.to_lowercase()));
    }
    ex.fetch_all(&q).await
}

/// `/tags/search`: names matching any of `patterns` (MISP LIKE patterns, `%` and `_` are
/// wildcards, compared lower-cased), or with `strict`, exact names and numeric ids.
pub async fn search(ex: Exec<'_>, terms: &[String], strict: bool) -> sqlx::Result<Vec<Tag>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut any = Cond::any();
    for t in terms {
        let lc = t.to_lowercase();
        any = match (strict, t.parse::<i64>()) {
            (true, Ok(id)) => any.add(Expr::col("id").eq(id)),
            (true, Err(_)) => any.add(Expr::col("name_lc").eq(lc)),
            (false, _) => any.add(Expr::col("name_lc").like(LikeExpr::new(lc).escape('\\'))),
        };
    }
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("tags")
            .cond_where(any)
            .order_by("name_lc", Order::Asc)
            .order_by("id", Order::Asc),
    )
    .await
}

fn col(table: &str, c: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(c)))
}

/// Number of events carrying each tag, counting only events `viewer` may see, so a count
/// never betrays hidden data; `only` narrows it to one tag.
pub async fn event_counts(
    ex: Exec<'_>,
    viewer: &Viewer,
    only: Option<i64>,
) -> sqlx::Result<HashMap<i64, i64>> {
    let mut q = Query::select();
    q.column((Alias::new("l"), Alias::new("tag_id")))
        .expr(Func::count(col("l", "id")))
        .from_as("event_tags", Alias::new("l"))
        .join_as(
            JoinType::InnerJoin,
            "events",
            Alias::new("e"),
            col("e", "id").equals((Alias::new("l"), Alias::new("event_id"))),
        )
        .group_by_col((Alias::new("l"), Alias::new("tag_id")));
    if let Some(acl) = viewer.events_condition("e") {
        q.cond_where(acl);
    }
    if let Some(id) = only {
        q.and_where(col("l", "tag_id").eq(id));
    }
    let rows: Vec<(i64, i64)> = ex.fetch_all(&q).await?;
    Ok(rows.into_iter().collect())
}

/// Number of live attributes carrying each tag among those `viewer` may see (event, object
/// and attribute distribution all applied, as `acl` defines); `only` narrows it to one tag.
pub async fn attribute_counts(
    ex: Exec<'_>,
    viewer: &Viewer,
    only: Option<i64>,
) -> sqlx::Result<HashMap<i64, i64>> {
    let mut q = Query::select();
    q.column((Alias::new("l"), Alias::new("tag_id")))
        .expr(Func::count(col("l", "id")))
        .from_as("attribute_tags", Alias::new("l"))
        .join_as(
            JoinType::InnerJoin,
            "attributes",
            Alias::new("a"),
            col("a", "id").equals((Alias::new("l"), Alias::new("attribute_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            "events",
            Alias::new("e"),
            col("e", "id").equals((Alias::new("a"), Alias::new("event_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            "objects",
            Alias::new("o"),
            col("o", "id").equals((Alias::new("a"), Alias::new("object_id"))),
        )
        .and_where(col("a", "deleted").eq(false))
        .group_by_col((Alias::new("l"), Alias::new("tag_id")));
    if let Some(acl) = viewer.events_condition("e") {
        q.cond_where(acl);
    }
    if let Some(acl) = viewer.elements_condition("e", "a", Some("o")) {
        q.cond_where(acl);
    }
    if let Some(id) = only {
        q.and_where(col("l", "tag_id").eq(id));
    }
    let rows: Vec<(i64, i64)> = ex.fetch_all(&q).await?;
    Ok(rows.into_iter().collect())
}

/// What a tag is attached to: an event, or an attribute (whose link rows also carry the
/// event id, for per-event reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Event(i64),
    Attribute { id: i64, event_id: i64 },
}

impl Target {
    fn table(self) -> &'static str {
        match self {
            Target::Event(_) => "event_tags",
            Target::Attribute { .. } => "attribute_tags",
        }
    }

    fn key(self) -> Expr {
        match self {
            Target::Event(id) => Expr::col("event_id").eq(id),
            Target::Attribute { id, .. } => Expr::col("attribute_id").eq(id),
        }
    }

    pub fn event_id(self) -> i64 {
        match self {
            Target::Event(id) | Target::Attribute { event_id: id, .. } => id,
        }
    }
}

/// An existing link of one tag to a target: its row id and whether it is local.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Link {
    pub id: i64,
    pub local: bool,
}

pub async fn link_of(ex: Exec<'_>, target: Target, tag_id: i64) -> sqlx::Result<Option<Link>> {
    ex.fetch_optional(
        Query::select()
            .columns(["id", "local"])
            .from(target.table())
            .and_where(target.key())
            .and_where(Expr::col("tag_id").eq(tag_id)),
    )
    .await
}

/// Attaches one tag to one target (the caller checked it is not attached yet).
pub async fn link(
    ex: Exec<'_>,
    target: Target,
    tag_id: i64,
    local: bool,
    relationship_type: Option<String>,
) -> sqlx::Result<()> {
    let mut fields: Fields = match target {
        Target::Event(id) => vec![("event_id", id.into())],
        Target::Attribute { id, event_id } => {
            vec![("attribute_id", id.into()), ("event_id", event_id.into())]
        }
    };
    fields.push(("tag_id", tag_id.into()));
    fields.push(("local", local.into()));
    fields.push(("relationship_type", relationship_type.into()));
    ex.execute(&crate::db::insert_stmt(target.table(), fields))
        .await
        .map(|_| ())
}

pub async fn unlink(ex: Exec<'_>, target: Target, link_id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table(target.table())
            .and_where(Expr::col("id").eq(link_id)),
    )
    .await
}

/// After a global tag change (spec/model.md 4.3): an attribute's own timestamp moves to `now`,
/// and the event is bumped and unpublished. Local tag changes must not call this.
pub async fn touch_target(mut ex: Exec<'_>, target: Target, now: i64) -> sqlx::Result<()> {
    if let Target::Attribute { id, .. } = target {
        ex.re()
            .execute(
                Query::update()
                    .table("attributes")
                    .value("timestamp", now)
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
    }
    crate::events::store::touch(ex, target.event_id(), now).await
}

/// An attribute with the distribution of the object holding it (if any), the inputs of
/// `Viewer::can_see_element`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttributeRow {
    #[sqlx(flatten)]
    pub attribute: crate::attributes::Attribute,
    pub obj_distribution: Option<i64>,
    pub obj_sharing_group_id: Option<i64>,
}

impl AttributeRow {
    pub fn object_acl(&self) -> Option<crate::acl::ElementAcl> {
        Some(crate::acl::ElementAcl {
            distribution: self.obj_distribution?,
            sharing_group_id: self.obj_sharing_group_id.unwrap_or(0),
        })
    }
}

/// One attribute by id or uuid, with its object's distribution; no ACL here (the caller
/// decides visibility with the event in hand).
pub async fn attribute(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<AttributeRow>> {
    let by = match r {
        IdRef::Id(id) => col("a", "id").eq(*id),
        IdRef::Uuid(u) => col("a", "uuid").eq(u.clone()),
    };
    ex.fetch_optional(
        Query::select()
            .column((Alias::new("a"), Asterisk))
            .expr_as(col("o", "distribution"), Alias::new("obj_distribution"))
            .expr_as(
                col("o", "sharing_group_id"),
                Alias::new("obj_sharing_group_id"),
            )
            .from_as("attributes", Alias::new("a"))
            .join_as(
                JoinType::LeftJoin,
                "objects",
                Alias::new("o"),
                col("o", "id").equals((Alias::new("a"), Alias::new("object_id"))),
            )
            .and_where(by),
    )
    .await
}

/// `resolve` for `user`: tags restricted to another organisation or user are left out, as MISP
/// refuses them (spec/model.md 1.9); so are `local_only` tags requested as global ones.
pub async fn resolve_for(
    ex: Exec<'_>,
    requests: &[TagRequest],
    user: &crate::auth::CurrentUser,
) -> sqlx::Result<HashMap<String, Tag>> {
    let mut tags = resolve(ex, requests, user.role.perm_tag_editor).await?;
    tags.retain(|name, t| {
        let global_use = requests
            .iter()
            .any(|r| !r.local && r.name.to_lowercase() == *name);
        super::unusable_reason(t, user).is_none() && !(t.local_only && global_use)
    });
    Ok(tags)
}
