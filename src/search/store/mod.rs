//! restSearch SQL: one query plan per scope over `attributes a`, `events e` and `objects o`,
//! always under the ACL (`acl::Viewer`), every value bound. Element filters and event filters
//! are separate builders so the events scope can ask "events holding a visible attribute that
//! matches" while the attributes scope filters rows directly.

use sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement,
};

mod conditions;

use super::{Filters, Terms};
use crate::acl::Viewer;
use crate::attributes::Attribute;
use crate::db::Exec;
use crate::events::Event;
use conditions::*;

/// The tag filters resolved to tag ids. `impossible` when an OR list or an AND term names no
/// existing tag: MISP then returns nothing.
#[derive(Debug, Clone, Default)]
pub struct TagPlan {
    pub any: Option<Vec<i64>>,
    pub all: Vec<Vec<i64>>,
    pub not: Vec<i64>,
    pub impossible: bool,
}

/// The ids of the tags a term names: a numeric id, an exact name, or a `%` pattern (both
/// case-insensitive), among the tags the viewer may use.
async fn tag_ids(mut ex: Exec<'_>, viewer: &Viewer, term: &str) -> sqlx::Result<Vec<i64>> {
    let mut q = Query::select();
    q.column("id").from("tags");
    let lc = term.to_lowercase();
    if let Ok(id) = term.parse::<i64>() {
        q.and_where(Expr::col("id").eq(id));
    } else if lc.starts_with('%') || lc.ends_with('%') {
        q.and_where(Expr::col("name_lc").like(LikeExpr::new(lc.replace('_', "\\_")).escape('\\')));
    } else {
        q.and_where(Expr::col("name_lc").eq(lc));
    }
    if !viewer.site_admin {
        q.and_where(Expr::col("org_id").is_in([0, viewer.org_id]));
        q.and_where(Expr::col("user_id").is_in([0, viewer.user_id]));
    }
    let rows: Vec<(i64,)> = ex.re().fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn resolve_tags(mut ex: Exec<'_>, viewer: &Viewer, t: &Terms) -> sqlx::Result<TagPlan> {
    let mut plan = TagPlan::default();
    if !t.any.is_empty() {
        let mut ids = Vec::new();
        for term in &t.any {
            ids.extend(tag_ids(ex.re(), viewer, term).await?);
        }
        plan.impossible |= ids.is_empty();
        plan.any = Some(ids);
    }
    for term in &t.all {
        let ids = tag_ids(ex.re(), viewer, term).await?;
        plan.impossible |= ids.is_empty();
        plan.all.push(ids);
    }
    for term in &t.not {
        plan.not.extend(tag_ids(ex.re(), viewer, term).await?);
    }
    Ok(plan)
}

/// A request resolved against the database: filters plus tag ids.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub f: Filters,
    pub tags: TagPlan,
    pub event_tags: TagPlan,
}

impl Plan {
    pub fn impossible(&self) -> bool {
        self.tags.impossible || self.event_tags.impossible
    }
}

