//! `TestApp::spawn()`: the real router on a fresh database. SQLite in a temporary directory by
//! default; `TEST_DATABASE_URL` (a postgres:// or mysql:// admin URL) gives each test its own
//! database on that server, dropped afterwards; `TEST_REDIS_URL` puts the cache in Redis.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use cairn::app::{App, AppState};
use cairn::config::Config;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "Admin-Password-1";

pub struct TestApp {
    pub app: App,
    pub state: AppState,
    pub admin_key: String,
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
    drop_db: Option<(String, String)>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// Replaces the database name (the URL path) of a server URL.
fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL must be a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// Runs one admin statement on the server of `url` (creating or dropping a test database).
async fn admin_statement(url: &str, sql: String) {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .expect("admin statement");
    } else {
        let mut c = sqlx::MySqlConnection::connect(url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .expect("admin statement");
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration adjusted by `tune` (body limits, admin settings...).
    pub async fn spawn_with(tune: impl FnOnce(&mut Config)) -> TestApp {
        let (database_url, dir, drop_db) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("cairn_test_{}", random_suffix());
                admin_statement(&admin, format!("CREATE DATABASE {name}")).await;
                (with_database(&admin, &name), None, Some((admin, name)))
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/cairn.db", dir.path().display());
                (url, Some(dir), None)
            }
        };
        let admin_key = cairn::auth::generate_key();
        let mut config = Config::for_database(&database_url);
        config.admin_key = Some(admin_key.clone());
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.redis_url = std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|s| !s.is_empty());
        tune(&mut config);
        let state = cairn::app::prepare(config).await.expect("prepare the app");
        let app = cairn::app::build_app(state.clone());
        TestApp {
            app,
            state,
            admin_key,
            database_url,
            _dir: dir,
            drop_db,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json");
        if let Some(key) = key {
            req = req.header("Authorization", key);
        }
        let body = body
            .map(|b| Body::from(b.to_string()))
            .unwrap_or_else(Body::empty);
        self.send(req.body(body).unwrap()).await
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> TestResponse {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    pub async fn admin_get(&self, path: &str) -> TestResponse {
        self.get(path, &self.admin_key.clone()).await
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> TestResponse {
        self.post(path, &self.admin_key.clone(), body).await
    }

    /// Creates an organisation through the API; returns its id.
    pub async fn add_org(&self, name: &str) -> i64 {
        let r = self
            .admin_post(
                "/admin/organisations/add",
                serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["Organisation"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Creates a user through the API; returns (user id, API key).
    pub async fn add_user(&self, email: &str, org_id: i64, role_id: i64) -> (i64, String) {
        let r = self
            .admin_post(
                "/admin/users/add",
                serde_json::json!({ "email": email, "org_id": org_id.to_string(), "role_id": role_id.to_string() }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let id = r.json["User"]["id"].as_str().unwrap().parse().unwrap();
        (id, r.json["User"]["authkey"].as_str().unwrap().to_string())
    }

    /// Number of rows in `table` (to prove a refused request changed nothing).
    pub async fn count(&self, table: &'static str) -> i64 {
        use sea_query::{Asterisk, Expr, Func, Query};
        self.state
            .db
            .ex()
            .fetch_i64(
                Query::select()
                    .expr(Func::count(Expr::col(Asterisk)))
                    .from(table),
            )
            .await
            .unwrap()
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((admin, name)) = self.drop_db.take() else {
            return;
        };
        let pg = admin.starts_with("postgres");
        // The test's runtime is shutting down; drop the database from a runtime of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let sql = if pg {
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                } else {
                    format!("DROP DATABASE IF EXISTS {name}")
                };
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(20),
                    admin_statement(&admin, sql),
                )
                .await;
            });
        })
        .join();
    }
}

/// A golden MISP capture (`../shared/misp-golden/NNN-*.json`): request and response.
pub fn capture(prefix: &str) -> Value {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/misp-golden");
    let entry = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the MISP captures are needed at {dir}: {e}"))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no capture {prefix}"));
    serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap()
}

/// The response body of a golden MISP capture.
pub fn golden(prefix: &str) -> Value {
    capture(prefix)["response"]["body"].clone()
}

/// The request body of a golden MISP capture.
pub fn capture_request(prefix: &str) -> Value {
    capture(prefix)["request"]["body"].clone()
}

/// Asserts that `ours` has MISP's shape: the same keys in the same order, and the same JSON
/// type for each value (null on either side is accepted: optional data differs between runs).
pub fn assert_same_shape(ours: &Value, misp: &Value, path: &str) {
    match (ours, misp) {
        (_, Value::Null) | (Value::Null, _) => {}
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<_> = a.keys().collect();
            let kb: Vec<_> = b.keys().collect();
            assert_eq!(ka, kb, "keys differ at {path}");
            for (k, v) in b {
                assert_same_shape(&a[k], v, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                assert_same_shape(x, y, &format!("{path}[0]"));
            }
        }
        (a, b) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "type differs at {path}: ours {a}, MISP {b}"
        ),
    }
}
