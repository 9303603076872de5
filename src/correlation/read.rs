//! The read path: related attributes and events for a viewer, found by joining postings on
//! their value id (and CIDR ranges on their bounds), with the ACL applied in the same SQL to
//! both the attribute looked from and the one found. Excluded values and values carried by
//! more than `limit` other attributes are left out here, not at write time, so that changing
//! the exclusions or the limit needs no rewrite.

use std::collections::{HashMap, HashSet};

use sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, UnionType};
use serde_json::{Value, json};

use super::{MAX_PER_EVENT, Related, key_of};
use crate::acl::Viewer;
use crate::db::Exec;

fn col(t: &str, c: &str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(c)))
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

fn join(q: &mut SelectStatement, kind: JoinType, table: &str, alias: &str, on: Expr) {
    q.join_as(kind, Alias::new(table), Alias::new(alias), on);
}

/// `FROM` source row `s` to destination row `d`, the value(s) checked, the destination's
/// attribute `a2`, event `e2` and object `o2` joined and seen through the viewer's ACL, and so
/// is the source attribute `a1`.
fn meeting(viewer: &Viewer, from: Origin<'_>, meet: Meet, limit: i64) -> SelectStatement {
    let mut q = Query::select();
    let table = match meet {
        Meet::Key => "correlation_postings",
        _ => "correlation_ranges",
    };
    q.from_as(Alias::new(table), Alias::new("s"));
    match meet {
        Meet::Key => {
            join(
                &mut q,
                JoinType::InnerJoin,
                "correlation_values",
                "v",
                col("v", "id").equals(("s", "value_id")),
            );
            q.and_where(col("v", "occurrence").gt(1));
            q.cond_where(usable("v", limit));
            let on = col("d", "value_id").equals(("s", "value_id"));
            join(&mut q, JoinType::InnerJoin, "correlation_postings", "d", on);
        }
        Meet::InNetwork | Meet::AroundAddress => {
            let inside = matches!(meet, Meet::InNetwork);
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
            join(
                &mut q,
                JoinType::InnerJoin,
                "correlation_ranges",
                "d",
                on.into(),
            );
            join(
                &mut q,
                JoinType::InnerJoin,
                "correlation_values",
                "v",
                col("v", "id").equals(("s", "value_id")),
            );
            join(
                &mut q,
                JoinType::InnerJoin,
                "correlation_values",
                "v2",
                col("v2", "id").equals(("d", "value_id")),
            );
            q.cond_where(usable("v", limit))
                .cond_where(usable("v2", limit));
        }
    }
    q.and_where(from.on("s"))
        .and_where(col("d", "event_id").ne(col("s", "event_id")));
    join(
        &mut q,
        JoinType::InnerJoin,
        "attributes",
        "a2",
        col("a2", "id").equals(("d", "attribute_id")),
    );
    join(
        &mut q,
        JoinType::InnerJoin,
        "events",
        "e2",
        col("e2", "id").equals(("a2", "event_id")),
    );
    join(
        &mut q,
        JoinType::LeftJoin,
        "objects",
        "o2",
        col("o2", "id").equals(("a2", "object_id")),
    );
    q.and_where(col("a2", "deleted").eq(false));
    if let Some(c) = viewer.events_condition("e2") {
        q.cond_where(c);
    }
    if let Some(c) = viewer.elements_condition("e2", "a2", Some("o2")) {
        q.cond_where(c);
        join(
            &mut q,
            JoinType::InnerJoin,
            "attributes",
            "a1",
            col("a1", "id").equals(("s", "attribute_id")),
        );
        join(
            &mut q,
            JoinType::InnerJoin,
            "events",
            "e1",
            col("e1", "id").equals(("a1", "event_id")),
        );
        join(
            &mut q,
            JoinType::LeftJoin,
            "objects",
            "o1",
            col("o1", "id").equals(("a1", "object_id")),
        );
        if let Some(c) = viewer.elements_condition("e1", "a1", Some("o1")) {
            q.cond_where(c);
        }
    }
    q
}

