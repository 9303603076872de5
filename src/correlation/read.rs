//! The read path: related attributes and events for a viewer, found by joining postings on
//! their value id (and CIDR ranges on their bounds), with the ACL applied in the same SQL to
//! both the attribute looked from and the one found. Excluded values and values carried by
//! more than `limit` other attributes are left out here, not at write time, so that changing
//! the exclusions or the limit needs no rewrite.

use std::collections::{HashMap, HashSet};

use sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, UnionType};
use serde_json::Value;

use super::shapes::{FOUND_EVENT_COLUMNS, Found, Meeting, RELATED_EVENT_COLUMNS, RelatedEventRow};
use super::{MAX_PER_EVENT, Related};
use crate::acl::Viewer;
use crate::db::Exec;

fn col(t: &str, c: &str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(c)))
}

fn join(q: &mut SelectStatement, kind: JoinType, table: &str, alias: &str, on: Expr) {
    q.join_as(kind, Alias::new(table), Alias::new(alias), on);
}

/// Where the looked-from attributes are: one event, or a list of attributes.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Event(i64),
    Attributes(&'a [i64]),
}

impl Origin<'_> {
    fn on(&self, s: &str) -> Expr {
        match *self {
            Origin::Event(id) => col(s, "event_id").eq(id),
            Origin::Attributes(ids) => col(s, "attribute_id").is_in(ids.iter().copied()),
        }
    }
}

/// The three ways two attributes meet: an equal key, a plain address inside a network, a
/// network around a plain address.
#[derive(Clone, Copy)]
enum Meet {
    Key,
    InNetwork,
    AroundAddress,
}

/// A value is shown when not excluded and held by at most `limit` other attributes.
fn usable(v: &str, limit: i64) -> Cond {
    Cond::all()
        .add(col(v, "excluded").eq(false))
        .add(col(v, "occurrence").lte(limit.saturating_add(1)))
}

/// Source posting `s` to destination posting `d` through their shared value `v`.
fn through_key(q: &mut SelectStatement, limit: i64) {
    q.from_as("correlation_postings", Alias::new("s"));
    let on = col("v", "id").equals(("s", "value_id"));
    join(q, JoinType::InnerJoin, "correlation_values", "v", on);
    // A value held once relates nothing: most are filtered here, before the second join.
    q.and_where(col("v", "occurrence").gt(1))
        .cond_where(usable("v", limit));
    let on = col("d", "value_id").equals(("s", "value_id"));
    join(q, JoinType::InnerJoin, "correlation_postings", "d", on);
}

/// Source range `s` to destination range `d` of the same family: a network holding the
/// address (`inside`), or an address inside the network. Both values must be usable.
fn through_range(q: &mut SelectStatement, inside: bool, limit: i64) {
    q.from_as("correlation_ranges", Alias::new("s"));
    let on = Cond::all()
        .add(col("d", "family").equals(("s", "family")))
        .add(col("d", "is_cidr").eq(inside));
    let on = if inside {
        on.add(col("d", "lo").lte(col("s", "lo")))
            .add(col("d", "hi").gte(col("s", "lo")))
    } else {
        on.add(col("d", "lo").gte(col("s", "lo")))
            .add(col("d", "lo").lte(col("s", "hi")))
    };
    q.and_where(col("s", "is_cidr").eq(!inside));
    join(q, JoinType::InnerJoin, "correlation_ranges", "d", on.into());
    for (v, side) in [("v", "s"), ("v2", "d")] {
        let on = col(v, "id").equals((side, "value_id"));
        join(q, JoinType::InnerJoin, "correlation_values", v, on);
        q.cond_where(usable(v, limit));
    }
}

/// The attribute found (`a2`, its event `e2`, its object `o2`) and the attribute looked from
/// (`a1`, `e1`, `o1`), both seen through the viewer's ACL (`can_see_attribute`).
fn visible(q: &mut SelectStatement, viewer: &Viewer) {
    let on = col("a2", "id").equals(("d", "attribute_id"));
    join(q, JoinType::InnerJoin, "attributes", "a2", on);
    join(
        q,
        JoinType::InnerJoin,
        "events",
        "e2",
        col("e2", "id").equals(("a2", "event_id")),
    );
    let on = col("o2", "id").equals(("a2", "object_id"));
    join(q, JoinType::LeftJoin, "objects", "o2", on);
    q.and_where(col("a2", "deleted").eq(false));
    if let Some(c) = viewer.events_condition("e2") {
        q.cond_where(c);
    }
    let (Some(found), Some(from)) = (
        viewer.elements_condition("e2", "a2", Some("o2")),
        viewer.elements_condition("e1", "a1", Some("o1")),
    ) else {
        return; // Site admins see everything.
    };
    q.cond_where(found);
    let on = col("a1", "id").equals(("s", "attribute_id"));
    join(q, JoinType::InnerJoin, "attributes", "a1", on);
    join(
        q,
        JoinType::InnerJoin,
        "events",
        "e1",
        col("e1", "id").equals(("a1", "event_id")),
    );
    let on = col("o1", "id").equals(("a1", "object_id"));
    join(q, JoinType::LeftJoin, "objects", "o1", on);
    q.cond_where(from);
}

/// Source row `s` meeting destination row `d` in another event, as the viewer may see them.
fn meeting(viewer: &Viewer, from: Origin<'_>, meet: Meet, limit: i64) -> SelectStatement {
    let mut q = Query::select();
    match meet {
        Meet::Key => through_key(&mut q, limit),
        Meet::InNetwork => through_range(&mut q, true, limit),
        Meet::AroundAddress => through_range(&mut q, false, limit),
    }
    q.and_where(from.on("s"))
        .and_where(col("d", "event_id").ne(col("s", "event_id")));
    visible(&mut q, viewer);
    q
}

