//! Tags and tagging through the API: the catalogue against MISP's captures (062-070, 139),
//! counts restricted to what the caller may see, local versus global effects on publishing,
//! and who may tag what.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, assert_same_shape, capture_request, golden};
use serde_json::{Value, json};

fn id_of(v: &Value) -> i64 {
    v["id"].as_str().unwrap().parse().unwrap()
}

/// Adds an event as `key`; returns (event id, uuid of its first attribute).
async fn add_event(app: &TestApp, key: &str, distribution: i64, attrs: Value) -> (i64, String) {
    let body = json!({"info": "tagging", "distribution": distribution, "Attribute": attrs});
    let r = app.post("/events/add", key, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json["Event"];
    let attr = e["Attribute"][0]["uuid"].as_str().unwrap_or_default();
    (id_of(e), attr.to_string())
}

async fn event(app: &TestApp, id: i64) -> Value {
    let r = app.admin_get(&format!("/events/view/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Event"].clone()
}

/// Sets an event's timestamp and published flag directly, so a bump is visible at once.
async fn set_event_state(app: &TestApp, id: i64, timestamp: i64, published: bool) {
    use sea_query::{Expr, ExprTrait, Query};
    let q = Query::update()
        .table("events")
        .value("timestamp", timestamp)
        .value("published", published)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    app.state.db.ex().execute(&q).await.unwrap();
}

async fn add_tag(app: &TestApp, body: Value) -> Value {
    let r = app.admin_post("/tags/add", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Tag"].clone()
}

async fn attach(
    app: &TestApp,
    key: &str,
    uuid: &str,
    tag: &str,
    local: bool,
) -> common::TestResponse {
    let body = json!({"uuid": uuid, "tag": tag, "local": local});
    app.post("/tags/attachTagToObject", key, body).await
}

/// The index row of tag `name` as `key` sees it.
async fn index_row(app: &TestApp, key: &str, name: &str) -> Value {
    let r = app.get("/tags/index", key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not listed"))
}

#[tokio::test]
async fn catalogue_matches_the_captures() {
    let app = TestApp::spawn().await;
    let body = capture_request("062-");
    let r = app.admin_post("/tags/add", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("062-"), "tag add");
    let mut expected = golden("062-");
    expected["Tag"]["id"] = r.json["Tag"]["id"].clone();
    assert_eq!(r.json, expected);
    // The same name again, in another case: the existing tag, unchanged (capture 063).
    let before = app.count("tags").await;
    let again = json!({"name": "GOLDEN:capture=\"yes\"", "colour": "#ffffff"});
    let r = app.admin_post("/tags/add", again).await;
    assert_eq!((r.status, &r.json), (StatusCode::OK, &expected));
    assert_eq!(app.count("tags").await, before);
    let id = id_of(&expected["Tag"]);
    // Index: {"Tag": [...]}, sorted by name, integer counts.
    add_tag(&app, json!({"name": "a-first", "numerical_value": "95"})).await;
    let r = app.admin_get("/tags/index").await;
    assert_same_shape(&r.json, &golden("064-"), "tags index");
    let names: Vec<&str> = r.json["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a-first", "golden:capture=\"yes\""]);
    assert_eq!(r.json["Tag"][0]["numerical_value"], "95");
    assert_eq!(
        r.json["Tag"][0]["colour"],
        cairn::tags::default_colour("a-first")
    );
    assert_eq!(
        (
            r.json["Tag"][1]["count"].as_i64(),
            r.json["Tag"][1]["attribute_count"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let r = app.admin_get("/tags/index/searchall:GOLDEN").await;
    assert_eq!(r.json["Tag"].as_array().unwrap().len(), 1);
    let r = app.admin_get("/tags/index/favouritesOnly:1").await;
    assert_eq!(r.json, json!({"Tag": []}));
    // View: the bare tag with its counts; an unknown id is MISP's 405.
    let r = app.admin_get(&format!("/tags/view/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["name"], body["name"]);
    assert_eq!(
        (r.json["count"].as_i64(), r.json["attribute_count"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(r.json.get("favourite").is_none());
    let r = app.admin_get("/tags/view/9999").await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("Invalid Tag"))
    );
    // Search: `%` wildcard, PyMISP's body form, nothing found.
    let r = app
        .admin_post(
            "/tags/search",
            json!({"tagname": "golden%", "strict_tagname": false}),
        )
        .await;
    assert_eq!(r.json[0]["Tag"]["id"], expected["Tag"]["id"]);
    let r = app
        .admin_post("/tags/search", json!({"tagname": "not a tag"}))
        .await;
    assert_eq!((r.status, &r.json), (StatusCode::OK, &json!([])));
    let r = app.admin_get(&format!("/tags/search/{id}/1")).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    // The method check of capture 139.
    let r = app.admin_get("/tags/attachTagToObject").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.json, golden("139-"));
}

#[tokio::test]
async fn catalogue_validation_and_permissions() {
    let app = TestApp::spawn().await;
    let r = app
        .admin_post("/tags/add", json!({"name": "x", "colour": "red"}))
        .await;
    assert_message(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "Could not add the Tag. [colour]: Colour has to be in the RGB format (#FFFFFF)",
    );
    let r = app
        .admin_post("/tags/add", json!({"colour": "#000000"}))
        .await;
    assert_message(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "Could not add the Tag. [name]: This field is required.",
    );
    assert_eq!(app.count("tags").await, 0);
    // Only tag editors create tags; only site admins edit and delete them (MISP's ACL).
    let org = app.add_org("Tagging org").await;
    let (_, user) = app.add_user("u@tagging.test", org, 3).await;
    let r = app.post("/tags/add", &user, json!({"name": "mine"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["message"],
        "You do not have permission to use this functionality."
    );
    let (_, editor) = app.add_user("admin@tagging.test", org, 2).await;
    let r = app
        .post(
            "/tags/add",
            &editor,
            json!({"name": "theirs", "org_id": org + 1}),
        )
        .await;
    assert_message(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "Could not add the Tag. [org_id]: Only site admins may restrict a tag to another organisation.",
    );
    let r = app
        .post(
            "/tags/add",
            &editor,
            json!({"name": "ours", "org_id": org.to_string()}),
        )
        .await;
    assert_eq!(r.json["Tag"]["org_id"], org.to_string());
}

#[tokio::test]
async fn edit_and_delete() {
    let app = TestApp::spawn().await;
    let org = app.add_org("Tagging org").await;
    let (_, editor) = app.add_user("admin@tagging.test", org, 2).await;
    add_tag(&app, json!({"name": "ours"})).await;
    let tag = add_tag(&app, json!({"name": "misp-galaxy:tool=\"x\""})).await;
    assert_eq!(
        (
            tag["is_galaxy"].as_bool(),
            tag["is_custom_galaxy"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let id = id_of(&tag);
    // Edit: partial, derived flags follow the name, names stay unique.
    let r = app
        .post(
            &format!("/tags/edit/{id}"),
            &editor,
            json!({"hide_tag": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .admin_post(
            &format!("/tags/edit/{id}"),
            json!({"Tag": {"name": "plain", "hide_tag": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (
            r.json["Tag"]["name"].as_str(),
            r.json["Tag"]["hide_tag"].as_bool()
        ),
        (Some("plain"), Some(true))
    );
    assert_eq!(
        (
            r.json["Tag"]["is_galaxy"].as_bool(),
            r.json["Tag"]["colour"].clone()
        ),
        (Some(false), tag["colour"].clone())
    );
    let r = app
        .admin_post(&format!("/tags/edit/{id}"), json!({"name": "OURS"}))
        .await;
    assert_message(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "Could not add the Tag. [name]: A similar name already exists.",
    );
    let r = app
        .admin_post("/tags/edit/9999", json!({"name": "y"}))
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid tag"))
    );
    // Delete: MISP's body, then 404.
    let r = app
        .admin_post(&format!("/tags/delete/{id}"), Value::Null)
        .await;
    assert_eq!(
        r.json,
        json!({"name": "Tag deleted.", "message": "Tag deleted.", "url": format!("/tags/delete/{id}")})
    );
    let r = app
        .admin_post(&format!("/tags/delete/{id}"), Value::Null)
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Invalid tag"))
    );
}

#[tokio::test]
async fn tagging_replays_the_captures() {
    let app = TestApp::spawn().await;
    let r = app.admin_post("/events/add", capture_request("017-")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let event_id = id_of(&r.json["Event"]);
    let attr = &r.json["Event"]["Attribute"][0];
    let attr_id = id_of(attr);
    let tag_id = id_of(&add_tag(&app, capture_request("062-")).await);
    let name = "golden:capture=\"yes\"";
    // 065: a global tag on an attribute by uuid.
    let r = app
        .admin_post("/tags/attachTagToObject", capture_request("065-"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_same_shape(&r.json, &golden("065-"), "attach");
    let msg = format!("Global tag {name}({tag_id}) successfully attached to Attribute({attr_id}).");
    assert_eq!(
        r.json,
        json!({"saved": true, "success": true, "name": msg, "message": msg, "url": "/tags/attachTagToObject"})
    );
    assert_eq!(
        index_row(&app, &app.admin_key, name).await["attribute_count"],
        1
    );
    let ev = event(&app, event_id).await;
    assert_eq!(ev["Attribute"][0]["Tag"][0]["name"], name);
    // Attaching it again is still a success, with MISP's note.
    let r = app
        .admin_post("/tags/attachTagToObject", capture_request("065-"))
        .await;
    assert_eq!(
        r.json["message"],
        format!(
            "Attribute already has the requested tag attached, no changes had to be made for tag {name}."
        )
    );
    // 066: removed again, the message has a space before the id.
    let r = app
        .admin_post("/tags/removeTagFromObject", capture_request("066-"))
        .await;
    assert_same_shape(&r.json, &golden("066-"), "remove");
    assert_eq!(
        r.json["message"],
        format!("Global tag {name} ({tag_id}) successfully removed from Attribute({attr_id}).")
    );
    let r = app
        .admin_post("/tags/removeTagFromObject", capture_request("066-"))
        .await;
    assert_eq!(
        (r.status, r.json["message"].as_str()),
        (
            StatusCode::NOT_FOUND,
            Some("Could not remove tag as it is not attached to the target Attribute")
        )
    );
    // 067: a local tag that does not exist yet is created for the admin.
    let r = app
        .admin_post("/tags/attachTagToObject", capture_request("067-"))
        .await;
    let local = cairn::tags::store::find_by_name(app.state.db.ex(), "golden:internal-note")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(local.colour, "#5a0ff1");
    let msg = format!(
        "Local tag golden:internal-note({}) successfully attached to Event({event_id}).",
        local.id
    );
    assert_eq!(r.json["message"], msg);
    // 068: the legacy URL form.
    let r = app
        .admin_post(&format!("/events/addTag/{event_id}/{tag_id}"), Value::Null)
        .await;
    assert_eq!((r.status, &r.json), (StatusCode::OK, &golden("068-")));
    // 069: an unknown uuid.
    let r = app
        .admin_post("/tags/attachTagToObject", capture_request("069-"))
        .await;
    assert_eq!(
        (r.status, &r.json),
        (StatusCode::NOT_FOUND, &golden("069-"))
    );
    // 070: the event shows the global, local and URL-added tags.
    let ev = event(&app, event_id).await;
    let tags = ev["Tag"].as_array().unwrap();
    assert_same_shape(&tags[1], &golden("070-")["Event"]["Tag"][1], "event tag");
    let flags: Vec<(&str, bool)> = tags
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["local"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        flags,
        [
            ("tlp:green", false),
            ("golden:internal-note", true),
            (name, false)
        ]
    );
    assert!(ev["Attribute"][0].get("Tag").is_none());
}

#[tokio::test]
async fn global_tags_unpublish_and_local_tags_do_not() {
    let app = TestApp::spawn().await;
    let (event_id, attr_uuid) = add_event(
        &app,
        &app.admin_key,
        1,
        json!([{"type": "ip-dst", "value": "10.0.0.1"}]),
    )
    .await;
    let uuid = event(&app, event_id).await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let local = |tag: &str| json!({"uuid": uuid, "tag": tag, "local": true});
    let state = |e: &Value| {
        (
            e["timestamp"].as_str().unwrap().to_string(),
            e["published"].as_bool().unwrap(),
        )
    };
    // Tag names with a colon cannot go in a path: CakePHP reads `a:b` as a named parameter.
    add_tag(&app, json!({"name": "note-two"})).await;
    let amber = id_of(&add_tag(&app, json!({"name": "amber"})).await);
    set_event_state(&app, event_id, 1000, true).await;
    for (path, body) in [
        ("/tags/attachTagToObject".to_string(), local("note:one")),
        (
            format!("/events/addTag/{event_id}/note-two/local:1"),
            Value::Null,
        ),
    ] {
        let r = app.admin_post(&path, body).await;
        assert!(
            r.status == StatusCode::OK && r.json["saved"] == true,
            "{path}: {}",
            r.text
        );
    }
    let r = app
        .admin_post(
            &format!("/events/addTag/{event_id}"),
            json!({"tag": "note-two", "local": 1}),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": false, "errors": "Tag is already attached to this event."})
    );
    let r = app
        .admin_post(
            "/tags/removeTagFromObject",
            json!({"uuid": uuid, "tag": "note:one"}),
        )
        .await;
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Local tag note:one (")
    );
    assert_eq!(
        state(&event(&app, event_id).await),
        ("1000".into(), true),
        "local tags leave the event alone"
    );
    // A global tag on the event unpublishes it and bumps its timestamp.
    let r = app
        .admin_post(
            "/tags/attachTagToObject",
            json!({"uuid": uuid, "tag": "amber"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (ts, published) = state(&event(&app, event_id).await);
    assert!(!published && ts.parse::<i64>().unwrap() > 1000);
    // On an attribute, the attribute is bumped too; removal does the same.
    set_event_state(&app, event_id, 1000, true).await;
    let attr_id = id_of(&event(&app, event_id).await["Attribute"][0]);
    let r = app
        .admin_post(&format!("/attributes/addTag/{attr_id}/amber"), Value::Null)
        .await;
    assert_eq!(
        r.json,
        json!({"saved": true, "success": "Tag added.", "check_publish": true})
    );
    let ev = event(&app, event_id).await;
    assert!(!state(&ev).1, "unpublished");
    assert!(
        ev["Attribute"][0]["timestamp"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1000
    );
    set_event_state(&app, event_id, 1000, true).await;
    let r = app
        .admin_post(
            &format!("/attributes/removeTag/{attr_uuid}/{amber}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": true, "success": "Tag removed.", "check_publish": true})
    );
    assert!(!state(&event(&app, event_id).await).1, "unpublished");
    set_event_state(&app, event_id, 1000, true).await;
    let r = app
        .admin_post(
            &format!("/events/removeTag/{event_id}/note-two"),
            Value::Null,
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": true, "success": "Tag removed.", "check_publish": false})
    );
    assert_eq!(state(&event(&app, event_id).await), ("1000".into(), true));
    let r = app
        .admin_post(
            &format!("/events/removeTag/{event_id}"),
            json!({"tag": amber}),
        )
        .await;
    assert_eq!(r.json["check_publish"], true);
    assert!(!state(&event(&app, event_id).await).1, "unpublished");
}

#[tokio::test]
async fn counts_and_targets_never_reveal_hidden_data() {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let third_org = app.add_org("Third").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 3).await;
    let (_, third) = app.add_user("u@third.test", third_org, 3).await;
    // Users may attach existing tags in a payload, not create them.
    add_tag(&app, json!({"name": "secret"})).await;
    add_tag(&app, json!({"name": "mixed"})).await;
    let secret = json!([{"type": "ip-dst", "value": "10.9.9.9", "Tag": [{"name": "secret"}]}]);
    let (hidden_id, hidden_attr) = add_event(&app, &owner, 0, secret).await;
    let r = app
        .admin_post(&format!("/events/addTag/{hidden_id}/secret"), Value::Null)
        .await;
    assert_eq!(r.json["saved"], true, "{}", r.text);
    // A shared event whose only tagged attribute is private to the owner.
    let private = json!([{"type": "ip-dst", "value": "10.8.8.8", "distribution": 0, "Tag": [{"name": "mixed"}]}]);
    let (shared_id, _) = add_event(&app, &owner, 1, private).await;
    app.admin_post(&format!("/events/addTag/{shared_id}/mixed"), Value::Null)
        .await;
    for (key, secret_counts, mixed_counts) in [
        (&app.admin_key, (1, 1), (1, 1)),
        (&owner, (1, 1), (1, 1)),
        (&third, (0, 0), (1, 0)),
    ] {
        for (name, want) in [("secret", secret_counts), ("mixed", mixed_counts)] {
            let row = index_row(&app, key, name).await;
            assert_eq!(
                (
                    row["count"].as_i64().unwrap(),
                    row["attribute_count"].as_i64().unwrap()
                ),
                want,
                "{name}"
            );
            let r = app.get(&format!("/tags/view/{}", id_of(&row)), key).await;
            assert_eq!(
                (
                    r.json["count"].as_i64().unwrap(),
                    r.json["attribute_count"].as_i64().unwrap()
                ),
                want
            );
        }
    }
    // Every tagging route answers a hidden target exactly as a missing one.
    let hidden_uuid = event(&app, hidden_id).await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let missing = "00000000-0000-4000-8000-000000000000";
    let links = app.count("event_tags").await + app.count("attribute_tags").await;
    for uuid in [hidden_uuid.as_str(), hidden_attr.as_str(), missing] {
        for path in ["/tags/attachTagToObject", "/tags/removeTagFromObject"] {
            let r = app
                .post(path, &third, json!({"uuid": uuid, "tag": "secret"}))
                .await;
            assert_eq!(
                (r.status, r.json["message"].as_str()),
                (StatusCode::NOT_FOUND, Some("Invalid Target.")),
                "{path}"
            );
        }
    }
    for id in [hidden_id.to_string(), "999999".into()] {
        let r = app
            .post(&format!("/events/addTag/{id}/secret"), &third, Value::Null)
            .await;
        assert_eq!(r.json, json!({"saved": false, "errors": "Invalid event."}));
        let r = app
            .post(
                &format!("/events/removeTag/{id}/secret"),
                &third,
                Value::Null,
            )
            .await;
        assert_eq!(
            r.json,
            json!({"saved": false, "errors": "Invalid event - tag combination."})
        );
    }
    for key in [hidden_attr.as_str(), "999999"] {
        for action in ["addTag", "removeTag"] {
            let r = app
                .post(
                    &format!("/attributes/{action}/{key}/secret"),
                    &third,
                    Value::Null,
                )
                .await;
            assert_eq!(
                (r.status, r.json["message"].as_str()),
                (StatusCode::NOT_FOUND, Some("Invalid attribute"))
            );
        }
    }
    assert_eq!(
        app.count("event_tags").await + app.count("attribute_tags").await,
        links
    );
}

/// An event of "Owner" (distribution 1) and the people around it.
struct Scene {
    app: TestApp,
    owner: String,
    other: String,
    host_user: String,
    event_id: i64,
    uuid: String,
    attr_uuid: String,
}

/// The scene, with tags `shared`, `for-fixed` (restricted to a third user) and `local-only`.
async fn scene() -> Scene {
    let app = TestApp::spawn().await;
    let owner_org = app.add_org("Owner").await;
    let other_org = app.add_org("Other").await;
    let (_, owner) = app.add_user("u@owner.test", owner_org, 3).await;
    let (_, other) = app.add_user("u@other.test", other_org, 3).await;
    let (_, host_user) = app.add_user("u@host.test", 1, 3).await;
    let (fixed, _) = app.add_user("fixed@owner.test", owner_org, 3).await;
    let attrs = json!([{"type": "ip-dst", "value": "10.1.1.1"}]);
    let (event_id, attr_uuid) = add_event(&app, &owner, 1, attrs).await;
    let uuid = event(&app, event_id).await["uuid"].as_str().unwrap().into();
    add_tag(&app, json!({"name": "shared"})).await;
    add_tag(&app, json!({"name": "for-fixed", "user_id": fixed})).await;
    add_tag(&app, json!({"name": "local-only", "local_only": true})).await;
    Scene {
        app,
        owner,
        other,
        host_user,
        event_id,
        uuid,
        attr_uuid,
    }
}

fn assert_message(r: &common::TestResponse, status: StatusCode, message: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["message"], message, "{}", r.text);
}

fn assert_refused_for(r: &common::TestResponse, reason: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.json["errors"].as_str().unwrap().contains(reason),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn refused_tagging_changes_nothing() {
    let Scene {
        app,
        owner,
        other,
        event_id,
        uuid,
        attr_uuid,
        ..
    } = scene().await;
    let owner_org = app.add_org("Readers").await;
    let (_, reader) = app.add_user("ro@owner.test", owner_org, 6).await;
    let before = (
        app.count("tags").await,
        app.count("event_tags").await,
        app.count("attribute_tags").await,
    );
    let r = attach(&app, &reader, &uuid, "shared", false).await;
    assert_message(
        &r,
        StatusCode::FORBIDDEN,
        "You do not have permission to use this functionality.",
    );
    let r = attach(&app, &other, &uuid, "shared", false).await;
    assert_message(
        &r,
        StatusCode::FORBIDDEN,
        "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags.",
    );
    let r = attach(&app, &other, &uuid, "shared", true).await;
    assert_eq!(r.json["name"], "Could not attachTagToObject Tag");
    assert_eq!(
        r.json["errors"],
        "Failed to attach 1 tags. Reasons: {\"0\":\"Local tags can only be added by users of the host organisation.\"}"
    );
    let r = attach(&app, &owner, &uuid, "for-fixed", false).await;
    assert_refused_for(&r, "Invalid Tag. This tag can only be set by a fixed user.");
    let r = attach(&app, &owner, &uuid, "local-only", false).await;
    assert_refused_for(&r, "Invalid Tag. This tag can only be set as a local tag.");
    let r = attach(&app, &owner, &uuid, "brand-new", false).await;
    assert_refused_for(
        &r,
        "Tag not found and insufficient privileges to create it.",
    );
    let r = app
        .post(
            &format!("/events/addTag/{event_id}/shared"),
            &other,
            Value::Null,
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": false, "errors": "You don't have permission to do that."})
    );
    let r = app
        .post(
            &format!("/attributes/addTag/{attr_uuid}/shared"),
            &other,
            Value::Null,
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": false, "errors": "Tag could not be added."})
    );
    let bad = json!({"uuid": "nope", "tag": "x"});
    let r = app
        .request(
            Method::POST,
            "/tags/attachTagToObject",
            Some(&owner),
            Some(bad),
        )
        .await;
    assert_message(&r, StatusCode::METHOD_NOT_ALLOWED, "Invalid UUID");
    let after = (
        app.count("tags").await,
        app.count("event_tags").await,
        app.count("attribute_tags").await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn creator_org_and_host_org_rights() {
    let Scene {
        app,
        owner,
        other,
        host_user,
        event_id,
        uuid,
        attr_uuid,
    } = scene().await;
    // The creator org tags globally; the host organisation may add local tags to anyone's data.
    let r = attach(&app, &owner, &uuid, "shared", false).await;
    let msg = r.json["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("successfully attached to Event({event_id})")),
        "{msg}"
    );
    let r = attach(&app, &host_user, &uuid, "local-only", true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Several tags at once, two refused: the success with the refusals appended.
    let body = json!({"uuid": attr_uuid, "tag": ["shared", "local-only", "for-fixed"]});
    let r = app.post("/tags/attachTagToObject", &owner, body).await;
    let msg = r.json["message"].as_str().unwrap();
    assert!(msg.starts_with("Global tag shared("), "{msg}");
    assert!(
        msg.contains("\nFailed to attach 2 tags. Reasons: {\"0\":"),
        "{msg}"
    );
    // The other org may not drop the creator's global tag, nor the host's local one.
    let remove = |tag: &str| json!({"uuid": uuid, "tag": tag});
    let r = app
        .post("/tags/removeTagFromObject", &other, remove("shared"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post("/tags/removeTagFromObject", &other, remove("local-only"))
        .await;
    assert_message(
        &r,
        StatusCode::FORBIDDEN,
        "Insufficient privileges to remove local tags from events you do not own.",
    );
    let r = app
        .post(
            &format!("/events/removeTag/{event_id}/shared"),
            &other,
            Value::Null,
        )
        .await;
    assert_eq!(
        r.json,
        json!({"saved": false, "errors": "You don't have permission to do that."})
    );
    let r = app
        .post("/tags/removeTagFromObject", &owner, remove("unknown"))
        .await;
    assert_message(&r, StatusCode::METHOD_NOT_ALLOWED, "Invalid Tag.");
    // The host org removes its local tag; the owner its global one.
    let r = app
        .post(
            "/tags/removeTagFromObject",
            &host_user,
            remove("local-only"),
        )
        .await;
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("successfully removed from Event({event_id})."))
    );
    let r = app
        .post("/tags/removeTagFromObject", &owner, remove("shared"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(event(&app, event_id).await.get("Tag").is_none());
}
