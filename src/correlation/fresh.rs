//! The ingest path: posting the attributes of a brand-new event from the request's own data.
//! On SQLite, decoding rows costs more than writing them, so the keys are computed from the
//! attributes in memory and only (id, uuid) pairs are read back; values are created in hash
//! order (neighbouring index pages, not random ones) with their count already set, and
//! postings go in as plain multi-row INSERTs.

use std::collections::{HashMap, HashSet};

use sea_query::{Expr, ExprTrait, Func, Query};

use super::bulk::{ROWS, insert_rows, insert_values, patterns, recount, select_ids};
use super::{IpRange, Pattern, hash_bytes, ip_range, keys};
use crate::attributes::NewAttribute;
use crate::db::{Backend, Exec};

type Hash = [u8; 16];

/// What one new attribute posts.
struct Post {
    attribute: i64,
    hashes: Vec<Hash>,
    range: Option<IpRange>,
}

/// Indexes the attributes of an event created in this transaction, from the request's data:
/// every attribute of the event is new, so there is nothing to compare with. Give them all,
/// in the order they were inserted, after the inserts (on SQLite this transaction then holds
/// the write lock). Attributes whose uuid was refused at insert time post nothing.
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
    let attributes: Vec<&NewAttribute> = attributes.into_iter().collect();
    let stored = stored_ids(ex.re(), event_id, &attributes).await?;
    let (posts, counts) = plan(&stored, &attributes);
    if posts.is_empty() {
        return Ok(());
    }
    let (ids, older) = value_ids(ex.re(), counts).await?;
    let mut pairs: Vec<(i64, i64)> = Vec::new();
    let mut ranges: Vec<[Expr; 7]> = Vec::new();
    for p in &posts {
        pairs.extend(p.hashes.iter().map(|h| (ids[h], p.attribute)));
        if let Some(r) = &p.range {
            ranges.push([
                p.attribute.into(),
                event_id.into(),
                ids[&p.hashes[0]].into(),
                r.family.into(),
                r.is_cidr.into(),
                r.lo.clone().into(),
                r.hi.clone().into(),
            ]);
        }
    }
    // Value order: the postings' primary key grows at its end, not at random places.
    pairs.sort_unstable();
    let postings: Vec<[Expr; 3]> = pairs
        .into_iter()
        .map(|(v, a)| [v.into(), a.into(), event_id.into()])
        .collect();
    let cols = ["value_id", "attribute_id", "event_id"];
    insert_rows(ex.re(), "correlation_postings", cols, postings).await?;
    let cols = [
        "attribute_id",
        "event_id",
        "value_id",
        "family",
        "is_cidr",
        "lo",
        "hi",
    ];
    insert_rows(ex.re(), "correlation_ranges", cols, ranges).await?;
    recount(ex, &older).await
}

/// The id of each given attribute (`None`: refused at insert). When the event holds exactly
/// as many rows as were given, nothing was refused and ids follow the insertion order (each
/// backend numbers the rows of an INSERT in order), so ids alone are read; otherwise the
/// uuids decide.
async fn stored_ids(
    mut ex: Exec<'_>,
    event_id: i64,
    attributes: &[&NewAttribute],
) -> sqlx::Result<Vec<Option<i64>>> {
    let of_event = |cols: &[&'static str]| {
        Query::select()
            .columns(cols.iter().copied())
            .from("attributes")
            .and_where(Expr::col("event_id").eq(event_id))
            .order_by("id", sea_query::Order::Asc)
            .to_owned()
    };
    let ids: Vec<(i64,)> = ex.re().fetch_all(&of_event(&["id"])).await?;
    if ids.len() == attributes.len() {
        return Ok(ids.into_iter().map(|(id,)| Some(id)).collect());
    }
    let rows: Vec<(i64, String)> = ex.fetch_all(&of_event(&["id", "uuid"])).await?;
    let by_uuid: HashMap<String, i64> = rows.into_iter().map(|(id, u)| (u, id)).collect();
    // The first attribute with a uuid is the one stored (later ones were refused).
    let mut seen = HashSet::new();
    Ok(attributes
        .iter()
        .map(|a| {
            by_uuid
                .get(&a.uuid)
                .copied()
                .filter(|_| seen.insert(a.uuid.as_str()))
        })
        .collect())
}