/// Every meeting of the looked-from attributes with the columns `pick` selects, newest
/// related event first, at most `cap`. Only the columns asked for are read: decoding is
/// what a large result costs.
fn meetings(
    viewer: &Viewer,
    from: Origin<'_>,
    limit: i64,
    cap: Option<u64>,
    pick: fn(&mut SelectStatement),
) -> SelectStatement {
    let member = |meet: Meet| {
        let mut q = meeting(viewer, from, meet, limit);
        let key = if matches!(meet, Meet::Key) { "v" } else { "v2" };
        q.expr_as(col("s", "attribute_id"), Alias::new("src_id"))
            .expr_as(col(key, "value"), Alias::new("match_key"))
            .expr_as(col("e2", "date"), Alias::new("e_date"));
        pick(&mut q);
        q
    };
    let mut q = member(Meet::Key);
    q.union(UnionType::All, member(Meet::InNetwork))
        .union(UnionType::All, member(Meet::AroundAddress))
        .order_by(Alias::new("e_date"), Order::Desc)
        .order_by(Alias::new("event_id"), Order::Desc)
        .order_by(Alias::new("id"), Order::Asc);
    if let Some(cap) = cap {
        q.limit(cap);
    }
    q
}

/// What the event view needs of the attribute found (`Meeting`).
fn narrow(q: &mut SelectStatement) {
    // Named: SQLite orders a compound SELECT by result names only.
    for c in ["id", "event_id", "value1", "value2"] {
        q.expr_as(col("a2", c), Alias::new(c));
    }
    q.expr_as(col("e2", "info"), Alias::new("e_info"))
        .expr_as(col("e2", "orgc_id"), Alias::new("e_orgc_id"));
}

/// Everything restSearch shows (`Found`).
fn wide(q: &mut SelectStatement) {
    q.column((Alias::new("a2"), sea_query::Asterisk));
    for c in FOUND_EVENT_COLUMNS {
        q.expr_as(col("e2", c), Alias::new(format!("e_{c}")));
    }
}

/// The events holding an attribute related to one of event `event_id`'s, as `RelatedEvent`
/// entries (`{"Event": {...}}`), newest date first.
pub async fn related_events(
    ex: Exec<'_>,
    viewer: &Viewer,
    event_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Value>> {
    let ids = |meet: Meet| {
        let mut q = meeting(viewer, Origin::Event(event_id), meet, limit);
        q.column((Alias::new("a2"), Alias::new("event_id")));
        q
    };
    let mut within = ids(Meet::Key);
    within
        .union(UnionType::Distinct, ids(Meet::InNetwork))
        .union(UnionType::Distinct, ids(Meet::AroundAddress));
    let mut q = Query::select();
    q.columns(RELATED_EVENT_COLUMNS.map(|c| (Alias::new("e"), Alias::new(c))))
        .from_as("events", Alias::new("e"));
    for (o, fk) in [("og", "org_id"), ("oc", "orgc_id")] {
        join(
            &mut q,
            JoinType::LeftJoin,
            "organisations",
            o,
            col(o, "id").equals(("e", fk)),
        );
        let prefix = if o == "og" { "org" } else { "orgc" };
        q.expr_as(col(o, "name"), Alias::new(format!("{prefix}_name")))
            .expr_as(col(o, "uuid"), Alias::new(format!("{prefix}_uuid")));
    }
    q.and_where(col("e", "id").in_subquery(within))
        .order_by((Alias::new("e"), Alias::new("date")), Order::Desc)
        .order_by((Alias::new("e"), Alias::new("id")), Order::Desc);
    let rows: Vec<RelatedEventRow> = ex.fetch_all(&q).await?;
    Ok(rows.iter().map(RelatedEventRow::wire).collect())
}

/// Correlations of event `event_id` for the event view: its `RelatedEvent` entries, and per
/// attribute the `RelatedAttribute` entries `{id, value, org_id, info, event_id}` (at most
/// `MAX_PER_EVENT` in all). `limit` is the over-correlation limit.
pub async fn related_for_event(
    mut ex: Exec<'_>,
    viewer: &Viewer,
    event_id: i64,
    limit: i64,
) -> sqlx::Result<Related> {
    let events = related_events(ex.re(), viewer, event_id, limit).await?;
    let from = Origin::Event(event_id);
    let q = meetings(viewer, from, limit, Some(MAX_PER_EVENT), narrow);
    let rows: Vec<Meeting> = ex.fetch_all(&q).await?;
    let mut attributes: HashMap<i64, Vec<Value>> = HashMap::new();
    for m in &rows {
        attributes.entry(m.src_id).or_default().push(m.wire());
    }
    Ok(Related { events, attributes })
}

/// Correlations of the given attributes in the `/attributes/restSearch` form
/// (`includeCorrelations`): per attribute id, the related attributes with their fields and an
/// `Event` summary, each related attribute once, in id order.
pub async fn related_for_attributes(
    mut ex: Exec<'_>,
    viewer: &Viewer,
    attribute_ids: &[i64],
    limit: i64,
) -> sqlx::Result<HashMap<i64, Vec<Value>>> {
    let mut rows: Vec<Found> = Vec::new();
    for chunk in attribute_ids.chunks(1000) {
        let q = meetings(viewer, Origin::Attributes(chunk), limit, None, wide);
        rows.extend(ex.re().fetch_all::<Found>(&q).await?);
    }
    rows.sort_by_key(|f| (f.src_id, f.attribute.id));
    let mut seen = HashSet::new();
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    for f in rows
        .iter()
        .filter(|f| seen.insert((f.src_id, f.attribute.id)))
    {
        out.entry(f.src_id).or_default().push(f.wire());
    }
    Ok(out)
}
