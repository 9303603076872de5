//! The bulk statements the write paths share: multi-row INSERTs sized for every backend's
//! parameter limit, value creation, and the exact recount of `occurrence`.

use std::collections::HashMap;

use sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query};

use super::Pattern;
use crate::db::{Backend, Exec};

/// Rows per multi-row INSERT: at most 7 columns x 2,000 rows, under SQLite's 32,766
/// parameters and far under PostgreSQL's and MySQL's 65,535.
pub(super) const ROWS: usize = 2000;
/// Ids or hashes per `IN` list.
pub(super) const IDS: usize = 5000;

/// Multi-row INSERTs that skip rows already present (a concurrent writer got there first).
pub(super) async fn insert_rows<const N: usize>(
    mut ex: Exec<'_>,
    table: &'static str,
    columns: [&'static str; N],
    rows: Vec<[Expr; N]>,
) -> sqlx::Result<()> {
    let key: &[&'static str] = if table == "correlation_postings" {
        &["value_id", "attribute_id"]
    } else {
        &["attribute_id"]
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(table).columns(columns);
        for row in rows.by_ref().take(ROWS) {
            q.values_panic(row);
        }
        q.on_conflict(
            OnConflict::columns(key.iter().copied())
                .do_nothing_on(key.iter().copied())
                .to_owned(),
        );
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// The exclusion patterns, for flagging new values as they are created.
pub(super) async fn patterns(ex: Exec<'_>) -> sqlx::Result<Vec<Pattern>> {
    let rows: Vec<(String,)> = ex
        .fetch_all(
            Query::select()
                .column("value")
                .from("correlation_exclusions"),
        )
        .await?;
    Ok(rows.iter().map(|(v,)| Pattern::parse(v)).collect())
}

/// Creates values (hash, key, occurrence) that do not exist yet, flagged when an exclusion
/// matches, skipping any a concurrent writer created. With `returning`, gives back the ids it
/// could read directly (`RETURNING`; never on MySQL, whose caller looks them up).
pub(super) async fn insert_values(
    mut ex: Exec<'_>,
    rows: &[(String, String, i64)],
    patterns: &[Pattern],
    returning: bool,
) -> sqlx::Result<HashMap<String, i64>> {
    let returning = returning && ex.backend() != Backend::Mysql;
    let mut out = HashMap::new();
    for chunk in rows.chunks(ROWS) {
        let mut q = Query::insert();
        q.into_table("correlation_values")
            .columns(["key_hash", "value", "occurrence", "excluded"]);
        for (h, k, n) in chunk {
            let excluded = patterns.iter().any(|p| p.matches(k));
            q.values_panic([
                h.clone().into(),
                k.clone().into(),
                (*n).into(),
                excluded.into(),
            ]);
        }
        q.on_conflict(
            OnConflict::column("key_hash")
                .do_nothing_on(["key_hash"])
                .to_owned(),
        );
        if returning {
            q.returning(Query::returning().columns(["id", "key_hash"]));
            let got: Vec<(i64, String)> = ex.re().fetch_all(&q).await?;
            out.extend(got.into_iter().map(|(id, h)| (h, id)));
        } else {
            ex.re().execute(&q).await?;
        }
    }
    Ok(out)
}

/// `key_hash -> id` for the given hashes that exist.
pub(super) async fn select_ids(
    mut ex: Exec<'_>,
    hashes: Vec<String>,
) -> sqlx::Result<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(hashes.len());
    for chunk in hashes.chunks(IDS) {
        let q = Query::select()
            .columns(["id", "key_hash"])
            .from("correlation_values")
            .and_where(Expr::col("key_hash").is_in(chunk.iter().cloned()))
            .to_owned();
        let rows: Vec<(i64, String)> = ex.re().fetch_all(&q).await?;
        out.extend(rows.into_iter().map(|(id, h)| (h, id)));
    }
    Ok(out)
}

/// Sets `occurrence` of the given values to their exact number of postings.
pub(super) async fn recount(mut ex: Exec<'_>, value_ids: &[i64]) -> sqlx::Result<()> {
    // In id order, each statement touches neighbouring pages.
    let mut ids = value_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(IDS) {
        let q = Query::update()
            .table("correlation_values")
            .value("occurrence", occurrence_count())
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .to_owned();
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// `(SELECT COUNT(*) FROM correlation_postings p WHERE p.value_id = correlation_values.id)`.
pub(super) fn occurrence_count() -> Expr {
    let p = Alias::new("p");
    let count = Query::select()
        .expr(Func::count(Expr::col(sea_query::Asterisk)))
        .from_as("correlation_postings", p.clone())
        .and_where(
            Expr::col((p, Alias::new("value_id")))
                .equals((Alias::new("correlation_values"), Alias::new("id"))),
        )
        .to_owned();
    Expr::SubQuery(None, Box::new(count.into()))
}
