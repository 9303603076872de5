//! Sharing groups through the API: MISP's shapes (captures 102-105, 108), who sees a group,
//! who may change it, how membership decides who sees distribution-4 events, and deletion
//! blocked while data uses the group.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

const ORG_ADMIN: i64 = 2;
const USER: i64 = 3;
const HIDDEN: &str = "Sharing group doesn't exist or you do not have permission to access it.";

/// Two organisations besides the admin's, each with a plain user (no `perm_sharing_group`)
/// and an org admin (with it).
struct World {
    app: TestApp,
    org_b: i64,
    org_c: i64,
    b_user: String,
    b_admin: String,
    c_user: String,
    c_admin: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let org_b = app.add_org("OrgB").await;
    let org_c = app.add_org("OrgC").await;
    let (_, b_user) = app.add_user("user@orgb.test", org_b, USER).await;
    let (_, b_admin) = app.add_user("admin@orgb.test", org_b, ORG_ADMIN).await;
    let (_, c_user) = app.add_user("user@orgc.test", org_c, USER).await;
    let (_, c_admin) = app.add_user("admin@orgc.test", org_c, ORG_ADMIN).await;
    World {
        app,
        org_b,
        org_c,
        b_user,
        b_admin,
        c_user,
        c_admin,
    }
}

