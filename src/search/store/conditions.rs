//! The condition builders of restSearch: MISP's list semantics (`any`/`all`/`not`, `%`
//! wildcards) over fixed columns, and the per-row filters on attributes (`a`, `o`) and events
//! (`e`). Pure: they build sea-query conditions, every value bound, and run nothing.

use sea_query::{Alias, Cond, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};

use crate::acl::Viewer;
use crate::search::{Deleted, Filters, Terms};

pub(super) fn col(t: &str, c: &str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(c)))
}

pub(super) fn is_wildcard(t: &str) -> bool {
    t.starts_with('%') || t.ends_with('%')
}

/// Case-insensitive LIKE with `%` kept as the wildcard and `_` literal.
pub(super) fn like(e: Expr, pattern: &str) -> Expr {
    let p = pattern
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('_', "\\_");
    Expr::expr(Func::lower(e)).like(LikeExpr::new(p).escape('\\'))
}

/// One term against several columns: exact equality, or LIKE for a wildcard term.
pub(super) fn term_matches(cols: &[Expr], term: &str) -> Cond {
    cols.iter().fold(Cond::any(), |c, e| {
        c.add(if is_wildcard(term) {
            like(e.clone(), term)
        } else {
            e.clone().eq(term.to_string())
        })
    })
}

/// List semantics over text columns; exact `any` terms become one `IN` per column.
pub(super) fn text_terms(cond: Cond, cols: &[Expr], t: &Terms) -> Cond {
    let mut cond = cond;
    if !t.any.is_empty() {
        let (wild, exact): (Vec<&String>, Vec<&String>) =
            t.any.iter().partition(|s| is_wildcard(s));
        let mut any = Cond::any();
        if !exact.is_empty() {
            for e in cols {
                any = any.add(e.clone().is_in(exact.iter().map(|s| s.to_string())));
            }
        }
        for w in wild {
            any = any.add(term_matches(cols, w));
        }
        cond = cond.add(any);
    }
    for term in &t.all {
        cond = cond.add(term_matches(cols, term));
    }
    for term in &t.not {
        cond = cond.add(term_matches(cols, term).not());
    }
    cond
}

/// List semantics over an integer column; non-numeric terms match nothing.
pub(super) fn int_terms(cond: Cond, e: Expr, t: &Terms) -> Cond {
    let ints = |v: &[String]| -> Vec<i64> { v.iter().filter_map(|s| s.parse().ok()).collect() };
    let mut cond = cond;
    if !t.any.is_empty() {
        cond = cond.add(e.clone().is_in(ints(&t.any)));
    }
    for v in ints(&t.all) {
        cond = cond.add(e.clone().eq(v));
    }
    let not = ints(&t.not);
    if !not.is_empty() {
        cond = cond.add(e.is_not_in(not));
    }
    cond
}

pub(super) fn in_range(cond: Cond, e: Expr, r: Option<(i64, i64)>) -> Cond {
    match r {
        Some((lo, hi)) => cond.add(e.clone().gte(lo)).add(e.lte(hi)),
        None => cond,
    }
}

/// `value` terms: IPv6 addresses compare in their compressed form, as stored.
pub(super) fn value_terms(t: &Terms) -> Terms {
    let norm = |v: &Vec<String>| -> Vec<String> {
        v.iter()
            .map(|s| match s.parse::<std::net::Ipv6Addr>() {
                Ok(ip) => ip.to_string(),
                Err(_) => s.clone(),
            })
            .collect()
    };
    Terms {
        any: norm(&t.any),
        all: norm(&t.all),
        not: norm(&t.not),
    }
}

/// The ids of elements (`attribute_tags`/`event_tags`) carrying one of `ids`.
pub(super) fn tagged(link: &str, target: &str, ids: &[i64]) -> SelectStatement {
    Query::select()
        .column(Alias::new(target))
        .from(Alias::new(link))
        .and_where(Expr::col("tag_id").is_in(ids.iter().copied()))
        .to_owned()
}

/// Conditions on one attribute row `a` and its object `o` (never its event), shared by both
/// scopes. `owner` is the "this viewer owns the event" expression that unlocks soft-deleted rows.
pub fn element_cond(viewer: &Viewer, f: &Filters, owner: Option<Expr>) -> Cond {
    let a = |c: &str| col("a", c);
    let mut cond = Cond::all();
    cond = text_terms(cond, &[a("value1"), a("value2")], &value_terms(&f.value));
    cond = text_terms(cond, &[a("value1")], &f.value1);
    cond = text_terms(cond, &[a("value2")], &f.value2);
    let mut types = f.types.clone();
    if types
        .any
        .iter()
        .any(|t| t == "email-src" || t == "email-dst")
    {
        types.any.push("email".into());
    }
    cond = text_terms(cond, &[a("type")], &types);
    cond = text_terms(cond, &[a("category")], &f.category);
    cond = text_terms(cond, &[a("object_relation")], &f.object_relation);
    cond = text_terms(cond, &[col("o", "name")], &f.object_name);
    cond = text_terms(cond, &[col("o", "template_uuid")], &f.object_template_uuid);
    cond = in_range(cond, a("timestamp"), f.attribute_timestamp);
    cond = in_range(cond, a("first_seen"), f.first_seen);
    cond = in_range(cond, a("last_seen"), f.last_seen);
    if let Some(t) = f.to_ids {
        cond = cond.add(a("to_ids").eq(t));
    }
    let live = Cond::all().add(a("deleted").eq(false)).add(
        Cond::any()
            .add(col("o", "id").is_null())
            .add(col("o", "deleted").eq(false)),
    );
    cond = match f.deleted {
        Deleted::Live => cond.add(live),
        Deleted::Only => cond.add(a("deleted").eq(true)),
        Deleted::Both => cond,
    };
    // Soft-deleted data is for site admins and the owner organisation only.
    if f.deleted != Deleted::Live && !viewer.site_admin {
        let mut c = Cond::any().add(a("deleted").eq(false));
        if let Some(owner) = owner {
            c = c.add(owner);
        }
        cond = cond.add(c);
    }
    cond
}

