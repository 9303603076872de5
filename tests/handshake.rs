//! The PyMISP connect handshake, authentication failures, and MISP's URL and error conventions.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, assert_same_shape, golden};
use serde_json::json;

const AUTH_FAILED: &str = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.";

#[tokio::test]
async fn get_version_answers_as_misp() {
    let app = TestApp::spawn().await;
    let r = app.admin_get("/servers/getVersion").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/json; charset=UTF-8");
    assert_same_shape(&r.json, &golden("001-"), "getVersion");
    let version = r.json["version"].as_str().unwrap();
    assert!(
        version.split('.').all(|p| p.parse::<u32>().is_ok()) && version.split('.').count() == 3
    );
    assert_eq!(r.json["perm_sync"], true);
    assert_eq!(
        r.json["uuid"].as_str().unwrap(),
        app.state.instance_uuid.as_str()
    );
    let r = app.admin_get("/servers/getPyMISPVersion.json").await;
    assert_eq!(r.json, json!({ "version": version }));
    // A user without perm_sync does not learn the instance uuid.
    let org = app.add_org("OrgB").await;
    let (_, key) = app.add_user("user@orgb.test", org, 3).await;
    let r = app.get("/servers/getVersion", &key).await;
    assert_eq!(r.json["uuid"], "-");
    assert_eq!(r.json["perm_sync"], false);
}

#[tokio::test]
async fn users_view_me_has_misp_shape() {
    let app = TestApp::spawn().await;
    let r = app.admin_get("/users/view/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_same_shape(&r.json, &golden("002-"), "me");
    assert_eq!(r.json["User"]["email"], "admin@admin.test");
    assert_eq!(r.json["User"]["password"], "*****");
    assert_eq!(r.json["Role"]["perm_site_admin"], true);
    assert_eq!(r.json["Organisation"]["name"], "ORGNAME");
    assert_eq!(r.json["UserSetting"], json!([]));
    // The operator chose the admin password: no forced change.
    assert_eq!(r.json["User"]["change_pw"], false);
    let org = app.add_org("OrgB").await;
    let (_, key) = app.add_user("user@orgb.test", org, 3).await;
    let r = app.get("/users/view/me", &key).await;
    assert_same_shape(&r.json, &golden("016-"), "me as user");
    assert_eq!(r.json["Role"]["permission"], "2");
    assert_eq!(r.json["Role"]["permission_description"], "manage_org");
}

#[tokio::test]
async fn describe_types_is_the_registry() {
    let app = TestApp::spawn().await;
    let r = app.admin_get("/attributes/describeTypes.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/misp-data/pymisp/data/describeTypes.json"
    );
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(r.json, expected);
    assert_eq!(r.json["result"]["types"].as_array().unwrap().len(), 194);
}

#[tokio::test]
async fn authentication_failures_are_misp_403s() {
    let app = TestApp::spawn().await;
    for key in [
        None,
        Some("a".repeat(40)),
        Some("short".to_string()),
        Some(format!("Basic {}", app.admin_key)),
    ] {
        let r = app
            .request(Method::GET, "/servers/getVersion", key.as_deref(), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json, golden("004-"), "key {key:?}");
        assert_eq!(r.json["message"], AUTH_FAILED);
    }
    // A comma-separated list: the first valid key wins; X-MISP-AUTH is read too.
    let list = format!("{},{}", "b".repeat(40), app.admin_key);
    let r = app
        .request(Method::GET, "/servers/getVersion", Some(&list), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let req = Request::get("/servers/getVersion")
        .header("X-MISP-AUTH", &app.admin_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn disabled_users_expired_and_restricted_keys_are_refused() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (uid, key) = app.add_user("user@orgb.test", org, 3).await;
    assert_eq!(app.get("/users/view/me", &key).await.status, StatusCode::OK);

    let r = app
        .admin_post(&format!("/auth_keys/add/{uid}"), json!({"expiration": "1"}))
        .await;
    let expired = r.json["AuthKey"]["authkey_raw"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get("/users/view/me", &expired).await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("Auth key is expired"))
    );

    let r = app
        .admin_post(
            &format!("/auth_keys/add/{uid}"),
            json!({"allowed_ips": ["192.0.2.0/24"]}),
        )
        .await;
    let restricted = r.json["AuthKey"]["authkey_raw"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get("/users/view/me", &restricted).await;
    assert_eq!(
        r.json["message"],
        "It is not possible to use this Auth key from your IP address"
    );
    let mut req = Request::get("/users/view/me")
        .header("Authorization", &restricted)
        .body(Body::empty())
        .unwrap();
    let addr: std::net::SocketAddr = "192.0.2.7:5000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    assert_eq!(app.send(req).await.status, StatusCode::OK);

    let r = app
        .admin_post(
            &format!("/admin/users/edit/{uid}"),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.get("/users/view/me", &key).await;
    assert_eq!(
        r.json["message"],
        "Authentication failed. Your user account has been disabled."
    );
}

#[tokio::test]
async fn read_only_keys_lose_every_permission_but_auth() {
    let app = TestApp::spawn().await;
    let r = app
        .admin_post("/auth_keys/add/me", json!({"read_only": true}))
        .await;
    let ro = r.json["AuthKey"]["authkey_raw"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get("/users/view/me", &ro).await;
    assert_eq!(r.json["Role"]["perm_site_admin"], false);
    assert_eq!(r.json["Role"]["perm_auth"], true);
    let r = app
        .post("/admin/organisations/add", &ro, json!({"name": "X"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["message"],
        "You do not have permission to use this functionality."
    );
}

#[tokio::test]
async fn url_grammar_and_error_shapes() {
    let app = TestApp::spawn().await;
    for path in [
        "/Servers/GetVersion",
        "/servers/getVersion.json",
        "/users/view/me.json",
        "/sharing_groups/../servers/getVersion",
    ] {
        let r = app.admin_get(path).await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(app.admin_get("/Admin/Users").await.status, StatusCode::OK);
    assert_eq!(
        app.admin_get("/users/admin_index").await.status,
        StatusCode::OK
    );
    let r = app.admin_get("/nonexistent/thing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json, golden("141-"));
    let r = app.admin_get("/admin/organisations/add").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json["message"],
        "This method is only accessible via POST requests."
    );
    // Malformed JSON is a 400 with a JSON body; an empty body on a POST is "no data".
    let req = Request::post("/admin/organisations/add")
        .header("Authorization", &app.admin_key)
        .header("Content-Type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["url"], "/admin/organisations/add");
    let r = app
        .request(
            Method::POST,
            "/admin/organisations/add",
            Some(&app.admin_key),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"]["name"],
        json!(["Mandatory field not set."])
    );
    // HEAD existence checks answer 200 or 404 only.
    let req = Request::head("/organisations/view/1")
        .header("Authorization", &app.admin_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
    let req = Request::head("/organisations/view/999")
        .header("Authorization", &app.admin_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn security_headers_and_body_limit() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 1024).await;
    let r = app.admin_get("/servers/getVersion").await;
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.headers["x-frame-options"], "DENY");
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let before = app.count("organisations").await;
    let big = json!({"name": "Big", "description": "x".repeat(4096)});
    let r = app.admin_post("/admin/organisations/add", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json["message"], "Request body too large.");
    assert_eq!(app.count("organisations").await, before);
}
