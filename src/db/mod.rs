//! Storage: one `Db` over the SQLite, PostgreSQL and MySQL pools, transactions, migrations, and the
//! few query helpers every `store.rs` uses. The only module that knows which backend is running.

use std::str::FromStr;
use std::time::Duration;

use sea_query::{InsertStatement, MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions, MySqlRow};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
// Every statement text comes from sea-query, which binds all values as parameters: the text
// itself never contains request data, which is what `AssertSqlSafe` asserts.
use sqlx::{AssertSqlSafe, ConnectOptions, FromRow, MySql, Postgres, Sqlite, Transaction};

/// Statements slower than this are logged: streaming a 100k-row event legitimately takes a
/// second, so sqlx's default of one second would warn on every big export.
const SLOW: Duration = Duration::from_secs(10);

/// Which database engine a `Db` talks to; decides the SQL dialect of every statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// A connection pool on one of the three supported backends (cheap to clone).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Mysql(MySqlPool),
}

/// An open transaction: one per logical change, so nothing is ever half-written.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    Mysql(Transaction<'static, MySql>),
}

/// Something a statement runs on: a pool or an open transaction. Store functions take one of
/// these so the same code serves single reads and multi-statement transactions.
pub enum Exec<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
    Mysql(&'a MySqlPool),
    SqliteTx(&'a mut SqliteConnection),
    PostgresTx(&'a mut PgConnection),
    MysqlTx(&'a mut MySqlConnection),
}

/// A row type decodable on all three backends (what `#[derive(sqlx::FromRow)]` gives).
pub trait Row:
    for<'r> FromRow<'r, SqliteRow>
    + for<'r> FromRow<'r, PgRow>
    + for<'r> FromRow<'r, MySqlRow>
    + Send
    + Unpin
{
}
impl<T> Row for T where
    T: for<'r> FromRow<'r, SqliteRow>
        + for<'r> FromRow<'r, PgRow>
        + for<'r> FromRow<'r, MySqlRow>
        + Send
        + Unpin
{
}

/// Errors from connecting: they name the URL without its password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL scheme in {0} (use sqlite://, postgres:// or mysql://)")]
    Scheme(String),
    #[error("cannot connect to database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("cannot create the directory for {url}: {source}")]
    Dir { url: String, source: std::io::Error },
}

/// Renders a database URL with any password replaced by `***`, for logs and errors.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

impl Db {
    /// Connects to the database named by `url`, chosen by its scheme.
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        let shown = redact_url(url);
        let conn_err = |source| ConnectError::Connect {
            url: shown.clone(),
            source,
        };
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let acquire = Duration::from_secs(10);
        match scheme.as_str() {
            "sqlite" => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(conn_err)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .log_slow_statements(log::LevelFilter::Warn, SLOW);
                let path = opts.get_filename();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| ConnectError::Dir {
                        url: shown.clone(),
                        source,
                    })?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(acquire)
                    .connect_with(opts)
                    .await
                    .map_err(conn_err)?;
                Ok(Db::Sqlite(pool))
            }
            "postgres" | "postgresql" => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(conn_err)?
                    .log_slow_statements(log::LevelFilter::Warn, SLOW);
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(acquire)
                    .connect_with(opts)
                    .await
                    .map_err(conn_err)?;
                Ok(Db::Postgres(pool))
            }
            "mysql" | "mariadb" => {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let opts = MySqlConnectOptions::from_str(&url)
                    .map_err(conn_err)?
                    .charset("utf8mb4")
                    .log_slow_statements(log::LevelFilter::Warn, SLOW);
                let pool = MySqlPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(acquire)
                    .connect_with(opts)
                    .await
                    .map_err(conn_err)?;
                Ok(Db::Mysql(pool))
            }
            _ => Err(ConnectError::Scheme(shown)),
        }
    }

    /// Applies the embedded migrations of this backend's tree (`migrations/<backend>/`).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await,
            Db::Mysql(p) => sqlx::migrate!("migrations/mysql").run(p).await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
            Db::Mysql(_) => Backend::Mysql,
        }
    }

    /// Runs statements on the pool, outside any transaction.
    pub fn ex(&self) -> Exec<'_> {
        match self {
            Db::Sqlite(p) => Exec::Sqlite(p),
            Db::Postgres(p) => Exec::Postgres(p),
            Db::Mysql(p) => Exec::Mysql(p),
        }
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
            Db::Mysql(p) => Tx::Mysql(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
            Db::Mysql(p) => p.close().await,
        }
    }
}

impl Tx {
    pub fn ex(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::SqliteTx(t),
            Tx::Postgres(t) => Exec::PostgresTx(t),
            Tx::Mysql(t) => Exec::MysqlTx(t),
        }
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
            Tx::Mysql(t) => t.commit().await,
        }
    }
}

/// Expands `$body` once per backend with `$e` bound to that backend's executor and `$qb` to its
/// sea-query builder; keeps the six-way dispatch in one place.
macro_rules! dispatch {
    ($exec:expr, $e:ident, $qb:ident => $body:expr) => {
        match $exec {
            Exec::Sqlite($e) => {
                let $qb = SqliteQueryBuilder;
                $body
            }
            Exec::Postgres($e) => {
                let $qb = PostgresQueryBuilder;
                $body
            }
            Exec::Mysql($e) => {
                let $qb = MysqlQueryBuilder;
                $body
            }
            Exec::SqliteTx($e) => {
                let $qb = SqliteQueryBuilder;
                $body
            }
            Exec::PostgresTx($e) => {
                let $qb = PostgresQueryBuilder;
                $body
            }
            Exec::MysqlTx($e) => {
                let $qb = MysqlQueryBuilder;
                $body
            }
        }
    };
}

