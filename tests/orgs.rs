//! Organisations: add, edit, view, index, delete, and every refusal leaving the data unchanged.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, assert_same_shape, golden};
use serde_json::json;

#[tokio::test]
async fn add_view_index_edit_delete() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "OrgB", "description": "Golden capture org B", "nationality": "Luxembourg", "sector": "Government", "type": "CSIRT"});
    let r = app.admin_post("/admin/organisations/add", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("006-"), "org add");
    let org = &r.json["Organisation"];
    assert_eq!(org["name"], "OrgB");
    assert_eq!(org["local"], true);
    assert_eq!(org["created_by"], "1");
    let id = org["id"].as_str().unwrap().to_string();
    let uuid = org["uuid"].as_str().unwrap().to_string();

    // Wrapped bodies, numbers and explicit uuids are accepted too.
    let r = app.admin_post("/admin/organisations/add", json!({"Organisation": {"name": "orgc", "uuid": "E7A0E51C-1E2D-41E3-AD7C-09153A80152C", "local": 0}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["Organisation"]["uuid"],
        "e7a0e51c-1e2d-41e3-ad7c-09153a80152c"
    );
    assert_eq!(r.json["Organisation"]["local"], false);

    for path in [
        format!("/organisations/view/{id}"),
        format!("/organisations/view/{uuid}"),
        "/organisations/view/OrgB".to_string(),
    ] {
        let r = app.admin_get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.json["Organisation"]["id"], id.as_str());
    }
    let r = app.admin_get("/organisations/view/9999").await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid organisation"))
    );

    // Index: local by default, ordered by name regardless of case, with MISP's extra fields.
    let r = app.admin_get("/organisations/index").await;
    assert_same_shape(&r.json, &golden("009-"), "org index");
    let names: Vec<_> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Organisation"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OrgB", "ORGNAME"]);
    let r = app.admin_get("/organisations/index/scope:all").await;
    let names: Vec<_> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Organisation"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OrgB", "orgc", "ORGNAME"]);
    let r = app.admin_get("/organisations/index/scope:external").await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let r = app
        .admin_get("/organisations/index/scope:all/searchall:gover")
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let r = app
        .admin_get("/organisations/index/scope:all/searchall:100%25")
        .await;
    assert_eq!(
        r.json.as_array().unwrap().len(),
        0,
        "% is literal in a search"
    );

    // Edit is partial; echoing the whole read object back is accepted.
    let mut echoed = app
        .admin_get(&format!("/organisations/view/{id}"))
        .await
        .json["Organisation"]
        .clone();
    echoed["sector"] = json!("Finance");
    let r = app
        .request(
            Method::PUT,
            &format!("/admin/organisations/edit/{id}"),
            Some(&app.admin_key),
            Some(echoed),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Organisation"]["sector"], "Finance");
    assert_eq!(r.json["Organisation"]["nationality"], "Luxembourg");

    let r = app
        .request(
            Method::DELETE,
            &format!("/admin/organisations/delete/{id}"),
            Some(&app.admin_key),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], "Organisation deleted");
    assert_eq!(r.json["saved"], true);
    assert_eq!(
        app.admin_get(&format!("/organisations/view/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_org("OrgB").await;
    let before = app.count("organisations").await;
    let r = app
        .admin_post(
            "/admin/organisations/add",
            json!({"name": "OrgB", "description": "dup", "type": "CSIRT"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, golden("008-"));
    let r = app
        .admin_post("/admin/organisations/add", json!({"name": "orgb"}))
        .await;
    assert_eq!(
        r.json["errors"]["name"],
        json!(["An organisation with this name already exists."])
    );
    let cases = [
        (json!({}), "name", "Mandatory field not set."),
        (
            json!({"name": "X", "colour": "red"}),
            "colour",
            "Unknown field.",
        ),
        (json!({"name": ["X"]}), "name", "Must be a string."),
        (
            json!({"name": "X", "local": "maybe"}),
            "local",
            "Must be a boolean.",
        ),
        (
            json!({"name": "X", "uuid": "not-a-uuid"}),
            "uuid",
            "The UUID is not valid.",
        ),
        (
            json!({"name": "X", "restricted_to_domain": ["not a domain"]}),
            "restricted_to_domain",
            "Each entry must be an e-mail domain such as example.org.",
        ),
    ];
    for (body, field, message) in cases {
        let r = app
            .admin_post("/admin/organisations/add", body.clone())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(r.json["saved"], false);
        assert_eq!(r.json["name"], "Could not add Organisation");
        assert_eq!(r.json["errors"][field], json!([message]), "{body}");
    }
    let r = app
        .admin_post("/admin/organisations/add", json!([1, 2]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("organisations").await, before);
    // An edit with one bad field writes none of the good ones.
    let r = app
        .admin_post(
            "/admin/organisations/edit/1",
            json!({"sector": "S", "local": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.admin_get("/organisations/view/1").await.json["Organisation"]["sector"],
        ""
    );
    let r = app
        .admin_post("/admin/organisations/edit/1", json!({"name": "OrgB"}))
        .await;
    assert_eq!(
        r.json["errors"]["name"],
        json!(["An organisation with this name already exists."])
    );
}

#[tokio::test]
async fn only_site_admins_manage_organisations() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("user@orgb.test", org, 3).await;
    let (_, org_admin) = app.add_user("admin@orgb.test", org, 2).await;
    let r = app
        .post("/admin/organisations/add", &user, json!({"name": "OrgX"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, golden("137-"));
    for key in [&user, &org_admin] {
        let r = app
            .post("/admin/organisations/delete/1", key, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // An org admin edits their own organisation's description, not its name, nor other orgs.
    let r = app
        .post(
            &format!("/admin/organisations/edit/{org}"),
            &org_admin,
            json!({"description": "ours", "name": "Renamed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Organisation"]["description"], "ours");
    assert_eq!(r.json["Organisation"]["name"], "OrgB");
    let r = app
        .post(
            "/admin/organisations/edit/1",
            &org_admin,
            json!({"description": "theirs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Everyone may list and view organisations, without the admin-only fields.
    let r = app.get("/organisations/index", &user).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json[0]["Organisation"].get("created_by").is_none());
    assert!(r.json[0]["Organisation"].get("user_count").is_some());
    // An organisation with users cannot be deleted.
    let r = app
        .admin_post(&format!("/admin/organisations/delete/{org}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["name"], "Could not delete Organisation");
    assert_eq!(
        app.admin_get(&format!("/organisations/view/{org}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn ajax_clients_get_the_short_authentication_message() {
    let app = TestApp::spawn().await;
    let req = axum::http::Request::get("/servers/getVersion")
        .header("Authorization", "a".repeat(40))
        .header("X-Requested-With", "XMLHttpRequest")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("Authentication failed."))
    );
}
