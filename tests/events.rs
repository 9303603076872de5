//! Events through the API: add, view, index, delete, publish, with MISP's shapes and errors.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

#[tokio::test]
async fn add_and_view_the_golden_event() {
    let app = TestApp::spawn().await;
    let body = capture_request("017-");
    let r = app.admin_post("/events/add", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let misp = golden("017-");
    assert_same_shape(&r.json, &misp, "event add");
    let e = &r.json["Event"];
    assert_eq!(e["info"], body["info"]);
    assert_eq!(e["uuid"], body["uuid"]);
    assert_eq!(e["distribution"], "1");
    assert_eq!(e["threat_level_id"], "2");
    assert_eq!(e["analysis"], "1");
    assert_eq!(e["published"], false);
    assert_eq!(e["attribute_count"], "9");
    let values: Vec<&str> = e["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = misp["Event"]["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, expected);
    assert_eq!(e["Attribute"][0]["distribution"], "5");
    assert_eq!(e["Attribute"][0]["comment"], "C2 server");
    assert_eq!(e["Tag"][0]["name"], "tlp:green");
    assert_eq!(e["Tag"][0]["local"], false);
    let id = e["id"].as_str().unwrap().to_string();
    for path in [
        format!("/events/view/{id}"),
        format!("/events/view/{}", body["uuid"].as_str().unwrap()),
        format!("/events/{id}"),
    ] {
        let v = app.admin_get(&path).await;
        assert_eq!(v.status, StatusCode::OK, "{path}");
        assert_same_shape(&v.json, &golden("018-"), "event view");
        assert_eq!(v.json["Event"]["Attribute"], e["Attribute"]);
    }
    // The same uuid again: MISP's 404 with the existing event's location.
    let r = app.admin_post("/events/add", body).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["message"], golden("026-")["message"]);
    assert!(
        r.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/events/{id}"))
    );
}