impl Exec<'_> {
    /// A shorter-lived handle on the same pool or transaction, for the next statement.
    pub fn re(&mut self) -> Exec<'_> {
        match self {
            Exec::Sqlite(p) => Exec::Sqlite(p),
            Exec::Postgres(p) => Exec::Postgres(p),
            Exec::Mysql(p) => Exec::Mysql(p),
            Exec::SqliteTx(c) => Exec::SqliteTx(c),
            Exec::PostgresTx(c) => Exec::PostgresTx(c),
            Exec::MysqlTx(c) => Exec::MysqlTx(c),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Exec::Sqlite(_) | Exec::SqliteTx(_) => Backend::Sqlite,
            Exec::Postgres(_) | Exec::PostgresTx(_) => Backend::Postgres,
            Exec::Mysql(_) | Exec::MysqlTx(_) => Backend::Mysql,
        }
    }

    pub async fn fetch_all<T: Row>(self, stmt: &impl SqlxBinder) -> sqlx::Result<Vec<T>> {
        dispatch!(self, e, qb => {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values).fetch_all(e).await
        })
    }

    pub async fn fetch_optional<T: Row>(self, stmt: &impl SqlxBinder) -> sqlx::Result<Option<T>> {
        dispatch!(self, e, qb => {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values).fetch_optional(e).await
        })
    }

    /// The first column of the first row as an integer (counts, ids).
    pub async fn fetch_i64(self, stmt: &impl SqlxBinder) -> sqlx::Result<Option<i64>> {
        dispatch!(self, e, qb => {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), values).fetch_optional(e).await
        })
    }

    /// Runs an UPDATE or DELETE; returns the number of rows it changed.
    pub async fn execute(self, stmt: &impl SqlxBinder) -> sqlx::Result<u64> {
        dispatch!(self, e, qb => {
            let (sql, values) = stmt.build_sqlx(qb);
            Ok(sqlx::query_with(AssertSqlSafe(sql), values).execute(e).await?.rows_affected())
        })
    }

    /// Runs an INSERT of one row and returns its new id: `RETURNING id` where the dialect has it,
    /// `LAST_INSERT_ID()` on MySQL.
    pub async fn insert(self, stmt: &InsertStatement) -> sqlx::Result<i64> {
        let mut stmt = stmt.clone();
        if self.backend() != Backend::Mysql {
            stmt.returning_col("id");
        }
        match self {
            Exec::Mysql(e) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                Ok(sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(e)
                    .await?
                    .last_insert_id() as i64)
            }
            Exec::MysqlTx(e) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                Ok(sqlx::query_with(AssertSqlSafe(sql), values)
                    .execute(e)
                    .await?
                    .last_insert_id() as i64)
            }
            other => other
                .fetch_i64(&stmt)
                .await
                .map(|id| id.unwrap_or_default()),
        }
    }

    /// Runs backend-specific raw SQL (schema upkeep only; never request text).
    pub async fn raw(self, sql: &'static str) -> sqlx::Result<()> {
        dispatch!(self, e, _qb => {
            sqlx::query(sql).execute(e).await.map(|_| ())
        })
    }
}

/// True when the error is a unique-constraint violation (a race lost against a concurrent insert).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// After inserting explicit ids on PostgreSQL, moves the identity sequence past them (the other
/// backends do this by themselves). `table` is always a name from Cairn's code.
pub async fn sync_id_sequence(ex: Exec<'_>, table: &'static str) -> sqlx::Result<()> {
    if let Exec::PostgresTx(c) = ex {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        );
        sqlx::query(AssertSqlSafe(sql)).execute(c).await?;
    } else if let Exec::Postgres(p) = ex {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        );
        sqlx::query(AssertSqlSafe(sql)).execute(p).await?;
    }
    Ok(())
}

/// One row's column/value pairs, shared by an INSERT and an UPDATE so each field is named once.
pub type Fields = Vec<(&'static str, sea_query::Expr)>;

/// `INSERT INTO table (cols) VALUES (vals)` from field pairs.
pub fn insert_stmt(table: &'static str, fields: Fields) -> InsertStatement {
    let (cols, vals): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    sea_query::Query::insert()
        .into_table(table)
        .columns(cols)
        .values_panic(vals)
        .to_owned()
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern (with
/// `ESCAPE '\'`).
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Db {
    /// Runs a SELECT and hands its rows over in chunks of `chunk` as they arrive, so a caller can
    /// encode a result of any size without holding it (the big event view, exports). Stops
    /// early when the receiver is dropped.
    pub async fn stream_chunks<T: Row + 'static>(
        &self,
        stmt: &impl SqlxBinder,
        chunk: usize,
        tx: tokio::sync::mpsc::Sender<Vec<T>>,
    ) -> sqlx::Result<()> {
        use futures::TryStreamExt;
        macro_rules! run {
            ($pool:expr, $qb:expr) => {{
                let (sql, values) = stmt.build_sqlx($qb);
                let mut rows =
                    sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values).fetch($pool);
                let mut buf = Vec::with_capacity(chunk);
                while let Some(row) = rows.try_next().await? {
                    buf.push(row);
                    if buf.len() == chunk
                        && tx
                            .send(std::mem::replace(&mut buf, Vec::with_capacity(chunk)))
                            .await
                            .is_err()
                    {
                        return Ok(());
                    }
                }
                if !buf.is_empty() {
                    let _ = tx.send(buf).await;
                }
                Ok(())
            }};
        }
        match self {
            Db::Sqlite(p) => run!(p, SqliteQueryBuilder),
            Db::Postgres(p) => run!(p, PostgresQueryBuilder),
            Db::Mysql(p) => run!(p, MysqlQueryBuilder),
        }
    }
}