const EVENT_COLUMNS: [&str; 11] = [
    "uuid",
    "threat_level_id",
    "analysis",
    "info",
    "extends_uuid",
    "distribution",
    "sharing_group_id",
    "published",
    "date",
    "orgc_id",
    "org_id",
];

/// One meeting: the attribute looked from, the key they share, the attribute found and the
/// event holding it.
#[derive(Debug, sqlx::FromRow)]
struct Found {
    src_id: i64,
    match_key: String,
    #[sqlx(flatten)]
    attribute: crate::attributes::Attribute,
    e_uuid: String,
    e_threat_level_id: i64,
    e_analysis: i64,
    e_info: String,
    e_extends_uuid: String,
    e_distribution: i64,
    e_sharing_group_id: i64,
    e_published: bool,
    e_date: String,
    e_orgc_id: i64,
    e_org_id: i64,
}

impl Found {
    /// The half of the found attribute that matched (its own spelling), or its address for
    /// a CIDR meeting.
    fn matched_value(&self) -> &str {
        let a = &self.attribute;
        if !a.value2.is_empty()
            && key_of(&a.value1) != self.match_key
            && key_of(&a.value2) == self.match_key
        {
            &a.value2
        } else {
            &a.value1
        }
    }
}

/// Every meeting of the looked-from attributes, newest related event first, at most `cap`.
async fn found(
    ex: Exec<'_>,
    viewer: &Viewer,
    from: Origin<'_>,
    limit: i64,
    cap: Option<u64>,
) -> sqlx::Result<Vec<Found>> {
    let member = |meet: Meet| {
        let mut q = meeting(viewer, from, meet, limit);
        let key = match meet {
            Meet::Key => "v",
            _ => "v2",
        };
        q.expr_as(col("s", "attribute_id"), Alias::new("src_id"))
            .expr_as(col(key, "value"), Alias::new("match_key"))
            .column((Alias::new("a2"), sea_query::Asterisk));
        for c in EVENT_COLUMNS {
            q.expr_as(col("e2", c), Alias::new(format!("e_{c}")));
        }
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
    ex.fetch_all(&q).await
}

/// The events holding an attribute related to one of event `event_id`'s, as `RelatedEvent`
/// entries (`{"Event": {...}}`), newest date first.
pub async fn related_events(
    ex: Exec<'_>,
    viewer: &Viewer,
    event_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Value>> {
    let from = Origin::Event(event_id);
    let ids = |meet: Meet| {
        let mut q = meeting(viewer, from, meet, limit);
        q.column((Alias::new("a2"), Alias::new("event_id")));
        q
    };
    let mut within = ids(Meet::Key);
    within
        .union(UnionType::Distinct, ids(Meet::InNetwork))
        .union(UnionType::Distinct, ids(Meet::AroundAddress));
    let (e, og, oc) = ("e", "og", "oc");
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "date",
            "threat_level_id",
            "info",
            "published",
            "uuid",
            "analysis",
            "timestamp",
            "distribution",
            "org_id",
            "orgc_id",
        ]
        .map(|c| (Alias::new(e), Alias::new(c))),
    )
    .expr_as(col(og, "name"), Alias::new("org_name"))
    .expr_as(col(og, "uuid"), Alias::new("org_uuid"))
    .expr_as(col(oc, "name"), Alias::new("orgc_name"))
    .expr_as(col(oc, "uuid"), Alias::new("orgc_uuid"))
    .from_as("events", Alias::new(e));
    join(
        &mut q,
        JoinType::LeftJoin,
        "organisations",
        og,
        col(og, "id").equals((e, "org_id")),
    );
    join(
        &mut q,
        JoinType::LeftJoin,
        "organisations",
        oc,
        col(oc, "id").equals((e, "orgc_id")),
    );
    q.and_where(col(e, "id").in_subquery(within))
        .order_by((Alias::new(e), Alias::new("date")), Order::Desc)
        .order_by((Alias::new(e), Alias::new("id")), Order::Desc);
    let rows: Vec<RelatedEventRow> = ex.fetch_all(&q).await?;
    Ok(rows.iter().map(RelatedEventRow::wire).collect())
}

