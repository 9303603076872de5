//! SQL for sharing groups, their member organisations and their server links. Lists load in
//! three statements whatever their length (groups, then all their members, then all their
//! server links), never one query per group.

use std::collections::HashMap;

use sea_query::{Asterisk, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use serde_json::Value;

use super::{Full, Member, ServerLink, SharingGroup};
use crate::db::{Exec, Fields};
use crate::wire::IdRef;

/// Every group query: the row plus its owner's name and uuid.
fn groups() -> SelectStatement {
    let mut q = Query::select();
    for c in [
        "id",
        "uuid",
        "name",
        "releasability",
        "description",
        "organisation_uuid",
        "org_id",
        "sync_user_id",
        "active",
        "created",
        "modified",
        "local",
        "roaming",
    ] {
        q.column(("sg", c));
    }
    q.expr_as(Expr::col(("o", "name")), "owner_name")
        .expr_as(Expr::col(("o", "uuid")), "owner_uuid")
        .from_as("sharing_groups", "sg")
        .join_as(
            JoinType::LeftJoin,
            "organisations",
            "o",
            Expr::col(("o", "id")).equals(("sg", "org_id")),
        )
        .order_by(("sg", "id"), Order::Asc);
    q
}

fn by_ref(r: &IdRef) -> Expr {
    match r {
        IdRef::Id(id) => Expr::col(("sg", "id")).eq(*id),
        IdRef::Uuid(u) => Expr::col(("sg", "uuid")).eq(u.clone()),
    }
}

pub async fn find(ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<SharingGroup>> {
    ex.fetch_optional(groups().and_where(by_ref(r))).await
}

/// One group with its members and servers.
pub async fn load(mut ex: Exec<'_>, r: &IdRef) -> sqlx::Result<Option<Full>> {
    let Some(sg) = find(ex.re(), r).await? else {
        return Ok(None);
    };
    Ok(attach(ex, vec![sg]).await?.pop())
}

/// Groups by id (all of them when `ids` is `None`), in id order, with members and servers.
pub async fn list(mut ex: Exec<'_>, ids: Option<&[i64]>) -> sqlx::Result<Vec<Full>> {
    let mut q = groups();
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        q.and_where(Expr::col(("sg", "id")).is_in(ids.iter().copied()));
    }
    let rows: Vec<SharingGroup> = ex.re().fetch_all(&q).await?;
    attach(ex, rows).await
}

/// `list` for the given ids; what the event paths use to embed groups in bulk.
pub async fn load_many(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<Full>> {
    list(ex, Some(ids)).await
}

/// Member organisations of the groups `ids`, with their names.
async fn members_of(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<Member>> {
    ex.fetch_all(
        Query::select()
            .columns([
                ("sgo", "id"),
                ("sgo", "sharing_group_id"),
                ("sgo", "org_id"),
                ("sgo", "extend"),
            ])
            .expr_as(Expr::col(("o", "name")), "org_name")
            .expr_as(Expr::col(("o", "uuid")), "org_uuid")
            .expr_as(Expr::col(("o", "local")), "org_local")
            .from_as("sharing_group_orgs", "sgo")
            .join_as(
                JoinType::InnerJoin,
                "organisations",
                "o",
                Expr::col(("o", "id")).equals(("sgo", "org_id")),
            )
            .and_where(Expr::col(("sgo", "sharing_group_id")).is_in(ids.iter().copied()))
            .order_by(("sgo", "id"), Order::Asc),
    )
    .await
}

async fn servers_of(ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<Vec<ServerLink>> {
    ex.fetch_all(
        Query::select()
            .columns(["id", "sharing_group_id", "server_id", "all_orgs"])
            .from("sharing_group_servers")
            .and_where(Expr::col("sharing_group_id").is_in(ids.iter().copied()))
            .order_by("id", Order::Asc),
    )
    .await
}

/// Adds members and server links to `groups` with one query each, keeping the groups' order.
async fn attach(mut ex: Exec<'_>, groups: Vec<SharingGroup>) -> sqlx::Result<Vec<Full>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let members = members_of(ex.re(), &ids).await?;
    let servers = servers_of(ex, &ids).await?;
    let mut by_group: HashMap<i64, Full> = groups
        .into_iter()
        .map(|sg| {
            let full = Full {
                sg,
                members: Vec::new(),
                servers: Vec::new(),
            };
            (full.sg.id, full)
        })
        .collect();
    for m in members {
        if let Some(f) = by_group.get_mut(&m.sharing_group_id) {
            f.members.push(m);
        }
    }
    for s in servers {
        if let Some(f) = by_group.get_mut(&s.sharing_group_id) {
            f.servers.push(s);
        }
    }
    Ok(ids.iter().filter_map(|id| by_group.remove(id)).collect())
}

/// The `SharingGroup` block of a distribution-4 event (captures 108, 109). The store does not
/// know the instance's base URL, so this instance's server row carries empty `url` and `name`;
/// handlers should prefer `sharing_groups::embed`, which fills them in.
pub async fn summary(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<Value>> {
    Ok(load_many(ex, &[id])
        .await?
        .into_iter()
        .next()
        .map(|f| f.embedded("")))
}

pub async fn name_taken(ex: Exec<'_>, name: &str, except: i64) -> sqlx::Result<bool> {
    let q = Query::select()
        .column("id")
        .from("sharing_groups")
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("id").ne(except))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.is_some())
}

pub async fn uuid_taken(ex: Exec<'_>, uuid: &str) -> sqlx::Result<bool> {
    let q = Query::select()
        .column("id")
        .from("sharing_groups")
        .and_where(Expr::col("uuid").eq(uuid))
        .to_owned();
    Ok(ex.fetch_i64(&q).await?.is_some())
}

pub async fn insert(ex: Exec<'_>, fields: Fields) -> sqlx::Result<i64> {
    ex.insert(&crate::db::insert_stmt("sharing_groups", fields))
        .await
}

pub async fn update(ex: Exec<'_>, id: i64, fields: Fields) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("sharing_groups")
            .values(fields)
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// Deletes a group; its member and server rows go by the foreign keys' cascades.
pub async fn delete(ex: Exec<'_>, id: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("sharing_groups")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// How many events, attributes, objects and reports use the group (it cannot go while any do).
pub async fn references(mut ex: Exec<'_>, id: i64) -> sqlx::Result<i64> {
    let mut total = 0;
    for table in ["events", "attributes", "objects", "event_reports"] {
        let q = Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from(table)
            .and_where(Expr::col("sharing_group_id").eq(id))
            .to_owned();
        total += ex.re().fetch_i64(&q).await?.unwrap_or(0);
    }
    Ok(total)
}

/// Writes member and server lists: new rows are added, existing ones get the given flag.
/// Nothing is removed, as with MISP's REST capture (removal is `removeOrg`/`removeServer`).
pub async fn save_lists(
    tx: &mut crate::db::Tx,
    full: Option<&Full>,
    sg: i64,
    members: &[(i64, bool)],
    servers: &[(i64, bool)],
) -> sqlx::Result<()> {
    for (org, extend) in members {
        match full.and_then(|f| f.member(*org)) {
            Some(m) if m.extend == *extend => {}
            Some(_) => drop(set_extend(tx.ex(), sg, *org, *extend).await?),
            None => drop(add_org(tx.ex(), sg, *org, *extend).await?),
        }
    }
    for (server, all) in servers {
        match full.and_then(|f| f.server(*server)) {
            Some(s) if s.all_orgs == *all => {}
            Some(_) => drop(set_all_orgs(tx.ex(), sg, *server, *all).await?),
            None => drop(add_server(tx.ex(), sg, *server, *all).await?),
        }
    }
    Ok(())
}

pub async fn add_org(ex: Exec<'_>, sg: i64, org: i64, extend: bool) -> sqlx::Result<u64> {
    let fields: Fields = vec![
        ("sharing_group_id", sg.into()),
        ("org_id", org.into()),
        ("extend", extend.into()),
    ];
    ex.execute(&crate::db::insert_stmt("sharing_group_orgs", fields))
        .await
}

pub async fn set_extend(ex: Exec<'_>, sg: i64, org: i64, extend: bool) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("sharing_group_orgs")
            .value("extend", extend)
            .and_where(Expr::col("sharing_group_id").eq(sg))
            .and_where(Expr::col("org_id").eq(org)),
    )
    .await
}

pub async fn remove_org(ex: Exec<'_>, sg: i64, org: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("sharing_group_orgs")
            .and_where(Expr::col("sharing_group_id").eq(sg))
            .and_where(Expr::col("org_id").eq(org)),
    )
    .await
}

pub async fn add_server(ex: Exec<'_>, sg: i64, server: i64, all_orgs: bool) -> sqlx::Result<u64> {
    let fields: Fields = vec![
        ("sharing_group_id", sg.into()),
        ("server_id", server.into()),
        ("all_orgs", all_orgs.into()),
    ];
    ex.execute(&crate::db::insert_stmt("sharing_group_servers", fields))
        .await
}

pub async fn set_all_orgs(ex: Exec<'_>, sg: i64, server: i64, all: bool) -> sqlx::Result<u64> {
    ex.execute(
        Query::update()
            .table("sharing_group_servers")
            .value("all_orgs", all)
            .cond_where(
                Cond::all()
                    .add(Expr::col("sharing_group_id").eq(sg))
                    .add(Expr::col("server_id").eq(server)),
            ),
    )
    .await
}

pub async fn remove_server(ex: Exec<'_>, sg: i64, server: i64) -> sqlx::Result<u64> {
    ex.execute(
        Query::delete()
            .from_table("sharing_group_servers")
            .and_where(Expr::col("sharing_group_id").eq(sg))
            .and_where(Expr::col("server_id").eq(server)),
    )
    .await
}