/// The posts of the stored attributes, and per key hash its key and number of postings.
fn plan(
    stored: &[Option<i64>],
    attributes: &[&NewAttribute],
) -> (Vec<Post>, HashMap<Hash, (String, i64)>) {
    let mut posts = Vec::new();
    let mut counts: HashMap<Hash, (String, i64)> = HashMap::new();
    for (a, id) in attributes.iter().zip(stored) {
        let Some(attribute) = *id else { continue };
        if a.deleted || a.disable_correlation {
            continue;
        }
        let mut hashes = Vec::new();
        for k in keys(&a.r#type, &a.value1, &a.value2) {
            let h = hash_bytes(&k);
            counts.entry(h).or_insert((k, 0)).1 += 1;
            hashes.push(h);
        }
        if !hashes.is_empty() {
            let range = ip_range(&a.r#type, &a.value1);
            posts.push(Post {
                attribute,
                hashes,
                range,
            });
        }
    }
    (posts, counts)
}

/// Ids of the keys (hash -> (key, postings this call adds)), and the ids of those that
/// existed before: values created here are counted at once, older ones must be recounted
/// after the postings are written.
async fn value_ids(
    mut ex: Exec<'_>,
    counts: HashMap<Hash, (String, i64)>,
) -> sqlx::Result<(HashMap<Hash, i64>, Vec<i64>)> {
    let mut rows: Vec<(Hash, String, i64)> =
        counts.into_iter().map(|(h, (k, n))| (h, k, n)).collect();
    // Hash order: successive lookups and inserts land on neighbouring index pages.
    rows.sort_unstable_by_key(|r| r.0);
    let hashes = rows.iter().map(|(h, _, _)| hex::encode(h)).collect();
    let mut ids = by_hash(select_ids(ex.re(), hashes).await?);
    let mut older: Vec<i64> = ids.values().copied().collect();
    rows.retain(|(h, _, _)| !ids.contains_key(h));
    if rows.is_empty() {
        return Ok((ids, older));
    }
    let patterns = patterns(ex.re()).await?;
    if ex.backend() == Backend::Sqlite {
        // This transaction already wrote the event, so it holds SQLite's only write lock: no
        // one else can create values before it commits, and the ids can be chosen here
        // instead of read back.
        let max = Query::select()
            .expr(Func::coalesce([
                Expr::from(Func::max(Expr::col("id"))),
                Expr::val(0),
            ]))
            .from("correlation_values")
            .to_owned();
        let next = ex.re().fetch_i64(&max).await?.unwrap_or(0) + 1;
        insert_numbered(ex, &rows, next, &patterns).await?;
        ids.extend(rows.iter().zip(next..).map(|((h, _, _), id)| (*h, id)));
        return Ok((ids, older));
    }
    let hex_rows: Vec<(String, String, i64)> = rows
        .iter()
        .map(|(h, k, n)| (hex::encode(h), k.clone(), *n))
        .collect();
    ids.extend(by_hash(
        insert_values(ex.re(), &hex_rows, &patterns, true).await?,
    ));
    // Lost to a concurrent writer, or MySQL (no RETURNING): read back, recount later.
    let lost: Vec<String> = rows
        .iter()
        .filter(|(h, _, _)| !ids.contains_key(h))
        .map(|(h, _, _)| hex::encode(h))
        .collect();
    let found = by_hash(select_ids(ex, lost).await?);
    older.extend(found.values().copied());
    ids.extend(found);
    Ok((ids, older))
}

fn by_hash(ids: HashMap<String, i64>) -> HashMap<Hash, i64> {
    ids.into_iter()
        .filter_map(|(h, id)| {
            let mut out = [0u8; 16];
            hex::decode_to_slice(h, &mut out).ok()?;
            Some((out, id))
        })
        .collect()
}

/// Inserts new values with the ids `first`, `first + 1`, ... in `rows` order.
async fn insert_numbered(
    mut ex: Exec<'_>,
    rows: &[(Hash, String, i64)],
    first: i64,
    patterns: &[Pattern],
) -> sqlx::Result<()> {
    let mut id = first;
    for chunk in rows.chunks(ROWS) {
        let mut q = Query::insert();
        q.into_table("correlation_values").columns([
            "id",
            "key_hash",
            "value",
            "occurrence",
            "excluded",
        ]);
        for (h, k, n) in chunk {
            let excluded = patterns.iter().any(|p| p.matches(k));
            q.values_panic([
                id.into(),
                hex::encode(h).into(),
                k.clone().into(),
                (*n).into(),
                excluded.into(),
            ]);
            id += 1;
        }
        ex.re().execute(&q).await?;
    }
    Ok(())
}
