//! The write path: keeps the postings (and CIDR ranges) of a set of attributes equal to what
//! their rows say, in the caller's transaction. Each call reads the attributes in scope and the
//! postings they have, and rewrites only the attributes whose keys changed, in multi-row
//! statements: an edit of a large event costs two reads, a fresh event one bulk insert.

use std::collections::{HashMap, HashSet};

use sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};

use super::bulk::{IDS, insert_rows, insert_values, patterns, recount, select_ids};
use super::{IpRange, key_hash, keys};
use crate::db::Exec;

/// The read functions are reachable from here too, next to the writes they mirror.
pub use super::read::{related_events, related_for_attributes, related_for_event};

/// Which attributes a call is about.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Ids(&'a [i64]),
    Event(i64),
    Object(i64),
}

impl Scope<'_> {
    /// The condition on a table with `attribute_id` and `event_id` columns (alias `t`).
    fn on(&self, t: &str) -> Expr {
        let col = |c: &str| Expr::col((Alias::new(t), Alias::new(c)));
        match *self {
            Scope::Ids(ids) => col("attribute_id").is_in(ids.iter().copied()),
            Scope::Event(id) => col("event_id").eq(id),
            Scope::Object(id) => col("attribute_id").in_subquery(
                Query::select()
                    .column("id")
                    .from("attributes")
                    .and_where(Expr::col("object_id").eq(id))
                    .to_owned(),
            ),
        }
    }

    /// The same scope on `attributes` (alias `a`).
    fn on_attributes(&self) -> Expr {
        let col = |c: &str| Expr::col((Alias::new("a"), Alias::new(c)));
        match *self {
            Scope::Ids(ids) => col("id").is_in(ids.iter().copied()),
            Scope::Event(id) => col("event_id").eq(id),
            Scope::Object(id) => col("object_id").eq(id),
        }
    }
}

/// A correlatable attribute in scope.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct Source {
    pub(super) id: i64,
    pub(super) event_id: i64,
    #[sqlx(rename = "type")]
    pub(super) r#type: String,
    pub(super) value1: String,
    pub(super) value2: String,
}

/// The attributes matching `cond` (on `attributes a`) that correlate: live, not disabled, in
/// an event that is not disabled, of a correlating type.
pub(super) fn sources(cond: Expr) -> SelectStatement {
    let (a, e) = (Alias::new("a"), Alias::new("e"));
    let acol = |c: &str| Expr::col((a.clone(), Alias::new(c)));
    Query::select()
        .columns(["id", "event_id", "type", "value1", "value2"].map(|c| (a.clone(), Alias::new(c))))
        .from_as("attributes", a.clone())
        .join_as(
            JoinType::InnerJoin,
            "events",
            e.clone(),
            Expr::col((e.clone(), Alias::new("id"))).equals((a.clone(), Alias::new("event_id"))),
        )
        .and_where(cond)
        .and_where(acol("deleted").eq(false))
        .and_where(acol("disable_correlation").eq(false))
        .and_where(Expr::col((e, Alias::new("disable_correlation"))).eq(false))
        .and_where(acol("type").is_not_in(super::NON_CORRELATING))
        .to_owned()
}

/// What one attribute should have: its keys (hash, key) and its range.
#[derive(Debug, Default)]
struct Wanted {
    event_id: i64,
    keys: Vec<(String, String)>,
    range: Option<IpRange>,
}

