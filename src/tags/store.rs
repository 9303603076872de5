//! SQL for tags and their links to events and attributes.

use std::collections::HashMap;

use sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, Order, Query};

use super::{AttachedTag, Tag, TagRequest};
use crate::db::{Exec, Fields};

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
