//! Objects and object references through the API (captures 049-054), the object gate, soft and
//! hard delete cascades, permissions, and the store/wire functions event views are built on.

mod common;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cairn::acl::Viewer;
use common::{TestApp, TestResponse, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

const C2_UUID: &str = "c0114078-f7c5-49b1-95c7-5e786eb45126";

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// An event with the C2 ip-dst attribute the captured reference points at; returns its id.
async fn event_with_c2(app: &TestApp, key: &str, distribution: i64) -> String {
    let body = json!({"info": "objects", "distribution": distribution, "Attribute": [
        {"uuid": C2_UUID, "type": "ip-dst", "value": "89.203.249.203", "category": "Network activity"}]});
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id_of(&r.json["Event"])
}

async fn add_object(app: &TestApp, key: &str, event: &str, body: Value) -> Value {
    let r = app.post(&format!("/objects/add/{event}"), key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Object"].clone()
}

/// A small object of `distribution` whose attributes have the given distributions.
fn object(name: &str, distribution: i64, attrs: &[(&str, i64)]) -> Value {
    let attrs: Vec<Value> = attrs
        .iter()
        .map(|(v, d)| json!({"object_relation": "text", "type": "text", "value": v, "distribution": d}))
        .collect();
    json!({"name": name, "meta-category": "misc", "distribution": distribution, "Attribute": attrs})
}

async fn head(app: &TestApp, path: &str, key: &str) -> StatusCode {
    let req = Request::head(path)
        .header("Authorization", key)
        .body(Body::empty())
        .unwrap();
    app.send(req).await.status
}

async fn event_json(app: &TestApp, id: &str) -> Value {
    app.admin_get(&format!("/events/view/{id}")).await.json["Event"].clone()
}

fn assert_error(r: &TestResponse, status: StatusCode, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["message"], message, "{}", r.text);
}

async fn trees_of(app: &TestApp, event: &str) -> Vec<cairn::objects::ObjectTree> {
    cairn::objects::store::of_event(app.state.db.ex(), event.parse().unwrap(), true)
        .await
        .unwrap()
}

/// An admin event with the C2 attribute and the captured file object; (event id, object).
async fn event_with_file(app: &TestApp) -> (String, Value) {
    let key = app.admin_key.clone();
    let event = event_with_c2(app, &key, 1).await;
    let file = add_object(app, &key, &event, capture_request("049-")).await;
    (event, file)
}

#[tokio::test]
async fn file_object_add_matches_misp() {
    let app = TestApp::spawn().await;
    let event = event_with_c2(&app, &app.admin_key.clone(), 1).await;
    let r = app
        .admin_post(&format!("/objects/add/{event}"), capture_request("049-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let misp = golden("049-");
    assert_same_shape(&r.json, &misp, "object add");
    let (o, m) = (&r.json["Object"], &misp["Object"]);
    for k in [
        "name",
        "meta-category",
        "description",
        "template_uuid",
        "template_version",
        "uuid",
        "distribution",
        "sharing_group_id",
        "comment",
        "deleted",
        "first_seen",
    ] {
        assert_eq!(o[k], m[k], "{k}");
    }
    assert_eq!(o["event_id"], event.as_str());
    let (ours, theirs) = (
        o["Attribute"].as_array().unwrap(),
        m["Attribute"].as_array().unwrap(),
    );
    assert_eq!(ours.len(), 4);
    for (ours, theirs) in ours.iter().zip(theirs) {
        assert_eq!(ours["object_id"], o["id"]);
        for k in [
            "object_relation",
            "category",
            "type",
            "value1",
            "value",
            "to_ids",
            "uuid",
            "disable_correlation",
        ] {
            assert_eq!(ours[k], theirs[k], "{k}");
        }
    }
    let e = event_json(&app, &event).await;
    assert_eq!(e["attribute_count"], "5", "object attributes are counted");
}

#[tokio::test]
async fn object_view_and_head_match_misp() {
    let app = TestApp::spawn().await;
    let key = app.admin_key.clone();
    let (event, file) = event_with_file(&app).await;
    let id = id_of(&file);
    for path in [
        format!("/objects/view/{id}"),
        format!("/objects/view/{}", file["uuid"].as_str().unwrap()),
    ] {
        let v = app.admin_get(&path).await;
        assert_eq!(v.status, StatusCode::OK, "{path}");
        assert_same_shape(&v.json, &golden("050-"), "object view");
        assert_eq!(v.json["Object"]["Event"]["id"], event.as_str());
        assert_eq!(v.json["Object"]["Attribute"].as_array().unwrap().len(), 4);
        assert_eq!(v.json["Object"]["Attribute"][0]["AttributeTag"], json!([]));
    }
    let path = format!("/objects/view/{id}");
    assert_eq!(head(&app, &path, &key).await, StatusCode::OK);
    assert_eq!(
        head(&app, "/objects/view/999999", &key).await,
        StatusCode::NOT_FOUND
    );
    for missing in ["/objects/view/999999", "/objects/view/nope"] {
        let r = app.admin_get(missing).await;
        assert_error(&r, StatusCode::NOT_FOUND, "Invalid object.");
    }
}

#[tokio::test]
async fn reference_add_matches_misp_and_resolves_targets() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let key = app.admin_key.clone();
    let domain_ip = add_object(&app, &key, &event, capture_request("052-")).await;
    app.admin_post(&format!("/events/publish/{event}"), json!({}))
        .await;
    let body = capture_request("051-");
    let r = app.admin_post("/objectReferences/add", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("051-"), "reference add");
    let reference = &r.json["ObjectReference"];
    let c2_id = id_of(&event_json(&app, &event).await["Attribute"][0]);
    assert_eq!(reference["referenced_id"], c2_id.as_str());
    assert_eq!(reference["referenced_type"], "0");
    assert_eq!(reference["object_id"], file["id"]);
    assert_eq!(reference["source_uuid"], file["uuid"]);
    assert_eq!(reference["object_uuid"], file["uuid"]);
    assert_eq!(
        reference["uuid"], body["uuid"],
        "a fresh client uuid is kept"
    );
    for k in ["relationship_type", "comment", "referenced_uuid"] {
        assert_eq!(reference[k], body[k]);
    }
    assert_eq!(event_json(&app, &event).await["published"], false);
    // The object in the path, an object as the target.
    let path = format!("/object_references/add/{}", id_of(&file));
    let to_object = json!({"referenced_uuid": domain_ip["uuid"], "relationship_type": "drops"});
    let r = app.admin_post(&path, to_object).await;
    assert_eq!(
        r.json["ObjectReference"]["referenced_type"], "1",
        "{}",
        r.text
    );
    let elsewhere = json!({"referenced_uuid": "6d722af0-2603-4a47-93f4-2033f17e1303"});
    assert_error(
        &app.admin_post(&path, elsewhere).await,
        StatusCode::NOT_FOUND,
        "Invalid target.",
    );
    let target = json!({"referenced_uuid": C2_UUID});
    let r = app
        .admin_post("/object_references/add", target.clone())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "No object defined.");
    let r = app
        .admin_post("/object_references/add/999999", target)
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Invalid object.");
    assert_eq!(app.count("object_references").await, 2);
}

#[tokio::test]
async fn reference_delete_soft_then_hard() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let link = json!({"object_uuid": file["uuid"], "referenced_uuid": C2_UUID});
    let r = app.admin_post("/object_references/add", link).await;
    let ref_id = id_of(&r.json["ObjectReference"]);
    app.admin_post(&format!("/events/publish/{event}"), json!({}))
        .await;
    let r = app
        .admin_post(&format!("/objectReferences/delete/{ref_id}"), json!({}))
        .await;
    let expected = json!({"saved": true, "success": true, "name": "ObjectReference deleted",
        "message": "ObjectReference deleted", "url": format!("/object_references/delete/{ref_id}"), "id": ref_id});
    assert_eq!(r.json, expected);
    assert!(
        trees_of(&app, &event).await[0].references[0]
            .reference
            .deleted
    );
    assert_eq!(event_json(&app, &event).await["published"], false);
    let r = app
        .admin_post(
            &format!("/object_references/delete/{ref_id}/true"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.count("object_references").await, 0);
    let r = app
        .admin_post(&format!("/object_references/delete/{ref_id}"), json!({}))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Invalid object reference.");
}

#[tokio::test]
async fn soft_delete_cascades_to_attributes_and_references() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let key = app.admin_key.clone();
    let scratch = add_object(&app, &key, &event, capture_request("052-")).await;
    let link = json!({"object_uuid": file["uuid"], "referenced_uuid": scratch["uuid"]});
    assert_eq!(
        app.admin_post("/object_references/add", link).await.status,
        StatusCode::OK
    );
    let id = id_of(&scratch);
    let r = app
        .admin_post(&format!("/objects/delete/{id}"), json!({}))
        .await;
    let mut expected = golden("053-");
    expected["url"] = format!("/objects/delete/{event}").into();
    expected["id"] = event.clone().into();
    assert_eq!(r.json, expected, "the envelope names the event, as MISP's");
    let v = app.admin_get(&format!("/objects/view/{id}")).await;
    assert_same_shape(&v.json, &golden("054-"), "deleted object view");
    assert_eq!(v.json["Object"]["deleted"], true);
    assert!(v.json["Object"].get("Attribute").is_none(), "{}", v.text);
    let trees = trees_of(&app, &event).await;
    let deleted = trees
        .iter()
        .find(|t| t.object.id.to_string() == id)
        .unwrap();
    assert_eq!(deleted.attributes.len(), 2);
    assert!(deleted.attributes.iter().all(|a| a.deleted));
    assert!(
        trees[0].references[0].reference.deleted,
        "references to it too"
    );
    assert_eq!(event_json(&app, &event).await["attribute_count"], "5");
    let live = cairn::objects::store::of_event(app.state.db.ex(), event.parse().unwrap(), false);
    assert_eq!(
        live.await.unwrap().len(),
        1,
        "hidden unless deleted ones are asked for"
    );
}

