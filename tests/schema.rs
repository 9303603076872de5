//! The three migration trees stay in lockstep, and the schema they build has the same tables
//! and columns on whichever backend this run uses as on SQLite.

mod common;

use std::collections::BTreeMap;

use common::TestApp;
use sqlx::Row;

fn tree(backend: &str) -> Vec<String> {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn migration_trees_list_the_same_files() {
    let sqlite = tree("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, tree("postgres"));
    assert_eq!(sqlite, tree("mysql"));
    assert!(
        sqlite.iter().all(|n| n.len() > 5
            && n[..4].chars().all(|c| c.is_ascii_digit())
            && n.ends_with(".sql"))
    );
}

/// Table name -> sorted column names, read from the database's own catalogue.
async fn columns(db: &cairn::db::Db) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, String)> = match db {
        cairn::db::Db::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")
                .fetch_all(p).await.unwrap().iter().map(|r| r.get::<String, _>(0)).collect();
            let mut out = Vec::new();
            for t in tables {
                let sql = format!("SELECT name FROM pragma_table_info('{t}')");
                for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(p).await.unwrap() {
                    out.push((t.clone(), r.get::<String, _>(0)));
                }
            }
            out
        }
        cairn::db::Db::Postgres(p) => sqlx::query("SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'")
            .fetch_all(p).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect(),
        cairn::db::Db::Mysql(p) => sqlx::query("SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name NOT LIKE '\\_sqlx%'")
            .fetch_all(p).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect(),
    };
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (t, c) in rows {
        map.entry(t).or_default().push(c);
    }
    map.values_mut().for_each(|v| v.sort());
    map
}

#[tokio::test]
async fn schemas_match_across_backends() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let reference = cairn::db::Db::connect(&format!("sqlite://{}/ref.db", dir.path().display()))
        .await
        .unwrap();
    reference.migrate().await.unwrap();
    let ours = columns(&app.state.db).await;
    assert!(ours.contains_key("users") && ours.contains_key("auth_keys"));
    assert_eq!(ours, columns(&reference).await);
}

#[tokio::test]
async fn bad_database_urls_are_clear_errors() {
    let e = cairn::db::Db::connect("oracle://scott:tiger@db/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unsupported database URL scheme") && !e.contains("tiger"),
        "{e}"
    );
    let e = cairn::db::Db::connect("postgres://cairn:s3cret@127.0.0.1:1/nowhere")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot connect") && e.contains("127.0.0.1:1") && !e.contains("s3cret"),
        "{e}"
    );
}
