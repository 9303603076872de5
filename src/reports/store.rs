//! SQL for event reports: single and bulk inserts, lookups with their event context, the
//! ACL-restricted index, and updates. Every filter value is bound; column names are fixed text.

use sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement,
};

use super::{EventReport, NewReport, ReportInContext};
use crate::acl::Viewer;
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

/// Rows per INSERT: 8 columns x 1,000 rows stays under every backend's parameter limit.
const BATCH: usize = 1000;

const COLUMNS: [&str; 8] = [
    "uuid",
    "event_id",
    "name",
    "content",
    "distribution",
    "sharing_group_id",
    "timestamp",
    "deleted",
];

fn col(table: &str, c: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(c)))
}

/// Reports (`r`) joined to their event (`e`), its organisations and the report's sharing
/// group: the columns `ReportInContext` decodes.
fn in_context() -> SelectStatement {
    let mut q = Query::select();
    q.column((Alias::new("r"), Asterisk))
        .from_as("event_reports", "r")
        .join_as(
            JoinType::InnerJoin,
            "events",
            "e",
            col("e", "id").equals(("r", "event_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "organisations",
            "org",
            col("org", "id").equals(("e", "org_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "organisations",
            "orgc",
            col("orgc", "id").equals(("e", "orgc_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "sharing_groups",
            "sg",
            col("sg", "id").equals(("r", "sharing_group_id")),
        );
    for (table, c, alias) in [
        ("e", "org_id", "e_org_id"),
        ("e", "orgc_id", "e_orgc_id"),
        ("e", "user_id", "e_user_id"),
        ("e", "info", "e_info"),
        ("e", "date", "e_date"),
        ("e", "distribution", "e_distribution"),
        ("e", "sharing_group_id", "e_sharing_group_id"),
        ("e", "published", "e_published"),
        ("org", "name", "org_name"),
        ("orgc", "name", "orgc_name"),
        ("sg", "name", "sg_name"),
        ("sg", "uuid", "sg_uuid"),
    ] {
        q.expr_as(col(table, c), alias);
    }
    q
}

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => col("r", "id").eq(*id),
        IdRef::Uuid(u) => col("r", "uuid").eq(u.clone()),
    }
}

/// One report by id or uuid, deleted or not, with its event context; the caller decides
/// visibility (`ReportInContext::visible_to`).
pub async fn find(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<ReportInContext>> {
    let mut q = in_context();
    q.and_where(by_ref(r));
    ex.fetch_optional(&q).await
}

/// Which reports `/event_reports/index` lists besides the ACL.
#[derive(Debug, Clone, Default)]
pub struct IndexFilter {
    /// `event_id:` — an event id or uuid; `Some(None)` for an unparseable one (matches nothing).
    pub event: Option<Option<IdRef>>,
    /// `value:` — a case-insensitive substring of name or content, or an exact id or uuid.
    pub value: Option<String>,
    pub context: Context,
    /// Site admins and sync users see soft-deleted reports of every event they can see;
    /// others only those of their own organisation's events (spec/model.md 3.3).
    pub sees_all_deleted: bool,
}

/// MISP's `context:` parameter: live reports (default), only deleted ones, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Context {
    #[default]
    Live,
    Deleted,
    All,
}

fn value_condition(value: &str) -> Cond {
    let pattern = || {
        LikeExpr::new(format!(
            "%{}%",
            crate::db::escape_like(&value.to_lowercase())
        ))
        .escape('\\')
    };
    let lower = |c: &str| Expr::expr(Func::lower(col("r", c)));
    let mut cond = Cond::any()
        .add(lower("name").like(pattern()))
        .add(lower("content").like(pattern()));
    match IdRef::parse(value.trim()) {
        Some(IdRef::Id(id)) => cond = cond.add(col("r", "id").eq(id)),
        Some(IdRef::Uuid(u)) => cond = cond.add(col("r", "uuid").eq(u)),
        None => {}
    }
    cond
}

/// The reports `viewer` may see that match `f`, by id: the event ACL and the element rule
/// over the reports table, both in SQL (`acl::Viewer`).
pub async fn index(
    ex: Exec<'_>,
    viewer: &Viewer,
    f: &IndexFilter,
) -> sqlx::Result<Vec<ReportInContext>> {
    let mut q = in_context();
    let mut cond = Cond::all();
    if let Some(acl) = viewer.events_condition("e") {
        cond = cond.add(acl);
    }
    if let Some(acl) = viewer.elements_condition("e", "r", None) {
        cond = cond.add(acl);
    }
    match &f.event {
        None => {}
        Some(Some(IdRef::Id(id))) => cond = cond.add(col("r", "event_id").eq(*id)),
        Some(Some(IdRef::Uuid(u))) => cond = cond.add(col("e", "uuid").eq(u.clone())),
        Some(None) => cond = cond.add(Expr::val(1).eq(0)),
    }
    if let Some(v) = f.value.as_deref().filter(|v| !v.is_empty()) {
        cond = cond.add(value_condition(v));
    }
    match f.context {
        Context::Live => cond = cond.add(col("r", "deleted").eq(false)),
        Context::Deleted => cond = cond.add(col("r", "deleted").eq(true)),
        Context::All => {}
    }
    if !f.sees_all_deleted && f.context != Context::Live {
        cond = cond.add(
            Cond::any()
                .add(col("r", "deleted").eq(false))
                .add(col("e", "org_id").eq(viewer.org_id)),
        );
    }
    q.cond_where(cond).order_by(("r", "id"), Order::Asc);
    ex.fetch_all(&q).await
}

/// Reports of one event by id (for the event view and sync); soft-deleted ones only when
/// asked. Visibility per report is the caller's (`Viewer::can_see_element`).
pub async fn of_event(
    ex: Exec<'_>,
    event_id: i64,
    include_deleted: bool,
) -> sqlx::Result<Vec<EventReport>> {
    let mut q = Query::select();
    q.column(Asterisk)
        .from("event_reports")
        .and_where(Expr::col("event_id").eq(event_id))
        .order_by("id", Order::Asc);
    if !include_deleted {
        q.and_where(Expr::col("deleted").eq(false));
    }
    ex.fetch_all(&q).await
}

/// Which of `uuids` already belong to a report (uuids are unique instance-wide).
pub async fn existing_uuids(mut ex: Exec<'_>, uuids: &[String]) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in uuids.chunks(BATCH) {
        let rows: Vec<(String,)> = ex
            .re()
            .fetch_all(
                Query::select()
                    .column("uuid")
                    .from("event_reports")
                    .and_where(Expr::col("uuid").is_in(chunk.iter().cloned())),
            )
            .await?;
        out.extend(rows.into_iter().map(|(u,)| u));
    }
    Ok(out)
}

fn values(event_id: i64, r: &NewReport, now: i64) -> [Expr; 8] {
    [
        r.uuid.clone().into(),
        event_id.into(),
        r.name.clone().into(),
        r.content.clone().into(),
        r.distribution.into(),
        r.sharing_group_id.into(),
        r.timestamp.unwrap_or(now).into(),
        r.deleted.into(),
    ]
}

/// Inserts one report; returns its id.
pub async fn insert(ex: Exec<'_>, event_id: i64, r: &NewReport, now: i64) -> sqlx::Result<i64> {
    let mut q = Query::insert();
    q.into_table("event_reports")
        .columns(COLUMNS)
        .values_panic(values(event_id, r, now));
    ex.insert(&q).await
}

/// Inserts the reports of one event in multi-row batches (reports nested in `/events/add` or a
/// pulled event). The caller has dropped uuids that already exist (`existing_uuids`).
pub async fn insert_many(
    mut ex: Exec<'_>,
    event_id: i64,
    reports: &[NewReport],
    now: i64,
) -> sqlx::Result<()> {
    for chunk in reports.chunks(BATCH) {
        let mut q = Query::insert();
        q.into_table("event_reports").columns(COLUMNS);
        for r in chunk {
            q.values_panic(values(event_id, r, now));
        }
        ex.re().execute(&q).await?;
    }
    Ok(())
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("event_reports")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Removes a report row (hard delete).
pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("event_reports")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}