#[tokio::test]
async fn hard_delete_removes_rows() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let key = app.admin_key.clone();
    let scratch = add_object(&app, &key, &event, capture_request("052-")).await;
    let link =
        json!({"object_uuid": file["uuid"], "referenced_uuid": scratch["Attribute"][0]["uuid"]});
    assert_eq!(
        app.admin_post("/object_references/add", link).await.status,
        StatusCode::OK
    );
    let (objects, attributes) = (app.count("objects").await, app.count("attributes").await);
    let r = app
        .admin_post(&format!("/objects/delete/{}/1", id_of(&scratch)), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.count("object_references").await,
        0,
        "references to its attributes go"
    );
    let r = app
        .admin_post(
            &format!("/objects/delete/{}", id_of(&file)),
            json!({"hard": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.count("objects").await, objects - 2);
    assert_eq!(app.count("attributes").await, attributes - 6);
    assert_eq!(event_json(&app, &event).await["attribute_count"], "1");
    let r = app
        .admin_get(&format!("/objects/view/{}", id_of(&file)))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Invalid object.");
}

/// OrgA's event (distribution 3) with an object of distribution 0, one whose second attribute
/// is distribution 0, one whose only attribute is; and a reference into the hidden object.
struct Gate {
    app: TestApp,
    org_a: i64,
    org_b: i64,
    owner: String,
    other: String,
    event: String,
    hidden: Value,
    mixed: Value,
}

async fn gate() -> Gate {
    let app = TestApp::spawn().await;
    let (org_a, org_b) = (app.add_org("OrgA").await, app.add_org("OrgB").await);
    let (_, owner) = app.add_user("a@orga.test", org_a, 3).await;
    let (_, other) = app.add_user("b@orgb.test", org_b, 3).await;
    let event = event_with_c2(&app, &owner, 3).await;
    let hidden = add_object(&app, &owner, &event, object("hidden", 0, &[("secret", 5)])).await;
    let mixed = object("mixed", 5, &[("open", 5), ("closed", 0)]);
    let mixed = add_object(&app, &owner, &event, mixed).await;
    add_object(
        &app,
        &owner,
        &event,
        object("closed", 5, &[("only-org", 0)]),
    )
    .await;
    let link =
        json!({"object_uuid": mixed["uuid"], "referenced_uuid": hidden["Attribute"][0]["uuid"]});
    assert_eq!(
        app.post("/object_references/add", &owner, link)
            .await
            .status,
        StatusCode::OK
    );
    Gate {
        app,
        org_a,
        org_b,
        owner,
        other,
        event,
        hidden,
        mixed,
    }
}

#[tokio::test]
async fn the_object_gate_in_object_views() {
    let g = gate().await;
    let path = format!("/objects/view/{}", id_of(&g.hidden));
    assert_error(
        &g.app.get(&path, &g.other).await,
        StatusCode::NOT_FOUND,
        "Invalid object.",
    );
    assert_eq!(head(&g.app, &path, &g.other).await, StatusCode::NOT_FOUND);
    assert_eq!(g.app.get(&path, &g.owner).await.status, StatusCode::OK);
    let path = format!("/objects/view/{}", id_of(&g.mixed));
    let values = |r: TestResponse| -> Vec<String> {
        let attrs = r.json["Object"]["Attribute"].as_array().unwrap().clone();
        attrs
            .iter()
            .map(|a| a["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(values(g.app.get(&path, &g.other).await), ["open"]);
    assert_eq!(values(g.app.get(&path, &g.owner).await), ["open", "closed"]);
}

#[tokio::test]
async fn the_object_gate_in_event_documents() {
    let g = gate().await;
    let id = cairn::wire::IdRef::Id(g.event.parse().unwrap());
    let e = cairn::events::store::find(g.app.state.db.ex(), &id)
        .await
        .unwrap()
        .unwrap();
    let trees = cairn::objects::store::of_event(g.app.state.db.ex(), e.id, false)
        .await
        .unwrap();
    let seen = |v: &Viewer| -> Vec<Value> {
        let tags = HashMap::new();
        trees
            .iter()
            .filter_map(|t| cairn::objects::wire(t, v, &e.acl(), &tags))
            .collect()
    };
    let b = Viewer {
        user_id: 0,
        org_id: g.org_b,
        site_admin: false,
        sg_ids: vec![],
    };
    let by_b = seen(&b);
    assert_eq!(by_b.len(), 1, "only the object with a visible attribute");
    assert_eq!(by_b[0]["name"], "mixed");
    assert_eq!(by_b[0]["Attribute"].as_array().unwrap().len(), 1);
    let target = &by_b[0]["ObjectReference"][0]["Attribute"];
    assert_eq!(target["value"], "", "a hidden target is not summarised");
    assert_eq!(target["category"], "Attribute from another event");
    let by_a = seen(&Viewer {
        org_id: g.org_a,
        ..b
    });
    assert_eq!(by_a.len(), 3, "the owner organisation sees everything");
    assert_eq!(
        by_a[1]["ObjectReference"][0]["Attribute"]["value"],
        "secret"
    );
}

/// OrgA's owner and read-only users, an OrgB user, OrgA's events of distribution 3 and 0
/// with one object each: (app, [owner, reader, other], [shared, private], [object ids]).
async fn two_orgs() -> (TestApp, [String; 3], [String; 2], [String; 2]) {
    let app = TestApp::spawn().await;
    let (org_a, org_b) = (app.add_org("OrgA").await, app.add_org("OrgB").await);
    let (_, owner) = app.add_user("a@orga.test", org_a, 3).await;
    let (_, reader) = app.add_user("ro@orga.test", org_a, 6).await;
    let (_, other) = app.add_user("b@orgb.test", org_b, 3).await;
    let shared = event_with_c2(&app, &owner, 3).await;
    let private = json!({"info": "p", "distribution": 0});
    let private = id_of(&app.post("/events/add", &owner, private).await.json["Event"]);
    let o = id_of(&add_object(&app, &owner, &shared, object("o", 5, &[("x", 5)])).await);
    let p = id_of(&add_object(&app, &owner, &private, object("p", 5, &[("y", 5)])).await);
    (app, [owner, reader, other], [shared, private], [o, p])
}

#[tokio::test]
async fn permissions_answer_403_for_visible_and_404_for_hidden() {
    let (app, [_, reader, other], [shared, private], [o, p]) = two_orgs().await;
    let counts = (app.count("objects").await, app.count("attributes").await);
    let body = object("theirs", 5, &[("z", 5)]);
    let cases = [
        (
            &other,
            format!("/objects/add/{shared}"),
            StatusCode::FORBIDDEN,
            "You do not have permission to do that.",
        ),
        (
            &other,
            format!("/objects/add/{private}"),
            StatusCode::NOT_FOUND,
            "Invalid event.",
        ),
        (
            &reader,
            format!("/objects/add/{shared}"),
            StatusCode::FORBIDDEN,
            "You do not have permission to use this functionality.",
        ),
        (
            &other,
            format!("/objects/edit/{o}"),
            StatusCode::FORBIDDEN,
            "Insufficient permissions to edit this object.",
        ),
        (
            &other,
            format!("/objects/delete/{o}"),
            StatusCode::FORBIDDEN,
            "You do not have permission to do that.",
        ),
        (
            &other,
            format!("/objects/edit/{p}"),
            StatusCode::NOT_FOUND,
            "Invalid object.",
        ),
        (
            &other,
            format!("/objects/delete/{p}"),
            StatusCode::NOT_FOUND,
            "Invalid object.",
        ),
    ];
    for (key, path, status, message) in cases {
        assert_error(&app.post(&path, key, body.clone()).await, status, message);
    }
    assert_eq!(
        (app.count("objects").await, app.count("attributes").await),
        counts
    );
}

#[tokio::test]
async fn reference_permissions() {
    let app = TestApp::spawn().await;
    let (org_a, org_b) = (app.add_org("OrgA").await, app.add_org("OrgB").await);
    let (_, owner) = app.add_user("a@orga.test", org_a, 3).await;
    let (_, other) = app.add_user("b@orgb.test", org_b, 3).await;
    let event = event_with_c2(&app, &owner, 3).await;
    let o = add_object(&app, &owner, &event, object("o", 5, &[("x", 5)])).await;
    let link = json!({"object_uuid": o["uuid"], "referenced_uuid": C2_UUID});
    let r = app
        .post("/object_references/add", &other, link.clone())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Invalid object.");
    let r = app.post("/object_references/add", &owner, link).await;
    let path = format!(
        "/object_references/delete/{}",
        id_of(&r.json["ObjectReference"])
    );
    let r = app.post(&path, &other, json!({})).await;
    assert_error(&r, StatusCode::FORBIDDEN, "Invalid object reference.");
    assert_eq!(app.count("object_references").await, 1);
}

#[tokio::test]
async fn invalid_attributes_refuse_the_whole_object() {
    let app = TestApp::spawn().await;
    let event = event_with_c2(&app, &app.admin_key.clone(), 1).await;
    let path = format!("/objects/add/{event}");
    let counts = (app.count("objects").await, app.count("attributes").await);
    let mut bad_ip = capture_request("052-");
    bad_ip["Attribute"][1]["value"] = json!("999.1.1.1");
    let r = app.admin_post(&path, bad_ip).await;
    assert_error(&r, StatusCode::FORBIDDEN, "Could not add Object");
    assert_eq!(r.json["saved"], false);
    let errors = r.json["errors"].as_str().unwrap();
    let expected = "Could not save object as at least one attribute has failed validation (ip). {\"value\":[\"IP address has an invalid format.\"]}";
    assert_eq!(errors, expected);
    // PHP's json_encode escapes slashes inside the text.
    let hex = json!({"name": "h", "Attribute": [{"object_relation": "h", "type": "hex", "value": "xyz"}]});
    let r = app.admin_post(&path, hex).await;
    let errors = r.json["errors"].as_str().unwrap_or_default();
    assert!(
        errors.contains("(h). {\"value\":[\"Value not in the right type\\/format."),
        "{errors}"
    );
    let cases = [
        (
            json!({"name": "e", "Attribute": []}),
            "Could not save the object as no attributes were set.",
        ),
        (
            json!({"name": "x", "Attribute": [{"type": "text", "value": "v"}]}),
            "Could not save object as at least one attribute has failed validation (No object_relation). {\"object_relation\":[\"Object attribute sent, but no object_relation set.\"]}",
        ),
        (
            json!({"Attribute": [{"object_relation": "a", "type": "text", "value": "v"}]}),
            "Object could not be saved.\nname: Mandatory field not set.",
        ),
        (
            object("sg", 4, &[("v", 5)]),
            "Object could not be saved.\nsharing_group_id: Invalid Sharing Group or not authorised.",
        ),
    ];
    for (body, errors) in cases {
        let r = app.admin_post(&path, body).await;
        assert_eq!(
            (r.status, r.json["errors"].as_str()),
            (StatusCode::FORBIDDEN, Some(errors))
        );
    }
    assert_eq!(
        (app.count("objects").await, app.count("attributes").await),
        counts
    );
}

#[tokio::test]
async fn taken_uuids_and_duplicates_are_refused() {
    let app = TestApp::spawn().await;
    let event = event_with_c2(&app, &app.admin_key.clone(), 1).await;
    let path = format!("/objects/add/{event}");
    add_object(
        &app,
        &app.admin_key.clone(),
        &event,
        capture_request("052-"),
    )
    .await;
    let counts = (app.count("objects").await, app.count("attributes").await);
    let r = app.admin_post(&path, capture_request("052-")).await;
    let taken = "Object could not be saved.\nuuid: The UUID provided is not unique";
    assert_eq!(
        (r.status, r.json["errors"].as_str()),
        (StatusCode::FORBIDDEN, Some(taken))
    );
    let mut again = capture_request("052-");
    again["uuid"] = json!("8a6a1e2a-6a2b-4b0e-9d4e-2b1f4f6b9a01");
    let r = app.admin_post(&path, again.clone()).await;
    assert!(
        r.json["errors"]
            .as_str()
            .unwrap()
            .contains("(domain). {\"uuid\":"),
        "{}",
        r.text
    );
    for a in again["Attribute"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("uuid");
    }
    let r = app
        .admin_post(&format!("{path}/breakOnDuplicate:1"), again.clone())
        .await;
    let errors = r.json["errors"].as_str().unwrap_or_default();
    assert!(
        errors.contains("Duplicate object found (id: "),
        "{}",
        r.text
    );
    assert_eq!(
        (app.count("objects").await, app.count("attributes").await),
        counts
    );
    let r = app.admin_post(&path, again).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "without the flag a duplicate is accepted"
    );
}

#[tokio::test]
async fn edit_merges_attributes_by_uuid() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let id = id_of(&file);
    app.admin_post(&format!("/events/publish/{event}"), json!({}))
        .await;
    // What PyMISP sends back: the viewed object, changed; size-in-bytes dropped, one added.
    let mut body = app.admin_get(&format!("/objects/view/{id}")).await.json["Object"].clone();
    body["comment"] = json!("edited");
    let attrs = body["Attribute"].as_array_mut().unwrap();
    attrs[1]["comment"] = json!("the md5");
    attrs[1].as_object_mut().unwrap().remove("timestamp");
    attrs.pop();
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    attrs.push(json!({"object_relation": "sha1", "type": "sha1", "value": sha1}));
    let r = app.admin_post(&format!("/objects/edit/{id}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = &r.json["Object"];
    assert_eq!(
        (&o["comment"], &r.json["Event"]["id"]),
        (&json!("edited"), &json!(event))
    );
    let summary: Vec<(&str, &str)> = o["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["object_relation"].as_str().unwrap(),
                a["comment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("filename", ""),
            ("md5", "the md5"),
            ("sha256", ""),
            ("sha1", "")
        ]
    );
    let trees = trees_of(&app, &event).await;
    let relation = |r: &str| {
        trees[0]
            .attributes
            .iter()
            .find(|a| a.object_relation.as_deref() == Some(r))
            .unwrap()
    };
    assert!(
        relation("size-in-bytes").deleted,
        "left out of the list: soft-deleted"
    );
    let untouched = file["Attribute"][0]["timestamp"].as_str().unwrap();
    assert_eq!(relation("filename").timestamp.to_string(), untouched);
    let e = event_json(&app, &event).await;
    assert_eq!(
        (e["published"].as_bool(), e["attribute_count"].as_str()),
        (Some(false), Some("5"))
    );
}

#[tokio::test]
async fn edit_can_delete_and_refuses_bad_attributes() {
    let app = TestApp::spawn().await;
    let (event, file) = event_with_file(&app).await;
    let path = format!("/objects/edit/{}", id_of(&file));
    let bad =
        json!({"Attribute": [{"type": "ip-dst", "value": "999.1.1.1", "object_relation": "ip"}]});
    assert_error(
        &app.admin_post(&path, bad).await,
        StatusCode::FORBIDDEN,
        "Could not edit Object",
    );
    assert_eq!(
        event_json(&app, &event).await["attribute_count"],
        "5",
        "nothing changed"
    );
    let r = app
        .admin_post(&path, json!({"Object": {"deleted": true}}))
        .await;
    assert_eq!(r.json["Object"]["deleted"], true, "{}", r.text);
    assert_eq!(r.json["Object"]["Attribute"], json!([]));
    assert_eq!(event_json(&app, &event).await["attribute_count"], "1");
}

/// The captured file object referencing the C2 attribute, the domain-ip object and an unknown
/// uuid, stored with the domain-ip object through `insert_objects` (twice: the second changes
/// nothing).
async fn store_objects(app: &TestApp, event_id: i64) {
    let mut file = capture_request("049-");
    let domain_ip = capture_request("052-");
    file["ObjectReference"] = json!([
        {"referenced_uuid": C2_UUID, "relationship_type": "communicates-with", "comment": "dropper beacons to C2"},
        {"referenced_uuid": domain_ip["uuid"], "relationship_type": "drops"},
        {"referenced_uuid": "6d722af0-2603-4a47-93f4-2033f17e1303", "relationship_type": "nowhere"}]);
    let objects: Vec<_> = [file, domain_ip]
        .into_iter()
        .map(|v| cairn::objects::parse(v.as_object().unwrap().clone()).unwrap())
        .collect();
    let mut tx = app.state.db.begin().await.unwrap();
    for _ in 0..2 {
        cairn::objects::store::insert_objects(tx.ex(), event_id, &objects, 1_795_812_665)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn stored_objects_render_inside_events_as_misp() {
    let app = TestApp::spawn().await;
    let event = event_with_c2(&app, &app.admin_key.clone(), 1).await;
    let event_id: i64 = event.parse().unwrap();
    store_objects(&app, event_id).await;
    assert_eq!(
        (app.count("objects").await, app.count("attributes").await),
        (2, 7)
    );
    let trees = trees_of(&app, &event).await;
    assert_eq!(
        trees[0].references.len(),
        2,
        "the unresolvable reference is skipped"
    );
    let id = cairn::wire::IdRef::Id(event_id);
    let e = cairn::events::store::find(app.state.db.ex(), &id)
        .await
        .unwrap()
        .unwrap();
    let admin = Viewer {
        user_id: 1,
        org_id: 1,
        site_admin: true,
        sg_ids: vec![],
    };
    let wired = cairn::objects::wire(&trees[0], &admin, &e.acl(), &HashMap::new()).unwrap();
    let misp = &golden("070-")["Event"]["Object"][0];
    assert_same_shape(&wired, misp, "Event.Object[]");
    let r = &wired["ObjectReference"];
    assert_eq!(r[0]["Attribute"], misp["ObjectReference"][0]["Attribute"]);
    assert_eq!(r[0]["comment"], "dropper beacons to C2");
    assert_eq!(r[1]["referenced_type"], "1");
    let keys: Vec<&String> = r[1]["Object"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "distribution",
            "sharing_group_id",
            "uuid",
            "name",
            "meta-category"
        ]
    );
    assert_eq!(r[1]["Object"]["name"], "domain-ip");
    // The attributes are MISP's, but for the ids this database gave them.
    let expected: Vec<Value> = misp["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&trees[0].attributes)
        .map(|(a, ours)| {
            let mut a = a.clone();
            a["id"] = ours.id.to_string().into();
            a["event_id"] = event.clone().into();
            a["object_id"] = ours.object_id.to_string().into();
            a
        })
        .collect();
    assert_eq!(wired["Attribute"], Value::Array(expected));
}

#[tokio::test]
async fn attribute_tags_show_in_views_and_event_documents() {
    let app = TestApp::spawn().await;
    let event = event_with_c2(&app, &app.admin_key.clone(), 1).await;
    let mut body = object("tagged", 5, &[("v", 5)]);
    body["Attribute"][0]["Tag"] =
        json!([{"name": "tlp:green"}, {"name": "golden:local", "local": true}]);
    let o = add_object(&app, &app.admin_key.clone(), &event, body).await;
    let v = app.admin_get(&format!("/objects/view/{}", id_of(&o))).await;
    let links = &v.json["Object"]["Attribute"][0]["AttributeTag"];
    assert_eq!(links.as_array().unwrap().len(), 2, "{}", v.text);
    let keys: Vec<&String> = links[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "attribute_id",
            "event_id",
            "tag_id",
            "local",
            "relationship_type",
            "Tag"
        ]
    );
    assert_eq!(links[0]["attribute_id"], o["Attribute"][0]["id"]);
    assert_eq!(
        (
            links[0]["Tag"]["name"].as_str(),
            links[1]["local"].as_bool()
        ),
        (Some("tlp:green"), Some(true))
    );
    let id = cairn::wire::IdRef::Id(event.parse().unwrap());
    let e = cairn::events::store::find(app.state.db.ex(), &id)
        .await
        .unwrap()
        .unwrap();
    let trees = cairn::objects::store::of_event(app.state.db.ex(), e.id, false)
        .await
        .unwrap();
    let tags = cairn::tags::store::of_event_attributes(app.state.db.ex(), e.id)
        .await
        .unwrap();
    let admin = Viewer {
        user_id: 1,
        org_id: 1,
        site_admin: true,
        sg_ids: vec![],
    };
    let wired = cairn::objects::wire(&trees[0], &admin, &e.acl(), &tags).unwrap();
    assert_eq!(wired["Attribute"][0]["Tag"][0]["name"], "tlp:green");
}
