//! Full re-correlation (`cairn correlate --rebuild`): empties the correlation tables and posts
//! every correlatable attribute again, reading attributes in id order a chunk at a time and
//! writing multi-row INSERTs, all in one transaction so readers never see a half-built index.
//! Value ids are assigned here (the tables start empty), so no value is looked up twice; the
//! occurrence counters are set at the end by one statement.

use std::collections::HashMap;

use sea_query::{Alias, Expr, ExprTrait, Order, Query};

use super::bulk::{insert_rows, occurrence_count, patterns};
use super::store::{Source, sources};
use super::{Pattern, hash_bytes, ip_range, keys};
use crate::db::{Backend, Db, Exec};

/// Attributes read per round.
const CHUNK: u64 = 20_000;

/// Rebuilds the correlation index from the attribute rows; returns the number of attributes
/// posted.
pub async fn rebuild(db: &Db) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let mut ex = tx.ex();
    empty(ex.re()).await?;
    let patterns = patterns(ex.re()).await?;
    let mut state = Builder {
        ids: HashMap::new(),
        patterns,
    };
    let (mut last, mut posted) = (0i64, 0u64);
    loop {
        let mut q = sources(Expr::col((Alias::new("a"), Alias::new("id"))).gt(last));
        q.order_by((Alias::new("a"), Alias::new("id")), Order::Asc)
            .limit(CHUNK);
        let rows: Vec<Source> = ex.re().fetch_all(&q).await?;
        let Some(end) = rows.last().map(|r| r.id) else {
            break;
        };
        last = end;
        posted += rows.len() as u64;
        state.post(ex.re(), rows).await?;
    }
    ex.re()
        .execute(
            Query::update()
                .table("correlation_values")
                .value("occurrence", occurrence_count()),
        )
        .await?;
    crate::db::sync_id_sequence(ex, "correlation_values").await?;
    tx.commit().await?;
    Ok(posted)
}

/// Empties the three index tables (not the exclusions).
async fn empty(mut ex: Exec<'_>) -> sqlx::Result<()> {
    if ex.backend() == Backend::Postgres {
        return ex
            .raw("TRUNCATE correlation_postings, correlation_ranges, correlation_values")
            .await;
    }
    for table in [
        "correlation_postings",
        "correlation_ranges",
        "correlation_values",
    ] {
        ex.re()
            .execute(&Query::delete().from_table(table).to_owned())
            .await?;
    }
    Ok(())
}

struct Builder {
    /// key hash -> value id, for every value created so far.
    ids: HashMap<[u8; 16], i64>,
    patterns: Vec<Pattern>,
}

impl Builder {
    /// Posts one chunk of attributes: new values, then postings, then ranges.
    async fn post(&mut self, mut ex: Exec<'_>, rows: Vec<Source>) -> sqlx::Result<()> {
        let mut values: Vec<[Expr; 5]> = Vec::new();
        let mut postings: Vec<[Expr; 3]> = Vec::with_capacity(rows.len() * 2);
        let mut ranges: Vec<[Expr; 7]> = Vec::new();
        for s in rows {
            let mut first = None;
            for k in keys(&s.r#type, &s.value1, &s.value2) {
                let hash = hash_bytes(&k);
                let next = self.ids.len() as i64 + 1;
                let id = *self.ids.entry(hash).or_insert_with(|| {
                    let excluded = self.patterns.iter().any(|p| p.matches(&k));
                    values.push([
                        next.into(),
                        hex::encode(hash).into(),
                        k.clone().into(),
                        0.into(),
                        excluded.into(),
                    ]);
                    next
                });
                first.get_or_insert(id);
                postings.push([id.into(), s.id.into(), s.event_id.into()]);
            }
            if let (Some(value_id), Some(r)) = (first, ip_range(&s.r#type, &s.value1)) {
                ranges.push([
                    s.id.into(),
                    s.event_id.into(),
                    value_id.into(),
                    r.family.into(),
                    r.is_cidr.into(),
                    r.lo.into(),
                    r.hi.into(),
                ]);
            }
        }
        let value_cols = ["id", "key_hash", "value", "occurrence", "excluded"];
        insert_plain(ex.re(), "correlation_values", value_cols, values).await?;
        let posting_cols = ["value_id", "attribute_id", "event_id"];
        insert_rows(ex.re(), "correlation_postings", posting_cols, postings).await?;
        let range_cols = [
            "attribute_id",
            "event_id",
            "value_id",
            "family",
            "is_cidr",
            "lo",
            "hi",
        ];
        insert_rows(ex, "correlation_ranges", range_cols, ranges).await
    }
}

/// Multi-row INSERTs into a table this rebuild owns (no conflicts possible).
async fn insert_plain<const N: usize>(
    mut ex: Exec<'_>,
    table: &'static str,
    columns: [&'static str; N],
    rows: Vec<[Expr; N]>,
) -> sqlx::Result<()> {
    for chunk in rows.chunks(2000) {
        let mut q = Query::insert();
        q.into_table(table).columns(columns);
        for row in chunk {
            q.values_panic(row.clone());
        }
        ex.re().execute(&q).await?;
    }
    Ok(())
}