#[tokio::test]
async fn event_validation_errors() {
    let app = TestApp::spawn().await;
    let before = app.count("events").await;
    let r = app.admin_post("/events/add", capture_request("135-")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json, golden("135-"));
    for (body, field) in [
        (json!({"info": "x", "date": "yesterday"}), "date"),
        (
            json!({"info": "x", "threat_level_id": "9"}),
            "threat_level_id",
        ),
        (json!({"info": "x", "analysis": "7"}), "analysis"),
        (json!({"info": "x", "distribution": "5"}), "distribution"),
        (json!({"info": "x", "uuid": "nope"}), "uuid"),
    ] {
        let r = app.admin_post("/events/add", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            r.json["errors"]["Event"][field].is_array(),
            "{body}: {}",
            r.text
        );
    }
    let r = app
        .admin_post(
            "/events/add",
            json!({"info": "x", "distribution": 4, "sharing_group_id": 77}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Some("Invalid Sharing Group or not authorised.")
        )
    );
    let r = app
        .admin_post("/events/add", json!({"info": "empty", "published": true}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("events").await, before);
    // Invalid attributes are skipped; the event is created with the valid ones.
    let r = app.admin_post("/events/add", json!({"info": "x", "Attribute": [
        {"type": "ip-dst", "value": "999.1.1.1"}, {"type": "ip-dst", "value": "192.0.2.1"}, {"type": "nonsense", "value": "a"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["Event"]["attribute_count"], "1");
}

#[tokio::test]
async fn view_head_and_missing_events() {
    let app = TestApp::spawn().await;
    let r = app.admin_get("/events/view/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json, golden("027-"));
    let id = app
        .admin_post("/events/add", json!({"info": "head"}))
        .await
        .json["Event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let head = |path: String| {
        Request::head(path)
            .header("Authorization", app.admin_key.clone())
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(head(format!("/events/view/{id}"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(head("/events/view/999999".into())).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.admin_get("/events/view/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn index_filters_and_paging() {
    let app = TestApp::spawn().await;
    for (info, published) in [
        ("alpha phishing", false),
        ("beta ransomware", false),
        ("gamma phishing", false),
    ] {
        let r = app.admin_post("/events/add", json!({"info": info, "Attribute": [{"type": "text", "value": info}], "Tag": [{"name": format!("t:{}", &info[..1])}]})).await;
        assert_eq!(r.status, StatusCode::OK);
        if published {
            unreachable!();
        }
    }
    let r = app.admin_get("/events/index").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_same_shape(&r.json, &golden("021-"), "index");
    assert_eq!(r.json.as_array().unwrap().len(), 3);
    assert_eq!(r.headers["x-result-count"], "3");
    let infos = |r: &common::TestResponse| -> Vec<String> {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["info"].as_str().unwrap().to_string())
            .collect()
    };
    let r = app
        .admin_post("/events/index", json!({"eventinfo": "phishing"}))
        .await;
    assert_eq!(infos(&r), ["alpha phishing", "gamma phishing"]);
    let r = app
        .admin_post("/events/index", json!({"searcheventinfo": "!phishing"}))
        .await;
    assert_eq!(infos(&r), ["beta ransomware"]);
    let r = app
        .admin_post("/events/index", json!({"tags": ["t:b"]}))
        .await;
    assert_eq!(infos(&r), ["beta ransomware"]);
    let r = app
        .admin_post("/events/index", json!({"tags": ["!t:b"]}))
        .await;
    assert_eq!(infos(&r).len(), 2);
    let r = app
        .admin_post(
            "/events/index",
            json!({"sort": "info", "direction": "desc", "limit": 2, "page": 1}),
        )
        .await;
    assert_eq!(infos(&r), ["gamma phishing", "beta ransomware"]);
    assert_eq!(r.headers["x-result-count"], "3");
    let r = app
        .admin_get("/events/index/sort:info/direction:asc/limit:1/page:3")
        .await;
    assert_eq!(infos(&r), ["gamma phishing"]);
    // A sort column that is not whitelisted is ignored, never put into SQL.
    let r = app
        .admin_post(
            "/events/index",
            json!({"sort": "id; DROP TABLE events", "limit": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.count("events").await, 3);
    let r = app
        .admin_post("/events/index", json!({"published": true}))
        .await;
    assert!(r.json.as_array().unwrap().is_empty());
    let r = app
        .admin_post("/events/index", json!({"timestamp": "5x"}))
        .await;
    assert!(
        r.json.as_array().unwrap().is_empty(),
        "an unparseable time filter matches nothing"
    );
    let r = app
        .admin_post("/events/index", json!({"timestamp": "1d", "minimal": true}))
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 3);
    assert_eq!(
        r.json[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "timestamp",
            "sighting_timestamp",
            "published",
            "uuid",
            "orgc_uuid"
        ]
    );
}

#[tokio::test]
async fn publish_unpublish_and_delete() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("user@orgb.test", org, 3).await;
    let (_, publisher) = app.add_user("publisher@orgb.test", org, 4).await;
    let r = app.post("/events/add", &user, json!({"info": "B", "distribution": 3, "Attribute": [{"type": "domain", "value": "example.com"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json["Event"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json["Event"]["orgc_id"], org.to_string());
    let r = app
        .post(&format!("/events/publish/{id}"), &user, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["message"], golden("138-")["message"]);
    let r = app
        .request(
            Method::POST,
            &format!("/events/publish/{id}"),
            Some(&publisher),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], "Event published without alerts");
    let v = app.get(&format!("/events/view/{id}"), &user).await;
    assert_eq!(v.json["Event"]["published"], true);
    assert_ne!(v.json["Event"]["publish_timestamp"], "0");
    // The site admin's org did not create the event, but the site admin may publish anything;
    // a publisher of another org may not.
    let c = app.add_org("OrgC").await;
    let (_, c_pub) = app.add_user("publisher@orgc.test", c, 4).await;
    assert_eq!(
        app.post(&format!("/events/publish/{id}"), &c_pub, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(&format!("/events/unpublish/{id}"), &user, json!({}))
        .await;
    assert_eq!(r.json["message"], "Event unpublished.");
    assert_eq!(
        app.get(&format!("/events/view/{id}"), &user).await.json["Event"]["published"],
        false
    );
    // Another org cannot delete it; the owner can, once; the uuid is then blocked.
    let r = app
        .post(&format!("/events/delete/{id}"), &c_pub, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let uuid = v.json["Event"]["uuid"].as_str().unwrap().to_string();
    let r = app
        .request(
            Method::DELETE,
            &format!("/events/delete/{id}"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("031-"), "delete");
    assert_eq!(r.json["message"], "Event deleted.");
    let r = app
        .post(&format!("/events/delete/{id}"), &user, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["errors"], "Event was not deleted.");
    assert_eq!(
        app.count("attributes").await,
        0,
        "children go with the event"
    );
    let r = app
        .post("/events/add", &user, json!({"info": "again", "uuid": uuid}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["message"], "Event blocked by event blocklist.");
}

#[tokio::test]
async fn edit_merges_as_misp_does() {
    let app = TestApp::spawn().await;
    let added = app.admin_post("/events/add", capture_request("017-")).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let before = added.json["Event"].clone();
    let uuid = before["uuid"].as_str().unwrap().to_string();
    // PyMISP's partial edit (capture 020): new info, one new attribute, nothing else.
    let r = app
        .admin_post(&format!("/events/edit/{uuid}"), capture_request("020-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("020-"), "edit");
    let e = &r.json["Event"];
    assert_eq!(e["info"], capture_request("020-")["info"]);
    assert_eq!(
        e["attribute_count"], "10",
        "missing attributes are not deleted"
    );
    assert_eq!(
        e["threat_level_id"], before["threat_level_id"],
        "absent fields are kept"
    );
    assert_eq!(e["Attribute"].as_array().unwrap().len(), 10);
    // An older event timestamp is refused; an attribute with an old timestamp is skipped.
    let stale = json!({"timestamp": "1000", "info": "stale"});
    let r = app.admin_post(&format!("/events/edit/{uuid}"), stale).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["errors"],
        "Event could not be saved: Event in the request not newer than the local copy."
    );
    let first = &e["Attribute"][0];
    let mut old = first.clone();
    old["comment"] = json!("ignored");
    let mut newer = e["Attribute"][1].clone();
    newer["comment"] = json!("changed");
    newer.as_object_mut().unwrap().remove("timestamp");
    let r = app.admin_post(&format!("/events/edit/{uuid}"), json!({"Attribute": [old, newer], "published": true, "Tag": [{"name": "tlp:green", "deleted": true}, {"name": "new:tag"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let attrs = r.json["Event"]["Attribute"].as_array().unwrap();
    assert_eq!(attrs[0]["comment"], first["comment"], "not newer: skipped");
    assert_eq!(attrs[1]["comment"], "changed");
    assert_eq!(
        r.json["Event"]["published"], true,
        "published with perm_publish"
    );
    let names: Vec<&str> = r.json["Event"]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["new:tag"]);
    // Without `published`, an edit unpublishes.
    let r = app
        .admin_post(&format!("/events/edit/{uuid}"), json!({"info": "renamed"}))
        .await;
    assert_eq!(r.json["Event"]["published"], false);
    // Bad fields are refused whole.
    let r = app
        .admin_post(
            &format!("/events/edit/{uuid}"),
            json!({"info": "x", "threat_level_id": "9"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.admin_get(&format!("/events/view/{uuid}")).await.json["Event"]["info"],
        "renamed"
    );
}

#[tokio::test]
async fn edit_by_another_org_is_refused() {
    let app = TestApp::spawn().await;
    let b = app.add_org("OrgB").await;
    let c = app.add_org("OrgC").await;
    let (_, b_user) = app.add_user("user@orgb.test", b, 3).await;
    let (_, c_user) = app.add_user("user@orgc.test", c, 3).await;
    let id = app
        .post(
            "/events/add",
            &b_user,
            json!({"info": "B", "distribution": 3}),
        )
        .await
        .json["Event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hidden = app
        .post(
            "/events/add",
            &b_user,
            json!({"info": "B0", "distribution": 0}),
        )
        .await
        .json["Event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post(
            &format!("/events/edit/{id}"),
            &c_user,
            json!({"info": "hijack attempt"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["message"], golden("115-")["message"]);
    let r = app
        .post(
            &format!("/events/edit/{hidden}"),
            &c_user,
            json!({"info": "hijack attempt"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/events/view/{id}"), &b_user).await.json["Event"]["info"],
        "B"
    );
}

#[tokio::test]
async fn large_events_are_streamed_whole_and_filtered() {
    let app = TestApp::spawn().await;
    let org = app.add_org("OrgB").await;
    let (_, user) = app.add_user("user@orgb.test", org, 3).await;
    // More attributes than one stream chunk, one of them private to the owner.
    let mut attributes: Vec<Value> = (0..2600)
        .map(|i| json!({"type": "text", "value": format!("v{i}")}))
        .collect();
    attributes[1234]["distribution"] = json!(0);
    let r = app.admin_post("/events/add/metadata:1", json!({"info": "big", "distribution": 3, "Attribute": attributes, "Tag": [{"name": "big:one"}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["Event"].get("Attribute").is_none(),
        "metadata:1 leaves the attributes out"
    );
    assert_eq!(r.json["Event"]["attribute_count"], "2600");
    let id = r.json["Event"]["id"].as_str().unwrap().to_string();
    let admin = app.admin_get(&format!("/events/view/{id}")).await;
    assert_same_shape(&admin.json, &golden("018-"), "streamed view");
    let values: Vec<&str> = admin.json["Event"]["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(values.len(), 2600);
    assert_eq!(values[0], "v0");
    assert_eq!(values[2599], "v2599");
    assert_eq!(admin.json["Event"]["Tag"][0]["name"], "big:one");
    let other = app.get(&format!("/events/view/{id}"), &user).await;
    let attrs = other.json["Event"]["Attribute"].as_array().unwrap();
    assert_eq!(attrs.len(), 2599);
    assert!(attrs.iter().all(|a| a["value"] != "v1234"));
}

#[tokio::test]
async fn views_are_fresh_after_every_write() {
    let app = TestApp::spawn().await;
    let r = app
        .admin_post(
            "/events/add",
            json!({"info": "fresh", "Attribute": [{"type": "text", "value": "one"}]}),
        )
        .await;
    let id = r.json["Event"]["id"].as_str().unwrap().to_string();
    let count = |r: &common::TestResponse| r.json["Event"]["Attribute"].as_array().unwrap().len();
    assert_eq!(
        count(&app.admin_get(&format!("/events/view/{id}")).await),
        1
    );
    // Several writes inside one second leave the event timestamp as it was: still seen at once.
    for (i, value) in ["two", "three"].iter().enumerate() {
        let r = app
            .admin_post(
                &format!("/attributes/add/{id}"),
                json!({"type": "text", "value": value}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            count(&app.admin_get(&format!("/events/view/{id}")).await),
            i + 2
        );
    }
    let uuid = app.admin_get(&format!("/events/view/{id}")).await.json["Event"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .admin_post(
            "/tags/attachTagToObject",
            json!({"uuid": uuid, "tag": "local:note", "local": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = app.admin_get(&format!("/events/view/{id}")).await;
    assert_eq!(
        v.json["Event"]["Tag"][0]["name"], "local:note",
        "a local tag moves no timestamp but shows at once"
    );
}

#[tokio::test]
async fn edit_adds_new_objects_and_reports() {
    let app = TestApp::spawn().await;
    let r = app
        .admin_post("/events/add", json!({"info": "children"}))
        .await;
    let uuid = r.json["Event"]["uuid"].as_str().unwrap().to_string();
    let body = json!({
        "Object": [{"name": "domain-ip", "meta-category": "network", "Attribute": [
            {"type": "domain", "object_relation": "domain", "value": "example.org"},
            {"type": "ip-dst", "object_relation": "ip", "value": "192.0.2.9"}]}],
        "EventReport": [{"name": "notes", "content": "# Findings"}],
    });
    let r = app
        .admin_post(&format!("/events/edit/{uuid}"), body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json["Event"];
    assert_eq!(e["Object"][0]["name"], "domain-ip");
    assert_eq!(e["Object"][0]["Attribute"].as_array().unwrap().len(), 2);
    assert_eq!(e["EventReport"][0]["name"], "notes");
    assert_eq!(e["attribute_count"], "2");
}

#[tokio::test]
async fn edit_updates_known_objects_and_reports_by_uuid() {
    let app = TestApp::spawn().await;
    let body = json!({"info": "known", "protected": false,
        "Object": [{"name": "domain-ip", "meta-category": "network", "comment": "first", "Attribute": [
            {"type": "domain", "object_relation": "domain", "value": "example.org"}]}],
        "EventReport": [{"name": "notes", "content": "v1"}]});
    let r = app.admin_post("/events/add", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = r.json["Event"].clone();
    assert_eq!(e["protected"], false);
    let uuid = e["uuid"].as_str().unwrap().to_string();
    let mut object = e["Object"][0].clone();
    object.as_object_mut().unwrap().remove("timestamp");
    object["comment"] = json!("second");
    object["Attribute"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "ip-dst", "object_relation": "ip", "value": "192.0.2.10"}));
    let mut report = e["EventReport"][0].clone();
    report.as_object_mut().unwrap().remove("timestamp");
    report["content"] = json!("v2");
    let stale = {
        let mut old = e["EventReport"][0].clone();
        old["content"] = json!("ignored");
        old
    };
    let r = app
        .admin_post(
            &format!("/events/edit/{uuid}"),
            json!({"Object": [object], "EventReport": [report]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json["Event"];
    assert_eq!(
        e["Object"].as_array().unwrap().len(),
        1,
        "updated, not duplicated"
    );
    assert_eq!(e["Object"][0]["comment"], "second");
    assert_eq!(e["Object"][0]["Attribute"].as_array().unwrap().len(), 2);
    assert_eq!(e["EventReport"][0]["content"], "v2");
    assert_eq!(e["attribute_count"], "2");
    // A report carrying its old timestamp is not newer: left as it is.
    let r = app
        .admin_post(
            &format!("/events/edit/{uuid}"),
            json!({"EventReport": [stale]}),
        )
        .await;
    assert_eq!(r.json["Event"]["EventReport"][0]["content"], "v2");
}

#[tokio::test]
async fn index_value_filters_never_reveal_hidden_attributes() {
    let app = TestApp::spawn().await;
    let b = app.add_org("OrgB").await;
    let c = app.add_org("OrgC").await;
    let (_, b_user) = app.add_user("user@orgb.test", b, 3).await;
    let (_, c_user) = app.add_user("user@orgc.test", c, 3).await;
    let body = json!({"info": "shared event", "distribution": 3, "Attribute": [
        {"type": "ip-dst", "value": "198.51.100.7", "comment": "public"},
        {"type": "domain", "value": "secret.example", "distribution": 0, "comment": "private"}]});
    let r = app.post("/events/add", &b_user, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ids = |r: &common::TestResponse| -> Vec<String> {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["info"].as_str().unwrap().to_string())
            .collect()
    };
    for (filter, owner_sees, other_sees) in [
        (json!({"value": "198.51.100.7"}), true, true),
        (json!({"value": "secret.example"}), true, false),
        (json!({"attribute": "SECRET"}), true, false),
        (json!({"all": "secret"}), true, false),
        (json!({"all": "shared"}), true, true),
        (json!({"value": "!secret.example"}), false, true),
    ] {
        let owner = app.post("/events/index", &b_user, filter.clone()).await;
        let other = app.post("/events/index", &c_user, filter.clone()).await;
        assert_eq!(!ids(&owner).is_empty(), owner_sees, "owner, {filter}");
        assert_eq!(!ids(&other).is_empty(), other_sees, "other org, {filter}");
        assert_eq!(
            other.headers["x-result-count"],
            if other_sees { "1" } else { "0" },
            "{filter}"
        );
    }
    // The creator's e-mail is the creator organisation's business.
    let r = app
        .post("/events/index", &c_user, json!({"email": "user@orgb.test"}))
        .await;
    assert!(ids(&r).is_empty());
    let r = app
        .post("/events/index", &b_user, json!({"email": "user@orgb.test"}))
        .await;
    assert_eq!(ids(&r), ["shared event"]);
    let r = app
        .admin_post("/events/index", json!({"sharinggroup": "7"}))
        .await;
    assert!(ids(&r).is_empty());
}

#[tokio::test]
async fn payload_tags_respect_their_restrictions() {
    let app = TestApp::spawn().await;
    let b = app.add_org("OrgB").await;
    let (_, b_admin) = app.add_user("admin@orgb.test", b, 2).await;
    // A tag reserved to the host organisation, and a local-only one.
    let r = app
        .admin_post("/tags/add", json!({"name": "host:only", "org_id": "1"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .admin_post(
            "/tags/add",
            json!({"name": "local:only", "local_only": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = json!({"info": "tagged", "Tag": [{"name": "host:only"}, {"name": "local:only"}, {"name": "free:tag"}]});
    let r = app.post("/events/add", &b_admin, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<&str> = r.json["Event"]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["free:tag"],
        "restricted and local-only tags are refused as global event tags"
    );
}
