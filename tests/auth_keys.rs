//! API keys: add, index, view, edit, delete, with organisation checks on every one.

mod common;

use axum::http::StatusCode;
use common::{TestApp, assert_same_shape, golden};
use serde_json::json;

#[tokio::test]
async fn keys_lifecycle() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (uid, user_key) = app.add_user("user@orgb.test", org, 3).await;
    let r = app
        .admin_post(&format!("/auth_keys/add/{uid}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("014-"), "key add");
    let k = &r.json["AuthKey"];
    let raw = k["authkey_raw"].as_str().unwrap().to_string();
    assert_eq!(k["authkey_start"], &raw[..4]);
    assert_eq!(k["authkey_end"], &raw[36..]);
    assert_eq!(k["expiration"], "0");
    assert_eq!(k["unique_ips"], json!([]));
    assert_eq!(
        app.get("/users/view/me", &raw).await.json["User"]["id"],
        uid.to_string()
    );
    let key_id = k["id"].as_str().unwrap().to_string();

    // The user sees their own keys only; the raw key is never shown again.
    let uid_s = uid.to_string();
    let r = app.get("/auth_keys/index", &user_key).await;
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter().all(
            |k| k["AuthKey"].get("authkey_raw").is_none() && k["User"]["id"] == uid_s.as_str()
        )
    );
    assert_eq!(
        app.admin_get("/auth_keys/index")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let r = app
        .post(
            &format!("/auth_keys/edit/{key_id}"),
            &user_key,
            json!({"comment": "laptop", "allowed_ips": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["AuthKey"]["comment"], "laptop");
    assert_eq!(r.json["AuthKey"]["allowed_ips"], json!(["10.0.0.0/8"]));
    let r = app
        .post(
            &format!("/auth_keys/edit/{key_id}"),
            &user_key,
            json!({"allowed_ips": ["nonsense"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"]["allowed_ips"],
        json!(["Each entry must be an IP address or a CIDR range."])
    );
    assert_eq!(
        app.get(&format!("/auth_keys/view/{key_id}"), &user_key)
            .await
            .json["AuthKey"]["allowed_ips"],
        json!(["10.0.0.0/8"])
    );

    let r = app
        .post(&format!("/auth_keys/delete/{key_id}"), &user_key, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.get("/users/view/me", &raw).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/auth_keys/view/{key_id}"), &user_key)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn keys_of_others_are_hidden() {
    let app = TestApp::spawn().await;
    let b = app.add_org("OrgB").await;
    let c = app.add_org("OrgC").await;
    let (_, b_key) = app.add_user("user@orgb.test", b, 3).await;
    let (c_id, _) = app.add_user("user@orgc.test", c, 3).await;
    let (_, c_admin) = app.add_user("admin@orgc.test", c, 2).await;
    let before = app.count("auth_keys").await;
    let r = app
        .post(&format!("/auth_keys/add/{c_id}"), &b_key, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.post("/auth_keys/add/1", &c_admin, json!({})).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "an org admin cannot mint keys for the site admin"
    );
    assert_eq!(app.count("auth_keys").await, before);
    // The site admin's key (id 1) is neither visible nor deletable by others.
    for key in [&b_key, &c_admin] {
        assert_eq!(
            app.get("/auth_keys/view/1", key).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.post("/auth_keys/delete/1", key, json!({})).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // The org admin manages their own users' keys.
    let r = app
        .post(
            &format!("/auth_keys/add/{c_id}"),
            &c_admin,
            json!({"comment": "for c", "read_only": 1, "expiration": "2999-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["AuthKey"]["read_only"], true);
    assert_eq!(r.json["AuthKey"]["expiration"], "32472144000");
    let r = app
        .post("/auth_keys/add/me", &b_key, json!({"expiration": "soon"}))
        .await;
    assert_eq!(
        r.json["errors"]["expiration"],
        json!(["Expiration must be a date (YYYY-MM-DD) or a Unix timestamp."])
    );
}