/// Creates a group as `key`; returns (id, uuid).
async fn add_sg(app: &TestApp, key: &str, body: Value) -> (String, String) {
    let r = app.post("/sharingGroups/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sg = &r.json["SharingGroup"];
    (
        sg["id"].as_str().unwrap().to_string(),
        sg["uuid"].as_str().unwrap().to_string(),
    )
}

async fn head(app: &TestApp, path: &str, key: &str) -> StatusCode {
    app.request(Method::HEAD, path, Some(key), None)
        .await
        .status
}

/// The ids `/sharingGroups/index` lists for `key`.
async fn listed(app: &TestApp, key: &str) -> Vec<String> {
    let r = app.get("/sharingGroups/index", key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["SharingGroup"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn add_add_org_index_and_view_match_the_captures() {
    let w = world().await;
    let app = &w.app;
    let body = capture_request("102-");
    let r = app.admin_post("/sharing_groups/add", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("102-"), "add");
    let sg = &r.json["SharingGroup"];
    assert_eq!(sg["name"], body["name"]);
    assert_eq!(sg["releasability"], body["releasability"]);
    assert_eq!(sg["active"], true);
    assert_eq!(sg["roaming"], false);
    assert_eq!(r.json["SharingGroupOrg"], json!([]));
    assert_eq!(r.json["SharingGroupServer"][0]["server_id"], "0");
    assert_eq!(r.json["SharingGroupServer"][0]["all_orgs"], false);
    assert_eq!(r.json["Organisation"]["id"], sg["org_id"]);
    let id = sg["id"].as_str().unwrap().to_string();
    let uuid = sg["uuid"].as_str().unwrap().to_string();

    let r = app
        .admin_post(
            &format!("/sharing_groups/addOrg/{id}/{}", w.org_b),
            Value::Null,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, golden("103-"));

    let r = app.admin_get("/sharingGroups/index").await;
    assert_same_shape(&r.json, &golden("104-"), "index");
    let item = &r.json["response"][0];
    assert_eq!(item["SharingGroup"]["org_count"], "1");
    assert_eq!(item["SharingGroupOrg"][0]["Organisation"]["name"], "OrgB");
    assert_eq!(
        (&item["editable"], &item["deletable"]),
        (&json!(true), &json!(true))
    );

    for path in [
        format!("/sharing_groups/view/{id}"),
        format!("/sharing_groups/view/{uuid}"),
    ] {
        let r = app.admin_get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_same_shape(&r.json, &golden("105-"), "view");
        assert_eq!(
            r.json["SharingGroupServer"][0]["Server"]["name"],
            "Local instance"
        );
        assert_eq!(r.json["SharingGroupOrg"][0]["Organisation"]["local"], true);
        assert_eq!(head(app, &path, &app.admin_key).await, StatusCode::OK);
    }

    // The block events embed (108/109), from the function the event paths call.
    let block = cairn::sharing_groups::store::summary(app.state.db.ex(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_same_shape(&block, &golden("108-")["Event"]["SharingGroup"], "embedded");
    let block = cairn::sharing_groups::embed(&app.state, id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let base = app.state.config.base_url();
    assert_eq!(
        block["SharingGroupServer"][0]["Server"],
        json!({"id": "0", "url": base, "name": base})
    );
    assert!(
        cairn::sharing_groups::embed(&app.state, 999)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn only_members_owners_and_admins_see_a_group() {
    let w = world().await;
    let app = &w.app;
    let (id, uuid) = add_sg(
        app,
        &w.b_admin,
        json!({"name": "B only", "releasability": "B"}),
    )
    .await;
    let path = format!("/sharing_groups/view/{id}");
    // The owner organisation sees its group even without a member row, as do site admins.
    for key in [&w.b_user, &w.b_admin, &app.admin_key] {
        assert_eq!(app.get(&path, key).await.status, StatusCode::OK);
        assert_eq!(listed(app, key).await, vec![id.clone()]);
    }
    // Another organisation: hidden exactly like a group that does not exist (MISP's 405).
    let hidden = app.get(&path, &w.c_user).await;
    let missing = app.get("/sharing_groups/view/999999", &w.c_user).await;
    for r in [&hidden, &missing] {
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.json["message"], HIDDEN);
    }
    assert_eq!(head(app, &path, &w.c_user).await, StatusCode::NOT_FOUND);
    assert!(listed(app, &w.c_user).await.is_empty());

    // PyMISP's add_org_to_sharing_group body, with the organisation by name and the group by uuid.
    let r = app
        .post(
            "/sharingGroups/addOrg",
            &w.b_admin,
            json!({"sg_id": uuid, "org_id": "OrgC", "extend": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["message"],
        "Organisation added to the sharing group."
    );
    assert_eq!(app.get(&path, &w.c_user).await.status, StatusCode::OK);
    assert_eq!(head(app, &path, &w.c_user).await, StatusCode::OK);
    assert_eq!(listed(app, &w.c_user).await, vec![id.clone()]);

    let r = app
        .post(
            "/sharingGroups/removeOrg",
            &w.b_admin,
            json!({"sg_id": id, "org_id": w.org_c.to_string()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["message"],
        "Organisation removed from the sharing group."
    );
    assert_eq!(
        app.get(&path, &w.c_user).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(head(app, &path, &w.c_user).await, StatusCode::NOT_FOUND);
    assert!(listed(app, &w.c_user).await.is_empty());

    // A second removal and a duplicate add are MISP's 403 failures.
    let r = app
        .post(
            "/sharingGroups/removeOrg",
            &w.b_admin,
            json!({"sg_id": id, "org_id": w.org_c}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"],
        "Organisation is not in the sharing group."
    );
    let add = format!("/sharing_groups/addOrg/{id}/{}", w.org_c);
    assert_eq!(
        app.post(&add, &w.b_admin, Value::Null).await.status,
        StatusCode::OK
    );
    let r = app.post(&add, &w.b_admin, Value::Null).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["name"], "Could not add Organisation to SharingGroup");
    assert_eq!(
        r.json["errors"],
        "Organisation is already in the sharing group."
    );
    assert_eq!(app.count("sharing_group_orgs").await, 1);
}

#[tokio::test]
async fn a_distribution_4_event_follows_the_membership() {
    let w = world().await;
    let app = &w.app;
    let (sg, _) = add_sg(
        app,
        &w.b_admin,
        json!({"name": "Event SG", "releasability": "B and C"}),
    )
    .await;
    let r = app
        .post(
            "/events/add",
            &w.b_user,
            json!({"info": "for the group", "distribution": "4", "sharing_group_id": sg}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let event = format!("/events/view/{}", r.json["Event"]["id"].as_str().unwrap());
    assert_eq!(
        app.get(&event, &w.c_user).await.status,
        StatusCode::NOT_FOUND
    );
    let add = format!("/sharing_groups/addorg/{sg}/{}", w.org_c);
    assert_eq!(
        app.post(&add, &w.b_admin, Value::Null).await.status,
        StatusCode::OK
    );
    let r = app.get(&event, &w.c_user).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Event"]["sharing_group_id"], sg.as_str());
    let remove = format!("/sharing_groups/removeOrg/{sg}/{}", w.org_c);
    assert_eq!(
        app.post(&remove, &w.b_admin, Value::Null).await.status,
        StatusCode::OK
    );
    let r = app.get(&event, &w.c_user).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["message"], "Invalid event");

    // "All organisations of this instance": the server-0 row with all_orgs shares with everyone.
    let r = app
        .post(
            "/sharingGroups/removeServer",
            &w.b_admin,
            json!({"sg_id": sg, "server_id": "0"}),
        )
        .await;
    assert_eq!(
        r.json["message"], "Server removed from the sharing group.",
        "{}",
        r.text
    );
    let r = app
        .post(
            "/sharingGroups/addServer",
            &w.b_admin,
            json!({"sg_id": sg, "server_id": 0, "all_orgs": true}),
        )
        .await;
    assert_eq!(
        r.json["message"], "Server added to the sharing group.",
        "{}",
        r.text
    );
    assert_eq!(app.get(&event, &w.c_user).await.status, StatusCode::OK);
    assert_eq!(listed(app, &w.c_user).await, vec![sg.clone()]);
    let r = app
        .post(
            "/sharingGroups/addServer",
            &w.b_admin,
            json!({"sg_id": sg, "server_id": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"], "Server is already in the sharing group.");
    let r = app
        .post(
            "/sharingGroups/addServer",
            &w.b_admin,
            json!({"sg_id": sg, "server_id": "https://elsewhere.test"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Invalid Server."))
    );
}

#[tokio::test]
async fn who_may_edit_a_group() {
    let w = world().await;
    let app = &w.app;
    let (id, _) = add_sg(
        app,
        &w.b_admin,
        json!({"name": "Edits", "releasability": "r1", "SharingGroupOrg": [{"org_id": w.org_c, "extend": false}]}),
    )
    .await;
    let edit = format!("/sharing_groups/edit/{id}");
    // Without perm_sharing_group: refused whoever the organisation is.
    for key in [&w.b_user, &w.c_user] {
        let r = app.post(&edit, key, json!({"releasability": "x"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    // A member without extend may see but not edit.
    let r = app
        .post(&edit, &w.c_admin, json!({"releasability": "x"}))
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Action not allowed."))
    );
    let admin_org = app.admin_get("/users/view/me").await.json["User"]["org_id"].clone();
    let admin_org = admin_org.as_str().unwrap();
    let quick = format!("/sharing_groups/addOrg/{id}/{admin_org}");
    let r = app.post(&quick, &w.c_admin, Value::Null).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json["message"],
        "Invalid sharing group or no editing rights."
    );
    // The owner organisation's admin edits, and grants extend to OrgC.
    let r = app
        .post(&edit, &w.b_admin, json!({"releasability": "r2", "SharingGroupOrg": [{"Organisation": {"name": "OrgC"}, "extend": true}]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["SharingGroup"]["releasability"], "r2");
    assert_eq!(r.json["SharingGroupOrg"][0]["extend"], true);
    // Now OrgC may extend the membership, but not rename the group or delete it.
    let r = app.post(&quick, &w.c_admin, Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(
            &edit,
            &w.c_admin,
            json!({"name": "Renamed", "releasability": "r2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .get(&format!("/sharing_groups/view/{id}"), &w.c_admin)
        .await;
    assert_eq!(r.json["SharingGroup"]["name"], "Edits");
    assert_eq!(r.json["SharingGroupOrg"].as_array().unwrap().len(), 2);
    let r = app
        .post(
            &format!("/sharing_groups/delete/{id}"),
            &w.c_admin,
            Value::Null,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    // An organisation outside the group gets the same answer as for a missing group.
    let outsider = app.add_org("OrgD").await;
    let (_, d_admin) = app.add_user("admin@orgd.test", outsider, ORG_ADMIN).await;
    assert_eq!(
        app.post(&edit, &d_admin, json!({})).await.json["message"],
        "Invalid sharing group."
    );
    assert_eq!(
        app.post("/sharing_groups/edit/999999", &d_admin, json!({}))
            .await
            .json["message"],
        "Invalid sharing group."
    );
    let a = app.post(&quick, &d_admin, Value::Null).await;
    let missing = format!("/sharing_groups/addOrg/999999/{admin_org}");
    let b = app.post(&missing, &d_admin, Value::Null).await;
    assert_eq!(
        (a.status, &a.json["message"]),
        (b.status, &b.json["message"])
    );
}

#[tokio::test]
async fn deletion_waits_until_no_data_uses_the_group() {
    let w = world().await;
    let app = &w.app;
    let (id, _) = add_sg(
        app,
        &app.admin_key,
        json!({"name": "Doomed", "releasability": "none"}),
    )
    .await;
    let events = [
        json!({"info": "event in the group", "distribution": 4, "sharing_group_id": id}),
        json!({"info": "attribute in the group", "distribution": 1, "Attribute": [
            {"type": "ip-dst", "value": "192.0.2.7", "distribution": 4, "sharing_group_id": id}]}),
    ];
    let delete = format!("/sharing_groups/delete/{id}");
    for body in events {
        let r = app.admin_post("/events/add", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let event = r.json["Event"]["id"].as_str().unwrap().to_string();
        let r = app.admin_post(&delete, Value::Null).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(r.json["name"], "Could not delete SharingGroup");
        assert_eq!(r.json["errors"], "The sharing group could not be deleted.");
        assert_eq!(app.count("sharing_groups").await, 1);
        let r = app
            .admin_post(&format!("/events/delete/{event}"), Value::Null)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app.admin_post(&delete, Value::Null).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"saved": true, "success": true, "name": "SharingGroup deleted",
               "message": "SharingGroup deleted", "url": delete, "id": id})
    );
    assert_eq!(app.count("sharing_groups").await, 0);
    assert_eq!(app.count("sharing_group_servers").await, 0);
    assert_eq!(
        app.admin_post(&delete, Value::Null).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn refused_adds_change_nothing_and_names_stay_unique() {
    let w = world().await;
    let app = &w.app;
    let r = app
        .post(
            "/sharingGroups/add",
            &w.b_user,
            json!({"name": "n", "releasability": "r"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["message"],
        "You do not have permission to use this functionality."
    );
    for (body, field) in [
        (json!({"name": "n"}), "releasability"),
        (json!({"releasability": "r"}), "name"),
        (json!({"name": "", "releasability": "r"}), "name"),
        (
            json!({"name": "é".repeat(256), "releasability": "r"}),
            "name",
        ),
        (
            json!({"name": "n", "releasability": "r", "description": "x".repeat(70_000)}),
            "description",
        ),
        (
            json!({"name": "n", "releasability": "r", "uuid": "nope"}),
            "uuid",
        ),
        (
            json!({"name": "n", "releasability": "r", "active": "maybe"}),
            "active",
        ),
        (
            json!({"name": "n", "releasability": "r", "SharingGroupOrg": [{"org_id": "NoSuchOrg"}]}),
            "SharingGroupOrg",
        ),
        (
            json!({"name": "n", "releasability": "r", "SharingGroupServer": [{"server_id": 7}]}),
            "SharingGroupServer",
        ),
    ] {
        let r = app.admin_post("/sharing_groups/add", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(r.json["name"], "Could not add SharingGroup");
        assert!(r.json["errors"][field].is_array(), "{body}: {}", r.text);
    }
    for table in [
        "sharing_groups",
        "sharing_group_orgs",
        "sharing_group_servers",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    // A taken name is renamed as MISP does; a roaming group gets no server row; a taken uuid is refused.
    let (_, uuid) = add_sg(
        app,
        &w.b_admin,
        json!({"name": "Same", "releasability": "r"}),
    )
    .await;
    let r = app
        .post(
            "/sharingGroups/add",
            &w.c_admin,
            json!({"name": "Same", "releasability": "r", "roaming": true,
            "SharingGroupOrg": [{"org_id": w.org_b, "extend": "1"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let name = r.json["SharingGroup"]["name"].as_str().unwrap();
    assert!(name.starts_with("Same_") && name.len() > 5, "{name}");
    assert_eq!(r.json["SharingGroup"]["roaming"], true);
    assert_eq!(r.json["SharingGroupServer"], json!([]));
    assert_eq!(r.json["SharingGroupOrg"][0]["org_id"], w.org_b.to_string());
    assert_eq!(r.json["SharingGroupOrg"][0]["extend"], true);
    let r = app
        .admin_post(
            "/sharing_groups/add",
            json!({"name": "Other", "releasability": "r", "uuid": uuid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("sharing_groups").await, 2);
}