/// `attributes a JOIN events <e> LEFT JOIN objects o`, under the element ACL.
fn attribute_rows(viewer: &Viewer, e: &str) -> SelectStatement {
    let mut q = Query::select();
    q.from_as("attributes", Alias::new("a"))
        .join_as(
            JoinType::InnerJoin,
            "events",
            Alias::new(e),
            col(e, "id").equals((Alias::new("a"), Alias::new("event_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            "objects",
            Alias::new("o"),
            col("o", "id").equals((Alias::new("a"), Alias::new("object_id"))),
        );
    if let Some(acl) = viewer.events_condition(e) {
        q.cond_where(acl);
    }
    if let Some(acl) = viewer.elements_condition(e, "a", Some("o")) {
        q.cond_where(acl);
    }
    q
}

/// The `Attribute` columns a value format reads, the rest as constants of the right type.
fn narrow_columns(q: &mut SelectStatement) {
    for c in [
        "id",
        "event_id",
        "object_id",
        "type",
        "value1",
        "value2",
        "to_ids",
        "distribution",
        "sharing_group_id",
        "deleted",
        "disable_correlation",
        "timestamp",
    ] {
        q.expr_as(col("a", c), Alias::new(c));
    }
    for c in ["uuid", "category", "comment"] {
        q.expr_as(Expr::val(""), Alias::new(c));
    }
    q.expr_as(Expr::val(None::<String>), Alias::new("object_relation"));
    for c in ["first_seen", "last_seen"] {
        q.expr_as(Expr::val(None::<i64>), Alias::new(c));
    }
}

/// Attribute scope: the rows of `/attributes/restSearch`, ordered, paged.
///
/// `narrow`: the value formats (text, hashes, cache, rpz) read only ids, type and value; the
/// other columns come back as constants, which on SQLite saves most of the per-row cost of
/// copying every column out of the database.
pub fn attributes_query(viewer: &Viewer, plan: &Plan, narrow: bool) -> SelectStatement {
    let f = &plan.f;
    let mut q = attribute_rows(viewer, "e");
    if narrow {
        narrow_columns(&mut q);
    } else {
        q.column((Alias::new("a"), Asterisk));
    }
    let mut cond = event_cond(f).add(element_cond(viewer, f, Some(owner(viewer, "e"))));
    cond = in_range(cond, col("a", "timestamp"), f.timestamp);
    // `uuid`: the attribute's, or every attribute of the event with that uuid.
    if !f.uuid.is_empty() {
        cond = text_terms(
            cond,
            &[col("a", "uuid"), col("e", "uuid")],
            &lower_terms(&f.uuid),
        );
    }
    if !f.sharinggroup.is_empty() {
        let mut sg = Cond::any();
        sg = sg.add(int_terms(
            Cond::all(),
            col("a", "sharing_group_id"),
            &f.sharinggroup,
        ));
        sg = sg.add(int_terms(
            Cond::all(),
            col("e", "sharing_group_id"),
            &f.sharinggroup,
        ));
        cond = cond.add(sg);
    }
    if let Some(needle) = &f.searchall {
        let p = format!("%{}%", needle.trim_matches('%'));
        cond = cond.add(
            Cond::any()
                .add(like(col("a", "value1"), &p))
                .add(like(col("a", "value2"), &p))
                .add(like(col("a", "comment"), &p))
                .add(like(col("e", "info"), &p))
                .add(col("a", "id").in_subquery(tagged_like("attribute_tags", "attribute_id", &p)))
                .add(col("a", "event_id").in_subquery(tagged_like("event_tags", "event_id", &p))),
        );
    }
    // Tags: the attribute's own or its event's.
    let has = |ids: &[i64]| {
        Cond::any()
            .add(col("a", "id").in_subquery(tagged("attribute_tags", "attribute_id", ids)))
            .add(col("a", "event_id").in_subquery(tagged("event_tags", "event_id", ids)))
    };
    if let Some(ids) = &plan.tags.any {
        cond = cond.add(has(ids));
    }
    for ids in &plan.tags.all {
        cond = cond.add(has(ids));
    }
    if !plan.tags.not.is_empty() {
        cond = cond.add(has(&plan.tags.not).not());
    }
    q.cond_where(cond);
    order_and_page(&mut q, "a", f);
    q
}

fn order_and_page(q: &mut SelectStatement, table: &str, f: &Filters) {
    match f.order {
        Some(("value", desc)) => {
            let o = if desc { Order::Desc } else { Order::Asc };
            q.order_by((Alias::new(table), Alias::new("value1")), o.clone())
                .order_by((Alias::new(table), Alias::new("value2")), o);
        }
        Some((c, desc)) => {
            q.order_by(
                (Alias::new(table), Alias::new(c)),
                if desc { Order::Desc } else { Order::Asc },
            );
        }
        None => {}
    }
    q.order_by((Alias::new(table), Alias::new("id")), Order::Asc);
    if let Some(limit) = f.limit {
        q.limit(limit)
            .offset(limit.saturating_mul(f.page.saturating_sub(1)));
    }
}

/// The events holding a visible attribute that satisfies `inner`.
fn events_with(viewer: &Viewer, inner: Cond) -> SelectStatement {
    let mut q = attribute_rows(viewer, "ev");
    q.column((Alias::new("a"), Alias::new("event_id")))
        .cond_where(inner);
    q
}

/// Events scope: the matching events (all columns), ordered, paged.
pub fn events_query(viewer: &Viewer, plan: &Plan) -> SelectStatement {
    let f = &plan.f;
    let mut q = Query::select();
    q.column((Alias::new("e"), Asterisk))
        .from_as("events", Alias::new("e"));
    if let Some(acl) = viewer.events_condition("e") {
        q.cond_where(acl);
    }
    let mut cond = event_cond(f);
    cond = in_range(cond, col("e", "timestamp"), f.timestamp);
    cond = int_terms(cond, col("e", "sharing_group_id"), &f.sharinggroup);
    if f.has_attribute_filters() {
        let inner = element_cond(viewer, f, Some(owner(viewer, "ev")));
        cond = cond.add(col("e", "id").in_subquery(events_with(viewer, inner)));
    }
    if !f.uuid.is_empty() {
        let uuids = lower_terms(&f.uuid);
        let by_attr = events_with(
            viewer,
            text_terms(
                Cond::all(),
                &[col("a", "uuid")],
                &Terms {
                    any: uuids.any.clone(),
                    ..Terms::default()
                },
            ),
        );
        let mut any = text_terms(
            Cond::all(),
            &[col("e", "uuid")],
            &Terms {
                any: uuids.any,
                ..Terms::default()
            },
        );
        any = Cond::any()
            .add(any)
            .add(col("e", "id").in_subquery(by_attr));
        cond = cond.add(any);
    }
    if let Some(needle) = &f.searchall {
        let p = format!("%{}%", needle.trim_matches('%'));
        let attrs = Cond::any()
            .add(like(col("a", "value1"), &p))
            .add(like(col("a", "value2"), &p))
            .add(like(col("a", "comment"), &p));
        let live = Cond::all().add(col("a", "deleted").eq(false));
        cond = cond.add(
            Cond::any()
                .add(like(col("e", "info"), &p))
                .add(col("e", "id").in_subquery(tagged_like("event_tags", "event_id", &p)))
                .add(col("e", "id").in_subquery(events_with(viewer, live.add(attrs)))),
        );
    }
    let event_has = |ids: &[i64]| col("e", "id").in_subquery(tagged("event_tags", "event_id", ids));
    let attr_has = |ids: &[i64]| {
        let inner = Cond::all()
            .add(col("a", "deleted").eq(false))
            .add(col("a", "id").in_subquery(tagged("attribute_tags", "attribute_id", ids)));
        col("e", "id").in_subquery(events_with(viewer, inner))
    };
    if let Some(ids) = &plan.tags.any {
        cond = cond.add(Cond::any().add(event_has(ids)).add(attr_has(ids)));
    }
    for ids in &plan.tags.all {
        cond = cond.add(Cond::any().add(event_has(ids)).add(attr_has(ids)));
    }
    if !plan.tags.not.is_empty() {
        cond = cond.add(event_has(&plan.tags.not).not());
    }
    if let Some(ids) = &plan.event_tags.any {
        cond = cond.add(event_has(ids));
    }
    for ids in &plan.event_tags.all {
        cond = cond.add(event_has(ids));
    }
    if !plan.event_tags.not.is_empty() {
        cond = cond.add(event_has(&plan.event_tags.not).not());
    }
    q.cond_where(cond);
    order_and_page(&mut q, "e", f);
    q
}

/// The number of rows a query would return without its order and paging.
pub async fn count(ex: Exec<'_>, mut q: SelectStatement) -> sqlx::Result<i64> {
    q.clear_order_by();
    q.reset_limit();
    q.reset_offset();
    let outer = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from_subquery(q, Alias::new("c"))
        .to_owned();
    Ok(ex.fetch_i64(&outer).await?.unwrap_or(0))
}

/// What an events-scope export keeps inside each event: `to_ids`, `deleted`, and no attribute
/// carrying a NOT tag.
pub fn content_cond(viewer: &Viewer, plan: &Plan) -> Cond {
    let f = &plan.f;
    let mut cond = Cond::all();
    if let Some(t) = f.to_ids {
        cond = cond.add(col("a", "to_ids").eq(t));
    }
    let kept = Filters {
        to_ids: None,
        deleted: f.deleted,
        ..Filters::default()
    };
    cond = cond.add(element_cond(viewer, &kept, Some(owner(viewer, "e"))));
    if !plan.tags.not.is_empty() {
        cond = cond.add(col("a", "id").not_in_subquery(tagged(
            "attribute_tags",
            "attribute_id",
            &plan.tags.not,
        )));
    }
    cond
}

/// Events scope, flat formats: the kept attributes of the given events, grouped by event and
/// object (attributes outside objects first), in id order.
/// `page`: the ids of a page of events; `None` for every matching event (MySQL refuses LIMIT
/// inside IN, so a page is always an id list).
pub fn event_attributes_query(
    viewer: &Viewer,
    plan: &Plan,
    page: Option<&[i64]>,
) -> SelectStatement {
    let mut q = attribute_rows(viewer, "e");
    let events = match page {
        Some(ids) => col("a", "event_id").is_in(ids.iter().copied()),
        None => col("a", "event_id").in_subquery(event_ids_subquery(viewer, plan)),
    };
    q.column((Alias::new("a"), Asterisk))
        .and_where(events)
        .cond_where(content_cond(viewer, plan))
        .order_by((Alias::new("a"), Alias::new("event_id")), Order::Asc)
        .order_by((Alias::new("a"), Alias::new("object_id")), Order::Asc)
        .order_by((Alias::new("a"), Alias::new("id")), Order::Asc);
    q
}

/// The ids of every matching event, unpaged, as a subquery.
pub fn event_ids_subquery(viewer: &Viewer, plan: &Plan) -> SelectStatement {
    let mut q = events_query(viewer, plan);
    q.clear_selects();
    q.clear_order_by();
    q.reset_limit();
    q.reset_offset();
    q.column((Alias::new("e"), Alias::new("id")));
    q
}

pub async fn events_by_ids(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<Event>> {
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("events")
            .and_where(Expr::col("id").is_in(ids.iter().copied())),
    )
    .await
}

pub async fn objects_by_ids(
    ex: Exec<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<crate::objects::Object>> {
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("objects")
            .and_where(Expr::col("id").is_in(ids.iter().copied())),
    )
    .await
}

/// The attributes of a page of objects (objects scope), under the element ACL and `deleted`.
pub fn object_attributes_query(
    viewer: &Viewer,
    plan: &Plan,
    object_ids: &[i64],
) -> SelectStatement {
    let kept = Filters {
        deleted: plan.f.deleted,
        ..Filters::default()
    };
    let mut q = attribute_rows(viewer, "e");
    q.column((Alias::new("a"), Asterisk))
        .and_where(col("a", "object_id").is_in(object_ids.iter().copied()))
        .cond_where(element_cond(viewer, &kept, Some(owner(viewer, "e"))))
        .order_by((Alias::new("a"), Alias::new("object_id")), Order::Asc)
        .order_by((Alias::new("a"), Alias::new("id")), Order::Asc);
    q
}

/// Objects scope: objects holding a visible attribute that matches, ordered and paged.
pub fn objects_query(viewer: &Viewer, plan: &Plan) -> SelectStatement {
    let f = &plan.f;
    let mut inner = attribute_rows(viewer, "e");
    inner.column((Alias::new("a"), Alias::new("object_id")));
    let mut cond = event_cond(f).add(element_cond(viewer, f, Some(owner(viewer, "e"))));
    cond = cond.add(col("a", "object_id").ne(0));
    cond = in_range(cond, col("o", "timestamp"), f.timestamp);
    if let Some(ids) = &plan.tags.any {
        cond = cond.add(
            Cond::any()
                .add(col("a", "id").in_subquery(tagged("attribute_tags", "attribute_id", ids)))
                .add(col("a", "event_id").in_subquery(tagged("event_tags", "event_id", ids))),
        );
    }
    inner.cond_where(cond);
    let mut q = Query::select();
    q.column((Alias::new("ob"), Asterisk))
        .from_as("objects", Alias::new("ob"))
        .and_where(col("ob", "id").in_subquery(inner));
    order_and_page(
        &mut q,
        "ob",
        &Filters {
            order: None,
            ..f.clone()
        },
    );
    q
}

/// Attribute rows decode as `Attribute` (the `a.*` columns).
pub type Row = Attribute;