pub(super) fn owner(viewer: &Viewer, e: &str) -> Expr {
    col(e, "org_id").eq(viewer.org_id)
}

/// Filters on the event row `e` common to all scopes.
pub(super) fn event_cond(f: &Filters) -> Cond {
    let e = |c: &str| col("e", c);
    let mut cond = Cond::all();
    if let Some(p) = f.published {
        // Through COALESCE, so SQLite does not drive a big export from the published-events
        // index and then sort every row by attribute id: `published` hardly narrows anything.
        cond = cond.add(Expr::expr(Func::coalesce([e("published"), e("published")])).eq(p));
    }
    let ids = |v: &[String]| -> Cond {
        v.iter()
            .fold(Cond::any(), |c, s| match crate::wire::IdRef::parse(s) {
                Some(crate::wire::IdRef::Id(id)) => c.add(e("id").eq(id)),
                Some(crate::wire::IdRef::Uuid(u)) => c.add(e("uuid").eq(u)),
                None => c.add(Expr::val(1).eq(0)),
            })
    };
    if !f.eventid.any.is_empty() {
        cond = cond.add(ids(&f.eventid.any));
    }
    for t in &f.eventid.all {
        cond = cond.add(ids(std::slice::from_ref(t)));
    }
    if !f.eventid.not.is_empty() {
        cond = cond.add(ids(&f.eventid.not).not());
    }
    cond = org_terms(cond, &f.org);
    cond = text_terms(cond, &[e("info")], &wildcard_everywhere(&f.eventinfo));
    if let Some(d) = &f.date_from {
        cond = cond.add(e("date").gte(d.clone()));
    }
    if let Some(d) = &f.date_to {
        cond = cond.add(e("date").lte(d.clone()));
    }
    cond = in_range(cond, e("publish_timestamp"), f.publish_timestamp);
    cond = in_range(cond, e("timestamp"), f.event_timestamp);
    int_terms(cond, e("threat_level_id"), &f.threat_level)
}

/// `eventinfo` always matches substrings.
pub(super) fn wildcard_everywhere(t: &Terms) -> Terms {
    let w = |v: &Vec<String>| -> Vec<String> {
        v.iter()
            .map(|s| {
                if is_wildcard(s) {
                    s.clone()
                } else {
                    format!("%{s}%")
                }
            })
            .collect()
    };
    Terms {
        any: w(&t.any),
        all: w(&t.all),
        not: w(&t.not),
    }
}

/// `org`: the creator organisation by id, name or uuid.
pub(super) fn org_terms(cond: Cond, t: &Terms) -> Cond {
    let orgs = |term: &str| {
        let mut q = Query::select();
        q.column("id").from("organisations");
        match term.parse::<i64>() {
            Ok(id) => q.and_where(Expr::col("id").eq(id)),
            Err(_) => q.cond_where(
                Cond::any()
                    .add(Expr::col("name").eq(term.to_string()))
                    .add(Expr::col("uuid").eq(term.to_lowercase())),
            ),
        };
        col("e", "orgc_id").in_subquery(q)
    };
    let mut cond = cond;
    if !t.any.is_empty() {
        cond = cond.add(t.any.iter().fold(Cond::any(), |c, s| c.add(orgs(s))));
    }
    for s in &t.all {
        cond = cond.add(orgs(s));
    }
    for s in &t.not {
        cond = cond.add(orgs(s).not());
    }
    cond
}

pub(super) fn lower_terms(t: &Terms) -> Terms {
    let l = |v: &Vec<String>| v.iter().map(|s| s.to_lowercase()).collect();
    Terms {
        any: l(&t.any),
        all: l(&t.all),
        not: l(&t.not),
    }
}

/// The ids of elements carrying a tag whose name is like `pattern`.
pub(super) fn tagged_like(link: &str, target: &str, pattern: &str) -> SelectStatement {
    let tags = Query::select()
        .column("id")
        .from("tags")
        .and_where(like(Expr::col("name"), pattern))
        .to_owned();
    Query::select()
        .column(Alias::new(target))
        .from(Alias::new(link))
        .and_where(Expr::col("tag_id").in_subquery(tags))
        .to_owned()
}
