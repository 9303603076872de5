//! SQL for events: insert, lookups, the filtered and ACL-restricted index, publish state, and
//! the event blocklist.

use sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
};

use super::Event;
use crate::acl::Viewer;
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => Expr::col("id").eq(*id),
        IdRef::Uuid(u) => Expr::col("uuid").eq(u.clone()),
    }
}

pub async fn find(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<Event>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("events")
            .and_where(by_ref(r)),
    )
    .await
}

pub async fn insert(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("events", fields)).await
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("events")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Deletes an event; its children go by the foreign keys' cascades, its correlation
/// postings first.
pub async fn delete(mut ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    crate::correlation::drop_event(ex.re(), id).await?;
    ex.execute(
        Query::delete()
            .from_table("events")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

pub async fn is_blocked(ex: Exec<'_>, uuid: &str) -> sqlx::Result<bool> {
    let q = Query::select()
        .column("id")
        .from("event_blocklists")
        .and_where(Expr::col("event_uuid").eq(uuid))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.is_some())
}

/// Puts a deleted event's uuid on the blocklist so sync and feeds cannot bring it back.
pub async fn block(ex: Exec<'_>, e: &Event, orgc_name: &str, now: i64) -> sqlx::Result<()> {
    let fields: Fields = vec![
        ("event_uuid", e.uuid.clone().into()),
        ("created", now.into()),
        ("event_info", e.info.clone().into()),
        ("comment", "Deleted through the API".into()),
        ("event_orgc", orgc_name.into()),
    ];
    match ex
        .execute(&crate::db::insert_stmt("event_blocklists", fields))
        .await
    {
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// A term of a MISP list filter: `value` or `!value`.
#[derive(Debug, Clone)]
pub struct Term {
    pub negated: bool,
    pub value: String,
}

/// The `/events/index` filters, parsed at the edge; every column name here is fixed text.
#[derive(Debug, Clone, Default)]
pub struct IndexFilter {
    pub published: Option<bool>,
    pub info: Vec<Term>,
    pub ids: Vec<Term>,
    pub org_ids: Vec<(bool, i64)>,
    pub tags: Vec<Term>,
    pub date_from: Option<String>,
    pub date_until: Option<String>,
    pub threat_levels: Vec<(bool, i64)>,
    pub analysis: Vec<(bool, i64)>,
    pub distribution: Vec<(bool, i64)>,
    pub timestamp: Option<(i64, i64)>,
    pub publish_timestamp: Option<(i64, i64)>,
    /// `value`: exact attribute values (value1 or value2).
    pub values: Vec<Term>,
    /// `attribute`: attribute value substrings.
    pub attribute: Vec<Term>,
    /// `all`: a substring of the info, a tag name, or an attribute value or comment.
    pub all: Option<String>,
    pub sharing_groups: Vec<(bool, i64)>,
    /// `email`: the creating user's e-mail address (substring).
    pub email: Option<String>,
    pub sort: Option<&'static str>,
    pub descending: bool,
    pub limit: Option<u64>,
    pub page: u64,
}

fn ecol(c: &str) -> Expr {
    Expr::col((Alias::new("e"), Alias::new(c)))
}

/// `IN` for positive terms and `NOT IN` for negated ones, on one column.
fn int_terms(cond: Cond, col: &str, terms: &[(bool, i64)]) -> Cond {
    let pos: Vec<i64> = terms.iter().filter(|(n, _)| !n).map(|(_, v)| *v).collect();
    let neg: Vec<i64> = terms.iter().filter(|(n, _)| *n).map(|(_, v)| *v).collect();
    let mut cond = cond;
    if !pos.is_empty() {
        cond = cond.add(ecol(col).is_in(pos));
    }
    if !neg.is_empty() {
        cond = cond.add(ecol(col).is_not_in(neg));
    }
    cond
}

/// The events with a tag named like one of `names` (case-insensitive).
fn tagged(names: Vec<String>) -> SelectStatement {
    Query::select()
        .column((Alias::new("et"), Alias::new("event_id")))
        .from_as("event_tags", Alias::new("et"))
        .inner_join(
            "tags",
            Expr::col(("tags", "id")).equals((Alias::new("et"), Alias::new("tag_id"))),
        )
        .and_where(Expr::col(("tags", "name_lc")).is_in(names))
        .to_owned()
}

/// The events holding an attribute that matches `matches` and that the viewer may see: a
/// value held only by a hidden attribute must not reveal its event.
fn with_visible_attribute(viewer: &Viewer, matches: Cond) -> SelectStatement {
    let (a, o, e2) = (Alias::new("a"), Alias::new("o"), Alias::new("e2"));
    let mut q = Query::select();
    q.column((a.clone(), Alias::new("event_id")))
        .from_as("attributes", a.clone())
        .join_as(
            JoinType::InnerJoin,
            "events",
            e2.clone(),
            Expr::col((e2.clone(), Alias::new("id"))).equals((a.clone(), Alias::new("event_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            "objects",
            o.clone(),
            Expr::col((o, Alias::new("id"))).equals((a.clone(), Alias::new("object_id"))),
        )
        .and_where(Expr::col((a, Alias::new("deleted"))).eq(false))
        .cond_where(matches);
    if let Some(acl) = viewer.elements_condition("e2", "a", Some("o")) {
        q.cond_where(acl);
    }
    q
}

fn lower_like(table: &str, col: &str, needle: &str) -> Expr {
    let pattern = format!("%{}%", crate::db::escape_like(&needle.to_lowercase()));
    Expr::expr(Func::lower(Expr::col((Alias::new(table), Alias::new(col)))))
        .like(sea_query::LikeExpr::new(pattern).escape('\\'))
}

/// `value`, `attribute`, `all` and `email`, each through what the viewer may see.
fn attribute_filters(mut cond: Cond, viewer: &Viewer, f: &IndexFilter) -> Cond {
    let acol = |c: &str| Expr::col((Alias::new("a"), Alias::new(c)));
    for (negated, terms) in [(false, &f.values), (true, &f.values)] {
        let vals: Vec<String> = terms
            .iter()
            .filter(|t| t.negated == negated)
            .map(|t| t.value.clone())
            .collect();
        if vals.is_empty() {
            continue;
        }
        let hit = Cond::any()
            .add(acol("value1").is_in(vals.clone()))
            .add(acol("value2").is_in(vals));
        let sub = with_visible_attribute(viewer, hit);
        cond = cond.add(if negated {
            ecol("id").not_in_subquery(sub)
        } else {
            ecol("id").in_subquery(sub)
        });
    }
    for t in &f.attribute {
        let hit = Cond::any()
            .add(lower_like("a", "value1", &t.value))
            .add(lower_like("a", "value2", &t.value));
        let sub = with_visible_attribute(viewer, hit);
        cond = cond.add(if t.negated {
            ecol("id").not_in_subquery(sub)
        } else {
            ecol("id").in_subquery(sub)
        });
    }
    if let Some(needle) = f.all.as_deref().filter(|n| !n.is_empty()) {
        let hit = Cond::any()
            .add(lower_like("a", "value1", needle))
            .add(lower_like("a", "value2", needle))
            .add(lower_like("a", "comment", needle));
        let tags = Query::select()
            .column((Alias::new("et"), Alias::new("event_id")))
            .from_as("event_tags", Alias::new("et"))
            .inner_join(
                "tags",
                Expr::col(("tags", "id")).equals((Alias::new("et"), Alias::new("tag_id"))),
            )
            .and_where(lower_like("tags", "name", needle))
            .to_owned();
        cond = cond.add(
            Cond::any()
                .add(lower_like("e", "info", needle))
                .add(ecol("id").in_subquery(tags))
                .add(ecol("id").in_subquery(with_visible_attribute(viewer, hit))),
        );
    }
    if let Some(email) = f.email.as_deref().filter(|n| !n.is_empty()) {
        let users = Query::select()
            .column("id")
            .from("users")
            .and_where(lower_like("users", "email", email))
            .to_owned();
        cond = cond.add(ecol("user_id").in_subquery(users));
        // Who created an event is the creator organisation's business (and site admins').
        if !viewer.site_admin {
            cond = cond.add(ecol("orgc_id").eq(viewer.org_id));
        }
    }
    cond
}

fn filtered(viewer: &Viewer, f: &IndexFilter) -> SelectStatement {
    let mut q = Query::select();
    q.from_as("events", Alias::new("e"));
    let mut cond = Cond::all();
    if let Some(acl) = viewer.events_condition("e") {
        cond = cond.add(acl);
    }
    if let Some(p) = f.published {
        cond = cond.add(ecol("published").eq(p));
    }
    let lower_info = || Expr::expr(Func::lower(ecol("info")));
    let like = |t: &Term| {
        sea_query::LikeExpr::new(format!(
            "%{}%",
            crate::db::escape_like(&t.value.to_lowercase())
        ))
        .escape('\\')
    };
    let info_pos: Vec<&Term> = f.info.iter().filter(|t| !t.negated).collect();
    if !info_pos.is_empty() {
        cond = cond.add(
            info_pos
                .iter()
                .fold(Cond::any(), |c, t| c.add(lower_info().like(like(t)))),
        );
    }
    for t in f.info.iter().filter(|t| t.negated) {
        cond = cond.add(lower_info().not_like(like(t)));
    }
    let id_cond = |t: &Term| match IdRef::parse(&t.value) {
        Some(IdRef::Id(id)) => ecol("id").eq(id),
        Some(IdRef::Uuid(u)) => ecol("uuid").eq(u),
        None => Expr::val(1).eq(0),
    };
    let ids_pos: Vec<&Term> = f.ids.iter().filter(|t| !t.negated).collect();
    if !ids_pos.is_empty() {
        cond = cond.add(ids_pos.iter().fold(Cond::any(), |c, t| c.add(id_cond(t))));
    }
    for t in f.ids.iter().filter(|t| t.negated) {
        cond = cond.add(id_cond(t).not());
    }
    cond = int_terms(cond, "orgc_id", &f.org_ids);
    cond = int_terms(cond, "threat_level_id", &f.threat_levels);
    cond = int_terms(cond, "analysis", &f.analysis);
    cond = int_terms(cond, "distribution", &f.distribution);
    cond = int_terms(cond, "sharing_group_id", &f.sharing_groups);
    cond = attribute_filters(cond, viewer, f);
    let tag_names = |neg: bool| -> Vec<String> {
        f.tags
            .iter()
            .filter(|t| t.negated == neg)
            .map(|t| t.value.to_lowercase())
            .collect()
    };
    let (pos, neg) = (tag_names(false), tag_names(true));
    if !pos.is_empty() {
        cond = cond.add(ecol("id").in_subquery(tagged(pos)));
    }
    if !neg.is_empty() {
        cond = cond.add(ecol("id").not_in_subquery(tagged(neg)));
    }
    if let Some(d) = &f.date_from {
        cond = cond.add(ecol("date").gte(d.clone()));
    }
    if let Some(d) = &f.date_until {
        cond = cond.add(ecol("date").lte(d.clone()));
    }
    for (col, range) in [
        ("timestamp", f.timestamp),
        ("publish_timestamp", f.publish_timestamp),
    ] {
        if let Some((lo, hi)) = range {
            cond = cond.add(ecol(col).gte(lo)).add(ecol(col).lte(hi));
        }
    }
    q.cond_where(cond);
    q
}

/// The index page and the total number of matching events (MISP's `X-Result-Count`).
pub async fn index(
    mut ex: Exec<'_>,
    viewer: &Viewer,
    f: &IndexFilter,
) -> sqlx::Result<(Vec<Event>, i64)> {
    let mut count = filtered(viewer, f);
    count.expr(Func::count(Expr::col(Asterisk)));
    let total = ex.re().fetch_i64(&count).await?.unwrap_or(0);
    let mut q = filtered(viewer, f);
    q.column((Alias::new("e"), Asterisk));
    let order = if f.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    q.order_by(
        (Alias::new("e"), Alias::new(f.sort.unwrap_or("id"))),
        order.clone(),
    );
    if f.sort.is_some_and(|s| s != "id") {
        q.order_by((Alias::new("e"), Alias::new("id")), order);
    }
    if let Some(limit) = f.limit {
        q.limit(limit).offset(limit * f.page.saturating_sub(1));
    }
    Ok((ex.fetch_all(&q).await?, total))
}

/// Organisation summaries `{id, name, uuid[, local]}` for a set of org ids.
pub async fn org_summaries(
    ex: Exec<'_>,
    ids: &[i64],
) -> sqlx::Result<Vec<crate::orgs::Organisation>> {
    ex.fetch_all(
        Query::select()
            .column(Asterisk)
            .from("organisations")
            .and_where(Expr::col("id").is_in(ids.iter().copied())),
    )
    .await
}

/// After any change to an event's content (spec/model.md 4.1, 4.3): the event's timestamp
/// becomes `now`, it is unpublished, and its live attribute count is recomputed.
pub async fn touch(mut ex: Exec<'_>, event_id: i64, now: i64) -> sqlx::Result<()> {
    let count = crate::attributes::store::count_live(ex.re(), event_id).await?;
    update(
        ex,
        event_id,
        vec![
            ("timestamp", now.into()),
            ("published", false.into()),
            ("attribute_count", count.into()),
        ],
    )
    .await
    .map(|_| ())
}

/// The attributes of an event outside objects, in id order, for the streamed view.
pub fn view_attributes(event_id: i64, include_deleted: bool) -> SelectStatement {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("attributes")
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("object_id").eq(0))
        .order_by("id", Order::Asc);
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    q
}

/// The streamed view's query trimmed by restSearch's content filter.
pub fn filter_view_attributes(q: &mut SelectStatement, f: &super::parts::ContentFilter) {
    if let Some(t) = f.to_ids {
        q.and_where(Expr::col("to_ids").eq(t));
    }
    if f.deleted_only {
        q.and_where(Expr::col("deleted").eq(true));
    }
    if !f.exclude_tags.is_empty() {
        let tagged = Query::select()
            .column("attribute_id")
            .from("attribute_tags")
            .and_where(Expr::col("tag_id").is_in(f.exclude_tags.iter().copied()))
            .to_owned();
        q.and_where(Expr::col("id").not_in_subquery(tagged));
    }
}

/// What the event document needs to know before reading its parts, in one query: the
/// creator's e-mail and whether the event has objects, reports and tags at all (most small
/// events have none, and each saved query counts at thousands of views a second).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ViewHints {
    pub creator_email: Option<String>,
    pub objects: i64,
    pub reports: i64,
    pub tags: i64,
    pub attribute_tags: i64,
}

pub async fn view_hints(ex: Exec<'_>, event: &Event) -> sqlx::Result<ViewHints> {
    // COUNT over at most one row: bounded whatever the event's size, an integer on every backend.
    let any = |table: &str| {
        let inner = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new(table))
            .and_where(Expr::col("event_id").eq(event.id))
            .limit(1)
            .to_owned();
        let counted = Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from_subquery(inner, Alias::new("x"))
            .to_owned();
        Expr::SubQuery(None, Box::new(counted.into()))
    };
    let email = Query::select()
        .column("email")
        .from("users")
        .and_where(Expr::col("id").eq(event.user_id))
        .to_owned();
    let q = Query::select()
        .expr_as(
            Expr::SubQuery(None, Box::new(email.into())),
            Alias::new("creator_email"),
        )
        .expr_as(any("objects"), Alias::new("objects"))
        .expr_as(any("event_reports"), Alias::new("reports"))
        .expr_as(any("event_tags"), Alias::new("tags"))
        .expr_as(any("attribute_tags"), Alias::new("attribute_tags"))
        .to_owned();
    Ok(ex.fetch_optional(&q).await?.unwrap_or_default())
}
