//! SQL for this instance's identity: its uuid and the secret API keys are hashed under.

use sea_query::{Asterisk, Expr, ExprTrait, Query};

use crate::db::Exec;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstanceRow {
    pub uuid: String,
    pub secret: String,
}

pub async fn instance(ex: Exec<'_>) -> sqlx::Result<Option<InstanceRow>> {
    ex.fetch_optional(
        Query::select()
            .column(Asterisk)
            .from("instance")
            .and_where(Expr::col("id").eq(1)),
    )
    .await
}

pub async fn insert_instance(
    ex: Exec<'_>,
    uuid: &str,
    secret: &str,
    now: i64,
) -> sqlx::Result<u64> {
    ex.execute(
        Query::insert()
            .into_table("instance")
            .columns(["id", "uuid", "secret", "created"])
            .values_panic([1.into(), uuid.into(), secret.into(), now.into()]),
    )
    .await
}
