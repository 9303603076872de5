//! Correlation exclusions (MISP's `correlation_exclusions`): values, or `%` patterns, that never
//! correlate. Postings of excluded values are kept; the `excluded` flag of the matching
//! `correlation_values` rows is flipped in one UPDATE, and the read path skips them, so adding
//! or removing an exclusion never rewrites postings.

use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use serde_json::{Value, json};

use super::Pattern;
use crate::db::Exec;

/// An exclusion row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Exclusion {
    pub id: i64,
    pub value: String,
    pub from_json: bool,
    pub comment: Option<String>,
}

impl Exclusion {
    /// `{"CorrelationExclusion": {...}}` with MISP's field order and typing.
    pub fn wire(&self) -> Value {
        json!({"CorrelationExclusion": {
            "id": self.id.to_string(),
            "value": self.value,
            "from_json": self.from_json,
            "comment": self.comment,
        }})
    }
}

pub async fn list(ex: Exec<'_>) -> sqlx::Result<Vec<Exclusion>> {
    ex.fetch_all(
        Query::select()
            .columns(["id", "value", "from_json", "comment"])
            .from("correlation_exclusions")
            .order_by("id", Order::Asc),
    )
    .await
}

pub async fn find(ex: Exec<'_>, id: i64) -> sqlx::Result<Option<Exclusion>> {
    ex.fetch_optional(
        Query::select()
            .columns(["id", "value", "from_json", "comment"])
            .from("correlation_exclusions")
            .and_where(Expr::col("id").eq(id)),
    )
    .await
}

/// True when exactly this value is already listed (compared in Rust: MySQL's collation
/// must not decide).
pub async fn is_listed(ex: Exec<'_>, value: &str) -> sqlx::Result<bool> {
    Ok(list(ex).await?.iter().any(|e| e.value == value))
}

/// Lists a value and flags the correlation values it matches; returns the new id.
pub async fn add(
    mut ex: Exec<'_>,
    value: &str,
    comment: Option<&str>,
    from_json: bool,
) -> sqlx::Result<i64> {
    let fields: crate::db::Fields = vec![
        ("value", value.into()),
        ("from_json", from_json.into()),
        ("comment", comment.map(str::to_string).into()),
    ];
    let id = ex
        .re()
        .insert(&crate::db::insert_stmt("correlation_exclusions", fields))
        .await?;
    let pattern = Pattern::parse(value);
    ex.execute(
        Query::update()
            .table("correlation_values")
            .value("excluded", true)
            .and_where(pattern.condition(Expr::col("value")))
            .and_where(Expr::col("excluded").eq(false)),
    )
    .await?;
    Ok(id)
}

/// Removes an exclusion; the values it matched stay flagged only when another exclusion
/// still matches them.
pub async fn delete(mut ex: Exec<'_>, e: &Exclusion) -> sqlx::Result<()> {
    ex.re()
        .execute(
            Query::delete()
                .from_table("correlation_exclusions")
                .and_where(Expr::col("id").eq(e.id)),
        )
        .await?;
    let gone = Pattern::parse(&e.value);
    refresh(ex, Some(&gone)).await
}

/// Recomputes `excluded` from the current list: for the values matching `only`, or for all.
pub async fn refresh(mut ex: Exec<'_>, only: Option<&Pattern>) -> sqlx::Result<()> {
    let patterns = super::bulk::patterns(ex.re()).await?;
    let flag: Expr = if patterns.is_empty() {
        false.into()
    } else {
        let any = patterns
            .iter()
            .fold(Cond::any(), |c, p| c.add(p.condition(Expr::col("value"))));
        Expr::case(any, true).finally(false).into()
    };
    let mut q = Query::update();
    q.table("correlation_values").value("excluded", flag);
    if let Some(p) = only {
        q.and_where(p.condition(Expr::col("value")));
    }
    ex.execute(&q).await.map(|_| ())
}