#[derive(Debug, sqlx::FromRow)]
struct RelatedEventRow {
    id: i64,
    date: String,
    threat_level_id: i64,
    info: String,
    published: bool,
    uuid: String,
    analysis: i64,
    timestamp: i64,
    distribution: i64,
    org_id: i64,
    orgc_id: i64,
    org_name: Option<String>,
    org_uuid: Option<String>,
    orgc_name: Option<String>,
    orgc_uuid: Option<String>,
}

impl RelatedEventRow {
    fn wire(&self) -> Value {
        let org = |id: i64, name: &Option<String>, uuid: &Option<String>| json!({"id": id.to_string(), "name": name, "uuid": uuid});
        json!({"Event": {
            "id": self.id.to_string(),
            "date": self.date,
            "threat_level_id": self.threat_level_id.to_string(),
            "info": self.info,
            "published": self.published,
            "uuid": self.uuid,
            "analysis": self.analysis.to_string(),
            "timestamp": self.timestamp.to_string(),
            "distribution": self.distribution.to_string(),
            "org_id": self.org_id.to_string(),
            "orgc_id": self.orgc_id.to_string(),
            "Org": org(self.org_id, &self.org_name, &self.org_uuid),
            "Orgc": org(self.orgc_id, &self.orgc_name, &self.orgc_uuid),
        }})
    }
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
    let rows = found(
        ex,
        viewer,
        Origin::Event(event_id),
        limit,
        Some(MAX_PER_EVENT),
    )
    .await?;
    let mut attributes: HashMap<i64, Vec<Value>> = HashMap::new();
    for f in &rows {
        let a = &f.attribute;
        attributes.entry(f.src_id).or_default().push(json!({
            "id": a.id.to_string(),
            "value": f.matched_value(),
            "org_id": f.e_orgc_id.to_string(),
            "info": f.e_info,
            "event_id": a.event_id.to_string(),
        }));
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
    let mut rows = Vec::new();
    for chunk in attribute_ids.chunks(1000) {
        rows.extend(found(ex.re(), viewer, Origin::Attributes(chunk), limit, None).await?);
    }
    rows.sort_by_key(|f| (f.src_id, f.attribute.id));
    let mut seen = HashSet::new();
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    for f in rows
        .iter()
        .filter(|f| seen.insert((f.src_id, f.attribute.id)))
    {
        out.entry(f.src_id).or_default().push(search_entry(f));
    }
    Ok(out)
}

/// One `RelatedAttribute` of restSearch (capture 095).
fn search_entry(f: &Found) -> Value {
    let a = &f.attribute;
    json!({
        "id": a.id.to_string(),
        "event_id": a.event_id.to_string(),
        "object_id": a.object_id.to_string(),
        "object_relation": a.object_relation,
        "category": a.category,
        "type": a.r#type,
        "uuid": a.uuid,
        "timestamp": a.timestamp.to_string(),
        "distribution": a.distribution.to_string(),
        "sharing_group_id": a.sharing_group_id.to_string(),
        "to_ids": a.to_ids,
        "comment": a.comment,
        "value": a.value(),
        "Event": {
            "id": a.event_id.to_string(),
            "uuid": f.e_uuid,
            "threat_level_id": f.e_threat_level_id.to_string(),
            "analysis": f.e_analysis.to_string(),
            "info": f.e_info,
            "extends_uuid": f.e_extends_uuid,
            "distribution": f.e_distribution.to_string(),
            "sharing_group_id": f.e_sharing_group_id.to_string(),
            "published": f.e_published,
            "date": f.e_date,
            "orgc_id": f.e_orgc_id.to_string(),
            "org_id": f.e_org_id.to_string(),
        },
    })
}