fn wanted(rows: Vec<Source>) -> HashMap<i64, Wanted> {
    rows.into_iter()
        .map(|s| {
            let keys = keys(&s.r#type, &s.value1, &s.value2)
                .into_iter()
                .map(|k| (key_hash(&k), k))
                .collect();
            let range = super::ip_range(&s.r#type, &s.value1);
            let w = Wanted {
                event_id: s.event_id,
                keys,
                range,
            };
            (s.id, w)
        })
        .collect()
}

/// Reindexes the given attributes (after an insert, edit, soft delete, restore or hard
/// delete of them).
pub async fn index_attributes(mut ex: Exec<'_>, ids: &[i64]) -> sqlx::Result<()> {
    for chunk in ids.chunks(IDS) {
        reindex(ex.re(), Scope::Ids(chunk), true).await?;
    }
    Ok(())
}

/// Reindexes a whole event: after it was added or edited, or its `disable_correlation`
/// changed.
pub async fn index_event(ex: Exec<'_>, event_id: i64) -> sqlx::Result<()> {
    reindex(ex, Scope::Event(event_id), true).await
}

/// Reindexes the attributes of one object (added, edited or soft-deleted).
pub async fn index_object(ex: Exec<'_>, object_id: i64) -> sqlx::Result<()> {
    reindex(ex, Scope::Object(object_id), true).await
}

/// Removes an event's postings; call before the event is deleted.
pub async fn drop_event(ex: Exec<'_>, event_id: i64) -> sqlx::Result<()> {
    reindex(ex, Scope::Event(event_id), false).await
}

/// Removes the postings of an object's attributes; call before the object is hard-deleted.
pub async fn drop_object(ex: Exec<'_>, object_id: i64) -> sqlx::Result<()> {
    reindex(ex, Scope::Object(object_id), false).await
}

/// Postings and ranges stored for the attributes in scope.
#[derive(Default)]
struct Stored {
    /// attribute -> [(value id, key hash)]
    postings: HashMap<i64, Vec<(i64, String)>>,
    /// attribute -> (value id, range)
    ranges: HashMap<i64, (i64, IpRange)>,
}

async fn stored(mut ex: Exec<'_>, scope: Scope<'_>) -> sqlx::Result<Stored> {
    let (p, v) = (Alias::new("p"), Alias::new("v"));
    let q = Query::select()
        .column((p.clone(), Alias::new("attribute_id")))
        .column((p.clone(), Alias::new("value_id")))
        .column((v.clone(), Alias::new("key_hash")))
        .from_as("correlation_postings", p.clone())
        .join_as(
            JoinType::InnerJoin,
            "correlation_values",
            v.clone(),
            Expr::col((v, Alias::new("id"))).equals((p, Alias::new("value_id"))),
        )
        .and_where(scope.on("p"))
        .to_owned();
    let rows: Vec<(i64, i64, String)> = ex.re().fetch_all(&q).await?;
    let mut out = Stored::default();
    for (attribute, value, hash) in rows {
        out.postings
            .entry(attribute)
            .or_default()
            .push((value, hash));
    }
    let q = Query::select()
        .columns(["attribute_id", "value_id", "family", "is_cidr", "lo", "hi"])
        .from_as("correlation_ranges", Alias::new("r"))
        .and_where(scope.on("r"))
        .to_owned();
    let rows: Vec<(i64, i64, i64, bool, String, String)> = ex.fetch_all(&q).await?;
    for (attribute, value, family, is_cidr, lo, hi) in rows {
        let range = IpRange {
            family,
            is_cidr,
            lo,
            hi,
        };
        out.ranges.insert(attribute, (value, range));
    }
    Ok(out)
}

/// Makes the stored postings of `scope` equal to what the attribute rows say (`keep`), or
/// removes them all (`!keep`).
async fn reindex(mut ex: Exec<'_>, scope: Scope<'_>, keep: bool) -> sqlx::Result<()> {
    let want = if keep {
        wanted(ex.re().fetch_all(&sources(scope.on_attributes())).await?)
    } else {
        HashMap::new()
    };
    let have = stored(ex.re(), scope).await?;
    let same_keys = |id: &i64| {
        let mut a: Vec<&str> = want
            .get(id)
            .map(|w| w.keys.iter().map(|(h, _)| h.as_str()).collect())
            .unwrap_or_default();
        let mut b: Vec<&str> = have
            .postings
            .get(id)
            .map(|v| v.iter().map(|(_, h)| h.as_str()).collect())
            .unwrap_or_default();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    };
    let touched: HashSet<i64> = want.keys().chain(have.postings.keys()).copied().collect();
    let dirty: Vec<i64> = touched.into_iter().filter(|id| !same_keys(id)).collect();
    // Value ids already known from the stored postings, then the missing ones created.
    let mut ids: HashMap<String, i64> = have
        .postings
        .values()
        .flatten()
        .map(|(id, h)| (h.clone(), *id))
        .collect();
    let ranged: HashSet<i64> = want
        .iter()
        .filter(|(_, w)| w.range.is_some())
        .map(|(id, _)| *id)
        .chain(have.ranges.keys().copied())
        .collect();
    let needed: Vec<(String, String)> = dirty
        .iter()
        .chain(ranged.iter())
        .filter_map(|id| want.get(id))
        .flat_map(|w| w.keys.iter().cloned())
        .filter(|(h, _)| !ids.contains_key(h))
        .collect();
    ids.extend(ensure_values(ex.re(), needed).await?);
    let mut affected: HashSet<i64> = HashSet::new();
    let stale: Vec<i64> = dirty
        .iter()
        .filter(|id| have.postings.contains_key(id))
        .copied()
        .collect();
    for id in &stale {
        affected.extend(have.postings[id].iter().map(|(v, _)| *v));
    }
    delete_where(ex.re(), "correlation_postings", &stale).await?;
    let mut rows: Vec<[Expr; 3]> = Vec::new();
    for id in &dirty {
        let Some(w) = want.get(id) else { continue };
        for (h, _) in &w.keys {
            if let Some(v) = ids.get(h) {
                affected.insert(*v);
                rows.push([(*v).into(), (*id).into(), w.event_id.into()]);
            }
        }
    }
    insert_rows(
        ex.re(),
        "correlation_postings",
        ["value_id", "attribute_id", "event_id"],
        rows,
    )
    .await?;
    sync_ranges(ex.re(), &want, &have, &ranged, &ids).await?;
    recount(ex, &affected.into_iter().collect::<Vec<_>>()).await
}

/// Rewrites the ranges that differ from what the attribute rows say.
async fn sync_ranges(
    mut ex: Exec<'_>,
    want: &HashMap<i64, Wanted>,
    have: &Stored,
    ranged: &HashSet<i64>,
    ids: &HashMap<String, i64>,
) -> sqlx::Result<()> {
    let target = |id: &i64| -> Option<(i64, &IpRange)> {
        let w = want.get(id)?;
        let range = w.range.as_ref()?;
        let (h, _) = w.keys.first()?;
        Some((*ids.get(h)?, range))
    };
    let mut stale = Vec::new();
    let mut rows: Vec<[Expr; 7]> = Vec::new();
    for id in ranged {
        let now = target(id);
        let before = have.ranges.get(id).map(|(v, r)| (*v, r));
        if now == before {
            continue;
        }
        if before.is_some() {
            stale.push(*id);
        }
        if let Some((value_id, r)) = now {
            let event_id = want[id].event_id;
            rows.push([
                (*id).into(),
                event_id.into(),
                value_id.into(),
                r.family.into(),
                r.is_cidr.into(),
                r.lo.clone().into(),
                r.hi.clone().into(),
            ]);
        }
    }
    delete_where(ex.re(), "correlation_ranges", &stale).await?;
    let cols = [
        "attribute_id",
        "event_id",
        "value_id",
        "family",
        "is_cidr",
        "lo",
        "hi",
    ];
    insert_rows(ex, "correlation_ranges", cols, rows).await
}

/// Deletes the rows of `table` belonging to the given attributes.
async fn delete_where(mut ex: Exec<'_>, table: &'static str, ids: &[i64]) -> sqlx::Result<()> {
    for chunk in ids.chunks(IDS) {
        let q = Query::delete()
            .from_table(table)
            .and_where(Expr::col("attribute_id").is_in(chunk.iter().copied()))
            .to_owned();
        ex.re().execute(&q).await?;
    }
    Ok(())
}

/// Ids of the given keys (hash, key) in `correlation_values`, creating the missing ones.
async fn ensure_values(
    mut ex: Exec<'_>,
    mut keys: Vec<(String, String)>,
) -> sqlx::Result<HashMap<String, i64>> {
    // Hash order: successive lookups and inserts land on neighbouring index pages.
    keys.sort_unstable();
    keys.dedup();
    let mut found = select_ids(ex.re(), keys.iter().map(|(h, _)| h.clone()).collect()).await?;
    keys.retain(|(h, _)| !found.contains_key(h));
    if keys.is_empty() {
        return Ok(found);
    }
    let patterns = patterns(ex.re()).await?;
    let rows: Vec<(String, String, i64)> = keys
        .iter()
        .map(|(h, k)| (h.clone(), k.clone(), 0))
        .collect();
    found.extend(insert_values(ex.re(), &rows, &patterns, true).await?);
    let lost: Vec<String> = keys
        .into_iter()
        .map(|(h, _)| h)
        .filter(|h| !found.contains_key(h))
        .collect();
    found.extend(select_ids(ex, lost).await?);
    Ok(found)
}
