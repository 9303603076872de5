//! Users and roles: admin CRUD, org-admin scoping, validation, and the default roles.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, assert_same_shape, golden};
use serde_json::json;

#[tokio::test]
async fn roles_are_misps_defaults() {
    let app = TestApp::spawn().await;
    let r = app.admin_get("/roles/index").await;
    assert_eq!(r.status, StatusCode::OK);
    let ours = r.json.as_array().unwrap();
    let misp = golden("010-");
    let misp = misp.as_array().unwrap();
    assert_eq!(ours.len(), 6);
    for (a, b) in ours.iter().zip(misp) {
        // Identical but for the creation times.
        let (mut a, mut b) = (a["Role"].clone(), b["Role"].clone());
        for v in [&mut a, &mut b] {
            v["created"] = json!(null);
            v["modified"] = json!(null);
        }
        assert_eq!(a, b);
    }
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("user@orgb.test", org, 6).await;
    assert_eq!(
        app.get("/roles", &user)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[tokio::test]
async fn add_user_returns_a_usable_key() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let r = app
        .admin_post(
            "/admin/users/add",
            json!({"email": "User@OrgB.test", "org_id": org.to_string(), "role_id": "3"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("011-"), "user add");
    let user = &r.json["User"];
    assert_eq!(user["email"], "user@orgb.test");
    assert_eq!(user["password"], "******");
    assert_eq!(user["change_pw"], true);
    let key = user["authkey"].as_str().unwrap();
    assert!(cairn::auth::valid_key(key));
    let me = app.get("/users/view/me", key).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["User"]["email"], "user@orgb.test");
    assert_eq!(me.json["Organisation"]["name"], "OrgB");
    // Defaults: the admin's organisation and the default role.
    let r = app
        .admin_post(
            "/admin/users/add",
            json!({"email": "plain@admin.test", "password": "Strong-Passw0rd"}),
        )
        .await;
    assert_eq!(r.json["User"]["org_id"], "1");
    assert_eq!(r.json["User"]["role_id"], "3");

    let r = app.admin_get("/admin/users/index").await;
    assert_same_shape(&r.json, &golden("013-"), "user index");
    assert_eq!(r.json.as_array().unwrap().len(), 3);
    let r = app.admin_get("/admin/users/index/value:orgb").await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let r = app.admin_get("/admin/users/index/searchorg:1").await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_user_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    app.add_user("user@orgb.test", org, 3).await;
    let (users, keys) = (app.count("users").await, app.count("auth_keys").await);
    let cases = [
        (json!({"org_id": "2"}), "email", "Mandatory field not set."),
        (
            json!({"email": "USER@orgb.test"}),
            "email",
            "An account with this email address already exists.",
        ),
        (
            json!({"email": "not-an-email"}),
            "email",
            "An email address is required.",
        ),
        (
            json!({"email": "a@b.test", "org_id": "abc"}),
            "org_id",
            "Must be an integer.",
        ),
        (
            json!({"email": "a@b.test", "org_id": "999"}),
            "org_id",
            "Invalid organisation.",
        ),
        (
            json!({"email": "a@b.test", "password": "weak"}),
            "password",
            "Password must be at least 12 characters long.",
        ),
        (
            json!({"email": "a@b.test", "favourite": 1}),
            "favourite",
            "Unknown field.",
        ),
        (
            json!({"email": "a@b.test", "disabled": "perhaps"}),
            "disabled",
            "Must be a boolean.",
        ),
    ];
    for (body, field, message) in cases {
        let r = app.admin_post("/admin/users/add", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(r.json["name"], "Could not add User");
        assert_eq!(r.json["errors"][field], json!([message]), "{body}");
    }
    let r = app
        .admin_post(
            "/admin/users/add",
            json!({"email": "a@b.test", "role_id": "99"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Invalid role"))
    );
    assert_eq!(
        (app.count("users").await, app.count("auth_keys").await),
        (users, keys)
    );
}

#[tokio::test]
async fn edit_and_delete_users() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (id, key) = app.add_user("user@orgb.test", org, 3).await;
    let r = app
        .request(
            Method::PUT,
            &format!("/admin/users/edit/{id}"),
            Some(&app.admin_key),
            Some(json!({"role_id": 4, "autoalert": "1", "password": "New-Passw0rd!!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["User"]["role_id"], "4");
    assert_eq!(r.json["User"]["autoalert"], true);
    assert_eq!(r.json["User"]["change_pw"], true);
    let stored = cairn::users::store::find(app.state.db.ex(), id)
        .await
        .unwrap()
        .unwrap();
    assert!(cairn::auth::verify_password(
        "New-Passw0rd!!",
        stored.password.as_deref().unwrap()
    ));
    assert_eq!(
        app.get("/users/view/me", &key).await.json["Role"]["name"],
        "Publisher"
    );
    let r = app.admin_get(&format!("/admin/users/view/{id}")).await;
    assert_eq!(r.json["User"]["email"], "user@orgb.test");
    // Deleting removes the user and its keys; the admin cannot delete themselves.
    let r = app
        .request(
            Method::DELETE,
            &format!("/admin/users/delete/{id}"),
            Some(&app.admin_key),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], "User deleted.");
    assert_eq!(
        app.get("/users/view/me", &key).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.admin_get(&format!("/admin/users/view/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app.admin_post("/admin/users/delete/1", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.admin_get("/users/view/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn org_admins_manage_only_their_own_org() {
    let app = TestApp::spawn().await;
    let b = app.add_org("OrgB").await;
    let c = app.add_org("OrgC").await;
    let (_, b_admin) = app.add_user("admin@orgb.test", b, 2).await;
    let (b_user, b_user_key) = app.add_user("user@orgb.test", b, 3).await;
    let (c_user, _) = app.add_user("user@orgc.test", c, 3).await;

    let r = app.get("/admin/users/index", &b_admin).await;
    let emails: Vec<_> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["User"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["admin@orgb.test", "user@orgb.test"]);
    // Another organisation's user is invisible: the same 404 as a missing one.
    for path in [
        format!("/admin/users/view/{c_user}"),
        "/admin/users/view/999".to_string(),
    ] {
        let r = app.get(&path, &b_admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json["message"], "Invalid user or not authorised.");
    }
    let r = app
        .post(
            &format!("/admin/users/edit/{c_user}"),
            &b_admin,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            &format!("/admin/users/delete/{c_user}"),
            &b_admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(&format!("/auth_keys/add/{c_user}"), &b_admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // No site admins, no users in other organisations, no site-admin role, no site admin's keys.
    let r = app
        .post(
            "/admin/users/add",
            &b_admin,
            json!({"email": "x@orgb.test", "role_id": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/admin/users/add",
            &b_admin,
            json!({"email": "x@orgc.test", "org_id": c.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            &format!("/admin/users/edit/{b_user}"),
            &b_admin,
            json!({"role_id": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/admin/users/view/1", &b_admin).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            "/admin/users/add",
            &b_admin,
            json!({"email": "new@orgb.test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["User"]["org_id"], b.to_string());
    // A normal user reaches no admin endpoint.
    let r = app.get("/admin/users/index", &b_user_key).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, golden("136-"));
    let r = app.get(&format!("/users/view/{c_user}"), &b_user_key).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn echoing_a_read_user_back_changes_only_what_changed() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let r = app.admin_post("/admin/users/add", json!({"email": "user@orgb.test", "org_id": org.to_string(), "password": "First-Passw0rd!"})).await;
    let mut user = r.json["User"].clone();
    let id = user["id"].as_str().unwrap().to_string();
    user["contactalert"] = json!(true);
    let r = app
        .admin_post(&format!("/admin/users/edit/{id}"), json!({ "User": user }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["User"]["contactalert"], true);
    let stored = cairn::users::store::find(app.state.db.ex(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        cairn::auth::verify_password("First-Passw0rd!", stored.password.as_deref().unwrap()),
        "the masked password is not a new password"
    );
}

#[tokio::test]
async fn users_edit_their_own_settings_only() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (id, key) = app.add_user("user@orgb.test", org, 3).await;
    let (other, _) = app.add_user("other@orgb.test", org, 3).await;
    let r = app.post(&format!("/users/edit/{id}"), &key, json!({"autoalert": true, "role_id": "1", "org_id": "1", "password": "My-own-passw0rd"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["User"]["autoalert"], true);
    assert_eq!(
        r.json["User"]["role_id"], "3",
        "a user cannot promote themselves"
    );
    assert_eq!(r.json["User"]["org_id"], org.to_string());
    assert_eq!(
        r.json["User"]["change_pw"], false,
        "they chose this password themselves"
    );
    let r = app
        .post(
            &format!("/users/edit/{other}"),
            &key,
            json!({"autoalert": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post("/users/edit/me", &key, json!({"password": "weak"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
