//! The `cairn` command line: migrate, user add, user reset-key, and clear start-up errors.

use std::process::{Command, Output};

fn cairn(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("CAIRN_DATABASE_URL", db_url)
        .env_remove("CAIRN_ADMIN_KEY")
        .env_remove("CAIRN_ADMIN_PASSWORD")
        .env_remove("CAIRN_REDIS_URL")
        .output()
        .expect("run cairn")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn migrate_add_user_and_reset_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/cairn.db", dir.path().display());
    let o = cairn(&url, &["migrate"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // First start printed the generated admin password and key once, to the log.
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(
        log.contains("generated admin password") && log.contains("generated admin API key"),
        "{log}"
    );

    let o = cairn(
        &url,
        &[
            "user",
            "add",
            "--email",
            "Analyst@Example.org",
            "--org",
            "CERT-X",
            "--role",
            "publisher",
            "--password",
            "Long-enough-pass1",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key = stdout(&o);
    assert!(cairn::auth::valid_key(&key), "{key}");

    let o = cairn(
        &url,
        &[
            "user",
            "add",
            "--email",
            "analyst@example.org",
            "--org",
            "CERT-X",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    let o = cairn(
        &url,
        &[
            "user",
            "add",
            "--email",
            "x@example.org",
            "--org",
            "CERT-X",
            "--role",
            "Wizard",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown role"));
    let o = cairn(
        &url,
        &[
            "user",
            "add",
            "--email",
            "y@example.org",
            "--org",
            "CERT-X",
            "--api-key",
            "short",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("40 characters"));

    let o = cairn(
        &url,
        &["user", "reset-key", "--email", "analyst@example.org"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let new_key = stdout(&o);
    assert!(cairn::auth::valid_key(&new_key) && new_key != key);

    // The old key is expired, the new one works: checked through the real router.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let state = cairn::app::prepare(cairn::config::Config::for_database(&url))
            .await
            .unwrap();
        let app = cairn::app::build_app(state);
        for (k, expected) in [(&key, 403), (&new_key, 200)] {
            use tower::ServiceExt;
            let req = axum::http::Request::get("/users/view/me")
                .header("Authorization", k)
                .body(axum::body::Body::empty())
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status().as_u16(), expected);
        }
    });
}

#[test]
fn start_up_errors_name_the_url_without_its_password() {
    let o = cairn("oracle://scott:tiger@db.example/x", &["migrate"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unsupported database URL scheme")
            && err.contains("oracle://scott:***@db.example/x"),
        "{err}"
    );
    assert!(!err.contains("tiger"));
    let o = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["migrate"])
        .env("CAIRN_DATABASE_URL", "sqlite::memory:")
        .env("CAIRN_ADMIN_KEY", "not-forty-characters")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("CAIRN_ADMIN_KEY must be exactly 40 characters")
    );
}
