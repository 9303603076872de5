//! The ingest path: posting the attributes of a brand-new event from the request's own data,
//! without reading them back. On SQLite, decoding rows costs more than writing them, so the
//! keys are computed from the attributes in memory, values are created with their count
//! already set, and postings are written by `INSERT ... SELECT` joining the keys to the stored
//! values (by hash) and attributes (by uuid): no row comes back to the application.

use std::collections::{HashMap, HashSet};

use sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};

use super::{IpRange, hash_bytes, ip_range, keys};
use crate::attributes::NewAttribute;
use crate::db::Exec;

/// Rows per derived table: SQLite allows 500 terms in a compound SELECT.
const PAIRS: usize = 500;

fn col(t: &str, c: &str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(c)))
}

/// `SELECT ? AS c1, ? AS c2 ... UNION ALL SELECT ?, ? ...`: rows given by the request,
/// usable as a table on every backend.
fn rows_table(names: &[&str], rows: Vec<Vec<Expr>>) -> SelectStatement {
    let mut rows = rows.into_iter();
    let mut q = Query::select();
    for (name, v) in names.iter().zip(rows.next().unwrap_or_default()) {
        q.expr_as(v, Alias::new(*name));
    }
    for row in rows {
        let mut s = Query::select();
        for v in row {
            s.expr(v);
        }
        q.union(UnionType::All, s);
    }
    q
}

/// What one new attribute posts.
struct Post {
    uuid: String,
    hashes: Vec<String>,
    range: Option<IpRange>,
}

/// Indexes the attributes of an event that was just created in this transaction, from the
/// request's data: every attribute of the event is new, so there is nothing to compare with.
/// Attributes whose uuid was refused at insert time are not in the event and post nothing.
pub async fn index_fresh_event<'a>(
    mut ex: Exec<'_>,
    event_id: i64,
    attributes: impl IntoIterator<Item = &'a NewAttribute>,
) -> sqlx::Result<()> {
    let disabled = Query::select()
        .column("id")
        .from("events")
        .and_where(Expr::col("id").eq(event_id))
        .and_where(Expr::col("disable_correlation").eq(true))
        .to_owned();
    if ex.re().fetch_i64(&disabled).await?.is_some() {
        return Ok(());
    }
    // The first attribute with a uuid is the one stored (later ones were refused).
    let mut seen = HashSet::new();
    let mut posts = Vec::new();
    let mut values: HashMap<String, (String, i64)> = HashMap::new();
    for a in attributes {
        if !seen.insert(a.uuid.as_str()) || a.deleted || a.disable_correlation {
            continue;
        }
        let mut hashes = Vec::new();
        for k in keys(&a.r#type, &a.value1, &a.value2) {
            let h = hex::encode(hash_bytes(&k));
            values.entry(h.clone()).or_insert((k, 0)).1 += 1;
            hashes.push(h);
        }
        if !hashes.is_empty() {
            let range = ip_range(&a.r#type, &a.value1);
            posts.push(Post {
                uuid: a.uuid.clone(),
                hashes,
                range,
            });
        }
    }
    if posts.is_empty() {
        return Ok(());
    }
    create_values(ex.re(), &values).await?;
    insert_postings(ex.re(), event_id, &posts).await?;
    insert_ranges(ex.re(), event_id, &posts).await?;
    let hashes: Vec<String> = values.into_keys().collect();
    fix_counts(ex, &hashes).await
}

/// Creates the values not stored yet, counted as if every posting of this call lands.
async fn create_values(
    mut ex: Exec<'_>,
    values: &HashMap<String, (String, i64)>,
) -> sqlx::Result<()> {
    let patterns = super::bulk::patterns(ex.re()).await?;
    let rows: Vec<(String, String, i64)> = values
        .iter()
        .map(|(h, (k, n))| (h.clone(), k.clone(), *n))
        .collect();
    super::bulk::insert_values(ex, &rows, &patterns, false)
        .await
        .map(|_| ())
}

/// The postings, values and attributes found by hash and uuid.
async fn insert_postings(mut ex: Exec<'_>, event_id: i64, posts: &[Post]) -> sqlx::Result<()> {
    let pairs: Vec<Vec<Expr>> = posts
        .iter()
        .flat_map(|p| {
            p.hashes
                .iter()
                .map(|h| vec![h.clone().into(), p.uuid.clone().into()])
        })
        .collect();
    for chunk in pairs.chunks(PAIRS) {
        let mut select = Query::select();
        select
            .expr(col("v", "id"))
            .expr(col("a", "id"))
            .expr(col("a", "event_id"))
            .from_subquery(rows_table(&["h", "u"], chunk.to_vec()), Alias::new("x"));
        joins(&mut select, event_id, "h");
        let mut q = Query::insert();
        q.into_table("correlation_postings")
            .columns(["value_id", "attribute_id", "event_id"])
            .select_from(select)
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// `JOIN correlation_values v` on the hash column and `JOIN attributes a` on the uuid, in
/// this event only.
fn joins(select: &mut SelectStatement, event_id: i64, hash: &str) {
    select
        .join_as(
            JoinType::InnerJoin,
            "correlation_values",
            Alias::new("v"),
            col("v", "key_hash").equals((Alias::new("x"), Alias::new(hash))),
        )
        .join_as(
            JoinType::InnerJoin,
            "attributes",
            Alias::new("a"),
            col("a", "uuid").equals((Alias::new("x"), Alias::new("u"))),
        )
        .and_where(col("a", "event_id").eq(event_id));
}

/// The CIDR ranges of the new address attributes.
async fn insert_ranges(mut ex: Exec<'_>, event_id: i64, posts: &[Post]) -> sqlx::Result<()> {
    let rows: Vec<Vec<Expr>> = posts
        .iter()
        .filter_map(|p| {
            let r = p.range.as_ref()?;
            Some(vec![
                p.hashes[0].clone().into(),
                p.uuid.clone().into(),
                r.family.into(),
                r.is_cidr.into(),
                r.lo.clone().into(),
                r.hi.clone().into(),
            ])
        })
        .collect();
    let names = ["h", "u", "f", "c", "lo", "hi"];
    for chunk in rows.chunks(PAIRS) {
        let mut select = Query::select();
        select
            .expr(col("a", "id"))
            .expr(col("a", "event_id"))
            .expr(col("v", "id"));
        for c in ["f", "c", "lo", "hi"] {
            select.expr(col("x", c));
        }
        select.from_subquery(rows_table(&names, chunk.to_vec()), Alias::new("x"));
        joins(&mut select, event_id, "h");
        let mut q = Query::insert();
        q.into_table("correlation_ranges")
            .columns([
                "attribute_id",
                "event_id",
                "value_id",
                "family",
                "is_cidr",
                "lo",
                "hi",
            ])
            .select_from(select)
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// Sets `occurrence` to the exact number of postings where it differs: values that existed
/// before this call, and any whose attribute was refused. Rows already right are only read.
async fn fix_counts(mut ex: Exec<'_>, hashes: &[String]) -> sqlx::Result<()> {
    for chunk in hashes.chunks(5000) {
        let q = Query::update()
            .table("correlation_values")
            .value("occurrence", super::bulk::occurrence_count())
            .and_where(Expr::col("key_hash").is_in(chunk.iter().cloned()))
            .and_where(Expr::col("occurrence").ne(super::bulk::occurrence_count()))
            .to_owned();
        ex.re().execute(&q).await?;
    }
    Ok(())
}
