//! Attributes through the API: add (single, list, value list, duplicates, partial failures),
//! edit, soft delete, restore, hard delete, view and index, with MISP's shapes and messages,
//! the permission answers (403 for a visible event of another org, 404 for a hidden one), and
//! the attribute read paths of the access-control matrix.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, TestResponse, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

/// Creates an event as `key` and returns its id.
async fn event(app: &TestApp, key: &str, distribution: i64) -> String {
    let body = json!({"info": format!("dist {distribution}"), "distribution": distribution});
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Event"]["id"].as_str().unwrap().to_string()
}

/// Adds one attribute as `key`, asserting success; returns the saved attribute.
async fn add(app: &TestApp, key: &str, event: &str, body: Value) -> Value {
    let r = app
        .post(&format!("/attributes/add/{event}"), key, body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Attribute"].clone()
}

fn id_of(a: &Value) -> String {
    a["id"].as_str().unwrap().to_string()
}

async fn event_json(app: &TestApp, id: &str) -> Value {
    app.admin_get(&format!("/events/view/{id}")).await.json["Event"].clone()
}

async fn head(app: &TestApp, path: &str, key: &str) -> StatusCode {
    let req = Request::head(path)
        .header("Authorization", key)
        .body(Body::empty())
        .unwrap();
    app.send(req).await.status
}

async fn delete(app: &TestApp, path: &str, key: &str) -> TestResponse {
    app.request(Method::DELETE, path, Some(key), None).await
}

#[tokio::test]
async fn add_single_and_list_have_misp_shapes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    let r = app
        .admin_post(&format!("/events/publish/{e}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .admin_post(&format!("/attributes/add/{e}"), capture_request("033-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("033-"), "add");
    let a = &r.json["Attribute"];
    assert_eq!(a["category"], "Payload delivery");
    assert_eq!(a["to_ids"], true);
    assert_eq!(a["event_id"], e.as_str());
    assert_eq!(a["uuid"], golden("033-")["Attribute"]["uuid"]);
    assert_eq!(r.json["AttributeTag"], json!([]));
    let ev = event_json(&app, &e).await;
    assert_eq!(ev["published"], false, "an add unpublishes the event");
    assert_eq!(ev["attribute_count"], "1");
    // The list form: three attributes, a list back (no AttributeTag).
    let r = app
        .admin_post(&format!("/attributes/add/{e}"), capture_request("034-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("034-"), "add list");
    let values: Vec<&str> = r.json["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "45.77.12.9",
            "login.golden-phish.net",
            "Mozilla/5.0 (GoldenBot 1.0)"
        ]
    );
    assert_eq!(r.json["Attribute"][2]["to_ids"], false);
    // One attribute whose value is a list, wrapped, with a tag.
    let body = json!({"Attribute": {"type": "domain", "value": ["a.example", "b.example"],
        "Tag": [{"name": "tlp:amber"}]}});
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.json["Attribute"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["Tag"][0]["name"], "tlp:amber");
    assert_eq!(event_json(&app, &e).await["attribute_count"], "6");
    // MISP's batch form: newline-separated values.
    let body = json!({"type": "text", "value": "line 1\nline 2\n", "batch_import": "1"});
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(r.json["Attribute"][1]["value"], "line 2", "{}", r.text);
    assert_eq!(event_json(&app, &e).await["attribute_count"], "8");
    // A single tagged attribute: its tag comes back as an AttributeTag row.
    let body = json!({"type": "text", "value": "tagged", "Tag": [{"name": "tlp:amber"}]});
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(r.json["AttributeTag"][0]["Tag"]["name"], "tlp:amber");
    assert_eq!(
        r.json["AttributeTag"][0]["attribute_id"],
        r.json["Attribute"]["id"]
    );
}

#[tokio::test]
async fn add_errors_are_misps() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    add(
        &app,
        &admin,
        &e,
        json!({"type": "ip-dst", "value": "89.203.249.203"}),
    )
    .await;
    let before = app.count("attributes").await;
    for prefix in ["035-", "036-", "037-"] {
        let r = app
            .admin_post(&format!("/attributes/add/{e}"), capture_request(prefix))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{prefix}");
        assert_eq!(r.json, golden(prefix), "{prefix}");
    }
    // A list where every item fails: 403 with the errors by item.
    let body = json!([{"type": "ip-dst", "value": "nope"}, {"type": "md5", "value": "xyz"}]);
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"]["attribute_0"]["value"][0],
        "IP address has an invalid format."
    );
    assert!(r.json["errors"]["attribute_1"]["value"].is_array());
    // Duplicates inside one request are refused too.
    let body = json!([{"type": "text", "value": "twice"}, {"type": "text", "value": "twice"}]);
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(
        r.json["errors"]["attribute_1"]["value"][0],
        golden("037-")["errors"]["value"][0]
    );
    // A reused uuid, an unusable sharing group, an unknown event.
    let taken =
        app.admin_get(&format!("/events/view/{e}")).await.json["Event"]["Attribute"][0]["uuid"]
            .clone();
    let r = app
        .admin_post(
            &format!("/attributes/add/{e}"),
            json!({"type": "text", "value": "u", "uuid": taken}),
        )
        .await;
    assert_eq!(
        r.json["errors"],
        json!({"uuid": ["The UUID provided is not unique"]})
    );
    let body = json!({"type": "text", "value": "sg", "distribution": 4, "sharing_group_id": 99});
    let r = app.admin_post(&format!("/attributes/add/{e}"), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["message"],
        "Invalid Sharing Group or not authorised."
    );
    let r = app
        .admin_post(
            "/attributes/add/999999",
            json!({"type": "text", "value": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid event"))
    );
    assert_eq!(
        app.count("attributes").await,
        before + 1,
        "only the one valid item was saved"
    );
}

#[tokio::test]
async fn partial_list_and_break_on_duplicate() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    let r = app
        .admin_post(&format!("/attributes/add/{e}"), capture_request("038-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("038-"), "partial list");
    assert!(r.json["Attribute"].is_object(), "one success is an object");
    assert_eq!(r.json["errors"], golden("038-")["errors"]);
    let first = r.json["Attribute"].clone();
    // breakOnDuplicate:0 turns the duplicate into an update of the existing attribute.
    let before = app.count("attributes").await;
    let body =
        json!({"type": "ip-src", "value": "45.77.12.10", "comment": "seen again", "to_ids": false});
    let r = app
        .admin_post(&format!("/attributes/add/{e}/breakOnDuplicate:0"), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Attribute"]["id"], first["id"]);
    assert_eq!(r.json["Attribute"]["uuid"], first["uuid"]);
    assert_eq!(r.json["Attribute"]["comment"], "seen again");
    assert_eq!(r.json["Attribute"]["to_ids"], false);
    assert_eq!(app.count("attributes").await, before);
    // A deleted attribute is no duplicate: the same value can come back.
    app.admin_post(&format!("/attributes/delete/{}", id_of(&first)), json!({}))
        .await;
    add(
        &app,
        &admin,
        &e,
        json!({"type": "ip-src", "value": "45.77.12.10"}),
    )
    .await;
}

#[tokio::test]
async fn edit_is_partial_fresh_and_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    let a = add(&app, &admin, &e, capture_request("033-")).await;
    let other = add(
        &app,
        &admin,
        &e,
        json!({"type": "sha1", "value": "a".repeat(40)}),
    )
    .await;
    let uuid = a["uuid"].as_str().unwrap();
    let r = app
        .admin_post(&format!("/attributes/edit/{uuid}"), capture_request("048-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("048-"), "edit");
    assert_eq!(r.json["Attribute"]["comment"], "dropper sha1 (edited)");
    assert_eq!(r.json["Attribute"]["to_ids"], false);
    assert_eq!(
        r.json["Attribute"]["id"], a["id"],
        "the body's id is ignored"
    );
    // Partial edit through the REST form keeps everything else.
    let path = format!("/attributes/{}", id_of(&a));
    let r = app
        .request(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"to_ids": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Attribute"]["comment"], "dropper sha1 (edited)");
    assert_eq!(r.json["Attribute"]["to_ids"], true);
    // Not newer than the stored copy: 405 and nothing changes.
    let stored: i64 = r.json["Attribute"]["timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = app
        .admin_post(
            &path.replace("/attributes/", "/attributes/edit/"),
            json!({"comment": "old", "timestamp": stored}),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json["message"],
        "Attribute could not be saved: Attribute in the request not newer than the local copy."
    );
    let edit = format!("/attributes/edit/{}", id_of(&a));
    let r = app
        .admin_post(&edit, json!({"comment": "new", "timestamp": stored + 10}))
        .await;
    assert_eq!(r.json["Attribute"]["timestamp"], (stored + 10).to_string());
    // The merged fields are validated again, the duplicate rule included.
    let r = app.admin_post(&edit, json!({"value": "xyz"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["name"], "Could not edit Attribute");
    assert_eq!(r.json["url"], "/attributes/edit");
    assert!(
        r.json["errors"]["value"][0]
            .as_str()
            .unwrap()
            .starts_with("Checksum")
    );
    let r = app
        .admin_post(&edit, json!({"value": other["value"]}))
        .await;
    assert_eq!(r.json["errors"], golden("037-")["errors"]);
    let r = app.admin_post(&edit, json!({"type": "ip-dst"})).await;
    assert_eq!(
        r.json["errors"]["value"][0],
        "IP address has an invalid format."
    );
    // Tags: attach, then detach with `deleted`.
    let r = app
        .admin_post(&edit, json!({"Tag": [{"name": "tlp:red"}]}))
        .await;
    assert_eq!(r.json["Attribute"]["Tag"][0]["name"], "tlp:red");
    let r = app
        .admin_post(
            &edit,
            json!({"Tag": [{"name": "tlp:red", "deleted": true}]}),
        )
        .await;
    assert!(r.json["Attribute"].get("Tag").is_none(), "{}", r.text);
    // An unknown uuid is MISP's 404, body and all.
    let r = app
        .admin_post(
            "/attributes/edit/6d722af0-2603-4a47-93f4-2033f17e1303",
            capture_request("039-"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json, golden("039-"));
    // `deleted: true` through edit is a soft delete.
    let r = app.admin_post(&edit, json!({"deleted": true})).await;
    assert_eq!(r.json["Attribute"]["deleted"], true);
    let view = app
        .admin_get(&format!("/attributes/view/{}", id_of(&a)))
        .await;
    assert_eq!(view.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(event_json(&app, &e).await["attribute_count"], "1");
}

/// Adds an object and a reference from it to attribute `target` (rows written directly: the
/// object endpoints live elsewhere).
async fn reference_to(app: &TestApp, event: &str, target: &Value) -> i64 {
    let now = cairn::wire::now();
    let event: i64 = event.parse().unwrap();
    let object: cairn::db::Fields = vec![
        ("uuid", cairn::wire::new_uuid().into()),
        ("event_id", event.into()),
        ("name", "file".into()),
        ("timestamp", now.into()),
        ("comment", "".into()),
    ];
    let ex = || app.state.db.ex();
    let object_id = ex()
        .insert(&cairn::db::insert_stmt("objects", object))
        .await
        .unwrap();
    let reference: cairn::db::Fields = vec![
        ("uuid", cairn::wire::new_uuid().into()),
        ("timestamp", now.into()),
        ("object_id", object_id.into()),
        ("event_id", event.into()),
        ("source_uuid", cairn::wire::new_uuid().into()),
        ("referenced_uuid", target["uuid"].as_str().unwrap().into()),
        (
            "referenced_id",
            id_of(target).parse::<i64>().unwrap().into(),
        ),
        ("referenced_type", 0.into()),
        ("relationship_type", "related-to".into()),
        ("comment", "".into()),
    ];
    ex().insert(&cairn::db::insert_stmt("object_references", reference))
        .await
        .unwrap()
}

async fn reference_deleted(app: &TestApp, id: i64) -> Option<bool> {
    use sea_query::{Expr, ExprTrait, Query};
    let q = Query::select()
        .column("deleted")
        .from("object_references")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let row: Option<(bool,)> = app.state.db.ex().fetch_optional(&q).await.unwrap();
    row.map(|(d,)| d)
}

#[tokio::test]
async fn soft_delete_restore_and_hard_delete() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    let a = add(&app, &admin, &e, capture_request("033-")).await;
    let id = id_of(&a);
    let reference = reference_to(&app, &e, &a).await;
    let r = app
        .admin_post(&format!("/attributes/delete/{id}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, golden("040-"));
    assert_eq!(reference_deleted(&app, reference).await, Some(true));
    assert_eq!(event_json(&app, &e).await["attribute_count"], "0");
    let view = app.admin_get(&format!("/attributes/view/{id}")).await;
    assert_eq!(view.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(view.json["message"], golden("041-")["message"]);
    assert_eq!(view.json["url"], format!("/attributes/view/{id}"));
    let again = app
        .admin_post(&format!("/attributes/delete/{id}"), json!({}))
        .await;
    assert_eq!(
        (again.status, again.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid attribute"))
    );
    // Restore answers with the attribute itself (MISP redirects to the same view).
    let r = app
        .request(
            Method::POST,
            &format!("/attributes/restore/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("043-"), "restore");
    assert_eq!(r.json["Attribute"]["deleted"], false);
    assert_eq!(event_json(&app, &e).await["attribute_count"], "1");
    // Restore re-checks the duplicate rule.
    app.admin_post(&format!("/attributes/delete/{id}"), json!({}))
        .await;
    let twin = add(
        &app,
        &admin,
        &e,
        json!({"type": "sha1", "value": a["value"]}),
    )
    .await;
    let r = app
        .admin_post(&format!("/attributes/restore/{id}"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["message"], "Could not restore the attribute");
    let r = app
        .admin_post("/attributes/restore/999999", json!({}))
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Invalid Attribute"))
    );
    // Hard delete: of the soft-deleted one by body flag, of the live one by URL.
    let rows = app.count("attributes").await;
    let r = app
        .admin_post(&format!("/attributes/delete/{id}"), json!({"hard": 1}))
        .await;
    assert_eq!(r.json, golden("044-"));
    assert_eq!(
        reference_deleted(&app, reference).await,
        None,
        "references to it go too"
    );
    let twin_id = id_of(&twin);
    let r = app
        .admin_post(&format!("/attributes/delete/{twin_id}/1"), Value::Null)
        .await;
    assert_eq!(r.json, golden("044-"));
    assert_eq!(app.count("attributes").await, rows - 2);
    let view = app.admin_get(&format!("/attributes/view/{twin_id}")).await;
    assert_eq!(view.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(view.json["message"], golden("045-")["message"]);
    let r = delete(&app, &format!("/attributes/{twin_id}"), &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn view_head_and_index() {
    let app = TestApp::spawn().await;
    let admin = app.admin_key.clone();
    let e = event(&app, &admin, 1).await;
    let a = add(&app, &admin, &e, capture_request("033-")).await;
    let id = id_of(&a);
    let event_uuid = event_json(&app, &e).await["uuid"].clone();
    for path in [
        format!("/attributes/view/{id}"),
        format!("/attributes/view/{}", a["uuid"].as_str().unwrap()),
        format!("/attributes/{id}"),
        format!("/attributes/view/{id}.json"),
    ] {
        let r = app.admin_get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_same_shape(&r.json, &golden("046-"), "view");
        assert_eq!(r.json["Attribute"]["event_uuid"], event_uuid);
        assert_eq!(r.json["Attribute"]["value"], a["value"]);
    }
    assert_eq!(
        head(&app, &format!("/attributes/view/{id}"), &admin).await,
        StatusCode::OK
    );
    assert_eq!(
        head(&app, "/attributes/view/999999", &admin).await,
        StatusCode::NOT_FOUND
    );
    let r = app.admin_get("/attributes/view/not-an-id").await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid attribute ID."))
    );
    for i in 0..4 {
        add(
            &app,
            &admin,
            &e,
            json!({"type": "text", "value": format!("t{i}")}),
        )
        .await;
    }
    let r = app.admin_get("/attributes/index").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_same_shape(&r.json[0], &golden("033-")["Attribute"], "index row");
    assert_eq!(r.json.as_array().unwrap().len(), 5);
    let page = |r: &TestResponse| -> Vec<String> {
        r.json.as_array().unwrap().iter().map(id_of).collect()
    };
    let all = page(&app.admin_get("/attributes").await);
    let p2 = page(&app.admin_get("/attributes/index/limit:2/page:2").await);
    assert_eq!(p2, all[2..4]);
}

#[tokio::test]
async fn permissions_other_org_and_read_only() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 3).await;
    let (_, other) = app.add_user("u@other.test", other_org, 3).await;
    let (_, reader) = app.add_user("r@owner.test", owner_org, 6).await;
    let shared = event(&app, &owner, 3).await;
    let private = event(&app, &owner, 0).await;
    let a = add(
        &app,
        &owner,
        &shared,
        json!({"type": "text", "value": "shared"}),
    )
    .await;
    let p = add(
        &app,
        &owner,
        &private,
        json!({"type": "text", "value": "private"}),
    )
    .await;
    let before = app.count("attributes").await;
    let not_yours = (
        StatusCode::FORBIDDEN,
        Some("You do not have permission to do that."),
    );
    let body = json!({"type": "text", "value": "x"});
    let r = app
        .post(&format!("/attributes/add/{shared}"), &other, body.clone())
        .await;
    assert_eq!((r.status, r.json["message"].as_str()), not_yours);
    let r = app
        .post(&format!("/attributes/add/{private}"), &other, body.clone())
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid event"))
    );
    for action in ["edit", "delete", "restore"] {
        let r = app
            .post(
                &format!("/attributes/{action}/{}", id_of(&a)),
                &other,
                json!({"comment": "x"}),
            )
            .await;
        assert_eq!(
            (r.status, r.json["message"].as_str()),
            not_yours,
            "{action}"
        );
    }
    let r = app
        .post(
            &format!("/attributes/edit/{}", id_of(&p)),
            &other,
            json!({"comment": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid attribute"))
    );
    let r = app
        .post(
            &format!("/attributes/delete/{}", id_of(&p)),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(&format!("/attributes/add/{shared}"), &reader, body)
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("You do not have permission to use this functionality.")
        )
    );
    assert_eq!(
        app.count("attributes").await,
        before,
        "refusals change nothing"
    );
    let view = app
        .get(&format!("/attributes/view/{}", id_of(&a)), &other)
        .await;
    assert_eq!(
        view.json["Attribute"]["comment"], "",
        "the refused edit left it alone"
    );
}

/// The attribute read paths of the ACL matrix: in a distribution-3 event of another
/// organisation, a distribution-0 attribute is hidden (view 405, HEAD 404, not in the index)
/// while the distribution-5 one is visible; the owner organisation sees both.
#[tokio::test]
async fn attribute_view_follows_distribution() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 3).await;
    let (_, other) = app.add_user("u@other.test", other_org, 3).await;
    let e = event(&app, &owner, 3).await;
    let hidden = add(
        &app,
        &owner,
        &e,
        json!({"type": "text", "value": "d0", "distribution": 0}),
    )
    .await;
    let inherit = add(
        &app,
        &owner,
        &e,
        json!({"type": "text", "value": "d5", "distribution": 5}),
    )
    .await;
    let hidden_view = format!("/attributes/view/{}", id_of(&hidden));
    let r = app.get(&hidden_view, &other).await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Invalid attribute"))
    );
    assert_eq!(
        head(&app, &hidden_view, &other).await,
        StatusCode::NOT_FOUND
    );
    let by_uuid = format!("/attributes/view/{}", hidden["uuid"].as_str().unwrap());
    assert_eq!(
        app.get(&by_uuid, &other).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let r = app
        .get(&format!("/attributes/view/{}", id_of(&inherit)), &other)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["Attribute"]["value"], "d5");
    let listed = |r: TestResponse| -> Vec<String> {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed(app.get("/attributes/index", &other).await), ["d5"]);
    for key in [&owner, &app.admin_key] {
        assert_eq!(app.get(&hidden_view, key).await.status, StatusCode::OK);
        let mut all = listed(app.get("/attributes/index", key).await);
        all.sort();
        assert_eq!(all, ["d0", "d5"]);
    }
}
